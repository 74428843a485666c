from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from api.deps import Approver, Caseworker, LedgerDep
from api.schemas import (
    ApplicationCreated,
    ApplicationIn,
    DeterminationIn,
    DeterminationOut,
    EntitlementOut,
)
from domain.money import format_yuan, parse_yuan
from domain.policy.s05_means_test import Means
from services.clock import beijing_today

router = APIRouter(prefix="/households/{household_id}/applications", tags=["applications"])


@router.post("", status_code=201, response_model=ApplicationCreated)
def submit(household_id: UUID, body: ApplicationIn, user: Caseworker, ledger: LedgerDep) -> Any:
    """A well-formed application is always recorded; the rules apply at determination."""
    means = None
    if body.means is not None:
        means = Means(
            parse_yuan(body.means.annual_income, "means.annual_income"),
            parse_yuan(body.means.rigid_deductions, "means.rigid_deductions"),
            parse_yuan(body.means.car_insurance_value, "means.car_insurance_value"),
        )
    application_id = ledger.app.submit_application(
        household_id,
        programme=body.programme,
        effective_from=body.effective_from,
        means=means,
        member_id=body.member_id,
        details=body.details,
        actor=user.name,
        consents=(
            [
                {"member_id": c.member_id, "signed_on": c.signed_on.isoformat()}
                for c in body.consents
            ]
            if body.consents is not None
            else None
        ),
        received_on=body.received_on,
    )
    return ApplicationCreated(application_id=application_id)


@router.post(
    "/{application_id}/determination",
    response_model=DeterminationOut,
    response_model_exclude_none=True,
)
def determine(
    household_id: UUID,
    application_id: str,
    body: DeterminationIn,
    user: Approver,
    ledger: LedgerDep,
) -> Any:
    """Approve or reject. An approval the rules do not support is refused (400) with the
    rule's reason; the approver may not be the submitter or an investigator (403); on the
    statutory path an approval before the notice has run, or with an objection open, is
    409 naming the stage (POLICY ch. 14)."""
    result = ledger.app.determine(
        household_id,
        application_id,
        decision=body.decision,
        reason=body.reason,
        actor=user.name,
        on=body.on or beijing_today(),
    )
    return DeterminationOut(
        outcome=result.outcome,
        category=result.category,
        entitlements=[
            EntitlementOut(
                programme=e["programme"],
                member_id=e["member_id"],
                monthly_amount=format_yuan(e["monthly_fen"]) if "monthly_fen" in e else None,
                amount=format_yuan(e["amount_fen"]) if "amount_fen" in e else None,
            )
            for e in result.entitlements
        ],
        explanation=result.explanation,
    )
