"""The statutory path's steps (POLICY ch. 14) as ledger commands: each loads the
household, runs the step on the aggregate and saves it with the one retry helper."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.application.standards import StandardsLedger
from domain.errors import InvalidInputError
from domain.household import Household

# The steps, by the aggregate's command; those that read a standard get the book.
STEPS = (
    "request_documents",
    "receive_documents",
    "request_check",
    "record_check_answer",
    "attach_check_report",
    "record_investigation",
    "publish_notice",
    "record_objection",
    "resolve_objection",
    "extend_deadline",
    "withdraw_application",
    "send_letter",
    "lodge_appeal",
    "decide_appeal",
)
WITH_BOOK = ("record_investigation", "publish_notice", "lodge_appeal")


class PathLedger(StandardsLedger):
    """Commands of the application's statutory path."""

    def path_step(
        self, household_id: UUID, application_id: str, step: str, *, actor: str, **arguments: Any
    ) -> Any:
        """Run `step` (one of STEPS) on the household's application; returns what the
        aggregate's command returns (e.g. the notice's last day, or False for a repeated
        idempotent request)."""
        if step not in STEPS:
            raise InvalidInputError(f"step must be one of {', '.join(STEPS)}", "step")

        def command(household: Household) -> Any:
            book = {"book": self.standards_book(household.region_code)} if step in WITH_BOOK else {}
            return getattr(household, step)(application_id, actor=actor, **arguments, **book)

        return self.update(household_id, command)
