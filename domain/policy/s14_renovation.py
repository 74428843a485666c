"""Plan §14 开展“暖巢行动”: renovation grants to registered difficulty households, at most
30,000 yuan per household over all its grants (SEED)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.errors import InvalidInputError, PolicyRuleError
from domain.money import format_yuan, parse_yuan, yuan
from domain.policy.base import GRANT, HOUSEHOLD, Amount, Programme, money, seed

if TYPE_CHECKING:
    from datetime import date

    from domain.household.state import ApplicationRecord
    from domain.policy.base import HouseholdFacts
    from domain.standards import StandardsBook

PARAMETERS = (
    money(
        "renovation_household_cap",
        "暖巢 grants per household (§14)",
        seed(yuan(30000), "SEED §14"),
        cap=yuan(30000),
        bound_rule="§14: 暖巢 renovation grants total at most 30,000 yuan per household",
    ),
)


def requested(details: dict[str, Any]) -> int:
    amount = parse_yuan(details.get("requested"), "details.requested")
    if amount <= 0:
        raise InvalidInputError("details.requested must be more than 0", "details.requested")
    return amount


class RenovationGrant(Programme):
    name = "renovation_grant"
    title = "暖巢 renovation"
    title_zh = "暖巢改造"
    plan_item = "§14"
    kind = GRANT
    level = HOUSEHOLD

    def check_details(self, details: dict[str, Any], effective_from: date) -> None:
        requested(details)

    def grant(
        self, household: HouseholdFacts, application: ApplicationRecord, book: StandardsBook
    ) -> Amount:
        on = application.effective_from
        if not household.is_registered_on(on):
            raise PolicyRuleError(
                "暖巢 renovation is for registered difficulty households (§14)", "programme"
            )
        before = sum(g["amount_fen"] for g in household.grants if g["programme"] == self.name)
        asked = requested(application.details)
        cap, found = book.money("renovation_household_cap", on)
        left = max(cap - before, 0)
        if left == 0:
            raise PolicyRuleError(
                f"the household has had {format_yuan(before)} of renovation grants: "
                f"the {format_yuan(cap)} cap is used up (§14)",
                "details.requested",
            )
        granted = min(asked, left)
        cut = "" if granted == asked else ", cut to what is left of the cap"
        return Amount(
            granted,
            found,
            f"暖巢 renovation (§14): requested {format_yuan(asked)}; {format_yuan(left)} "
            f"left of the {format_yuan(cap)} cap{cut}: {format_yuan(granted)} ({found.label}).",
        )


PROGRAMMES = (RenovationGrant(),)
