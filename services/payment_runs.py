"""Monthly payment runs: plan every payment of a month from the views, write them into
the households' payment ledgers in batches, complete the run.

Safe to repeat and to run twice at once: the run's id is derived from the period (only
one can start), every payment id is derived from what it pays for, and a household's
payments for a run are one event at the next version of its ledger, so a second writer
meets a version conflict and re-plans from the new state (households already done are
skipped).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from domain.chain import GENESIS, next_event
from domain.errors import ConflictError
from domain.household import SUSPENSION
from domain.money import format_ratio
from domain.payments import (
    KeyHistory,
    PaymentLedger,
    PaymentRun,
    PlannedLine,
    RunReport,
    Segment,
    balance_after,
    check_run_order,
    check_unique_lines,
    has_ended,
    ledger_id,
    move_balance,
    parse_period,
    payment_id,
    period_bounds,
    plan_entitlement,
    retry_payment_id,
    run_id,
)
from domain.policy.registry import REGISTRY
from domain.standards import county_of
from projections import sql
from services.budgets import BudgetBook, run_budgets
from services.payouts import grant_lines, read_trail, retry_lines

if TYPE_CHECKING:
    from services.ledger import Ledger

PERSON_LEVEL = REGISTRY.person_categories()  # paid to the person where they have an account
LEDGER_TOPIC = get_topic(PaymentLedger)


@dataclass(frozen=True)
class RunSummary:
    run_id: UUID
    period: str
    payments: int
    total_fen: int
    households: int
    created: bool
    report: RunReport = field(default_factory=RunReport)  # grants, re-issues, waiting
    # Per county and programme: budget, committed before and by this run, remaining,
    # held (services/budgets.py).
    budgets: list[dict[str, Any]] = field(default_factory=list)


def _as_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _load_run(ledger: Ledger, period: str) -> PaymentRun | None:
    try:
        found = ledger.app.repository.get(run_id(period))
    except AggregateNotFoundError:
        return None
    assert isinstance(found, PaymentRun)
    return found


def run_payments(
    ledger: Ledger, period: str, actor: str, *, batch_size: int = 1000, attempts: int = 8
) -> RunSummary:
    parse_period(period)
    run = _load_run(ledger, period)
    if run is not None and run.completed:
        return _asked_again(ledger, run)
    ledger.runner.catch_up()
    runs = ledger.views.query(sql.RUN_PERIODS, {})
    if run is None:
        check_run_order(period, [r["period"] for r in runs])
    created = False
    if run is None:
        run = PaymentRun.start(period, actor, ledger.app.recorder.max_notification_id() or 0)
        try:
            ledger.app.save(run)
            created = True
        except IntegrityError:
            # Started by someone else a moment ago: wait for it; if it does not finish
            # (it may have died), carry on with it: resuming is safe.
            done = _wait_for(ledger, period, timeout=30)
            if done is not None:
                return replace(done, budgets=run_budgets(ledger, period))
            loaded = _load_run(ledger, period)
            assert loaded is not None
            run = loaded
    earlier = sorted((r for r in runs if r["period"] < period), key=lambda r: r["period"])
    covered = [r["period"] for r in earlier]
    since = int(earlier[-1]["position"]) if earlier else 0
    written: tuple[int, int, int, RunReport, list[dict[str, Any]]] | None = None
    replanned = False
    for _ in range(attempts):
        ledger.runner.catch_up()
        try:
            written = _schedule(ledger, period, actor, covered, since, batch_size)
            break
        except IntegrityError:
            replanned = True  # another writer got there first: re-plan from the new state
    else:
        raise ConflictError("the payment ledgers changed concurrently too often; run again")
    assert written is not None
    payments, total, households, report, budgets = written
    if not (created and not replanned):
        ledger.runner.catch_up()  # resumed or re-planned: count what the run holds
        payments, total, households, counted = _totals(ledger, period)
        report = replace(counted, waiting=report.waiting)  # what waits: as of the last plan
    run.record_report(report, actor)
    run.complete(payments=payments, total_fen=total, households=households, actor=actor)
    try:
        ledger.app.save(run)
    except IntegrityError:
        finished = _load_run(ledger, period)  # completed by a concurrent resumer
        if finished is None or not finished.completed:
            raise ConflictError(f"the run for {period} changed concurrently; ask again") from None
        return _asked_again(ledger, finished)
    # The views (the feed) catch up on the next read, or in `serve`'s background thread.
    return RunSummary(run.id, period, payments, total, households, created, run.report, budgets)


def _asked_again(ledger: Ledger, run: PaymentRun) -> RunSummary:
    """A completed run's answer, with its budget report as the views have it now."""
    return replace(_summary(run, created=False), budgets=run_budgets(ledger, run.period))


def _wait_for(ledger: Ledger, period: str, timeout: float) -> RunSummary | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = _load_run(ledger, period)
        if run is not None and run.completed:
            return _summary(run, created=False)
        time.sleep(0.05)
    return None


def _summary(run: PaymentRun, created: bool) -> RunSummary:
    return RunSummary(
        run.id, run.period, run.payments, run.total_fen, run.households, created, run.report
    )


def _totals(ledger: Ledger, period: str) -> tuple[int, int, int, RunReport]:
    rows = ledger.views.query(sql.FEED_RUN, {"period": period})
    report = RunReport()
    _count(report, rows)
    return (
        len(rows),
        sum(int(r["amount_fen"]) for r in rows),
        len({str(r["household_id"]) for r in rows}),
        report,
    )


def _schedule(
    ledger: Ledger,
    period: str,
    actor: str,
    covered: list[str],
    since: int,
    batch_size: int,
) -> tuple[int, int, int, RunReport, list[dict[str, Any]]]:
    """Plan and write the run's payments, `batch_size` households per transaction.
    Returns the payments, their total, the households written, the run's report (its
    grants and re-issues written, and what waits: services/payouts.py) and its budget
    report (services/budgets.py): each batch's lines are checked against the budgets
    of the year, and its transaction carries each touched budget's commitment at the
    stream's next version, so a concurrent run's batch under the same budget makes it
    fail and re-plan."""
    views = ledger.views
    book = BudgetBook(views, period)
    key_points: dict[tuple[str, str, str | None], dict[date, tuple[int, Segment]]] = defaultdict(
        dict
    )
    dirty: set[tuple[str, str, str | None]] = set()
    for row in views.query(sql.RUN_ENTITLEMENT_ROWS, {}):
        key = (str(row["household_id"]), row["programme"], row["member_id"] or None)
        on = row["effective_from"]
        on = on if isinstance(on, date) else date.fromisoformat(on)
        key_points[key][on] = (
            int(row["notification_id"]),
            Segment(on, int(row["monthly_fen"]), bool(row["ended"]), row["cause"] == SUSPENSION),
        )
        if int(row["notification_id"]) > since:
            dirty.add(key)
    scheduled: dict[tuple[str, str, str | None], dict[str, int]] = defaultdict(dict)
    for row in views.query(sql.RUN_SCHEDULED, {}):
        key = (str(row["household_id"]), row["programme"], row["member_id"] or None)
        scheduled[key][row["period"]] = int(row["gross_fen"])
    overpaid: dict[tuple[str, str, str | None], dict[str, int]] = defaultdict(dict)
    for row in views.query(sql.RUN_OVERPAID, {}):
        key = (str(row["household_id"]), row["programme"], row["member_id"] or None)
        overpaid[key][row["period"]] = int(row["amount_fen"])
    recovered = {
        (str(r["household_id"]), r["programme"], r["member_id"] or None): int(r["recovered_fen"])
        for r in views.query(sql.RUN_RECOVERED, {})
    }
    ledgers = {str(r["household_id"]): r for r in views.query(sql.RUN_LEDGERS, {})}
    payees: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in views.query(sql.RUN_PAYEES, {}):
        payees[str(row["household_id"])][row["member_id"]] = row
    regions = {str(r["household_id"]): r["region_code"] for r in views.query(sql.RUN_REGIONS, {})}
    retries: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in views.query(sql.RUN_RETRIES, {}):
        retries[str(row["household_id"])].append(row)
    # Monthly lines an earlier run held for a budget: paid as arrears once it allows.
    dirty |= book.held_keys & key_points.keys()
    returns = any(r["status"] == "returned" for rows in retries.values() for r in rows)
    trail = read_trail(views, period, returns=returns)

    by_household: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    for key in key_points:
        by_household[key[0]].append(key)
    for household in (*retries, *trail.grants):
        by_household.setdefault(household, [])

    first_day = period_bounds(period)[0]
    books: dict[str, tuple[Fraction, str, int]] = {}
    batch: list[Any] = []
    written, total, households = 0, 0, 0
    report = RunReport()
    for household, keys in sorted(by_household.items()):
        found = ledgers.get(household)
        members = payees.get(household, {})
        county = county_of(regions.get(household, "330400"))
        share, label, max_failures = _standards(ledger, books, county, first_day)
        granted, grants_waiting = grant_lines(household, trail.grants.get(household, []), members)
        tried, cancelled, returns_waiting = retry_lines(
            household, retries.get(household, []), members, trail.recorded, max_failures
        )
        report.waiting += grants_waiting + returns_waiting
        if found is not None and found["last_run_period"] == period:
            continue  # this household's payments for the run are written already
        lines: list[PlannedLine] = []
        overpayments: list[dict[str, Any]] = []
        plans: list[tuple[KeyHistory, list[PlannedLine], list[dict[str, Any]], list[str]]] = []
        for key in sorted(keys, key=lambda k: (k[1], k[2] or "")):
            history = KeyHistory(
                _as_uuid(household),
                key[1],
                key[2],
                [
                    segment
                    for _, segment in sorted(
                        key_points[key].values(), key=lambda v: (v[1].effective_from, v[0])
                    )
                ],
                scheduled.get(key, {}),
                overpaid.get(key, {}),
                sum(overpaid.get(key, {}).values()) - recovered.get(key, 0),
            )
            months = covered if key in dirty else []
            planned, overs = plan_entitlement(history, period, months, share, label)
            plans.append((history, planned, overs, months))
        for _, planned, overs, _ in _move_ended_balances(plans, period, share, label):
            lines.extend(planned)
            overpayments.extend(overs)
        lines += tried + granted
        if not (lines or overpayments or cancelled):
            continue
        household_uuid = _as_uuid(household)
        line_dicts = [_line(household, household_uuid, period, line, members) for line in lines]
        line_dicts, _ = book.admit(county, line_dicts)
        if not (line_dicts or overpayments or cancelled):
            continue  # all held for a budget (listed by the book)
        _count(report, line_dicts)
        batch.append(
            _event(
                household_uuid,
                found,
                period,
                line_dicts,
                overpayments,
                cancelled,
                actor,
                first_day,
            )
        )
        written += len(line_dicts)
        total += sum(line["amount_fen"] for line in line_dicts)
        households += 1 if line_dicts else 0
        if len(batch) >= batch_size:
            _put(ledger, [*batch, *book.commitments(actor, first_day)])
            batch = []
    last = [*batch, *book.commitments(actor, first_day)]
    if last:
        _put(ledger, last)
    report.waiting += book.waiting()
    return written, total, households, report, book.report()


def _count(report: RunReport, lines: list[dict[str, Any]]) -> None:
    """A household's grant lines and re-issues, added to the run's report."""
    for line in lines:
        if line["kind"] == "grant" and not line["retry_of"]:
            report.grants += 1
            report.grants_fen += int(line["amount_fen"])
        if line["retry_of"]:
            report.reissued += 1
            report.reissued_fen += int(line["amount_fen"])


def _move_ended_balances(
    plans: list[tuple[KeyHistory, list[PlannedLine], list[dict[str, Any]], list[str]]],
    period: str,
    share: Fraction,
    label: str,
) -> list[tuple[KeyHistory, list[PlannedLine], list[dict[str, Any]], list[str]]]:
    """A household's plans, with what is still to recover of each entitlement that has
    ended moved to the first of its entitlements still paid this month, which is
    re-planned with it (the same share limit). With none paid, the balance stays where
    it is, still to recover (the reconciliation shows it)."""
    result = list(plans)
    for index in range(len(result)):
        history, planned, overs, months = result[index]
        balance = balance_after(history, planned, overs)
        if balance <= 0 or not has_ended(history, period):
            continue
        receiver = next(
            (
                i
                for i, (other, other_lines, _, _) in enumerate(result)
                if i != index
                and not has_ended(other, period)
                and any(line.kind == "regular" for line in other_lines)
            ),
            None,
        )
        if receiver is None:
            continue
        to, _, to_overs, to_months = result[receiver]
        moved_out, moved_in = move_balance(history, to, balance, period, label)
        result[index] = (history, planned, [*overs, moved_out], months)
        to = replace(to, recovery_balance=to.recovery_balance + balance)
        to_planned, to_new = plan_entitlement(to, period, to_months, share, label)
        earlier = [o for o in to_overs if o["period"] == moved_out["period"]]
        result[receiver] = (to, to_planned, [*to_new, *earlier, moved_in], to_months)
    return result


def _put(ledger: Ledger, events: list[Any]) -> None:
    """One transaction for a batch of ledger events. These are events, not aggregates,
    so they go straight to the application's event store (what `save` does with them,
    less its per-object protocol checks, which cost a fifth of a run)."""
    ledger.app.events.put(events)


def _standards(
    ledger: Ledger, books: dict[str, tuple[Fraction, str, int]], county: str, on: date
) -> tuple[Fraction, str, int]:
    """The recovery share and the most failures, as the household's county has them."""
    if county not in books:
        book = ledger.app.standards_book(county)
        share = book.ratio("recovery_max_share", on)[0]
        max_failures = int(book.ratio("payment_max_failures", on)[0])
        books[county] = (share, f"{format_ratio(share * 100)}%", max_failures)
    return books[county]


def _payee(
    programme: str, member_id: str | None, members: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    if programme in PERSON_LEVEL and member_id in members:
        person = members[member_id]
        if person.get("account_number"):
            return person
    with_account = [m for m in members.values() if m.get("account_number")]
    heads = [m for m in with_account if m["relation"] == "head"]
    if heads or with_account:
        return (heads or with_account)[0]
    heads = [m for m in members.values() if m["relation"] == "head"]
    return heads[0] if heads else next(iter(members.values()), None)


def _line(
    household: str,
    household_uuid: UUID,
    run_period: str,
    line: PlannedLine,
    members: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    if line.payee is not None:
        payee = members[line.payee]
    else:
        payee = _payee(line.programme, line.member_id, members) or {}
    if line.retry_of:
        paid_as = retry_payment_id(line.retry_of, run_period)
    elif line.payment_id is not None:
        paid_as = line.payment_id  # a grant: its own id
    else:
        paid_as = payment_id(
            household_uuid, line.programme, line.member_id, line.period, line.kind, run_period
        )
    return {
        "payment_id": paid_as,
        "household_id": household,
        "programme": line.programme,
        "member_id": line.member_id,
        "period": line.period,
        "kind": line.kind,
        "gross_fen": line.gross_fen,
        "recovered_fen": line.recovered_fen,
        "amount_fen": line.amount_fen,
        "payee_member_id": payee.get("member_id"),
        "payee_name": payee.get("name"),
        "account_kind": payee.get("account_kind"),
        "account_number": payee.get("account_number"),
        "bank_name": payee.get("bank_name"),
        "retry_of": line.retry_of,
        "failures": line.failures,
        "explanation": line.explanation,
    }


def _event(
    household: UUID,
    found: dict[str, Any] | None,
    period: str,
    lines: list[dict[str, Any]],
    overpayments: list[dict[str, Any]],
    cancelled: list[dict[str, Any]],
    actor: str,
    on: date,
) -> Any:
    check_unique_lines(lines)
    fields = {
        "run_period": period,
        "lines": lines,
        "overpayments": overpayments,
        "cancelled": cancelled,
        "actor": actor,
        "effective_on": on,
    }
    # Written without loading the ledger: its first event (Opened, version 1), or the
    # event at the next version, chained to the head the view knows. A concurrent writer
    # makes the save fail with IntegrityError (the version is taken), and the run
    # re-plans.
    if found is None:
        return next_event(
            PaymentLedger.Opened,
            originator_id=ledger_id(household),
            version=PaymentLedger.INITIAL_VERSION,
            previous=GENESIS,
            originator_topic=LEDGER_TOPIC,
            household_id=str(household),
            **fields,
        )
    return next_event(
        PaymentLedger.PaymentsScheduled,
        originator_id=_as_uuid(found["ledger_id"]),
        version=int(found["version"]) + 1,
        previous=found["chain_head"],
        **fields,
    )
