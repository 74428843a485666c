from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from api.auth import User
from api.deps import CareReader, Caseworker, LedgerDep, require
from api.schemas import BusinessDate, Input, QueryDate, Text, Yuan, example
from domain.idnumber import mask_id_number
from domain.money import format_yuan, parse_yuan
from domain.standards import CITY_CODE, county_of, region_prefix, validate_region_code

router = APIRouter(tags=["visits and records"])
Transport = Annotated[User, Depends(require("transport", "auditor"))]


class VisitIn(Input):
    """A home visit (§30 of the plan; docs/HELPS.md)."""

    model_config = example(
        visited_on="2025-03-05", visitor="李社工", findings="生活基本稳定", needs="助浴服务"
    )

    visited_on: BusinessDate = Field(description="the day of the visit")
    visitor: Text = Field(description="who visited")
    findings: Text = Field(description="what the visitor found")
    needs: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description="needs found, if any"
    )


class MajorChangeIn(Input):
    """A major change in the household's life: visits become more frequent (§30)."""

    model_config = example(reported_on="2025-04-01", description="户主住院")

    reported_on: BusinessDate = Field(description="the day it was reported")
    description: Text = Field(description="what changed")


class StabilisedIn(Input):
    """The household is stable again after a major change."""

    model_config = example(on="2025-06-01")

    on: BusinessDate = Field(description="the day it was found stable")


class ReferralIn(Input):
    """A job referral for a member (§7)."""

    model_config = example(referred_on="2025-03-15", employer="嘉兴某物业公司", position="保洁")

    referred_on: BusinessDate = Field(description="the day of the referral")
    employer: Text = Field(description="the employer referred to")
    position: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="the position offered"
    )


class DividendIn(Input):
    """Dividends a rural low-income household received (§23)."""

    model_config = example(year=2025, amount="600.00", received_on="2025-12-20")

    year: Annotated[int, Field(ge=2000, le=2100)] = Field(description="the dividend's year")
    amount: Yuan = Field(description="the amount received")
    received_on: BusinessDate = Field(description="the day it was received")


@router.post("/households/{household_id}/visits", status_code=201)
def record_visit(
    household_id: UUID, body: VisitIn, user: Caseworker, ledger: LedgerDep
) -> dict[str, Any]:
    """A home visit (§30) with its findings and the needs found."""
    ledger.app.record_visit(
        household_id,
        visited_on=body.visited_on,
        visitor=body.visitor,
        findings=body.findings,
        needs=body.needs,
        actor=user.name,
    )
    return {"household_id": str(household_id), "visited_on": body.visited_on.isoformat()}


@router.post("/households/{household_id}/major-changes", status_code=201)
def report_major_change(
    household_id: UUID, body: MajorChangeIn, user: Caseworker, ledger: LedgerDep
) -> dict[str, Any]:
    """A major adverse change (重大变故): the household is visited weekly until stabilised."""
    ledger.app.report_major_change(
        household_id, reported_on=body.reported_on, description=body.description, actor=user.name
    )
    return {"household_id": str(household_id), "tier": "weekly"}


@router.post("/households/{household_id}/major-changes/stabilised", status_code=201)
def stabilised(
    household_id: UUID, body: StabilisedIn, user: Caseworker, ledger: LedgerDep
) -> dict[str, Any]:
    """The household is stable again: the weekly visit tier of a major change ends."""
    ledger.app.stabilise(household_id, on=body.on, actor=user.name)
    return {"household_id": str(household_id), "stabilised_on": body.on.isoformat()}


@router.get("/visits/overdue")
def overdue(
    _: CareReader,
    ledger: LedgerDep,
    on: QueryDate | None = None,
    region_code: str = Query(default=CITY_CODE),
) -> list[dict[str, Any]]:
    """Registered households whose next visit (by their §30 tier) was due before `on`."""
    validate_region_code(region_code)
    prefix = region_prefix(region_code)
    return [
        {
            "household_id": s.household_id,
            "region_code": s.region_code,
            "tier": s.tier,
            "why": s.why,
            "last_visit_on": s.last_visit_on.isoformat() if s.last_visit_on else None,
            "due_on": s.due_on.isoformat(),
        }
        for s in ledger.care_statuses(on or date.today(), prefix)
        if s.overdue
    ]


@router.post("/households/{household_id}/members/{member_id}/job-referrals", status_code=201)
def refer(
    household_id: UUID, member_id: str, body: ReferralIn, user: Caseworker, ledger: LedgerDep
) -> dict[str, Any]:
    """A job referral to a registered unemployed member (§21; the target is 3 each)."""
    count = ledger.app.refer_to_job(
        household_id,
        member_id,
        referred_on=body.referred_on,
        employer=body.employer,
        position=body.position,
        actor=user.name,
    )
    return {"member_id": member_id, "referrals": count}


@router.post("/households/{household_id}/dividends", status_code=201)
def dividend(
    household_id: UUID, body: DividendIn, user: Caseworker, ledger: LedgerDep
) -> dict[str, Any]:
    """Dividends a rural low-income household received (§23) and the village's 50%."""
    subsidy = ledger.app.record_dividend(
        household_id,
        year=body.year,
        amount_fen=parse_yuan(body.amount, "amount"),
        actor=user.name,
        on=body.received_on,
    )
    return {
        "year": body.year,
        "amount": format_yuan(parse_yuan(body.amount, "amount")),
        "village_subsidy": format_yuan(subsidy),
    }


@router.get("/dividends")
def dividends(
    _: CareReader,
    ledger: LedgerDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    region_code: str = Query(default=CITY_CODE),
) -> dict[str, Any]:
    """§23 for a year: the rural low-income households' dividends and the village subsidy
    of 50% of them, per village (the households' region code) and per county."""
    validate_region_code(region_code)
    prefix = region_prefix(region_code)
    villages = [
        {
            "region_code": r["region_code"],
            "households": int(r["households"]),
            "dividends_fen": int(r["dividends_fen"]),
            "village_subsidy_fen": int(r["village_subsidy_fen"]),
        }
        for r in ledger.dividends(year, prefix)
    ]
    counties: dict[str, dict[str, Any]] = {}
    for village in villages:
        county = counties.setdefault(
            county_of(village["region_code"]),
            {"households": 0, "dividends_fen": 0, "village_subsidy_fen": 0},
        )
        for name in county:
            county[name] += village[name]

    def shown(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "households": row["households"],
            "dividends": format_yuan(row["dividends_fen"]),
            "village_subsidy": format_yuan(row["village_subsidy_fen"]),
        }

    return {
        "year": year,
        "region_code": region_code,
        "villages": [{"region_code": v["region_code"], **shown(v)} for v in villages],
        "counties": [{"county_code": c, **shown(counties[c])} for c in sorted(counties)],
        "total": shown(
            {
                name: sum(v[name] for v in villages)
                for name in ("households", "dividends_fen", "village_subsidy_fen")
            }
        ),
    }


@router.get("/feeds/transit")
def transit(_: Transport, ledger: LedgerDep, on: QueryDate | None = None) -> dict[str, Any]:
    """§18 free public transport: the persons of registered difficulty households on `on`,
    ID numbers masked, for the transit operator."""
    day = on or date.today()
    facts = ledger.care_facts()
    identity = ledger.member_identity()
    persons = []
    for household in sorted(facts.categories):
        if not facts.registered(household, day):
            continue
        for member_id in sorted(facts.present_members(household, day)):
            who = identity.get((household, member_id))
            if who is not None:
                persons.append(
                    {
                        "member_id": member_id,
                        "name": who["name"],
                        "id_number": mask_id_number(who["id_number"]),
                        "region_code": facts.regions.get(household, ""),
                    }
                )
    return {"on": day.isoformat(), "persons": persons}
