"""`ledger bench --only replication`: what a standby costs a write.

A primary and a hot standby of its own (scripts/pgcluster.py: initdb, pg_basebackup,
free ports, removed afterwards), one ledger on the primary; the same household
registrations (one transaction of one event each, as a caseworker's) timed with the
standby asynchronous, synchronous (`synchronous_commit = on` with
`synchronous_standby_names = '*'`: the commit waits for the standby to flush it) and
`remote_apply` (it waits until the standby has applied it, so a read there sees it),
beside the primary with no standby at all.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

from scripts.bench import Row
from scripts.pgcluster import PrivateCluster, private_cluster
from services.ledger import Ledger
from services.settings import Settings

MODES = (
    ("no standby", "", "on"),
    ("asynchronous standby", "", "on"),
    ("synchronous standby (on: flushed there)", "*", "on"),
    ("synchronous standby (remote_apply: applied there)", "*", "remote_apply"),
)


def _configure(primary: PrivateCluster, names: str, commit: str) -> None:
    primary.execute(
        "postgres",
        f"ALTER SYSTEM SET synchronous_standby_names = '{names}'",
        f"ALTER SYSTEM SET synchronous_commit = '{commit}'",
        "SELECT pg_reload_conf()",
    )
    wanted = [("sync",)] if names else [("async",)]
    deadline = time.monotonic() + 30
    with psycopg.connect(primary.conninfo("postgres"), autocommit=True) as conn:
        while conn.execute("SELECT sync_state FROM pg_stat_replication").fetchall() != wanted:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the standby did not become {wanted[0][0]}")
            time.sleep(0.05)


def _registrations(ledger: Ledger, writes: int, label: str) -> list[float]:
    took = []
    for n in range(writes):
        start = time.perf_counter()
        ledger.app.register_household(
            region_code="330402",
            residence="urban",
            address=f"{label} {n}",
            registered_on=date(2025, 1, 1),
            actor="bench",
        )
        took.append(time.perf_counter() - start)
    return took


def bench_replication(writes: int = 500) -> list[Row]:
    rows: list[Row] = []
    with private_cluster() as primary:
        primary.execute("postgres", "CREATE DATABASE ledger")
        folder = Path(tempfile.mkdtemp(prefix="ledger-bench-replication-"))
        settings = Settings(
            database_url=primary.url("ledger"), data_dir=folder, secret="bench-" + "r" * 40
        )
        ledger = Ledger.open(settings)
        try:
            _registrations(ledger, 50, "warm-up")
            results: dict[str, list[float]] = {label: [] for label, _, _ in MODES}
            # In rounds, the modes taking turns, so that what else the machine does in
            # the meantime falls on all of them alike.
            rounds = 5
            for _ in range(rounds):
                results[MODES[0][0]] += _registrations(ledger, writes // rounds, "alone")
            with private_cluster(standby_of=primary):
                for _ in range(rounds):
                    for label, names, commit in MODES[1:]:
                        _configure(primary, names, commit)
                        results[label] += _registrations(ledger, writes // rounds, label)
                _configure(primary, "", "on")
        finally:
            ledger.close()
    alone = results[MODES[0][0]]
    for label, took in results.items():
        rate = len(took) / sum(took)
        extra: dict[str, Any] = {
            "writes": len(took),
            "p50_ms": round(statistics.median(took) * 1000, 2),
            "p99_ms": round(sorted(took)[int(len(took) * 0.99) - 1] * 1000, 2),
        }
        rows.append(
            Row(
                f"write with {label}",
                "writes/s",
                rate,
                len(alone) / sum(alone),
                len(took),
                len(alone),
                f"p50 {extra['p50_ms']} ms, p99 {extra['p99_ms']} ms; plain = no standby",
                extra,
            )
        )
    return rows
