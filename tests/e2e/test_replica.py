"""Reads from a streaming replica by log position (issue 20; docs/SCALING.md).

A primary and a hot standby made from it by `pg_basebackup -R` (PostgreSQL's own
streaming replication), both clusters of this test's own on free ports (tests/pgcluster.py),
removed afterwards; never the machine's server. `ledger serve` runs over HTTP with
LEDGER_DATABASE_URL on the primary and LEDGER_REPLICA_URL on the standby.

The amounts are §5's example 1 (POLICY ch. 3): four members, 24,000 yuan a year less
4,800 of rigid deductions: (1,250 - 19,200 / 4 / 12) x 4 = 3,400.00 a month.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import REQUIRE_PG
from tests.e2e.conftest import Server, running_server
from tests.e2e.test_http import AP, CW, consents, decide, register
from tests.helpers import id_number
from tests.pgcluster import PrivateCluster, private_cluster, why_not

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
