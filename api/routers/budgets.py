"""Programme budgets (docs/PAYMENTS.md "Budgets"): finance records them and their
overrides; overseers read spending against them by month."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request

from api.deps import Finance, LedgerDep, Overseer
from api.routing import ledgers_in
from api.schemas import BudgetIn, BudgetOverrideIn
from domain.budgets import parse_county, parse_year
from services.budgets import override_budget, set_budget, spending

router = APIRouter(tags=["budgets"])


@router.post("/budgets", summary="Record a programme's annual budget for a county, or revise it")
def record_budget(body: BudgetIn, user: Finance, ledger: LedgerDep) -> dict[str, Any]:
    """Recorded as an event with its document reference; a later one for the same
    county, year and programme revises it (every revision kept). The same amount and
    document again records nothing."""
    return set_budget(
        ledger,
        county=body.county,
        year=body.year,
        programme=body.programme,
        amount=body.amount,
        document=body.document,
        actor=user.name,
        on=date.today(),
    )


@router.post("/budgets/overrides", summary="Let one run release a budget's lines past it")
def record_override(body: BudgetOverrideIn, user: Finance, ledger: LedgerDep) -> dict[str, Any]:
    """The run of `run_period` (not complete yet) releases the budget's lines past its
    amount; who and why are recorded."""
    return override_budget(
        ledger,
        county=body.county,
        year=body.year,
        programme=body.programme,
        run_period=body.run_period,
        reason=body.reason,
        document=body.document,
        actor=user.name,
        on=date.today(),
    )


@router.get("/budgets", summary="Spending against budget by month, per county and programme")
def budgets(
    request: Request,
    _: Overseer,
    year: int = Query(description="the budget year"),
    county: str | None = Query(None, description="one county (code or name)"),
) -> dict[str, Any]:
    """Every county's programme with a budget or with spending in the year: budget (or
    "no budget recorded"), committed, remaining, each month's spending and the total to
    date, the revisions and the overrides. In a province, the ledgers' counties side by
    side (each county's budgets are in the ledger that holds the county)."""
    code = parse_county(county) if county else None
    the_year = parse_year(year)
    found = [spending(ledger, the_year, code) for _, ledger in ledgers_in(request)]
    rows = sorted(
        (row for one in found for row in one["budgets"]),
        key=lambda row: (row["county"], row["programme"]),
    )
    return {**found[0], "budgets": rows}
