"""The standards timeline (POLICY ch. 3): one `Standards` aggregate per jurisdiction.

A change has a key, a value, the date it takes effect, its legal basis and who
made it. Changes may be recorded after the date they take effect (retroactive).
A county's own value overrides the city's from its effective date (POLICY ch. 10).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.chain import Chained, ChainedEvent
from domain.errors import InvalidInputError, NotFoundError
from domain.money import format_ratio, parse_ratio, parse_yuan
from domain.policy.base import START, Kind, Parameter, ProposedChange, StandardValue
from domain.policy.registry import REGISTRY

CITY_CODE = "330400"


def region_prefix(region_code: str) -> str:
    """The code prefix of a region's households: the city's own code (330400) stands for
    the whole city (3304…), a county's or lower code for itself."""
    return "3304" if region_code == CITY_CODE else region_code


COUNTIES = {
    "330402": "南湖区",
    "330411": "秀洲区",
    "330421": "嘉善县",
    "330424": "海盐县",
    "330481": "海宁市",
    "330482": "平湖市",
    "330483": "桐乡市",
}
SEED_ACTOR = "system:seed"
PLAN_BASIS = "嘉兴市“共富十助”专项行动方案 (2023-12-13)"


# Every standard, declared once by its plan item's module (domain/policy/), in the order
# a new city stream records them; `REGISTRY.parameters` itself, so a module listed later
# (a test's fictitious programme) is a standard too.
KEYS: dict[str, Parameter] = REGISTRY.parameters


@dataclass(frozen=True)
class Seed:
    key: str
    value: StandardValue
    effective_from: date
    placeholder: bool
    basis: str


def seeds() -> tuple[Seed, ...]:
    """Every default of POLICY.md. `placeholder=True` marks a PARAM: a figure the plan does
    not state, for the local bureau to set (docs/STANDARDS.md lists them)."""
    return tuple(
        Seed(key, d.value, d.effective_from, d.placeholder, d.basis) for key, d in REGISTRY.seeds()
    )


def standards_id(region_code: str) -> UUID:
    """The deterministic stream id of a jurisdiction's standards."""
    return uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:standards:{region_code}")


def county_of(region_code: str) -> str:
    """The six-digit county code of a region code (or the city code)."""
    return region_code[:6]


def validate_region_code(region_code: object, field: str = "region_code") -> str:
    """Six digits (or 12 with township and village) inside Jiaxing (GB/T 2260, POLICY ch. 10)."""
    if (
        not isinstance(region_code, str)
        or not region_code.isdigit()
        or len(region_code)
        not in (
            6,
            9,
            12,
        )
    ):
        raise InvalidInputError(
            f"{field} must be a GB/T 2260 division code of 6 digits, optionally followed "
            "by township and village digits (9 or 12 in all)",
            field,
        )
    county = county_of(region_code)
    if county != CITY_CODE and county not in COUNTIES:
        raise InvalidInputError(
            f"{field} {region_code} is not in Jiaxing: the county part must be 330400 or one "
            f"of {', '.join(sorted(COUNTIES))}",
            field,
        )
    return region_code


def format_value(key: str, value: StandardValue) -> str:
    return KEYS[key].format(value)


def parse_value(key: str, text: object, field: str = "value") -> StandardValue:
    if KEYS[key].kind is Kind.MONEY:
        return parse_yuan(text, field)
    return parse_ratio(text, field)


@dataclass(frozen=True)
class InForce:
    """A standard's value in force on a date, and which recorded change set it."""

    key: str
    value: StandardValue
    effective_from: date
    region_code: str
    version: int

    @property
    def label(self) -> str:
        """The standard version as written in entitlements: `330400/v3`."""
        return f"{self.region_code}/v{self.version}"


@dataclass(frozen=True)
class Change:
    key: str
    value: StandardValue
    effective_from: date
    version: int
    actor: str = ""


class Standards(Chained):
    """The standards of one jurisdiction (the city, or a county overriding it)."""

    class Event(ChainedEvent):
        actor: str
        effective_on: date

    class Opened(Event, Aggregate.Created):
        region_code: str

    class StandardChanged(Event):
        key: str
        amount_fen: int | None
        ratio: str | None
        basis: str
        placeholder: bool
        cited_income_growth: str | None
        cited_urban_consumption_fen: int | None
        override_reason: str | None

        def apply(self, aggregate: Standards) -> None:
            value: StandardValue = (
                self.amount_fen if self.amount_fen is not None else Fraction(self.ratio or "0")
            )
            aggregate.changes.append(
                Change(self.key, value, self.effective_on, self.originator_version, self.actor)
            )

    class PropagationCompleted(Event):
        """Every household the change of `version` can affect has been recomputed
        (`adjusted` changes recorded); `refused` lists the households whose recompute a
        rule refused, each with the field and the message, for a caseworker to resolve."""

        version: int
        adjusted: int
        refused: list[dict[str, str]]

        def apply(self, aggregate: Standards) -> None:
            aggregate.propagated.add(self.version)

    def __init__(self, region_code: str) -> None:
        self.region_code = region_code
        self.changes: list[Change] = []
        self.propagated: set[int] = set()  # versions whose propagation completed

    @classmethod
    def open(cls, region_code: str, actor: str, effective_on: date) -> Standards:
        created: Standards = cls._create(
            cls.Opened,
            id=standards_id(region_code),
            region_code=region_code,
            actor=actor,
            effective_on=effective_on,
        )
        return created

    def in_force(self, key: str, on: date) -> InForce | None:
        """The latest-effective change of `key` on `on`; ties go to the later record."""
        best: Change | None = None
        for change in self.changes:
            if change.key != key or change.effective_from > on:
                continue
            if best is None or (change.effective_from, change.version) >= (
                best.effective_from,
                best.version,
            ):
                best = change
        if best is None:
            return None
        return InForce(key, best.value, best.effective_from, self.region_code, best.version)

    def change_dates(self, key: str) -> set[date]:
        return {c.effective_from for c in self.changes if c.key == key}

    def change(self, version: int) -> Change:
        for change in self.changes:
            if change.version == version:
                return change
        raise NotFoundError(f"no change {self.region_code}/v{version}", "version")

    def unfinished(self, keys: Collection[str]) -> list[Change]:
        """Recorded changes of `keys` (which reach households) whose propagation has not
        been completed: cut short, or recorded before completion was recorded. Seeds
        precede every household and need none."""
        return [
            c
            for c in self.changes
            if c.key in keys and c.actor != SEED_ACTOR and c.version not in self.propagated
        ]

    def complete_propagation(
        self, version: int, *, adjusted: int, refused: list[dict[str, str]], actor: str
    ) -> None:
        change = self.change(version)
        self.trigger_event(
            self.PropagationCompleted,
            version=version,
            adjusted=adjusted,
            refused=refused,
            actor=actor,
            effective_on=change.effective_from,
        )

    def record_change(
        self,
        *,
        key: str,
        value: StandardValue,
        effective_from: date,
        basis: str,
        actor: str,
        placeholder: bool = False,
        cited_income_growth: Fraction | None = None,
        cited_urban_consumption_fen: int | None = None,
        override_reason: str | None = None,
    ) -> None:
        self.trigger_event(
            self.StandardChanged,
            key=key,
            amount_fen=int(value) if KEYS[key].kind is Kind.MONEY else None,
            ratio=format_ratio(Fraction(value)) if KEYS[key].kind is Kind.RATIO else None,
            basis=basis,
            placeholder=placeholder,
            cited_income_growth=(
                format_ratio(cited_income_growth) if cited_income_growth is not None else None
            ),
            cited_urban_consumption_fen=cited_urban_consumption_fen,
            override_reason=override_reason,
            actor=actor,
            effective_on=effective_from,
        )


def default_city_standards() -> Standards:
    """The city's standards stream opened with every default of POLICY.md (unsaved)."""
    standards = Standards.open(CITY_CODE, SEED_ACTOR, START)
    add_missing_seeds(standards)
    return standards


def add_missing_seeds(standards: Standards) -> int:
    """Record the defaults of every key the city's stream has never had a value for (all
    of them on a new stream; on an older ledger, the keys declared since, such as
    `cpi_yoy`). Keys with any recorded value are left alone. Returns how many (unsaved)."""
    present = {change.key for change in standards.changes}
    missing = [seed for seed in seeds() if seed.key not in present]
    for seed in missing:
        standards.record_change(
            key=seed.key,
            value=seed.value,
            effective_from=seed.effective_from,
            basis=f"{PLAN_BASIS}; {seed.basis}",
            actor=SEED_ACTOR,
            placeholder=seed.placeholder,
        )
    return len(missing)


class StandardsBook:
    """The standards in force for one household's region: its county's own values
    over the city's (POLICY ch. 10). Built from the loaded aggregates; read-only."""

    def __init__(self, city: Standards, county: Standards | None = None) -> None:
        self.city = city
        self.county = county

    def in_force(self, key: str, on: date) -> InForce:
        """The value in force on `on`; a county value overrides from its own date."""
        city = self.city.in_force(key, on)
        county = self.county.in_force(key, on) if self.county is not None else None
        chosen = county if county is not None else city
        if chosen is None:
            raise NotFoundError(
                f"no standard {key} is in force on {on.isoformat()} (the timeline starts later)",
                "effective_from",
            )
        return chosen

    def money(self, key: str, on: date) -> tuple[int, InForce]:
        found = self.in_force(key, on)
        return int(found.value), found

    def ratio(self, key: str, on: date) -> tuple[Fraction, InForce]:
        found = self.in_force(key, on)
        return Fraction(found.value), found

    def change_dates(self, *keys: str, after: date, before: date | None = None) -> list[date]:
        """Dates after `after` (and before `before`) at which any of `keys` may change."""
        dates: set[date] = set()
        for key in keys:
            dates |= self.city.change_dates(key)
            if self.county is not None:
                dates |= self.county.change_dates(key)
        return sorted(d for d in dates if d > after and (before is None or d < before))

    def snapshot(self, on: date) -> dict[str, InForce]:
        found: dict[str, InForce] = {}
        for key in KEYS:
            try:
                found[key] = self.in_force(key, on)
            except NotFoundError:
                continue
        return found


def validate_change(
    book: StandardsBook,
    *,
    key: str,
    value: StandardValue,
    effective_from: date,
    cited_income_growth: Fraction | None,
    cited_urban_consumption_fen: int | None,
    override_reason: str | None,
) -> None:
    """The plan's rules on a standard change: its fixed floors and caps (SEED) and the
    parameter's own rule (§6 on the dibao and tekun standards, a whole month for the
    §17 cap year). Raises PolicyRuleError (InvalidInputError for a malformed month)
    naming the field."""
    KEYS[key].check(
        ProposedChange(
            key,
            value,
            effective_from,
            cited_income_growth,
            cited_urban_consumption_fen,
            override_reason,
            book,
        )
    )


def describe(key: str, found: InForce) -> dict[str, Any]:
    return {
        "value": format_value(key, found.value),
        "effective_from": found.effective_from.isoformat(),
        "version": found.label,
    }
