"""Shared fixtures: a real SQLite file and a real PostgreSQL schema per test.

PostgreSQL tests run when a server is reachable at LEDGER_TEST_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/test). Without one they are skipped
with a plain message, except when LEDGER_REQUIRE_POSTGRES=1 (CI), where a missing
server fails the run.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import psycopg.errors
import psycopg.sql
import pytest

from services.ledger import Ledger
from services.settings import Settings

PG_URL = os.environ.get("LEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("LEDGER_REQUIRE_POSTGRES", "") in ("1", "true", "yes")


def _pg_dbname() -> str:
    return urlparse(PG_URL).path.lstrip("/")


def _pg_conninfo(dbname: str | None = None) -> str:
    parsed = urlparse(PG_URL)
    return (
        f"host={parsed.hostname or '127.0.0.1'} port={parsed.port or 5432} "
        f"dbname={dbname or _pg_dbname()} user={parsed.username or 'postgres'} "
        f"password={parsed.password or ''} connect_timeout=3"
    )


def _pg_reachable() -> str | None:
    try:
        with psycopg.connect(_pg_conninfo()):
            return None
    except psycopg.Error as error:
        problem = str(error).strip().splitlines()[0]
    if f'database "{_pg_dbname()}" does not exist' not in problem:
        return problem
    # The server answers but the tests' database is missing: create it from the
    # maintenance database, so no test depends on a database made by hand.
    try:
        # Another test process may create it meanwhile (DuplicateDatabase).
        with (
            psycopg.connect(_pg_conninfo("postgres"), autocommit=True) as conn,
            contextlib.suppress(psycopg.errors.DuplicateDatabase),
        ):
            conn.execute(
                psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(_pg_dbname()))
            )
        with psycopg.connect(_pg_conninfo()):
            return None
    except psycopg.Error as error:
        return f"{problem}, and creating it failed: {str(error).strip().splitlines()[0]}"


_PG_PROBLEM = _pg_reachable()


def pytest_report_header(config: pytest.Config) -> str:
    if _PG_PROBLEM is None:
        return (
            f"PostgreSQL: {urlparse(PG_URL).hostname}:{urlparse(PG_URL).port or 5432} (tests run)"
        )
    if REQUIRE_PG:
        return f"PostgreSQL REQUIRED but unreachable: {_PG_PROBLEM}"
    return f"PostgreSQL unreachable, its tests are SKIPPED: {_PG_PROBLEM}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "postgres" in item.keywords or "[postgres" in item.nodeid:
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def postgres_available() -> None:
    if _PG_PROBLEM is not None:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here (LEDGER_REQUIRE_POSTGRES=1): {_PG_PROBLEM}")
        pytest.skip(f"no PostgreSQL reachable at {PG_URL}: {_PG_PROBLEM}")


@pytest.fixture
def pg_schema(postgres_available: None) -> Iterator[str]:
    """A fresh schema, dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


def pg_database_url(schema: str) -> str:
    parsed = urlparse(PG_URL)
    auth = parsed.username or "postgres"
    if parsed.password:
        auth += f":{parsed.password}"
    return (
        f"postgresql://{auth}@{parsed.hostname or '127.0.0.1'}:{parsed.port or 5432}"
        f"{parsed.path}?schema={schema}&pool_size=8"
    )


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for one backend: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = pg_database_url(request.getfixturevalue("pg_schema"))
    return Settings(
        database_url=url,
        secret="test-secret-" + "x" * 32,
        data_dir=tmp_path,
        snapshot_interval=100,
    )


@pytest.fixture
def ledger(settings: Settings) -> Iterator[Ledger]:
    opened = Ledger.open(settings)
    try:
        yield opened
    finally:
        opened.close()


def behind_the_back(settings: Settings, *statements: str) -> None:
    """Run SQL on the ledger's database directly (the SQLite file, or the PostgreSQL
    schema as the superuser): what an operator or a failing disk does, not the ledger."""
    url = settings.database_url
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url[len("sqlite:///") :]) as conn:
            for statement in statements:
                conn.execute(statement)
        return
    schema = url.split("schema=")[1].split("&")[0]
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]
