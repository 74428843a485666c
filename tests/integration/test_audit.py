"""Audit on both backends: hash chains, append-only events, recomputation, replay."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from fractions import Fraction
from urllib.parse import urlparse

import psycopg
import pytest
from eventsourcing.utils import get_topic
from typer.testing import CliRunner

from domain.chain import ChainBrokenError, digest, event_content
from domain.household import Household
from domain.money import yuan
from domain.policy.s17_medical_caps import BillFigures
from scripts.cli import cli
from scripts.demo import build_demo_city
from services.audit import replay_household
from services.ledger import Ledger
from tests.conftest import _pg_conninfo
from tests.helpers import household, means, rural_household
from tests.path import app_consents, app_decide


def dibao_household(ledger, members=3, income=10000):
    hid, ids = household(ledger.app, members)
    app_id = ledger.app.submit_application(
        hid,
        programme="dibao",
        effective_from=date(2025, 3, 1),
        means=means(income),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, date(2025, 3, 1)),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    return hid, ids


def rewrite(ledger, events, store=None):
    """Behind the application's back: put new state into existing event rows (of the
    event table, or of `store`'s table, e.g. the snapshots)."""
    store = store or ledger.app.events
    stored = [store.mapper.to_stored_event(e) for e in events]
    table = store.recorder.events_table_name
    if ledger.backend == "sqlite":
        path = ledger.settings.database_url[len("sqlite:///") :]
        import sqlite3

        with sqlite3.connect(path) as conn:
            for s in stored:
                conn.execute(
                    f"UPDATE {table} SET state = ? WHERE originator_id = ? "
                    "AND originator_version = ?",
                    (s.state, s.originator_id.hex, s.originator_version),
                )
        return
    schema = ledger.settings.database_url.split("schema=")[1].split("&")[0]
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # a superuser's way round
        for s in stored:
            conn.execute(
                f'UPDATE "{schema}".{table} SET state = %s WHERE originator_id = %s '
                "AND originator_version = %s",
                (s.state, s.originator_id, s.originator_version),
            )


def test_a_populated_ledger_verifies_clean(ledger):
    """The demo city (standard changes, medical corrections, payment runs): every chain
    holds and every recorded result recomputes to what was recorded."""
    build_demo_city(ledger, households=120, seed=7)
    report = ledger.verify()
    assert report.chain_breaks == [] and report.recompute_mismatches == []
    assert report.streams_checked > 120 and report.ok


def test_an_event_changed_behind_the_back_breaks_its_chain(ledger, settings, monkeypatch):
    """A member's name changed in the event row: `ledger verify` names the stream and the
    version, and exits 1."""
    hid, _ = dibao_household(ledger)
    events = ledger.app.household_events(hid)
    added = next(e for e in events if isinstance(e, Household.MemberAdded))
    rewrite(ledger, [replace(added, name="冒名")])
    report = ledger.verify()
    assert [(b["stream_id"], b["version"]) for b in report.chain_breaks] == [
        (str(hid), added.originator_version)
    ]
    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    result = CliRunner().invoke(cli, ["verify"])
    assert result.exit_code == 1
    assert f"CHAIN BREAK stream {hid} at version {added.originator_version}" in result.output


def remove(ledger, stream_id, from_version):
    """Behind the application's back (a superuser on PostgreSQL): delete a stream's events
    from `from_version` on."""
    table = ledger.app.recorder.events_table_name
    if ledger.backend == "sqlite":
        import sqlite3

        with sqlite3.connect(ledger.settings.database_url[len("sqlite:///") :]) as conn:
            conn.execute(
                f"DELETE FROM {table} WHERE originator_id = ? AND originator_version >= ?",
                (stream_id.hex, from_version),
            )
        return
    schema = ledger.settings.database_url.split("schema=")[1].split("&")[0]
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # a superuser's way round
        conn.execute(
            f'DELETE FROM "{schema}".{table} WHERE originator_id = %s AND originator_version >= %s',
            (stream_id, from_version),
        )


def test_removing_the_end_of_a_stream_or_a_whole_stream_is_caught(ledger, settings, monkeypatch):
    """The last event of one household's stream deleted, and every event of another's: the
    remaining chains hold, but the heads noted when the events were appended say the
    streams were longer; `ledger verify` reports both and exits 1."""
    cut, _ = dibao_household(ledger)
    gone, _ = household(ledger.app, 1)
    last = len(ledger.app.household_events(cut))
    assert ledger.verify().ok
    remove(ledger, cut, last)
    remove(ledger, gone, 1)
    report = ledger.verify()
    assert sorted(
        (b["stream_id"], b["version"], b["reason"]) for b in report.chain_breaks
    ) == sorted(
        [
            (
                str(cut),
                last,
                f"the stream ends at version {last - 1}, but version {last} was recorded "
                "(events removed)",
            ),
            (
                str(gone),
                2,
                "the stream ends at version 0, but version 2 was recorded (events removed)",
            ),
        ]
    )
    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    result = CliRunner().invoke(cli, ["verify"])
    assert result.exit_code == 1
    assert f"CHAIN BREAK stream {cut} at version {last}" in result.output


def forge(ledger, hid, change):
    """Behind the application's back: change events of a stream with `change` and
    re-hash the whole chain, so that every link holds again."""
    forged, previous = [], ""
    for event in ledger.app.household_events(hid):
        event = change(event)
        content = event_content(event)
        event = replace(event, chain=digest(previous, get_topic(type(event)), content))
        previous = event.chain
        forged.append(event)
    rewrite(ledger, forged)


@pytest.fixture
def snapshotting(settings):
    """A ledger that takes a snapshot every 3 events."""
    opened = Ledger.open(settings.model_copy(update={"snapshot_interval": 3}))
    try:
        yield opened
    finally:
        opened.close()


def test_a_snapshot_changed_behind_the_back_is_caught(snapshotting, settings, monkeypatch):
    """A member's name changed inside a stored snapshot (its chain head left alone, so a
    load starting from it sees nothing wrong): `ledger verify` folds the stream to the
    snapshot's version, finds the snapshot differs from its events, and exits 1."""
    ledger = snapshotting
    hid, ids = dibao_household(ledger)
    [snapshot, *_] = ledger.app.snapshots.get(hid)
    forged = snapshot.mutate(None)
    member = forged.members[ids[0]]
    forged.members[ids[0]] = replace(member, name="冒名顶替")
    taken = type(snapshot).take(forged)
    rewrite(ledger, [taken], ledger.app.snapshots)
    assert ledger.app.household(hid, version=snapshot.originator_version).members[ids[0]].name == (
        "冒名顶替"
    )  # the load trusts a snapshot whose chain head matches; verify does not
    report = ledger.verify()
    assert report.chain_breaks == [
        {
            "stream_id": str(hid),
            "version": snapshot.originator_version,
            "reason": "snapshot differs from its events",
        }
    ]
    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    result = CliRunner().invoke(cli, ["verify"])
    assert result.exit_code == 1
    assert f"CHAIN BREAK stream {hid} at version {snapshot.originator_version}" in result.output


def test_a_snapshot_with_another_chain_head_is_refused_on_load(snapshotting):
    """A snapshot whose chain head is not the chain of the stored event at its version
    (forged state re-hashed to hide it) stops the load and the replay, like a changed
    event."""
    ledger = snapshotting
    hid, _ = dibao_household(ledger)
    *_, snapshot = ledger.app.snapshots.get(hid)  # the one a load starts from
    forged = snapshot.mutate(None)
    forged.chain_head = "0" * 64
    rewrite(ledger, [type(snapshot).take(forged)], ledger.app.snapshots)
    with pytest.raises(ChainBrokenError, match="snapshot at version"):
        ledger.app.household(hid)
    with pytest.raises(ChainBrokenError, match="snapshot at version"):
        replay_household(ledger, hid, date(2025, 4, 1), None)  # the replay's own fold


def test_a_forged_chain_is_caught_by_recomputation(ledger):
    """Someone changes the dibao amount 2,916.67 to 9,916.67 and re-hashes the rest of the
    stream so that the chain holds: the recomputation of (15,000 x 3 - 10,000) / 12 from
    the recorded inputs still says 2,916.67, and verify reports the mismatch."""
    hid, _ = dibao_household(ledger)
    forge(
        ledger,
        hid,
        lambda e: (
            replace(e, monthly_fen=991_667) if isinstance(e, Household.EntitlementChanged) else e
        ),
    )
    report = ledger.verify()
    assert report.chain_breaks == []
    [mismatch] = report.recompute_mismatches
    assert mismatch["household_id"] == str(hid) and mismatch["event"] == "EntitlementChanged"
    assert "291667" in mismatch["problem"] and "991667" in mismatch["problem"]


def approve(ledger, hid, programme, on, details):
    app_id = ledger.app.submit_application(
        hid,
        programme=programme,
        effective_from=on,
        means=None,
        details=details,
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, on),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")


def test_forged_grants_are_caught_by_recomputation(ledger):
    """WE#11 (§28): a house collapsed on 2024-07-10 gets 25,000. WE#13 (§14): renovation
    grants of 25,000 then 10,000 requested: the second is cut to 5,000 by the 30,000 cap.
    The stream verifies clean; then the relief is forged to 35,000 and the second
    renovation grant to the uncut 10,000, the chain re-hashed: verify recomputes both from
    the recorded details and reports exactly these two."""
    hid, _ = dibao_household(ledger)
    collapsed = {"disaster_on": "2024-07-10", "loss": "house_collapsed"}
    approve(ledger, hid, "disaster_relief", date(2025, 3, 1), collapsed)
    approve(ledger, hid, "renovation_grant", date(2025, 4, 1), {"requested": "25000"})
    approve(ledger, hid, "renovation_grant", date(2025, 5, 1), {"requested": "10000"})
    grants = [(g["programme"], g["amount_fen"]) for g in ledger.app.household(hid).grants]
    assert grants == [
        ("disaster_relief", 2_500_000),
        ("renovation_grant", 2_500_000),
        ("renovation_grant", 500_000),
    ]
    assert ledger.verify().ok

    forged_amounts = {2_500_000: 3_500_000, 500_000: 1_000_000}

    def change(event):
        if isinstance(event, Household.GrantAwarded) and event.programme != "renovation_grant":
            return replace(event, amount_fen=forged_amounts[event.amount_fen])
        if isinstance(event, Household.GrantAwarded) and event.amount_fen == 500_000:
            return replace(event, amount_fen=forged_amounts[event.amount_fen])
        return event

    forge(ledger, hid, change)
    report = ledger.verify()
    assert report.chain_breaks == []
    assert [(m["event"], m["problem"]) for m in report.recompute_mismatches] == [
        ("GrantAwarded", "disaster_relief grant recomputes to 2500000 fen, recorded 3500000"),
        ("GrantAwarded", "renovation_grant grant recomputes to 500000 fen, recorded 1000000"),
    ]


def test_a_forged_fund_payout_and_village_subsidy_are_caught(ledger):
    """WE#8 (§17): one person, bills with self-pay 18,000 then 15,000: the second is over
    the 30,000 person cap by 3,000, which the fund pays. §23: dividends of 1,000.01 give
    the village 50% = 500.005, half-up 500.01. Forged (chain re-hashed): the fund's payout
    to 4,000 and the subsidy to 500.00; verify reports both."""
    app = ledger.app
    hid = rural_household(ledger, "330402")  # §23: dibao from 2025-01-01
    member = next(iter(app.household(hid).members))
    for self_paid in (18000, 15000):
        app.record_medical_bill(
            hid,
            member_id=member,
            service_on=date(2025, 3, 1),
            figures=BillFigures(yuan(self_paid), 0, yuan(self_paid), {}, ()),
            actor="caseworker-li",
        )
    assert (
        app.record_dividend(
            hid, year=2024, amount_fen=100_001, actor="caseworker-li", on=date(2025, 3, 1)
        )
        == 50_001
    )
    [payout] = [
        e for e in app.household_events(hid) if isinstance(e, Household.MedicalReliefGranted)
    ]
    assert payout.amount_fen == yuan(3000)
    assert ledger.verify().ok

    def change(event):
        if isinstance(event, Household.MedicalReliefGranted):
            return replace(event, amount_fen=yuan(4000))
        if isinstance(event, Household.DividendRecorded):
            return replace(event, village_subsidy_fen=50_000)
        return event

    forge(ledger, hid, change)
    report = ledger.verify()
    assert report.chain_breaks == []
    assert [(m["event"], m["problem"]) for m in report.recompute_mismatches] == [
        (
            "MedicalReliefGranted",
            f"the fund's payout for bill {payout.bill_id} is 400000 fen, the bill's relief 300000",
        ),
        (
            "DividendRecorded",
            "village subsidy recomputes to 50001 fen (50% of 100001), recorded 50000",
        ),
    ]


def test_replay_known_at_before_and_after_a_retroactive_change(ledger, settings, monkeypatch):
    """§3: dibao (15,000 x 3 - 10,000) / 12 = 2,916.67 from March. The standard is raised
    to 15,600 from 2025-02-01 afterwards: replayed as of April as known before the change
    it is 2,916.67; as known now (15,600 x 3 - 10,000) / 12 = 3,066.67, with the
    adjustment event in the list."""
    hid, _ = dibao_household(ledger)
    before = datetime.now(UTC)
    ledger.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(15600),
        effective_from=date(2025, 2, 1),
        basis="doc",
        actor="admin",
        cited_income_growth=Fraction(4, 100),
    )
    then = replay_household(ledger, hid, date(2025, 4, 1), before)
    now = replay_household(ledger, hid, date(2025, 4, 1), None)
    assert [e["monthly_amount"] for e in then["state"]["entitlements"]] == ["2916.67"]
    assert [e["monthly_amount"] for e in now["state"]["entitlements"]] == ["3066.67"]
    assert len(now["events"]) == len(then["events"]) + 1
    assert now["events"][-1]["type"] == "EntitlementChanged"
    assert now["events"][-1]["actor"] == "admin"
    # The same through `ledger replay --known-at`.
    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    for known_at, amount in ((before.isoformat(), "2916.67"), (None, "3066.67")):
        args = ["replay", str(hid), "--as-of", "2025-04-01", "--json"]
        result = CliRunner().invoke(cli, args + (["--known-at", known_at] if known_at else []))
        assert result.exit_code == 0, result.output
        state = json.loads(result.output)["state"]
        assert [e["monthly_amount"] for e in state["entitlements"]] == [amount]


def test_replay_at_an_old_time_never_starts_from_a_later_snapshot(snapshotting):
    """§3 with a snapshot every 3 events: dibao (15,000 x 3 - 10,000) / 12 = 2,916.67 from
    March; afterwards the standard rises to 15,600 from 2025-02-01 ((15,600 x 3 -
    10,000) / 12 = 3,066.67) and the members change six more times, so snapshots are
    taken after the earlier time. Replayed as known then: the old version, 2,916.67 and
    its events only; as known now: 3,066.67."""
    ledger = snapshotting
    hid, ids = dibao_household(ledger)
    then_version = ledger.app.household(hid).version
    before = datetime.now(UTC)
    ledger.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(15600),
        effective_from=date(2025, 2, 1),
        basis="doc",
        actor="admin",
        cited_income_growth=Fraction(4, 100),
    )
    for i in range(6):
        ledger.app.change_member(
            hid,
            ids[0],
            effective_on=date(2025, 4, 1),
            changes={"severe_illness": i % 2 == 0},
            actor="caseworker-li",
        )
    versions = [s.originator_version for s in ledger.app.snapshots.get(hid)]
    assert max(versions) > then_version + 3  # later snapshots exist
    then = replay_household(ledger, hid, date(2025, 4, 1), before)
    now = replay_household(ledger, hid, date(2025, 4, 1), None)
    assert then["state"]["version"] == then_version
    assert [e["monthly_amount"] for e in then["state"]["entitlements"]] == ["2916.67"]
    assert [e["position"] for e in then["events"]] == list(range(1, then_version + 1))
    assert [e["monthly_amount"] for e in now["state"]["entitlements"]] == ["3066.67"]
    assert now["state"]["version"] == then_version + 7


def test_replay_lists_only_payments_for_months_up_to_the_date(ledger):
    """§3: (15,000 x 3 - 10,000) / 12 = 2,916.67 a month from March, paid by the March and
    April runs. Replayed as of 2025-03-31 the state holds March's payment only; as of
    2025-04-30 both."""
    from services.payment_runs import run_payments

    hid, ids = dibao_household(ledger)
    ledger.app.set_account(
        hid,
        ids[0],
        kind="bank",
        account_number="6222020200112233445",
        bank_name="工行",
        actor="caseworker-li",
        on=date(2025, 1, 1),
    )
    run_payments(ledger, "2025-03", "finance-zhou")
    run_payments(ledger, "2025-04", "finance-zhou")
    march = replay_household(ledger, hid, date(2025, 3, 31), None)["state"]["payments"]
    april = replay_household(ledger, hid, date(2025, 4, 30), None)["state"]["payments"]
    assert [(p["period"], p["amount"]) for p in march] == [("2025-03", "2916.67")]
    assert [(p["period"], p["amount"]) for p in april] == [
        ("2025-03", "2916.67"),
        ("2025-04", "2916.67"),
    ]


def test_the_report_holds_grants_bills_relief_and_who_decided_in_words(ledger):
    """The audit report of a dibao household of three, (15,000 x 3 - 10,000) / 12 =
    2,916.67 from March approved by approver-wang; a collapsed house on 2024-07-10
    (§28, WE#11): 25,000; one member's bills with self-pay 18,000 then 15,000 (§17,
    WE#8): 3,000 over the 30,000 person cap paid by the fund. The Chinese report names
    the programmes, relations and events in Chinese, not by their codes; the English one
    in English; both give the grant, the bills, the relief and who decided."""
    from api.report import render_html, report_data

    hid, ids = dibao_household(ledger)
    collapsed = {"disaster_on": "2024-07-10", "loss": "house_collapsed"}
    approve(ledger, hid, "disaster_relief", date(2025, 3, 1), collapsed)
    for self_paid in (18000, 15000):
        ledger.app.record_medical_bill(
            hid,
            member_id=ids[1],
            service_on=date(2025, 3, 5),
            figures=BillFigures(yuan(self_paid), 0, yuan(self_paid), {}, ()),
            actor="caseworker-li",
        )
    data = report_data(ledger, hid, date(2025, 3, 31))
    [entitlement] = data["r"]["state"]["entitlements"]
    assert (entitlement["monthly_amount"], entitlement["decided_by"]) == (
        "2916.67",
        "approver-wang",
    )
    zh = render_html(data, "zh")
    for text in (
        "<td>低保</td>",
        "<td>户主</td>",
        "<td>受灾救助</td>",
        "<td>25000.00</td>",
        "<td>18000.00</td>",
        "<td>15000.00</td>",
        "<td>3000.00</td>",
        "基金救助合计（元）: 3000.00",
        "审批决定",
        "一次性救助",
        "基金救助",
    ):
        assert text in zh, text
    for code in ("ApplicationDetermined", "GrantAwarded", "<td>dibao</td>", "<td>head</td>"):
        assert code not in zh, code
    assert zh.count("approver-wang") >= 3  # the entitlement, the grant, the timeline
    en = render_html(data, "en")
    for text in ("<td>Dibao</td>", "<td>Disaster relief</td>", "Application determined"):
        assert text in en, text


@pytest.mark.postgres
def test_the_application_role_cannot_rewrite_events(pg_schema, tmp_path, monkeypatch):
    """PostgreSQL, the deployment's split: the schema's owner runs `ledger migrate
    --app-role ROLE`; the ledger then runs as ROLE (not the owner, LEDGER_MIGRATE_ON_START
    false), records a household and its views. As ROLE, the superuser's kind of UPDATE
    (new state into an event row), a DELETE, switching the append-only trigger off, and
    lowering a stream's head are all refused."""
    from services.settings import Settings
    from tests.conftest import PG_URL, pg_database_url

    role = f"ledger_app_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
    owner_url = pg_database_url(pg_schema)
    monkeypatch.setenv("LEDGER_DATABASE_URL", owner_url)
    try:
        result = CliRunner().invoke(cli, ["migrate", "--app-role", role])
        assert result.exit_code == 0, result.output
        app_url = owner_url.replace(f"//{urlparse(PG_URL).username or 'postgres'}@", f"//{role}@")
        settings = Settings(
            database_url=app_url, secret="s" * 40, data_dir=tmp_path, migrate_on_start=False
        )
        ledger = Ledger.open(settings)
        try:
            hid, _ = dibao_household(ledger)
            ledger.runner.catch_up()
            assert [f.row.monthly_fen for f in ledger.entitlements(hid, date(2025, 4, 1))] == [
                291_667
            ]
            added = next(
                e for e in ledger.app.household_events(hid) if isinstance(e, Household.MemberAdded)
            )
            forged = ledger.app.mapper.to_stored_event(replace(added, name="冒名"))
        finally:
            ledger.close()
        conninfo = _pg_conninfo().replace("user=postgres", f"user={role}")
        table = f'"{pg_schema}".ledger_events'
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for statement, params, error in (
                (
                    f"UPDATE {table} SET state = %s WHERE originator_id = %s "
                    "AND originator_version = %s",
                    (forged.state, forged.originator_id, forged.originator_version),
                    "append-only",
                ),
                (f"DELETE FROM {table} WHERE originator_id = %s", (hid,), "permission denied"),
                (f"ALTER TABLE {table} DISABLE TRIGGER ALL", None, "must be owner"),
                (
                    f"ALTER TABLE {table} DISABLE TRIGGER ledger_events_append_only",
                    None,
                    "must be owner",
                ),
                (
                    f'UPDATE "{pg_schema}".ledger_stream_heads SET originator_version = 1',
                    None,
                    "permission denied",
                ),
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege) as caught:
                    conn.execute(statement, params)
                assert error in str(caught.value)
    finally:
        with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def test_verify_json_output(ledger, settings, monkeypatch):
    dibao_household(ledger)
    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    result = CliRunner().invoke(cli, ["verify", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["chain_breaks"] == [] and body["recompute_mismatches"] == []
    assert body["events_checked"] > 10


def test_a_pdf_report_without_a_chinese_font_is_refused_plainly(ledger, settings, monkeypatch):
    """The PDF needs a font with Chinese glyphs: on a server without one (no
    LEDGER_REPORT_FONT, no Debian CJK font) the report answers 503 naming what to install,
    not a bare 500; the HTML report still answers."""
    from fastapi.testclient import TestClient

    import api.pdf
    from api.auth import issue_token
    from api.main import create_app

    hid, _ = household(ledger.app, 1)
    monkeypatch.setattr(api.pdf.glob, "glob", lambda pattern: [])
    monkeypatch.delenv("LEDGER_REPORT_FONT", raising=False)
    token = issue_token(settings.secret.get_secret_value(), "auditor-chen", "auditor", 60)
    with TestClient(create_app(settings, ledger)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        pdf = client.get(f"/audit/households/{hid}/report?format=pdf", headers=headers)
        assert pdf.status_code == 503
        assert pdf.json()["field"] == "format"
        assert "fonts-wqy-microhei" in pdf.json()["message"]
        html = client.get(f"/audit/households/{hid}/report", headers=headers)
        assert html.status_code == 200 and "text/html" in html.headers["content-type"]
