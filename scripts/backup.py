"""`ledger backup PATH` / `ledger restore PATH`: a consistent copy of the whole ledger
(events, snapshots, views, tracking), and back.

SQLite: the sqlite3 online backup API (a consistent copy while the ledger runs).
PostgreSQL: pg_dump / pg_restore (custom format) of the ledger's schema (`public` unless
the URL names one), run with the connection of LEDGER_DATABASE_URL; the client programs
must be installed (the Docker image has them). The restore takes no owner from the copy
(`--no-owner`): the objects belong to the role restoring, whoever owned them before; and
it runs in one transaction, so a restore that fails leaves the database as it was.
The step-by-step procedure is in docs/RELIABILITY.md.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from api.settings import Settings


class BackupError(Exception):
    pass


def _sqlite_path(settings: Settings) -> Path:
    return Path(settings.database_url[len("sqlite:///") :])


def _pg(settings: Settings) -> tuple[list[str], dict[str, str], str]:
    url = urlparse(settings.database_url)
    schema = parse_qs(url.query).get("schema", ["public"])[0]
    args = [
        "--host",
        url.hostname or "127.0.0.1",
        "--port",
        str(url.port or 5432),
        "--username",
        unquote(url.username or "postgres"),
    ]
    env = {**os.environ, "PGPASSWORD": unquote(url.password or "")}
    return [*args, "--dbname", url.path.lstrip("/")], env, schema


def _run(command: list[str], env: dict[str, str]) -> None:
    """A PostgreSQL client program; a missing one or a failure is a BackupError that says
    what to do."""
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} is not installed: install PostgreSQL's client programs of the "
            "server's major version (Debian: apt-get install postgresql-client-15)"
        ) from None
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or [f"exit status {result.returncode}"]
        raise BackupError(f"{command[0]} failed: {lines[-1]}")


def backup(settings: Settings, target: Path) -> str:
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    if settings.database_url.startswith("sqlite:///"):
        source = sqlite3.connect(_sqlite_path(settings))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # consistent, even while the ledger writes
        finally:
            copy.close()
            source.close()
        return f"SQLite copied to {target}"
    args, env, schema = _pg(settings)
    _run(["pg_dump", *args, "--format=custom", f"--schema={schema}", f"--file={target}"], env)
    return f"PostgreSQL schema {schema} dumped to {target}"


def restore(settings: Settings, source: Path, *, force: bool = False) -> str:
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    if settings.database_url.startswith("sqlite:///"):
        path = _sqlite_path(settings)
        if path.exists() and not force:
            raise BackupError(f"{path} exists; restore over it with --force")
        path.parent.mkdir(parents=True, exist_ok=True)
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(path)
        try:
            backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
        return f"SQLite restored to {path}"
    args, env, schema = _pg(settings)
    if force:
        _run(["psql", *args, "-c", f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'], env)
    try:
        # One transaction: a restore that fails part way leaves the database as it was.
        _run(["pg_restore", *args, "--single-transaction", "--no-owner", str(source)], env)
    except BackupError as error:
        raise BackupError(f"{error} (restore into an empty schema, or use --force)") from None
    return f"PostgreSQL schema {schema} restored from {source}"
