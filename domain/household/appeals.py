"""After the decision on the statutory path (POLICY ch. 14): the notice letter's delivery,
review or appeal within `appeal_days` of it, and an appeal decided `changed`, which
reopens the application for a new determination (ch. 13)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PolicyRuleError,
    SeparationOfDutiesError,
)
from domain.household.path import PathPart, _path
from domain.household.state import ApplicationRecord, HouseholdEvent, PathRecord
from domain.policy.application_path import APPEAL_OUTCOMES, APPEALS
from domain.policy.base import choice
from domain.policy.s05_means_test import Means
from domain.standards import StandardsBook

if TYPE_CHECKING:
    from domain.household import Household

Event = HouseholdEvent


class AppealsPart(PathPart):
    class NoticeLetterSent(Event):
        """告知书 delivered to the applicant."""

        application_id: str
        kind: str

        def apply(self, aggregate: Household) -> None:
            _path(aggregate, self.application_id).letters.append(
                {"on": self.effective_on, "kind": self.kind, "by": self.actor}
            )

    class AppealLodged(Event):
        application_id: str
        appeal_id: str
        kind: str
        grounds: str

        def apply(self, aggregate: Household) -> None:
            _path(aggregate, self.application_id).appeals[self.appeal_id] = {
                "kind": self.kind,
                "lodged_on": self.effective_on,
                "grounds": self.grounds,
                "outcome": None,
                "reason": None,
                "decided_on": None,
            }

    class AppealDecided(Event):
        application_id: str
        appeal_id: str
        outcome: str
        reason: str

        def apply(self, aggregate: Household) -> None:
            appeal = _path(aggregate, self.application_id).appeals[self.appeal_id]
            appeal.update(outcome=self.outcome, reason=self.reason, decided_on=self.effective_on)

    class ApplicationReopened(Event):
        """An appeal decided `changed`: the application again, to be decided anew (POLICY
        ch. 13: the new determination, recorded later, rules from its date). It keeps the
        path it had (check, investigation, notice) with the means the appeal found."""

        application_id: str
        reopened_from: str
        appeal_id: str
        means: dict[str, int] | None

        def apply(self, aggregate: Household) -> None:
            before = aggregate.applications[self.reopened_from]
            path = _path(aggregate, self.reopened_from)
            again = PathRecord(
                path.received_on,
                consents=[dict(c) for c in path.consents],
                declared=dict(path.declared) if path.declared is not None else None,
                pauses=[dict(p) for p in path.pauses],
                checks={k: dict(v) for k, v in path.checks.items()},
                report=dict(path.report) if path.report is not None else None,
                investigations=[dict(i) for i in path.investigations],
                notice=dict(path.notice) if path.notice is not None else None,
                reopened_on=path.reopened_on,
                extension=dict(path.extension) if path.extension is not None else None,
            )
            means = before.means
            if self.means is not None:
                means = Means.from_dict(self.means)
                again.report = {
                    "on": self.effective_on,
                    "means": dict(self.means),
                    "answers": list(path.report["answers"]) if path.report else [],
                    "appeal": self.appeal_id,
                }
            aggregate.applications[self.application_id] = ApplicationRecord(
                self.application_id,
                before.programme,
                before.effective_from,
                before.member_id,
                means,
                {**before.details, "reopened_from": self.reopened_from},
                before.submitted_by,
                path=again,
            )

    def decided_on_path(self, application_id: str) -> tuple[ApplicationRecord, PathRecord]:
        """An application on the statutory path that has been decided (what a letter is
        about), with its path; refused plainly otherwise."""
        application = self.applications.get(application_id)
        if application is None or application.path is None:
            raise NotFoundError(f"no application {application_id} on the statutory path")
        path = application.path
        if path.decided_on is None:
            raise ConflictError(
                f"application {application_id} is {path.stage()}: the letter follows the decision",
                "stage",
            )
        return application, path

    @staticmethod
    def letter_kind(application: ApplicationRecord) -> str:
        """approval, refusal, or change (an approval decided anew after an appeal)."""
        if application.decision != "approved":
            return "refusal"
        return "change" if application.details.get("reopened_from") else "approval"

    def send_letter(self, application_id: str, *, on: date, actor: str) -> str:
        """Records the notice letter's delivery; returns its kind."""
        application, path = self.decided_on_path(application_id)
        if path.decided_on is not None and on < path.decided_on:
            raise InvalidInputError("the letter is dated before the decision", "on")
        kind = self.letter_kind(application)
        self.trigger_event(
            self.NoticeLetterSent,
            application_id=application_id,
            kind=kind,
            actor=actor,
            effective_on=on,
        )
        return kind

    def lodge_appeal(
        self,
        application_id: str,
        *,
        appeal_id: str,
        kind: str,
        grounds: str,
        on: date,
        actor: str,
        book: StandardsBook,
    ) -> bool:
        application = self.applications.get(application_id)
        if application is None or application.path is None:
            raise NotFoundError(f"no application {application_id} on the statutory path")
        path = application.path
        if appeal_id in path.appeals:
            return False
        choice("kind", kind, APPEALS)
        if not grounds.strip():
            raise InvalidInputError("an appeal states its grounds", "grounds")
        if not path.letters:
            raise ConflictError("an appeal is against a decision notified by letter", "stage")
        days = int(book.ratio("appeal_days", on)[0])
        served = path.letters[0]["on"]
        if (on - served).days > days:
            raise PolicyRuleError(
                f"the letter of {served.isoformat()} allows {days} days to ask for review or "
                f"appeal (POLICY ch. 14); {on.isoformat()} is {(on - served).days} days later",
                "on",
            )
        self.trigger_event(
            self.AppealLodged,
            application_id=application_id,
            appeal_id=appeal_id,
            kind=kind,
            grounds=grounds.strip(),
            actor=actor,
            effective_on=on,
        )
        return True

    def decide_appeal(
        self,
        application_id: str,
        *,
        appeal_id: str,
        outcome: str,
        reason: str,
        on: date,
        actor: str,
        means: Means | None = None,
        reopened_id: str | None = None,
    ) -> dict[str, Any]:
        """The appeal's outcome. `changed` reopens the application as a new one (its id is
        returned as `reopened_as`), with `means` when the appeal found others, for an
        approver to decide anew on the same path."""
        application = self.applications.get(application_id)
        if application is None or application.path is None:
            raise NotFoundError(f"no application {application_id} on the statutory path")
        appeal = application.path.appeals.get(appeal_id)
        if appeal is None:
            raise NotFoundError(f"no appeal {appeal_id}", "appeal_id")
        if appeal["outcome"] is not None:
            raise ConflictError(f"appeal {appeal_id} is already {appeal['outcome']}", "stage")
        choice("outcome", outcome, APPEAL_OUTCOMES)
        if not reason.strip():
            raise InvalidInputError("an appeal's decision gives its reasons", "reason")
        if on < appeal["lodged_on"]:
            raise InvalidInputError("the decision is dated before the appeal", "on")
        if actor == application.path.decided_by:
            raise SeparationOfDutiesError(
                "an appeal is decided by someone other than the one who decided the "
                "application (POLICY ch. 14)"
            )
        if means is not None and outcome != "changed":
            raise InvalidInputError("means go with an appeal decided changed", "means")
        self.trigger_event(
            self.AppealDecided,
            application_id=application_id,
            appeal_id=appeal_id,
            outcome=outcome,
            reason=reason.strip(),
            actor=actor,
            effective_on=on,
        )
        decided = dict(application.path.appeals[appeal_id])
        if outcome == "changed":
            new_id = reopened_id or str(uuid4())
            self.trigger_event(
                self.ApplicationReopened,
                application_id=new_id,
                reopened_from=application_id,
                appeal_id=appeal_id,
                means=means.as_dict() if means is not None else None,
                actor=actor,
                effective_on=on,
            )
            decided["reopened_as"] = new_id
        return decided
