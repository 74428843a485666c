"""Payments (POLICY ch. 4, ch. 11; docs/PAYMENTS.md) as rules and aggregates.

- A `PaymentRun` per month claims the period: two runs of the same month, even at the
  same moment, cannot both start (the run's id is derived from the period).
- A household's payments are kept in its own `PaymentLedger` stream (its id derived
  from the household id), so a payment run never races a caseworker's edit of the
  household, and many ledgers are written per transaction without loading them.
- Payment ids are derived from (household, programme, member, period, kind, run); a
  payment offered again gets an id derived from the id of the payment it retries and the
  run: the same payment computed twice has the same id, and the event store refuses it
  twice, while two different payments can never share one.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.chain import Chained, ChainedEvent
from domain.errors import ConflictError, InvalidInputError, NotFoundError, PolicyRuleError
from domain.money import format_yuan, round_half_up
from domain.policy.base import param, ratio

# POLICY ch. 11: recoveries are spread over payments; a payment the bank keeps refusing
# is cancelled.
PLAN_ITEMS = "POLICY ch. 4, ch. 11"  # for docs/MAP.md
PARAMETERS = (
    ratio(
        "recovery_max_share",
        "most of one payment for a recovery",
        param(Fraction(3, 10), "PARAM recovery share"),
    ),
    ratio(
        "payment_max_failures",
        "failed tries before cancelling",
        param(Fraction(3), "PARAM: tries before cancelling"),
    ),
)

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
ACK_STATUSES = ("paid", "failed", "returned")
ACCOUNT_KINDS = ("bank", "one_card")
MAX_REASON = 200  # the bank's reason for a return, e.g. "AC04 account closed"


def parse_period(text: str, field: str = "period") -> tuple[int, int]:
    match = PERIOD_RE.match(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidInputError(f"{field} must be a month written YYYY-MM, e.g. 2025-07", field)
    year, month = int(match.group(1)), int(match.group(2))
    if not 2000 <= year <= 2100:
        raise InvalidInputError(f"{field} must be a month between 2000 and 2100", field)
    return year, month


@functools.lru_cache(maxsize=1024)
def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a YYYY-MM period (cached: a run asks for the same few
    months once per entitlement)."""
    year, month = parse_period(period)
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def next_period(period: str) -> str:
    """The month after a YYYY-MM period."""
    year, month = parse_period(period)
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def check_run_order(period: str, earlier_runs: list[str]) -> None:
    """Runs go forward month by month: once a run exists, the next one is for the month
    after the latest (a skipped month would never be paid: arrears cover only months a
    run covered). A month before the latest is refused too; its changes are paid as
    arrears by the next run."""
    if not earlier_runs:
        return
    latest = max(earlier_runs)
    if period < latest:
        raise PolicyRuleError(
            f"a run for {latest} exists already: runs go forward month by month; "
            "a change for an earlier month is paid as arrears by the next run",
            "period",
        )
    expected = next_period(latest)
    if period > expected:
        raise PolicyRuleError(
            f"the latest run is for {latest}: run {expected} first (runs go forward month "
            f"by month, so no month is skipped and left unpaid), then {period}",
            "period",
        )


def run_id(period: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:payment-run:{period}")


def ledger_id(household_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:payment-ledger:{household_id}")


def payment_id(
    household_id: UUID,
    programme: str,
    member_id: str | None,
    period: str,
    kind: str,
    run_period: str,
) -> str:
    key = f"{household_id}|{programme}|{member_id or ''}|{period}|{kind}|{run_period}|0"
    return str(uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:payment:{key}"))


def retry_payment_id(retry_of: str, run_period: str) -> str:
    """The id of a payment offered again: derived from the payment it retries (itself
    unique) and the run, so two different failed payments never give the same id."""
    return str(uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:payment-retry:{retry_of}|{run_period}"))


def check_unique_lines(lines: list[dict[str, Any]]) -> None:
    """A household's lines in one run must have distinct payment ids: a repeated id
    would make one payment overwrite another (and the payments view refuse it)."""
    seen: set[str] = set()
    for line in lines:
        if line["payment_id"] in seen:
            raise ConflictError(
                f"payment {line['payment_id']} is planned twice in one run "
                f"({line['programme']} for {line['period']}, {line['kind']}); nothing was "
                "written for this household",
                "payment_id",
            )
        seen.add(line["payment_id"])


def validate_account(kind: str, number: str) -> str:
    """Bank accounts: 12-30 digits; 民生一卡通 (social security card) numbers: 9-20."""
    if kind not in ACCOUNT_KINDS:
        raise InvalidInputError("kind must be bank or one_card", "kind")
    digits = number.replace(" ", "") if isinstance(number, str) else ""
    low, high = (12, 30) if kind == "bank" else (9, 20)
    if not digits.isdigit() or not low <= len(digits) <= high:
        raise InvalidInputError(
            f"account_number of a {kind} account must be {low} to {high} digits", "account_number"
        )
    return digits


def mask_account(number: str | None) -> str | None:
    if not number:
        return None
    return "*" * max(len(number) - 4, 0) + number[-4:]


@dataclass(frozen=True)
class Segment:
    """An entitlement amount from a date (a change point of its timeline)."""

    effective_from: date
    monthly_fen: int
    ended: bool
    suspended: bool = False  # not paid from this date (the amount is 0) until resumed


def owed_for_period(points: list[Segment], period: str) -> tuple[int, str]:
    """What an entitlement timeline owes for a month: each day at its amount, pro rata by
    days (monthly x days covered / days in month), summed exactly and rounded once."""
    first, last = period_bounds(period)
    days_in_month = (last - first).days + 1
    ordered = sorted(points, key=lambda p: p.effective_from)
    if ordered and not ordered[-1].ended and ordered[-1].effective_from <= first:
        # One amount for the whole month (the usual case): nothing to prorate.
        monthly = ordered[-1].monthly_fen
        return monthly, f"{format_yuan(monthly)} for the whole month = {format_yuan(monthly)}"
    exact = Fraction(0)
    parts: list[str] = []
    for index, point in enumerate(ordered):
        start = max(point.effective_from, first)
        end = last
        if index + 1 < len(ordered):
            end = min(end, ordered[index + 1].effective_from - timedelta(days=1))
        if point.ended or start > end or end < first:
            continue
        days = (end - start).days + 1
        if point.suspended:
            parts.append(
                f"suspended {days}/{days_in_month} days ({start.isoformat()} to "
                f"{end.isoformat()}): nothing"
            )
            continue
        exact += Fraction(point.monthly_fen * days, days_in_month)
        if days == days_in_month:
            parts.append(f"{format_yuan(point.monthly_fen)} for the whole month")
        else:
            parts.append(
                f"{format_yuan(point.monthly_fen)} x {days}/{days_in_month} days "
                f"({start.isoformat()} to {end.isoformat()})"
            )
    owed = round_half_up(exact)
    return owed, ("; ".join(parts) + f" = {format_yuan(owed)}") if parts else "nothing owed"


def recovery_deduction(balance_fen: int, gross_fen: int, share: Fraction) -> int:
    """POLICY ch. 4 recoveries: at most `share` of a payment (half-up), never more than
    is owed back."""
    if balance_fen <= 0 or gross_fen <= 0:
        return 0
    return min(balance_fen, round_half_up(share * gross_fen))


@dataclass
class PaymentState:
    payment_id: str
    programme: str
    member_id: str | None
    period: str
    kind: str
    amount_fen: int
    status: str = "scheduled"
    bank_reference: str | None = None
    retry_of: str | None = None
    failures: int = 0  # failures of this payment's chain so far, this one included


class PaymentLedger(Chained):
    """The payments of one household: what each run scheduled, and the bank's answers."""

    class Event(ChainedEvent):
        actor: str
        effective_on: date

    class PaymentsScheduled(Event):
        """One run's lines for this household. Each line: payment_id, programme,
        member_id, period, kind, gross_fen, recovered_fen, amount_fen, payee_member_id,
        payee_name, account_kind, account_number, bank_name, retry_of, failures and
        explanation. `overpayments` recognises what was overpaid for past periods
        (recovered from later payments), each {programme, member_id, period, amount_fen,
        explanation}; `cancelled` lists failed payments given up on."""

        run_period: str
        lines: list[dict[str, Any]]
        overpayments: list[dict[str, Any]]
        cancelled: list[dict[str, Any]]

        def apply(self, aggregate: PaymentLedger) -> None:
            for line in self.lines:
                aggregate.payments[line["payment_id"]] = PaymentState(
                    line["payment_id"],
                    line["programme"],
                    line["member_id"],
                    line["period"],
                    line["kind"],
                    line["amount_fen"],
                    retry_of=line.get("retry_of"),
                    failures=int(line.get("failures", 0)),
                )
            for item in self.cancelled:
                aggregate.payments[item["payment_id"]].status = "cancelled"
            aggregate.last_run_period = self.run_period

    class Opened(PaymentsScheduled, Aggregate.Created):
        """The ledger's first event carries its first run's lines."""

        household_id: str

    class PaymentAcknowledged(Event):
        payment_id: str
        status: str
        bank_reference: str
        at: str

        def apply(self, aggregate: PaymentLedger) -> None:
            payment = aggregate.payments[self.payment_id]
            payment.status = self.status
            payment.bank_reference = self.bank_reference
            if self.status in ("failed", "returned"):
                payment.failures += 1

    class PaymentReturned(PaymentAcknowledged):
        """退票 with the bank's reason (the account closed, the name wrong): owed again,
        re-issued once by the first run after an account is recorded (an older return is
        a PaymentAcknowledged of status `returned`, no reason)."""

        reason: str

    def __init__(self, household_id: str) -> None:
        self.household_id = household_id
        self.payments: dict[str, PaymentState] = {}
        self.last_run_period = ""

    def acknowledge(
        self,
        payment_id: str,
        *,
        status: str,
        bank_reference: str,
        at: str,
        actor: str,
        on: date,
        reason: str = "",
    ) -> bool:
        """Record the bank's answer; the same answer twice records once (False), a
        contradicting one is a conflict. A return carries the bank's `reason`."""
        payment = self.payments.get(payment_id)
        if payment is None:
            raise NotFoundError(f"no payment {payment_id}", "payment_id")
        reason = reason.strip() if isinstance(reason, str) else ""
        if not answer_changes(
            payment_id, payment.status, payment.bank_reference, status, bank_reference, reason
        ):
            return False
        given: dict[str, Any] = {"reason": reason} if status == "returned" else {}
        self.trigger_event(
            self.PaymentReturned if status == "returned" else self.PaymentAcknowledged,
            payment_id=payment_id,
            status=status,
            bank_reference=bank_reference,
            at=at,
            actor=actor,
            effective_on=on,
            **given,
        )
        return True


def answer_changes(
    payment_id: str,
    current: str,
    current_reference: str | None,
    status: str,
    bank_reference: str,
    reason: str = "",
) -> bool:
    """Whether the bank's answer `status` (with `bank_reference`, a return's `reason`)
    on a payment now `current` is new (True), the same answer again (False), or wrong or
    contradicting (InvalidInputError, ConflictError). The one rule of the answers, for
    one answer over the API and for a statement's many written without loading the
    ledgers (services/statements.py)."""
    if status not in ACK_STATUSES:
        raise InvalidInputError("status must be paid, failed or returned", "status")
    if len(reason) > MAX_REASON:
        raise InvalidInputError(f"reason must be at most {MAX_REASON} characters", "reason")
    if reason and status != "returned":
        raise InvalidInputError("a reason is given with a return (status returned)", "reason")
    if current == status and current_reference == bank_reference:
        return False
    if current == "cancelled":
        raise ConflictError(f"payment {payment_id} is cancelled", "payment_id")
    allowed = {"scheduled": ACK_STATUSES, "paid": ("returned",)}.get(current, ())
    if status not in allowed:
        raise ConflictError(
            f"payment {payment_id} is already {current}"
            f" (bank reference {current_reference}); {status} contradicts it",
            "status",
        )
    return True


@dataclass
class RunReport:
    """A run's grant lines and re-issues (count, fen) and the items left waiting."""

    grants: int = 0
    grants_fen: int = 0
    reissued: int = 0
    reissued_fen: int = 0
    waiting: list[dict[str, Any]] = field(default_factory=list)
    recorded: bool = False  # read from the run's Reported event


class PaymentRun(Chained):
    """One month's run. Started once per period; completed with its count and total."""

    class Event(ChainedEvent):
        actor: str
        effective_on: date

    class Started(Event, Aggregate.Created):
        period: str
        position: int  # the head of the event log the run planned from

    class Completed(Event):
        payments: int
        total_fen: int
        households: int

        def apply(self, aggregate: PaymentRun) -> None:
            aggregate.completed = True
            aggregate.payments = self.payments
            aggregate.total_fen = self.total_fen
            aggregate.households = self.households

    class Reported(Event):
        """Recorded just before Completed: the run's grant lines and re-issues (count,
        fen) and what waits ({kind, payment_id, household_id, programme, member_id,
        period, amount_fen, why}; services/payouts.py). Older runs have none."""

        grants: int
        grants_fen: int
        reissued: int
        reissued_fen: int
        waiting: list[dict[str, Any]]

        def apply(self, aggregate: PaymentRun) -> None:
            figures = (self.grants, self.grants_fen, self.reissued, self.reissued_fen)
            aggregate.report = RunReport(*figures, list(self.waiting), recorded=True)

    def __init__(self, period: str, position: int) -> None:
        self.period = period
        self.position = position
        self.completed = False
        self.payments = 0
        self.total_fen = 0
        self.households = 0
        self.report = RunReport()

    @classmethod
    def start(cls, period: str, actor: str, position: int) -> PaymentRun:
        first, _ = period_bounds(period)
        created: PaymentRun = cls._create(
            cls.Started,
            id=run_id(period),
            period=period,
            actor=actor,
            effective_on=first,
            position=position,
        )
        return created

    def record_report(self, report: RunReport, actor: str) -> None:
        figures = ("grants", "grants_fen", "reissued", "reissued_fen", "waiting")
        self.trigger_event(
            self.Reported,
            **{name: getattr(report, name) for name in figures},
            actor=actor,
            effective_on=period_bounds(self.period)[0],
        )

    def complete(self, *, payments: int, total_fen: int, households: int, actor: str) -> None:
        self.trigger_event(
            self.Completed,
            payments=payments,
            total_fen=total_fen,
            households=households,
            actor=actor,
            effective_on=period_bounds(self.period)[0],
        )


# ---------------------------------------------------------------------------- planning


@dataclass
class KeyHistory:
    """What a run needs to know of one entitlement (household, programme, member)."""

    household_id: UUID
    programme: str
    member_id: str | None
    points: list[Segment]
    scheduled: dict[str, int]  # period -> gross of original regular and arrears lines
    overpaid: dict[str, int]  # period -> overpayments recognised
    recovery_balance: int  # recognised overpayments not yet recovered


@dataclass(frozen=True)
class PlannedLine:
    programme: str
    member_id: str | None
    period: str
    kind: str
    gross_fen: int
    recovered_fen: int
    explanation: str
    retry_of: str | None = None
    failures: int = 0
    payment_id: str | None = None  # given: a grant's line is paid under the grant's id
    payee: str | None = None  # given: the member paid (a re-issue after a return)

    @property
    def amount_fen(self) -> int:
        return self.gross_fen - self.recovered_fen


def plan_entitlement(
    key: KeyHistory,
    run_period: str,
    covered: list[str],
    share: Fraction,
    share_label: str,
) -> tuple[list[PlannedLine], list[dict[str, Any]]]:
    """The lines a run pays for one entitlement, and the overpayments it recognises.

    - regular: what the month owes (pro rata by days at the edges);
    - arrears: for each month an earlier run covered, what is owed now beyond what was
      scheduled then (a retroactive determination or standard change);
    - overpayments: the other way round; they are recovered from this and later
      payments, at most `share` of each payment.
    """
    owed, why = owed_for_period(key.points, run_period)
    raw: list[tuple[str, str, int, str]] = []
    if owed > 0:
        raw.append(("regular", run_period, owed, f"{run_period}: {why}"))
    overpayments: list[dict[str, Any]] = []
    for period in covered:
        owed_then, why_then = owed_for_period(key.points, period)
        net = key.scheduled.get(period, 0) - key.overpaid.get(period, 0)
        diff = owed_then - net
        if diff > 0:
            raw.append(
                (
                    "arrears",
                    period,
                    diff,
                    f"补发 arrears for {period}: owed now {why_then}; scheduled before "
                    f"{format_yuan(net)}; difference {format_yuan(diff)}",
                )
            )
        elif diff < 0:
            overpayments.append(
                {
                    "programme": key.programme,
                    "member_id": key.member_id,
                    "period": period,
                    "amount_fen": -diff,
                    "explanation": f"追回 overpaid for {period}: owed now {why_then}; scheduled "
                    f"{format_yuan(net)}; overpaid {format_yuan(-diff)}",
                }
            )
    balance = key.recovery_balance + sum(o["amount_fen"] for o in overpayments)
    return _with_recoveries(key, raw, balance, share, share_label), overpayments


def _with_recoveries(
    key: KeyHistory,
    raw: list[tuple[str, str, int, str]],
    balance: int,
    share: Fraction,
    share_label: str,
) -> list[PlannedLine]:
    """Each line with what it recovers of the balance (at most `share` of it)."""
    lines: list[PlannedLine] = []
    for kind, period, gross, why_line in raw:
        recovered = recovery_deduction(balance, gross, share)
        balance -= recovered
        if recovered:
            why_line += (
                f"; recovery of an overpayment: {format_yuan(recovered)} deducted "
                f"(at most {share_label} of {format_yuan(gross)}), "
                f"{format_yuan(balance)} still to recover"
            )
        lines.append(
            PlannedLine(key.programme, key.member_id, period, kind, gross, recovered, why_line)
        )
    return lines


def moved_period(run_period: str) -> str:
    """The `period` of an overpayment moved between entitlements by a run: not a month,
    so the arrears arithmetic (month by month) never counts it; only balances do."""
    return f"{run_period}/moved"


def balance_after(key: KeyHistory, lines: list[PlannedLine], overs: list[dict[str, Any]]) -> int:
    """What is still to recover of an entitlement once this run's lines are paid."""
    recognised = key.recovery_balance + sum(int(o["amount_fen"]) for o in overs)
    return recognised - sum(line.recovered_fen for line in lines)


def has_ended(key: KeyHistory, run_period: str) -> bool:
    """The entitlement ends on or before the run's month ends (its last change point
    is an end): nothing later will be paid from which to recover."""
    if not key.points:
        return False
    last = max(key.points, key=lambda p: p.effective_from)
    return last.ended and last.effective_from <= period_bounds(run_period)[1]


def move_balance(
    ended: KeyHistory, to: KeyHistory, amount_fen: int, run_period: str, share_label: str
) -> list[dict[str, Any]]:
    """POLICY ch. 4 recoveries "until settled" when the entitlement overpaid has ended: its balance
    moves to another monthly entitlement of the household, recovered from that one's
    payments at the same share limit. Two overpayment entries, netting to zero."""
    where = f"{to.programme}{'/' + to.member_id if to.member_id else ''}"
    source = f"{ended.programme}{'/' + ended.member_id if ended.member_id else ''}"
    period = moved_period(run_period)
    return [
        {
            "programme": ended.programme,
            "member_id": ended.member_id,
            "period": period,
            "amount_fen": -amount_fen,
            "explanation": (
                f"追回 {format_yuan(amount_fen)} still to recover; {source} has ended, so it "
                f"moves to {where}"
            ),
        },
        {
            "programme": to.programme,
            "member_id": to.member_id,
            "period": period,
            "amount_fen": amount_fen,
            "explanation": (
                f"追回 {format_yuan(amount_fen)} moved from {source} (ended): recovered from "
                f"{where}'s payments, at most {share_label} of each"
            ),
        },
    ]
