"""The warnings view (POLICY ch. 12): the facts the early-warning rules need that no
other view keeps (means with their §5 deductions, failed payment tries and their dates),
and the caseworkers' actions on warnings (WarningCase streams). The rules themselves
(domain/warnings.py) are evaluated over this view and the care, medical and payments
views for an evaluation date: see docs/WARNINGS.md."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from domain.household import Household
from domain.payments import PaymentLedger
from domain.warnings import WarningCase
from projections.interface import Op

NAME = "warnings"
TABLES = ("ledger_warning_means", "ledger_warning_failures", "ledger_warning_cases")
TOPICS = tuple(
    get_topic(cls)
    for cls in (
        Household.ApplicationDetermined,
        PaymentLedger.PaymentAcknowledged,
        PaymentLedger.PaymentReturned,
        WarningCase.Opened,
        WarningCase.StatusSet,
    )
)
MEANS_FIELDS = ("annual_income_fen", "rigid_deductions_fen", "car_insurance_value_fen")


def ops_for(event: Any, notification_id: int) -> list[Op]:
    if isinstance(event, Household.ApplicationDetermined):
        if event.outcome != "approved" or any(k not in event.inputs for k in MEANS_FIELDS):
            return []
        return [
            Op(
                "warn_means",
                {
                    "notification_id": notification_id,
                    "household_id": event.originator_id,
                    "effective_on": event.effective_on,
                    **{k: int(event.inputs[k]) for k in MEANS_FIELDS},
                    "household_size": int(event.inputs["household_size"]),
                },
            )
        ]
    if isinstance(event, PaymentLedger.PaymentAcknowledged):
        if event.status not in ("failed", "returned"):
            return []
        return [
            Op(
                "warn_failure",
                {
                    "notification_id": notification_id,
                    "payment_id": event.payment_id,
                    "failed_on": event.effective_on,
                },
            )
        ]
    if isinstance(event, WarningCase.Opened):
        return [
            Op(
                "warn_case",
                {
                    "warning_id": event.originator_id,
                    "household_id": event.household_id,
                    "rule": event.rule,
                    "reason": event.reason,
                    "raised_on": event.raised_on,
                    "opened_at": event.timestamp,
                    "notification_id": notification_id,
                },
            )
        ]
    if isinstance(event, WarningCase.StatusSet):
        return [
            Op(
                "warn_status",
                {
                    "warning_id": event.originator_id,
                    "status": event.status,
                    "note": event.note,
                    "actor": event.actor,
                    "acted_on": event.effective_on,
                    "acted_at": event.timestamp,
                    "notification_id": notification_id,
                },
            )
        ]
    return []
