"""Applications: their receipt, and the record of their determination."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from domain.errors import (
    InvalidInputError,
    PolicyRuleError,
)
from domain.household.care import (
    CarePart,
)
from domain.household.state import (
    ApplicationRecord,
    HouseholdEvent,
    PathRecord,
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

    class ApplicationReceived(Event):
        """An application on the statutory path (POLICY ch. 14), received on its date with
        every member's signed authorisation of the economic-status check (授权书)."""

        application_id: str
        programme: str
        member_id: str | None
        effective_from: date
        means: dict[str, int] | None
        details: dict[str, Any]
        consents: list[dict[str, Any]]

        def apply(self, aggregate: Household) -> None:
            aggregate.applications[self.application_id] = ApplicationRecord(
                self.application_id,
                self.programme,
                self.effective_from,
                self.member_id,
                Means.from_dict(self.means) if self.means is not None else None,
                dict(self.details),
                self.actor,
                path=PathRecord(
                    self.effective_on,
                    consents=[dict(c) for c in self.consents],
                    declared=dict(self.means) if self.means is not None else None,
                ),
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
        consents: list[dict[str, Any]] | None = None,
        received_on: date | None = None,
    ) -> str:
        """Record a well-formed application. One for a programme on the statutory path
        (POLICY ch. 14) is received on `received_on` (default `effective_from`) with
        `consents`: every member present then, each with the date they signed the
        authorisation (`{"member_id", "signed_on"}`)."""
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
        fields: dict[str, Any] = {
            "application_id": new_id,
            "programme": programme,
            "member_id": str(person) if person is not None else None,
            "means": means.as_dict() if means is not None else None,
            "details": details,
            "actor": actor,
        }
        if not declared.follows_path:
            self.trigger_event(self.ApplicationSubmitted, **fields, effective_on=effective_from)
            return new_id
        on = received_on or effective_from
        signed = self._check_consents(consents, on)
        self.trigger_event(
            self.ApplicationReceived,
            **fields,
            effective_from=effective_from,
            consents=signed,
            effective_on=on,
        )
        return new_id

    def _check_consents(
        self, consents: list[dict[str, Any]] | None, on: date
    ) -> list[dict[str, Any]]:
        """Every member present on `on` signed the authorisation (授权书) by then."""
        present = sorted(m.member_id for m in self.members.values() if m.present_on(on))
        signed: dict[str, date] = {}
        for i, consent in enumerate(consents or []):
            member_id = str(consent.get("member_id") or "")
            self.member(member_id, field_name=f"consents[{i}].member_id")
            try:
                signed_on = date.fromisoformat(str(consent.get("signed_on")))
            except ValueError:
                raise InvalidInputError(
                    f"consents[{i}].signed_on must be an ISO date", f"consents[{i}].signed_on"
                ) from None
            if signed_on > on:
                raise InvalidInputError(
                    f"consents[{i}].signed_on is after the receipt ({on.isoformat()})",
                    f"consents[{i}].signed_on",
                )
            signed[member_id] = signed_on
        missing = [m for m in present if m not in signed]
        if missing:
            names = ", ".join(self.members[m].name for m in missing)
            raise PolicyRuleError(
                f"every member signs the authorisation of the economic-status check (授权书, "
                f"POLICY ch. 14); missing: {names}",
                "consents",
            )
        return [{"member_id": m, "signed_on": signed[m]} for m in sorted(signed)]

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
