"""Periodic review (定期核查) and phase-out (渐退期), POLICY ch. 15.

**When a review is due.** Each open span of a reviewed category (tekun, dibao, one-person
dibao (§5), marginal, low-income) is reviewed `review_months_stable` months after the last
time its means were examined: the later of the category's latest approved determination
(its effective date) and its last review. A dibao household is reviewed every
`review_months_variable` months instead when those latest means show

- irregular income: the review recorded `irregular_income`, or (for a determination)
  the application's details say `income_type: "irregular"`; or
- a member able to work: a member present that day, aged 16 to 59 inclusive
  (`age_on`), whose employment is `employed` or `unemployed_registered` (a registered
  job seeker is able to work; `not_in_labour_force` or no employment recorded is not).

**What a review records.** `ReviewRecorded`: the means found, what the §5 means test
gives on the review's date, the outcome, the reason, the caseworker who found the means
(`found_by`) and the approver who decided (`actor`, never the same person, POLICY
ch. 9). The outcomes:

- `continue`: nothing else changes (the next review counts from this one); for a
  means-tested category the test must still give it, and a category's own conditions
  must still hold (`Programme.check_continues`: one-person dibao needs its marginal
  household and the member's severe illness or disability, §5);
- `change`: a new determination (POLICY ch. 13) from the review's date, recorded as an
  application received from the review (`details.review_id`) and approved by the same
  rules as any other (`_approve`): the means test must give the category it sets (kept,
  or another: a dibao household whose means now give marginal becomes marginal);
- `stop`: the category and its entitlement end from the review's date, and with a
  household category the person's categories that need it (a marginal household's
  one-person dibao, §5); months already paid after it become a recovery in the next
  payment run (POLICY ch. 11);
- `phase_out`: a dibao household whose means are above the dibao line and one of whose
  members took up work (employment `employed` on the review's date and not on the date
  of the last means examined) keeps the dibao *amount* for `phase_out_months` from the
  review's date. Dibao and marginal are exclusive household categories here, so the
  *category* changes from the review's date to what the test gives (marginal or
  low-income, by a determination as for `change`; with no category it ends), while the
  dibao entitlement goes on, on the basis it had, until `months_later(on, N)`, and ends
  there. A `stop` or `change` asked for such a household is recorded as `phase_out`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, uuid4, uuid5

from domain.errors import InvalidInputError, PolicyRuleError, SeparationOfDutiesError
from domain.household.life_events import LifeEventsPart
from domain.household.state import ApplicationRecord, CategorySpan, HouseholdEvent
from domain.policy.base import age_on, choice
from domain.policy.counting import months_later
from domain.policy.registry import REGISTRY
from domain.policy.s05_means_test import Means, MeansTestResult, means_test
from domain.standards import StandardsBook

if TYPE_CHECKING:
    from domain.household import Household

Event = HouseholdEvent

REVIEWED = ("tekun", "dibao", "dibao_single", "marginal", "low_income")
MEANS_TESTED = ("dibao", "marginal", "low_income")
CONTINUE, CHANGE, STOP, PHASE_OUT = "continue", "change", "stop", "phase_out"
OUTCOMES = (CONTINUE, CHANGE, STOP, PHASE_OUT)
ABLE_TO_WORK = ("employed", "unemployed_registered")
WORKING_AGES = (16, 59)
STABLE, VARIABLE = "stable", "variable"


@dataclass(frozen=True)
class _Found:
    """What a review found: the span reviewed, the means and what the test gives."""

    span: CategorySpan
    result: MeansTestResult
    means: Means
    on: date
    review_id: str
    reason: str
    found_by: str
    irregular: bool


class ReviewsPart(LifeEventsPart):
    class ReviewRecorded(Event):
        """A periodic review on `effective_on` (POLICY ch. 15): the means found, what
        the means test gives, the outcome and why; for `change` and `phase_out` the
        determination it recorded, for `phase_out` the first day without the allowance."""

        review_id: str
        category: str
        member_id: str | None
        means: dict[str, int]
        irregular_income: bool
        means_category: str | None
        outcome: str
        reason: str
        found_by: str
        application_id: str | None
        phase_out_until: date | None
        explanation: str

        def apply(self, aggregate: Household) -> None:
            aggregate._reviews_to_change().append(
                {
                    "review_id": self.review_id,
                    "on": self.effective_on,
                    "category": self.category,
                    "member_id": self.member_id,
                    "means": dict(self.means),
                    "irregular_income": self.irregular_income,
                    "means_category": self.means_category,
                    "outcome": self.outcome,
                    "reason": self.reason,
                    "found_by": self.found_by,
                    "decided_by": self.actor,
                    "application_id": self.application_id,
                    "phase_out_until": self.phase_out_until,
                    "explanation": self.explanation,
                }
            )

    @property
    def reviews(self) -> list[dict[str, Any]]:
        """The household's reviews in the order recorded (a snapshot from before reviews
        has none)."""
        found: list[dict[str, Any]] = self.__dict__.get("review_records", [])
        return found

    def _reviews_to_change(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.__dict__.setdefault("review_records", [])
        return found

    # ------------------------------------------------------------------ the schedule

    def review_schedule(self, book: StandardsBook, on: date) -> list[dict[str, Any]]:
        """Every reviewed category span in force on `on` (or starting later and still
        open), with the date its means were last examined (`since`, `by`: determination or
        review), the interval (stable or variable, and why) and the next review date."""
        return review_schedule(self.review_bases(), book, on)

    def review_bases(self) -> list[dict[str, Any]]:
        """What the schedule rests on, whatever the day and the standards: each open span
        of a reviewed category with the last examination of its means (`since`, `by`),
        whether its interval is variable and why (the months come from the standards)."""
        rows: list[dict[str, Any]] = []
        for span in self.categories:
            if span.category not in REVIEWED or span.effective_to is not None:
                continue
            since, by, irregular = self._last_examined(span)
            able = self._able_to_work(since)
            variable = span.category == "dibao" and (irregular or bool(able))
            why = []
            if variable and irregular:
                why.append("irregular income")
            if variable and able:
                why.append("able to work: " + ", ".join(able))
            rows.append(
                {
                    "category": span.category,
                    "member_id": span.member_id,
                    "since": since,
                    "by": by,
                    "variable": variable,
                    "why": "; ".join(why) or "stable income",
                }
            )
        return rows

    def _last_examined(self, span: CategorySpan) -> tuple[date, str, bool]:
        """(date, "determination" or "review", irregular income) of the latest
        examination of the span's means: its category's latest approved determination
        or its last review, whichever is later (a review on the same day wins)."""
        best: tuple[date, int, str, bool] | None = None
        for application in self.applications.values():
            if (
                application.decision == "approved"
                and application.programme == span.category
                and application.member_id in (span.member_id, None)
            ):
                irregular = application.details.get("income_type") == "irregular"
                found = (application.effective_from, 0, "determination", irregular)
                best = found if best is None or found[:2] >= best[:2] else best
        for review in self.reviews:
            if (review["category"], review["member_id"]) == (span.category, span.member_id):
                found = (review["on"], 1, "review", bool(review["irregular_income"]))
                best = found if best is None or found[:2] >= best[:2] else best
        if best is None:  # a span with no determination of its own: from its start
            return span.effective_from, "determination", False
        return best[0], best[2], best[3]

    def _able_to_work(self, on: date) -> list[str]:
        """The members able to work on `on` (present, 16-59, employed or registered
        unemployed)."""
        low, high = WORKING_AGES
        return [
            m.member_id
            for m in self.members.values()
            if m.present_on(on)
            and low <= age_on(m.birth_on, on) <= high
            and m.attribute("employment", on) in ABLE_TO_WORK
        ]

    def _took_up_work(self, since: date, on: date) -> list[str]:
        """The members employed on `on` who were not employed on `since`."""
        return [
            m.member_id
            for m in self.members.values()
            if m.present_on(on)
            and m.attribute("employment", on) == "employed"
            and m.attribute("employment", since) != "employed"
        ]

    # ------------------------------------------------------------------ the review

    def record_review(
        self,
        *,
        on: date,
        means: Means,
        outcome: str,
        reason: str,
        found_by: str,
        actor: str,
        book: StandardsBook,
        member_id: str | None = None,
        irregular_income: bool = False,
        review_id: str | None = None,
    ) -> dict[str, Any]:
        """A periodic review decided by `actor` (an approver) on the means `found_by` (a
        caseworker) recorded; returns the review as recorded (its outcome may be
        `phase_out` where `stop` or `change` was asked, see the module)."""
        choice("outcome", outcome, OUTCOMES)
        if not reason.strip():
            raise InvalidInputError("a review must give its reason", "reason")
        if found_by == actor:
            raise SeparationOfDutiesError(
                "the approver may not decide a review whose means they recorded (separation "
                "of duties, POLICY ch. 9)"
            )
        span = self._reviewed_span(on, member_id)
        since, _, _ = self._last_examined(span)
        if on < since:
            raise PolicyRuleError(
                f"the review cannot come before the last examination ({since.isoformat()})",
                "on",
            )
        result = means_test(means, self.size_on(on), book, on)
        workers = self._took_up_work(since, on)
        if outcome in (STOP, CHANGE) and _phases_out(span, result, workers):
            outcome = PHASE_OUT
        found = _Found(
            span, result, means, on, review_id or str(uuid4()), reason, found_by, irregular_income
        )
        application_id, until, line = self._outcome(found, outcome, workers, actor, book)
        self.trigger_event(
            self.ReviewRecorded,
            review_id=found.review_id,
            category=span.category,
            member_id=span.member_id,
            means=means.as_dict(),
            irregular_income=irregular_income,
            means_category=result.category,
            outcome=outcome,
            reason=reason,
            found_by=found_by,
            application_id=application_id,
            phase_out_until=until,
            explanation=f"{result.explanation} {line}",
            actor=actor,
            effective_on=on,
        )
        return dict(self.reviews[-1])

    def _outcome(
        self, found: _Found, outcome: str, workers: list[str], actor: str, book: StandardsBook
    ) -> tuple[str | None, date | None, str]:
        """Carry out the outcome: (the determination recorded, the phase-out's end, the
        explanation's line)."""
        span, on = found.span, found.on
        if outcome == CONTINUE:
            self._check_continue(span, found.result)
            if span.category in REGISTRY:
                REGISTRY[span.category].check_continues(self, span.member_id, on)
            return None, None, f"Continue {span.category}."
        if outcome == CHANGE:
            application_id, line = self._change(found, actor, book)
            return application_id, None, line
        if outcome == STOP:
            why = f"review {found.review_id}: stopped: {found.reason}"
            self._end_category(span, on, actor, book, why)
            return None, None, f"Stop {span.category} from {on.isoformat()}."
        return self._phase_out(found, workers, actor, book)

    def _reviewed_span(self, on: date, member_id: str | None) -> CategorySpan:
        """The reviewed category in force on `on`: the household's, or (with
        `member_id`) the member's own (tekun)."""
        for span in self.categories_on(on):
            if span.category in REVIEWED and span.member_id == member_id:
                return span
        who = f"member {member_id}" if member_id else "the household"
        raise PolicyRuleError(
            f"{who} is in no reviewed category ({', '.join(REVIEWED)}) on {on.isoformat()}",
            "member_id" if member_id else "on",
        )

    @staticmethod
    def _check_continue(span: CategorySpan, result: MeansTestResult) -> None:
        if span.category in MEANS_TESTED and result.category != span.category:
            raise PolicyRuleError(
                f"the means test no longer gives {span.category} (it gives "
                f"{result.category or 'no category'}): the outcome is change or stop",
                "outcome",
            )

    def _change(self, found: _Found, actor: str, book: StandardsBook) -> tuple[str, str]:
        """A new determination from `on` of the category the means test gives."""
        span, result = found.span, found.result
        if span.category not in MEANS_TESTED:
            raise PolicyRuleError(
                f"a review changes a means-tested category only; {span.category} is "
                "continued or stopped",
                "outcome",
            )
        if result.category is None:
            raise PolicyRuleError(
                "the means test gives no category: the outcome is stop", "outcome"
            )
        application = self._from_review(found, result.category, found.irregular)
        why = f"review {found.review_id}: {found.reason}"
        determined = self._approve(application, why, actor, book)
        line = (
            f"Change: {determined.category} from {found.on.isoformat()} "
            f"(application {application.application_id})."
        )
        return application.application_id, line

    def _from_review(self, found: _Found, category: str, irregular: bool) -> ApplicationRecord:
        """The review's new determination recorded as an application received from it,
        submitted by the caseworker who found the means."""
        # Derived from the review's id: the same review records the same application.
        new_id = str(uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:review:{found.review_id}"))
        details: dict[str, Any] = {"review_id": found.review_id}
        if irregular:
            details["income_type"] = "irregular"
        self.trigger_event(
            self.ApplicationSubmitted,
            application_id=new_id,
            programme=category,
            member_id=None,
            means=found.means.as_dict(),
            details=details,
            actor=found.found_by,
            effective_on=found.on,
        )
        return self.applications[new_id]

    def _phase_out(
        self, found: _Found, workers: list[str], actor: str, book: StandardsBook
    ) -> tuple[str | None, date, str]:
        """The category changes (or ends) from `on`; the dibao amount goes on, on its
        basis in force that day, for `phase_out_months`, and ends then."""
        span, result, on = found.span, found.result, found.on
        if not _phases_out(span, result, workers):
            raise PolicyRuleError(
                "phase-out is for a dibao household whose means are above the dibao line "
                "after a member took up work",
                "outcome",
            )
        months = int(book.ratio("phase_out_months", on)[0])
        until = months_later(on, months)
        last = until - timedelta(days=1)
        held = [b for b in self.bases.get("dibao", []) if b.effective_from <= on]
        basis = held[-1] if held else None
        why = f"review {found.review_id}: phase-out (渐退期) {months} months to {last.isoformat()}"
        application_id: str | None = None
        if result.category is not None:
            application = self._from_review(found, result.category, False)
            self._approve(application, f"review {found.review_id}: {found.reason}", actor, book)
            application_id = application.application_id
        else:
            self._end_category(span, on, actor, book, why)
        if basis is not None and basis.inputs is not None:
            for start, inputs in ((on, basis.inputs), (until, None)):
                self.trigger_event(
                    self.EntitlementBasisSet,
                    programme="dibao",
                    member_id=None,
                    inputs=inputs,
                    application_id=basis.application_id,
                    actor=actor,
                    effective_on=start,
                )
            self._reconcile("dibao", book, actor=actor, cause="determination", reason=why)
        became = result.category or "no category"
        line = (
            f"Member {', '.join(workers)} took up work: {became} from {on.isoformat()}; the "
            f"dibao allowance continues in phase-out (渐退期) {months} months to "
            f"{last.isoformat()}, nothing from {until.isoformat()}."
        )
        return application_id, until, line


def review_schedule(
    bases: list[dict[str, Any]], book: StandardsBook, on: date
) -> list[dict[str, Any]]:
    """The schedule of `Household.review_bases` under the standards in force on `on`:
    each span's interval (`review_months_variable` or `review_months_stable`) and its
    next review date."""
    rows = []
    for base in bases:
        key = "review_months_variable" if base["variable"] else "review_months_stable"
        months = int(book.ratio(key, on)[0])
        rows.append(
            {
                "category": base["category"],
                "member_id": base["member_id"],
                "since": base["since"],
                "by": base["by"],
                "interval": VARIABLE if base["variable"] else STABLE,
                "months": months,
                "why": base["why"],
                "next_review_on": months_later(base["since"], months),
            }
        )
    return rows


def _phases_out(span: CategorySpan, result: MeansTestResult, workers: list[str]) -> bool:
    """Dibao, means above the dibao line, and a member who took up work: phase-out."""
    return span.category == "dibao" and result.category != "dibao" and bool(workers)
