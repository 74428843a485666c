"""Every release's ledger opens with the code of the day (issue 19), on both backends.

`tests/fixtures/releases/NAME/` holds a demo city recorded by release NAME on SQLite
(`ledger.db.gz`) and on PostgreSQL (`ledger.sql.gz`, a plain dump), and what that release read
from it (`expected.json`); `tests/fixtures/make_release.py` says how one is made. Each is
opened as `ledger migrate` opens a ledger (creating what a later release added), must
pass `ledger verify` (chains, recomputed decisions, snapshots) and read the same
entitlements, caps, categories and payments."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest

from services.ledger import Ledger
from services.settings import Settings
from tests.conftest import PG_URL, _pg_conninfo
from tests.fixtures.make_pre_split import figures
from tests.fixtures.make_release import HERE, SCHEMA, SECRET

RELEASES = sorted(p for p in HERE.iterdir() if p.is_dir()) if HERE.is_dir() else []


def _check(settings: Settings, folder: Path) -> None:
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    ledger = Ledger.open(settings.model_copy(update={"migrate_on_start": True}))
    try:
        report = ledger.verify()
        assert report.ok, (report.chain_breaks, report.recompute_mismatches, report.drifted)
        assert report.streams_checked > 40
        assert figures(ledger) == expected
    finally:
        ledger.close()


def test_there_is_a_release_fixture():
    assert RELEASES, "tests/fixtures/releases/ holds no release (make_release.py)"


@pytest.mark.parametrize("folder", RELEASES, ids=[p.name for p in RELEASES])
def test_a_release_s_sqlite_ledger_opens_verifies_and_reads_the_same(folder, tmp_path):
    path = tmp_path / "ledger.db"
    path.write_bytes(gzip.decompress((folder / "ledger.db.gz").read_bytes()))
    _check(
        Settings(
            database_url=f"sqlite:///{path}", secret=SECRET, data_dir=tmp_path, snapshot_interval=5
        ),
        folder,
    )


@pytest.mark.postgres
@pytest.mark.parametrize("folder", RELEASES, ids=[p.name for p in RELEASES])
def test_a_release_s_postgres_ledger_opens_verifies_and_reads_the_same(
    folder, tmp_path, postgres_available
):
    name = f"rel_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        server = urlparse(PG_URL)
        subprocess.run(
            [
                shutil.which("psql") or "psql",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                f"--host={server.hostname or '127.0.0.1'}",
                f"--port={server.port or 5432}",
                f"--username={server.username or 'postgres'}",
                f"--dbname={name}",
            ],
            input=gzip.decompress((folder / "ledger.sql.gz").read_bytes()),
            check=True,
            capture_output=True,
        )
        url = server._replace(path=f"/{name}", query=f"schema={SCHEMA}").geturl()
        _check(
            Settings(database_url=url, secret=SECRET, data_dir=tmp_path, snapshot_interval=5),
            folder,
        )
    finally:
        with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
