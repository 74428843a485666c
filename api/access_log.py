"""PIPL audit trail: every read of personal data (who looked at which household, when)
is recorded, and auditors can list the records (GET /audit/data-access)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import TokenError, read_token

_UUID = r"([0-9a-fA-F-]{36})"
PERSONAL = (
    re.compile(rf"^/households/{_UUID}$"),
    re.compile(rf"^/households/{_UUID}/events$"),
    re.compile(rf"^/households/{_UUID}/medical-caps$"),  # health data (PIPL: sensitive)
    re.compile(rf"^/households/{_UUID}/payments$"),  # payees' names and accounts
    re.compile(rf"^/audit/households/{_UUID}/(replay|report)$"),
    re.compile(r"^/feeds/(transit|payments|payments\.csv|payments\.xml|events)$"),
    re.compile(r"^/payments/(waiting)$"),  # names the households owed
)


class AccessLogMiddleware:
    """Plain ASGI: a GET of personal data answered 200 is recorded before its answer
    leaves (so the trail never misses a read a client has seen); other requests pass
    straight on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        match = None
        for pattern in PERSONAL:
            match = pattern.match(scope["path"])
            if match is not None:
                break
        if match is None:
            await self.app(scope, receive, send)
            return
        found = match

        async def record_then_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                await _record(scope, found)
            await send(message)

        await self.app(scope, receive, record_then_send)


async def _record(scope: Scope, match: re.Match[str]) -> None:
    header = Headers(scope=scope).get("authorization", "")
    app = scope["app"]
    try:
        user = read_token(app.state.signing_key, header.partition(" ")[2])
    except TokenError:
        return
    household = match.group(1) if match.groups() and "-" in match.group(1) else None
    await run_in_threadpool(
        app.state.ledger.views.record_access,
        datetime.now(UTC),
        user.name,
        user.role,
        household,
        scope["path"],
    )
