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
