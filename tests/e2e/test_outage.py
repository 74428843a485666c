"""PostgreSQL stopped and started while the API takes writes: requests during the outage
fail with 503 and a clear message, nothing is half-applied, every acknowledged write is
there afterwards, and the API recovers by itself.

The server stopped is a cluster of the test's own (scripts/pgcluster.py: initdb in a
temporary directory, a free port in 54xx, removed afterwards even when the test fails),
never the machine's server at LEDGER_TEST_POSTGRES_URL, which other test runs share. It
needs PostgreSQL's server programs (and, as root, the `postgres` account to run them as);
without them it is skipped, except in CI (LEDGER_REQUIRE_POSTGRES=1), where it fails.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from api.errors import IN_DOUBT, UNAVAILABLE
from scripts.pgcluster import PrivateCluster, private_cluster, why_not
from services.ledger import Ledger
from services.settings import Settings
from tests.conftest import REQUIRE_PG
from tests.e2e.conftest import Server, running_server
from tests.e2e.test_http import AP, CW, events, register
from tests.helpers import id_number

OUTAGE = "停电"


@pytest.fixture
def outage_cluster() -> Iterator[PrivateCluster]:
    """A running cluster of this test's own with a database `ledger`; dropped afterwards."""
    problem = why_not()
    if problem is not None:
        if REQUIRE_PG:
            pytest.fail(f"the outage test must run here (LEDGER_REQUIRE_POSTGRES=1): {problem}")
        pytest.skip(f"no private PostgreSQL cluster can be made: {problem}")
    with private_cluster() as cluster:
        cluster.execute("postgres", "CREATE DATABASE ledger")
        cluster.execute("ledger", "CREATE SCHEMA outage")
        yield cluster


@pytest.fixture
def outage_url(outage_cluster: PrivateCluster) -> str:
    return outage_cluster.url("ledger", schema="outage", pool_size="8")


@pytest.fixture
def server(outage_url: str, tmp_path: Path) -> Iterator[Server]:
    """`ledger serve` on the private cluster (this module's, not the shared one's)."""
    with running_server(outage_url, tmp_path) as started:
        yield started


class Writer(threading.Thread):
    """Sends one kind of write again and again until told to stop; keeps every answer."""

    def __init__(self, base: str, write: Callable[[httpx.Client, int], tuple[Any, httpx.Response]]):
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base, timeout=120)
        self.write = write
        self.stop = threading.Event()
        self.answers: list[tuple[Any, int, str]] = []  # (what was written, status, body)

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                what, answer = self.write(self.client, n)
            except httpx.TransportError as error:
                self.answers.append((None, -1, type(error).__name__))
                continue
            self.answers.append((what, answer.status_code, answer.text))
            if answer.status_code == 503:
                time.sleep(0.05)
        self.client.close()

    def acknowledged(self) -> list[Any]:
        return [what for what, status, _ in self.answers if 200 <= status < 300]

    def refused(self) -> list[Any]:
        """Refused at once (the API knew the database was down): nothing recorded."""
        return [
            what for what, status, text in self.answers if status == 503 and UNAVAILABLE in text
        ]

    def in_doubt(self) -> list[Any]:
        """In flight when the database went: recorded whole or not at all."""
        return [what for what, status, text in self.answers if status == 503 and IN_DOUBT in text]


@pytest.mark.private_cluster
def test_the_api_survives_postgresql_going_away(server, outage_cluster, outage_url):
    """Issue 8 (faults): three writers (registrations; members, with Idempotency-Keys; dibao
    applications, each submitted then determined, a write of several events) run through a
    stop and start of PostgreSQL. Every answer is 2xx or 503 with a clear message; the
    refusals after the first come at once; every acknowledged write is there; a write
    refused at once ("nothing was recorded") left nothing (no household, member or
    determination of theirs); a write in flight when the database went is answered as in
    doubt (its COMMIT may have gone through, the answer lost with the connection) and is
    there at most once; nothing is half-applied: every stream's versions run 1..n and
    `verify` (chains and recomputed determinations) is clean; the API recovers by itself."""
    hid, _ = register(server, members=1)
    cw, ap = server.token(*CW), server.token(*AP)
    household = {"region_code": "330402", "residence": "urban", "address": OUTAGE}

    def registration(client: httpx.Client, n: int) -> tuple[Any, httpx.Response]:
        r = client.post("/households", headers=cw, json=household | {"registered_on": "2025-01-01"})
        return (r.json()["household_id"] if r.status_code == 201 else None), r

    def member(client: httpx.Client, n: int) -> tuple[Any, httpx.Response]:
        body = {"name": f"{OUTAGE}{n}", "id_number": id_number(), "relation": "child"}
        r = client.post(  # with an Idempotency-Key: its bookkeeping meets the outage too
            f"/households/{hid}/members",
            headers=cw | {"Idempotency-Key": f"member-{n}"},
            json=body | {"birth_on": "2010-01-01"},
        )
        return body["name"], r

    def determination(client: httpx.Client, n: int) -> tuple[Any, httpx.Response]:
        """A household with a member and a disaster-relief application (§28), then its
        determination (the write under test); a refusal on the way there is kept as it is."""
        r = client.post(
            "/households",
            headers=cw,
            json=household | {"address": f"{OUTAGE}-d", "registered_on": "2025-01-01"},
        )
        if r.status_code != 201:
            return None, r
        target = r.json()["household_id"]
        body = {"name": "户主", "id_number": id_number(), "relation": "head"}
        r = client.post(
            f"/households/{target}/members", headers=cw, json=body | {"birth_on": "1980-01-01"}
        )
        if r.status_code != 201:
            return None, r
        r = client.post(
            f"/households/{target}/applications",
            headers=cw,
            json={  # decided in one step (a category's path has steps of its own)
                "programme": "disaster_relief",
                "effective_from": "2025-03-01",
                "details": {"disaster_on": "2025-03-01", "loss": "house_damaged"},
            },
        )
        if r.status_code != 201:
            return None, r
        application = (target, r.json()["application_id"])
        r = client.post(
            f"/households/{target}/applications/{application[1]}/determination",
            headers=ap,
            json={"decision": "approve", "reason": "停电测试"},
        )
        return application, r

    writers = [Writer(server.url, w) for w in (registration, member, determination)]
    for writer in writers:
        writer.start()
    time.sleep(1.5)  # writes going through
    outage_cluster.stop()
    try:
        deadline = time.monotonic() + 90  # the first to meet it waits for the retries
        while not any(w.refused() for w in writers) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # more writes refused
        started = time.monotonic()
        again = server.client.post(
            "/households", headers=cw, json=household | {"registered_on": "2025-01-01"}, timeout=120
        )
        assert again.status_code == 503 and again.json()["message"] == UNAVAILABLE
        assert time.monotonic() - started < 2  # refused at once, the guard knows
        health = server.client.get("/health")
        assert health.status_code == 503 and health.json()["database"] == "down"
    finally:
        outage_cluster.start()
        deadline = time.monotonic() + 60
        while not outage_cluster.ready() and time.monotonic() < deadline:
            time.sleep(0.5)
    deadline = time.monotonic() + 60
    recovered = False
    while time.monotonic() < deadline and not recovered:
        time.sleep(0.5)
        recovered = all(w.answers and 200 <= w.answers[-1][1] < 300 for w in writers[:2])
    time.sleep(1)  # and a few more writes after the recovery
    for writer in writers:
        writer.stop.set()
    for writer in writers:
        writer.join(timeout=150)
    assert recovered, "the API did not recover by itself within a minute"
    assert server.client.get("/health").json()["status"] == "ok"
    for writer in writers:
        assert writer.refused(), "every writer met the outage"
        for _, status, text in writer.answers:  # an answer every time: written, or 503
            assert 200 <= status < 300 or status == 503, (status, text)
            assert status != 503 or UNAVAILABLE in text or IN_DOUBT in text, text
    registered, members, determined = (w.acknowledged() for w in writers)
    for household_id in registered:
        assert events(server, household_id)[0]["type"] == "Registered"

    ledger = Ledger.open(Settings(database_url=outage_url, secret="s" * 40))
    try:
        by_address: dict[str, int] = {}
        streams: set[UUID] = set()
        for notification in ledger.app.recorder.select_notifications(start=1, limit=1_000_000):
            streams.add(notification.originator_id)
            if notification.topic.endswith("Household.Registered"):
                event = ledger.app.mapper.to_domain_event(notification)
                by_address[event.address] = by_address.get(event.address, 0) + 1
        # A registration refused at once left nothing; one in flight at most itself.
        in_doubt = len(writers[0].in_doubt())
        assert len(registered) <= by_address.get(OUTAGE, 0) <= len(registered) + in_doubt
        names = {m.name for m in ledger.app.household(UUID(hid)).members.values()}
        assert set(members) <= names
        assert not names & set(writers[1].refused()), "a member refused at once was added"
        assert len(names - set(members) - {"张0"}) <= len(writers[1].in_doubt())
        for target, application in (d for d in determined if d is not None):
            stored = ledger.app.household(UUID(target)).applications[application]
            assert stored.decision == "approved"
        for target, application in (d for d in writers[2].refused() if d is not None):
            stored = ledger.app.household(UUID(target)).applications[application]
            assert stored.decision is None, "a determination refused at once left its events"
        for stream in streams:
            versions = [e.originator_version for e in ledger.app.recorder.select_events(stream)]
            assert versions == list(range(1, len(versions) + 1)), stream
        report = ledger.verify()
        assert report.ok, (report.chain_breaks, report.recompute_mismatches)
    finally:
        ledger.close()
