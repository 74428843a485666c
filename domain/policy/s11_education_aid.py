"""Plan §11 开展“慈善助学”: aid per child and school year by stage; children of dibao
households and orphans the full amount, children of marginal households 50% (SEED)."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from domain.errors import ConflictError, InvalidInputError, PolicyRuleError
from domain.money import format_yuan, round_half_up, yuan
from domain.policy.base import GRANT, PERSON, Amount, Programme, choice, money, param

if TYPE_CHECKING:
    from datetime import date

    from domain.household.state import ApplicationRecord
    from domain.policy.base import HouseholdFacts
    from domain.standards import StandardsBook

STAGES = ("preschool", "primary", "junior", "senior", "university")

PARAMETERS = tuple(
    money(
        f"education_aid_{stage}", f"education aid, {meaning} (§11)", param(yuan(value), "PARAM §11")
    )
    for stage, meaning, value in (
        ("preschool", "preschool", 1000),
        ("primary", "primary", 1000),
        ("junior", "junior high", 1500),
        ("senior", "senior high", 2000),
        ("university", "university", 5000),
    )
)

FULL_PERSONS = frozenset({"dibao_single", "tekun"})  # a child counted as dibao


def school_year(details: dict[str, Any]) -> str:
    """§11 aid is per school year: "YYYY-YYYY", two consecutive years."""
    year = details.get("school_year")
    match = re.fullmatch(r"(\d{4})-(\d{4})", year) if isinstance(year, str) else None
    if match is None or int(match[2]) != int(match[1]) + 1:
        raise InvalidInputError(
            f'details.school_year must be two consecutive years such as "2025-2026"; got {year!r}',
            "details.school_year",
        )
    return match[0]


def education_aid(stage: str, full: bool, book: StandardsBook, on: date) -> Amount:
    amount, found = book.money(f"education_aid_{stage}", on)
    granted = amount if full else round_half_up(Fraction(amount, 2))
    share = "full amount" if full else "50% (marginal household)"
    return Amount(
        granted,
        found,
        f"Education aid (§11), {stage}: {format_yuan(amount)}, {share} = "
        f"{format_yuan(granted)} ({found.label}).",
    )


class EducationAid(Programme):
    name = "education_aid"
    title = "Education aid"
    title_zh = "慈善助学"
    plan_item = "§11"
    kind = GRANT
    level = PERSON

    def check_details(self, details: dict[str, Any], effective_from: date) -> None:
        school_year(details)
        choice("details.stage", details.get("stage"), STAGES, optional=True)

    def grant(
        self, household: HouseholdFacts, application: ApplicationRecord, book: StandardsBook
    ) -> Amount:
        on = application.effective_from
        details = application.details
        person = application.member_id
        member = household.member(person or "")
        year = school_year(details)
        recorded_stage = member.attribute("school_stage", on)
        if member.relation != "child" and recorded_stage is None:
            raise PolicyRuleError(
                f"education aid is per child (§11): {member.name} is the household's "
                f"{member.relation} and has no school stage recorded on {on.isoformat()}",
                "member_id",
            )
        stage = details.get("stage") or recorded_stage
        if stage not in STAGES:
            raise InvalidInputError(
                f"details.stage must be one of {', '.join(STAGES)}", "details.stage"
            )
        for grant in household.grants:
            if (grant["programme"], grant["member_id"], grant["details"].get("school_year")) == (
                self.name,
                person,
                year,
            ):
                raise ConflictError(
                    f"education aid for {year} is already granted to this child (§11)",
                    "details.school_year",
                )
        return education_aid(str(stage), self._full(household, application), book, on)

    def _full(self, household: HouseholdFacts, application: ApplicationRecord) -> bool:
        """The full amount for a dibao child or an orphan, half for a marginal one."""
        on = application.effective_from
        current = household.household_category_on(on)
        person_dibao = any(
            c.member_id == application.member_id and c.category in FULL_PERSONS
            for c in household.categories_on(on)
        )
        if application.details.get("orphan") or person_dibao:
            return True
        if current is not None and current.category == "dibao":
            return True
        if current is not None and current.category == "marginal":
            return False
        raise PolicyRuleError(
            "education aid is for children of dibao and marginal households and orphans (§11)",
            "member_id",
        )


PROGRAMMES = (EducationAid(),)
