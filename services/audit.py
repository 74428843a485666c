"""Audit replay: a household's state on a date as known at a time, from its stream."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.utils import resolve_topic

from domain.household import Household
from domain.money import format_yuan
from domain.payments import PaymentLedger, ledger_id
from services.ledger import Ledger

# The events the state's `decided_by` and `grants` read, decoded whole.
DECISIONS = (Household.ApplicationDetermined, Household.GrantAwarded)


def replay_household(
    ledger: Ledger,
    household_id: UUID,
    as_of: date,
    known_at: datetime | None,
    *,
    light: bool = True,
) -> dict[str, Any]:
    """The household's state in force on `as_of` as recorded up to `known_at`, and the
    events that made it. The state is folded from the latest snapshot at or below that
    version; the event list is read from the stored rows' JSON without constructing an
    event per row. `light=False` lists them from whole decoded events instead, as a
    replay without the light listing would (the same answer: the reference that tests
    and `ledger bench`'s plain way use)."""
    app = ledger.app
    household, rows, folded = app.household_known_at(household_id, known_at)
    # The household's payments live in its payment ledger stream (docs/PAYMENTS.md).
    payment_events = [
        app.mapper.to_domain_event(row)
        for row in app.rows_known_at(ledger_id(household_id), known_at)
    ]
    if light:
        classes = [resolve_topic(row.topic) for row in rows]
        listed = [
            _listed("household", row.originator_version, cls, app.stored_state(row))
            for row, cls in zip(rows, classes, strict=True)
        ]
        events = [
            app.mapper.to_domain_event(row)
            for row, cls in zip(rows, classes, strict=True)
            if issubclass(cls, DECISIONS)
        ]
    else:  # every event decoded (those folded already are not decoded again)
        events = [*map(app.mapper.to_domain_event, rows[: len(rows) - len(folded)]), *folded]
        listed = [_listed("household", e.originator_version, type(e), vars(e)) for e in events]
    listed += [_listed("payments", e.originator_version, type(e), vars(e)) for e in payment_events]
    month = f"{as_of:%Y-%m}"
    paid_by = _grant_payments(payment_events)
    # Who decided each entitlement: the approver of the latest recorded approval naming
    # it that is in force by `as_of` (POLICY ch. 13: recording order decides).
    decided_by: dict[tuple[str, str | None], str] = {}
    for e in events:
        if isinstance(e, Household.ApplicationDetermined) and e.outcome == "approved":
            for line in e.entitlements:
                if line.get("effective_from", "") <= as_of.isoformat():
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
        "payments": _payments(payment_events, month),
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
                "grant_id": e.application_id,
                "programme": e.programme,
                "member_id": e.member_id,
                "amount": format_yuan(e.amount_fen),
                "effective_on": e.effective_on.isoformat(),
                "why": e.explanation,
                "decided_by": e.actor,
                "paid_by": paid_by.get(e.application_id),
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
        "events": listed,
    }


def _payments(payment_events: list[Any], month: str) -> list[dict[str, Any]]:
    """The payment lines for months up to `month`, each with its status and the bank's
    answers as recorded by then, and the line it tries again (the chain of tries)."""
    answers: dict[str, list[dict[str, Any]]] = {}
    for e in payment_events:
        if isinstance(e, PaymentLedger.PaymentAcknowledged):
            answers.setdefault(e.payment_id, []).append(
                {
                    "status": e.status,
                    "bank_reference": e.bank_reference,
                    "reason": getattr(e, "reason", "") or None,
                    "at": e.at,
                    "actor": e.actor,
                }
            )
    cancelled = {
        item["payment_id"]
        for e in payment_events
        if isinstance(e, PaymentLedger.PaymentsScheduled)
        for item in e.cancelled
    }
    return [
        {
            "payment_id": line["payment_id"],
            "run_period": e.run_period,
            "period": line["period"],
            "programme": line["programme"],
            "kind": line["kind"],
            "amount": format_yuan(line["amount_fen"]),
            "status": "cancelled"
            if line["payment_id"] in cancelled
            else (
                answers[line["payment_id"]][-1]["status"]
                if line["payment_id"] in answers
                else "scheduled"
            ),
            "retry_of": line.get("retry_of"),
            "answers": answers.get(line["payment_id"], []),
            "why": line["explanation"],
        }
        for e in payment_events
        if isinstance(e, PaymentLedger.PaymentsScheduled)
        for line in e.lines
        if line["period"] <= month  # the state on as_of: no later month's payments
    ]


def _grant_payments(payment_events: list[Any]) -> dict[str, str]:
    """Each grant's latest payment line (its own, or the re-issue of a return)."""
    root: dict[str, str] = {}
    latest: dict[str, str] = {}
    for e in payment_events:
        if isinstance(e, PaymentLedger.PaymentsScheduled):
            for line in e.lines:
                first = root.get(line.get("retry_of") or "", line["payment_id"])
                root[line["payment_id"]] = first
                if line["kind"] == "grant":
                    latest[first] = line["payment_id"]
    return latest


def _listed(stream: str, position: int, cls: type, state: Mapping[str, Any]) -> dict[str, Any]:
    """One line of the replay's event list, from an event's state: a decoded event's
    attributes, or its stored JSON (`LedgerApplication.stored_state`), where a date or
    time is `{"_type_": ..., "_data_": its ISO form}`. A field the state lacks is the
    class's default, as on a decoded event."""
    return {
        "stream": stream,
        "position": position,
        "type": cls.__name__,
        "effective_on": _field(cls, state, "effective_on"),
        "recorded_at": _field(cls, state, "timestamp"),
        "actor": _field(cls, state, "actor"),
        "amount": _amount(cls, state),
    }


def _field(cls: type, state: Mapping[str, Any], name: str) -> Any:
    value = state[name] if name in state else _default(cls, name)
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, dict) and "_type_" in value:
        return value["_data_"]
    return value


@cache
def _default(cls: type, name: str) -> Any:
    return getattr(cls, name, None)


def _amount(cls: type, state: Mapping[str, Any]) -> str | None:
    """The amount an event records, if it records one (a monthly amount, a grant, a
    bill's self-pay, a payout, the total of a payment batch)."""
    for name in ("monthly_fen", "amount_fen", "self_paid_fen"):  # plain integers
        value = state[name] if name in state else _default(cls, name)
        if isinstance(value, int):
            return format_yuan(value)
    if issubclass(cls, PaymentLedger.PaymentsScheduled):
        return format_yuan(sum(int(line["amount_fen"]) for line in _field(cls, state, "lines")))
    return None
