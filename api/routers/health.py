from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import LedgerDep

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
def health(request: Request, ledger: LedgerDep) -> JSONResponse:
    body: dict[str, Any] = {"status": "ok", "database": "up", "backend": ledger.backend}
    guard = getattr(request.app.state, "guard", None)
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
        return JSONResponse(body, status_code=503)
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
    return JSONResponse(body)
