"""Plan §6 根据物价指数变化，及时启动困难群众基本生活价格补贴: the price subsidy, paid
while the CPI rise recorded for the month is at or above the trigger, paused below it."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

from domain.money import format_ratio, format_yuan, yuan
from domain.policy.base import PERSON, Amount, Subsidy, money, param, ratio

if TYPE_CHECKING:
    from domain.standards import StandardsBook

PARAMETERS = (
    money(
        "price_subsidy_monthly",
        "price subsidy per recipient per month",
        param(yuan(50), "PARAM §6 price subsidy"),
    ),
    ratio(
        "price_subsidy_cpi_trigger",
        "CPI rise that starts the subsidy",
        param(Fraction(35, 1000), "PARAM §6 CPI trigger"),
    ),
    ratio(
        "cpi_yoy",
        "CPI year-on-year rise recorded for a month (§6)",
        param(Fraction(0), "PARAM §6: the monthly CPI rise, none recorded"),
    ),
)


class PriceSubsidy(Subsidy):
    name = "price_subsidy"
    title = "Price subsidy"
    title_zh = "价格补贴"
    plan_item = "§6"
    level = PERSON
    amount_keys = ("price_subsidy_monthly", "price_subsidy_cpi_trigger", "cpi_yoy")
    pausable = True

    def amount(self, inputs: dict[str, int], book: StandardsBook, on: date) -> Amount:
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
            f"Price subsidy (§6): {rise}: at or above it, {format_yuan(monthly)} a month from "
            f"{on.isoformat()} ({found.label}).",
        )


PROGRAMMES = (PriceSubsidy(),)
