"""One-off grants paid by the payment runs (§11 education aid, §14 暖巢 renovation, §28
disaster relief; docs/PAYMENTS.md "One-off grants"), on both backends: a `grant` line
under the grant's id, exactly once however many runs follow, and a grant whose
household has no payee account waits, is listed, and is paid by the first run after an
account is recorded."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from datetime import date
from uuid import UUID

import pytest

from api.auth import User
from api.routers.payments import feed_csv, feed_item, feed_pain001
from domain.payments import run_id
from projections import sql
from services.payment_runs import run_payments
from services.payouts import household_history, waiting_now
from tests.helpers import id_number, means
from tests.path import app_consents, app_decide

CW, AP, FIN = "caseworker-li", "approver-wang", "finance-zhou"
HEAD_ACCOUNT = "6222020200112233445"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


def family(ledger, *, account: bool = True, child_account: bool = False):
    """A dibao household of two from 2025-01-01 with no income: (15,000 x 2) / 12 =
    2,500.00 a month (§6); the child is in junior high school."""
    app = ledger.app
    hid = app.register_household(
        region_code="330402",
        residence="urban",
        address="南湖路1号",
        registered_on=date(2024, 1, 1),
        actor=CW,
    )
    head = app.add_member(
        hid,
        actor=CW,
        name="张三",
        id_number=id_number(),
        relation="head",
        birth_on=date(1980, 5, 17),
        joined_on=None,
    )
    child = app.add_member(
        hid,
        actor=CW,
        name="张小明",
        id_number=id_number(date(2012, 3, 1)),
        relation="child",
        birth_on=date(2012, 3, 1),
        joined_on=None,
        school_stage="junior",
    )
    if account:
        set_account(ledger, hid, head, HEAD_ACCOUNT, date(2025, 1, 1))
    if child_account:
        set_account(ledger, hid, child, "330412345678", date(2025, 1, 1), kind="one_card")
    app_id = app.submit_application(
        hid,
        programme="dibao",
        effective_from=date(2025, 1, 1),
        means=means(0),
        actor=CW,
        consents=app_consents(app, hid, date(2025, 1, 1)),
    )
    app_decide(app, hid, app_id, decision="approve", reason="ok", actor=AP)
    return hid, head, child


def set_account(ledger, hid, member, number, on, kind="bank"):
    ledger.app.set_account(
        hid, member, kind=kind, account_number=number, bank_name="工行", actor=CW, on=on
    )


def grant(ledger, hid, programme, on, member_id=None, details=None) -> str:
    app_id = ledger.app.submit_application(
        hid,
        programme=programme,
        effective_from=on,
        means=None,
        member_id=member_id,
        details=details or {},
        actor=CW,
    )
    ledger.app.determine(hid, app_id, decision="approve", reason="入户核实", actor=AP)
    return app_id


def three_grants(ledger, hid, child) -> dict[str, str]:
    """Education aid for the junior-high child of a dibao household, full (§11):
    1,500.00; renovation asked 8,000, under the 30,000 cap (§14): 8,000.00; disaster
    relief for a damaged house on 2025-02-20 at the rate since 2023-12-13 (§28):
    3,000.00. All from 2025-03-01."""
    on = date(2025, 3, 1)
    return {
        "education_aid": grant(
            ledger, hid, "education_aid", on, child, {"school_year": "2025-2026"}
        ),
        "renovation_grant": grant(ledger, hid, "renovation_grant", on, None, {"requested": "8000"}),
        "disaster_relief": grant(
            ledger,
            hid,
            "disaster_relief",
            on,
            None,
            {"disaster_on": "2025-02-20", "loss": "house_damaged"},
        ),
    }


def feed(ledger, period):
    ledger.runner.catch_up()
    return ledger.views.query(sql.FEED_RUN, {"period": period})


def test_grants_are_paid_once_by_the_run_of_their_month_under_their_own_id(ledger):
    """February's run pays the dibao 2,500.00 only: the three grants take effect in
    March. March's run pays 2,500.00 + 1,500.00 + 8,000.00 + 3,000.00 = 15,000.00, each
    grant a `grant` line whose payment id is its grant's id, paid to the head's account
    (the child has none). March again, April and May never pay a grant again."""
    hid, head, child = family(ledger)
    grants = three_grants(ledger, hid, child)
    feb = run_payments(ledger, "2025-02", FIN)
    assert (feb.payments, feb.total_fen, feb.report.grants) == (1, 250_000, 0)
    march = run_payments(ledger, "2025-03", FIN)
    assert (march.payments, march.total_fen) == (4, 1_500_000)
    assert (march.report.grants, march.report.grants_fen, march.report.waiting) == (
        3,
        1_250_000,
        [],
    )
    lines = {r["payment_id"]: r for r in feed(ledger, "2025-03")}
    for programme, grant_id in grants.items():
        line = lines[grant_id]
        assert (line["kind"], line["programme"], line["period"]) == ("grant", programme, "2025-03")
        assert (line["payee_member_id"], line["account_number"]) == (head, HEAD_ACCOUNT)
        assert line["recovered_fen"] == 0 and line["retry_of"] is None
    assert {lines[g]["amount_fen"] for g in grants.values()} == {150_000, 800_000, 300_000}
    assert lines[grants["education_aid"]]["member_id"] == child
    assert "§11" in lines[grants["education_aid"]]["explanation"]
    again = run_payments(ledger, "2025-03", FIN)
    assert not again.created and again.report == march.report
    for period in ("2025-04", "2025-05"):
        later = run_payments(ledger, period, FIN)
        assert (later.payments, later.total_fen, later.report.grants) == (1, 250_000, 0)
    ledger.runner.catch_up()
    every = ledger.views.query(sql.FEED_PAGE, {"after": 0, "limit": 100})
    assert sorted(r["payment_id"] for r in every if r["kind"] == "grant") == sorted(grants.values())
    recon = ledger.reconciliation("2025-03")
    assert recon["balanced"], recon["checks"]
    assert recon["grants"] == {"payments": 3, "amount_fen": 1_250_000}
    report = ledger.verify()
    assert report.ok, (report.chain_breaks, report.recompute_mismatches)


def test_the_feed_carries_grants_as_their_own_kind_in_json_csv_and_pain001(ledger):
    """The March run's grant lines in the feed (JSON item kind `grant`), the CSV and the
    pain.001 message, whose EndToEndId is the grant's id without dashes."""
    hid, _, child = family(ledger)
    grants = three_grants(ledger, hid, child)
    run_payments(ledger, "2025-02", FIN)
    run_payments(ledger, "2025-03", FIN)
    rows = feed(ledger, "2025-03")
    finance = User("finance-zhou", "finance")
    items = [feed_item(r, finance) for r in rows]
    assert sorted(i["payment_id"] for i in items if i["kind"] == "grant") == sorted(grants.values())
    csv_text = feed_csv(items)
    assert csv_text.count(",grant,") == 3
    root = ET.fromstring(feed_pain001(run_id("2025-03"), "2025-03", rows))
    e2e = {e.text for e in root.iter(f"{{{NS['p']}}}EndToEndId")}
    assert {UUID(g).hex for g in grants.values()} <= e2e
    assert root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", NS).text == "15000.00"


def test_a_grant_with_no_payee_account_waits_is_listed_and_is_paid_after_one_is_recorded(
    ledger,
):
    """Renovation 8,000.00 (§14) from 2025-02-01 for a household with no account: the
    February and March runs do not pay it and list it as waiting (so does finance's
    list); the head's account is recorded on 2025-03-10; April's run pays it, once, under
    the grant's id (its period stays 2025-02, its month); then nothing waits."""
    hid, head, _ = family(ledger, account=False)
    grant_id = grant(ledger, hid, "renovation_grant", date(2025, 2, 1), None, {"requested": "8000"})
    for period in ("2025-02", "2025-03"):
        summary = run_payments(ledger, period, FIN)
        [waiting] = summary.report.waiting
        assert (waiting["kind"], waiting["payment_id"], waiting["amount_fen"]) == (
            "grant",
            grant_id,
            800_000,
        )
        assert waiting["household_id"] == str(hid) and "no payee account" in waiting["why"]
        assert all(r["kind"] != "grant" for r in feed(ledger, period))
    assert [w["payment_id"] for w in waiting_now(ledger)] == [grant_id]
    set_account(ledger, hid, head, HEAD_ACCOUNT, date(2025, 3, 10))
    april = run_payments(ledger, "2025-04", FIN)
    assert april.report.waiting == [] and april.report.grants == 1
    [paid] = [r for r in feed(ledger, "2025-04") if r["kind"] == "grant"]
    assert (paid["payment_id"], paid["amount_fen"], paid["period"]) == (
        grant_id,
        800_000,
        "2025-02",
    )
    assert paid["account_number"] == HEAD_ACCOUNT
    assert waiting_now(ledger) == []
    run_payments(ledger, "2025-05", FIN)
    assert all(r["kind"] != "grant" for r in feed(ledger, "2025-05"))
    history = household_history(ledger, hid)
    [recorded] = history["grants"]
    assert recorded["paid_by"]["payment_id"] == grant_id and history["waiting"] == []


def test_a_persons_grant_goes_to_their_own_account_when_they_have_one(ledger):
    """Education aid is per child (§11): with the child's own 民生一卡通 card recorded, the
    1,500.00 goes there; the household's grants (renovation) go to the head."""
    hid, head, child = family(ledger, child_account=True)
    grants = three_grants(ledger, hid, child)
    run_payments(ledger, "2025-03", FIN)
    lines = {r["payment_id"]: r for r in feed(ledger, "2025-03")}
    assert lines[grants["education_aid"]]["payee_member_id"] == child
    assert lines[grants["education_aid"]]["account_kind"] == "one_card"
    assert lines[grants["renovation_grant"]]["payee_member_id"] == head


def test_runs_started_at_once_pay_each_grant_once(ledger):
    """Four threads start March at once over ten households with a grant each (renovation
    8,000.00, §14): one run, ten grant lines, every id once; then April pays none."""
    ids = []
    for _ in range(10):
        hid, _, _ = family(ledger)
        ids.append(
            grant(ledger, hid, "renovation_grant", date(2025, 3, 1), None, {"requested": "8000"})
        )
    results, errors = [], []
    barrier = threading.Barrier(4)

    def start():
        try:
            barrier.wait()
            results.append(run_payments(ledger, "2025-03", FIN))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({(r.run_id, r.payments, r.total_fen, r.report.grants) for r in results}) == 1
    assert (results[0].payments, results[0].total_fen) == (20, 10 * 250_000 + 10 * 800_000)
    assert results[0].report.grants == 10
    rows = feed(ledger, "2025-03")
    assert sorted(r["payment_id"] for r in rows if r["kind"] == "grant") == sorted(ids)
    run_payments(ledger, "2025-04", FIN)
    assert [r for r in feed(ledger, "2025-04") if r["kind"] == "grant"] == []


def test_a_run_resumed_after_a_crash_pays_the_grants_left_once(ledger, monkeypatch):
    """A run that wrote some households and died (its Started event and part of its
    lines recorded, not completed) is finished by the next request: every grant once,
    and the report counts the lines the run holds: 4 x 2,500.00 + 4 x 8,000.00."""
    from services import payment_runs

    ids = []
    for _ in range(4):
        hid, _, _ = family(ledger)
        ids.append(
            grant(ledger, hid, "renovation_grant", date(2025, 3, 1), None, {"requested": "8000"})
        )
    real_put = payment_runs._put
    calls = []

    def dies_after_the_first_batch(target, events):
        calls.append(len(events))
        if len(calls) > 1:
            raise KeyboardInterrupt  # the process stops here
        real_put(target, events)

    with monkeypatch.context() as patched:
        patched.setattr(payment_runs, "_put", dies_after_the_first_batch)
        with pytest.raises(KeyboardInterrupt):
            run_payments(ledger, "2025-03", FIN, batch_size=2)
    assert calls == [2, 2]
    done = run_payments(ledger, "2025-03", FIN, batch_size=2)
    assert (done.payments, done.total_fen) == (8, 4 * 250_000 + 4 * 800_000)
    assert (done.report.grants, done.report.grants_fen) == (4, 3_200_000)
    rows = feed(ledger, "2025-03")
    assert sorted(r["payment_id"] for r in rows if r["kind"] == "grant") == sorted(ids)
    assert ledger.reconciliation("2025-03")["balanced"]
