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
    paused: bool = False  # nothing due while a condition does not hold (price subsidy)


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


def _flat(key: str, title: str, book: StandardsBook, on: date) -> Amount:
    monthly, found = book.money(key, on)
    return Amount(
        monthly,
        found,
        f"{title}: {format_yuan(monthly)} a month from {on.isoformat()} ({found.label}).",
    )


def charity_living_subsidy(marginal: bool, book: StandardsBook, on: date) -> Amount:
    """§8 慈善生活补助: a dibao member gets the PARAM amount; a marginal member at least
    50% of it (SEED; the share is a standard, default exactly 50%), half-up."""
    dibao_amount, found = book.money("charity_subsidy_dibao_monthly", on)
    if not marginal:
        return Amount(
            dibao_amount,
            found,
            (
                f"Charity living subsidy (§8), dibao member: {format_yuan(dibao_amount)} a month "
                f"from {on.isoformat()} ({found.label})."
            ),
        )
    share, share_found = book.ratio("charity_subsidy_marginal_share", on)
    monthly = round_half_up(share * dibao_amount)
    return Amount(
        monthly,
        share_found,
        (
            f"Charity living subsidy (§8), marginal member: {format_ratio(share)} x "
            f"{format_yuan(dibao_amount)} = {format_yuan(monthly)} a month from {on.isoformat()} "
            f"({found.label}, {share_found.label})."
        ),
    )


def unemployed_temporary_subsidy(book: StandardsBook, on: date) -> Amount:
    """§21: the local dibao standard per month (for at most 6 months)."""
    annual, found = book.money("dibao_standard_annual", on)
    monthly = round_half_up(Fraction(annual, 12))
    return Amount(
        monthly,
        found,
        (
            f"Temporary subsidy for a registered unemployed member (§21): the dibao standard "
            f"{format_yuan(annual)} / 12 = {format_yuan(monthly)} a month from {on.isoformat()}, "
            f"for at most 6 months ({found.label})."
        ),
    )


def rent_subsidy(
    tier_ratio: Fraction, market_rent_fen: int, book: StandardsBook, on: date
) -> Amount:
    """§12 租赁补贴: tier ratio x local average market rent. The floor gates the approval
    (`check_rent_tier_ratio`); it does not change the amount, so a later change of the
    floor never refuses an entitlement already granted."""
    floor, found = book.ratio("rent_subsidy_min_ratio", on)
    monthly = round_half_up(tier_ratio * market_rent_fen)
    return Amount(
        monthly,
        found,
        (
            f"Rent subsidy (§12): tier ratio {format_ratio(tier_ratio)} x average market rent "
            f"{format_yuan(market_rent_fen)} = {format_yuan(monthly)} a month from "
            f"{on.isoformat()} (floor {format_ratio(floor)}, {found.label})."
        ),
    )


def price_subsidy(book: StandardsBook, on: date) -> Amount:
    """§6 根据物价指数变化，及时启动价格补贴: the PARAM amount while the CPI rise recorded
    for the month (`cpi_yoy`, a timeline by month and region) is at or above the trigger;
    nothing (paused) while it is below."""
    cpi, cpi_found = book.ratio("cpi_yoy", on)
    trigger, trigger_found = book.ratio("price_subsidy_cpi_trigger", on)
    rise = (
        f"CPI rise {format_ratio(cpi)} ({cpi_found.label}), trigger {format_ratio(trigger)} "
        f"({trigger_found.label})"
    )
    if cpi < trigger:
        return Amount(
            0,
            cpi_found,
            f"Price subsidy (§6): {rise}: below the trigger, nothing from {on.isoformat()}.",
            paused=True,
        )
    monthly, found = book.money("price_subsidy_monthly", on)
    return Amount(
        monthly,
        found,
        (
            f"Price subsidy (§6): {rise}: at or above it, {format_yuan(monthly)} a month from "
            f"{on.isoformat()} ({found.label})."
        ),
    )


PAUSABLE = ("price_subsidy",)  # programmes whose amount pauses (ended) and resumes


def check_rent_tier_ratio(tier_ratio: Fraction, book: StandardsBook, on: date) -> None:
    """§12: a tier ratio below the floor in force (SEED 40%) is refused at approval."""
    floor = book.ratio("rent_subsidy_min_ratio", on)[0]
    if tier_ratio < floor:
        raise PolicyRuleError(
            f"the rent subsidy tier ratio {format_ratio(tier_ratio)} is below the "
            f"{format_ratio(floor)} floor (§12)",
            "details.tier_ratio",
        )


# Which standards drive each monthly programme's amount (re-computed when they change).
AMOUNT_STANDARD: dict[str, tuple[str, ...]] = {
    "dibao": ("dibao_standard_annual",),
    "dibao_single": ("dibao_standard_annual",),
    "tekun": ("tekun_standard_annual",),
    "charity_living_subsidy": ("charity_subsidy_dibao_monthly", "charity_subsidy_marginal_share"),
    "virtual_job_subsidy": ("virtual_job_subsidy_monthly",),
    "unemployed_temporary_subsidy": ("dibao_standard_annual",),
    "eldercare_service_subsidy": ("eldercare_subsidy_monthly",),
    "rent_subsidy": (),  # tier x market rent; the floor only gates the approval
    "price_subsidy": ("price_subsidy_monthly", "price_subsidy_cpi_trigger", "cpi_yoy"),
}


def cash_amount(programme: str, inputs: dict[str, int], book: StandardsBook, on: date) -> Amount:
    """The monthly amount of a cash programme on `on`, from its recorded inputs."""
    if programme == "dibao":
        return dibao_allowance(inputs["countable_income_fen"], inputs["household_size"], book, on)
    if programme == "dibao_single":
        return dibao_single_allowance(book, on)
    if programme == "tekun":
        return tekun_support(book, on)
    if programme == "charity_living_subsidy":
        return charity_living_subsidy(bool(inputs["marginal"]), book, on)
    if programme == "virtual_job_subsidy":
        return _flat("virtual_job_subsidy_monthly", "爱心虚拟岗 subsidy (§7)", book, on)
    if programme == "unemployed_temporary_subsidy":
        return unemployed_temporary_subsidy(book, on)
    if programme == "eldercare_service_subsidy":
        return _flat("eldercare_subsidy_monthly", "Eldercare service subsidy (§27)", book, on)
    if programme == "rent_subsidy":
        ratio = Fraction(inputs["tier_ratio_num"], inputs["tier_ratio_den"])
        return rent_subsidy(ratio, inputs["market_rent_fen"], book, on)
    if programme == "price_subsidy":
        return price_subsidy(book, on)
    raise PolicyRuleError(f"programme {programme} has no monthly amount rule", "programme")


# ------------------------------------------------------------------ one-off grants

EDUCATION_STAGES = ("preschool", "primary", "junior", "senior", "university")


def education_aid(stage: str, full: bool, book: StandardsBook, on: date) -> Amount:
    """§11 慈善助学: per child and school year by stage; dibao children and orphans the
    full amount, marginal-household children 50% (SEED)."""
    amount, found = book.money(f"education_aid_{stage}", on)
    granted = amount if full else round_half_up(Fraction(amount, 2))
    share = "full amount" if full else "50% (marginal household)"
    return Amount(
        granted,
        found,
        (
            f"Education aid (§11), {stage}: {format_yuan(amount)}, {share} = "
            f"{format_yuan(granted)} ({found.label})."
        ),
    )


def renovation_grant(
    requested_fen: int, granted_before_fen: int, book: StandardsBook, on: date
) -> Amount:
    """§14 暖巢: at most the cap per household over all its renovation grants."""
    cap, found = book.money("renovation_household_cap", on)
    left = max(cap - granted_before_fen, 0)
    if left == 0:
        raise PolicyRuleError(
            f"the household has had {format_yuan(granted_before_fen)} of renovation grants: "
            f"the {format_yuan(cap)} cap is used up (§14)",
            "details.requested",
        )
    granted = min(requested_fen, left)
    cut = "" if granted == requested_fen else ", cut to what is left of the cap"
    return Amount(
        granted,
        found,
        (
            f"暖巢 renovation (§14): requested {format_yuan(requested_fen)}; {format_yuan(left)} "
            f"left of the {format_yuan(cap)} cap{cut}: {format_yuan(granted)} ({found.label})."
        ),
    )


LOSSES = (
    "death_or_missing",
    "house_collapsed",
    "house_severely_damaged",
    "house_damaged",
    "transitional_living",
)
HOUSE_LOSSES = ("house_collapsed", "house_severely_damaged", "house_damaged")  # per household


def village_subsidy(dividends_fen: int) -> int:
    """§23: the village's subsidy is 50% of a rural low-income household's dividends
    (SEED), rounded half-up to the fen."""
    return round_half_up(Fraction(dividends_fen, 2))


def months_later(start: date, months: int) -> date:
    """The same day `months` calendar months later (clamped to the month's end)."""
    import calendar

    month = start.month - 1 + months
    year = start.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def disaster_relief(
    loss: str, disaster_on: date, persons: int, days: int, book: StandardsBook
) -> Amount:
    """§28 at the rates in force on the disaster date; transitional living per person per
    day for at most 3 calendar months (from 2024-07-10: to 2024-10-09, 92 days)."""
    if loss == "death_or_missing":
        rate, found = book.money("disaster_death_or_missing", disaster_on)
        amount = rate * persons
        why = f"{persons} x {format_yuan(rate)}"
    elif loss in ("house_collapsed", "house_severely_damaged"):
        amount, found = book.money("disaster_house_collapsed", disaster_on)
        why = f"{format_yuan(amount)} per household"
    elif loss == "house_damaged":
        amount, found = book.money("disaster_house_damaged", disaster_on)
        why = f"{format_yuan(amount)} per household"
    else:
        rate, found = book.money("disaster_transitional_daily", disaster_on)
        most = (months_later(disaster_on, 3) - disaster_on).days
        paid_days = min(days, most)
        amount = persons * rate * paid_days
        why = f"{persons} persons x {format_yuan(rate)} x {paid_days} days" + (
            f" (cut from {days} at 3 months, {most} days)" if days > most else ""
        )
    return Amount(
        amount,
        found,
        (
            f"Disaster relief (§28), {loss} on {disaster_on.isoformat()}: {why} = "
            f"{format_yuan(amount)} at the rates in force that day ({found.label})."
        ),
    )
