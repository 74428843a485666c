"""`ledger backup` and `ledger restore` on both backends: after a restore the ledger
verifies and holds the same rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest
from typer.testing import CliRunner

from projections.runner import VIEWS
from scripts.cli import cli
from scripts.demo import build_demo_city
from services.ledger import Ledger
from services.settings import Settings
from tests.conftest import PG_URL, _pg_conninfo
from tests.helpers import household


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


@contextmanager
def new_database() -> Iterator[str]:
    """The URL of a new PostgreSQL database (CREATE DATABASE), dropped when the block ends."""
    name = f"ledger_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlparse(PG_URL)._replace(path=f"/{name}", query="").geturl()
    finally:
        with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def scratch_database(postgres_available):
    """A PostgreSQL database of its own (the ledger in its `public` schema, as deployed),
    dropped after the test."""
    with new_database() as url:
        yield url


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_restore_over_a_live_ledger_needs_force_then_verifies(
    backend, request, tmp_path: Path, monkeypatch
):
    """Issue 8 (operations): the documented procedure on the default deployment (SQLite
    file; PostgreSQL `public` schema of its own database): back up, keep writing, restore
    without --force is refused and changes nothing, restore --force puts the copy back (the
    later household is gone), and `ledger verify` passes."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = request.getfixturevalue("scratch_database")
    settings = Settings(database_url=url, secret="k" * 40, data_dir=tmp_path)
    for name, value in (("DATABASE_URL", url), ("SECRET", "k" * 40), ("DATA_DIR", tmp_path)):
        monkeypatch.setenv(f"LEDGER_{name}", str(value))
    ledger = Ledger.open(settings)
    try:
        build_demo_city(ledger, households=5, seed=7)
        head = ledger.app.recorder.max_notification_id()
    finally:
        ledger.close()
    runner = CliRunner()
    copy = tmp_path / "ledger.backup"
    result = runner.invoke(cli, ["backup", str(copy)])
    assert result.exit_code == 0, result.output
    ledger = Ledger.open(settings)
    try:
        household(ledger.app, 1)  # written after the copy
        later = ledger.app.recorder.max_notification_id()
    finally:
        ledger.close()
    assert later > head
    result = runner.invoke(cli, ["restore", str(copy)])
    assert result.exit_code == 1 and "--force" in result.output
    ledger = Ledger.open(settings)
    try:
        assert ledger.app.recorder.max_notification_id() == later  # as it was
    finally:
        ledger.close()
    result = runner.invoke(cli, ["restore", str(copy), "--force"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["verify"])
    assert result.exit_code == 0 and "verified: no break, no mismatch" in result.output
    restored = Ledger.open(settings)
    try:
        assert restored.app.recorder.max_notification_id() == head
    finally:
        restored.close()


@pytest.mark.postgres
def test_restore_into_a_new_database_needs_no_force(scratch_database, tmp_path: Path, monkeypatch):
    """Issue 22: the disaster-recovery case, a copy of the deployed ledger (`public`
    schema) restored into a new database, whose `public` schema exists but holds none of
    the ledger's tables: it restores without --force (the schema kept, not re-created), and
    `ledger verify` passes with every event there. A copy of another schema than the URL's
    is refused plainly and changes nothing."""
    monkeypatch.setenv("LEDGER_SECRET", "k" * 40)
    monkeypatch.setenv("LEDGER_DATA_DIR", str(tmp_path))
    settings = Settings(database_url=scratch_database, secret="k" * 40, data_dir=tmp_path)
    ledger = Ledger.open(settings)
    try:
        build_demo_city(ledger, households=5, seed=3)
        head = ledger.app.recorder.max_notification_id()
    finally:
        ledger.close()
    runner = CliRunner()
    copy = tmp_path / "ledger.backup"
    monkeypatch.setenv("LEDGER_DATABASE_URL", scratch_database)
    result = runner.invoke(cli, ["backup", str(copy)])
    assert result.exit_code == 0, result.output
    with new_database() as fresh:
        monkeypatch.setenv("LEDGER_DATABASE_URL", f"{fresh}?schema=elsewhere")
        result = runner.invoke(cli, ["restore", str(copy)])
        assert result.exit_code == 1
        said = " ".join(result.output.split())  # as the console wrapped it
        assert "holds schema public, not the ledger's schema elsewhere" in said
        monkeypatch.setenv("LEDGER_DATABASE_URL", fresh)
        result = runner.invoke(cli, ["restore", str(copy)])
        assert result.exit_code == 0, result.output
        assert "restored" in result.output
        result = runner.invoke(cli, ["verify"])
        assert result.exit_code == 0 and "verified: no break, no mismatch" in result.output
        restored = Ledger.open(Settings(database_url=fresh, secret="k" * 40, data_dir=tmp_path))
        try:
            assert restored.app.recorder.max_notification_id() == head
        finally:
            restored.close()
        dbname = urlparse(fresh).path.lstrip("/")
        with psycopg.connect(_pg_conninfo(dbname)) as conn:
            schemas = conn.execute(
                "SELECT nspname, nspowner::regrole::text FROM pg_namespace "
                "WHERE nspname IN ('public', 'elsewhere')"
            ).fetchall()
        assert schemas == [("public", "pg_database_owner")]  # the new database's own


def test_a_missing_pg_dump_is_said_plainly(tmp_path: Path, monkeypatch):
    """Without PostgreSQL's client programs `ledger backup` says what to install (exit 1),
    with no traceback."""
    monkeypatch.setenv("LEDGER_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("LEDGER_SECRET", "k" * 40)
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on it
    result = CliRunner().invoke(cli, ["backup", str(tmp_path / "copy")])
    assert result.exit_code == 1
    assert "pg_dump is not installed" in result.output
    assert "postgresql-client-15" in result.output
