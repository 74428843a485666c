from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query

from api.deps import Internal, LedgerDep, StandardsAdmin
from api.schemas import QueryDate, StandardChangeIn, StandardChangeOut
from domain.errors import InvalidInputError
from domain.money import parse_ratio, parse_yuan
from domain.standards import CITY_CODE, KEYS, describe, parse_value, validate_region_code

router = APIRouter(prefix="/standards", tags=["standards"])


@router.post("/changes", status_code=201, response_model=StandardChangeOut)
def record_change(body: StandardChangeIn, user: StandardsAdmin, ledger: LedgerDep) -> Any:
    """Record a change of a standard (§6 rules checked); affected households are
    recomputed and their streams record the adjustment, also for a retroactive date."""
    if body.key not in KEYS:
        raise InvalidInputError(
            f"key must be one of the standards: {', '.join(sorted(KEYS))}", "key"
        )
    result, propagation = ledger.record_standard_change(
        key=body.key,
        value=parse_value(body.key, body.value),
        effective_from=body.effective_from,
        basis=body.basis,
        actor=user.name,
        region_code=body.region_code,
        cited_income_growth=(
            parse_ratio(body.cited_income_growth, "cited_income_growth")
            if body.cited_income_growth is not None
            else None
        ),
        cited_urban_consumption_fen=(
            parse_yuan(body.cited_urban_consumption, "cited_urban_consumption")
            if body.cited_urban_consumption is not None
            else None
        ),
        override_reason=body.override_reason or None,
    )
    return StandardChangeOut(
        version=result.label,
        key=result.key,
        region_code=result.region_code,
        households_adjusted=propagation.adjusted,
        households_refused=propagation.refused,
    )


@router.get("", summary="The standards in force on a date for a region")
def standards_in_force(
    _: Internal,
    ledger: LedgerDep,
    as_of: QueryDate | None = None,
    region_code: str = Query(default=CITY_CODE),
) -> dict[str, Any]:
    validate_region_code(region_code)
    book = ledger.app.standards_book(region_code)
    on = as_of or date.today()
    return {key: describe(key, found) for key, found in book.snapshot(on).items()}
