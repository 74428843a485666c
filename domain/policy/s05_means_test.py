"""Plan §5 完善困难对象认定机制: the means test that decides the household categories
(POLICY ch. 1, ch. 2), and the marginal and low-income categories it grants.

Rigid expenditures (illness, schooling) are deducted before any comparison; a car counts
at its current-year insurance valuation; dibao needs per-capita income *below* the
standard (低于), marginal at or above it and below the marginal line, low-income an annual
income of at most the limit (以下 includes the figure, POLICY ch. 11)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from domain.errors import PolicyRuleError
from domain.money import format_ratio, format_yuan, round_half_up, yuan
from domain.policy.base import (
    CATEGORY,
    HOUSEHOLD,
    Assessment,
    Programme,
    money,
    param,
    ratio,
    seed,
)

if TYPE_CHECKING:
    from domain.household.state import ApplicationRecord
    from domain.policy.base import HouseholdFacts
    from domain.standards import InForce, StandardsBook


PARAMETERS = (
    ratio(
        "marginal_multiplier",
        "marginal line as a multiple of dibao",
        param(Fraction(3, 2), "PARAM POLICY ch. 1: 1.5 x dibao"),
    ),
    money(
        "low_income_household_annual_limit",
        "low-income household income limit",
        seed(yuan(100000), "SEED §5"),
    ),
    money(
        "car_value_limit",
        "car value limit of the means test",
        param(yuan(100000), "PARAM §5 car value limit"),
    ),
)


@dataclass(frozen=True)
class Means:
    """The household's declared means for an assessment year, in fen."""

    annual_income_fen: int
    rigid_deductions_fen: int
    car_insurance_value_fen: int

    def as_dict(self) -> dict[str, int]:
        return {
            "annual_income_fen": self.annual_income_fen,
            "rigid_deductions_fen": self.rigid_deductions_fen,
            "car_insurance_value_fen": self.car_insurance_value_fen,
        }

    @classmethod
    def from_dict(cls, data: dict[str, int]) -> Means:
        return cls(
            int(data["annual_income_fen"]),
            int(data["rigid_deductions_fen"]),
            int(data["car_insurance_value_fen"]),
        )


@dataclass(frozen=True)
class MeansTestResult:
    category: str | None  # "dibao", "marginal", "low_income" or None
    household_size: int
    countable_income_fen: int  # annual income less rigid deductions, never below 0
    per_capita_monthly: Fraction  # fen, exact
    used: tuple[InForce, ...]
    explanation: str

    @property
    def standard_versions(self) -> dict[str, str]:
        return {f.key: f.label for f in self.used}


def exact_fen(value: Fraction) -> str:
    """An exact amount of fen for an explanation: exact when whole, else to the fen."""
    return format_yuan(round_half_up(value)) + ("" if value.denominator == 1 else "…")


def means_test(means: Means, household_size: int, book: StandardsBook, on: date) -> MeansTestResult:
    """Which household category the means fall into on `on` (§5, POLICY ch. 1-2)."""
    if household_size <= 0:
        raise PolicyRuleError(
            f"the household has no members on {on.isoformat()}; add its members first",
            "effective_from",
        )
    dibao_annual, dibao_std = book.money("dibao_standard_annual", on)
    multiplier, multiplier_std = book.ratio("marginal_multiplier", on)
    limit, limit_std = book.money("low_income_household_annual_limit", on)
    car_limit, car_std = book.money("car_value_limit", on)

    countable = max(means.annual_income_fen - means.rigid_deductions_fen, 0)
    per_capita_monthly = Fraction(countable, household_size * 12)
    dibao_monthly = Fraction(dibao_annual, 12)
    marginal_monthly = dibao_monthly * multiplier
    lines = [
        f"Annual income {format_yuan(means.annual_income_fen)} less rigid deductions "
        f"{format_yuan(means.rigid_deductions_fen)} = {format_yuan(countable)} (§5); "
        f"per-capita monthly income {format_yuan(countable)} / {household_size} / 12 = "
        f"{exact_fen(per_capita_monthly)}.",
        f"Dibao standard {format_yuan(dibao_annual)} a year = {exact_fen(dibao_monthly)} a "
        f"month ({dibao_std.label}); marginal line {format_ratio(multiplier)} x = "
        f"{exact_fen(marginal_monthly)} ({multiplier_std.label}).",
    ]
    car = format_yuan(means.car_insurance_value_fen)
    category: str | None
    if means.car_insurance_value_fen > car_limit:
        category = None
        lines.append(
            f"The car counts at its insurance valuation {car} (§5), above the car value "
            f"limit {format_yuan(car_limit)} ({car_std.label}): no means-tested category."
        )
    else:
        category, line = _category(per_capita_monthly, dibao_monthly, marginal_monthly)
        if category is None:
            category, line = _low_income(countable, limit, limit_std)
        lines.append(line)
    if category is not None and means.car_insurance_value_fen:
        lines.append(
            f"The car counts at its insurance valuation {car} (§5), within the car value "
            f"limit {format_yuan(car_limit)}."
        )
    used = (dibao_std, multiplier_std, limit_std, car_std)
    return MeansTestResult(
        category, household_size, countable, per_capita_monthly, used, " ".join(lines)
    )


def _category(
    per_capita: Fraction, dibao_monthly: Fraction, marginal_monthly: Fraction
) -> tuple[str | None, str]:
    if per_capita < dibao_monthly:
        return (
            "dibao",
            "Per-capita income is below the dibao standard (低于): dibao (POLICY ch. 1).",
        )
    if per_capita < marginal_monthly:
        return "marginal", (
            "Per-capita income is at or above the dibao standard and below the marginal line: "
            "marginal (低保边缘, POLICY ch. 1)."
        )
    return None, ""


def _low_income(countable: int, limit: int, limit_std: InForce) -> tuple[str | None, str]:
    if countable <= limit:
        return "low_income", (
            f"Household income {format_yuan(countable)} is at most {format_yuan(limit)} "
            f"(以下 includes the figure, {limit_std.label}): low-income (§5)."
        )
    return None, (
        f"Household income {format_yuan(countable)} is above the low-income limit "
        f"{format_yuan(limit)} ({limit_std.label}): no category."
    )


class MeansTested(Programme):
    """A household category granted by the means test: the test must give the category
    applied for."""

    kind = CATEGORY
    level = HOUSEHOLD
    means_tested = True
    exclusive = True

    def assess(
        self,
        household: HouseholdFacts,
        application: ApplicationRecord,
        reason: str,
        book: StandardsBook,
    ) -> Assessment:
        on = application.effective_from
        means = application.means
        if means is None:  # refused at submission; kept for the type checker
            raise PolicyRuleError("the application has no means", "means")
        result = means_test(means, household.size_on(on), book, on)
        inputs: dict[str, Any] = {
            **means.as_dict(),
            "household_size": result.household_size,
            "countable_income_fen": result.countable_income_fen,
        }
        if result.category != self.name:
            raise PolicyRuleError(
                f"the means test does not support {self.name}: {result.explanation}",
                "decision",
            )
        return Assessment(
            inputs,
            basis=self.basis(result),
            versions=dict(result.standard_versions),
            lines=[result.explanation],
        )

    def basis(self, result: MeansTestResult) -> dict[str, int]:
        """The amount's inputs (none: the category pays no monthly amount)."""
        return {}


class Marginal(MeansTested):
    name = "marginal"
    title = "Marginal (dibao edge)"
    title_zh = "低保边缘"
    plan_item = "§5"


class LowIncome(MeansTested):
    name = "low_income"
    title = "Low-income household"
    title_zh = "低收入家庭"
    plan_item = "§5"


PROGRAMMES = (Marginal(), LowIncome())
