"""Reads from a streaming replica by log position (docs/SCALING.md).

A primary and a hot standby made from it by `pg_basebackup -R` (PostgreSQL's own
streaming replication), both clusters of this test's own on free ports (scripts/pgcluster.py),
removed afterwards; never the machine's server. `ledger serve` runs over HTTP with
LEDGER_DATABASE_URL on the primary and LEDGER_REPLICA_URL on the standby.

The amounts are §5's example 1 (POLICY ch. 3): four members, 24,000 yuan a year less
4,800 of rigid deductions: (1,250 - 19,200 / 4 / 12) x 4 = 3,400.00 a month.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from scripts.pgcluster import PrivateCluster, private_cluster, why_not
from tests.conftest import REQUIRE_PG
from tests.e2e.conftest import Server, running_server
from tests.e2e.test_http import AP, CW, consents, decide, register
from tests.e2e.test_payments_http import FIN, on_dibao
from tests.helpers import id_number

POSITION, READ_AFTER, SERVED_BY = "X-Ledger-Position", "X-Ledger-Read-After", "X-Ledger-Served-By"
AUDITOR = ("auditor-zhao", "auditor")


@pytest.fixture
def clusters() -> Iterator[tuple[PrivateCluster, PrivateCluster]]:
    problem = why_not()
    if problem is not None:
        if REQUIRE_PG:
            pytest.fail(f"the replica test must run here (LEDGER_REQUIRE_POSTGRES=1): {problem}")
        pytest.skip(f"no private PostgreSQL cluster can be made: {problem}")
    with private_cluster() as primary:
        primary.execute("postgres", "CREATE DATABASE ledger")
        with private_cluster(standby_of=primary) as standby:
            yield primary, standby


@pytest.fixture
def server(clusters: tuple[PrivateCluster, PrivateCluster], tmp_path: Path) -> Iterator[Server]:
    primary, standby = clusters
    extra = {"LEDGER_REPLICA_URL": standby.url("ledger")}
    with running_server(primary.url("ledger"), tmp_path, extra) as started:
        yield started


def _replay(standby: PrivateCluster, action: str) -> None:
    with psycopg.connect(standby.conninfo("ledger"), autocommit=True) as conn:
        conn.execute(f"SELECT pg_wal_replay_{action}()")  # type: ignore[arg-type]


def _entitlements(server: Server, hid: str, after: str | None = None) -> tuple[str, list]:
    headers = server.token(*AUDITOR) | ({READ_AFTER: after} if after is not None else {})
    r = server.client.get(
        f"/households/{hid}/entitlements", params={"as_of": "2025-03-01"}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.headers[SERVED_BY], [(e["programme"], e["monthly_amount"]) for e in r.json()]


def _until_replica_serves(server: Server, hid: str, position: int) -> list:
    """Read with `position` until the replica serves it (its views have reached it)."""
    deadline = time.monotonic() + 60
    while (answer := _entitlements(server, hid, str(position)))[0] != "replica":
        assert time.monotonic() < deadline, f"the replica's views never reached {position}"
        time.sleep(0.2)
    return answer[1]


def test_a_read_after_a_write_is_served_by_the_replica_only_once_it_has_the_write(
    server: Server, clusters: tuple[PrivateCluster, PrivateCluster]
) -> None:
    _, standby = clusters
    hid, _ = register(server)
    r = server.client.post(
        f"/households/{hid}/applications",
        headers=server.token(*CW),
        json={
            "programme": "dibao",
            "effective_from": "2025-03-01",
            "means": {"annual_income": "24000", "rigid_deductions": "4800.00"},
            "consents": consents(server, hid, "2025-03-01"),
        },
    )
    assert r.status_code == 201, r.text
    applied_at = int(r.headers[POSITION])
    app_id = r.json()["application_id"]

    _until_replica_serves(server, hid, applied_at)
    # The standby stops applying the primary's log: what is written now is not on it.
    _replay(standby, "pause")
    r = decide(server, hid, app_id, reason="入户核查属实")
    assert r.status_code == 200, r.text
    decided_at = int(r.headers[POSITION])
    assert decided_at > applied_at  # a later write answers a later position

    # Carrying the decision's position: the primary answers, with the decision in it.
    assert _entitlements(server, hid, str(decided_at)) == ("primary", [("dibao", "3400.00")])
    # Carrying none: the replica answers, as of what it has (no decision yet).
    assert _entitlements(server, hid) == ("replica", [])
    # A read with no write to wait for reads the replica as well (position 0).
    assert _entitlements(server, hid, "0") == ("replica", [])

    # Replay resumes; the replica's views reach the decision and serve the read.
    _replay(standby, "resume")
    assert _until_replica_serves(server, hid, decided_at) == [("dibao", "3400.00")]

    # The household's own page and its events come from the replica too, and agree.
    r = server.client.get(
        f"/households/{hid}/events", headers=server.token(*AP) | {READ_AFTER: str(decided_at)}
    )
    assert r.status_code == 200 and r.headers[SERVED_BY] == "replica"
    assert "ApplicationDetermined" in [e["type"] for e in r.json()]
    assert POSITION not in r.headers  # only writes answer with a position

    # A position that is not a whole number is refused, naming the header.
    r = server.client.get(
        f"/households/{hid}/entitlements", headers=server.token(*AUDITOR) | {READ_AFTER: "-1"}
    )
    assert r.status_code == 422 and READ_AFTER in r.text


def test_reads_go_to_the_primary_while_the_replica_is_down(
    server: Server, clusters: tuple[PrivateCluster, PrivateCluster]
) -> None:
    _, standby = clusters
    hid, _ = register(server)
    standby.stop()
    r = server.client.get(f"/households/{hid}", headers=server.token(*AP))
    assert r.status_code == 200 and r.headers[SERVED_BY] == "primary"
    assert len(r.json()["members"]) == 4
    # The primary was not reported down for the replica: writes go on.
    r = server.client.post(
        f"/households/{hid}/members",
        headers=server.token(*CW),
        json={
            "name": "李四",
            "id_number": id_number(),
            "relation": "child",
            "birth_on": "2010-01-02",
        },
    )
    assert r.status_code == 201, r.text
    assert int(r.headers[POSITION]) > 0


def _until_synchronous(primary: PrivateCluster) -> None:
    """The standby confirms every commit before it is acknowledged (synchronous_commit
    on, the default, with a synchronous standby named)."""
    primary.execute(
        "postgres", "ALTER SYSTEM SET synchronous_standby_names = '*'", "SELECT pg_reload_conf()"
    )
    deadline = time.monotonic() + 30
    with psycopg.connect(primary.conninfo("postgres"), autocommit=True) as conn:
        while conn.execute("SELECT sync_state FROM pg_stat_replication").fetchall() != [("sync",)]:
            assert time.monotonic() < deadline, "the standby never became synchronous"
            time.sleep(0.1)


class Registrations(threading.Thread):
    """Registers households one after another until the server stops answering; keeps
    the id of every registration acknowledged (201)."""

    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.server, self.acknowledged, self.failures = server, [], 0
        self.headers = server.token(*CW)

    def run(self) -> None:
        client = httpx.Client(base_url=self.server.url, timeout=10)
        while self.failures < 5:
            try:
                r = client.post("/households", headers=self.headers, json=HOUSEHOLD)
            except httpx.TransportError:
                self.failures += 1
                continue
            if r.status_code == 201:
                self.acknowledged.append(r.json()["household_id"])
            else:
                self.failures += 1
        client.close()


HOUSEHOLD = {
    "region_code": "330402",
    "residence": "urban",
    "address": "南湖路1号",
    "registered_on": "2025-01-01",
}


def test_failover_keeps_every_acknowledged_write_and_pays_no_month_twice(
    clusters: tuple[PrivateCluster, PrivateCluster], tmp_path: Path
) -> None:
    """The primary is stopped (immediate: as a crash) under a write load, the standby
    promoted, the service pointed at it (docs/SCALING.md, failover): every registration
    acknowledged is there, `ledger verify` passes, and February's run (POLICY ch. 6: one
    member, no income: 1,250.00) run again on the new primary schedules nothing new."""
    primary, standby = clusters
    _until_synchronous(primary)
    url = standby.url("ledger")
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
    with running_server(primary.url("ledger"), tmp_path / "a") as before:
        hid = on_dibao(before, 1, "0", "2025-02-01")
        first = before.client.post(
            "/payment-runs", headers=before.token(*FIN), json={"period": "2025-02"}
        )
        assert first.status_code == 201, first.text
        assert (first.json()["payments"], first.json()["total"]) == (1, "1250.00")
        load = Registrations(before)
        load.start()
        time.sleep(2)
        primary.stop("immediate")
        load.join(timeout=60)
        assert not load.is_alive() and len(load.acknowledged) > 5
    standby.promote()
    with running_server(url, tmp_path / "b") as after:
        for household in load.acknowledged:
            r = after.client.get(f"/households/{household}", headers=after.token(*AP))
            assert r.status_code == 200, (household, r.text)
        again = after.client.post(
            "/payment-runs", headers=after.token(*FIN), json={"period": "2025-02"}
        )
        assert again.status_code == 200 and again.json() == first.json()
        r = after.client.get(f"/households/{hid}/payments", headers=after.token(*FIN))
        assert r.status_code == 200, r.text
        paid = [p for p in r.json()["payments"] if p["period"] == "2025-02"]
        assert [p["amount"] for p in paid] == ["1250.00"]
    verify = subprocess.run(
        [sys.executable, "-m", "scripts.cli", "verify"],
        env={**os.environ, "LEDGER_DATABASE_URL": url, "LEDGER_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
