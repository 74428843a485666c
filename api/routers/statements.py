"""The bank's statement read back (docs/PAYMENTS.md, "Bank statements"): finance posts a
camt.053.001.02 statement or camt.054.001.02 notification as it came from the bank, and
reads what it must look at."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse

from api.deps import Finance, LedgerDep
from domain.money import format_yuan
from services.clock import beijing_today
from services.statements import import_statement, statement_exceptions

router = APIRouter(tags=["payments"])

XML_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/statements",
    status_code=201,
    openapi_extra=XML_BODY,
    responses={200: {"description": "the statement was imported before: nothing recorded"}},
)
def post_statement(
    body: Annotated[bytes, Body(media_type="application/xml")],
    user: Finance,
    ledger: LedgerDep,
) -> JSONResponse:
    """Import the bank's statement (camt.053.001.02) or notification (camt.054.001.02),
    checked against the official ISO 20022 XSD: each entry matched to its payment by
    end-to-end id and amount; a booked debit records it paid, a credit back with a return
    reason (AC04, BE01...) records the return (owed again, re-issued once after a new
    account). Unmatched entries, amount mismatches and contradictions are kept for
    finance. The same statement again records nothing (200); the same id with other
    content is a 409; a bad file a 422 naming the line and element, with nothing
    recorded."""
    result = import_statement(ledger, body, user.name)
    return JSONResponse(
        {
            **result.counts(),
            "items": [
                _exception({**e, "statement_id": result.statement_id}) for e in result.exceptions
            ],
        },
        status_code=201 if result.recorded else 200,
    )


def _exception(item: dict[str, Any]) -> dict[str, Any]:
    expected = item.get("expected_fen")
    return {
        "entry_id": item["entry_id"],
        "statement_id": item.get("statement_id"),
        "kind": item["kind"],
        "end_to_end_id": item.get("end_to_end_id"),
        "payment_id": item.get("payment_id"),
        "household_id": item.get("household_id"),
        "amount": format_yuan(int(item["amount_fen"])),
        "expected": format_yuan(int(expected)) if expected is not None else None,
        "booked_on": item.get("booked_on"),
        "why": item["why"],
    }


@router.get("/statements/exceptions")
def get_exceptions(
    _: Finance,
    ledger: LedgerDep,
    as_of: Annotated[
        date | None, Query(description="the day late payments are counted to (default today)")
    ] = None,
) -> dict[str, Any]:
    """What finance must look at: every unmatched entry, amount mismatch and
    contradicting entry of the statements imported (each entry once), and the payments
    sent that no statement answered `LEDGER_STATEMENT_LATE_DAYS` days after their run's
    execution date (the 1st of its month); with the statements imported."""
    days = ledger.settings.statement_late_days
    found = statement_exceptions(ledger, as_of or beijing_today(), days)
    return {
        "as_of": found["as_of"].isoformat(),
        "late_days": days,
        "statements": [
            {
                "statement_id": s["statement_id"],
                "message": s["message"],
                "created_at": s["created_at"],
                "entries": int(s["entries"]),
                "paid": int(s["paid"]),
                "paid_amount": format_yuan(int(s["paid_fen"])),
                "returned": int(s["returned"]),
                "returned_amount": format_yuan(int(s["returned_fen"])),
                "exceptions": int(s["exceptions"]),
                "imported_on": str(s["imported_on"]),
                "imported_by": s["actor"],
            }
            for s in found["statements"]
        ],
        "exceptions": [_exception(e) for e in found["exceptions"]],
        "late": [
            {
                "payment_id": r["payment_id"],
                "household_id": str(r["household_id"]),
                "run_period": r["run_period"],
                "programme": r["programme"],
                "period": r["period"],
                "kind": r["kind"],
                "amount": format_yuan(int(r["amount_fen"])),
                "sent_on": r["sent_on"].isoformat(),
                "days": r["days"],
            }
            for r in found["late"]
        ],
    }
