from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter

from api.deps import Approver, LedgerDep, Reader
from api.replica import ReadLedgerDep
from api.schemas import EntitlementChangeOut, EntitlementInForce, QueryDate, SuspensionIn
from domain.errors import InvalidInputError
from domain.household import SUSPENSION
from domain.money import format_yuan

router = APIRouter(prefix="/households/{household_id}/entitlements", tags=["entitlements"])


@router.get("", response_model=list[EntitlementInForce])
def in_force(
    household_id: UUID,
    _: Reader,
    ledger: ReadLedgerDep,
    as_of: QueryDate | None = None,
    known_at: datetime | None = None,
) -> Any:
    """What the household was entitled to on `as_of` (default today), as the ledger knew
    it at `known_at` (default now)."""
    if known_at is not None and known_at.tzinfo is None:
        raise InvalidInputError("known_at must carry a UTC offset, e.g. +08:00", "known_at")
    found = ledger.entitlements(household_id, as_of or date.today(), known_at)
    return [
        EntitlementInForce(
            programme=f.row.programme,
            member_id=f.row.member_id,
            monthly_amount=format_yuan(f.row.monthly_fen),
            effective_from=f.row.effective_from,
            effective_to=f.effective_to,
            standard_version=f.row.standard_version,
            suspended=f.row.cause == SUSPENSION,
        )
        for f in found
    ]


@router.get("/history", response_model=list[EntitlementChangeOut])
def history(household_id: UUID, _: Reader, ledger: ReadLedgerDep) -> Any:
    """Every change of every entitlement, oldest record first, with its reason."""
    return [
        EntitlementChangeOut(
            programme=r.programme,
            member_id=r.member_id,
            monthly_amount=None if r.cause == "grant" else format_yuan(r.monthly_fen),
            amount=format_yuan(r.monthly_fen) if r.cause == "grant" else None,
            ended=r.ended,
            effective_from=r.effective_from,
            recorded_at=r.recorded_at,
            reason=r.reason,
            cause=r.cause,
            standard_version=r.standard_version,
            actor=r.actor,
        )
        for r in ledger.entitlement_history(household_id)
    ]


@router.post("/{programme}/suspension", status_code=201)
def suspend(
    household_id: UUID, programme: str, body: SuspensionIn, user: Approver, ledger: LedgerDep
) -> dict[str, Any]:
    """Suspend a monthly entitlement from `effective_on`: not paid from that day (the
    days before it are paid pro rata) until it is resumed."""
    ledger.app.suspend_entitlement(
        household_id,
        programme,
        body.member_id,
        effective_on=body.effective_on,
        reason=body.reason,
        actor=user.name,
    )
    return _answer(programme, body, "suspended")


@router.post("/{programme}/resumption", status_code=201)
def resume(
    household_id: UUID, programme: str, body: SuspensionIn, user: Approver, ledger: LedgerDep
) -> dict[str, Any]:
    """Resume a suspended entitlement from `effective_on`, at the amount in force then."""
    ledger.app.resume_entitlement(
        household_id,
        programme,
        body.member_id,
        effective_on=body.effective_on,
        reason=body.reason,
        actor=user.name,
    )
    return _answer(programme, body, "resumed")


def _answer(programme: str, body: SuspensionIn, status: str) -> dict[str, Any]:
    return {
        "programme": programme,
        "member_id": body.member_id,
        "effective_on": body.effective_on.isoformat(),
        "status": status,
    }
