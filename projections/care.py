"""The care view (§18, §21, §23, §30): categories over time, members' severity, employment
and identity, visits, major changes, job referrals and dividends; the overdue list, the
visit rate, the transit list, referral counts and dividends per village are computed
from it."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from domain.household import Household
from projections.interface import Op

NAME = "care"
TABLES = (
    "ledger_means",
    "ledger_categories",
    "ledger_member_identity",
    "ledger_member_facts",
    "ledger_visits",
    "ledger_major_changes",
    "ledger_referrals",
    "ledger_dividends",
)
TOPICS = tuple(
    get_topic(cls)
    for cls in (
        Household.ApplicationDetermined,
        Household.CategoryAssigned,
        Household.CategoryEnded,
        Household.CategorySuperseded,
        Household.MemberAdded,
        Household.MemberChanged,
        Household.MemberMovedIn,
        Household.MemberMovedOut,
        Household.VisitRecorded,
        Household.MajorChangeReported,
        Household.SituationStabilised,
        Household.JobReferralRecorded,
        Household.DividendRecorded,
    )
)
FACTS = ("severe_disability", "severe_illness", "employment", "left_household")


def _fact(
    event: Any, notification_id: int, member_id: str, fact: str, value: Any, index: int
) -> Op:
    return Op(
        "member_fact",
        {
            "notification_id": notification_id,
            "idx": index,
            "household_id": event.originator_id,
            "member_id": member_id,
            "effective_on": event.effective_on,
            "fact": fact,
            "value": "" if value is None else str(value),
        },
    )


def ops_for(event: Any, notification_id: int) -> list[Op]:
    hid = event.originator_id
    if isinstance(event, Household.ApplicationDetermined):
        if event.outcome != "approved" or "annual_income_fen" not in event.inputs:
            return []
        return [
            Op(
                "means",
                {
                    "notification_id": notification_id,
                    "household_id": hid,
                    "effective_on": event.effective_on,
                    "category": event.category or "",
                    "annual_income_fen": int(event.inputs["annual_income_fen"]),
                    "household_size": int(event.inputs["household_size"]),
                },
            )
        ]
    if isinstance(event, Household.CategoryAssigned):
        return [
            Op(
                "category",
                {
                    "household_id": hid,
                    "category": event.category,
                    "member_id": event.member_id or "",
                    "effective_from": event.effective_on,
                    "notification_id": notification_id,
                },
            )
        ]
    if isinstance(event, Household.CategoryEnded):
        return [
            Op(
                "category_end",
                {
                    "household_id": hid,
                    "category": event.category,
                    "member_id": event.member_id or "",
                    "effective_to": event.effective_on,
                    "notification_id": notification_id,
                },
            )
        ]
    if isinstance(event, Household.CategorySuperseded):  # POLICY ch. 13: removed, or ended there
        keys = {
            "household_id": hid,
            "category": event.category,
            "member_id": event.member_id or "",
            "span_from": event.span_from,
            "notification_id": notification_id,
        }
        if event.span_from >= event.effective_on:
            return [Op("category_remove", keys)]
        return [Op("category_cut", {**keys, "effective_to": event.effective_on})]
    if isinstance(event, Household.MemberAdded | Household.MemberMovedIn):
        values = (
            event.attributes
            if isinstance(event, Household.MemberMovedIn)
            else {
                k: getattr(event, k) for k in ("severe_disability", "severe_illness", "employment")
            }
        )
        ops = [
            Op(
                "member_identity",
                {
                    "household_id": hid,
                    "member_id": event.member_id,
                    "name": event.name,
                    "id_number": event.id_number,
                },
            )
        ]
        ops += [
            _fact(event, notification_id, event.member_id, k, values.get(k), i)
            for i, k in enumerate(("severe_disability", "severe_illness", "employment"))
        ]
        if isinstance(event, Household.MemberMovedIn):  # also back in a household they left
            ops.append(_fact(event, notification_id, event.member_id, "left_household", False, 3))
        return ops
    if isinstance(event, Household.MemberChanged):
        return [
            _fact(event, notification_id, event.member_id, k, v, i)
            for i, (k, v) in enumerate(sorted(event.changes.items()))
            if k in FACTS
        ]
    if isinstance(event, Household.MemberMovedOut):
        return [_fact(event, notification_id, event.member_id, "left_household", True, 0)]
    if isinstance(event, Household.VisitRecorded):
        return [
            Op(
                "visit",
                {
                    "notification_id": notification_id,
                    "household_id": hid,
                    "visited_on": event.effective_on,
                },
            )
        ]
    if isinstance(event, Household.MajorChangeReported):
        return [
            Op(
                "major_change",
                {
                    "notification_id": notification_id,
                    "household_id": hid,
                    "reported_on": event.effective_on,
                },
            )
        ]
    if isinstance(event, Household.SituationStabilised):
        return [Op("stabilised", {"household_id": hid, "stabilised_on": event.effective_on})]
    if isinstance(event, Household.JobReferralRecorded):
        return [
            Op(
                "referral",
                {
                    "notification_id": notification_id,
                    "household_id": hid,
                    "member_id": event.member_id,
                    "referred_on": event.effective_on,
                },
            )
        ]
    if isinstance(event, Household.DividendRecorded):
        return [
            Op(
                "dividend",
                {
                    "notification_id": notification_id,
                    "household_id": hid,
                    "year": event.year,
                    "received_on": event.effective_on,
                    "amount_fen": event.amount_fen,
                    "village_subsidy_fen": event.village_subsidy_fen,
                },
            )
        ]
    return []
