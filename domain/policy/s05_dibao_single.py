"""Plan §5 对低保边缘户中的重病、重残对象，以单人户方式纳入低保范围, paid in full by §6
(全额发放低保金): one-person dibao for a severely ill or disabled member of a marginal
household."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from domain.errors import PolicyRuleError
from domain.money import format_yuan
from domain.policy.base import CATEGORY, PERSON, Amount, Assessment, Programme, twelfth

if TYPE_CHECKING:
    from domain.household.state import ApplicationRecord
    from domain.policy.base import HouseholdFacts
    from domain.standards import StandardsBook

PARAMETERS = ()


class DibaoSingle(Programme):
    name = "dibao_single"
    title = "One-person dibao"
    title_zh = "单人户低保"
    plan_item = "§5"
    kind = CATEGORY
    level = PERSON
    amount_keys = ("dibao_standard_annual",)
    within = "marginal"

    def assess(
        self,
        household: HouseholdFacts,
        application: ApplicationRecord,
        reason: str,
        book: StandardsBook,
    ) -> Assessment:
        on = application.effective_from
        member_id = application.member_id
        self.check_continues(household, member_id, on)
        member = household.member(member_id or "")
        ill = member.attribute("severe_illness", on)
        disabled = member.attribute("severe_disability", on)
        inputs = {
            "member_id": member_id,
            "severe_illness": ill,
            "severe_disability": disabled,
            "household_category": self.within,
        }
        line = (
            f"{member.name} is severely {'ill' if ill else 'disabled'} in a marginal household "
            "and is taken into dibao as a one-person household (§5)."
        )
        return Assessment(inputs, lines=[line])

    def check_continues(self, household: HouseholdFacts, member_id: str | None, on: date) -> None:
        """A marginal household, the member in it, severely ill or disabled, on `on`
        (§5): what the approval needs and what a review's `continue` needs still."""
        member = household.member(member_id or "")
        current = household.household_category_on(on)
        if current is None or current.category != self.within:
            raise PolicyRuleError(
                "one-person dibao is for a member of a marginal household (§5); this "
                f"household is {current.category if current else 'in no category'} on "
                f"{on.isoformat()}",
                "programme",
            )
        if not member.present_on(on):
            raise PolicyRuleError("the member is not in the household then", "member_id")
        severe = member.attribute("severe_illness", on) or member.attribute("severe_disability", on)
        if not severe:
            raise PolicyRuleError(
                "one-person dibao needs a severe illness (重病) or severe disability (重残) "
                f"recorded for the member on {on.isoformat()} (§5)",
                "member_id",
            )

    def amount(self, inputs: dict[str, int], book: StandardsBook, on: date) -> Amount:
        """The full monthly dibao standard (§6 全额)."""
        monthly, annual, found = twelfth("dibao_standard_annual", book, on)
        return Amount(
            monthly,
            found,
            f"One-person dibao (§5, §6 全额): the full standard {format_yuan(annual)} / 12 = "
            f"{format_yuan(monthly)} a month from {on.isoformat()} ({found.label}).",
        )


PROGRAMMES = (DibaoSingle(),)
