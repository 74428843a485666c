"""Plan §6 稳步提高特困供养人员救助水平: the tekun (特困) standard, at least 50% of the
previous year's urban per-capita consumption expenditure, and tekun support per person."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

from domain.errors import PolicyRuleError
from domain.money import format_yuan, round_half_up, yuan
from domain.policy.base import (
    CATEGORY,
    PERSON,
    Amount,
    Assessment,
    Programme,
    ProposedChange,
    money,
    param,
    twelfth,
)

if TYPE_CHECKING:
    from domain.household.state import ApplicationRecord
    from domain.policy.base import HouseholdFacts
    from domain.standards import StandardsBook


def half_of_urban_consumption(change: ProposedChange) -> None:
    """§6 保障标准不低于上年度嘉兴地区城镇居民家庭人均消费性支出的50%."""
    cited = change.cited_urban_consumption_fen
    if cited is None:
        raise PolicyRuleError(
            "a change of the tekun standard must cite the previous year's urban per-capita "
            "consumption expenditure (cited_urban_consumption) (§6)",
            "cited_urban_consumption",
        )
    floor = Fraction(cited, 2)
    if int(change.value) < floor:
        raise PolicyRuleError(
            f"the tekun standard must be at least 50% of the previous year's urban "
            f"per-capita consumption expenditure (§6): {format_yuan(int(change.value))} is "
            f"below {format_yuan(cited)} x 50% = {format_yuan(round_half_up(floor))}",
            "value",
        )


PARAMETERS = (
    money(
        "tekun_standard_annual",
        "特困 basic support, per person per year",
        param(yuan(26000), "PARAM §6 (>= 50% consumption)"),
        rule=half_of_urban_consumption,
    ),
)


class Tekun(Programme):
    name = "tekun"
    title = "Tekun support"
    title_zh = "特困供养"
    plan_item = "§6"
    kind = CATEGORY
    level = PERSON
    amount_keys = ("tekun_standard_annual",)

    def assess(
        self,
        household: HouseholdFacts,
        application: ApplicationRecord,
        reason: str,
        book: StandardsBook,
    ) -> Assessment:
        """A member with no working-age income and no supporter, as the approver finds."""
        member_id = application.member_id
        member = household.member(member_id or "")
        if not member.present_on(application.effective_from):
            raise PolicyRuleError("the member is not in the household then", "member_id")
        line = f"{member.name} is determined 特困 (no working-age income, no supporter): {reason}."
        return Assessment({"member_id": member_id}, lines=[line])

    def amount(self, inputs: dict[str, int], book: StandardsBook, on: date) -> Amount:
        """The annual tekun standard / 12 per person."""
        monthly, annual, found = twelfth("tekun_standard_annual", book, on)
        return Amount(
            monthly,
            found,
            f"Tekun support (POLICY ch. 4, §6): {format_yuan(annual)} / 12 = "
            f"{format_yuan(monthly)} a month from {on.isoformat()} ({found.label}).",
        )


PROGRAMMES = (Tekun(),)
