"""Applications: their receipt, and the record of their determination."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from domain.errors import (
    InvalidInputError,
)
from domain.household.care import (
    CarePart,
)
from domain.household.state import (
    ApplicationRecord,
    HouseholdEvent,
)
from domain.policy.registry import REGISTRY
from domain.policy.s05_means_test import Means

if TYPE_CHECKING:
    from domain.household import Household

Event = HouseholdEvent


class ApplicationsPart(CarePart):
    class ApplicationSubmitted(Event):
        application_id: str
        programme: str
        member_id: str | None
        means: dict[str, int] | None
        details: dict[str, Any]

        def apply(self, aggregate: Household) -> None:
            aggregate.applications[self.application_id] = ApplicationRecord(
                self.application_id,
                self.programme,
                self.effective_on,
                self.member_id,
                Means.from_dict(self.means) if self.means is not None else None,
                dict(self.details),
                self.actor,
            )

    class ApplicationDetermined(Event):
        application_id: str
        decision: str
        reason: str
        outcome: str
        category: str | None
        explanation: str
        inputs: dict[str, Any]
        standard_versions: dict[str, str]
        entitlements: list[dict[str, Any]]

        def apply(self, aggregate: Household) -> None:
            application = aggregate.applications[self.application_id]
            application.decision = self.outcome
            application.determined_at = self.originator_version

    def submit_application(
        self,
        *,
        programme: str,
        effective_from: date,
        means: Means | None,
        member_id: str | None,
        details: dict[str, Any],
        actor: str,
        application_id: str | None = None,
    ) -> str:
        declared = REGISTRY[programme]
        person = member_id or details.get("member_id")
        if person is not None:
            self.member(str(person), field_name="member_id")
        if declared.person_level and person is None:
            raise InvalidInputError(
                f"a {programme} application must name the person (member_id)", "member_id"
            )
        if declared.means_tested and means is None:
            raise InvalidInputError(f"a {programme} application needs means", "means")
        if effective_from < self.registered_on:
            raise InvalidInputError(
                f"effective_from is before the household was registered "
                f"({self.registered_on.isoformat()})",
                "effective_from",
            )
        declared.check_details(details, effective_from)
        new_id = application_id or str(uuid4())
        self.trigger_event(
            self.ApplicationSubmitted,
            application_id=new_id,
            programme=programme,
            member_id=str(person) if person is not None else None,
            means=means.as_dict() if means is not None else None,
            details=details,
            actor=actor,
            effective_on=effective_from,
        )
        return new_id

    def _record_determination(
        self,
        application: ApplicationRecord,
        decision: str,
        reason: str,
        outcome: str,
        category: str | None,
        explanation: str,
        inputs: dict[str, Any],
        versions: dict[str, str],
        entitlements: list[dict[str, Any]],
        actor: str,
    ) -> None:
        self.trigger_event(
            self.ApplicationDetermined,
            application_id=application.application_id,
            decision=decision,
            reason=reason,
            outcome=outcome,
            category=category,
            explanation=explanation,
            inputs=inputs,
            standard_versions=versions,
            entitlements=entitlements,
            actor=actor,
            effective_on=application.effective_from,
        )
