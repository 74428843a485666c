"""The other helps (§7-28): monthly subsidies paid by the runs, one-off grants, and the
checks of their application details."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from domain.errors import (
    ConflictError,
    InvalidInputError,
    PolicyRuleError,
)
from domain.household.applications import (
    ApplicationsPart,
    _disaster_details,
    _renovation_requested,
    _rent_details,
    _school_year,
)
from domain.household.entitlements import (
    _months,
    _periods,
)
from domain.household.state import (
    CARE,
    PERSON_PROGRAMMES,
    SCHOOL_STAGES,
    UNEMPLOYED_SUBSIDY_MONTHS,
    ApplicationRecord,
    Determination,
    HouseholdEvent,
    _choice,
    entitlement_key,
)
from domain.money import format_ratio
from domain.rules import (
    HOUSE_LOSSES,
    Amount,
    cash_amount,
    check_rent_tier_ratio,
    disaster_relief,
    education_aid,
    months_later,
    renovation_grant,
)
from domain.standards import StandardsBook

if TYPE_CHECKING:
    from domain.household import Household

Event = HouseholdEvent


class HelpsPart(ApplicationsPart):
    class GrantAwarded(Event):
        """A one-off grant (education aid, 暖巢 renovation, disaster relief)."""

        application_id: str
        programme: str
        member_id: str | None
        amount_fen: int
        details: dict[str, Any]
        standard_version: str
        explanation: str

        def apply(self, aggregate: Household) -> None:
            aggregate.grants.append(
                {
                    "programme": self.programme,
                    "member_id": self.member_id,
                    "amount_fen": self.amount_fen,
                    "details": dict(self.details),
                }
            )

    def _approve_subsidy(
        self, application: ApplicationRecord, reason: str, actor: str, book: StandardsBook
    ) -> Determination:
        """The monthly helps: each checked against its rule, then an entitlement paid by
        the payment runs (and recomputed when its standard changes)."""
        on = application.effective_from
        programme = application.programme
        person = application.member_id if programme in PERSON_PROGRAMMES else None
        member = self.member(person) if person else None
        if programme in PERSON_PROGRAMMES and member is None:  # refused at submission too
            raise InvalidInputError(
                f"a {programme} application must name the person (member_id)", "member_id"
            )
        if member is not None and not member.present_on(on):
            raise PolicyRuleError("the member is not in the household then", "member_id")
        current = self.household_category_on(on)
        person_categories = {c.category for c in self.categories_on(on) if c.member_id == person}
        if not self._registered_on(on):
            raise PolicyRuleError(
                f"{programme} is for registered difficulty households; this household holds "
                f"no category on {on.isoformat()}",
                "programme",
            )
        inputs: dict[str, int] = {}
        details = application.details
        if programme == "charity_living_subsidy":
            dibao_person = bool(person_categories & {"dibao_single", "tekun"})
            household = current.category if current else None
            if household not in ("dibao", "marginal") and not dibao_person:
                raise PolicyRuleError(
                    "the charity living subsidy is for dibao and marginal members (§8)",
                    "member_id",
                )
            inputs = {"marginal": int(household == "marginal" and not dibao_person)}
        elif programme in ("virtual_job_subsidy", "rent_subsidy") and self.residence != "urban":
            raise PolicyRuleError(f"{programme} is for urban households (§7, §12)", "programme")
        elif programme == "unemployed_temporary_subsidy" and member is not None:
            if member.attribute("employment", on) != "unemployed_registered":
                raise PolicyRuleError(
                    "the temporary subsidy is for registered unemployed members (§21)",
                    "member_id",
                )
        elif programme == "eldercare_service_subsidy" and member is not None:
            _choice("details.care", details.get("care"), CARE)
            age = (
                on.year
                - member.birth_on.year
                - ((on.month, on.day) < (member.birth_on.month, member.birth_on.day))
            )
            elderly, elderly_std = book.ratio("eldercare_min_age", on)
            if age < elderly:
                raise PolicyRuleError(
                    f"the eldercare service subsidy is for the elderly ({format_ratio(elderly)} "
                    f"or over, §27, {elderly_std.label}); the member is {age}",
                    "member_id",
                )
        if programme == "rent_subsidy":
            if current is None or current.category not in ("dibao", "low_income"):
                raise PolicyRuleError(
                    "the rent subsidy is for urban dibao and low-income households (§12)",
                    "programme",
                )
            ratio, rent = _rent_details(details)
            inputs = {
                "tier_ratio_num": ratio.numerator,
                "tier_ratio_den": ratio.denominator,
                "market_rent_fen": rent,
            }
            check_rent_tier_ratio(ratio, book, on)
        ends = (
            self._temporary_subsidy_end(person or "", on)
            if programme == "unemployed_temporary_subsidy"
            else None
        )
        amount = cash_amount(programme, inputs, book, on)
        if amount.paused:  # price subsidy: CPI below the trigger on the date
            raise PolicyRuleError(
                f"the price subsidy is paid while CPI is at or above the trigger: "
                f"{amount.explanation}",
                "effective_from",
            )
        entitlement = {
            "programme": programme,
            "member_id": person,
            "monthly_fen": amount.monthly_fen,
            "effective_from": on.isoformat(),
            "standard_version": amount.standard.label,
        }
        self._record_determination(
            application,
            "approve",
            reason,
            "approved",
            None,
            amount.explanation,
            {**inputs, **({"member_id": person} if person else {})},
            {amount.standard.key: amount.standard.label},
            [entitlement],
            actor,
        )
        self._entitle(application, person, inputs, ends, actor, book)
        return Determination(
            application.application_id, "approved", None, [entitlement], amount.explanation
        )

    def _temporary_subsidy_end(self, member_id: str, on: date) -> date:
        """§21 pays the temporary subsidy for at most 6 months per member over all its
        approvals: a re-application gets the months that are left, from its own date, and
        may not overlap a period already approved (overlaps would extend it)."""
        periods = _periods(
            self.bases.get(entitlement_key("unemployed_temporary_subsidy", member_id), [])
        )
        used = sum(_months(start, end) for start, end in periods if end is not None)
        left = UNEMPLOYED_SUBSIDY_MONTHS - used
        if left <= 0 or any(end is None for _, end in periods):
            raise PolicyRuleError(
                f"the member has had the temporary subsidy for {used} months: the "
                f"{UNEMPLOYED_SUBSIDY_MONTHS} months of §21 are used up",
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

    def grant_amount(self, application: ApplicationRecord, book: StandardsBook) -> Amount:
        """A one-off grant's amount by its rule (§11, §14, §28) from the application's
        recorded details and the household as it stands before the grant; also what
        `ledger verify` recomputes a recorded grant with."""
        on = application.effective_from
        programme = application.programme
        details = application.details
        person = application.member_id
        if programme == "education_aid":
            member = self.member(person or "")
            year = _school_year(details)
            recorded_stage = member.attribute("school_stage", on)
            if member.relation != "child" and recorded_stage is None:
                raise PolicyRuleError(
                    f"education aid is per child (§11): {member.name} is the household's "
                    f"{member.relation} and has no school stage recorded on {on.isoformat()}",
                    "member_id",
                )
            stage = details.get("stage") or recorded_stage
            if stage not in SCHOOL_STAGES:
                raise InvalidInputError(
                    f"details.stage must be one of {', '.join(SCHOOL_STAGES)}", "details.stage"
                )
            for grant in self.grants:
                if (
                    grant["programme"],
                    grant["member_id"],
                    grant["details"].get("school_year"),
                ) == (programme, person, year):
                    raise ConflictError(
                        f"education aid for {year} is already granted to this child (§11)",
                        "details.school_year",
                    )
            current = self.household_category_on(on)
            orphan = bool(details.get("orphan"))
            person_dibao = any(
                c.member_id == person and c.category in ("dibao_single", "tekun")
                for c in self.categories_on(on)
            )
            if orphan or person_dibao or (current is not None and current.category == "dibao"):
                full = True
            elif current is not None and current.category == "marginal":
                full = False
            else:
                raise PolicyRuleError(
                    "education aid is for children of dibao and marginal households and orphans "
                    "(§11)",
                    "member_id",
                )
            amount = education_aid(str(stage), full, book, on)
        elif programme == "renovation_grant":
            if not self._registered_on(on):
                raise PolicyRuleError(
                    "暖巢 renovation is for registered difficulty households (§14)", "programme"
                )
            before = sum(g["amount_fen"] for g in self.grants if g["programme"] == programme)
            amount = renovation_grant(_renovation_requested(details), before, book, on)
        else:  # disaster_relief: no means test, no prior category (§28)
            disaster_on, loss, persons, days = _disaster_details(details, on)
            self._refuse_repeated_disaster_grant(disaster_on, loss)
            amount = disaster_relief(loss, disaster_on, persons, days, book)
        return amount

    def _approve_grant(
        self, application: ApplicationRecord, reason: str, actor: str, book: StandardsBook
    ) -> Determination:
        """The one-off grants, each by its rule; recorded as GrantAwarded."""
        on = application.effective_from
        programme = application.programme
        details = application.details
        person = application.member_id
        amount = self.grant_amount(application, book)
        self._record_determination(
            application,
            "approve",
            reason,
            "approved",
            None,
            amount.explanation,
            dict(details),
            {amount.standard.key: amount.standard.label},
            [{"programme": programme, "member_id": person, "amount_fen": amount.monthly_fen}],
            actor,
        )
        self.trigger_event(
            self.GrantAwarded,
            application_id=application.application_id,
            programme=programme,
            member_id=person,
            amount_fen=amount.monthly_fen,
            details=dict(details),
            standard_version=amount.standard.label,
            explanation=amount.explanation,
            actor=actor,
            effective_on=on,
        )
        return Determination(
            application.application_id,
            "approved",
            None,
            [{"programme": programme, "member_id": person, "amount_fen": amount.monthly_fen}],
            amount.explanation,
        )

    def _refuse_repeated_disaster_grant(self, disaster_on: date, loss: str) -> None:
        """§28 pays a house loss once per household and disaster (a house that collapsed
        is not also damaged), and a per-person loss once per household, disaster and
        loss: the one grant names every person it covers (`details.persons`)."""
        house = loss in HOUSE_LOSSES
        for grant in self.grants:
            before = grant["details"]
            if grant["programme"] != "disaster_relief" or before.get("disaster_on") != (
                disaster_on.isoformat()
            ):
                continue
            if before.get("loss") == loss or (house and before.get("loss") in HOUSE_LOSSES):
                raise ConflictError(
                    f"disaster relief for the {before.get('loss')} of "
                    f"{disaster_on.isoformat()} is already granted to this household (§28)",
                    "details.loss",
                )
