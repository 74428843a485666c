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

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import UNAVAILABLE, error_body
from services.ledger import Ledger
from services.settings import Settings

log = logging.getLogger("ledger.api")


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
            province = getattr(self.state, "province", None)
            if province is not None:  # the default ledger of a province (services/province.py)
                fresh.province, fresh.name = province, province.specs[0].name
                province.ledgers[province.specs[0].name] = fresh
            old, self.state.ledger = self.state.ledger, fresh
            self.down.clear()
            log.warning("database available again: the ledger is reopened")
            with contextlib.suppress(Exception):  # the old pool is broken anyway
                old.close()


class OutageMiddleware:
    """Plain ASGI (no BaseHTTPMiddleware: it costs a task and a stream per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            guard: DatabaseGuard = scope["app"].state.guard
            if guard.down.is_set() and scope["path"] != "/health":
                response = JSONResponse(
                    error_body("unavailable", UNAVAILABLE),
                    status_code=503,
                    headers={"Retry-After": "1"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
