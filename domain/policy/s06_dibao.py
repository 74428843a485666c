"""Plan §6 建立救助标准动态调整机制, the dibao standard, and the dibao category with its
differential allowance (差额救助, POLICY ch. 4). The standard's target, 15,000 a year by
2025, is one of the plan's targets (二、工作目标)."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

from domain.errors import NotFoundError, PolicyRuleError
from domain.money import format_yuan, round_half_up, yuan
from domain.policy.base import Amount, ProposedChange, money, param, seed
from domain.policy.s05_means_test import MeansTested, MeansTestResult

if TYPE_CHECKING:
    from domain.standards import StandardsBook


def percent(value: Fraction) -> str:
    """A ratio as a percentage to two places, half-up: Fraction(3, 100) -> "3.00%"."""
    return f"{format_yuan(round_half_up(value * 10000))}%"


def rises_with_income(change: ProposedChange) -> None:
    """§6 增幅不低于人均可支配收入增幅: a new dibao standard rises at least as fast as the
    per-capita disposable income growth it cites, unless it carries an override reason."""
    try:
        previous = change.book.in_force(change.key, change.effective_from - timedelta(days=1))
    except NotFoundError:
        return  # the first value of the timeline has nothing to rise from
    old = int(previous.value)
    new = int(change.value)
    rise = Fraction(new - old, old)
    if change.override_reason:
        return
    cited = change.cited_income_growth
    if cited is None:
        raise PolicyRuleError(
            "a change of the dibao standard must cite the growth of per-capita disposable "
            'income (cited_income_growth, e.g. "0.04"), or carry an override_reason (§6)',
            "cited_income_growth",
        )
    if rise < cited:
        raise PolicyRuleError(
            f"the dibao standard must rise at least as fast as per-capita disposable income "
            f"(§6 增幅不低于人均可支配收入增幅): {format_yuan(old)} -> {format_yuan(new)} is a "
            f"rise of {percent(rise)}, below the cited {percent(cited)}; "
            "give an override_reason to record it anyway",
            "value",
        )


PARAMETERS = (
    money(
        "dibao_standard_annual",
        "低保标准, yuan per person per year",
        param(yuan(13800), "PARAM: before the plan's 2025 target (二、工作目标)"),
        seed(yuan(15000), "SEED 二、工作目标: 15,000 by 2025", date(2025, 1, 1)),
        rule=rises_with_income,
    ),
)


def dibao_allowance(
    countable_income_fen: int, household_size: int, book: StandardsBook, on: date
) -> Amount:
    """差额救助: (monthly standard - per-capita monthly income) x size, never negative.

    Computed exactly as (annual standard x size - countable income) / 12 and rounded once,
    so 10,000 for three members gives 2,916.67 (POLICY ch. 11), not 2,916.66."""
    annual, found = book.money("dibao_standard_annual", on)
    exact = Fraction(annual * household_size - countable_income_fen, 12)
    monthly = max(round_half_up(exact), 0)
    income = format_yuan(countable_income_fen)
    return Amount(
        monthly,
        found,
        f"Dibao differential (POLICY ch. 4): ({format_yuan(annual)} / 12 - {income} / "
        f"{household_size} / 12) x {household_size} = {format_yuan(monthly)} a month from "
        f"{on.isoformat()} ({found.label}).",
    )


class Dibao(MeansTested):
    name = "dibao"
    title = "Dibao"
    title_zh = "低保"
    plan_item = "§6"  # its standard and amount; the category is granted by the §5 test
    amount_keys = ("dibao_standard_annual",)
    takes_income = True

    def basis(self, result: MeansTestResult) -> dict[str, int]:
        return {
            "countable_income_fen": result.countable_income_fen,
            "household_size": result.household_size,
        }

    def amount(self, inputs: dict[str, int], book: StandardsBook, on: date) -> Amount:
        return dibao_allowance(inputs["countable_income_fen"], inputs["household_size"], book, on)

    def migration_basis(
        self, countable_income_fen: int | None, household_size: int
    ) -> dict[str, int] | None:
        if countable_income_fen is None:
            return None
        return {"countable_income_fen": countable_income_fen, "household_size": household_size}


PROGRAMMES = (Dibao(),)
