"""`ledger project`: one process keeps a ledger's views current, so that any number of
`ledger serve` processes can run with `LEDGER_PROJECTION_WORKER=true` and do no
catch-up of their own (their reads wait for the worker to reach the head they saw, so
a client still reads its own writes).

One worker is active per ledger: it holds a lock, a PostgreSQL session advisory lock
keyed by the ledger's database and schema (held by its own connection, freed by the
server if the worker dies), or on SQLite an exclusive `flock` on a file beside the
database. A second worker waits as a standby, trying the lock every interval, and takes
over when the first stops."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, unquote, urlparse

import psycopg

from projections.runner import first_line
from services.ledger import Ledger
from services.settings import Settings
from services.startup import complete_propagations_on_start

log = logging.getLogger("ledger.project")


class WorkerLock:
    """The one-active-worker lock of a ledger."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.database_url
        self._conn: psycopg.Connection[Any] | None = None
        self._file: IO[str] | None = None
        self.timeout = settings.db_connect_timeout_seconds

    @property
    def key(self) -> int:
        """A 63-bit advisory lock key of the database and schema."""
        parsed = urlparse(self.url)
        schema = parse_qs(parsed.query).get("schema", ["public"])[0]
        digest = hashlib.sha256(f"{parsed.path}/{schema}/projections".encode()).digest()
        return int.from_bytes(digest[:8], "big") >> 1

    def acquire(self) -> bool:
        if self.url.startswith("sqlite:///"):
            return self._acquire_file(Path(self.url[len("sqlite:///") :]))
        parsed = urlparse(self.url)
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or 5432,
                dbname=parsed.path.lstrip("/"),
                user=unquote(parsed.username or "postgres"),
                password=unquote(parsed.password or ""),
                connect_timeout=self.timeout,
                autocommit=True,
                application_name="ledger project",
            )
        row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        return bool(row and row[0])

    def _acquire_file(self, database: Path) -> bool:
        if self._file is None:
            self._file = (database.parent / f"{database.name}.projections.lock").open("a")
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            self._conn.close()
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def run_worker(
    ledger: Ledger,
    settings: Settings,
    stop: threading.Event,
    also: Callable[[], None] | None = None,
) -> None:
    """Keep `ledger`'s views current until `stop` is set: as the active worker once the
    lock is ours, as a standby until then. Each failed catch-up is logged (its class and
    first line) and tried again at the next interval. `also`: more work of the active
    worker each interval (a province's unfinished moves), its failures logged alike."""
    ledger.runner.wait_for_worker = None  # the worker is the one that catches up
    lock = WorkerLock(settings)
    interval = settings.projection_interval_seconds
    held = propagated = False
    try:
        while not stop.is_set():
            if not held:
                held = lock.acquire()
                if not held:
                    log.info("standby: another projection worker holds the ledger's lock")
                    stop.wait(interval)
                    continue
                log.info("active: keeping the views current every %.1f s", interval)
                propagated = False
            try:
                applied = ledger.runner.catch_up()
                if applied:
                    log.info("applied %d events to the views", applied)
            except Exception as error:  # logged (class and first line), tried again
                log.warning("catch-up failed: %s: %s", type(error).__name__, first_line(error))
            else:
                if not propagated:
                    _complete_propagations(ledger)
                    propagated = True
            if also is not None:
                try:
                    also()
                except Exception as error:
                    log.warning("%s failed: %s: %s", also, type(error).__name__, first_line(error))
            stop.wait(interval)
    finally:
        if held:
            lock.release()


def _complete_propagations(ledger: Ledger) -> None:
    """Once active and caught up: complete what a dead process left unpropagated, as
    `ledger serve` without a worker does when it starts. A failure is logged, not
    retried (`ledger verify` lists the changes; `ledger propagate` completes them)."""
    try:
        complete_propagations_on_start(ledger, log)
    except Exception as error:
        log.warning(
            "unfinished propagations not completed on start: %s: %s; run `ledger propagate`",
            type(error).__name__,
            first_line(error),
        )
