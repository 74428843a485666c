"""Plan §21 符合条件的生活困难失业人员，按当地低保标准给予不超过6个月的临时生活补助: the
temporary subsidy for a registered unemployed member, the dibao standard a month for at
most 6 months over all its approvals (the job referrals of §21 are in the warnings)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from domain.errors import ConflictError, PolicyRuleError
from domain.money import format_yuan
from domain.policy.base import PERSON, Amount, Subsidy, twelfth
from domain.policy.counting import calendar_months, months_later

if TYPE_CHECKING:
    from domain.household.state import ApplicationRecord, Member
    from domain.policy.base import HouseholdFacts
    from domain.standards import StandardsBook

PARAMETERS = ()

MONTHS = 6  # 不超过6个月


class UnemployedTemporarySubsidy(Subsidy):
    name = "unemployed_temporary_subsidy"
    title = "Unemployed temporary subsidy"
    title_zh = "失业人员临时生活补助"
    plan_item = "§21"
    level = PERSON
    amount_keys = ("dibao_standard_annual",)

    def eligible(
        self,
        household: HouseholdFacts,
        application: ApplicationRecord,
        member: Member | None,
        book: StandardsBook,
    ) -> dict[str, int]:
        on = application.effective_from
        if member is not None and member.attribute("employment", on) != "unemployed_registered":
            raise PolicyRuleError(
                "the temporary subsidy is for registered unemployed members (§21)", "member_id"
            )
        return {}

    def ends_on(self, household: HouseholdFacts, application: ApplicationRecord) -> date:
        """At most 6 months per member over all its approvals: a re-application gets the
        months that are left, from its own date, and may not overlap a period already
        approved (overlaps would extend it)."""
        on = application.effective_from
        periods = household.entitlement_periods(self.name, application.member_id)
        used = sum(calendar_months(start, end) for start, end in periods if end is not None)
        left = MONTHS - used
        if left <= 0 or any(end is None for _, end in periods):
            raise PolicyRuleError(
                f"the member has had the temporary subsidy for {used} months: the "
                f"{MONTHS} months of §21 are used up",
                "member_id",
            )
        ends = months_later(on, left)
        for start, end in periods:
            if end is not None and start < ends and on < end:
                raise ConflictError(
                    f"the member has the temporary subsidy from {start.isoformat()} to "
                    f"{end.isoformat()}; a new period of {left} months from {on.isoformat()} "
                    "would overlap it (§21: at most 6 months in all)",
                    "effective_from",
                )
        return ends

    def amount(self, inputs: dict[str, int], book: StandardsBook, on: date) -> Amount:
        monthly, annual, found = twelfth("dibao_standard_annual", book, on)
        return Amount(
            monthly,
            found,
            f"Temporary subsidy for a registered unemployed member (§21): the dibao standard "
            f"{format_yuan(annual)} / 12 = {format_yuan(monthly)} a month from {on.isoformat()}, "
            f"for at most 6 months ({found.label}).",
        )


PROGRAMMES = (UnemployedTemporarySubsidy(),)
