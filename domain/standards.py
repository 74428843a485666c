"""The standards timeline (POLICY.md §3): one `Standards` aggregate per jurisdiction.

A change has a key, a value, the date it takes effect, its legal basis and who
made it. Changes may be recorded after the date they take effect (retroactive).
A county's own value overrides the city's from its effective date (§10).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from fractions import Fraction
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.chain import Chained, ChainedEvent
from domain.errors import InvalidInputError, NotFoundError, PolicyRuleError
from domain.money import (
    format_ratio,
    format_yuan,
    parse_ratio,
    parse_yuan,
    round_half_up,
    yuan,
)

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


class Kind(Enum):
    MONEY = "money"  # integer fen inside, yuan strings outside
    RATIO = "ratio"  # exact fraction inside, decimal strings outside


@dataclass(frozen=True)
class StandardKey:
    key: str
    kind: Kind
    meaning: str


KEYS: dict[str, StandardKey] = {
    k.key: k
    for k in [
        StandardKey("dibao_standard_annual", Kind.MONEY, "低保标准, yuan per person per year"),
        StandardKey("marginal_multiplier", Kind.RATIO, "marginal line as a multiple of dibao"),
        StandardKey(
            "low_income_household_annual_limit", Kind.MONEY, "low-income household income limit"
        ),
        StandardKey("tekun_standard_annual", Kind.MONEY, "特困 basic support, per person per year"),
        StandardKey("car_value_limit", Kind.MONEY, "car value limit of the means test"),
        StandardKey("recovery_max_share", Kind.RATIO, "most of one payment for a recovery"),
        StandardKey("payment_max_failures", Kind.RATIO, "failed tries before cancelling"),
        StandardKey("eldercare_subsidy_monthly", Kind.MONEY, "eldercare service subsidy (§27)"),
        StandardKey("eldercare_min_age", Kind.RATIO, "age from which the eldercare subsidy (§27)"),
        StandardKey("price_subsidy_monthly", Kind.MONEY, "price subsidy per recipient per month"),
        StandardKey("price_subsidy_cpi_trigger", Kind.RATIO, "CPI rise that starts the subsidy"),
        StandardKey("cpi_yoy", Kind.RATIO, "CPI year-on-year rise recorded for a month (§6)"),
        StandardKey("medical_cap_individual_annual", Kind.MONEY, "self-pay cap per person"),
        StandardKey("medical_cap_household_annual", Kind.MONEY, "self-pay cap per household"),
        StandardKey("medical_cap_year_start_month", Kind.RATIO, "month the cap year starts"),
        StandardKey("charity_subsidy_dibao_monthly", Kind.MONEY, "charity living subsidy (§8)"),
        StandardKey("charity_subsidy_marginal_share", Kind.RATIO, "marginal share of it (§8)"),
        StandardKey("virtual_job_subsidy_monthly", Kind.MONEY, "爱心虚拟岗 subsidy (§7)"),
        StandardKey("education_aid_preschool", Kind.MONEY, "education aid, preschool (§11)"),
        StandardKey("education_aid_primary", Kind.MONEY, "education aid, primary (§11)"),
        StandardKey("education_aid_junior", Kind.MONEY, "education aid, junior high (§11)"),
        StandardKey("education_aid_senior", Kind.MONEY, "education aid, senior high (§11)"),
        StandardKey("education_aid_university", Kind.MONEY, "education aid, university (§11)"),
        StandardKey("renovation_household_cap", Kind.MONEY, "暖巢 grants per household (§14)"),
        StandardKey("rent_subsidy_min_ratio", Kind.RATIO, "lowest rent subsidy tier ratio (§12)"),
        StandardKey("disaster_death_or_missing", Kind.MONEY, "death or missing, per person (§28)"),
        StandardKey("disaster_transitional_daily", Kind.MONEY, "transitional living per day"),
        StandardKey("disaster_house_collapsed", Kind.MONEY, "collapsed or severely damaged house"),
        StandardKey("disaster_house_damaged", Kind.MONEY, "ordinary house damage (§28)"),
        StandardKey("warning_medical_share", Kind.RATIO, "illness-poverty warning threshold"),
        StandardKey("warning_referral_days", Kind.RATIO, "days to the referrals warning (§12)"),
        StandardKey(
            "warning_visit_overdue_factor", Kind.RATIO, "visit intervals before a warning (§12)"
        ),
        StandardKey("warning_payment_failures", Kind.RATIO, "failures in a row before a warning"),
        StandardKey(
            "public_welfare_posts_reserved", Kind.RATIO, "public-welfare posts reserved (§22)"
        ),
    ]
}

StandardValue = int | Fraction  # fen for MONEY, exact ratio for RATIO


@dataclass(frozen=True)
class Seed:
    key: str
    value: StandardValue
    effective_from: date
    placeholder: bool
    basis: str


_START = date(2023, 1, 1)
_NEW_DISASTER_RATES = date(2023, 12, 13)

# Every default of POLICY.md. `placeholder=True` marks a PARAM: a figure the plan does
# not state, for the local bureau to set (docs/STANDARDS.md lists them).
SEEDS: tuple[Seed, ...] = (
    Seed("dibao_standard_annual", yuan(13800), _START, True, "PARAM: before the §2 target"),
    Seed("dibao_standard_annual", yuan(15000), date(2025, 1, 1), False, "SEED §2: 15,000 by 2025"),
    Seed("marginal_multiplier", Fraction(3, 2), _START, True, "PARAM §1: 1.5 x dibao"),
    Seed("low_income_household_annual_limit", yuan(100000), _START, False, "SEED §5"),
    Seed("tekun_standard_annual", yuan(26000), _START, True, "PARAM §6 (>= 50% consumption)"),
    Seed("car_value_limit", yuan(100000), _START, True, "PARAM §5 car value limit"),
    Seed("recovery_max_share", Fraction(3, 10), _START, True, "PARAM recovery share"),
    Seed("payment_max_failures", Fraction(3), _START, True, "PARAM: tries before cancelling"),
    Seed("eldercare_subsidy_monthly", yuan(300), _START, True, "PARAM §27"),
    Seed("eldercare_min_age", Fraction(60), _START, True, "PARAM §27: elderly from 60"),
    Seed("price_subsidy_monthly", yuan(50), _START, True, "PARAM §6 price subsidy"),
    Seed("price_subsidy_cpi_trigger", Fraction(35, 1000), _START, True, "PARAM §6 CPI trigger"),
    Seed("cpi_yoy", Fraction(0), _START, True, "PARAM §6: the monthly CPI rise, none recorded"),
    Seed("medical_cap_individual_annual", yuan(30000), _START, False, "SEED §17"),
    Seed("medical_cap_household_annual", yuan(50000), _START, False, "SEED §17"),
    Seed("medical_cap_year_start_month", Fraction(1), _START, True, "PARAM §17: calendar year"),
    Seed("charity_subsidy_dibao_monthly", yuan(100), _START, True, "PARAM §8"),
    Seed("charity_subsidy_marginal_share", Fraction(1, 2), _START, False, "SEED §8: >= 50%"),
    Seed("virtual_job_subsidy_monthly", yuan(200), _START, True, "PARAM §7"),
    Seed("education_aid_preschool", yuan(1000), _START, True, "PARAM §11"),
    Seed("education_aid_primary", yuan(1000), _START, True, "PARAM §11"),
    Seed("education_aid_junior", yuan(1500), _START, True, "PARAM §11"),
    Seed("education_aid_senior", yuan(2000), _START, True, "PARAM §11"),
    Seed("education_aid_university", yuan(5000), _START, True, "PARAM §11"),
    Seed("renovation_household_cap", yuan(30000), _START, False, "SEED §14"),
    Seed("rent_subsidy_min_ratio", Fraction(2, 5), _START, False, "SEED §12: >= 40%"),
    Seed("disaster_death_or_missing", yuan(20000), _START, False, "SEED §28 old rate"),
    Seed("disaster_death_or_missing", yuan(25000), _NEW_DISASTER_RATES, False, "SEED §28"),
    Seed("disaster_transitional_daily", yuan(20), _START, False, "SEED §28 old rate"),
    Seed("disaster_transitional_daily", yuan(30), _NEW_DISASTER_RATES, False, "SEED §28"),
    Seed("disaster_house_collapsed", yuan(20000), _START, False, "SEED §28 old rate"),
    Seed("disaster_house_collapsed", yuan(25000), _NEW_DISASTER_RATES, False, "SEED §28"),
    Seed("disaster_house_damaged", yuan(2000), _START, False, "SEED §28 old rate"),
    Seed("disaster_house_damaged", yuan(3000), _NEW_DISASTER_RATES, False, "SEED §28"),
    Seed("warning_medical_share", Fraction(1, 2), _START, True, "PARAM §12 warnings"),
    Seed("warning_referral_days", Fraction(30), _START, True, "PARAM §12: 30 days"),
    Seed("warning_visit_overdue_factor", Fraction(2), _START, True, "PARAM §12: twice"),
    Seed("warning_payment_failures", Fraction(2), _START, True, "PARAM §12: twice in a row"),
)


def standards_id(region_code: str) -> UUID:
    """The deterministic stream id of a jurisdiction's standards."""
    return uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:standards:{region_code}")


def county_of(region_code: str) -> str:
    """The six-digit county code of a region code (or the city code)."""
    return region_code[:6]


def validate_region_code(region_code: object, field: str = "region_code") -> str:
    """Six digits (or 12 with township and village) inside Jiaxing (GB/T 2260, §10)."""
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
    if KEYS[key].kind is Kind.MONEY:
        return format_yuan(int(value))
    return format_ratio(Fraction(value))


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
    standards = Standards.open(CITY_CODE, SEED_ACTOR, _START)
    add_missing_seeds(standards)
    return standards


def add_missing_seeds(standards: Standards) -> int:
    """Record the defaults of every key the city's stream has never had a value for (all
    of them on a new stream; on an older ledger, the keys added to SEEDS since, such as
    `cpi_yoy`). Keys with any recorded value are left alone. Returns how many (unsaved)."""
    present = {change.key for change in standards.changes}
    missing = [seed for seed in SEEDS if seed.key not in present]
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
    over the city's (§10). Built from the loaded aggregates; read-only."""

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
    """The two §6 rules on a standard change, and the plan's fixed floors and caps.
    Raises PolicyRuleError (InvalidInputError for a malformed month) naming the field."""
    _check_plan_bounds(key, value)
    if key == "dibao_standard_annual":
        try:
            previous = book.in_force(key, effective_from - timedelta(days=1))
        except NotFoundError:
            return  # the first value of the timeline has nothing to rise from
        old = int(previous.value)
        new = int(value)
        rise = Fraction(new - old, old)
        if override_reason:
            return
        if cited_income_growth is None:
            raise PolicyRuleError(
                "a change of the dibao standard must cite the growth of per-capita disposable "
                'income (cited_income_growth, e.g. "0.04"), or carry an override_reason (§6)',
                "cited_income_growth",
            )
        if rise < cited_income_growth:
            raise PolicyRuleError(
                f"the dibao standard must rise at least as fast as per-capita disposable income "
                f"(§6 增幅不低于人均可支配收入增幅): {format_yuan(old)} -> {format_yuan(new)} is a "
                f"rise of {_percent(rise)}, below the cited {_percent(cited_income_growth)}; "
                "give an override_reason to record it anyway",
                "value",
            )
    elif key == "tekun_standard_annual":
        if cited_urban_consumption_fen is None:
            raise PolicyRuleError(
                "a change of the tekun standard must cite the previous year's urban per-capita "
                "consumption expenditure (cited_urban_consumption) (§6)",
                "cited_urban_consumption",
            )
        floor = Fraction(cited_urban_consumption_fen, 2)
        if int(value) < floor:
            raise PolicyRuleError(
                f"the tekun standard must be at least 50% of the previous year's urban "
                f"per-capita consumption expenditure (§6): {format_yuan(int(value))} is below "
                f"{format_yuan(cited_urban_consumption_fen)} x 50% = "
                f"{format_yuan(round_half_up(floor))}",
                "value",
            )


# Values the plan itself fixes a floor or a cap for (SEED items): a standard change may
# move the value only on the allowed side. key -> (bound, "min"|"max", the plan's words)
PLAN_BOUNDS: dict[str, tuple[StandardValue, str, str]] = {
    "charity_subsidy_marginal_share": (
        Fraction(1, 2),
        "min",
        "§8: marginal members get at least 50% of the dibao members' charity subsidy",
    ),
    "rent_subsidy_min_ratio": (
        Fraction(2, 5),
        "min",
        "§12: the rent subsidy tier ratio is at least 40% of the market rent",
    ),
    "renovation_household_cap": (
        yuan(30000),
        "max",
        "§14: 暖巢 renovation grants total at most 30,000 yuan per household",
    ),
}


def _check_plan_bounds(key: str, value: StandardValue) -> None:
    if key == "medical_cap_year_start_month":
        if Fraction(value).denominator != 1 or not 1 <= value <= 12:
            raise InvalidInputError(
                f"value must be a whole month number from 1 to 12 for the cap year's first "
                f"month (§17), not {format_value(key, value)}",
                "value",
            )
        return
    if key not in PLAN_BOUNDS:
        return
    bound, side, rule = PLAN_BOUNDS[key]
    if (side == "min" and value < bound) or (side == "max" and value > bound):
        limit = "below the plan's floor" if side == "min" else "above the plan's cap"
        raise PolicyRuleError(
            f"value {format_value(key, value)} for {key} is {limit} of "
            f"{format_value(key, bound)} ({rule})",
            "value",
        )


def describe(key: str, found: InForce) -> dict[str, Any]:
    return {
        "value": format_value(key, found.value),
        "effective_from": found.effective_from.isoformat(),
        "version": found.label,
    }


def _percent(value: Fraction) -> str:
    """A ratio as a percentage to two places, half-up: Fraction(3, 100) -> "3.00%"."""
    return f"{format_yuan(round_half_up(value * 10000))}%"
