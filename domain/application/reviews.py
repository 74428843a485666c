"""Periodic reviews (定期核查, POLICY ch. 15) as ledger commands: each loads the household,
runs the aggregate's command with its county's standards and saves it."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.application.standards import StandardsLedger
from domain.household import Household
from domain.policy.s05_means_test import Means


class ReviewsLedger(StandardsLedger):
    """Commands and questions of the periodic review."""

    def record_review(
        self,
        household_id: UUID,
        *,
        on: date,
        means: Means,
        outcome: str,
        reason: str,
        found_by: str,
        actor: str,
        member_id: str | None = None,
        irregular_income: bool = False,
    ) -> dict[str, Any]:
        """A review decided by `actor` on the means `found_by` recorded; returns it."""

        def command(household: Household) -> dict[str, Any]:
            return household.record_review(
                on=on,
                means=means,
                outcome=outcome,
                reason=reason,
                found_by=found_by,
                actor=actor,
                book=self.standards_book(household.region_code),
                member_id=member_id,
                irregular_income=irregular_income,
            )

        return self.update(household_id, command)

    def review_schedule(self, household_id: UUID, on: date) -> list[dict[str, Any]]:
        household = self.household(household_id)
        return household.review_schedule(self.standards_book(household.region_code), on)
