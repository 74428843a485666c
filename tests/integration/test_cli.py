"""The `ledger` command line on both backends: demo, token, replay, rebuild, bench."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from api.auth import read_token
from domain.money import format_yuan
from projections import sql
from projections.entitlements import TABLES
from scripts.cli import cli
from services.ledger import Ledger
from tests.path import app_consents, app_decide


@pytest.fixture
def env(settings, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    monkeypatch.setenv("LEDGER_DATA_DIR", str(settings.data_dir))
    return settings


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_city_replay_and_rebuild(env):
    """`ledger demo` builds 1,000 households with a year of events; a second run finds the
    city complete and adds nothing (exit 0); `replay` of a household agrees with the
    entitlement view; `rebuild` gives back identical rows."""
    output = run("demo", "--households", "1000")
    assert "demo city: 1000 households (1000 added now" in output
    assert "tekun standard 27,000" in output
    again = run("demo")
    assert "demo city: 1000 households (seed 2025), complete: nothing to add" in again

    ledger = Ledger.open(env)
    try:
        ledger.runner.catch_up()
        assert ledger.views.count("ledger_households") == 1000
        haining = ledger.views.households_with(("dibao",), "330481", date(2025, 12, 1))
        assert haining, "the demo has dibao households in 海宁"
        before = ledger.views.dump(TABLES)
    finally:
        ledger.close()

    replayed = json.loads(run("replay", str(haining[0]), "--as-of", "2025-12-01", "--json"))
    ledger = Ledger.open(env)
    try:
        view = ledger.entitlements(haining[0], date(2025, 12, 1))
        assert sorted(
            (e["programme"], e["monthly_amount"]) for e in replayed["state"]["entitlements"]
        ) == sorted((f.row.programme, format_yuan(f.row.monthly_fen)) for f in view)
        # 海宁's own dibao standard (15,600 from 2025-10-01) is in force there.
        dibao = next(e for e in replayed["state"]["entitlements"] if e["programme"] == "dibao")
        assert dibao["standard_version"].startswith("330481/")
    finally:
        ledger.close()

    output = run("rebuild")
    assert "rebuilt entitlements" in output
    ledger = Ledger.open(env)
    try:
        assert ledger.views.dump(TABLES) == before
    finally:
        ledger.close()


def test_payment_run_and_feed_export(env):
    """`ledger payment-run` schedules a month once; `ledger feed export` writes the feed as
    JSON, CSV and a pain.001 message valid against the official XSD."""
    import importlib.resources

    import xmlschema

    from tests.helpers import household, means

    ledger = Ledger.open(env)
    try:
        hid, ids = household(ledger.app, 2)
        ledger.app.set_account(
            hid,
            ids[0],
            kind="one_card",
            account_number="330400123456",
            bank_name=None,
            actor="caseworker-li",
            on=date(2025, 1, 1),
        )
        app_id = ledger.app.submit_application(
            hid,
            programme="dibao",
            effective_from=date(2025, 1, 1),
            means=means(6000),
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 1, 1)),
        )
        app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    finally:
        ledger.close()
    first = run("payment-run", "2025-01")
    assert "1 payments scheduled, total 2000.00" in first  # (30,000 - 6,000) / 12
    assert "already scheduled" in run("payment-run", "2025-01")
    feed = json.loads(run("feed", "export"))
    [item] = feed["items"]
    assert (item["amount"], item["account_number"]) == ("2000.00", "330400123456")
    assert feed["next_cursor"] == item["cursor"]
    assert json.loads(run("feed", "export", "--after", feed["next_cursor"]))["items"] == []
    assert run("feed", "export", "--format", "csv").splitlines()[1].startswith(item["cursor"])
    run_id = first.split()[1]
    xml = run("feed", "export", "--format", "pain001", "--run", run_id)
    xsd = importlib.resources.files("sepaxml").joinpath("schemas", "pain.001.001.09.xsd")
    xmlschema.XMLSchema(str(xsd)).validate(xml.encode())
    assert "<CtrlSum>2000.00</CtrlSum>" in xml


def test_payment_run_prints_its_grants_and_what_waits(env):
    """`ledger payment-run` says how many one-off grants it paid and lists what waits: a
    household of one on dibao from 2025-01-01 with no income (1,250.00, §6) and no payee
    account, granted 暖巢 renovation of 8,000.00 (§14), which waits for an account."""
    from tests.helpers import household, means

    ledger = Ledger.open(env)
    try:
        hid, _ = household(ledger.app, 1)
        app_id = ledger.app.submit_application(
            hid,
            programme="dibao",
            effective_from=date(2025, 1, 1),
            means=means(0),
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 1, 1)),
        )
        app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
        grant_id = ledger.app.submit_application(
            hid,
            programme="renovation_grant",
            effective_from=date(2025, 1, 1),
            means=None,
            details={"requested": "8000"},
            actor="caseworker-li",
        )
        ledger.app.determine(hid, grant_id, decision="approve", reason="ok", actor="approver-wang")
    finally:
        ledger.close()
    output = run("payment-run", "2025-01")
    assert "1 payments scheduled, total 1250.00 to 1 households; of them 0 one-off grants" in output
    assert "waiting (1):" in output
    assert f"grant {grant_id} household {hid} renovation_grant 2025-01 8000.00" in output
    assert "no payee account" in output


def test_payment_run_refuses_a_skipped_month_and_export_refuses_a_bad_run_id(env):
    """Audit G3 and G10: `ledger payment-run` for a month after a gap says which month
    to run first and records nothing; `ledger feed export --run` with something that is
    not a run id is a plain error, not a traceback."""
    run("payment-run", "2025-01")
    skipped = CliRunner().invoke(cli, ["payment-run", "2025-03"])
    assert skipped.exit_code == 1
    assert "run 2025-02 first" in skipped.output
    assert "Traceback" not in skipped.output
    ledger = Ledger.open(env)
    try:
        ledger.runner.catch_up()
        assert [r["period"] for r in ledger.views.query(sql.RUN_PERIODS, {})] == ["2025-01"]
    finally:
        ledger.close()
    for args in (["--run", "not-a-uuid"], ["--after", "x"]):
        bad = CliRunner().invoke(cli, ["feed", "export", *args])
        assert bad.exit_code == 2, bad.output
        assert "must be" in bad.output
        assert isinstance(bad.exception, SystemExit)  # a plain exit, not a crash


def test_token_carries_user_and_role(env):
    token = run("token", "--user", "李社工", "--role", "caseworker").strip()
    user = read_token(env.secret.get_secret_value(), token)
    assert (user.name, user.role) == ("李社工", "caseworker")
    bad = CliRunner().invoke(cli, ["token", "--user", "x", "--role", "mayor"])
    assert bad.exit_code == 2 and "role must be one of" in bad.output


def test_bench_prints_and_writes_every_workload(env, tmp_path):
    report_path = tmp_path / "bench.json"
    output = run(
        "bench",
        "--households",
        "60",
        "--replay-events",
        "200",
        "--api-seconds",
        "0.5",
        "--report",
        str(report_path),
    )
    assert "rebuild: all views" in output
    report = json.loads(report_path.read_text())
    workloads = {w["workload"]: w for w in report["workloads"]}
    assert set(workloads) == {
        "bulk registration",
        "determinations",
        "medical bills (with cap checks)",
        "rebuild: entitlements view",
        "rebuild: medical view",
        "rebuild: payments view",
        "rebuild: care view",
        "rebuild: warnings view",
        "rebuild: applications view",
        "rebuild: search view",
        "payment run (60 households)",
        "rebuild: all views",
        "replay one household of 200 events",
        "load one household of 200 events",
        "bulk import (60 households)",
        "rebuild peak memory (all views)",
        "API: current entitlements",
        "API: history",
        "API: current entitlements at 200/s",
        "checkpoint (60 households)",
    }
    for w in workloads.values():
        assert w["ledger"] > 0
        assert w["plain"] > 0 or w["workload"].startswith(("API:", "checkpoint"))
        assert w.get("errors", 0) == 0
    assert workloads["replay one household of 200 events"]["same_replay"] is True
    assert workloads["load one household of 200 events"]["same_state"] is True
    assert workloads["bulk import (60 households)"]["floor"] > 0
    assert workloads["rebuild: all views"]["floor"] > 0
    assert workloads["API: current entitlements"]["requests"] > 0
    checkpoint = workloads["checkpoint (60 households)"]
    assert checkpoint["floor"] > 0 and checkpoint["events"] == checkpoint["ledger_n"] > 60
    assert checkpoint["verify_with_checkpoint_seconds"] > 0
    assert checkpoint["checkpoint_findings"] == 0
    assert f"ledger checkpoint: {checkpoint['checkpoint_seconds']:.2f} s for" in output


def test_bench_only_replay_times_the_audit_replay_beside_the_plain_way(env, tmp_path):
    """Issue 6 (the replay figure): `ledger bench --only replay` runs just the audit replay
    of one long household (and the load beside it), the ledger's way and the plain way
    (no snapshots, every event decoded), with the same answer both ways; a workload that
    does not exist is refused with the list of those that do."""
    report_path = tmp_path / "replay.json"
    output = run(
        "bench", "--only", "replay", "--replay-events", "200", "--report", str(report_path)
    )
    assert "same answer both ways: True" in output
    report = json.loads(report_path.read_text())
    assert report["only"] == ["replay"]
    workloads = {w["workload"]: w for w in report["workloads"]}
    assert set(workloads) == {
        "replay one household of 200 events",
        "load one household of 200 events",
    }
    replay = workloads["replay one household of 200 events"]
    assert replay["ledger"] > 0 and replay["plain"] > 0 and replay["same_replay"] is True
    bad = CliRunner().invoke(cli, ["bench", "--only", "replays"])
    assert bad.exit_code == 2
    assert "no workload replays" in bad.output


def test_budget_set_show_and_the_run_that_holds_a_line(env):
    """`ledger budget set` records 南湖区's 2025 dibao budget of 1,000.00; a household of
    one on dibao from 2025-01-01 with no income is owed 1,250.00 (§6), past it: January's
    run holds the line and says so; `ledger budget show` gives committed 0.00 and remaining
    1,000.00; a bad amount names the field and records nothing."""
    from tests.helpers import household, means

    ledger = Ledger.open(env)
    try:
        hid, _ = household(ledger.app, 1)
        app_id = ledger.app.submit_application(
            hid,
            programme="dibao",
            effective_from=date(2025, 1, 1),
            means=means(0),
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 1, 1)),
        )
        app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    finally:
        ledger.close()
    bad = CliRunner().invoke(
        cli,
        ["budget", "set", "南湖区", "2025", "dibao", "12.345", "--document", "嘉民〔2025〕12号"],
    )
    assert bad.exit_code == 1 and "amount:" in bad.output
    assert "no budget and no spending recorded for 2025" in run("budget", "show", "2025")
    output = run(
        "budget", "set", "南湖区", "2025", "dibao", "1000.00", "--document", "嘉民〔2025〕12号"
    )
    assert "2025 330402 南湖区 dibao: budget 1000.00 (嘉民〔2025〕12号), committed 0.00" in output
    output = run("payment-run", "2025-01")
    assert "0 payments scheduled, total 0.00" in output
    assert f"household {hid} dibao 2025-01 1250.00: held: the 2025 budget" in output
    assert (
        "330402 南湖区 dibao: committed 0.00 = 0.00 + 0.00; budget 1000.00, remaining "
        "1000.00; held; 1 lines held (1250.00)"
    ) in output
    shown = run("budget", "show", "2025", "--county", "330402", "--months")
    assert "remaining 1000.00: within budget, 1 lines held in runs" in shown


def test_bench_only_budgets_runs_the_month_with_budgets_beside_none(env, tmp_path):
    """`ledger bench --only budgets`: the same run with 南湖区's budgets at nine tenths
    of what it pays (the rest waits) beside the run with none."""
    report_path = tmp_path / "bench.json"
    run("bench", "--only", "budgets", "--households", "40", "--report", str(report_path))
    [row] = json.loads(report_path.read_text())["workloads"]
    assert row["workload"] == "payment run with budgets (40 households)"
    assert row["ledger"] > 0 and row["plain"] > 0
    assert row["released_with_budgets"] < row["released_without"] == row["plain_n"]
    assert row["held"]["dibao"] > 0
