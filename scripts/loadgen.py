"""A bounded HTTP load generator for `ledger bench`: a real `ledger serve` on loopback,
driven by threads with keep-alive connections. Every phase stops by itself (a number of
requests and a time limit); only 127.0.0.1 is ever spoken to."""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def served(env: dict[str, str], workers: int, timeout: float = 60) -> Iterator[str]:
    """`ledger serve` in a child process on a free loopback port; its base URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "scripts.cli",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
    ]
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        command,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"ledger serve stopped: {process.stderr.read().decode()[-2000:]}"  # type: ignore[union-attr]
                )
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("ledger serve did not answer in time")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "requests_per_s": round(self.rate, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else 0.0,
        }


class _Response:
    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code = status_code
        self.body = body


class RawClient:
    """A minimal HTTP/1.1 keep-alive client on one socket: GET only, Content-Length
    bodies only (what the ledger answers). A few microseconds of Python a request, so
    the load generator does not eat the cores the server is measured on."""

    def __init__(self, base: str, token: str) -> None:
        host, _, port = base.removeprefix("http://").partition(":")
        self.address = (host, int(port))
        self.header = f"Host: {host}\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
        self.sock = socket.create_connection(self.address, timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def get(self, path: str) -> _Response:
        self.sock.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\n" + self.header)
        while b"\r\n\r\n" not in self.buffer:
            self._read()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            self.buffer = rest
            self._read()
            rest = self.buffer
        self.buffer = rest[length:]
        return _Response(status, rest[:length])

    def _read(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.sock.close()


def _client(base: str, token: str) -> RawClient:
    return RawClient(base, token)


def closed_loop(
    base: str, token: str, paths: list[str], *, threads: int, requests: int, max_seconds: float
) -> LoadResult:
    """As fast as the server answers: `threads` clients, each sending its next request
    when the last one is answered, until `requests` are done or the time is up."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    per_thread = max(requests // threads, 1)
    deadline = time.perf_counter() + max_seconds

    def work(seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311 (not for security: which household to ask)
        mine: list[float] = []
        failed = 0
        with _client(base, token) as client:
            for _ in range(per_thread):
                if time.perf_counter() > deadline:
                    break
                start = time.perf_counter()
                response = client.get(rng.choice(paths))
                mine.append((time.perf_counter() - start) * 1000)
                failed += response.status_code != 200
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return LoadResult(len(latencies), errors[0], time.perf_counter() - started, latencies)


def fixed_rate(
    base: str, token: str, paths: list[str], *, rate: float, seconds: float, threads: int = 8
) -> LoadResult:
    """Requests sent on a fixed schedule (`rate` a second in all, for `seconds`); each
    latency is counted from the request's scheduled time, so a slow answer that delays
    the next request is counted against the server (no coordinated omission)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    interval = threads / rate
    total = int(rate * seconds)
    start_at = time.perf_counter() + 0.2

    def work(n: int) -> None:
        rng = random.Random(n)  # noqa: S311
        mine: list[float] = []
        failed = 0
        with _client(base, token) as client:
            k = 0
            while True:
                index = n + k * threads
                if index >= total:
                    break
                scheduled = start_at + k * interval + n * interval / threads
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                response = client.get(rng.choice(paths))
                mine.append((time.perf_counter() - scheduled) * 1000)
                failed += response.status_code != 200
                k += 1
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return LoadResult(len(latencies), errors[0], time.perf_counter() - start_at, latencies)
