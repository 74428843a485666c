"""Plan §7 开展慈善“爱心虚拟岗”帮扶工作，对城镇在册困难家庭成员，每月发放虚拟岗补助:
a monthly subsidy per member of an urban registered difficulty household."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from domain.money import yuan
from domain.policy.base import PERSON, Amount, Subsidy, flat_monthly, money, param, urban_only

if TYPE_CHECKING:
    from domain.household.state import ApplicationRecord, Member
    from domain.policy.base import HouseholdFacts
    from domain.standards import StandardsBook

PARAMETERS = (
    money("virtual_job_subsidy_monthly", "爱心虚拟岗 subsidy (§7)", param(yuan(200), "PARAM §7")),
)


class VirtualJobSubsidy(Subsidy):
    name = "virtual_job_subsidy"
    title = "Virtual job subsidy"
    title_zh = "爱心虚拟岗"
    plan_item = "§7"
    level = PERSON  # 对城镇在册困难家庭成员: per member
    amount_keys = ("virtual_job_subsidy_monthly",)

    def eligible(
        self,
        household: HouseholdFacts,
        application: ApplicationRecord,
        member: Member | None,
        book: StandardsBook,
    ) -> dict[str, int]:
        urban_only(self.name, household, "§7, §12")
        return {}

    def amount(self, inputs: dict[str, int], book: StandardsBook, on: date) -> Amount:
        return flat_monthly("virtual_job_subsidy_monthly", "爱心虚拟岗 subsidy (§7)", book, on)


PROGRAMMES = (VirtualJobSubsidy(),)
