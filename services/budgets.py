"""Programme budgets (domain/budgets.py; docs/PAYMENTS.md "Budgets"): finance records
them and their overrides; the payment run checks every line against them
(`BudgetBook`); the supervision page and `ledger budget show` report spending against
them by month.

Committed, for a county's programme in a year: what the runs of the year released under
it (the lines of runs whose period is in the year, by the household's county), less
what the bank answered failed or returned and what was cancelled (that money did not go
out; a re-issue is a line of its own). Remaining: the budget less committed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.budgets import (
    COMMITTED,
    MAX_DOCUMENT,
    MAX_REASON,
    NO_BUDGET,
    Budget,
    budget_id,
    parse_amount,
    parse_county,
    parse_programme,
    parse_text,
    parse_year,
)
from domain.chain import next_event
from domain.errors import NotFoundError, PolicyRuleError
from domain.money import format_yuan
from domain.payments import parse_period, run_id
from domain.standards import COUNTIES
from projections import sql
from projections.interface import ViewStore

if TYPE_CHECKING:
    from services.ledger import Ledger

Key = tuple[str, str]  # (county, programme)


# ------------------------------------------------------------------ finance's records


def set_budget(
    ledger: Ledger,
    *,
    county: object,
    year: object,
    programme: object,
    amount: object,
    document: object,
    actor: str,
    on: date,
) -> dict[str, Any]:
    """Record a programme's budget for a county and year, or revise the one recorded
    (raised or lowered; every revision is kept). Checked whole before anything is
    recorded: the county, the year, the programme, the amount (yuan, more than 0) and
    the document reference."""
    code = parse_county(county)
    the_year = parse_year(year)
    name = parse_programme(programme)
    fen = parse_amount(amount)
    doc = parse_text(document, "document", MAX_DOCUMENT)

    def attempt() -> tuple[list[Any], bool]:
        try:
            found: Any = ledger.app.repository.get(budget_id(code, the_year, name))
        except AggregateNotFoundError:
            created = Budget.record(
                county=code,
                year=the_year,
                programme=name,
                amount_fen=fen,
                document=doc,
                actor=actor,
                on=on,
            )
            return [created], True
        assert isinstance(found, Budget)
        return [found], found.revise(amount_fen=fen, document=doc, actor=actor, on=on)

    ledger.app.retrying(attempt, "the budget")
    return show_budget(ledger, code, the_year, name)


def override_budget(
    ledger: Ledger,
    *,
    county: object,
    year: object,
    programme: object,
    run_period: object,
    reason: object,
    document: object = "",
    actor: str,
    on: date,
) -> dict[str, Any]:
    """Let the run of `run_period` release the budget's lines past its amount (who and
    why are recorded). The run must not be complete yet: a completed run's held lines
    are paid by the next run, so the override names that one."""
    code = parse_county(county)
    the_year = parse_year(year)
    name = parse_programme(programme)
    if not isinstance(run_period, str):
        parse_period("", "run_period")
    assert isinstance(run_period, str)
    parse_period(run_period, "run_period")
    why = parse_text(reason, "reason", MAX_REASON)
    doc = document.strip() if isinstance(document, str) else ""
    if len(doc) > MAX_DOCUMENT:
        parse_text(doc, "document", MAX_DOCUMENT)
    try:
        run: Any = ledger.app.repository.get(run_id(run_period))
    except AggregateNotFoundError:
        run = None
    if run is not None and run.completed:
        raise PolicyRuleError(
            f"the run for {run_period} is complete; the lines it held are paid by the next "
            "run: record the override for that run's month",
            "run_period",
        )

    def attempt() -> tuple[list[Any], bool]:
        try:
            found: Any = ledger.app.repository.get(budget_id(code, the_year, name))
        except AggregateNotFoundError:
            raise NotFoundError(
                f"no budget recorded for {name} in {code} {COUNTIES[code]} for {the_year}: "
                "record it first (nothing is held without one)",
                "programme",
            ) from None
        assert isinstance(found, Budget)
        changed = found.override(
            run_period=run_period, reason=why, document=doc, actor=actor, on=on
        )
        return [found], changed

    ledger.app.retrying(attempt, "the budget")
    return show_budget(ledger, code, the_year, name)


def show_budget(ledger: Ledger, county: str, year: int, programme: str) -> dict[str, Any]:
    """One budget as recorded (with its revisions and overrides) and spent so far."""
    found = [
        b
        for b in spending(ledger, year)["budgets"]
        if b["county"] == county and b["programme"] == programme
    ]
    return found[0]


# ------------------------------------------------------------------ reading the views


def committed_by_month(
    views: ViewStore, year: int, last_period: str | None = None
) -> dict[Key, dict[str, int]]:
    """Released per (county, programme) and run month of the year (fen), up to
    `last_period` (a run month) when given."""
    rows = views.query(
        sql.BUDGET_SPENDING,
        {"first": f"{year:04d}-01", "last": last_period or f"{year:04d}-12"},
    )
    out: dict[Key, dict[str, int]] = defaultdict(dict)
    for row in rows:
        out[(row["county"], row["programme"])][row["run_period"]] = int(row["amount_fen"])
    return out


def spending(ledger: Ledger, year: int, county: str | None = None) -> dict[str, Any]:
    """Spending against budget for a year (the views caught up first): every county's
    programme with a budget or with spending, its budget (or "no budget recorded"),
    committed and remaining, by month, with its revisions and overrides."""
    ledger.runner.catch_up()
    views = ledger.views
    months = [f"{year:04d}-{m:02d}" for m in range(1, 13)]
    budgets = {
        (r["county"], r["programme"]): r for r in views.query(sql.BUDGETS_OF_YEAR, {"year": year})
    }
    revisions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in views.query(sql.BUDGET_REVISIONS_OF_YEAR, {"year": year}):
        revisions[str(row["budget_id"])].append(row)
    overrides: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in views.query(sql.BUDGET_OVERRIDES_OF_YEAR, {"year": year}):
        overrides[str(row["budget_id"])].append(row)
    held: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for row in views.query(sql.BUDGET_HELD_OF_YEAR, {"year": year}):
        held[(row["county"], row["programme"])] = [int(row["lines"]), int(row["amount_fen"])]
    spent = committed_by_month(views, year)
    out = []
    for key in sorted(set(budgets) | set(spent)):
        if county is not None and key[0] != county:
            continue
        by_month = spent.get(key, {})
        committed = sum(by_month.values())
        row = budgets.get(key)
        amount = int(row["amount_fen"]) if row else None
        bid = str(row["budget_id"]) if row else None
        out.append(
            {
                "county": key[0],
                "county_name": COUNTIES.get(key[0], key[0]),
                "programme": key[1],
                "year": year,
                "budget": format_yuan(amount) if amount is not None else None,
                "budget_fen": amount,
                "document": row["document"] if row else None,
                "status": _status(amount, committed) if amount is not None else NO_BUDGET,
                "committed": format_yuan(committed),
                "committed_fen": committed,
                "remaining": format_yuan(amount - committed) if amount is not None else None,
                "remaining_fen": amount - committed if amount is not None else None,
                "held_lines": held[key][0] if key in held else 0,
                "held": format_yuan(held[key][1] if key in held else 0),
                "months": [
                    {
                        "month": month,
                        "spent": format_yuan(by_month.get(month, 0)),
                        "spent_fen": by_month.get(month, 0),
                        "to_date": format_yuan(sum(v for m, v in by_month.items() if m <= month)),
                    }
                    for month in months
                ],
                "revisions": [
                    {
                        "amount": format_yuan(int(r["amount_fen"])),
                        "document": r["document"],
                        "actor": r["actor"],
                        "on": str(r["effective_on"]),
                    }
                    for r in (revisions.get(bid, []) if bid else [])
                ],
                "overrides": [
                    {
                        "run_period": o["run_period"],
                        "reason": o["reason"],
                        "document": o["document"],
                        "actor": o["actor"],
                        "on": str(o["effective_on"]),
                    }
                    for o in (overrides.get(bid, []) if bid else [])
                ],
            }
        )
    return {"year": year, "months": months, "budgets": out}


def _status(amount: int, committed: int) -> str:
    if committed > amount:
        return "over budget"
    if committed == amount:
        return "spent"
    return "within budget"


# ------------------------------------------------------------------ the payment run


@dataclass
class Account:
    """One county's programme in a run: its budget (None: no budget recorded), what
    earlier runs of the year released, what this run released (written before this
    attempt, and planned in it), what it held, and the stream's head for the lock."""

    county: str
    programme: str
    budget_fen: int | None = None
    budget_id: UUID | None = None
    version: int = 0
    chain_head: str = ""
    override: dict[str, Any] | None = None
    earlier_fen: int = 0
    written_fen: int = 0
    released_fen: int = 0
    released_lines: int = 0
    held: dict[tuple[str, str, str, str, str], dict[str, Any]] = field(default_factory=dict)
    full: bool = False  # a line was held: every later line of it in the run waits too
    pending_fen: int = 0
    pending_lines: int = 0
    pending_held: list[dict[str, Any]] = field(default_factory=list)

    @property
    def committed_fen(self) -> int:
        return self.earlier_fen + self.written_fen + self.released_fen

    def report(self) -> dict[str, Any]:
        this_run = self.written_fen + self.released_fen
        held_fen = sum(int(item["amount_fen"]) for item in self.held.values())
        out: dict[str, Any] = {
            "county": self.county,
            "county_name": COUNTIES.get(self.county, self.county),
            "programme": self.programme,
            "budget_fen": self.budget_fen,
            "earlier_fen": self.earlier_fen,
            "this_run_fen": this_run,
            "committed_fen": self.committed_fen,
            "remaining_fen": (
                self.budget_fen - self.committed_fen if self.budget_fen is not None else None
            ),
            "held_lines": len(self.held),
            "held_fen": held_fen,
            "override": self.override,
        }
        if self.budget_fen is None:
            out["status"] = NO_BUDGET
        elif self.override is not None:
            out["status"] = "overridden"
        elif self.held:
            out["status"] = "held"
        else:
            out["status"] = "within budget"
        return out


class BudgetBook:
    """What a run reads of the budgets of its year, as of the run's catch-up, and
    checks each line against (in household order: the first line that does not fit
    waits, and so does every later line of that county's programme in the run, so the
    order of the households decides and no smaller line jumps the queue)."""

    def __init__(self, views: ViewStore, period: str) -> None:
        year = int(period[:4])
        self.period = period
        self.accounts: dict[Key, Account] = {}
        budgets = views.query(sql.BUDGETS_OF_YEAR, {"year": year})
        for row in budgets:
            key = (row["county"], row["programme"])
            self.accounts[key] = Account(
                key[0],
                key[1],
                budget_fen=int(row["amount_fen"]),
                budget_id=row["budget_id"]
                if isinstance(row["budget_id"], UUID)
                else UUID(str(row["budget_id"])),
                version=int(row["version"]),
                chain_head=row["chain_head"],
            )
        for row in views.query(sql.BUDGET_OVERRIDES_OF_RUN, {"period": period}):
            key = (row["county"], row["programme"])
            if key in self.accounts:
                self.accounts[key].override = {
                    "reason": row["reason"],
                    "document": row["document"],
                    "actor": row["actor"],
                }
        for key, months in committed_by_month(views, year, period).items():
            account = self._account(key)
            account.earlier_fen = sum(v for m, v in months.items() if m < period)
            account.written_fen = months.get(period, 0)
        for row in views.query(sql.BUDGET_HOLDS_OF_RUN, {"period": period}):
            account = self._account((row["county"], row["programme"]))
            account.held[_held_key(row)] = {**row, "member_id": row["member_id"] or None}
            account.full = True
        self.held_keys = {
            (str(r["household_id"]), r["programme"], r["member_id"] or None)
            for r in views.query(sql.BUDGET_HELD_KEYS, {"period": period})
        }

    def _account(self, key: Key) -> Account:
        if key not in self.accounts:
            self.accounts[key] = Account(*key)
        return self.accounts[key]

    def admit(
        self, county: str, lines: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """A household's lines split into those released and those held (each held
        one an item that waits, with its reason)."""
        released: list[dict[str, Any]] = []
        held: list[dict[str, Any]] = []
        for line in lines:
            account = self._account((county, line["programme"]))
            amount = int(line["amount_fen"])
            limit = account.budget_fen
            if limit is None or account.override is not None:
                fits = True
            else:
                fits = not account.full and account.committed_fen + amount <= limit
            if not fits:
                account.full = True
                item = self._held_item(account, line, county)
                account.held.setdefault(_held_key(item), item)
                account.pending_held.append(item)
                held.append(item)
                continue
            released.append(line)
            account.released_fen += amount
            account.released_lines += 1
            if account.budget_id is not None:
                account.pending_fen += amount
                account.pending_lines += 1
        return released, held

    def _held_item(self, account: Account, line: dict[str, Any], county: str) -> dict[str, Any]:
        assert account.budget_fen is not None
        remaining = account.budget_fen - account.committed_fen
        return {
            "kind": "budget",
            "payment_id": str(line["payment_id"]),
            "household_id": str(line["household_id"]),
            "programme": line["programme"],
            "member_id": line["member_id"] or None,
            "period": line["period"],
            "line_kind": line["kind"],
            "amount_fen": int(line["amount_fen"]),
            "why": (
                f"held: the {year_of(self.period)} budget of {line['programme']} in "
                f"{county} {COUNTIES.get(county, '')} is {format_yuan(account.budget_fen)}, "
                f"{format_yuan(account.committed_fen)} committed, "
                f"{format_yuan(max(remaining, 0))} remaining"
                + (" (an earlier line of it waits already)" if account.full else "")
                + f"; this line is {format_yuan(int(line['amount_fen']))}: it is paid by "
                "the first run the budget allows (raised, or an override for that run), "
                "as arrears if it is a monthly line"
            ),
        }

    def commitments(self, actor: str, on: date) -> list[Any]:
        """The budgets' `Committed` events for the batch about to be written (its lines
        released and held under each budget), each at the next version of its stream;
        the batch's transaction fails if another writer took that version."""
        events = []
        for account in self.accounts.values():
            if account.budget_id is None or not (account.pending_lines or account.pending_held):
                continue
            event = next_event(
                COMMITTED,
                originator_id=account.budget_id,
                version=account.version + 1,
                previous=account.chain_head,
                run_period=self.period,
                amount_fen=account.pending_fen,
                lines=account.pending_lines,
                held=[
                    {
                        "household_id": item["household_id"],
                        "programme": item["programme"],
                        "member_id": item["member_id"],
                        "period": item["period"],
                        "kind": item["line_kind"],
                        "amount_fen": item["amount_fen"],
                    }
                    for item in account.pending_held
                ],
                actor=actor,
                effective_on=on,
            )
            account.version += 1
            account.chain_head = event.chain
            account.pending_fen = account.pending_lines = 0
            account.pending_held = []
            events.append(event)
        return events

    def report(self) -> list[dict[str, Any]]:
        """Per county and programme the run touched or with a budget: the budget,
        committed before and by this run, remaining, and what was held."""
        return [
            self.accounts[key].report()
            for key in sorted(self.accounts)
            if self.accounts[key].budget_fen is not None
            or self.accounts[key].committed_fen
            or self.accounts[key].written_fen
            or self.accounts[key].released_lines
        ]

    def waiting(self) -> list[dict[str, Any]]:
        """Every line of the run held for a budget (this attempt's and earlier ones')."""
        return [
            _waiting_item(item, self.period)
            for key in sorted(self.accounts)
            for item in self.accounts[key].held.values()
        ]


def _held_key(item: dict[str, Any]) -> tuple[str, str, str, str, str]:
    return (
        str(item["household_id"]),
        item["programme"],
        item["member_id"] or "",
        item["period"],
        item.get("line_kind") or item["kind"],
    )


def _waiting_item(item: dict[str, Any], period: str) -> dict[str, Any]:
    if "why" in item:
        return {k: v for k, v in item.items() if k != "line_kind"}
    return {  # read back from the view (an earlier attempt of the run held it)
        "kind": "budget",
        "payment_id": "",
        "household_id": str(item["household_id"]),
        "programme": item["programme"],
        "member_id": item["member_id"] or None,
        "period": item["period"],
        "amount_fen": int(item["amount_fen"]),
        "why": f"held for the {period[:4]} budget of {item['programme']} ({item['kind']})",
    }


def year_of(period: str) -> int:
    return int(period[:4])


def run_budgets(ledger: Ledger, period: str) -> list[dict[str, Any]]:
    """A run's budget report as the views have it now (for a run asked again)."""
    ledger.runner.catch_up()
    book = BudgetBook(ledger.views, period)
    return book.report()
