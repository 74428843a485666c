from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query

from api.deps import Caseworker, LedgerDep, Overseer, Reader
from api.replica import ReadLedgerDep
from api.schemas import MedicalBillIn, MedicalBillOut, MoveIn
from domain.household import MedicalBill
from domain.money import format_yuan, parse_yuan
from domain.policy.s17_medical_caps import BillFigures
from domain.standards import CITY_CODE, region_prefix, validate_region_code
from services.province import move_between

router = APIRouter(tags=["medical"])


def _figures(body: MedicalBillIn) -> BillFigures:
    payers = body.payers.model_dump() if body.payers is not None else {}
    return BillFigures(
        total_fen=parse_yuan(body.total, "total"),
        insurance_paid_fen=parse_yuan(body.insurance_paid, "insurance_paid"),
        self_paid_fen=parse_yuan(body.self_paid, "self_paid"),
        payers={k: parse_yuan(v, f"payers.{k}") for k, v in payers.items()},
        items=tuple((i.kind, parse_yuan(i.amount, "items.amount")) for i in body.items or ()),
    )


def _out(bill: MedicalBill) -> MedicalBillOut:
    return MedicalBillOut(
        bill_id=bill.bill_id,
        member_id=bill.member_id,
        cap_year=bill.cap_year,
        kept=format_yuan(bill.kept_fen),
        relief=format_yuan(bill.relief_fen),
        waived=format_yuan(bill.waived_fen),
        counted=format_yuan(bill.counted_fen),
        cancelled=bill.cancelled,
    )


@router.post(
    "/households/{household_id}/medical-bills", status_code=201, response_model=MedicalBillOut
)
def record_bill(
    household_id: UUID, body: MedicalBillIn, user: Caseworker, ledger: LedgerDep
) -> Any:
    """Record a settlement: the §16 waiver and the §17 caps are applied; what goes over
    a cap is relief paid by the medical safety fund, recorded as its own event."""
    bill = ledger.app.record_medical_bill(
        household_id,
        member_id=body.member_id,
        service_on=body.service_on,
        figures=_figures(body),
        settlement_number=body.settlement_number,
        actor=user.name,
    )
    return _out(bill)


@router.put("/households/{household_id}/medical-bills/{bill_id}", response_model=MedicalBillOut)
def correct_bill(
    household_id: UUID, bill_id: str, body: MedicalBillIn, user: Caseworker, ledger: LedgerDep
) -> Any:
    """Correct a bill (a correction event); later bills of its cap year are recomputed
    and each difference recorded (extra relief, or a recovery from the fund's side)."""
    bill = ledger.app.correct_medical_bill(
        household_id,
        bill_id,
        member_id=body.member_id,
        service_on=body.service_on,
        figures=_figures(body),
        settlement_number=body.settlement_number,
        reason=body.reason or "corrected settlement",
        actor=user.name,
    )
    return _out(bill)


@router.delete("/households/{household_id}/medical-bills/{bill_id}", response_model=MedicalBillOut)
def cancel_bill(
    household_id: UUID,
    bill_id: str,
    user: Caseworker,
    ledger: LedgerDep,
    reason: str = Query(default="cancelled settlement", max_length=2000),
) -> Any:
    """Cancel a bill (a cancellation event, nothing is deleted); its cap year is
    recomputed."""
    bill = ledger.app.cancel_medical_bill(household_id, bill_id, reason=reason, actor=user.name)
    return _out(bill)


@router.get("/households/{household_id}/medical-caps")
def medical_caps(
    household_id: UUID,
    _: Reader,
    ledger: ReadLedgerDep,
    year: int = Query(default_factory=lambda: date.today().year, ge=2000, le=2100),
) -> dict[str, Any]:
    """The §17 caps of a cap year: what the household and each member paid, the cap and
    what is left, and the fund's relief."""
    caps = ledger.medical_caps(household_id, year)
    return {
        "year": caps["year"],
        "household": _money(caps["household"]),
        "members": [_money(m) for m in caps["members"]],
        "relief_total": format_yuan(caps["relief_total_fen"]),
    }


@router.post("/households/{household_id}/members/{member_id}/move", status_code=201)
def move_member(
    household_id: UUID, member_id: str, body: MoveIn, user: Caseworker, ledger: LedgerDep
) -> dict[str, Any]:
    """The person leaves this household and joins another, keeping their member id and
    their cap year's self-pay; both households change in one transaction. In a province,
    a household of another ledger: a move in two halves, one transaction in each ledger,
    finished by the worker if cut between them (domain/transfer.py)."""
    province = ledger.province
    if province is not None and province.for_household(body.to_household_id) not in (
        None,
        ledger,
    ):
        moved = move_between(
            province,
            from_household_id=household_id,
            member_id=member_id,
            to_household_id=body.to_household_id,
            effective_on=body.effective_on,
            actor=user.name,
        )
        return {
            "member_id": member_id,
            "to_household_id": str(body.to_household_id),
            "carried": {year: format_yuan(fen) for year, fen in moved.carried.items()},
            "move_id": str(moved.move_id),
            "to_ledger": moved.to_ledger,
        }
    carried = ledger.app.move_member(
        household_id,
        member_id,
        to_household_id=body.to_household_id,
        effective_on=body.effective_on,
        actor=user.name,
    )
    return {
        "member_id": member_id,
        "to_household_id": str(body.to_household_id),
        "carried": {year: format_yuan(fen) for year, fen in carried.items()},
    }


@router.get("/medical/fund/relief")
def fund_relief(
    _: Overseer,
    ledger: LedgerDep,
    year: int = Query(default_factory=lambda: date.today().year, ge=2000, le=2100),
    region_code: str = Query(default=CITY_CODE),
) -> list[dict[str, Any]]:
    """The medical safety fund's relief per month (of service) and county; recoveries
    after corrections or cancellations are netted in."""
    validate_region_code(region_code)
    prefix = region_prefix(region_code)
    return [
        {"month": r["month"], "region_code": r["county"], "relief": format_yuan(r["relief_fen"])}
        for r in ledger.fund_relief(year, prefix)
    ]


def _money(row: dict[str, Any]) -> dict[str, Any]:
    return {
        (k[: -len("_fen")] if k.endswith("_fen") else k): (
            format_yuan(v) if k.endswith("_fen") else v
        )
        for k, v in row.items()
    }
