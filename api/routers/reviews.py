"""Periodic reviews (定期核查, POLICY ch. 15) over HTTP: the due list by county and a
review's decision (continue, change, stop, phase-out). Bad input is 422 naming the
field, a rule refused 409/422 as everywhere; nothing is recorded then."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from api.deps import Approver, LedgerDep, Reader
from api.letter import render_html, render_pdf, review_letter_data
from api.schemas import QueryDate, ReviewIn, ReviewOut
from domain.money import parse_yuan
from domain.policy.s05_means_test import Means
from domain.standards import validate_region_code
from services.clock import beijing_today
from services.reviews import due

router = APIRouter(tags=["reviews"])


@router.get("/reviews/due")
def due_route(
    user: Reader, ledger: LedgerDep, region: str = "330400", on: QueryDate | None = None
) -> Any:
    """The households whose next review is on or before `on` (default today), by county:
    the category, the last determination or review date, the interval and why."""
    validate_region_code(region, "region")
    return due(ledger, region=region, on=on or beijing_today())


@router.post("/households/{household_id}/reviews", status_code=201, response_model=ReviewOut)
def record_review(household_id: UUID, body: ReviewIn, user: Approver, ledger: LedgerDep) -> Any:
    """The approver decides a review on the means the caseworker `found_by` found."""
    means = Means(
        parse_yuan(body.means.annual_income, "means.annual_income"),
        parse_yuan(body.means.rigid_deductions, "means.rigid_deductions"),
        parse_yuan(body.means.car_insurance_value, "means.car_insurance_value"),
    )
    done = ledger.app.record_review(
        household_id,
        on=body.on,
        means=means,
        outcome=body.outcome,
        reason=body.reason,
        found_by=body.found_by,
        actor=user.name,
        member_id=body.member_id,
        irregular_income=body.irregular_income,
    )
    until = done["phase_out_until"]
    return ReviewOut(
        review_id=done["review_id"],
        on=done["on"].isoformat(),
        category=done["category"],
        outcome=done["outcome"],
        means_category=done["means_category"],
        application_id=done["application_id"],
        phase_out_until=until.isoformat() if until else None,
        explanation=done["explanation"],
    )


@router.get("/households/{household_id}/reviews")
def reviews(
    household_id: UUID, user: Reader, ledger: LedgerDep, on: QueryDate | None = None
) -> Any:
    """The household's reviews as recorded and its review schedule on `on` (default
    today)."""
    household = ledger.app.household(household_id)
    schedule = ledger.app.review_schedule(household_id, on or beijing_today())
    return {
        "reviews": [
            {
                **r,
                "on": r["on"].isoformat(),
                "phase_out_until": r["phase_out_until"] and r["phase_out_until"].isoformat(),
            }
            for r in household.reviews
        ],
        "schedule": [
            {
                **s,
                "since": s["since"].isoformat(),
                "next_review_on": s["next_review_on"].isoformat(),
            }
            for s in schedule
        ],
    }


@router.get("/households/{household_id}/reviews/{review_id}/letter", response_class=HTMLResponse)
def review_letter(household_id: UUID, review_id: str, user: Reader, ledger: LedgerDep) -> Any:
    """The notice of the review's outcome (告知书: continue, change, stop or phase-out),
    in Chinese, to print (POLICY ch. 15 and ch. 14)."""
    return HTMLResponse(render_html(review_letter_data(ledger, household_id, review_id)))


@router.get("/households/{household_id}/reviews/{review_id}/letter.pdf")
def review_letter_pdf(household_id: UUID, review_id: str, user: Reader, ledger: LedgerDep) -> Any:
    """The same notice as PDF."""
    body = render_pdf(review_letter_data(ledger, household_id, review_id))
    return Response(body, media_type="application/pdf")
