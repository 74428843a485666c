from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.routing import ledgers_in, province_of
from services.ledger import Ledger

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    summary="Liveness, database state, projection lag and the views' state (no token)",
    description=(
        "`status` is `ok`, `degraded` (a view's catch-up is failing: `views` names it and "
        "the error's class) or `unavailable` (the database is down: answered with 503). "
        "`database` is `up` or `down`; `backend` is `sqlite` or `postgresql`."
    ),
)
def health(request: Request) -> JSONResponse:
    guard = getattr(request.app.state, "guard", None)
    ledgers = ledgers_in(request)
    if province_of(request) is None:
        body = _health(ledgers[0][1], guard)
        return JSONResponse(body, status_code=503 if body["status"] == "unavailable" else 200)
    # A province (LEDGER_LEDGERS_FILE): each ledger's, and the worst of them on top.
    each = {
        name: _health(ledger, guard if n == 0 else None)  # the guard is the default's
        for n, (name, ledger) in enumerate(ledgers)
    }
    states = [b["status"] for b in each.values()]
    worst = next((s for s in ("unavailable", "degraded") if s in states), "ok")
    return JSONResponse(
        {"status": worst, "ledgers": each}, status_code=503 if worst == "unavailable" else 200
    )


def _health(ledger: Ledger, guard: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "ok", "database": "up", "backend": ledger.backend}
    try:
        if guard is not None and guard.down.is_set():
            raise ConnectionError("the database is unavailable")
        body["projections_lag"] = ledger.runner.lag()
    except Exception as error:
        body |= {
            "status": "unavailable",
            "database": "down",
            "projections_lag": None,
            "error": type(error).__name__,
        }
        return body
    failure = ledger.runner.failure
    body["views"] = {name: "ok" for name in body["projections_lag"]}
    if failure is not None:
        body["status"] = "degraded"
        for name in failure.views:
            body["views"][name] = {
                "state": "failing",
                "error": failure.error,
                "failures": failure.failures,
                "since": failure.since.isoformat(),
            }
    return body
