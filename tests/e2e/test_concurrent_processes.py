"""`ledger demo` beside a running `ledger serve` on the same ledger (issue 22): the
README's first session. Both catch the same views up at once; the demo completes and
the views are those of a clean rebuild."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from projections.runner import VIEWS
from services.ledger import Ledger
from services.settings import Settings
from tests.conftest import pg_database_url
from tests.e2e.conftest import SECRET, running_server

ROOT = Path(__file__).resolve().parents[2]
TABLES = tuple(t for view in VIEWS.values() for t in view.tables)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return pg_database_url(request.getfixturevalue("pg_schema"))


def test_demo_beside_a_running_server(database_url, tmp_path, monkeypatch):
    """The failure as a user met it: `ledger serve`, then `ledger demo` in a second
    terminal stopped with a refused write (the two caught the same views up at once).
    The server catches up every 20 ms here, so that the two meet on every page."""
    monkeypatch.setenv("LEDGER_PROJECTION_INTERVAL_SECONDS", "0.02")
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_SECRET": SECRET,
        "LEDGER_DATA_DIR": str(tmp_path),
    }
    with running_server(database_url, tmp_path) as server:
        demo = subprocess.run(
            [sys.executable, "-m", "scripts.cli", "demo", "--households", "30"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        assert "demo city: 30 households" in demo.stdout
        # The server kept catching up beside it, and still answers.
        assert server.client.get("/health").json()["status"] == "ok"
        log = server.log.read_text() if server.log else ""
        assert "catch-up failed" not in log, log
    ledger = Ledger.open(Settings(database_url=database_url, secret=SECRET, data_dir=tmp_path))
    try:
        ledger.runner.catch_up()
        assert ledger.views.count("ledger_households") == 30
        caught_up = ledger.views.dump(TABLES)
        ledger.runner.rebuild()
        assert ledger.views.dump(TABLES) == caught_up
    finally:
        ledger.close()
