"""Programme budgets (POLICY 四(四) supervision; docs/PAYMENTS.md "Budgets"): finance
records each programme's annual budget per county, with its document reference; a
payment run never releases lines past it unless finance records an override for that
run, naming who and why.

One `Budget` stream per county, year and programme (its id derived from the three), so
recording a budget never competes with a household's commands. Its events:

- `Set` (the first) and `Revised` (raised or lowered later): the amount in fen and the
  document (e.g. 嘉民〔2025〕12号); every revision is kept.
- `Overridden`: for one run period, the run may release this budget's lines past the
  amount; who and why.
- `Committed`: written by a payment run in the same transaction as a batch of lines it
  releases under the budget (the amount, and the lines it held back), at the next
  version of the stream. Two runs writing at once both write the next version: the
  store refuses the second, which re-plans from the new state, so two runs can never
  together release past the budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.chain import Chained, ChainedEvent
from domain.errors import InvalidInputError, PolicyRuleError
from domain.money import parse_yuan
from domain.policy.registry import REGISTRY
from domain.standards import COUNTIES

MAX_DOCUMENT = 100  # a document reference such as 嘉民〔2025〕12号
MAX_REASON = 500
NO_BUDGET = "no budget recorded"
# What the run's report and the supervision page say of a county's programme, and the
# kind of a line held for a budget in what waits (the web's i18n CODES words them).
BUDGET_STATUSES = (
    "within budget",
    "spent",
    "over budget",
    "held",
    "overridden",
    NO_BUDGET,
    "budget",
)


def budget_id(county: str, year: int, programme: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:budget:{county}|{year}|{programme}")


def parse_county(value: object, field: str = "county") -> str:
    """A county of Jiaxing by its six-digit code (330421) or its name (嘉善县)."""
    if isinstance(value, str):
        text = value.strip()
        if text in COUNTIES:
            return text
        for code, name in COUNTIES.items():
            if text == name:
                return code
    known = ", ".join(f"{code} {name}" for code, name in COUNTIES.items())
    raise InvalidInputError(
        f"{field} must be one of Jiaxing's counties by code or name ({known}); got {value!r}",
        field,
    )


def parse_programme(value: object, field: str = "programme") -> str:
    if isinstance(value, str) and value in REGISTRY.names():
        return value
    raise InvalidInputError(
        f"{field} must be a programme of the registry ({', '.join(REGISTRY.names())}); "
        f"got {value!r}",
        field,
    )


def parse_year(value: object, field: str = "year") -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidInputError(f"{field} must be a year such as 2025", field)
    text = str(value).strip()
    if not (text.isdigit() and len(text) == 4 and 2000 <= int(text) <= 2100):
        raise InvalidInputError(
            f"{field} must be a year between 2000 and 2100; got {value!r}", field
        )
    return int(text)


def parse_amount(value: object, field: str = "amount") -> int:
    fen = parse_yuan(value, field)
    if fen <= 0:
        raise InvalidInputError(f"{field} must be more than 0.00 yuan; got {value!r}", field)
    return fen


def parse_text(value: object, field: str, most: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{field} must be given (a non-empty text)", field)
    text = value.strip()
    if len(text) > most:
        raise InvalidInputError(f"{field} must be at most {most} characters", field)
    return text


@dataclass(frozen=True)
class Revision:
    amount_fen: int
    document: str
    actor: str
    effective_on: date


@dataclass(frozen=True)
class Override:
    run_period: str
    reason: str
    document: str
    actor: str
    effective_on: date


class Budget(Chained):
    """One programme's annual budget in one county."""

    class Event(ChainedEvent):
        actor: str
        effective_on: date

    class Set(Event, Aggregate.Created):
        county: str
        year: int
        programme: str
        amount_fen: int
        document: str

    class Revised(Event):
        amount_fen: int
        document: str

        def apply(self, aggregate: Budget) -> None:
            aggregate.amount_fen = self.amount_fen
            aggregate.document = self.document
            aggregate.revisions.append(
                Revision(self.amount_fen, self.document, self.actor, self.effective_on)
            )

    class Overridden(Event):
        run_period: str
        reason: str
        document: str

        def apply(self, aggregate: Budget) -> None:
            aggregate.overrides[self.run_period] = Override(
                self.run_period, self.reason, self.document, self.actor, self.effective_on
            )

    class Committed(Event):
        """A run's batch under this budget: what it released (fen, lines) and what it
        held back ({household_id, programme, member_id, period, kind, amount_fen})."""

        run_period: str
        amount_fen: int
        lines: int
        held: list[dict[str, Any]]

        def apply(self, aggregate: Budget) -> None:
            aggregate.committed_fen += self.amount_fen

    def __init__(
        self, county: str, year: int, programme: str, amount_fen: int, document: str
    ) -> None:
        self.county = county
        self.year = year
        self.programme = programme
        self.amount_fen = amount_fen
        self.document = document
        self.revisions: list[Revision] = []
        self.overrides: dict[str, Override] = {}
        self.committed_fen = 0  # what runs released under it since it was recorded

    @classmethod
    def record(
        cls,
        *,
        county: str,
        year: int,
        programme: str,
        amount_fen: int,
        document: str,
        actor: str,
        on: date,
    ) -> Budget:
        created: Budget = cls._create(
            cls.Set,
            id=budget_id(county, year, programme),
            county=county,
            year=year,
            programme=programme,
            amount_fen=amount_fen,
            document=document,
            actor=actor,
            effective_on=on,
        )
        created.revisions.append(Revision(amount_fen, document, actor, on))
        return created

    def revise(self, *, amount_fen: int, document: str, actor: str, on: date) -> bool:
        """Raise or lower the budget (False: it stands at that amount and document
        already, nothing is recorded)."""
        if amount_fen == self.amount_fen and document == self.document:
            return False
        self.trigger_event(
            self.Revised, amount_fen=amount_fen, document=document, actor=actor, effective_on=on
        )
        return True

    def override(
        self, *, run_period: str, reason: str, document: str, actor: str, on: date
    ) -> bool:
        """Let the run of `run_period` release this budget's lines past the amount
        (False: the same override is recorded already)."""
        if int(run_period[:4]) != self.year:
            raise PolicyRuleError(
                f"run_period {run_period} is not in the budget's year {self.year}", "run_period"
            )
        found = self.overrides.get(run_period)
        if found is not None:
            if found.reason == reason and found.document == document:
                return False
            raise PolicyRuleError(
                f"an override for the run of {run_period} is recorded already "
                f"(by {found.actor}: {found.reason})",
                "run_period",
            )
        self.trigger_event(
            self.Overridden,
            run_period=run_period,
            reason=reason,
            document=document,
            actor=actor,
            effective_on=on,
        )
        return True


# Written by the payment run without loading the stream (domain.chain.next_event).
COMMITTED = Budget.Committed
