"""Policy rules as pure functions of (facts, standards).

Each returns its result *and* the explanation a caseworker can read. Amounts are
kept exact (Fraction of fen) until the final line is rounded once, half-up (§11).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from domain.errors import PolicyRuleError
from domain.money import format_ratio, format_yuan, round_half_up
from domain.standards import InForce, StandardsBook


@dataclass(frozen=True)
class Means:
    """The household's declared means for an assessment year (§2), in fen."""

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


def _fen(value: Fraction) -> str:
    """An exact amount of fen for an explanation: exact when whole, else to the fen."""
    return format_yuan(round_half_up(value)) + ("" if value.denominator == 1 else "…")


def means_test(means: Means, household_size: int, book: StandardsBook, on: date) -> MeansTestResult:
    """§1/§2/§5: which household category the means fall into on `on`.

    Rigid expenditures (illness, schooling) are deducted before any comparison; a
    car counts at its current-year insurance valuation; dibao needs per-capita
    income *below* the standard (低于), marginal at or above it and below the
    marginal line, low-income an annual income of at most the limit (以下, §11).
    """
    if household_size <= 0:
        raise PolicyRuleError(
            f"the household has no members on {on.isoformat()}; add its members first",
            "effective_from",
        )
    dibao_annual, dibao_std = book.money("dibao_standard_annual", on)
    multiplier, multiplier_std = book.ratio("marginal_multiplier", on)
    limit, limit_std = book.money("low_income_household_annual_limit", on)
    car_limit, car_std = book.money("car_value_limit", on)
    used = (dibao_std, multiplier_std, limit_std, car_std)

    countable = max(means.annual_income_fen - means.rigid_deductions_fen, 0)
    per_capita_monthly = Fraction(countable, household_size * 12)
    dibao_monthly = Fraction(dibao_annual, 12)
    marginal_monthly = dibao_monthly * multiplier
    lines = [
        f"Annual income {format_yuan(means.annual_income_fen)} less rigid deductions "
        f"{format_yuan(means.rigid_deductions_fen)} = {format_yuan(countable)} (§5); "
        f"per-capita monthly income {format_yuan(countable)} / {household_size} / 12 = "
        f"{_fen(per_capita_monthly)}.",
        f"Dibao standard {format_yuan(dibao_annual)} a year = {_fen(dibao_monthly)} a month "
        f"({dibao_std.label}); marginal line {format_ratio(multiplier)} x = "
        f"{_fen(marginal_monthly)} ({multiplier_std.label}).",
    ]
    category: str | None
    car = format_yuan(means.car_insurance_value_fen)
    if means.car_insurance_value_fen > car_limit:
        category = None
        lines.append(
            f"The car counts at its insurance valuation {car} (§5), above the car value "
            f"limit {format_yuan(car_limit)} ({car_std.label}): no means-tested category."
        )
    elif per_capita_monthly < dibao_monthly:
        category = "dibao"
        lines.append("Per-capita income is below the dibao standard (低于): dibao (§1).")
    elif per_capita_monthly < marginal_monthly:
        category = "marginal"
        lines.append(
            "Per-capita income is at or above the dibao standard and below the marginal line: "
            "marginal (低保边缘, §1)."
        )
    elif countable <= limit:
        category = "low_income"
        lines.append(
            f"Household income {format_yuan(countable)} is at most {format_yuan(limit)} "
            f"(以下 includes the figure, {limit_std.label}): low-income (§5)."
        )
    else:
        category = None
        lines.append(
            f"Household income {format_yuan(countable)} is above the low-income limit "
            f"{format_yuan(limit)} ({limit_std.label}): no category."
        )
    if category is not None and means.car_insurance_value_fen:
        lines.append(
            f"The car counts at its insurance valuation {car} (§5), within the car value "
            f"limit {format_yuan(car_limit)}."
        )
    return MeansTestResult(
        category, household_size, countable, per_capita_monthly, used, " ".join(lines)
    )


@dataclass(frozen=True)
class Amount:
    monthly_fen: int
    standard: InForce
    explanation: str


def dibao_allowance(
    countable_income_fen: int, household_size: int, book: StandardsBook, on: date
) -> Amount:
    """§4 差额救助: (monthly standard - per-capita monthly income) x size, never negative.

    Computed exactly as (annual standard x size - countable income) / 12 and rounded
    once, so 10,000 for three members gives 2,916.67 (§11), not 2,916.66.
    """
    annual, found = book.money("dibao_standard_annual", on)
    exact = Fraction(annual * household_size - countable_income_fen, 12)
    monthly = max(round_half_up(exact), 0)
    income = format_yuan(countable_income_fen)
    return Amount(
        monthly,
        found,
        f"Dibao differential (§4): ({format_yuan(annual)} / 12 - {income} / {household_size} "
        f"/ 12) x {household_size} = {format_yuan(monthly)} a month from {on.isoformat()} "
        f"({found.label}).",
    )


def dibao_single_allowance(book: StandardsBook, on: date) -> Amount:
    """§5/§6 单人户低保: the full monthly dibao standard (全额发放)."""
    annual, found = book.money("dibao_standard_annual", on)
    monthly = round_half_up(Fraction(annual, 12))
    return Amount(
        monthly,
        found,
        f"One-person dibao (§5, §6 全额): the full standard {format_yuan(annual)} / 12 = "
        f"{format_yuan(monthly)} a month from {on.isoformat()} ({found.label}).",
    )


def tekun_support(book: StandardsBook, on: date) -> Amount:
    """§4 特困 basic support: the annual tekun standard / 12 per person."""
    annual, found = book.money("tekun_standard_annual", on)
    monthly = round_half_up(Fraction(annual, 12))
    return Amount(
        monthly,
        found,
        f"Tekun support (§4, §6): {format_yuan(annual)} / 12 = {format_yuan(monthly)} a month "
        f"from {on.isoformat()} ({found.label}).",
    )


# Which standard drives each cash programme's amount (re-computed when it changes).
AMOUNT_STANDARD = {
    "dibao": "dibao_standard_annual",
    "dibao_single": "dibao_standard_annual",
    "tekun": "tekun_standard_annual",
}


def cash_amount(programme: str, inputs: dict[str, int], book: StandardsBook, on: date) -> Amount:
    """The monthly amount of a cash programme on `on`, from its recorded inputs."""
    if programme == "dibao":
        return dibao_allowance(inputs["countable_income_fen"], inputs["household_size"], book, on)
    if programme == "dibao_single":
        return dibao_single_allowance(book, on)
    if programme == "tekun":
        return tekun_support(book, on)
    raise PolicyRuleError(f"programme {programme} has no monthly amount rule", "programme")
