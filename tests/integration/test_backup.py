"""`ledger backup` and `ledger restore` on both backends: after a restore the ledger
verifies and holds the same rows."""

from __future__ import annotations

from pathlib import Path

import psycopg
from typer.testing import CliRunner

from api.container import Ledger
from projections.runner import VIEWS
from scripts.cli import cli
from scripts.demo import build_demo_city
from tests.conftest import _pg_conninfo


def test_backup_then_restore_then_verify(ledger, settings, tmp_path: Path, monkeypatch):
    build_demo_city(ledger, households=40, seed=5)
    ledger.runner.catch_up()
    tables = tuple(t for view in VIEWS.values() for t in view.tables)
    before = ledger.views.dump(tables)
    head = ledger.app.recorder.max_notification_id()
    ledger.close()
    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    monkeypatch.setenv("LEDGER_DATA_DIR", str(tmp_path))
    copy = tmp_path / "ledger.backup"
    runner = CliRunner()
    result = runner.invoke(cli, ["backup", str(copy)])
    assert result.exit_code == 0, result.output
    # The ledger is lost.
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url[len("sqlite:///") :]).unlink()
    else:
        schema = settings.database_url.split("schema=")[1].split("&")[0]
        with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    result = runner.invoke(cli, ["restore", str(copy)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["verify"])
    assert result.exit_code == 0, result.output
    assert "verified: no break, no mismatch" in result.output
    restored = Ledger.open(settings)
    try:
        assert restored.app.recorder.max_notification_id() == head
        assert restored.views.dump(tables) == before
    finally:
        restored.close()
