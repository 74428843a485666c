"""The one-off grants (§11, §14, §28): each amount by its programme's rule
(domain/policy/), recorded as GrantAwarded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.household.appeals import AppealsPart
from domain.household.state import (
    ApplicationRecord,
    Determination,
    HouseholdEvent,
)
from domain.policy.base import Amount
from domain.policy.registry import REGISTRY
from domain.standards import StandardsBook

if TYPE_CHECKING:
    from domain.household import Household

Event = HouseholdEvent


class GrantsPart(AppealsPart):
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

    def grant_amount(self, application: ApplicationRecord, book: StandardsBook) -> Amount:
        """A one-off grant's amount by its rule (§11, §14, §28) from the application's
        recorded details and the household as it stands before the grant; also what
        `ledger verify` recomputes a recorded grant with."""
        return REGISTRY[application.programme].grant(self, application, book)

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
