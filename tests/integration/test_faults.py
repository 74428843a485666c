"""Faults: the projection process killed (SIGKILL) in the middle of a batch and started
again gives views identical to a clean rebuild; a database refusing a write is reported,
never swallowed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from projections.runner import VIEWS
from scripts.demo import build_demo_city

CHILD = textwrap.dedent("""
    import sys, time
    from api.settings import Settings
    from api.container import Ledger
    settings = Settings(database_url=sys.argv[1], secret="k" * 40, data_dir=sys.argv[2])
    ledger = Ledger.open(settings)
    store = ledger.views
    write = store._write          # slow every batch down *inside* its transaction
    def slow(curs, ops):
        write(curs, ops)
        time.sleep(0.05)
    store._write = slow
    ledger.runner.batch_size = 40
    print("catching up", flush=True)
    ledger.runner.catch_up()
    print("done", flush=True)
""")


def test_a_projection_killed_mid_batch_catches_up_to_a_clean_rebuild(
    ledger, settings, tmp_path: Path
):
    build_demo_city(ledger, households=60, seed=11)
    tables = tuple(t for view in VIEWS.values() for t in view.tables)
    ledger.runner.catch_up()
    head = ledger.app.recorder.max_notification_id()
    for view in VIEWS.values():  # empty views: the child rebuilds them from the log
        ledger.views.reset(ledger.runner.tracking_name(view), view.tables)
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), settings.database_url, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "catching up"
    names = [ledger.runner.tracking_name(view) for view in VIEWS.values()]

    def done() -> int:
        return sum(ledger.views.max_tracking_id(n) or 0 for n in names)

    deadline = time.monotonic() + 60
    while done() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)  # while it sleeps inside a batch's transaction
    child.wait(timeout=30)
    assert 0 < done() < head * len(names), "the kill must land in the middle of the rebuild"
    ledger.runner.catch_up()  # started again: it carries on from the tracked position
    recovered = ledger.views.dump(tables)
    ledger.runner.rebuild()
    assert ledger.views.dump(tables) == recovered


def test_a_refused_write_is_reported(ledger):
    """A view write that the database refuses raises; the position does not move."""
    from eventsourcing.persistence import Tracking

    from projections.interface import Op

    name = "fault-test"
    with pytest.raises(Exception) as caught:
        ledger.views.apply(
            [
                Op(
                    "household",
                    {
                        "household_id": None,
                        "region_code": None,
                        "residence": None,
                        "registered_on": None,
                    },
                )
            ],
            Tracking(name, 5),
        )
    assert "NULL" in str(caught.value).upper() or "null" in str(caught.value)
    assert ledger.views.max_tracking_id(name) is None


def test_a_propagation_cut_short_is_reported_and_completed_by_ledger_propagate(
    ledger, settings, monkeypatch
):
    """§3, "standard changes reach households": three households of one on dibao from
    2025-03-01 (no income: 15,000 / 12 = 1,250.00). The rise to 15,600 from 2025-03-01
    (1,300.00) is saved, then the process dies after the first household's batch. The
    change stays recorded; `ledger verify` reports its propagation unfinished;
    `ledger propagate` brings the other two to 1,300.00 and records the completion, after
    which verify is clean and a second `ledger propagate` has nothing to do."""
    from datetime import date
    from fractions import Fraction

    from typer.testing import CliRunner

    import domain.application
    from domain.household import Household
    from domain.money import yuan
    from scripts.cli import cli
    from tests.helpers import household, means

    hids = []
    for _ in range(3):
        hid, _ = household(ledger.app, 1)
        app_id = ledger.app.submit_application(
            hid,
            programme="dibao",
            effective_from=date(2025, 3, 1),
            means=means(0),
            actor="caseworker-li",
        )
        ledger.app.determine(hid, app_id, decision="approve", reason="ok", actor="approver-wang")
        hids.append(hid)
    original = Household.apply_standard_change
    calls = []

    def dies_after_one(self, book, **kwargs):
        calls.append(self.id)
        if len(calls) > 1:
            raise RuntimeError("killed")  # not a LedgerError: the process stops here
        return original(self, book, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(domain.application, "PROPAGATION_BATCH", 1)
        patch.setattr(Household, "apply_standard_change", dies_after_one)
        with pytest.raises(RuntimeError):
            ledger.record_standard_change(
                key="dibao_standard_annual",
                value=yuan(15600),
                effective_from=date(2025, 3, 1),
                basis="嘉政发〔2025〕9号",
                actor="admin",
                cited_income_growth=Fraction(4, 100),
            )

    def monthly(hid):
        return [f.row.monthly_fen for f in ledger.entitlements(hid, date(2025, 3, 1))]

    assert sorted(monthly(h) for h in hids) == [[125_000], [125_000], [130_000]]
    report = ledger.verify()
    assert not report.ok
    [unfinished] = report.unfinished_propagations
    assert unfinished["key"] == "dibao_standard_annual"
    assert unfinished["effective_from"] == "2025-03-01"

    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    monkeypatch.setenv("LEDGER_DATA_DIR", str(settings.data_dir))
    verify = CliRunner().invoke(cli, ["verify"], catch_exceptions=False)
    assert verify.exit_code == 1
    assert f"UNFINISHED propagation of dibao_standard_annual {unfinished['version']}" in (
        verify.output
    )
    done = CliRunner().invoke(cli, ["propagate"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert f"{unfinished['version']}: 2 changes recorded, 0 households refused" in done.output
    assert [monthly(h) for h in hids] == [[130_000]] * 3
    assert ledger.verify().ok
    again = CliRunner().invoke(cli, ["propagate"], catch_exceptions=False)
    assert "0 unfinished propagations completed" in again.output
