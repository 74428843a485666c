"""The database going away and coming back.

When a request meets the database unavailable, the guard marks it down: from then on
every request but /health is answered 503 at once (nothing is recorded), and a probe
tries every second to open the ledger again. When it succeeds, the new ledger (fresh
connections) takes the old one's place and requests go through again: the API recovers
by itself."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.container import Ledger
from api.errors import error_body
from api.settings import Settings

log = logging.getLogger("ledger.api")
UNAVAILABLE = "the database is unavailable; nothing was recorded, retry"


class DatabaseGuard:
    def __init__(self, app_state: Any, settings: Settings) -> None:
        self.state = app_state
        self.settings = settings
        self.down = threading.Event()
        self._lock = threading.Lock()
        self._probe: threading.Thread | None = None

    def report_down(self) -> None:
        with self._lock:
            self.down.set()
            if self._probe is None or not self._probe.is_alive():
                self._probe = threading.Thread(target=self._reopen, name="db-probe", daemon=True)
                self._probe.start()

    def _reopen(self) -> None:
        while self.down.is_set():
            try:
                fresh = Ledger.open(self.settings)
                fresh.runner.lag()  # a real round trip
            except Exception as error:
                log.warning("database still unavailable: %s", type(error).__name__)
                time.sleep(1.0)
                continue
            old, self.state.ledger = self.state.ledger, fresh
            self.down.clear()
            log.warning("database available again: the ledger is reopened")
            with contextlib.suppress(Exception):  # the old pool is broken anyway
                old.close()


class OutageMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        guard: DatabaseGuard = request.app.state.guard
        if guard.down.is_set() and request.url.path != "/health":
            return JSONResponse(
                error_body("unavailable", UNAVAILABLE),
                status_code=503,
                headers={"Retry-After": "1"},
            )
        return await call_next(request)
