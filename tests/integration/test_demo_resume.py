"""`ledger demo` (issue 22): the same seed gives the same city, a second run adds nothing,
and a run cut short is completed by the next, on both backends."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import psycopg
import pytest

from domain.errors import LedgerError
from projections.interface import sorted_rows
from projections.runner import VIEWS
from scripts.demo import build_demo_city
from services import warnings
from services.applications import worklist
from services.ledger import Ledger
from services.settings import Settings
from tests.conftest import _pg_conninfo, pg_database_url
from tests.helpers import household

TABLES = tuple(t for view in VIEWS.values() for t in view.tables)
# The record time of an event (its timestamp: when it was recorded, a fact of the run,
# not of the city) as the views keep it (recorded_at, opened_at, acted_at), and the hash
# chain's head over the events, which covers their record times.
_RECORD_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
_CHAIN_HEAD = re.compile(r"^[0-9a-f]{64}$")


def _of_the_run(value: Any) -> bool:
    return isinstance(value, datetime) or (
        isinstance(value, str) and bool(_RECORD_TIME.match(value) or _CHAIN_HEAD.match(value))
    )


@pytest.fixture
def second(settings: Settings, tmp_path: Any) -> Iterator[Settings]:
    """A second, fresh ledger on the same backend (its own file or schema)."""
    if settings.database_url.startswith("sqlite"):
        yield settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'second.db'}"})
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield settings.model_copy(update={"database_url": pg_database_url(schema)})
    finally:
        with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def city(ledger: Ledger) -> dict[str, Any]:
    """Every view row, with the record times left out, and the warnings by rule."""
    ledger.runner.catch_up()
    rows = {}
    for table, found in ledger.views.dump(TABLES).items():
        rows[table] = sorted_rows(
            tuple("<of the run>" if _of_the_run(v) else v for v in row) for row in found
        )
    by_rule: dict[str, int] = {}
    for w in warnings.warnings(ledger, date(2025, 11, 30)):
        by_rule[f"{w.rule}/{w.status}"] = by_rule.get(f"{w.rule}/{w.status}", 0) + 1
    return {"rows": rows, "warnings": by_rule}


def build(settings: Settings, **kwargs: Any) -> tuple[list[str], dict[str, Any]]:
    ledger = Ledger.open(settings)
    try:
        report = build_demo_city(ledger, households=30, seed=7, **kwargs)
        return report, city(ledger)
    finally:
        ledger.close()


def test_the_same_seed_gives_the_same_city_and_a_second_run_adds_nothing(settings, second):
    report, first = build(settings)
    assert report[0].startswith("demo city: 30 households (30 added now, 0 already there)")
    assert first["rows"]["ledger_payments"] and first["rows"]["ledger_warning_cases"]
    assert sum(first["warnings"].values()) > 0
    # Letters and appeals, three late applications, a death and periodic reviews
    # (scripts/demo.py EXTRA_SLOTS).
    [extras] = [line for line in report if line.startswith("letters and appeals")]
    assert extras.startswith(
        "letters and appeals, overdue applications, life events: appeal decided (upheld) 1, "
        "appeal lodged 1, death of a tekun member confirmed 1, received 2025-10-09, "
        "undecided and late 3, review change "
    ), extras
    assert "review phase_out" in extras and "review stop" in extras
    late = sum(n for k, n in first["warnings"].items() if k.startswith("decision_overdue/"))
    assert late == 3
    ledger = Ledger.open(settings)
    try:
        overdue = worklist(ledger, region="330400", on=date(2025, 11, 30), overdue=True)
        assert [a["received_on"] for a in overdue["items"]] == ["2025-10-09"] * 3
        assert ledger.verify().ok
        # Every present member's number is claimed as the demo saves its households (一人一户,
        # POLICY ch. 15): the backfill finds nothing to do.
        assert ledger.claims(actor="system:claims") == {"created": 0, "duplicates": []}
    finally:
        ledger.close()
    _, other = build(second)
    assert other["warnings"] == first["warnings"]
    for table in TABLES:
        assert other["rows"][table] == first["rows"][table], table

    again, after = build(settings)
    assert again == ["demo city: 30 households (seed 7), complete: nothing to add"]
    assert after == first


class Interrupted(Exception):
    """The run cut short (as by Ctrl-C or a kill) right after a batch was saved."""


def test_a_run_cut_short_is_completed_by_the_next(settings, second):
    def stop_after_two_batches(done: int, total: int) -> None:
        if done >= 20 and done < total:
            raise Interrupted

    with pytest.raises(Interrupted):
        build(settings, batch_size=10, progress=stop_after_two_batches)
    ledger = Ledger.open(settings)
    try:
        ledger.runner.catch_up()
        assert ledger.views.count("ledger_households") == 20  # two batches of ten saved
    finally:
        ledger.close()
    report, resumed = build(settings, batch_size=10)
    assert report[0].startswith("demo city: 30 households (10 added now, 20 already there)")
    _, whole = build(second)  # the same seed in one go
    assert resumed["warnings"] == whole["warnings"]
    for table in TABLES:
        assert resumed["rows"][table] == whole["rows"][table], table


def test_the_demo_refuses_a_ledger_with_other_households(ledger):
    household(ledger.app, 1)
    with pytest.raises(LedgerError, match="1 of them not the demo city's"):
        build_demo_city(ledger, households=5, seed=7)
    assert ledger.views.count("ledger_households") == 1
