from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from api.deps import Auditor, LedgerDep
from api.errors import error_body
from api.schemas import QueryDate
from domain.errors import InvalidInputError
from services.audit import replay_household

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/households/{household_id}/replay")
def replay(
    household_id: UUID,
    _: Auditor,
    ledger: LedgerDep,
    as_of: QueryDate | None = None,
    known_at: datetime | None = None,
) -> dict[str, Any]:
    """The household's state in force on `as_of`, as recorded up to `known_at`, and the
    events that made it (household and payment streams), each with actor, effective date
    and recorded time."""
    if known_at is not None and known_at.tzinfo is None:
        raise InvalidInputError("known_at must carry a UTC offset, e.g. +08:00", "known_at")
    return replay_household(ledger, household_id, as_of or date.today(), known_at)


@router.get("/verify")
def verify(_: Auditor, ledger: LedgerDep) -> dict[str, Any]:
    """Every stream's hash chain, and every determination, entitlement change and cap
    split recomputed from its recorded inputs and the standards then in force; and the
    standard changes whose propagation is unfinished."""
    report = ledger.verify()
    return {
        "ok": report.ok,
        "streams_checked": report.streams_checked,
        "events_checked": report.events_checked,
        "chain_breaks": report.chain_breaks,
        "recompute_mismatches": report.recompute_mismatches,
        "unfinished_propagations": report.unfinished_propagations,
        "drifted": report.drifted,
        "corrected": report.corrected,
        "stale_snapshots": report.stale_snapshots,
    }


@router.get("/households/{household_id}/report", response_class=Response)
def report(
    household_id: UUID,
    _: Auditor,
    ledger: LedgerDep,
    format_: Annotated[Literal["html", "pdf"], Query(alias="format")] = "html",
    lang: Literal["zh", "en"] = "zh",
    as_of: QueryDate | None = None,
) -> Response:
    """The household's audit report for the file: members, categories, entitlements and
    why, payments and every event with who and when; Chinese (zh) or English (en)."""
    from api.report import render_html, render_pdf, report_data

    data = report_data(ledger, household_id, as_of or date.today())
    if format_ == "pdf":
        try:
            pdf = render_pdf(data, lang)
        except FileNotFoundError as missing:  # no CJK font on this server: say which
            return JSONResponse(error_body("unavailable", str(missing), "format"), 503)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{household_id}.pdf"'},
        )
    return Response(render_html(data, lang), media_type="text/html; charset=utf-8")


@router.get("/data-access")
def data_access(
    _: Auditor,
    ledger: LedgerDep,
    household_id: UUID | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    """The PIPL trail: who read which household's personal data (or a feed), and when."""
    return ledger.views.accesses(str(household_id) if household_id else None, limit)
