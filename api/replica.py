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
import time
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from projections.runner import first_line
from services.ledger import Ledger

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
                state = scope["app"].state
                try:
                    head = await run_in_threadpool(_head, state.ledger)
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


def open_replica(state: Any) -> Ledger | None:
    """The replica's ledger, opened at most every REOPEN_SECONDS while it will not open."""
    settings = state.settings
    if settings.replica_url is None:
        return None
    replica: Ledger | None = getattr(state, "replica", None)
    if replica is not None:
        return replica
    now = time.monotonic()
    if now < getattr(state, "replica_retry_at", 0.0):
        return None
    try:
        replica = Ledger.open_replica(settings)
    except Exception as error:
        state.replica_retry_at = now + REOPEN_SECONDS
        log.warning("replica not opened, reads go to the primary: %s", first_line(error))
        return None
    state.replica = replica
    return replica


def close_replica(state: Any) -> None:
    replica: Ledger | None = getattr(state, "replica", None)
    state.replica = None
    if replica is not None:
        with contextlib.suppress(Exception):  # its connections may be broken already
            replica.close()


def drop_replica(state: Any, error: BaseException) -> None:
    """The replica failed: reads go to the primary until it is opened again (tried after
    REOPEN_SECONDS); the primary is not reported down for it."""
    log.warning("replica did not answer, reads go to the primary: %s", first_line(error))
    state.replica_retry_at = time.monotonic() + REOPEN_SECONDS
    close_replica(state)


def _choose(state: Any, wanted: int | None) -> tuple[Ledger, str]:
    replica = open_replica(state)
    if replica is not None:
        try:  # one round trip, which also tells that the replica answers
            if replica.runner.reached(wanted or 0):
                return replica, "replica"
        except Exception as error:  # the replica is down or restarting: the primary reads
            drop_replica(state, error)
    primary: Ledger = state.ledger
    return primary, "primary"


async def read_ledger(request: Request, response: Response) -> Ledger:
    """The ledger a replica-safe read is served from (see the module's docstring)."""
    state = request.app.state
    header = request.headers.get(READ_AFTER)
    wanted: int | None = None
    if header is not None:
        if not header.strip().isdigit():
            raise HTTPException(
                422, f"{READ_AFTER} must be a log position: a whole number from {POSITION}"
            )
        wanted = int(header.strip())
    if state.settings.replica_url is None:
        ledger: Ledger = state.ledger
        served = "primary"
    else:
        ledger, served = await run_in_threadpool(_choose, state, wanted)
    request.state.from_replica = served == "replica"  # a failure then drops the replica
    response.headers[SERVED_BY] = served
    return ledger


ReadLedgerDep = Annotated[Ledger, Depends(read_ledger)]
