"""The payment trail view: the one-off grants to pay (§11, §14, §28), every answer of the
bank in order (with a return's reason), and every payee account as recorded.

A view of its own beside `payments` (which keeps one row per payment line and its
latest status): a ledger recorded before this view existed builds it from the whole log
on its first catch-up, so grants awarded and returns answered before are there too. The
payment run reads it to pay grants once, to re-issue a returned payment only after an
account was recorded since its return, and to list what waits; a household's payment
history reads the chain of tries from it (docs/PAYMENTS.md).
"""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from domain.household import Household
from domain.payments import PaymentLedger
from projections.interface import Op

NAME = "payment_trail"
TABLES = ("ledger_grants", "ledger_payment_answers", "ledger_account_records")
TOPICS = tuple(
    get_topic(cls)
    for cls in (
        Household.GrantAwarded,
        Household.PayeeAccountSet,
        PaymentLedger.PaymentAcknowledged,
        PaymentLedger.PaymentReturned,
    )
)


def ops_for(event: Any, notification_id: int) -> list[Op]:
    if isinstance(event, Household.GrantAwarded):
        # The grant's id is the id of the application that awarded it (one application,
        # one grant): the payment that pays it carries it as its id and end-to-end id.
        return [
            Op(
                "grant_awarded",
                {
                    "grant_id": event.application_id,
                    "household_id": event.originator_id,
                    "programme": event.programme,
                    "member_id": event.member_id,
                    "amount_fen": event.amount_fen,
                    "effective_on": event.effective_on,
                    "explanation": event.explanation,
                    "actor": event.actor,
                    "notification_id": notification_id,
                },
            )
        ]
    if isinstance(event, Household.PayeeAccountSet):
        return [
            Op(
                "account_record",
                {
                    "notification_id": notification_id,
                    "household_id": event.originator_id,
                    "member_id": event.member_id,
                    "account_kind": event.kind,
                    "account_number": event.account_number,
                    "bank_name": event.bank_name,
                    "effective_on": event.effective_on,
                    "actor": event.actor,
                },
            )
        ]
    if isinstance(event, PaymentLedger.PaymentAcknowledged):  # PaymentReturned is one too
        return [
            Op(
                "payment_answer",
                {
                    "notification_id": notification_id,
                    "ledger_id": event.originator_id,
                    "payment_id": event.payment_id,
                    "status": event.status,
                    "bank_reference": event.bank_reference,
                    "reason": getattr(event, "reason", ""),
                    "answered_at": event.at,
                    "actor": event.actor,
                },
            )
        ]
    return []
