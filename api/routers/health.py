from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import LedgerDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness, database state and projection lag (no token)")
def health(ledger: LedgerDep) -> JSONResponse:
    body: dict[str, Any] = {"status": "ok", "database": ledger.backend}
    try:
        body["projections_lag"] = ledger.runner.lag()
    except Exception as error:
        body |= {"status": "unavailable", "projections_lag": None, "error": type(error).__name__}
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)
