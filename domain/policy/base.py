"""What every plan item's module declares: its parameters (standards) with their dated
defaults, and its programmes (kind, level, eligibility, amount and explanation).

A module of `domain/policy/` is one plan item (`s12_rent_subsidy.py` is the plan's item
12); `registry.py` lists them. The rules are pure: they read the household through
`HouseholdFacts` and the standards through a `StandardsBook`, and return an amount with
its explanation or raise a `PolicyRuleError` naming the field and the rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from domain.errors import InvalidInputError, PolicyRuleError
from domain.money import format_ratio, format_yuan, round_half_up

if TYPE_CHECKING:
    from domain.household.state import ApplicationRecord, CategorySpan, Member
    from domain.standards import InForce, StandardsBook


# ------------------------------------------------------------------ parameters


class Kind(Enum):
    MONEY = "money"  # integer fen inside, yuan strings outside
    RATIO = "ratio"  # exact fraction inside, decimal strings outside


StandardValue = int | Fraction  # fen for MONEY, exact ratio for RATIO


@dataclass(frozen=True)
class Default:
    """One dated default of a parameter: SEED (the plan states it) or PARAM
    (`placeholder`: for the local bureau to set), with where it comes from."""

    value: StandardValue
    effective_from: date
    placeholder: bool
    basis: str


@dataclass(frozen=True)
class ProposedChange:
    """A standard change as recorded, for a parameter's own rule (`Parameter.rule`)."""

    key: str
    value: StandardValue
    effective_from: date
    cited_income_growth: Fraction | None
    cited_urban_consumption_fen: int | None
    override_reason: str | None
    book: StandardsBook


@dataclass(frozen=True)
class Parameter:
    """A standard of the timeline: its key, kind, meaning, dated defaults and the plan's
    bound on it (a SEED floor or cap a change may not cross), plus any rule of its own
    checked on every change (`rule`, e.g. §6 on the dibao standard)."""

    key: str
    kind: Kind
    meaning: str
    defaults: tuple[Default, ...] = ()
    floor: StandardValue | None = None
    cap: StandardValue | None = None
    bound_rule: str = ""  # the plan's words for the floor or cap
    rule: Callable[[ProposedChange], None] | None = None

    def check(self, change: ProposedChange) -> None:
        value = change.value
        for bound, crossed, limit in (
            (self.floor, self.floor is not None and value < self.floor, "below the plan's floor"),
            (self.cap, self.cap is not None and value > self.cap, "above the plan's cap"),
        ):
            if bound is not None and crossed:
                raise PolicyRuleError(
                    f"value {self.format(value)} for {self.key} is {limit} of "
                    f"{self.format(bound)} ({self.bound_rule})",
                    "value",
                )
        if self.rule is not None:
            self.rule(change)

    def format(self, value: StandardValue) -> str:
        if self.kind is Kind.MONEY:
            return format_yuan(int(value))
        return format_ratio(Fraction(value))


def money(key: str, meaning: str, *defaults: Default, **bounds: Any) -> Parameter:
    return Parameter(key, Kind.MONEY, meaning, defaults, **bounds)


def ratio(key: str, meaning: str, *defaults: Default, **bounds: Any) -> Parameter:
    return Parameter(key, Kind.RATIO, meaning, defaults, **bounds)


START = date(2023, 1, 1)  # the timeline's first day: the defaults before the plan
PLAN_DATE = date(2023, 12, 13)  # the plan's publication: its new rates (§28)


def seed(value: StandardValue, basis: str, effective_from: date = START) -> Default:
    """A figure the plan states (SEED)."""
    return Default(value, effective_from, False, basis)


def param(value: StandardValue, basis: str, effective_from: date = START) -> Default:
    """A placeholder for the bureau to set (PARAM)."""
    return Default(value, effective_from, True, basis)


# ------------------------------------------------------------------ amounts


@dataclass(frozen=True)
class Amount:
    monthly_fen: int  # a one-off grant's amount for a grant
    standard: InForce
    explanation: str
    paused: bool = False  # nothing due while a condition does not hold (price subsidy)


def flat_monthly(key: str, title: str, book: StandardsBook, on: date) -> Amount:
    """A flat monthly amount: the standard `key` in force on `on`."""
    monthly, found = book.money(key, on)
    return Amount(
        monthly,
        found,
        f"{title}: {format_yuan(monthly)} a month from {on.isoformat()} ({found.label}).",
    )


def twelfth(annual_key: str, book: StandardsBook, on: date) -> tuple[int, int, InForce]:
    """An annual standard / 12, rounded half-up once (POLICY ch. 11): (monthly, annual,
    the standard)."""
    annual, found = book.money(annual_key, on)
    return round_half_up(Fraction(annual, 12)), annual, found


# ------------------------------------------------------------------ the household, as rules see it


class HouseholdFacts(Protocol):
    """What a rule may ask of the household (the aggregate answers it)."""

    residence: str
    grants: list[dict[str, Any]]

    def member(self, member_id: str, field_name: str = "member_id") -> Member: ...
    def size_on(self, on: date) -> int: ...
    def categories_on(self, on: date) -> list[CategorySpan]: ...
    def household_category_on(self, on: date) -> CategorySpan | None: ...
    def is_registered_on(self, on: date) -> bool: ...
    def entitlement_periods(
        self, programme: str, member_id: str | None
    ) -> list[tuple[date, date | None]]: ...


@dataclass
class Assessment:
    """What an approval found: the inputs recorded with the determination, the amount's
    inputs (the entitlement's basis), the standards used, the explanation's lines, and
    the date a programme paid for a limited time ends."""

    inputs: dict[str, Any]
    basis: dict[str, int] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    ends_on: date | None = None


class ProgrammeKind(Enum):
    CATEGORY = "category"  # a status granted by determination (§5); may pay monthly
    SUBSIDY = "subsidy"  # a monthly help paid by the payment runs
    GRANT = "grant"  # a one-off amount


class Level(Enum):
    HOUSEHOLD = "household"
    PERSON = "person"


CATEGORY = ProgrammeKind.CATEGORY
SUBSIDY = ProgrammeKind.SUBSIDY
GRANT = ProgrammeKind.GRANT
HOUSEHOLD = Level.HOUSEHOLD
PERSON = Level.PERSON


class Programme:
    """One programme or grant of the plan. A subclass declares what it is; its methods
    are its rules. Defaults: no details to check, no monthly amount."""

    name: ClassVar[str]
    title: ClassVar[str]  # English, as the explanations and pages say it
    title_zh: ClassVar[str]
    plan_item: ClassVar[str]  # "§12"
    kind: ClassVar[ProgrammeKind]
    level: ClassVar[Level]
    # The standards the monthly amount uses (recomputed when one changes); None: the
    # programme pays no monthly amount.
    amount_keys: ClassVar[tuple[str, ...] | None] = None
    means_tested: ClassVar[bool] = False  # needs the household's means (§5)
    exclusive: ClassVar[bool] = False  # a household category excluding the others
    pausable: ClassVar[bool] = False  # its amount pauses and resumes (price subsidy)
    takes_income: ClassVar[bool] = False  # its amount rests on the countable income
    # The household category a person's category needs (one-person dibao: marginal,
    # §5); it ends when the household's category changes to another.
    within: ClassVar[str | None] = None

    @property
    def pays_monthly(self) -> bool:
        return self.amount_keys is not None

    @property
    def follows_path(self) -> bool:
        """A category is received, checked, investigated and noticed before its decision
        (POLICY ch. 14); the monthly helps and the grants are decided in one step."""
        return self.kind is CATEGORY

    @property
    def person_level(self) -> bool:
        return self.level is PERSON

    def check_details(self, details: dict[str, Any], effective_from: date) -> None:
        """Refuse malformed details at submission, so nothing is recorded for them."""

    def check_continues(self, household: HouseholdFacts, member_id: str | None, on: date) -> None:
        """Refuse a review's `continue` when the category's own conditions no longer hold
        on `on` (PolicyRuleError naming the rule); by default nothing beyond the means."""

    def assess(
        self,
        household: HouseholdFacts,
        application: ApplicationRecord,
        reason: str,
        book: StandardsBook,
    ) -> Assessment:
        """The approval's checks and the amount's inputs (categories and subsidies)."""
        raise PolicyRuleError(f"{self.name} is not approved by assessment", "programme")

    def amount(self, inputs: dict[str, int], book: StandardsBook, on: date) -> Amount:
        """The monthly amount on `on` from the recorded inputs."""
        raise PolicyRuleError(f"programme {self.name} has no monthly amount rule", "programme")

    def grant(
        self, household: HouseholdFacts, application: ApplicationRecord, book: StandardsBook
    ) -> Amount:
        """A one-off grant's amount, from the application and the household before it."""
        raise PolicyRuleError(f"{self.name} is not a one-off grant", "programme")

    def migration_basis(
        self, countable_income_fen: int | None, household_size: int
    ) -> dict[str, int] | None:
        """The amount's inputs from a migrated record (None: it gives too little to
        recompute the amount from)."""
        return {}


class Subsidy(Programme):
    """A monthly help for registered difficulty households (§7-27), paid by the runs."""

    kind = SUBSIDY
    amount_keys: ClassVar[tuple[str, ...] | None] = ()

    def assess(
        self,
        household: HouseholdFacts,
        application: ApplicationRecord,
        reason: str,
        book: StandardsBook,
    ) -> Assessment:
        on = application.effective_from
        person = application.member_id if self.person_level else None
        member = household.member(person) if person else None
        if self.person_level and member is None:  # refused at submission too
            raise InvalidInputError(
                f"a {self.name} application must name the person (member_id)", "member_id"
            )
        if member is not None and not member.present_on(on):
            raise PolicyRuleError("the member is not in the household then", "member_id")
        if not household.is_registered_on(on):
            raise PolicyRuleError(
                f"{self.name} is for registered difficulty households; this household holds "
                f"no category on {on.isoformat()}",
                "programme",
            )
        inputs = self.eligible(household, application, member, book)
        return Assessment(inputs, basis=dict(inputs), ends_on=self.ends_on(household, application))

    def eligible(
        self,
        household: HouseholdFacts,
        application: ApplicationRecord,
        member: Member | None,
        book: StandardsBook,
    ) -> dict[str, int]:
        """The programme's own conditions; returns the amount's inputs."""
        return {}

    def ends_on(self, household: HouseholdFacts, application: ApplicationRecord) -> date | None:
        """The end of a programme paid for a limited time (§21)."""
        return None


def urban_only(name: str, household: HouseholdFacts, item: str) -> None:
    if household.residence != "urban":
        raise PolicyRuleError(f"{name} is for urban households ({item})", "programme")


def choice(name: str, value: Any, allowed: tuple[str, ...], *, optional: bool = False) -> None:
    if optional and value is None:
        return
    if value not in allowed:
        raise InvalidInputError(f"{name} must be one of {', '.join(allowed)}", name)


def age_on(birth_on: date, on: date) -> int:
    return on.year - birth_on.year - ((on.month, on.day) < (birth_on.month, birth_on.day))
