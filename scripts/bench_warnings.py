"""`ledger bench --only warnings`: the early warnings (POLICY ch. 12, docs/WARNINGS.md)
over an imported city of `--warning-households` households (four counties; dibao,
marginal and low-income households registered from 2025-01-01), nine in ten of them
visited on 2025-10-15, so that on 2025-11-30 the one in ten never visited is long
overdue (§30, quarterly tier, twice the interval) beside the other rules' findings.

Timed: the whole city's evaluation (`services.warnings.warnings`, the set-based WARN_
queries and the rules), and `GET /warnings?region=<county>` over HTTP against a real
`ledger serve`, one request after another (p50, p99); and a what-if of a dibao rise over
the same city (services/simulation.py, each affected household loaded and adjusted in
memory)."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from services.ledger import Ledger
from services.settings import Settings

ON = date(2025, 11, 30)
VISITED_ON = date(2025, 10, 15)
UNVISITED_EVERY = 10  # one household in ten has never been visited
BATCH = 500
COUNTY = "330402"


def _visit_most(ledger: Ledger, ids: list[Any]) -> int:
    """Record a visit on nine households in ten (their own events, in batches)."""
    app = ledger.app
    visited = 0
    for start in range(0, len(ids), BATCH):
        batch = []
        for n in range(start, min(len(ids), start + BATCH)):
            if n % UNVISITED_EVERY == 0:
                continue
            household = app.repository.get(ids[n])
            household.record_visit(
                visited_on=VISITED_ON,
                visitor="bench-zhao",
                findings="家中情况稳定",
                needs=None,
                actor="bench",
            )
            batch.append(household)
        app.save(*batch)
        visited += len(batch)
    ledger.runner.catch_up()
    return visited


def build_city(settings: Settings, households: int, folder: Path) -> tuple[float, int]:
    """Import the synthetic registry (2 processes on PostgreSQL) and record the visits;
    the import's seconds and events."""
    from services.importer import household_id, import_parallel, import_registry, write_synthetic

    path = folder / "registry.csv"
    write_synthetic(path, households)
    ledger = Ledger.open(settings)
    try:
        started = time.perf_counter()
        if settings.database_url.startswith("postgres"):
            report = import_parallel(settings, path, workers=2)
        else:
            report = import_registry(ledger.app, path)
        seconds = time.perf_counter() - started
        assert report.ok and report.households_recorded == households, report.errors
        ids = [household_id("legacy", f"H{n:08d}") for n in range(households)]
        _visit_most(ledger, ids)
    finally:
        ledger.close()
    return seconds, report.events_recorded


def time_city(ledger: Ledger, repeats: int = 3) -> tuple[float, Counter[str]]:
    """The whole city's warnings on ON: the median seconds of `repeats` evaluations."""
    from services import warnings

    times = []
    found: list[Any] = []
    for _ in range(repeats):
        started = time.perf_counter()
        found = warnings.warnings(ledger, ON)
        times.append(time.perf_counter() - started)
    return statistics.median(times), Counter(w.rule for w in found)


def time_county_http(settings: Settings, folder: str, requests: int = 50) -> dict[str, Any]:
    """`GET /warnings?region=COUNTY&on=ON` against `ledger serve` (one worker), one
    request after another: p50 and p99 (the second slowest of 50... as loadgen rounds)."""
    from api.auth import issue_token
    from scripts.loadgen import closed_loop, served

    secret = "bench-secret-" + "x" * 40
    token = issue_token(secret, "bench", "caseworker", 3600)
    env = {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_SECRET": secret,
        "LEDGER_DATA_DIR": folder,
    }
    paths = [f"/warnings?region={COUNTY}&on={ON.isoformat()}"]
    with served(env, 1) as base:
        closed_loop(base, token, paths, threads=1, requests=3, max_seconds=60)  # warm
        result = closed_loop(base, token, paths, threads=1, requests=requests, max_seconds=120)
    return result.as_dict()


def time_what_if(ledger: Ledger) -> dict[str, Any]:
    """A what-if of the city's dibao standard from 15,000 to 15,600 (4%) from 2026-01-01
    over the same city (the dibao third of it changes amount); nothing recorded."""
    from fractions import Fraction

    from domain.money import yuan
    from services.simulation import Proposal, simulate

    rise = Proposal("dibao_standard_annual", yuan(15600), "330400", Fraction(4, 100))
    started = time.perf_counter()
    result = simulate(ledger, [rise], date(2026, 1, 1), sample_size=0)
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "households_considered": result["households_considered"],
        "households_changing_amount": result["households_changing_amount"],
        "annual_cost_difference": result["annual_cost_difference"],
    }


def bench_warnings(settings: Settings, households: int) -> dict[str, Any]:
    from scripts.bench import scratch

    with (
        tempfile.TemporaryDirectory(prefix="ledger-bench-warn-") as folder,
        scratch(settings, "w") as s,
    ):
        build_city(s, households, Path(folder))
        ledger = Ledger.open(s)
        try:
            seconds, rules = time_city(ledger)
            what_if = time_what_if(ledger)
        finally:
            ledger.close()
        county = time_county_http(s, folder)
    return {
        "households": households,
        "city_seconds": round(seconds, 3),
        "warnings": sum(rules.values()),
        "by_rule": dict(sorted(rules.items())),
        "county": COUNTY,
        "county_http": county,
        "what_if": what_if,
    }
