"""`ledger backup PATH` / `ledger restore PATH`: a consistent copy of the whole ledger
(events, snapshots, views, tracking), and back.

SQLite: the sqlite3 online backup API (a consistent copy while the ledger runs).
PostgreSQL: pg_dump / pg_restore (custom format) of the ledger's schema (`public` unless
the URL names one), run with the connection of LEDGER_DATABASE_URL; the client programs
must be installed (the Docker image has them). The restore takes no owner from the copy
(`--no-owner`): the objects belong to the role restoring, whoever owned them before; and
it runs in one transaction, so a restore that fails leaves the database as it was.
Without --force it restores only where the copy's tables are not there yet: a schema that
holds none of them (a new database's `public`) is restored into as it is, its owner and
grants kept; a copy of another schema than the URL's is refused. With --force the
schema is dropped first. The step-by-step procedure is in docs/RELIABILITY.md.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from services.settings import Settings


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


def _run(command: list[str], env: dict[str, str]) -> str:
    """A PostgreSQL client program (its output); a missing one or a failure is a
    BackupError that says what to do."""
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
    return result.stdout


# pg_restore --list lines: "4; 2615 2200 SCHEMA - public owner", "...; TABLE public name owner".
_SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ SCHEMA - (\S+) ")
_SCHEMA_COMMENT = re.compile(r"^\d+; \d+ \d+ COMMENT - SCHEMA (\S+) ")
_TABLE_ENTRY = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ")


def _existing_tables(args: list[str], env: dict[str, str], schema: str) -> tuple[bool, set[str]]:
    """Whether `schema` exists in the target database, and the names of its tables."""
    literal = schema.replace("'", "''")
    out = _run(
        [
            "psql", *args, "--no-psqlrc", "--tuples-only", "--no-align",
            "--set=ON_ERROR_STOP=1", "--command",
            f"SELECT '-' FROM pg_namespace WHERE nspname = '{literal}' UNION ALL "
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE n.nspname = '{literal}' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
        ],
        env,
    )  # fmt: skip
    rows = [line for line in out.splitlines() if line]
    return "-" in rows, {row for row in rows if row != "-"}


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
    contents = _run(["pg_restore", "--list", str(source)], env).splitlines()
    copied = {m.group(1) for m in map(_SCHEMA_ENTRY.match, contents) if m}
    if copied - {schema}:  # pg_restore would put it there, beside the ledger's schema
        held = ", ".join(sorted(copied))
        raise BackupError(f"{source} holds schema {held}, not the ledger's schema {schema}")
    tables = {m.group(2) for m in map(_TABLE_ENTRY.match, contents) if m and m.group(1) == schema}
    exists, present = _existing_tables(args, env, schema)
    if force:
        _run(["psql", *args, "-c", f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'], env)
        exists = False
    elif present & tables:
        clash = sorted(present & tables)
        raise BackupError(
            f"schema {schema} holds a ledger already ({len(clash)} of the copy's tables, "
            f"{', '.join(clash[:3])}{', …' if len(clash) > 3 else ''}); "
            "restore over it with --force"
        )
    command = ["pg_restore", *args, "--single-transaction", "--no-owner"]
    with tempfile.TemporaryDirectory() as scratch:
        if exists:
            # A schema without the ledger's tables (a new database's `public`): restore into
            # it as it is (its owner and grants kept), without the copy's CREATE SCHEMA.
            keep = [
                line
                for line in contents
                if not (_SCHEMA_ENTRY.match(line) or _SCHEMA_COMMENT.match(line))
            ]
            listing = Path(scratch) / "contents.list"
            listing.write_text("\n".join(keep) + "\n")
            command.append(f"--use-list={listing}")
        try:
            # One transaction: a restore that fails part way leaves the database as it was.
            _run([*command, str(source)], env)
        except BackupError as error:
            raise BackupError(f"{error} (one transaction: nothing was restored)") from None
    return f"PostgreSQL schema {schema} restored from {source}"
