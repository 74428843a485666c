"""The data-exchange feed for partner departments (plan 四(二), data sharing): the
ledger's own events, in notification-log order, turned into what each department's role
may see (docs/EXCHANGE.md). Each item carries the state after its event (read from the
household's stream at that version), so a consumer applies items as upserts."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.household import Household
from domain.idnumber import mask_id_number
from domain.money import format_yuan
from services.ledger import Ledger

MEMBERSHIP = (
    Household.CategoryAssigned,
    Household.CategoryEnded,
    Household.CategorySuperseded,
    Household.MemberAdded,
    Household.MemberMovedIn,
    Household.MemberMovedOut,
    Household.MemberChanged,
)
MEDICAL_CAP = (
    Household.MedicalBillRecorded,
    Household.MedicalBillCorrected,
    Household.MedicalBillCancelled,
    Household.MedicalReliefAdjusted,
)
# What each role's feed carries, and whether it sees full ID numbers (the medical insurance
# bureau enrols and settles by ID number; the transit operator and auditors see them masked).
SELECTION: dict[str, tuple[tuple[type[Any], ...], bool]] = {
    "medical_insurance": (MEMBERSHIP + MEDICAL_CAP, True),
    "transport": (MEMBERSHIP, False),
    "auditor": (MEMBERSHIP + MEDICAL_CAP, False),
}
CAP_EVENTS = {
    Household.MedicalBillRecorded: "recorded",
    Household.MedicalBillCorrected: "corrected",
    Household.MedicalBillCancelled: "cancelled",
    Household.MedicalReliefAdjusted: "relief_adjusted",
}


def _id(number: str, full: bool) -> str:
    return number if full else mask_id_number(number)


def _eligibility(household: Household, event: Any, role: str, full: bool) -> dict[str, Any]:
    """§15 subsidised insurance enrolment (资助参保) and §18 free transit: the persons of a
    registered difficulty household (在册困难家庭), from the event's effective date."""
    on = event.effective_on
    registered = bool(household.categories_on(on))
    persons = []
    for member in sorted(household.members.values(), key=lambda m: m.member_id):
        eligible = registered and member.present_on(on)
        person: dict[str, Any] = {
            "member_id": member.member_id,
            "name": member.name,
            "id_number": _id(member.id_number, full),
        }
        if role in ("medical_insurance", "auditor"):
            person["premium_subsidised"] = eligible
        if role in ("transport", "auditor"):
            person["transit_eligible"] = eligible
        persons.append(person)
    return {"kind": "eligibility", "region_code": household.region_code, "persons": persons}


def _medical_cap(ledger: Ledger, household: Household, event: Any, full: bool) -> dict[str, Any]:
    """§17: the member's and the household's self-pay in the cap year after this bill."""
    bill = household.bills[event.bill_id]
    member = household.members[bill.member_id]
    book = ledger.app.standards_book(household.region_code)
    person_cap = book.money("medical_cap_individual_annual", bill.service_on)[0]
    household_cap = book.money("medical_cap_household_annual", bill.service_on)[0]
    person_paid = household.person_paid(bill.member_id, bill.cap_year)
    household_paid = household.household_paid(bill.cap_year)
    return {
        "kind": "medical_cap",
        "change": CAP_EVENTS[type(event)],
        "region_code": household.region_code,
        "member_id": member.member_id,
        "name": member.name,
        "id_number": _id(member.id_number, full),
        "bill_id": bill.bill_id,
        "settlement_number": bill.settlement_number,
        "cap_year": bill.cap_year,
        "kept": format_yuan(0 if bill.cancelled else bill.kept_fen),
        "relief": format_yuan(0 if bill.cancelled else bill.relief_fen),
        "person": {
            "paid": format_yuan(person_paid),
            "cap": format_yuan(person_cap),
            "remaining": format_yuan(max(person_cap - person_paid, 0)),
        },
        "household": {
            "paid": format_yuan(household_paid),
            "cap": format_yuan(household_cap),
            "remaining": format_yuan(max(household_cap - household_paid, 0)),
        },
    }


def event_feed(ledger: Ledger, role: str, after: int, limit: int) -> dict[str, Any]:
    """Up to `limit` items after the cursor `after` (a notification id). `next_cursor` is
    the last notification looked at (some carry nothing for the role), or `after`."""
    classes, full = SELECTION[role]
    topics = [get_topic(cls) for cls in classes]
    notifications = ledger.app.recorder.select_notifications(
        start=after + 1, limit=limit, topics=topics
    )
    items = []
    households: dict[tuple[UUID, int], Household] = {}
    for notification in notifications:
        event: Any = ledger.app.mapper.to_domain_event(notification)
        if isinstance(event, Household.MemberChanged) and not (
            {"left_household"} & set(event.changes)
        ):
            continue  # a change of circumstances moves nobody on or off a list
        key = (event.originator_id, event.originator_version)
        if key not in households:
            households[key] = ledger.app.household(*key)
        household = households[key]
        if not isinstance(event, MEDICAL_CAP) and not household.categories:
            continue  # never a registered household yet: nobody of it is on a list
        item = (
            _medical_cap(ledger, household, event, full)
            if isinstance(event, MEDICAL_CAP)
            else _eligibility(household, event, role, full)
        )
        items.append(
            {
                "cursor": str(notification.id),
                "household_id": str(event.originator_id),
                "effective_on": event.effective_on.isoformat(),
                "recorded_at": event.timestamp.isoformat(),
                **item,
            }
        )
    next_cursor = str(notifications[-1].id) if notifications else str(after)
    return {"items": items, "next_cursor": next_cursor}
