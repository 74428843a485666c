from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field

from api.auth import User
from api.deps import PLANNERS, LedgerDep, require
from api.schemas import BusinessDate, Input, Ratio, Yuan, example
from domain.errors import InvalidInputError
from domain.money import parse_ratio, parse_yuan
from domain.standards import CITY_CODE, KEYS, parse_value
from services.simulation import Proposal, simulate

router = APIRouter(prefix="/standards", tags=["standards"])
Planner = Annotated[User, Depends(require(*PLANNERS))]


class ProposedChangeIn(Input):
    """A standard change to try (the same rules as POST /standards/changes)."""

    model_config = example(
        key="dibao_standard_annual", value="15600.00", cited_income_growth="0.04"
    )

    key: str = Field(description="the standard's key (docs/STANDARDS.md)")
    value: str = Field(description="money in yuan or a ratio as a decimal string")
    region_code: str | None = Field(default=None, description="a county's code; absent: the city's")
    cited_income_growth: Ratio | None = Field(
        default=None, description="§6: the income growth the dibao rise cites"
    )
    cited_urban_consumption: Yuan | None = Field(
        default=None, description="§6: the urban consumption a tekun standard cites"
    )
    override_reason: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description="why a dibao rise below the cited growth is tried anyway"
    )


class SimulationIn(Input):
    """A what-if: the changes priced against today's households; nothing is recorded."""

    model_config = example(
        changes=[{"key": "dibao_standard_annual", "value": "15600.00"}],
        effective_from="2026-01-01",
        sample_size=20,
    )

    changes: Annotated[list[ProposedChangeIn], Field(min_length=1, max_length=20)] = Field(
        description="the changes, applied together"
    )
    effective_from: BusinessDate = Field(description="the day they would take effect")
    sample_size: Annotated[int, Field(ge=0, le=10000)] = Field(
        default=20, description="how many changed households to list"
    )


@router.post("/simulations")
def simulate_changes(body: SimulationIn, _: Planner, ledger: LedgerDep) -> dict[str, Any]:
    """What would change if these standards changed from `effective_from` (§6): households
    changing amount or category, monthly and annual cost difference by programme and
    county, and a sample of households with old and new amounts. The §6 rules apply as
    to a real change; nothing is recorded. For the standards admin and finance."""
    proposals = []
    for i, change in enumerate(body.changes):
        if change.key not in KEYS:
            raise InvalidInputError(
                f"changes[{i}].key must be one of the standards: {', '.join(sorted(KEYS))}",
                f"changes[{i}].key",
            )
        proposals.append(
            Proposal(
                key=change.key,
                value=parse_value(change.key, change.value, f"changes[{i}].value"),
                region_code=change.region_code or CITY_CODE,
                cited_income_growth=(
                    parse_ratio(change.cited_income_growth, f"changes[{i}].cited_income_growth")
                    if change.cited_income_growth is not None
                    else None
                ),
                cited_urban_consumption_fen=(
                    parse_yuan(
                        change.cited_urban_consumption, f"changes[{i}].cited_urban_consumption"
                    )
                    if change.cited_urban_consumption is not None
                    else None
                ),
                override_reason=change.override_reason or None,
            )
        )
    return simulate(ledger, proposals, body.effective_from, body.sample_size)
