"""The fast rebuild (batched catch-up, rows grouped by kind, 1,000 events per transaction)
gives exactly the rows of the slow path (the stock per-event projection: one event, one
transaction), for every view, on both backends."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import InfrastructureFactory, Tracking
from eventsourcing.utils import Environment

from projections.postgres import PostgresViewStore
from projections.runner import VIEWS, stock_projection
from projections.sqlite import SQLiteViewStore
from scripts.demo import build_demo_city
from services.importer import import_registry, write_synthetic
from services.ledger import Ledger
from tests.conftest import _pg_conninfo


def _slow_store(ledger: Ledger, tmp_path: Any) -> tuple[Any, str | None]:
    """An empty view store beside the ledger's (own SQLite file, or own schema)."""
    env = ledger.settings.persistence_env()
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        env = {**env, "SQLITE_DBNAME": str(tmp_path / "slow.db")}
        factory = InfrastructureFactory[Any].construct(Environment("slow", env))
        return factory.tracking_recorder(SQLiteViewStore), None
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    env = {**env, "POSTGRES_SCHEMA": schema}
    factory = InfrastructureFactory[Any].construct(Environment("slow", env))
    return factory.tracking_recorder(PostgresViewStore), schema


@pytest.mark.parametrize("households", [60])
def test_fast_rebuild_gives_the_rows_of_the_per_event_path(ledger, tmp_path, households):
    build_demo_city(ledger, households=households, seed=7)  # every view gets rows
    registry = tmp_path / "registry.csv"
    write_synthetic(registry, 30)
    assert import_registry(ledger.app, registry).ok  # migrated determinations too
    ledger.runner.rebuild()
    tables = tuple(t for view in VIEWS.values() for t in view.tables)
    fast = ledger.views.dump(tables)
    assert all(fast[t] for t in ("ledger_entitlement_history", "ledger_medical_bills")), (
        "the data must reach the views"
    )
    assert any(fast[t] for t in VIEWS["payments"].tables)
    assert any(fast[t] for t in VIEWS["care"].tables)

    slow_store, schema = _slow_store(ledger, tmp_path)
    try:
        app = ledger.app
        for view in ledger.runner.views.values():  # the search view's key bound
            projection = stock_projection(view)(slow_store)
            position = 0
            while page := app.recorder.select_notifications(
                start=position + 1, limit=100, topics=view.topics
            ):
                for notification in page:
                    projection.process_event(
                        app.mapper.to_domain_event(notification),
                        Tracking(f"slow/{view.name}", notification.id),
                    )
                position = page[-1].id
        slow = slow_store.dump(tables)
    finally:
        datastore = getattr(slow_store, "datastore", None)
        if datastore is not None and hasattr(datastore, "close"):
            datastore.close()
        if schema is not None:
            with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    for table in tables:
        assert slow[table] == fast[table], table
