"""`ledger backup PATH` / `ledger restore PATH`: a consistent copy of the whole ledger
(events, snapshots, views, tracking), and back.

SQLite: the sqlite3 online backup API (a consistent copy while the ledger runs).
PostgreSQL: pg_dump / pg_restore (custom format) of the ledger's schema, run with the
connection of LEDGER_DATABASE_URL; the client programs must be installed.
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
    subprocess.run(
        ["pg_dump", *args, "--format=custom", f"--schema={schema}", f"--file={target}"],
        env=env,
        check=True,
        capture_output=True,
    )
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
        subprocess.run(
            ["psql", *args, "-c", f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'],
            env=env,
            check=True,
            capture_output=True,
        )
    result = subprocess.run(
        ["pg_restore", *args, "--exit-on-error", str(source)],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(
            f"pg_restore failed: {result.stderr.strip().splitlines()[-1]}"
            " (restore into an empty schema, or use --force)"
        )
    return f"PostgreSQL schema {schema} restored from {source}"
