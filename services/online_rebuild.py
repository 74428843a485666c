"""`ledger rebuild --online`: new views built beside the live ones, switched in at once.

The plain rebuild empties the views and fills them again from the log, so that reads see
them empty or half-built meanwhile. The online one leaves the live views serving reads
(and the live catch-up moving them on) while it builds a second copy from the whole log:

- **PostgreSQL**: in a schema of its own, `<schema>__rebuild`, with the views' own DDL
  and tracking table. When the copy has caught up, one transaction takes the views' write
  lock (the same advisory lock every catch-up takes, so no catch-up writes meanwhile),
  drops the live tables, moves the new ones into the ledger's schema (`ALTER TABLE ... SET
  SCHEMA`, indexes with them) and replaces the views' tracking rows with the copy's.
  Readers see the old tables until it commits and the new ones after; the events recorded
  after the copy's last page are applied by the next catch-up, from the copy's positions.
  Grants do not move with a table: where the API runs as an application role, run
  `ledger migrate --app-role ROLE` after it.
- **SQLite**: in a second file beside the database, `<file>.rebuild`. The switch attaches
  it and, in one write transaction, replaces each table's rows and the tracking rows with
  the copy's (a copy, not a rename: one writer at a time, readers keep their snapshot in
  WAL mode until it commits); the file is removed afterwards.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from psycopg.sql import SQL, Identifier, Literal

from projections.postgres import PostgresViewStore
from projections.runner import VIEWS, CatchUpRunner
from services.ledger import Ledger, build_views


def rebuild_online(
    ledger: Ledger,
    names: tuple[str, ...] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Build `names` (default every view) beside the live ones and switch them in; the
    events applied to the copy and the tables switched."""
    wanted = names or tuple(VIEWS)
    env = ledger.settings.persistence_env()
    if isinstance(ledger.views, PostgresViewStore):
        return _on_postgres(ledger, env, wanted, progress)
    return _on_sqlite(ledger, env, wanted, progress)


def _build(
    ledger: Ledger,
    env: dict[str, str],
    wanted: tuple[str, ...],
    progress: Callable[[int, int], None] | None,
) -> tuple[Any, int]:
    side = build_views({**env, "CREATE_TABLE": "y"})
    runner = CatchUpRunner(ledger.app, side, id_key=ledger.settings.id_index_secret())
    applied = runner.rebuild(wanted, progress)
    return side, applied


def _on_postgres(
    ledger: Ledger,
    env: dict[str, str],
    wanted: tuple[str, ...],
    progress: Callable[[int, int], None] | None,
) -> dict[str, Any]:
    live: PostgresViewStore = ledger.views  # type: ignore[assignment]
    schema = live.datastore.schema or "public"
    side_schema = f"{schema}__rebuild"
    with live.datastore.transaction(commit=True) as curs:
        curs.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(side_schema)))
        curs.execute(SQL("CREATE SCHEMA {}").format(Identifier(side_schema)))
    side, applied = _build(ledger, {**env, "POSTGRES_SCHEMA": side_schema}, wanted, progress)
    tables = [t for name in wanted for t in VIEWS[name].tables]
    tracking = live.tracking_table_name
    trackers = [ledger.runner.tracking_name(VIEWS[name]) for name in wanted]
    try:
        with live.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL("SELECT pg_advisory_xact_lock(hashtext({}))").format(
                    Literal(f"ledger-views/{schema}")
                )
            )
            for table in tables:
                curs.execute(SQL("DROP TABLE {}.{}").format(Identifier(schema), Identifier(table)))
                curs.execute(
                    SQL("ALTER TABLE {}.{} SET SCHEMA {}").format(
                        Identifier(side_schema), Identifier(table), Identifier(schema)
                    )
                )
            curs.execute(
                SQL("DELETE FROM {}.{} WHERE application_name = ANY(%s)").format(
                    Identifier(schema), Identifier(tracking)
                ),
                (trackers,),
            )
            curs.execute(
                SQL(
                    "INSERT INTO {}.{} SELECT * FROM {}.{} WHERE application_name = ANY(%s)"
                ).format(
                    Identifier(schema),
                    Identifier(tracking),
                    Identifier(side_schema),
                    Identifier(tracking),
                ),
                (trackers,),
            )
    finally:
        side.datastore.close()
        with live.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(side_schema)))
    return {"applied": applied, "tables": tables, "backend": "postgres"}


def _on_sqlite(
    ledger: Ledger,
    env: dict[str, str],
    wanted: tuple[str, ...],
    progress: Callable[[int, int], None] | None,
) -> dict[str, Any]:
    main = Path(env["SQLITE_DBNAME"])
    copy = main.with_name(main.name + ".rebuild")
    for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
        leftover.unlink(missing_ok=True)
    side, applied = _build(ledger, {**env, "SQLITE_DBNAME": str(copy)}, wanted, progress)
    side.datastore.close()
    tables = [t for name in wanted for t in VIEWS[name].tables]
    trackers = [ledger.runner.tracking_name(VIEWS[name]) for name in wanted]
    marks = ",".join("?" * len(trackers))
    conn = sqlite3.connect(main, timeout=30, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS rebuilt", (str(copy),))
        conn.execute("BEGIN IMMEDIATE")  # the database's write lock: no catch-up meanwhile
        try:
            virtual = {
                name
                for (name,) in conn.execute(
                    "SELECT name FROM main.sqlite_master WHERE type = 'table' "
                    "AND sql LIKE 'CREATE VIRTUAL TABLE%'"
                )
            }
            for table in tables:
                conn.execute(f"DELETE FROM main.{table}")
                # A full-text table's rowid is data (the search view's: the household's
                # hkey), which SELECT * leaves out.
                rowid = "rowid, " if table in virtual else ""
                columns = ", ".join(
                    f'"{c[1]}"' for c in conn.execute(f"PRAGMA rebuilt.table_info({table})")
                )
                conn.execute(
                    f"INSERT INTO main.{table} ({rowid}{columns}) "
                    f"SELECT {rowid}{columns} FROM rebuilt.{table}"
                )
            conn.execute(
                f"DELETE FROM main.tracking WHERE application_name IN ({marks})",
                trackers,
            )
            conn.execute(
                "INSERT INTO main.tracking SELECT * FROM rebuilt.tracking "
                f"WHERE application_name IN ({marks})",
                trackers,
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("DETACH DATABASE rebuilt")
    finally:
        conn.close()
        for leftover in (copy, Path(f"{copy}-wal"), Path(f"{copy}-shm")):
            leftover.unlink(missing_ok=True)
    return {"applied": applied, "tables": tables, "backend": "sqlite"}
