"""Plan §27 对接受居家社区养老服务或入住养老机构的困难老年人，发放养老服务补贴: the
eldercare service subsidy for an elderly member in home or community care or in an
institution."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from domain.errors import PolicyRuleError
from domain.money import format_ratio, yuan
from domain.policy.base import (
    PERSON,
    Amount,
    Subsidy,
    age_on,
    choice,
    flat_monthly,
    money,
    param,
    ratio,
)

if TYPE_CHECKING:
    from domain.household.state import ApplicationRecord, Member
    from domain.policy.base import HouseholdFacts
    from domain.standards import StandardsBook

CARE = ("home_community", "institution")  # 居家社区养老服务 / 入住养老机构

PARAMETERS = (
    money(
        "eldercare_subsidy_monthly",
        "eldercare service subsidy (§27)",
        param(yuan(300), "PARAM §27"),
    ),
    ratio(
        "eldercare_min_age",
        "age from which the eldercare subsidy (§27)",
        param(Fraction(60), "PARAM §27: elderly from 60"),
    ),
)


class EldercareServiceSubsidy(Subsidy):
    name = "eldercare_service_subsidy"
    title = "Eldercare service subsidy"
    title_zh = "养老服务补贴"
    plan_item = "§27"
    level = PERSON
    amount_keys = ("eldercare_subsidy_monthly",)

    def check_details(self, details: dict[str, Any], effective_from: date) -> None:
        choice("details.care", details.get("care"), CARE)

    def eligible(
        self,
        household: HouseholdFacts,
        application: ApplicationRecord,
        member: Member | None,
        book: StandardsBook,
    ) -> dict[str, int]:
        on = application.effective_from
        if member is None:
            return {}
        choice("details.care", application.details.get("care"), CARE)
        age = age_on(member.birth_on, on)
        elderly, elderly_std = book.ratio("eldercare_min_age", on)
        if age < elderly:
            raise PolicyRuleError(
                f"the eldercare service subsidy is for the elderly ({format_ratio(elderly)} "
                f"or over, §27, {elderly_std.label}); the member is {age}",
                "member_id",
            )
        return {}

    def amount(self, inputs: dict[str, int], book: StandardsBook, on: date) -> Amount:
        return flat_monthly(
            "eldercare_subsidy_monthly", "Eldercare service subsidy (§27)", book, on
        )


PROGRAMMES = (EldercareServiceSubsidy(),)
