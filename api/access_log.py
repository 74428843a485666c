"""PIPL audit trail: every read of personal data (who looked at which household, when)
is recorded, and auditors can list the records (GET /audit/data-access)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

from api.auth import TokenError, read_token

_UUID = r"([0-9a-fA-F-]{36})"
PERSONAL = (
    re.compile(rf"^/households/{_UUID}$"),
    re.compile(rf"^/households/{_UUID}/events$"),
    re.compile(rf"^/audit/households/{_UUID}/(replay|report)$"),
    re.compile(r"^/feeds/(transit|payments|payments\.csv|payments\.xml|events)$"),
)


class AccessLogMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        if request.method != "GET" or response.status_code != 200:
            return response
        for pattern in PERSONAL:
            match = pattern.match(request.url.path)
            if match is None:
                continue
            header = request.headers.get("authorization", "")
            try:
                user = read_token(request.app.state.signing_key, header.partition(" ")[2])
            except TokenError:
                break
            household = match.group(1) if match.groups() and "-" in match.group(1) else None
            await run_in_threadpool(
                request.app.state.ledger.views.record_access,
                datetime.now(UTC),
                user.name,
                user.role,
                household,
                request.url.path,
            )
            break
        return response
