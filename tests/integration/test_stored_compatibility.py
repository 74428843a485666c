"""A ledger recorded by an earlier release opens with this one and reads the same.

`tests/fixtures/pre-split-ledger.db` is a 40-household demo city (snapshots every 5
events) recorded by the code before the household aggregate was split into per-concern
parts; `pre-split-expected.json` is what that code read from it (`make_pre_split.py`
says how both were made). Stored event topics (`domain.household:Household.X`) and
snapshots must still load: the state is folded from the current-version snapshots, the
chains and recomputation pass, and every entitlement, cap and payment reads the same."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from services.ledger import Ledger
from services.settings import Settings
from tests.fixtures.make_pre_split import figures

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_a_ledger_recorded_before_the_split_opens_verifies_and_reads_the_same(tmp_path):
    path = tmp_path / "ledger.db"
    shutil.copy(FIXTURES / "pre-split-ledger.db", path)
    settings = Settings(
        database_url=f"sqlite:///{path}",
        secret="test-secret-" + "x" * 40,
        data_dir=tmp_path,
        snapshot_interval=5,
    )
    expected = json.loads((FIXTURES / "pre-split-expected.json").read_text())
    ledger = Ledger.open(settings)
    try:
        report = ledger.verify()
        assert report.ok, (report.chain_breaks, report.recompute_mismatches, report.drifted)
        assert report.stale_snapshots == 0  # every snapshot was used and compared
        assert report.streams_checked > 40
        assert figures(ledger) == expected
    finally:
        ledger.close()


def test_a_ledger_recorded_before_grants_were_paid_pays_them_once_by_its_next_run(tmp_path):
    """Issue 18: the fixture's grants (§11, §14, §28) were recorded by code that never
    paid them. Opened by this release, the payment trail view is built from the whole
    log (every grant there), and the next run pays each of them once, as a `grant` line
    under its grant's id, or lists it as waiting; the run after pays none."""
    from projections import sql
    from services.payment_runs import run_payments

    path = tmp_path / "ledger.db"
    shutil.copy(FIXTURES / "pre-split-ledger.db", path)
    settings = Settings(
        database_url=f"sqlite:///{path}",
        secret="test-secret-" + "x" * 40,
        data_dir=tmp_path,
        snapshot_interval=5,
    )
    ledger = Ledger.open(settings)
    try:
        ledger.runner.catch_up()
        recorded = ledger.views.query(
            "SELECT COUNT(*) AS n FROM {s}.ledger_entitlement_history WHERE cause = 'grant'", {}
        )[0]["n"]
        grants = ledger.views.query("SELECT grant_id FROM {s}.ledger_grants", {})
        assert recorded > 0 and len(grants) == recorded
        latest = max(r["period"] for r in ledger.views.query(sql.RUN_PERIODS, {}))
        year, month = int(latest[:4]), int(latest[5:])
        following = f"{year + month // 12}-{month % 12 + 1:02d}"
        summary = run_payments(ledger, following, "finance-zhou")
        ledger.runner.catch_up()
        paid = {
            r["payment_id"]
            for r in ledger.views.query(sql.FEED_RUN, {"period": following})
            if r["kind"] == "grant"
        }
        waiting = {w["payment_id"] for w in summary.report.waiting if w["kind"] == "grant"}
        assert paid | waiting == {r["grant_id"] for r in grants} and not paid & waiting
        assert summary.report.grants == len(paid)
        assert ledger.reconciliation(following)["balanced"]
        year, month = int(following[:4]), int(following[5:])
        after = run_payments(ledger, f"{year + month // 12}-{month % 12 + 1:02d}", "finance-zhou")
        assert after.report.grants == 0
    finally:
        ledger.close()
