"""The payment views: payees, payments (the disbursement feed), recognised overpayments,
the payment ledgers' versions and the runs; and the programme budgets (domain/budgets.py)
with their revisions, overrides and the lines runs held back. The budgets are in this
view, not one of their own, so that a run reads a budget's version and the lines
released under it as of one position of the log (a run's commitment to a budget is the
last event of the transaction that writes its lines)."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from domain.budgets import Budget
from domain.household import Household
from domain.payments import PaymentLedger, PaymentRun
from projections.interface import Op

NAME = "payments"
TABLES = (
    "ledger_payees",
    "ledger_payments",
    "ledger_overpayments",
    "ledger_payment_ledgers",
    "ledger_payment_runs",
    "ledger_budgets",
    "ledger_budget_revisions",
    "ledger_budget_overrides",
    "ledger_budget_holds",
)
TOPICS = tuple(
    get_topic(cls)
    for cls in (
        Household.MemberAdded,
        Household.MemberMovedIn,
        Household.MemberMovedOut,
        Household.MemberChanged,
        Household.PayeeAccountSet,
        PaymentLedger.Opened,
        PaymentLedger.PaymentsScheduled,
        PaymentLedger.PaymentAcknowledged,
        PaymentLedger.PaymentReturned,
        PaymentRun.Started,
        PaymentRun.Completed,
        Budget.Set,
        Budget.Revised,
        Budget.Overridden,
        Budget.Committed,
    )
)
# A feed position: the scheduling event's notification id and the line's place in it.
LINES_PER_EVENT = 100_000


def ops_for(event: Any, notification_id: int) -> list[Op]:
    if isinstance(event, (Household.MemberAdded, Household.MemberMovedIn)):
        return [
            Op(
                "payee",
                {
                    "household_id": event.originator_id,
                    "member_id": event.member_id,
                    "name": event.name,
                    "relation": event.relation,
                },
            )
        ]
    if isinstance(event, Household.MemberMovedOut) or (
        isinstance(event, Household.MemberChanged) and event.changes.get("left_household")
    ):
        return [
            Op("payee_left", {"household_id": event.originator_id, "member_id": event.member_id})
        ]
    if isinstance(event, Household.PayeeAccountSet):
        return [
            Op(
                "payee_account",
                {
                    "household_id": event.originator_id,
                    "member_id": event.member_id,
                    "account_kind": event.kind,
                    "account_number": event.account_number,
                    "bank_name": event.bank_name,
                },
            )
        ]
    if isinstance(event, PaymentLedger.PaymentsScheduled):  # Opened is one too
        household_id = event.household_id if isinstance(event, PaymentLedger.Opened) else None
        ops = [_version(event, household_id, event.run_period)]
        for index, line in enumerate(event.lines):
            ops.append(
                Op(
                    "payment",
                    {
                        **{k: line.get(k) for k in _LINE_FIELDS},
                        "feed_seq": notification_id * LINES_PER_EVENT + index,
                        "ledger_id": event.originator_id,
                        "run_period": event.run_period,
                        "notification_id": notification_id,
                    },
                )
            )
        for index, item in enumerate(event.overpayments):
            ops.append(
                Op(
                    "overpayment",
                    {
                        "notification_id": notification_id,
                        "idx": index,
                        "ledger_id": event.originator_id,
                        "programme": item["programme"],
                        "member_id": item["member_id"] or "",
                        "period": item["period"],
                        "amount_fen": item["amount_fen"],
                        "run_period": event.run_period,
                    },
                )
            )
        for item in event.cancelled:
            ops.append(Op("payment_cancel", {"payment_id": item["payment_id"]}))
        return ops
    if isinstance(event, PaymentLedger.PaymentAcknowledged):  # PaymentReturned is one too
        return [
            _version(event),
            Op(
                "payment_ack",
                {
                    "payment_id": event.payment_id,
                    "status": event.status,
                    "bank_reference": event.bank_reference,
                },
            ),
        ]
    if isinstance(event, PaymentRun.Started):
        return [
            Op(
                "run",
                {
                    "period": event.period,
                    "run_id": event.originator_id,
                    "status": "started",
                    "payments": 0,
                    "total_fen": 0,
                    "households": 0,
                    "position": event.position,
                },
            )
        ]
    if isinstance(event, PaymentRun.Completed):
        return [
            Op(
                "run_completed",
                {
                    "run_id": event.originator_id,
                    "payments": event.payments,
                    "total_fen": event.total_fen,
                    "households": event.households,
                },
            )
        ]
    if isinstance(event, Budget.Event):
        return _budget_ops(event, notification_id)
    return []


def _budget_ops(event: Any, notification_id: int) -> list[Op]:
    version = Op(
        "budget_version",
        {
            "budget_id": event.originator_id,
            "version": event.originator_version,
            "chain_head": event.chain,
        },
    )
    given = {
        "notification_id": notification_id,
        "budget_id": event.originator_id,
        "actor": event.actor,
        "effective_on": event.effective_on,
    }
    if isinstance(event, Budget.Set):
        row = {
            "budget_id": event.originator_id,
            "county": event.county,
            "year": event.year,
            "programme": event.programme,
            "amount_fen": event.amount_fen,
            "document": event.document,
        }
        revision = {**given, "amount_fen": event.amount_fen, "document": event.document}
        return [Op("budget", row), Op("budget_revision", revision), version]
    if isinstance(event, Budget.Revised):
        revision = {**given, "amount_fen": event.amount_fen, "document": event.document}
        return [Op("budget_revision", revision), Op("budget_amount", revision), version]
    if isinstance(event, Budget.Overridden):
        row = {
            **given,
            "run_period": event.run_period,
            "reason": event.reason,
            "document": event.document,
        }
        return [Op("budget_override", row), version]
    if isinstance(event, Budget.Committed):
        holds = [
            Op(
                "budget_hold",
                {
                    "budget_id": event.originator_id,
                    "run_period": event.run_period,
                    "household_id": item["household_id"],
                    "programme": item["programme"],
                    "member_id": item["member_id"] or "",
                    "period": item["period"],
                    "kind": item["kind"],
                    "amount_fen": item["amount_fen"],
                    "notification_id": notification_id,
                },
            )
            for item in event.held
        ]
        return [*holds, version]
    return []


_LINE_FIELDS = (
    "payment_id",
    "household_id",
    "programme",
    "member_id",
    "period",
    "kind",
    "gross_fen",
    "recovered_fen",
    "amount_fen",
    "payee_member_id",
    "payee_name",
    "account_kind",
    "account_number",
    "bank_name",
    "retry_of",
    "failures",
    "explanation",
)


def _version(event: Any, household_id: str | None = None, run_period: str | None = None) -> Op:
    """A payment ledger's version (and, when a run wrote it, the run's period)."""
    return Op(
        "ledger_version",
        {
            "ledger_id": event.originator_id,
            "household_id": household_id,
            "version": event.originator_version,
            "chain_head": event.chain,
            "last_run_period": run_period,
        },
    )
