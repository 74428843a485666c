"""The statements view: every bank statement imported (camt.053, camt.054) with its
counts, and the entries finance must look at (docs/PAYMENTS.md, "Bank statements").

An entry the bank sends twice (in a notification, then in the day's statement) is
listed once: its id is the key of the exceptions table.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from domain.statements import BankStatement
from projections.interface import Op

NAME = "statements"
TABLES = ("ledger_statements", "ledger_statement_exceptions")
TOPICS = (get_topic(BankStatement.Imported),)
_COUNTS = ("entries", "paid", "paid_fen", "returned", "returned_fen", "already", "pending")


def ops_for(event: Any, notification_id: int) -> list[Op]:
    if not isinstance(event, BankStatement.Imported):
        return []
    ops = [
        Op(
            "statement",
            {
                "statement_id": event.statement_id,
                "message": event.message,
                "created_at": event.created_at,
                **{name: getattr(event, name) for name in _COUNTS},
                "exceptions": len(event.exceptions),
                "imported_on": event.effective_on,
                "actor": event.actor,
                "notification_id": notification_id,
            },
        )
    ]
    for item in event.exceptions:
        ops.append(
            Op(
                "statement_exception",
                {
                    "entry_id": item["entry_id"],
                    "statement_id": event.statement_id,
                    "kind": item["kind"],
                    "end_to_end_id": item.get("end_to_end_id"),
                    "payment_id": item.get("payment_id"),
                    "household_id": item.get("household_id"),
                    "amount_fen": item["amount_fen"],
                    "expected_fen": item.get("expected_fen"),
                    "booked_on": item.get("booked_on"),
                    "why": item["why"],
                    "notification_id": notification_id,
                },
            )
        )
    return ops
