"""Plan §8 为低保家庭成员提供生活补助，低保边缘家庭成员补助标准不低于低保家庭成员生活补助
标准的50%: the charity living subsidy, the PARAM amount for a dibao member and at least
half of it (SEED; the share is a standard, default exactly 50%) for a marginal one."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

from domain.errors import PolicyRuleError
from domain.money import format_ratio, format_yuan, round_half_up, yuan
from domain.policy.base import PERSON, Amount, Subsidy, money, param, ratio, seed

if TYPE_CHECKING:
    from domain.household.state import ApplicationRecord, Member
    from domain.policy.base import HouseholdFacts
    from domain.standards import StandardsBook

PARAMETERS = (
    money(
        "charity_subsidy_dibao_monthly", "charity living subsidy (§8)", param(yuan(100), "PARAM §8")
    ),
    ratio(
        "charity_subsidy_marginal_share",
        "marginal share of it (§8)",
        seed(Fraction(1, 2), "SEED §8: >= 50%"),
        floor=Fraction(1, 2),
        bound_rule="§8: marginal members get at least 50% of the dibao members' charity subsidy",
    ),
)

DIBAO_PERSONS = frozenset({"dibao_single", "tekun"})  # a member counted as dibao


class CharityLivingSubsidy(Subsidy):
    name = "charity_living_subsidy"
    title = "Charity living subsidy"
    title_zh = "慈善生活补助"
    plan_item = "§8"
    level = PERSON
    amount_keys = ("charity_subsidy_dibao_monthly", "charity_subsidy_marginal_share")

    def eligible(
        self,
        household: HouseholdFacts,
        application: ApplicationRecord,
        member: Member | None,
        book: StandardsBook,
    ) -> dict[str, int]:
        on = application.effective_from
        person = application.member_id
        own = {c.category for c in household.categories_on(on) if c.member_id == person}
        dibao_person = bool(own & DIBAO_PERSONS)
        current = household.household_category_on(on)
        category = current.category if current else None
        if category not in ("dibao", "marginal") and not dibao_person:
            raise PolicyRuleError(
                "the charity living subsidy is for dibao and marginal members (§8)", "member_id"
            )
        return {"marginal": int(category == "marginal" and not dibao_person)}

    def amount(self, inputs: dict[str, int], book: StandardsBook, on: date) -> Amount:
        dibao_amount, found = book.money("charity_subsidy_dibao_monthly", on)
        if not inputs["marginal"]:
            return Amount(
                dibao_amount,
                found,
                f"Charity living subsidy (§8), dibao member: {format_yuan(dibao_amount)} a "
                f"month from {on.isoformat()} ({found.label}).",
            )
        share, share_found = book.ratio("charity_subsidy_marginal_share", on)
        monthly = round_half_up(share * dibao_amount)
        return Amount(
            monthly,
            share_found,
            f"Charity living subsidy (§8), marginal member: {format_ratio(share)} x "
            f"{format_yuan(dibao_amount)} = {format_yuan(monthly)} a month from {on.isoformat()} "
            f"({found.label}, {share_found.label}).",
        )


PROGRAMMES = (CharityLivingSubsidy(),)
