"""Reads from a streaming replica, by log position (LEDGER_REPLICA_URL, docs/SCALING.md).

A write answers with `X-Ledger-Position`: the head of the log once it committed (its own
events are at or below it). A read that may go to a replica is served by the replica when
it carries no `X-Ledger-Read-After`, or when it carries one and every view on the replica
has reached that position; otherwise, and whenever the replica does not answer, by the
primary, whose views are caught up before it answers. `X-Ledger-Served-By` says which.
Writes, the web pages and the PIPL access trail always use the primary.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.routing import DEFAULT, route
from projections.runner import first_line
from services.ledger import Ledger
from services.settings import Settings

log = logging.getLogger("ledger.api")

POSITION = "X-Ledger-Position"
READ_AFTER = "X-Ledger-Read-After"
SERVED_BY = "X-Ledger-Served-By"
REOPEN_SECONDS = 10.0  # a replica that would not open is tried again after this long
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


class PositionMiddleware:
    """Plain ASGI: a write answered below 400 carries the log's head as it committed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _READS:
            await self.app(scope, receive, send)
            return

        async def with_position(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                # The ledger the route wrote to (api/deps.py keeps it), else the one.
                ledger = scope.get("state", {}).get("ledger") or scope["app"].state.ledger
                try:
                    head = await run_in_threadpool(_head, ledger)
                except Exception as error:  # the write stands; only its position is unknown
                    log.warning("log position not read: %s", first_line(error))
                else:
                    headers = list(message.get("headers", []))
                    headers.append((POSITION.lower().encode(), str(head).encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_position)


def _head(ledger: Ledger) -> int:
    return int(ledger.app.recorder.max_notification_id() or 0)


class Replica:
    """A ledger's replica as the service holds it: opened when first needed, dropped when
    it fails and tried again after REOPEN_SECONDS (reads meanwhile go to the primary)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ledger: Ledger | None = None
        self.retry_at = 0.0
        self._lock = threading.Lock()

    def get(self) -> Ledger | None:
        with self._lock:
            if self.ledger is not None or time.monotonic() < self.retry_at:
                return self.ledger
            try:
                self.ledger = Ledger.open_replica(self.settings)
            except Exception as error:
                self.retry_at = time.monotonic() + REOPEN_SECONDS
                log.warning("replica not opened, reads go to the primary: %s", first_line(error))
            return self.ledger

    def drop(self, error: BaseException) -> None:
        """The replica failed: the primary reads until it is opened again; the primary is
        not reported down for it."""
        log.warning("replica did not answer, reads go to the primary: %s", first_line(error))
        with self._lock:
            held, self.ledger = self.ledger, None
            self.retry_at = time.monotonic() + REOPEN_SECONDS
        if held is not None:
            with contextlib.suppress(Exception):  # its connections may be broken already
                held.close()

    def close(self) -> None:
        with self._lock:
            held, self.ledger = self.ledger, None
        if held is not None:
            held.close()


def open_replicas(state: Any) -> None:
    """Every ledger's replica that is configured (LEDGER_REPLICA_URL, or a ledgers file's
    replica_url), by ledger name, each opened now if it will open."""
    province = getattr(state, "province", None)
    if province is not None:
        configured = {s.name: s.settings for s in province.specs if s.settings.replica_url}
    elif state.settings.replica_url is not None:
        configured = {DEFAULT: state.settings}
    else:
        configured = {}
    state.replicas = {name: Replica(settings) for name, settings in configured.items()}
    for replica in state.replicas.values():
        replica.get()


def close_replicas(state: Any) -> None:
    for replica in getattr(state, "replicas", {}).values():
        replica.close()


def drop_replica(request: Request, error: BaseException) -> None:
    """A read the replica failed: that replica is dropped for a while."""
    replica: Replica | None = getattr(request.state, "replica", None)
    if replica is not None:
        replica.drop(error)


def _choose(replica: Replica, primary: Ledger, wanted: int | None) -> Ledger | None:
    held = replica.get()
    if held is None:
        return None
    try:  # one round trip, which also tells that the replica answers
        return held if held.runner.reached(wanted or 0) else None
    except Exception as error:  # the replica is down or restarting: the primary reads
        replica.drop(error)
        return None


async def read_ledger(request: Request, response: Response) -> Ledger:
    """The ledger a replica-safe read is served from (see the module's docstring)."""
    header = request.headers.get(READ_AFTER)
    wanted: int | None = None
    if header is not None:
        if not header.strip().isdigit():
            raise HTTPException(
                422, f"{READ_AFTER} must be a log position: a whole number from {POSITION}"
            )
        wanted = int(header.strip())
    name, primary = await route(request)
    replica: Replica | None = getattr(request.app.state, "replicas", {}).get(name)
    chosen = None
    if replica is not None:
        chosen = await run_in_threadpool(_choose, replica, primary, wanted)
    if chosen is not None:
        request.state.replica = replica  # a failure then drops the replica
        response.headers[SERVED_BY] = "replica"
        return chosen
    response.headers[SERVED_BY] = "primary"
    return primary


ReadLedgerDep = Annotated[Ledger, Depends(read_ledger)]
