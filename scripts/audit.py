"""Audit replay: a household's state on a date as known at a time, from its stream."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from api.container import Ledger
from domain.household import Household
from domain.money import format_yuan
from domain.payments import PaymentLedger, ledger_id


def replay_household(
    ledger: Ledger, household_id: UUID, as_of: date, known_at: datetime | None
) -> dict[str, Any]:
    household, events = ledger.app.household_known_at(household_id, known_at)
    # The household's payments live in its payment ledger stream (docs/PAYMENTS.md).
    payments = ledger_id(household_id)
    paid_by = None if known_at is None else ledger.app.version_known_at(payments, known_at)
    payment_events = list(ledger.app.events.get(payments, lte=paid_by)) if paid_by != 0 else []
    month = f"{as_of:%Y-%m}"
    # Who decided each entitlement: the approver of the latest approval naming it.
    decided_by: dict[tuple[str, str | None], str] = {}
    for e in events:
        if isinstance(e, Household.ApplicationDetermined) and e.outcome == "approved":
            for line in e.entitlements:
                decided_by[(line["programme"], line.get("member_id"))] = e.actor
    state = {
        "household_id": str(household.id),
        "region_code": household.region_code,
        "residence": household.residence,
        "version": household.version,
        "members": [
            {"member_id": m.member_id, "name": m.name, "relation": m.relation}
            for m in household.members.values()
            if m.present_on(as_of)
        ],
        "categories": [
            {
                "category": c.category,
                "member_id": c.member_id,
                "effective_from": c.effective_from.isoformat(),
            }
            for c in household.categories_on(as_of)
        ],
        "payments": [
            {
                "payment_id": line["payment_id"],
                "run_period": e.run_period,
                "period": line["period"],
                "programme": line["programme"],
                "kind": line["kind"],
                "amount": format_yuan(line["amount_fen"]),
                "why": line["explanation"],
            }
            for e in payment_events
            if isinstance(e, PaymentLedger.PaymentsScheduled)
            for line in e.lines
            if line["period"] <= month  # the state on as_of: no later month's payments
        ],
        "entitlements": [
            {
                "programme": key.partition("/")[0],
                "member_id": key.partition("/")[2] or None,
                "monthly_amount": format_yuan(point.monthly_fen),
                "effective_from": point.effective_from.isoformat(),
                "standard_version": point.standard_version,
                "why": point.reason,
                "decided_by": decided_by.get(
                    (key.partition("/")[0], key.partition("/")[2] or None)
                ),
            }
            for key, point in household.entitlements_on(as_of)
        ],
        "grants": [
            {
                "programme": e.programme,
                "member_id": e.member_id,
                "amount": format_yuan(e.amount_fen),
                "effective_on": e.effective_on.isoformat(),
                "why": e.explanation,
                "decided_by": e.actor,
            }
            for e in events
            if isinstance(e, Household.GrantAwarded) and e.effective_on <= as_of
        ],
        "medical_bills": [
            {
                "bill_id": b.bill_id,
                "member_id": b.member_id,
                "service_on": b.service_on.isoformat(),
                "cap_year": b.cap_year,
                "self_paid": format_yuan(b.self_paid_fen),
                "waived": format_yuan(b.waived_fen),
                "kept": format_yuan(b.kept_fen),
                "relief": format_yuan(b.relief_fen),
                "cancelled": b.cancelled,
            }
            for b in household.bills.values()
            if b.service_on <= as_of
        ],
    }
    return {
        "as_of": as_of.isoformat(),
        "known_at": known_at.isoformat() if known_at else "now",
        "state": state,
        "events": [
            {
                "stream": "household" if i < len(events) else "payments",
                "position": e.originator_version,
                "type": type(e).__name__,
                "effective_on": e.effective_on.isoformat(),
                "recorded_at": e.timestamp.isoformat(),
                "actor": e.actor,
                "amount": _amount(e),
            }
            for i, e in enumerate([*events, *payment_events])
        ],
    }


def _amount(event: Any) -> str | None:
    """The amount an event records, if it records one (a monthly amount, a grant, a
    bill's self-pay, a payout, the total of a payment batch)."""
    for name in ("monthly_fen", "amount_fen", "self_paid_fen"):
        value = getattr(event, name, None)
        if isinstance(value, int):
            return format_yuan(value)
    if isinstance(event, PaymentLedger.PaymentsScheduled):
        return format_yuan(sum(int(line["amount_fen"]) for line in event.lines))
    return None
