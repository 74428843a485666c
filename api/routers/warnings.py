from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from api.auth import User
from api.deps import CARE_READERS, Caseworker, LedgerDep, require
from api.routing import ledgers_in
from api.schemas import BusinessDate, Input, QueryDate, example
from domain.standards import CITY_CODE, region_prefix, validate_region_code
from services import warnings as service

router = APIRouter(tags=["early warnings"])
WarningReader = Annotated[User, Depends(require(*CARE_READERS))]


class ResolutionIn(Input):
    """A caseworker's action on a warning (docs/WARNINGS.md)."""

    model_config = example(status="acknowledged", note="已电话联系，下周走访", on="2025-05-06")

    status: Literal["acknowledged", "resolved"] = Field(
        description="acknowledged (seen, in hand) or resolved"
    )
    note: Annotated[str, Field(max_length=2000)] = Field(default="", description="what was done")
    on: BusinessDate | None = Field(
        default=None, description="the day of the action (and of the evaluation); default today"
    )


def _prefix(region: str) -> str:
    validate_region_code(region, "region")
    return region_prefix(region)


@router.get("/warnings")
def list_warnings(
    _: WarningReader,
    ledger: LedgerDep,
    region: str = Query(default=CITY_CODE, description="a region code; default the city"),
    status: Literal["open", "acknowledged", "resolved"] | None = None,
    on: QueryDate | None = None,
) -> list[dict[str, Any]]:
    """The early warnings of POLICY ch. 12 on `on` (default today): each rule evaluated for every
    household of the region, with the caseworkers' actions (open until acknowledged or
    resolved). A resolved warning stays listed (as resolved) when it no longer fires."""
    return [
        w.as_json() for w in service.warnings(ledger, on or date.today(), _prefix(region), status)
    ]


@router.post("/warnings/{warning_id}/resolution")
def resolve(
    warning_id: UUID, body: ResolutionIn, user: Caseworker, ledger: LedgerDep
) -> dict[str, Any]:
    """Acknowledge a warning, or resolve it with a note saying what was done (an event of
    the warning's own stream, so it survives a rebuild of the views)."""
    found = service.act(
        ledger,
        warning_id,
        status=body.status,
        note=body.note,
        actor=user.name,
        on=body.on or date.today(),
    )
    return found.as_json()


@router.get("/warnings/summary")
def warnings_summary(
    _: WarningReader,
    request: Request,
    region: str = Query(default=CITY_CODE),
    on: QueryDate | None = None,
) -> list[dict[str, Any]]:
    """For supervisors: per county, warnings by status and rule, and the days from
    raising to resolution (mean, longest). In a province, each ledger's counties."""
    found: list[dict[str, Any]] = []
    for _name, ledger in ledgers_in(request):  # a county's households are in one ledger
        found += service.summary(ledger, on or date.today(), _prefix(region))
    return sorted(found, key=lambda county: str(county["region_code"]))
