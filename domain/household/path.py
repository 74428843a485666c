"""The application's statutory path (POLICY ch. 14): each step an event on the household,
in order, with its actor and date; the rules of the path (what must come before the
decision) are in domain/policy/application_path.py.

An application for a programme that follows the path is received with every member's
authorisation (`ApplicationReceived`); the steps here record the check with the partner
departments, the home investigation, the public notice and its objections, the clock's
pauses and extension, the withdrawal, the notice letter and review or appeal. The
decision itself is `DeterminationsPart.determine`, which asks `decision_blocked` first."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PolicyRuleError,
    SeparationOfDutiesError,
)
from domain.household.applications import ApplicationsPart
from domain.household.state import ApplicationRecord, HouseholdEvent, PathRecord
from domain.money import format_yuan
from domain.policy.application_path import (
    DEPARTMENTS,
    NOTICED,
    notice_until,
    refuse_if_ended,
)
from domain.policy.base import choice
from domain.policy.registry import REGISTRY
from domain.policy.s05_means_test import Means
from domain.standards import StandardsBook

if TYPE_CHECKING:
    from domain.household import Household

Event = HouseholdEvent


def _path(aggregate: Household, application_id: str) -> PathRecord:
    path = aggregate.applications[application_id].path
    if path is None:  # never: a step is only recorded for an application on the path
        raise ConflictError(f"application {application_id} has no statutory path")
    return path


class PathPart(ApplicationsPart):
    class DocumentsRequested(Event):
        """Documents the applicant must bring: the clock stops until they arrive."""

        application_id: str
        documents: str

        def apply(self, aggregate: Household) -> None:
            _path(aggregate, self.application_id).pauses.append(
                {"from": self.effective_on, "to": None, "documents": self.documents}
            )

    class DocumentsReceived(Event):
        application_id: str

        def apply(self, aggregate: Household) -> None:
            _path(aggregate, self.application_id).pauses[-1]["to"] = self.effective_on

    class CheckRequested(Event):
        """A request to a partner department for the economic-status check (核对)."""

        application_id: str
        request_id: str
        department: str

        def apply(self, aggregate: Household) -> None:
            _path(aggregate, self.application_id).checks[self.request_id] = {
                "department": self.department,
                "requested_on": self.effective_on,
                "answered_on": None,
                "finding": None,
                "amount_fen": None,
            }

    class CheckAnswered(Event):
        application_id: str
        request_id: str
        finding: str
        amount_fen: int | None

        def apply(self, aggregate: Household) -> None:
            check = _path(aggregate, self.application_id).checks[self.request_id]
            check.update(
                answered_on=self.effective_on, finding=self.finding, amount_fen=self.amount_fen
            )

    class CheckReported(Event):
        """The check report: the means the decision uses, citing the answers."""

        application_id: str
        means: dict[str, int]
        answers: list[str]

        def apply(self, aggregate: Household) -> None:
            application = aggregate.applications[self.application_id]
            path = _path(aggregate, self.application_id)
            path.report = {"on": self.effective_on, "means": dict(self.means)}
            path.report["answers"] = list(self.answers)
            application.means = Means.from_dict(self.means)

    class HomeInvestigated(Event):
        """入户调查, by at least `investigators_min` staff."""

        application_id: str
        staff: list[str]
        findings: str

        def apply(self, aggregate: Household) -> None:
            _path(aggregate, self.application_id).investigations.append(
                {"on": self.effective_on, "staff": list(self.staff), "findings": self.findings}
            )

    class NoticePublished(Event):
        """公示 of the proposed decision in the village or community."""

        application_id: str
        until: date

        def apply(self, aggregate: Household) -> None:
            _path(aggregate, self.application_id).notice = {
                "from": self.effective_on,
                "until": self.until,
                "by": self.actor,
            }

    class ObjectionRaised(Event):
        application_id: str
        objection_id: str
        raised_by: str
        text: str

        def apply(self, aggregate: Household) -> None:
            _path(aggregate, self.application_id).objections[self.objection_id] = {
                "raised_on": self.effective_on,
                "raised_by": self.raised_by,
                "text": self.text,
                "outcome": None,
                "reason": None,
            }

    class ObjectionResolved(Event):
        """Dismissed with reasons, or upheld: back to a new investigation and notice."""

        application_id: str
        objection_id: str
        outcome: str
        reason: str

        def apply(self, aggregate: Household) -> None:
            path = _path(aggregate, self.application_id)
            path.objections[self.objection_id].update(outcome=self.outcome, reason=self.reason)
            if self.outcome == "upheld":
                path.notice = None
                path.reopened_on = self.effective_on

    class DeadlineExtended(Event):
        application_id: str
        reason: str

        def apply(self, aggregate: Household) -> None:
            _path(aggregate, self.application_id).extension = {
                "on": self.effective_on,
                "reason": self.reason,
                "by": self.actor,
            }

    class ApplicationWithdrawn(Event):
        application_id: str
        reason: str

        def apply(self, aggregate: Household) -> None:
            application = aggregate.applications[self.application_id]
            _path(aggregate, self.application_id).withdrawn = {
                "on": self.effective_on,
                "reason": self.reason,
            }
            application.decision = "withdrawn"

    class PathDecided(Event):
        """The date of the decision (the determination's own date is the help's start)."""

        application_id: str

        def apply(self, aggregate: Household) -> None:
            path = _path(aggregate, self.application_id)
            path.decided_on = self.effective_on
            path.decided_by = self.actor

    # ------------------------------------------------------------------ the steps

    def _on_path(self, application_id: str, step: str, on: date) -> PathRecord:
        """The application's path, open for `step` on `on`: it exists, follows the path,
        is neither withdrawn nor decided, and `on` is not before its receipt."""
        application = self.applications.get(application_id)
        if application is None:
            raise NotFoundError(f"no application {application_id} in this household")
        if application.path is None:
            raise ConflictError(
                f"application {application_id} ({application.programme}) has no statutory "
                "path (POLICY ch. 14)",
                "application_id",
            )
        refuse_if_ended(application.path.stage(), application_id, step)
        if on < application.path.received_on:
            raise InvalidInputError(
                f"on {on.isoformat()} is before the application was received "
                f"({application.path.received_on.isoformat()})",
                "on",
            )
        return application.path

    def request_documents(
        self, application_id: str, *, documents: str, on: date, actor: str
    ) -> None:
        path = self._on_path(application_id, "request for documents", on)
        if not documents.strip():
            raise InvalidInputError("documents must say which documents", "documents")
        if any(p["to"] is None for p in path.pauses):
            raise ConflictError("documents are already awaited for this application", "stage")
        self.trigger_event(
            self.DocumentsRequested,
            application_id=application_id,
            documents=documents.strip(),
            actor=actor,
            effective_on=on,
        )

    def receive_documents(self, application_id: str, *, on: date, actor: str) -> None:
        path = self._on_path(application_id, "documents", on)
        if not path.pauses or path.pauses[-1]["to"] is not None:
            raise ConflictError("no documents are awaited for this application", "stage")
        if on < path.pauses[-1]["from"]:
            raise InvalidInputError("on is before the documents were requested", "on")
        self.trigger_event(
            self.DocumentsReceived, application_id=application_id, actor=actor, effective_on=on
        )

    def request_check(
        self, application_id: str, *, request_id: str, department: str, on: date, actor: str
    ) -> bool:
        """Idempotent by request id; False when the same request is already recorded."""
        path = self._on_path(application_id, "check request", on)
        choice("department", department, DEPARTMENTS)
        if not request_id.strip():
            raise InvalidInputError("request_id must not be empty", "request_id")
        before = path.checks.get(request_id)
        if before is not None:
            if before["department"] != department:
                raise ConflictError(
                    f"check request {request_id} is already to {before['department']}",
                    "request_id",
                )
            return False
        if path.notice is not None:
            raise ConflictError("the notice is published: the check is closed", "stage")
        self.trigger_event(
            self.CheckRequested,
            application_id=application_id,
            request_id=request_id,
            department=department,
            actor=actor,
            effective_on=on,
        )
        return True

    def record_check_answer(
        self,
        application_id: str,
        *,
        request_id: str,
        finding: str,
        amount_fen: int | None,
        on: date,
        actor: str,
    ) -> bool:
        """A department's answer; idempotent by request id (False: the same answer is
        already recorded; a different one for an answered request is refused)."""
        path = self._on_path(application_id, "check answer", on)
        check = path.checks.get(request_id)
        if check is None:
            raise NotFoundError(f"no check request {request_id} on this application", "request_id")
        if not finding.strip():
            raise InvalidInputError("finding must say what the department found", "finding")
        if amount_fen is not None and amount_fen < 0:
            raise InvalidInputError("amount must not be negative", "amount")
        if check["answered_on"] is not None:
            same = (check["finding"], check["amount_fen"]) == (finding.strip(), amount_fen)
            if same:
                return False
            raise ConflictError(
                f"check request {request_id} was answered on {check['answered_on'].isoformat()} "
                "with another finding",
                "request_id",
            )
        if on < check["requested_on"]:
            raise InvalidInputError("the answer is dated before its request", "answered_on")
        self.trigger_event(
            self.CheckAnswered,
            application_id=application_id,
            request_id=request_id,
            finding=finding.strip(),
            amount_fen=amount_fen,
            actor=actor,
            effective_on=on,
        )
        return True

    def attach_check_report(
        self, application_id: str, *, means: Means, on: date, actor: str
    ) -> None:
        """The report of the check: every request answered, its means the decision's."""
        path = self._on_path(application_id, "check report", on)
        if path.notice is not None:
            raise ConflictError("the notice is published: the check report is final", "stage")
        if not path.checks:
            raise PolicyRuleError(
                "the check report needs at least one partner department's answer (POLICY ch. 14)",
                "checks",
            )
        waiting = sorted(r for r, c in path.checks.items() if c["answered_on"] is None)
        if waiting:
            raise PolicyRuleError(
                f"check requests {', '.join(waiting)} are not answered yet", "checks"
            )
        self.trigger_event(
            self.CheckReported,
            application_id=application_id,
            means=means.as_dict(),
            answers=sorted(path.checks),
            actor=actor,
            effective_on=on,
        )

    def record_investigation(
        self,
        application_id: str,
        *,
        staff: list[str],
        findings: str,
        on: date,
        actor: str,
        book: StandardsBook,
    ) -> None:
        path = self._on_path(application_id, "home investigation", on)
        if path.notice is not None:
            raise ConflictError("the notice is published: the investigation is closed", "stage")
        names = sorted({s.strip() for s in staff if s.strip()})
        least = int(book.ratio("investigators_min", on)[0])
        if len(names) < least:
            raise PolicyRuleError(
                f"a home investigation needs at least {least} different staff (POLICY ch. "
                f"14); got {len(names)}",
                "staff",
            )
        if not findings.strip():
            raise InvalidInputError("findings must say what the investigation found", "findings")
        self.trigger_event(
            self.HomeInvestigated,
            application_id=application_id,
            staff=names,
            findings=findings.strip(),
            actor=actor,
            effective_on=on,
        )

    def publish_notice(
        self, application_id: str, *, on: date, actor: str, book: StandardsBook
    ) -> date:
        """The public notice from `on`; returns its last day."""
        application = self.applications[application_id]
        path = self._on_path(application_id, "public notice", on)
        if path.notice is not None:
            raise ConflictError(f"the notice runs from {path.notice['from'].isoformat()}", "stage")
        if not path.investigated():
            raise PolicyRuleError(
                "the notice needs a home investigation first"
                + (" (again, after the upheld objection)" if path.reopened_on else ""),
                "stage",
            )
        if REGISTRY[application.programme].means_tested and path.report is None:
            raise PolicyRuleError("the notice needs the check report first", "stage")
        days = int(book.ratio("public_notice_days", on)[0])
        until = notice_until(on, days)
        self.trigger_event(
            self.NoticePublished,
            application_id=application_id,
            until=until,
            actor=actor,
            effective_on=on,
        )
        return until

    def record_objection(
        self,
        application_id: str,
        *,
        objection_id: str,
        raised_by: str,
        text: str,
        on: date,
        actor: str,
    ) -> bool:
        path = self._on_path(application_id, "objection", on)
        if objection_id in path.objections:
            return False
        if path.notice is None:
            raise ConflictError("objections are to a published notice", "stage")
        if not text.strip() or not raised_by.strip():
            raise InvalidInputError(
                "an objection says who raised it and what it says",
                "text" if not text.strip() else "raised_by",
            )
        self.trigger_event(
            self.ObjectionRaised,
            application_id=application_id,
            objection_id=objection_id,
            raised_by=raised_by.strip(),
            text=text.strip(),
            actor=actor,
            effective_on=on,
        )
        return True

    def resolve_objection(
        self,
        application_id: str,
        *,
        objection_id: str,
        outcome: str,
        reason: str,
        on: date,
        actor: str,
    ) -> None:
        path = self._on_path(application_id, "objection resolution", on)
        objection = path.objections.get(objection_id)
        if objection is None:
            raise NotFoundError(f"no objection {objection_id}", "objection_id")
        if objection["outcome"] is not None:
            raise ConflictError(f"objection {objection_id} is already {objection['outcome']}")
        choice("outcome", outcome, ("upheld", "dismissed"))
        if not reason.strip():
            raise InvalidInputError("a resolution gives its reasons", "reason")
        self.trigger_event(
            self.ObjectionResolved,
            application_id=application_id,
            objection_id=objection_id,
            outcome=outcome,
            reason=reason.strip(),
            actor=actor,
            effective_on=on,
        )

    def extend_deadline(self, application_id: str, *, reason: str, on: date, actor: str) -> None:
        path = self._on_path(application_id, "extension", on)
        if path.extension is not None:
            raise ConflictError(
                f"the deadline was extended on {path.extension['on'].isoformat()}: once only",
                "stage",
            )
        if not reason.strip():
            raise InvalidInputError("an extension gives its reason", "reason")
        self.trigger_event(
            self.DeadlineExtended,
            application_id=application_id,
            reason=reason.strip(),
            actor=actor,
            effective_on=on,
        )

    def withdraw_application(
        self, application_id: str, *, reason: str, on: date, actor: str
    ) -> None:
        self._on_path(application_id, "withdrawal", on)
        if not reason.strip():
            raise InvalidInputError("a withdrawal records the applicant's reason", "reason")
        self.trigger_event(
            self.ApplicationWithdrawn,
            application_id=application_id,
            reason=reason.strip(),
            actor=actor,
            effective_on=on,
        )

    def decision_blocked(
        self, application: ApplicationRecord, decision: str, on: date | None, actor: str
    ) -> None:
        """What the path asks before a decision (none for an application not on it)."""
        path = application.path
        if path is None:
            return
        if on is None:
            raise InvalidInputError("a decision on the statutory path gives its date", "on")
        refuse_if_ended(path.stage(), application.application_id, "decision")
        if on < path.received_on:
            raise InvalidInputError("the decision is dated before the receipt", "on")
        if actor in path.investigators():
            raise SeparationOfDutiesError(
                "the approver may not decide an application they investigated (separation "
                "of duties, POLICY ch. 9)"
            )
        if decision == "reject":
            return  # a refusal needs no notice (its reasons are required)
        if path.stage() != NOTICED or path.notice is None:
            raise ConflictError(
                f"application {application.application_id} is {path.stage()}: an approval "
                "comes after the public notice (POLICY ch. 14)",
                "stage",
            )
        if on <= path.notice["until"]:
            raise ConflictError(
                f"the public notice runs to {path.notice['until'].isoformat()}: no approval "
                "before it ends (POLICY ch. 14)",
                "stage",
            )
        if path.open_objections():
            raise ConflictError(
                f"objections {', '.join(path.open_objections())} are open: resolve them "
                "before deciding",
                "stage",
            )

    def path_lines(self, application: ApplicationRecord) -> list[str]:
        """The path in the decision's explanation: receipt, check report, investigation,
        notice (what the auditor replays)."""
        path = application.path
        if path is None:
            return []
        lines = [f"Received {path.received_on.isoformat()} with every member's authorisation."]
        if path.report is not None:
            answers = ", ".join(
                f"{path.checks[r]['department']} ({path.checks[r]['answered_on'].isoformat()})"
                for r in path.report["answers"]
            )
            income = format_yuan(path.report["means"]["annual_income_fen"])
            lines.append(
                f"Economic-status check report of {path.report['on'].isoformat()} (answers: "
                f"{answers}): annual income {income}; the decision uses its means."
            )
        if path.investigations:
            last = path.investigations[-1]
            lines.append(
                f"Home investigation on {last['on'].isoformat()} by {', '.join(last['staff'])}."
            )
        if path.notice is not None:
            lines.append(
                f"Public notice {path.notice['from'].isoformat()} to "
                f"{path.notice['until'].isoformat()}"
                + (
                    f", objections resolved: {len(path.objections)}."
                    if path.objections
                    else ", no objection."
                )
            )
        return lines
