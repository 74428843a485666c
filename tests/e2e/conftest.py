"""A real `ledger serve` process per test module and backend, spoken to over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.auth import issue_token
from tests.conftest import pg_database_url

SECRET = "e2e-secret-" + "k" * 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    client: httpx.Client
    log: Path | None = None  # the server's stdout and stderr

    def token(self, user: str, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(SECRET, user, role, 600)}"}


@contextmanager
def running_server(
    url: str, tmp_path: Path, extra_env: dict[str, str] | None = None
) -> Iterator[Server]:
    """`ledger serve` on `url` in a subprocess (with `extra_env` set), until the block ends."""
    port = _free_port()
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": url,
        "LEDGER_SECRET": SECRET,
        "LEDGER_DATA_DIR": str(tmp_path),
        "LEDGER_MAX_BODY_BYTES": "20000",
        **(extra_env or {}),
    }
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    base = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=base, timeout=30)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp_path / "server.log").read_text())
            time.sleep(0.1)
        yield Server(base, client, tmp_path / "server.log")
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = pg_database_url(request.getfixturevalue("pg_schema"))
    with running_server(url, tmp_path) as started:
        yield started
