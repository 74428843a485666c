"""Care and records (§21, §23, §30): home visits and their tiers, major changes, job
referrals and village dividends."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from domain.errors import (
    ConflictError,
    InvalidInputError,
    PolicyRuleError,
)
from domain.household.medical import (
    MedicalPart,
)
from domain.household.state import (
    HouseholdEvent,
)
from domain.policy.s23_village_subsidy import village_subsidy
from domain.policy.s30_visit_tiers import visit_tier

if TYPE_CHECKING:
    from domain.household import Household

Event = HouseholdEvent


class CarePart(MedicalPart):
    class VisitRecorded(Event):
        """A home visit (探访关爱, §30), effective on the day of the visit."""

        visitor: str
        findings: str
        needs: str | None

        def apply(self, aggregate: Household) -> None:
            aggregate.visits.append(self.effective_on)

    class MajorChangeReported(Event):
        """A major adverse change (重大变故): weekly visits until it is stabilised."""

        description: str

        def apply(self, aggregate: Household) -> None:
            aggregate.major_changes.append([self.effective_on, None])

    class SituationStabilised(Event):
        def apply(self, aggregate: Household) -> None:
            for change in aggregate.major_changes:
                if change[1] is None:
                    change[1] = self.effective_on

    class JobReferralRecorded(Event):
        """A job referral to a registered unemployed member (§21)."""

        member_id: str
        employer: str
        position: str | None

        def apply(self, aggregate: Household) -> None:
            aggregate.referrals[self.member_id] = aggregate.referrals.get(self.member_id, 0) + 1

    class DividendRecorded(Event):
        """Dividends a rural low-income household received (§23), and the subsidy of 50%
        of them due to the village."""

        year: int
        amount_fen: int
        village_subsidy_fen: int

    def record_visit(
        self, *, visited_on: date, visitor: str, findings: str, needs: str | None, actor: str
    ) -> None:
        if visited_on < self.registered_on:
            raise InvalidInputError(
                "visited_on is before the household was registered", "visited_on"
            )
        if not visitor.strip() or not findings.strip():
            raise InvalidInputError("a visit records its visitor and findings", "findings")
        self.trigger_event(
            self.VisitRecorded,
            visitor=visitor,
            findings=findings,
            needs=needs,
            actor=actor,
            effective_on=visited_on,
        )

    def report_major_change(self, *, reported_on: date, description: str, actor: str) -> None:
        if reported_on < self.registered_on:
            raise InvalidInputError(
                "reported_on is before the household was registered", "reported_on"
            )
        self.trigger_event(
            self.MajorChangeReported, description=description, actor=actor, effective_on=reported_on
        )

    def stabilise(self, *, on: date, actor: str) -> None:
        open_changes = [c for c in self.major_changes if c[1] is None]
        if not open_changes:
            raise ConflictError("no major change is open for this household", "on")
        if any(c[0] is not None and on < c[0] for c in open_changes):
            raise InvalidInputError("on is before the major change was reported", "on")
        self.trigger_event(self.SituationStabilised, actor=actor, effective_on=on)

    def refer_to_job(
        self,
        member_id: str,
        *,
        referred_on: date,
        employer: str,
        position: str | None,
        actor: str,
    ) -> int:
        member = self.member(member_id)
        if member.attribute("employment", referred_on) != "unemployed_registered":
            raise PolicyRuleError(
                "job referrals are recorded for registered unemployed members (§21)", "member_id"
            )
        self.trigger_event(
            self.JobReferralRecorded,
            member_id=member_id,
            employer=employer,
            position=position,
            actor=actor,
            effective_on=referred_on,
        )
        return self.referrals[member_id]

    def record_dividend(self, *, year: int, amount_fen: int, actor: str, on: date) -> int:
        """§23: dividends of a rural low-income household (低收入农户: see
        `rural_low_income_on`); the village gets a subsidy of 50% of them (SEED), half-up."""
        if not self.rural_low_income_on(on):
            category = self.household_category_on(on)
            raise PolicyRuleError(
                "dividends are recorded for rural low-income households (§23): a rural "
                "household that is dibao, marginal or low-income on the day; this one is "
                f"{self.residence} and {category.category if category else 'in no category'} "
                f"on {on.isoformat()}",
                "household_id",
            )
        if amount_fen <= 0:
            raise InvalidInputError("amount must be more than 0", "amount")
        subsidy = village_subsidy(amount_fen)
        self.trigger_event(
            self.DividendRecorded,
            year=year,
            amount_fen=amount_fen,
            village_subsidy_fen=subsidy,
            actor=actor,
            effective_on=on,
        )
        return subsidy

    def rural_low_income_on(self, on: date) -> bool:
        """低收入农户 (POLICY ch. 1 `rural_low_income`, §23): a rural household holding a
        household category on `on` (dibao, marginal or low-income; the flag combines with
        them and needs no determination of its own)."""
        return self.residence == "rural" and self.household_category_on(on) is not None

    def visit_tier(self, on: date) -> tuple[str, str] | None:
        """§30: weekly after a major change until stabilised; monthly with a severely
        disabled or ill member; quarterly otherwise; the strictest wins. None when the
        household is not a registered difficulty household on `on`."""
        return visit_tier(
            registered=self.is_registered_on(on),
            major_change_open=any(
                c[0] is not None and c[0] <= on and (c[1] is None or c[1] > on)
                for c in self.major_changes
            ),
            severe=any(
                m.present_on(on)
                and (m.attribute("severe_disability", on) or m.attribute("severe_illness", on))
                for m in self.members.values()
            ),
        )
