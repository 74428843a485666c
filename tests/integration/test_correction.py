"""A ledger recorded before the POLICY ch. 13 fix opens with it: `ledger verify` names
the households whose amounts are wrong, `ledger correct` records their corrections (and
replaces the old state version's snapshots), and the next payment run recovers what was
overpaid at 30% of a payment (PARAM `recovery_max_share`, §11).

The ledger is `tests/fixtures/pre-s13-ledger.db`, written by the code before the fix
(`tests/fixtures/make_pre_s13.py` says how and what is in it). Amounts: dibao for two is
(30,000 - income) / 12 a month in 2025 (§2, §4)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from typer.testing import CliRunner

from scripts.cli import cli
from services.ledger import Ledger
from services.payment_runs import run_payments
from services.settings import Settings
from tests.integration.test_payments import lines

FIXTURE = Path(__file__).parents[1] / "fixtures" / "pre-s13-ledger.db"
H1 = UUID("173836d4-b6eb-47a6-bc76-f8261bea21ec")  # dibao 06-20, re-assessed from 03-01
H2 = UUID("5d31cae0-1200-5a44-87fd-4d700b433ae6")  # its imported twin (2,100.00 migrated)
H3 = UUID("427bbd88-e245-4f70-a23c-a5287bdb1799")  # R1 from 05-01, then R2 from 03-01
H4 = UUID("6bdb1dd1-3ec9-4fb1-a2f8-1f015acc30ea")  # never re-assessed


@pytest.fixture
def old(tmp_path, monkeypatch):
    path = tmp_path / "ledger.db"
    shutil.copy(FIXTURE, path)
    settings = Settings(
        database_url=f"sqlite:///{path}",
        secret="test-secret-" + "x" * 40,
        data_dir=tmp_path,
        snapshot_interval=5,
    )
    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    monkeypatch.setenv("LEDGER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LEDGER_SNAPSHOT_INTERVAL", "5")
    return settings


def _verify() -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["verify", "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_an_old_ledger_is_named_by_verify_corrected_once_and_then_recovers(old):
    """Before: H1 and H2 are paid 2,000.00 / 2,100.00 from 06-20 and H3 1,500.00 from
    05-01, where §13 gives 1,000.00 from 03-01 for all three; H4 is right. After `ledger
    correct`: 1,000.00 from 03-01, H1's and H2's dibao from 03-01. The September run
    recovers July's and August's overpayment (H1 2 x 1,000.00, H2 2 x 1,100.00, H3
    2 x 500.00) at 30% of 1,000.00: each is paid 700.00; H4 is paid 2,000.00."""
    code, report = _verify()
    assert code == 1
    assert sorted(d["household_id"] for d in report["drifted"]) == sorted(
        str(h) for h in (H1, H2, H3)
    )
    assert report["chain_breaks"] == [] and report["recompute_mismatches"] == []
    assert report["stale_snapshots"] > 0

    first = CliRunner().invoke(cli, ["correct"])
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[-1] == "3 households corrected"
    assert {line.split()[1].rstrip(":") for line in first.output.splitlines()[:-1]} == {
        str(h) for h in (H1, H2, H3)
    }
    again = CliRunner().invoke(cli, ["correct"])
    assert again.output.splitlines() == ["0 households corrected"]

    code, report = _verify()
    assert code == 0, report
    assert sorted(c["household_id"] for c in report["corrected"]) == sorted(
        str(h) for h in (H1, H2, H3)
    )
    assert report["drifted"] == []

    ledger = Ledger.open(old)
    try:
        for hid in (H1, H2, H3, H4):  # each household's latest snapshot is current now
            [latest] = ledger.app.snapshots.get(hid, desc=True, limit=1)
            assert latest.state["class_version"] == 2
        for hid in (H1, H2, H3):
            for on in (date(2025, 3, 1), date(2025, 6, 20), date(2025, 9, 1)):
                assert [
                    (e.row.monthly_fen, e.effective_to) for e in ledger.entitlements(hid, on)
                ] == [(100_000, None)], (hid, on)
        for hid in (H1, H2):
            spans = [(s.category, s.effective_from) for s in ledger.app.household(hid).categories]
            assert spans == [("dibao", date(2025, 3, 1))]
        run_payments(ledger, "2025-09", "finance-zhou")
        assert sorted(lines(ledger, "2025-09")) == sorted(
            [("2025-09", "2025-09", "regular", 100_000, 30_000, 70_000)] * 3
            + [("2025-09", "2025-09", "regular", 200_000, 0, 200_000)]
        )
    finally:
        ledger.close()


def test_ledger_migrate_replaces_the_snapshots_of_older_rules(old):
    """Issue 19: snapshots an older release wrote are never trusted (the state is folded
    from the events) and `ledger migrate` replaces them: after it each household's latest
    snapshot is of the current rules (the older ones stay as history, never used, and
    `verify` still counts them), and a second migrate replaces nothing."""
    _, report = _verify()
    stale = report["stale_snapshots"]
    assert stale > 0
    first = CliRunner().invoke(cli, ["migrate"])
    assert first.exit_code == 0, first.output
    replaced = int(first.output.split("; ")[-1].split()[0])
    assert 0 < replaced <= stale
    _, report = _verify()
    assert report["stale_snapshots"] == stale and report["chain_breaks"] == []
    again = CliRunner().invoke(cli, ["migrate"])
    assert "; 0 snapshots of older rules replaced" in again.output
    ledger = Ledger.open(old)
    try:
        for hid in (H1, H2, H3, H4):
            [latest] = ledger.app.snapshots.get(hid, desc=True, limit=1)
            assert latest.state["class_version"] == 2
    finally:
        ledger.close()
