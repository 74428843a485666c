"""Plan §12 租赁补贴标准不低于当地住房市场平均租金的40%: the rent subsidy for urban dibao and
low-income households, tier ratio x the local average market rent. The 40% floor gates the
approval; it does not change the amount, so a later change of the floor never refuses an
entitlement already granted."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from domain.errors import InvalidInputError, PolicyRuleError
from domain.money import format_ratio, format_yuan, parse_ratio, parse_yuan, round_half_up
from domain.policy.base import HOUSEHOLD, Amount, Subsidy, ratio, seed, urban_only

if TYPE_CHECKING:
    from domain.household.state import ApplicationRecord, Member
    from domain.policy.base import HouseholdFacts
    from domain.standards import StandardsBook

PARAMETERS = (
    ratio(
        "rent_subsidy_min_ratio",
        "lowest rent subsidy tier ratio (§12)",
        seed(Fraction(2, 5), "SEED §12: >= 40%"),
        floor=Fraction(2, 5),
        bound_rule="§12: the rent subsidy tier ratio is at least 40% of the market rent",
    ),
)


def rent_details(details: dict[str, Any]) -> tuple[Fraction, int]:
    """A tier ratio of the rent (a share: at most 1) and the average market rent."""
    tier = parse_ratio(details.get("tier_ratio"), "details.tier_ratio")
    if tier > 1:
        raise InvalidInputError(
            f"details.tier_ratio is a share of the rent: at most 1, got {format_ratio(tier)}",
            "details.tier_ratio",
        )
    rent = parse_yuan(details.get("average_market_rent"), "details.average_market_rent")
    if rent <= 0:
        raise InvalidInputError(
            "details.average_market_rent must be more than 0", "details.average_market_rent"
        )
    return tier, rent


class RentSubsidy(Subsidy):
    name = "rent_subsidy"
    title = "Rent subsidy"
    title_zh = "租赁补贴"
    plan_item = "§12"
    level = HOUSEHOLD
    amount_keys = ()  # tier x market rent; the floor only gates the approval

    def check_details(self, details: dict[str, Any], effective_from: date) -> None:
        rent_details(details)

    def eligible(
        self,
        household: HouseholdFacts,
        application: ApplicationRecord,
        member: Member | None,
        book: StandardsBook,
    ) -> dict[str, int]:
        on = application.effective_from
        urban_only(self.name, household, "§7, §12")
        current = household.household_category_on(on)
        if current is None or current.category not in ("dibao", "low_income"):
            raise PolicyRuleError(
                "the rent subsidy is for urban dibao and low-income households (§12)",
                "programme",
            )
        tier, rent = rent_details(application.details)
        floor = book.ratio("rent_subsidy_min_ratio", on)[0]
        if tier < floor:
            raise PolicyRuleError(
                f"the rent subsidy tier ratio {format_ratio(tier)} is below the "
                f"{format_ratio(floor)} floor (§12)",
                "details.tier_ratio",
            )
        return {
            "tier_ratio_num": tier.numerator,
            "tier_ratio_den": tier.denominator,
            "market_rent_fen": rent,
        }

    def amount(self, inputs: dict[str, int], book: StandardsBook, on: date) -> Amount:
        tier = Fraction(inputs["tier_ratio_num"], inputs["tier_ratio_den"])
        rent = inputs["market_rent_fen"]
        floor, found = book.ratio("rent_subsidy_min_ratio", on)
        monthly = round_half_up(tier * rent)
        return Amount(
            monthly,
            found,
            f"Rent subsidy (§12): tier ratio {format_ratio(tier)} x average market rent "
            f"{format_yuan(rent)} = {format_yuan(monthly)} a month from {on.isoformat()} "
            f"(floor {format_ratio(floor)}, {found.label}).",
        )


PROGRAMMES = (RentSubsidy(),)
