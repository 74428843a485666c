"""`Idempotency-Key` on writes, and the request body size limit (`LEDGER_MAX_BODY_BYTES`,
counted as the body streams in, so a chunked upload without Content-Length is refused
with 413 as soon as it passes the limit, without reading the rest).

The key is scoped to the user, method and path. The same key with the same body
answers with the first (2xx) answer again and records nothing new; with another
body, 409; while the first is still running, 409; once it has been pending for
LEDGER_IDEMPOTENCY_PENDING_SECONDS (its process died before keeping the answer, perhaps
after the write committed), 409 "in doubt": the key never runs the write again, since
that could record it twice; the client reads the record and writes again with a new key
if it is not there. Failed requests are not kept, so they can be retried with the same
key.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import TokenError, read_token
from api.errors import OUTAGES, UNAVAILABLE, WRITE_METHODS, error_body
from api.web.session import COOKIE as SESSION_COOKIE

log = logging.getLogger("ledger.api")


class IdempotencyMiddleware:
    """Writes go through the size limit and the idempotency keys; reads pass straight on
    (plain ASGI: no cost on the read path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.writes = _Writes(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in WRITE_METHODS:
            body = await _read_within(scope, receive)
            if body is None:
                limit = scope["app"].state.settings.max_body_bytes
                await _too_large(limit)(scope, receive, send)
                return
            await self.writes(scope, _replay(body, receive), send)
        else:
            await self.app(scope, receive, send)


async def _read_within(scope: Scope, receive: Receive) -> bytes | None:
    """The request body, or None as soon as it is known to be over the limit: by its
    Content-Length, or while counting the bytes of a chunked body as they come (the rest
    is never read, so a huge upload is not held in memory)."""
    limit: int = scope["app"].state.settings.max_body_bytes
    headers = dict(scope["headers"])
    declared = headers.get(b"content-length", b"").decode("latin-1")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, server: Receive) -> Receive:
    """A `receive` that gives the body read already, then the server's own (which tells
    of the client going away)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await server()

    return receive


class _Writes(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        body = await request.body()  # within the limit: read by IdempotencyMiddleware
        key = request.headers.get("idempotency-key")
        if not key:
            return await call_next(request)
        if len(key) > 200:
            return JSONResponse(
                error_body(
                    "invalid_input",
                    "Idempotency-Key is longer than 200 characters",
                    "Idempotency-Key",
                ),
                status_code=422,
            )
        user = _user(request)
        if user is None:
            return await call_next(request)  # the route answers 401
        store = request.app.state.ledger.views
        scope = f"{user}|{request.method}|{request.url.path}|{key}"
        digest = hashlib.sha256(body).hexdigest()
        begin = partial(
            store.idempotency_begin,
            scope,
            digest,
            pending_seconds=request.app.state.settings.idempotency_pending_seconds,
        )
        try:
            state, status, stored = await run_in_threadpool(begin)
        except OUTAGES:
            guard = getattr(request.app.state, "guard", None)
            if guard is not None:
                guard.report_down()
            return JSONResponse(
                error_body("unavailable", UNAVAILABLE),
                status_code=503,
                headers={"Retry-After": "1"},
            )
        if state == "replay":
            return Response(
                stored,
                status_code=status or 200,
                media_type="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        if state == "mismatch":
            return JSONResponse(
                error_body(
                    "conflict",
                    "this Idempotency-Key was used with a different body",
                    "Idempotency-Key",
                ),
                status_code=409,
            )
        if state in ("pending", "in_doubt"):
            return JSONResponse(
                error_body(
                    "conflict",
                    (
                        "a request with this Idempotency-Key is still running, or was cut off "
                        "when the database went away"
                        if state == "pending"
                        else "the request with this Idempotency-Key was cut off before its "
                        "answer was kept"
                    )
                    + " (then read the record: it may have been recorded; write again with "
                    "a new key if it is not)",
                    "Idempotency-Key",
                ),
                status_code=409,
            )
        try:
            response = await call_next(request)
            chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
            content = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        except BaseException:
            await _keep_going(store.idempotency_abort, scope)
            raise
        if 200 <= response.status_code < 300:
            await _keep_going(store.idempotency_finish, scope, response.status_code, content)
        else:
            await _keep_going(store.idempotency_abort, scope)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(content, status_code=response.status_code, headers=headers)


async def _keep_going(step: Callable[..., None], *args: Any) -> None:
    """Record the key's outcome; if the database has gone meanwhile, the route's own answer
    still goes out (the key stays pending: a retry with it hears so)."""
    try:
        await run_in_threadpool(step, *args)
    except OUTAGES as error:
        log.warning("idempotency key not updated: %s", type(error).__name__)


def _user(request: Request) -> str | None:
    """Who writes: the bearer token's user, or the web session's (a page's script sending
    what the device kept offline, api/web/workspace.py)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    try:
        return read_token(request.app.state.signing_key, token).name
    except TokenError:
        return None


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        error_body("too_large", f"the request body is larger than {limit} bytes"),
        status_code=413,
    )


__all__ = ["IdempotencyMiddleware"]
