"""The one place where errors become HTTP answers: `{"error", "message", "field"?}`."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    PersistenceError,
)
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.replica import drop_replica
from domain.errors import (
    ConflictError,
    InvalidInputError,
    LedgerError,
    NotFoundError,
    PolicyRuleError,
    SeparationOfDutiesError,
    ViewsBehindError,
    ViewUnavailableError,
)
from projections.runner import first_line

log = logging.getLogger("ledger.api")

UNAVAILABLE = "the database is unavailable; nothing was recorded, retry"
IN_DOUBT = (
    "the database went away during this request; the write may have been recorded just "
    "before it did: read the record before retrying"
)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The database unavailable (an outage), as opposed to refusing (REFUSALS below).
OUTAGES: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    PoolTimeout,
)

STATUS = {
    InvalidInputError: 422,
    PolicyRuleError: 400,
    NotFoundError: 404,
    SeparationOfDutiesError: 403,
    ConflictError: 409,
    ViewsBehindError: 503,
    ViewUnavailableError: 503,
}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, str]:
    body = {"error": code, "message": message}
    if field:
        body["field"] = field
    return body


def validation_problem(problems: Sequence[Any]) -> tuple[str | None, str]:
    """The first problem pydantic found, as (field, message): the API's 422 body and the
    web forms both say it this way."""
    problem = problems[0] if problems else {"loc": (), "msg": "invalid request"}
    loc = [str(p) for p in problem.get("loc", ()) if p not in ("body", "query", "path")]
    field = ".".join(loc) or None
    message = str(problem.get("msg", "invalid request"))
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return field, f"{field}: {message}" if field else message


# A database that is there but refuses (a privilege revoked, a read-only file, a full disk,
# a value it cannot store): the library's wrapped errors and the drivers' own. Outages are
# the subclasses mapped to 503 in `install`.
REFUSALS: tuple[type[Exception], ...] = (PersistenceError, sqlite3.Error, psycopg.Error)


def refusal(error: BaseException) -> tuple[str, str]:
    """A database's refusal as (the driver's error class, the first line of its message):
    what to report, without the detail lines that may quote row values."""
    cause = error.__cause__ or error
    return type(cause).__name__, first_line(cause)


def status_of(error: LedgerError) -> int:
    """The HTTP status a domain error answers with."""
    return next((s for cls, s in STATUS.items() if isinstance(error, cls)), 400)


def install(app: FastAPI) -> None:
    @app.exception_handler(LedgerError)
    async def ledger_error(_: Request, exc: LedgerError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message, exc.field), status_code=status_of(exc)
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        field, text = validation_problem(exc.errors())
        return JSONResponse(error_body("invalid_input", text, field), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "not_allowed",
            409: "conflict",
            413: "too_large",
        }
        return JSONResponse(
            error_body(codes.get(exc.status_code, "error"), str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(IntegrityError)
    async def conflict(_: Request, exc: IntegrityError) -> JSONResponse:
        return JSONResponse(
            error_body("conflict", "the record changed concurrently; read it again and retry"),
            status_code=409,
        )

    async def refused(_: Request, exc: Exception) -> JSONResponse:
        # Not an outage (those are 503 below): said, never a bare 500.
        kind, first = refusal(exc)
        log.error("the database refused a request: %s: %s", kind, first)
        return JSONResponse(
            error_body(
                "database_refused",
                f"the database refused the request ({kind}); the write it refused recorded "
                "nothing; the server log has the database's message",
            ),
            status_code=500,
        )

    for refusal_class in REFUSALS:
        app.add_exception_handler(refusal_class, refused)

    async def unavailable(request: Request, exc: Exception) -> JSONResponse:
        guard = getattr(request.app.state, "guard", None)
        if getattr(request.state, "replica", None) is not None:
            drop_replica(request, exc)  # the primary is not down for it
        else:
            log.warning("database unavailable: %s", type(exc).__name__)
            if guard is not None:
                guard.report_down()
        # A write the database dropped in the middle may have committed just before it
        # went (the answer to the COMMIT lost with the connection): say so, not "nothing".
        message = IN_DOUBT if request.method in WRITE_METHODS else UNAVAILABLE
        return JSONResponse(
            error_body("unavailable", message),
            status_code=503,
            headers={"Retry-After": "1"},
        )

    for error in OUTAGES:
        app.add_exception_handler(error, unavailable)
