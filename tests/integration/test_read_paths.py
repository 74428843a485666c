"""What the city-wide pages' reads rely on (docs/PERFORMANCE.md, the pages' times): the
planner's statistics refreshed as the views grow, ids read back as text on both
backends, and the standards books a page reads shared until the next change."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import psycopg
import pytest

from domain.money import yuan
from projections import sql
from services.ledger import Ledger
from tests.conftest import _pg_conninfo
from tests.helpers import household


def _reltuples(schema: str, table: str) -> float:
    """PostgreSQL's estimate of a table's rows: -1 until it is first analyzed."""
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s",
            (schema, table),
        ).fetchone()
    assert row is not None
    return float(row[0])


def test_the_views_statistics_are_refreshed_as_they_grow(ledger: Ledger, settings) -> None:
    """With no autovacuum (a server may run none), the views were planned as if empty:
    the runner analyzes them once the events applied since the last time reach
    ANALYZE_AFTER_EVENTS plus a fifth of the log then, and not before."""
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the planner's statistics are PostgreSQL's")
    schema = settings.database_url.split("schema=")[1].split("&")[0]
    runner = ledger.runner
    runner.ANALYZE_AFTER_EVENTS = 10_000  # type: ignore[misc]
    for _ in range(3):
        household(ledger.app, 2, registered_on=date(2025, 1, 1))
    applied = runner.catch_up()
    assert 0 < applied < 10_000
    assert _reltuples(schema, "ledger_households") == -1  # below the threshold: not yet
    runner.ANALYZE_AFTER_EVENTS = applied + 1  # type: ignore[misc]
    household(ledger.app, 2, registered_on=date(2025, 1, 1))
    assert runner.catch_up() > 0
    assert _reltuples(schema, "ledger_households") == 4  # the 4 households, counted
    # The next threshold counts from the log's head then: a fifth of it more.
    head = ledger.app.recorder.max_notification_id()
    assert runner._analyzed_at == head
    assert runner._since_analyze == 0


def test_ids_come_back_as_text_on_both_backends(ledger: Ledger) -> None:
    hid, _ = household(ledger.app, 1, registered_on=date(2025, 1, 1))
    ledger.runner.catch_up()
    rows = ledger.views.query(sql.RUN_REGIONS, {})
    assert [(r["household_id"], r["region_code"]) for r in rows] == [(str(hid), "330402")]


def test_a_pages_standards_books_are_shared_until_the_next_change(ledger: Ledger) -> None:
    """§6: the city's dibao standard, 15,000 yuan a year in 2025 (the seed), raised to
    15,600 from 2025-02-01. A reader's books share one copy per version; a command's
    book is its own copy; the copy a reader holds is never changed under it."""
    app = ledger.app
    first = app.standards_book("330402", read_only=True)
    again = app.standards_book("330402", read_only=True)
    assert again.city is first.city
    assert app.standards_book("330402").city is not first.city  # a command's own copy
    assert first.money("dibao_standard_annual", date(2025, 3, 1))[0] == yuan(15000)
    app.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(15600),
        effective_from=date(2025, 2, 1),
        basis="嘉民〔2025〕1号",
        actor="admin",
        cited_income_growth=Fraction(4, 100),
    )
    after = app.standards_book("330402", read_only=True)
    assert after.city is not first.city
    assert after.money("dibao_standard_annual", date(2025, 3, 1))[0] == yuan(15600)
    assert first.money("dibao_standard_annual", date(2025, 3, 1))[0] == yuan(15000)
