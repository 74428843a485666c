"""`ledger bench-jurisdictions --api`: API reads of a province, N ledgers behind one
`ledger serve` (LEDGER_LEDGERS_FILE), each with a hot standby's copy for its reads,
beside one ledger alone with no standby.

A primary and a standby of their own (scripts/pgcluster.py: initdb, pg_basebackup,
free ports, removed afterwards); each ledger a schema of one database on the primary,
streamed whole to the standby; `households` imported into each. Reads: a household's
current entitlements, households drawn at random across every ledger, 16 keep-alive
clients as fast as answered; then a sample of reads telling who served them
(`X-Ledger-Served-By`) without and with a read-after position (a write's
`X-Ledger-Position`, as a client reading its own write sends it).
"""

from __future__ import annotations

import contextlib
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from scripts.pgcluster import PrivateCluster, private_cluster
from services.ledger import Ledger
from services.settings import Settings

SECRET = "bench-province-" + "p" * 40
REGIONS = ("330402", "330411", "330421", "330424", "330481", "330482", "330483")


def _standby_caught_up(primary: PrivateCluster, standby: PrivateCluster) -> None:
    with psycopg.connect(primary.conninfo("postgres"), autocommit=True) as conn:
        row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert row is not None
    wanted = row[0]
    deadline = time.monotonic() + 120
    with psycopg.connect(standby.conninfo("postgres"), autocommit=True) as conn:
        while True:
            caught = conn.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (wanted,)
            ).fetchone()
            if caught and caught[0]:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("the standby did not catch up within 120 s")
            time.sleep(0.1)


def _province_reads(
    ledgers: int, households: int, seconds: float, *, with_standby: bool
) -> dict[str, Any]:
    from api.auth import issue_token
    from scripts.loadgen import closed_loop, served
    from services.importer import household_id, import_registry, write_synthetic

    with (
        tempfile.TemporaryDirectory(prefix="ledger-bench-province-") as name,
        private_cluster() as primary,
    ):
        folder = Path(name)
        primary.execute("postgres", "CREATE DATABASE province")
        for n in range(ledgers):
            primary.execute("province", f"CREATE SCHEMA j{n}")
        ids: list[Any] = []
        for n in range(ledgers):
            path = folder / f"registry-{n}.csv"
            write_synthetic(path, households, start=n * households)
            settings = Settings(
                database_url=primary.url("province", schema=f"j{n}"),
                secret=SECRET,
                data_dir=folder,
            )
            ledger = Ledger.open(settings)
            try:
                import_registry(ledger.app, path)
                ledger.runner.catch_up()
            finally:
                ledger.close()
            mine = range(n * households, (n + 1) * households)
            ids += [household_id("legacy", f"H{k:08d}") for k in mine]
        with contextlib.ExitStack() as stack:
            standby = (
                stack.enter_context(private_cluster(standby_of=primary)) if with_standby else None
            )
            if standby is not None:
                _standby_caught_up(primary, standby)
            toml = ""
            for n in range(ledgers):
                toml += (
                    f'[[ledger]]\nname = "j{n}"\nregions = ["{REGIONS[n]}"]\n'
                    f'database_url = "{primary.url("province", schema=f"j{n}")}"\n'
                )
                if standby is not None:
                    toml += f'replica_url = "{standby.url("province", schema=f"j{n}")}"\n'
                toml += "\n"
            (folder / "ledgers.toml").write_text(toml)
            env = {
                "LEDGER_LEDGERS_FILE": str(folder / "ledgers.toml"),
                "LEDGER_SECRET": SECRET,
                "LEDGER_DATA_DIR": str(folder),
            }
            token = issue_token(SECRET, "bench", "caseworker", 3600)
            paths = [f"/households/{h}/entitlements" for h in ids]
            random.Random(7).shuffle(paths)  # noqa: S311 (an order, not a secret)
            with served(env, workers=2) as base:
                closed_loop(base, token, paths, threads=4, requests=400, max_seconds=10)  # warm
                result = closed_loop(
                    base,
                    token,
                    paths,
                    threads=16,
                    requests=int(seconds * 3000),
                    max_seconds=seconds,
                )
                served_by = _served_by(base, token, paths[:200])
    return {
        "ledgers": ledgers,
        "households": households * ledgers,
        "standby": with_standby,
        **result.as_dict(),
        "served_by": served_by,
    }


def _served_by(base: str, token: str, paths: list[str]) -> dict[str, dict[str, int]]:
    """Who answered: reads as they come, and reads carrying a position of 0 (a client
    with nothing of its own to wait for) and of the log's head (one that just wrote)."""
    headers = {"Authorization": f"Bearer {token}"}
    counts: dict[str, dict[str, int]] = {}
    with httpx.Client(base_url=base, timeout=30) as client:
        for label, after in (
            ("no position", None),
            ("position 0", "0"),
            ("a far position", "10000000000"),
        ):
            tally: dict[str, int] = {}
            for path in paths:
                extra = {"X-Ledger-Read-After": after} if after is not None else {}
                r = client.get(path, headers=headers | extra)
                who = r.headers.get("X-Ledger-Served-By", "?") if r.status_code == 200 else "error"
                tally[who] = tally.get(who, 0) + 1
            counts[label] = tally
    return counts


def bench_province_reads(
    ledgers: int, households: int, seconds: float = 5.0
) -> list[dict[str, Any]]:
    """The province (N ledgers, each read from its standby) beside one ledger alone."""
    alone = _province_reads(1, households, seconds, with_standby=False)
    province = _province_reads(ledgers, households, seconds, with_standby=True)
    return [alone, province]
