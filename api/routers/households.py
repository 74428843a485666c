from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter

from api.auth import User
from api.deps import (
    SEES_ACCOUNTS,
    SEES_ID_NUMBERS,
    Approver,
    Caseworker,
    LedgerDep,
    Reader,
)
from api.replica import ReadLedgerDep
from api.schemas import (
    EventOut,
    HouseholdCreated,
    HouseholdIn,
    LifeEventDecisionIn,
    LifeEventIn,
    MemberChangeIn,
    MemberCreated,
    MemberIn,
)
from domain.household import Household
from domain.idnumber import mask_id_number, validate_id_number
from domain.money import format_yuan
from domain.payments import mask_account
from services.province import claim_in_province

router = APIRouter(prefix="/households", tags=["households"])

_META = {
    "originator_id",
    "originator_version",
    "timestamp",
    "actor",
    "effective_on",
    "originator_topic",
}


def _id_number(value: str, user: User) -> str:
    return value if user.role in SEES_ID_NUMBERS else mask_id_number(value)


@router.post("", status_code=201, response_model=HouseholdCreated)
def register(body: HouseholdIn, user: Caseworker, ledger: LedgerDep) -> Any:
    """Register a household (its stream begins with `HouseholdRegistered`); its
    responsible caseworker is the caseworker registering it, or the one named."""
    household_id = ledger.app.register_household(
        region_code=body.region_code,
        residence=body.residence,
        address=body.address,
        registered_on=body.registered_on,
        actor=user.name,
        caseworker=body.caseworker,
    )
    return HouseholdCreated(household_id=str(household_id))


@router.get("/{household_id}")
def read(household_id: UUID, user: Reader, ledger: ReadLedgerDep) -> dict[str, Any]:
    """The household today: region, residence, its responsible caseworker, members (ID
    numbers masked but to caseworkers and approvers), categories and stream version."""
    household = ledger.app.household(household_id)
    today = date.today()
    return {
        "household_id": str(household.id),
        "region_code": household.region_code,
        "residence": household.residence,
        "address": household.address,
        "registered_on": household.registered_on.isoformat(),
        "caseworker": ledger.app.caseworker_of(household),
        "members": [
            {
                "member_id": m.member_id,
                "name": m.name,
                "id_number": _id_number(m.id_number, user),
                "relation": m.relation,
                "birth_on": m.birth_on.isoformat(),
                "joined_on": m.joined_on.isoformat(),
                "left_on": m.left_on.isoformat() if m.left_on else None,
                **{
                    k: m.attribute(k, today)
                    for k in ("severe_disability", "severe_illness", "school_stage", "employment")
                },
            }
            for m in household.members.values()
        ],
        "categories": [
            {
                "category": c.category,
                "member_id": c.member_id,
                "effective_from": c.effective_from.isoformat(),
                "effective_to": c.effective_to.isoformat() if c.effective_to else None,
                "in_force": c.in_force(today),
            }
            for c in household.categories
        ],
        "version": household.version,
    }


@router.post("/{household_id}/members", status_code=201, response_model=MemberCreated)
def add_member(household_id: UUID, body: MemberIn, user: Caseworker, ledger: LedgerDep) -> Any:
    """Add a member; the ID number must pass the GB 11643 check. In a province, a person
    another ledger holds is refused (one person, one place, POLICY ch. 15)."""
    id_number = validate_id_number(body.id_number)
    if ledger.province is not None:
        ledger.require_household(household_id)  # a 404 is not the province's to answer
        claim_in_province(ledger.province, ledger.name, id_number)
    member_id = ledger.app.add_member(
        household_id,
        actor=user.name,
        name=body.name,
        id_number=id_number,
        relation=body.relation,
        birth_on=body.birth_on,
        joined_on=body.joined_on,
        severe_disability=body.severe_disability,
        severe_illness=body.severe_illness,
        school_stage=body.school_stage,
        employment=body.employment,
    )
    return MemberCreated(member_id=member_id)


@router.post("/{household_id}/members/{member_id}/changes", status_code=201)
def change_member(
    household_id: UUID, member_id: str, body: MemberChangeIn, user: Caseworker, ledger: LedgerDep
) -> dict[str, str]:
    """Record a change in a member's circumstances from `effective_on`."""
    changes = body.model_dump(exclude_none=True, exclude={"effective_on"})
    ledger.app.change_member(
        household_id, member_id, effective_on=body.effective_on, changes=changes, actor=user.name
    )
    return {"member_id": member_id, "effective_on": body.effective_on.isoformat()}


def _life_event(record: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in record.items()}


@router.post("/{household_id}/members/{member_id}/life-events", status_code=201)
def report_life_event(
    household_id: UUID, member_id: str, body: LifeEventIn, user: Caseworker, ledger: LedgerDep
) -> dict[str, str]:
    """Report a member's death, move of registered residence or imprisonment (POLICY
    ch. 15): recorded as a proposal (`LifeEventReported`); nothing changes until an
    approver confirms it."""
    event_id = ledger.app.report_life_event(
        household_id,
        member_id,
        kind=body.kind,
        on=body.on,
        source=body.source,
        actor=user.name,
    )
    return {"event_id": event_id, "state": "reported"}


@router.post("/{household_id}/life-events/{event_id}/decision")
def decide_life_event(
    household_id: UUID,
    event_id: str,
    body: LifeEventDecisionIn,
    user: Approver,
    ledger: LedgerDep,
) -> dict[str, Any]:
    """Confirm or reject a reported life event; not by its reporter (403). Confirmed, it
    ends (death, residence moved out) or suspends (imprisonment) what depends on the
    member, and lists the household-level amounts that need a re-assessment. A decided
    event takes no more decisions (409)."""
    decided = ledger.app.decide_life_event(
        household_id, event_id, decision=body.decision, reason=body.reason, actor=user.name
    )
    return _life_event(decided)


@router.get("/{household_id}/life-events")
def life_events(household_id: UUID, user: Reader, ledger: LedgerDep) -> list[dict[str, Any]]:
    """The household's life events as reported and decided, in the order reported."""
    return [_life_event(r) for r in ledger.app.life_events(household_id)]


def event_data(event: Any, user: User) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in fields(event):
        if f.name in _META:
            continue
        value = getattr(event, f.name)
        if f.name == "id_number":
            value = _id_number(value, user)
        elif f.name == "account_number" and user.role not in SEES_ACCOUNTS:
            value = mask_account(value)
        elif f.name.endswith("_fen") and isinstance(value, int):
            data[f.name[: -len("_fen")] + "_amount"] = format_yuan(value)
        data[f.name] = value
    return data


@router.get("/{household_id}/events", response_model=list[EventOut])
def events(household_id: UUID, user: Reader, ledger: ReadLedgerDep) -> Any:
    """The whole stream in order, each event with its actor and effective date."""
    return [
        EventOut(
            position=e.originator_version,
            type=type(e).__qualname__.removeprefix(Household.__name__ + "."),
            effective_on=e.effective_on,
            recorded_at=e.timestamp,
            actor=e.actor,
            data=event_data(e, user),
        )
        for e in ledger.app.household_events(household_id)
    ]
