"""The medical views: bills with their current split, carried self-pay of moved members,
and the medical safety fund's relief ledger (per month and region)."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from domain.household import Household
from projections.interface import Op

NAME = "medical"
TABLES = (
    "ledger_medical_households",
    "ledger_medical_bills",
    "ledger_medical_carried",
    "ledger_medical_relief",
)
TOPICS = tuple(
    get_topic(cls)
    for cls in (
        Household.Registered,
        Household.MedicalBillRecorded,
        Household.MedicalReliefGranted,
        Household.MedicalBillCorrected,
        Household.MedicalBillCancelled,
        Household.MedicalReliefAdjusted,
        Household.MemberMovedIn,
        Household.CarriedAdjusted,
    )
)


def ops_for(event: Any, notification_id: int) -> list[Op]:
    hid = event.originator_id
    if isinstance(event, Household.Registered):
        return [Op("med_household", {"household_id": hid, "region_code": event.region_code})]
    if isinstance(event, Household.MedicalBillRecorded):
        return [
            Op(
                "med_bill",
                {
                    "bill_id": event.bill_id,
                    "household_id": hid,
                    "member_id": event.member_id,
                    "cap_year": event.cap_year,
                    "service_on": event.effective_on,
                    "total_fen": event.total_fen,
                    "insurance_paid_fen": event.insurance_paid_fen,
                    "self_paid_fen": event.self_paid_fen,
                    "waived_fen": event.waived_fen,
                    "counted_fen": event.counted_fen,
                    "kept_fen": event.kept_fen,
                    "relief_fen": event.relief_fen,
                    "notification_id": notification_id,
                },
            )
        ]
    if isinstance(event, Household.MedicalReliefGranted):
        return [_relief(event, notification_id, event.amount_fen)]
    if isinstance(event, Household.MedicalBillCorrected):
        return [
            Op(
                "med_bill_figures",
                {
                    "bill_id": event.bill_id,
                    "cap_year": event.cap_year,
                    "service_on": event.effective_on,
                    "total_fen": event.total_fen,
                    "insurance_paid_fen": event.insurance_paid_fen,
                    "self_paid_fen": event.self_paid_fen,
                    "waived_fen": event.waived_fen,
                    "counted_fen": event.counted_fen,
                    "notification_id": notification_id,
                },
            )
        ]
    if isinstance(event, Household.MedicalBillCancelled):
        return [
            Op("med_bill_cancel", {"bill_id": event.bill_id, "notification_id": notification_id})
        ]
    if isinstance(event, Household.MedicalReliefAdjusted):
        ops = [
            Op(
                "med_bill_split",
                {
                    "bill_id": event.bill_id,
                    "kept_fen": event.kept_fen,
                    "relief_fen": event.relief_fen,
                    "notification_id": notification_id,
                },
            )
        ]
        if event.delta_fen:
            ops.append(_relief(event, notification_id, event.delta_fen))
        return ops
    if isinstance(event, Household.MemberMovedIn | Household.CarriedAdjusted):
        return [
            Op(
                "med_carried",
                {
                    "household_id": hid,
                    "member_id": event.member_id,
                    "cap_year": int(year),
                    "carried_fen": fen,
                },
            )
            for year, fen in sorted(event.carried.items())
        ]
    return []


def _relief(event: Any, notification_id: int, amount_fen: int) -> Op:
    return Op(
        "med_relief",
        {
            "notification_id": notification_id,
            "bill_id": event.bill_id,
            "household_id": event.originator_id,
            "cap_year": event.cap_year,
            "month": event.effective_on.strftime("%Y-%m"),
            "amount_fen": amount_fen,
        },
    )
