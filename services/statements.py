"""The bank's statement read back (docs/PAYMENTS.md, "Bank statements").

`import_statement` reads a camt.053.001.02 statement or camt.054.001.02 notification
(checked against the official XSD first: services/camt.py) and matches each entry to
its payment by end-to-end id (the payment id the pain.001 wrote) and amount:

- a booked debit of the payment's amount records the payment as paid, a credit back
  with a return reason (AC04 closed account, AC01, BE01 wrong name, ...) records it as
  returned (退票): the same answers, by the same rule, as one acknowledgement over the
  API (`domain.payments.answer_changes`), so a return is owed to the household again
  and re-issued once by the first run after an account is recorded (services/payouts.py);
- an entry no payment has, one of another amount, and one that contradicts what the
  payment already is (a return of a cancelled payment) record nothing on the payment and
  are kept as the statement's exceptions, for finance; pending (PDNG) and information
  (INFO) entries record nothing.

The answers are written to the payment ledgers without loading them (chained to the
heads the payments view knows, like the payment run), 2,000 a transaction, with the
statement's own stream (its id derived from the statement's id) in the last. So a
statement imported twice records once (the same content: nothing new; other content
under the same id: refused, naming it); an entry already answered (by the API, or by a
notification before the day's statement) records nothing again; an import cut short is
finished by importing the file again; and a file refused by the schema or the rules
records nothing at all.

`statement_exceptions` lists for finance the exceptions of every statement imported,
and the payments sent (in a run's pain.001, with an account) that no entry has answered
`LEDGER_STATEMENT_LATE_DAYS` days after the run's execution date (the 1st of its month).
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.chain import next_event
from domain.errors import ConflictError, InvalidInputError
from domain.money import format_yuan
from domain.payments import MAX_REASON, PaymentLedger, answer_changes, ledger_id
from domain.statements import BankStatement, statement_id
from projections import sql
from projections.pain001 import end_to_end_id_for
from services.camt import STATEMENT, BankEntry, Entry, Statement, build, parse
from services.clock import BEIJING

if TYPE_CHECKING:
    from services.ledger import Ledger

CHUNK = 500  # ids per `IN (...)` of the bulk lookups
WRITE_BATCH = 2000  # answers per transaction
PAYER_ACCOUNT = "330400000000000000"  # the programme's paying account (the pain.001's debtor)


@dataclass
class ImportResult:
    """What an import recorded (`recorded` False: the statement was imported before and
    nothing was recorded now), with the counts of its entries."""

    statement_id: str
    message: str
    recorded: bool
    entries: int = 0
    paid: int = 0
    paid_fen: int = 0
    returned: int = 0
    returned_fen: int = 0
    already: int = 0
    pending: int = 0
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, Any]:
        return {
            "statement_id": self.statement_id,
            "message": self.message,
            "recorded": self.recorded,
            "entries": self.entries,
            "paid": self.paid,
            "paid_amount": format_yuan(self.paid_fen),
            "returned": self.returned,
            "returned_amount": format_yuan(self.returned_fen),
            "already_recorded": self.already,
            "pending": self.pending,
            "exceptions": len(self.exceptions),
            **{
                kind: sum(1 for e in self.exceptions if e["kind"] == kind)
                for kind in ("unmatched", "amount_mismatch", "contradicts")
            },
        }


def payment_id_of(end_to_end_id: str) -> str:
    """The payment id an end-to-end id names: the pain.001 wrote a UUID payment id as its
    32 hex digits (projections/pain001.py); any other id as it is."""
    try:
        return str(uuid.UUID(end_to_end_id))
    except ValueError:
        return end_to_end_id


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _in_query(ledger: Ledger, statement: str, ids: list[str]) -> list[dict[str, Any]]:
    """`statement` with `IN (:ids)` for every id, `CHUNK` ids a query."""
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(ids):
        names = [f"i{n}" for n in range(len(chunk))]
        text = statement.replace(":ids", ", ".join(f":{n}" for n in names))
        rows += ledger.views.query(text, dict(zip(names, chunk, strict=True)))
    return rows


def find_payments(ledger: Ledger, ids: list[str], *, plain: bool = False) -> dict[str, Any]:
    """The payments with these ids, from the payments view: `CHUNK` a query, or (plain,
    the baseline of `ledger bench`) one query per id."""
    unique = list(dict.fromkeys(ids))
    if plain:
        found: dict[str, Any] = {}
        for pid in unique:
            for row in ledger.views.query(sql.PAYMENT_BY_ID, {"payment_id": pid}):
                found[str(row["payment_id"])] = row
        return found
    return {str(r["payment_id"]): r for r in _in_query(ledger, sql.STATEMENT_PAYMENTS, unique)}


def _existing(ledger: Ledger, key: UUID) -> BankStatement | None:
    try:
        found: Any = ledger.app.repository.get(key)
    except AggregateNotFoundError:
        return None
    assert isinstance(found, BankStatement)
    return found


def _result(found: BankStatement, recorded: bool) -> ImportResult:
    names = ("entries", "paid", "paid_fen", "returned", "returned_fen", "already", "pending")
    return ImportResult(
        found.statement_id,
        found.message,
        recorded,
        **{name: int(getattr(found, name)) for name in names},
        exceptions=list(found.exceptions),
    )


def import_statement(
    ledger: Ledger, data: bytes, actor: str, *, plain: bool = False, attempts: int = 8
) -> ImportResult:
    """Import one statement file (the module's docstring). Raises StatementError (a bad
    file, naming the line and element) and ConflictError (the statement's id was
    imported with other content) with nothing recorded."""
    started = time.perf_counter()
    statement = parse(data)
    parsed = time.perf_counter()
    if not statement.statement_id:
        raise InvalidInputError("the statement has no Id", "statement_id")
    key = statement_id(statement.statement_id)
    for _ in range(attempts):
        found = _existing(ledger, key)
        if found is not None:
            if found.digest != statement.digest:
                raise ConflictError(
                    f"statement {statement.statement_id} was imported on "
                    f"{found.effective_on} with other content; a corrected statement "
                    "needs an id of its own (nothing recorded)",
                    "statement_id",
                )
            return _result(found, recorded=False)
        ledger.runner.catch_up()
        caught_up = time.perf_counter()
        plan = _plan(ledger, statement, actor, plain=plain)
        planned = time.perf_counter()
        try:
            _write(ledger, [*plan.events, plan.statement_event])
        except IntegrityError:
            continue  # another writer got to a ledger or to this statement: plan again
        written = time.perf_counter()
        plan.result.timings = {
            "parse_and_validate": parsed - started,
            "catch_up": caught_up - parsed,
            "match": plan.matched_in,
            "plan": planned - caught_up - plan.matched_in,
            "write": written - planned,
        }
        return plan.result
    raise ConflictError("the payment ledgers changed concurrently too often; import again")


def _write(ledger: Ledger, events: list[Any]) -> None:
    """`WRITE_BATCH` events a transaction, the statement's own event with the last: one
    transaction of 100,000 answers took PostgreSQL many minutes (`ledger bench --only
    statements`), batches of the payment run's size do not. An import cut short has
    written some answers and not the statement: the file imported again finds them
    answered (`already_recorded`) and writes the rest and the statement."""
    for start in range(0, len(events), WRITE_BATCH):
        ledger.app.events.put(events[start : start + WRITE_BATCH])


@dataclass
class _Plan:
    result: ImportResult
    events: list[Any]
    statement_event: Any
    matched_in: float


def _at(entry: Entry, statement: Statement) -> datetime:
    """When the bank answered: the entry's booking day (Beijing), else the statement's
    creation time."""
    if entry.booked_on:
        return datetime.fromisoformat(entry.booked_on).replace(tzinfo=BEIJING)
    created = datetime.fromisoformat(statement.created_at.replace("Z", "+00:00"))
    return created if created.tzinfo else created.replace(tzinfo=BEIJING)


def _plan(ledger: Ledger, statement: Statement, actor: str, *, plain: bool) -> _Plan:
    result = ImportResult(statement.statement_id, statement.message, recorded=True)
    result.entries = len(statement.entries)
    started = time.perf_counter()
    ids = [payment_id_of(e.end_to_end_id) for e in statement.entries if e.end_to_end_id]
    payments = find_payments(ledger, ids, plain=plain)
    matched_in = time.perf_counter() - started
    state: dict[str, tuple[str, str | None]] = {
        pid: (str(row["status"]), row["bank_reference"]) for pid, row in payments.items()
    }
    answers: dict[str, list[dict[str, Any]]] = defaultdict(list)  # by household
    for entry in statement.entries:
        if entry.status != "BOOK":
            result.pending += 1
            continue
        pid = payment_id_of(entry.end_to_end_id) if entry.end_to_end_id else None
        payment = payments.get(pid) if pid else None
        if payment is None:
            result.exceptions.append(_exception(entry, "unmatched", None, _unmatched(entry)))
            continue
        expected = int(payment["amount_fen"])
        if entry.amount_fen != expected:
            result.exceptions.append(
                _exception(
                    entry,
                    "amount_mismatch",
                    payment,
                    f"the bank's {format_yuan(entry.amount_fen)} is not the payment's "
                    f"{format_yuan(expected)}: nothing recorded on the payment",
                )
            )
            continue
        status = "returned" if entry.returned else "paid"
        reason = entry.reason[:MAX_REASON]
        current, reference = state[str(pid)]
        if current == status:
            result.already += 1  # answered already (this entry, or over the API)
            continue
        try:
            answer_changes(str(pid), current, reference, status, entry.entry_id, reason)
        except ConflictError as error:
            result.exceptions.append(_exception(entry, "contradicts", payment, str(error)))
            continue
        state[str(pid)] = (status, entry.entry_id)
        answers[str(payment["household_id"])].append(
            {
                "payment_id": str(pid),
                "status": status,
                "bank_reference": entry.entry_id,
                "reason": reason,
                "at": _at(entry, statement),
            }
        )
        if status == "paid":
            result.paid += 1
            result.paid_fen += entry.amount_fen
        else:
            result.returned += 1
            result.returned_fen += entry.amount_fen
    events = _answer_events(ledger, answers, actor)
    today = datetime.now(BEIJING).date()
    created: Any = BankStatement._create(
        BankStatement.Imported,
        id=statement_id(statement.statement_id),
        statement_id=statement.statement_id,
        message=statement.message,
        message_id=statement.message_id,
        digest=statement.digest,
        created_at=statement.created_at,
        entries=result.entries,
        paid=result.paid,
        paid_fen=result.paid_fen,
        returned=result.returned,
        returned_fen=result.returned_fen,
        already=result.already,
        pending=result.pending,
        exceptions=result.exceptions,
        actor=actor,
        effective_on=today,
    )
    [imported] = created.collect_events()
    return _Plan(result, events, imported, matched_in)


def _unmatched(entry: Entry) -> str:
    if not entry.end_to_end_id:
        return "the entry carries no end-to-end id: no payment of the ledger"
    return f"no payment has the end-to-end id {entry.end_to_end_id}"


def _exception(entry: Entry, kind: str, payment: dict[str, Any] | None, why: str) -> dict[str, Any]:
    return {
        "entry_id": entry.entry_id,
        "kind": kind,
        "end_to_end_id": entry.end_to_end_id,
        "payment_id": str(payment["payment_id"]) if payment else None,
        "household_id": str(payment["household_id"]) if payment else None,
        "amount_fen": entry.amount_fen,
        "expected_fen": int(payment["amount_fen"]) if payment else None,
        "direction": "CRDT" if entry.credit else "DBIT",
        "booked_on": entry.booked_on,
        "line": entry.line,
        "why": why,
    }


def _answer_events(
    ledger: Ledger, answers: dict[str, list[dict[str, Any]]], actor: str
) -> list[Any]:
    """The answers as events at the next versions of the households' payment ledgers,
    chained to the heads the payments view knows (a stale head is a stale version,
    which the event store refuses: the import plans again)."""
    by_ledger = {str(ledger_id(UUID(h))): h for h in answers}
    heads = {
        str(r["ledger_id"]): r for r in _in_query(ledger, sql.STATEMENT_LEDGERS, list(by_ledger))
    }
    events: list[Any] = []
    for lid, household in by_ledger.items():
        head = heads[lid]
        version, previous = int(head["version"]), str(head["chain_head"])
        for answer in answers[household]:
            returned = answer["status"] == "returned"
            given: dict[str, Any] = {"reason": answer["reason"]} if returned else {}
            version += 1
            event = next_event(
                PaymentLedger.PaymentReturned if returned else PaymentLedger.PaymentAcknowledged,
                originator_id=UUID(lid),
                version=version,
                previous=previous,
                payment_id=answer["payment_id"],
                status=answer["status"],
                bank_reference=answer["bank_reference"],
                at=answer["at"].isoformat(),
                actor=actor,
                effective_on=answer["at"].date(),
                **given,
            )
            previous = event.chain
            events.append(event)
    return events


# ------------------------------------------------------------------- for finance


def statement_exceptions(ledger: Ledger, as_of: date, late_days: int) -> dict[str, Any]:
    """What finance must look at (views caught up first): every exception of the
    statements imported (each entry once), and the payments sent that no statement has
    answered `late_days` days after their run's execution date (the 1st of the run's
    month, the pain.001's requested execution date), as of `as_of`."""
    ledger.runner.catch_up()
    views = ledger.views
    last = as_of - timedelta(days=late_days + 1)
    late = []
    for row in views.query(sql.STATEMENT_UNANSWERED, {"last_period": f"{last:%Y-%m}"}):
        sent_on = date.fromisoformat(f"{row['run_period']}-01")
        late.append({**row, "sent_on": sent_on, "days": (as_of - sent_on).days})
    return {
        "as_of": as_of,
        "late_days": late_days,
        "statements": views.query(sql.STATEMENTS, {}),
        "exceptions": views.query(sql.STATEMENT_EXCEPTIONS, {}),
        "late": late,
    }


def statement_for_run(
    rows: Iterable[dict[str, Any]],
    bank_statement_id: str,
    booked_on: date,
    *,
    returns: dict[str, tuple[str, str]] | None = None,
    amounts: dict[str, int] | None = None,
    extra: Iterable[BankEntry] = (),
    message: str = STATEMENT,
) -> bytes:
    """What the bank sends back for a run's pain.001 (the demo city, the tests, `ledger
    bench`): a booked debit for each payment with an account (`rows`: the run's feed),
    under the end-to-end id the pain.001 wrote, except those in `returns` (payment id:
    (reason code, the bank's words), credited back) and with the amounts in `amounts`
    instead of the payment's; then the `extra` entries."""
    returns, amounts = returns or {}, amounts or {}
    entries: list[BankEntry] = []
    for n, row in enumerate(rows, start=1):
        pid = str(row["payment_id"])
        if not row.get("account_number") or int(row["amount_fen"]) <= 0:
            continue
        if row.get("status") == "cancelled":
            continue
        code, info = returns.get(pid, (None, None))
        entries.append(
            BankEntry(
                f"{bank_statement_id}-{n}",
                end_to_end_id_for(pid),
                amounts.get(pid, int(row["amount_fen"])),
                booked_on,
                return_code=code,
                return_info=info,
            )
        )
    entries += list(extra)
    return build(
        statement_id=bank_statement_id,
        created_at=datetime.combine(booked_on, datetime.min.time(), BEIJING) + timedelta(hours=18),
        account=PAYER_ACCOUNT,
        entries=entries,
        message=message,
    )
