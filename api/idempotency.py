"""`Idempotency-Key` on writes, and the request body size limit.

The key is scoped to the user, method and path. The same key with the same body
answers with the first (2xx) answer again and records nothing new; with another
body, 409; while the first is still running, 409, until it has been pending for
LEDGER_IDEMPOTENCY_PENDING_SECONDS (its process died before keeping the answer): then
a retry with the key runs as new. Failed requests are not kept, so they can be retried
with the same key.
"""

from __future__ import annotations

import hashlib
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import TokenError, read_token
from api.errors import error_body

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class IdempotencyMiddleware:
    """Writes go through the size limit and the idempotency keys; reads pass straight on
    (plain ASGI: no cost on the read path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.writes = _Writes(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in WRITES:
            await self.writes(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class _Writes(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        limit: int = request.app.state.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return _too_large(limit)
        body = await request.body()
        if len(body) > limit:
            return _too_large(limit)
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
        state, status, stored = await run_in_threadpool(
            partial(
                store.idempotency_begin,
                scope,
                digest,
                pending_seconds=request.app.state.settings.idempotency_pending_seconds,
            )
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
        if state == "pending":
            return JSONResponse(
                error_body(
                    "conflict",
                    "a request with this Idempotency-Key is still running",
                    "Idempotency-Key",
                ),
                status_code=409,
            )
        try:
            response = await call_next(request)
            chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
            content = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        except BaseException:
            await run_in_threadpool(store.idempotency_abort, scope)
            raise
        if 200 <= response.status_code < 300:
            await run_in_threadpool(store.idempotency_finish, scope, response.status_code, content)
        else:
            await run_in_threadpool(store.idempotency_abort, scope)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(content, status_code=response.status_code, headers=headers)


def _user(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
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
