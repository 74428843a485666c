"""PostgreSQL stopped and started while the API takes writes: requests during the outage
fail with 503 and a clear message, nothing is half-applied, every acknowledged write is
there afterwards, and the API recovers by itself."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.test_http import CW, events, register


def cluster(action: str) -> None:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        check=True,
        capture_output=True,
        timeout=120,
    )


def pg_ready() -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False
        ).returncode
        == 0
    )


@pytest.mark.parametrize("server", ["postgres"], indirect=True)
def test_the_api_survives_postgresql_going_away(server):
    acknowledged = []
    hid, _ = register(server, members=1)
    acknowledged.append(hid)
    body = {
        "region_code": "330402",
        "residence": "urban",
        "address": "停电",
        "registered_on": "2025-01-01",
    }
    cluster("stop")
    try:
        first = server.client.post("/households", headers=server.token(*CW), json=body, timeout=120)
        assert first.status_code == 503
        assert first.json()["message"] == "the database is unavailable; nothing was recorded, retry"
        started = time.monotonic()
        again = server.client.post("/households", headers=server.token(*CW), json=body)
        assert again.status_code == 503 and time.monotonic() - started < 2  # refused at once
        assert server.client.get("/health").status_code == 503
    finally:
        cluster("start")
        deadline = time.monotonic() + 60
        while not pg_ready() and time.monotonic() < deadline:
            time.sleep(0.5)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = server.client.post("/households", headers=server.token(*CW), json=body)
        if r.status_code == 201:
            acknowledged.append(r.json()["household_id"])
            break
        time.sleep(0.5)
    assert len(acknowledged) == 2, "the API did not recover by itself within a minute"
    for household in acknowledged:
        assert events(server, household)[0]["type"] == "Registered"
    assert server.client.get("/health").json()["status"] == "ok"
