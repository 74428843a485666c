"""The entitlement views: households, current entitlements, entitlement history.

`ops_for` turns one event into view changes and touches no database, so the same
function serves the batched runner and the library's stock per-event runner
(projections/runner.py, `stock_projection`).
"""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from domain.household import Household
from projections.interface import Op

NAME = "entitlements"
TABLES = ("ledger_households", "ledger_current_entitlements", "ledger_entitlement_history")
TOPICS = (
    get_topic(Household.Registered),
    get_topic(Household.EntitlementChanged),
    get_topic(Household.GrantAwarded),
)


def ops_for(event: Any, notification_id: int) -> list[Op]:
    if isinstance(event, Household.Registered):
        return [
            Op(
                "household",
                {
                    "household_id": event.originator_id,
                    "region_code": event.region_code,
                    "residence": event.residence,
                    "registered_on": event.effective_on,
                },
            )
        ]
    if isinstance(event, Household.EntitlementChanged):
        return [
            Op(
                "entitlement",
                {
                    "notification_id": notification_id,
                    "household_id": event.originator_id,
                    "programme": event.programme,
                    "member_id": event.member_id or "",
                    "monthly_fen": event.monthly_fen,
                    "ended": event.ended,
                    "effective_from": event.effective_on,
                    "recorded_at": event.timestamp,
                    "reason": event.reason,
                    "standard_version": event.standard_version,
                    "cause": event.cause,
                    "actor": event.actor,
                },
            )
        ]
    if isinstance(event, Household.GrantAwarded):
        # A one-off grant shows in the history (cause "grant", the amount paid once, kept
        # in the monthly_fen column and answered as `amount`), not among the monthly
        # amounts in force.
        return [
            Op(
                "grant",
                {
                    "notification_id": notification_id,
                    "household_id": event.originator_id,
                    "programme": event.programme,
                    "member_id": event.member_id or "",
                    "monthly_fen": event.amount_fen,
                    "ended": False,
                    "effective_from": event.effective_on,
                    "recorded_at": event.timestamp,
                    "reason": event.explanation,
                    "standard_version": event.standard_version,
                    "cause": "grant",
                    "actor": event.actor,
                },
            )
        ]
    return []
