"""Categories (救助对象类别): which a household or a person is in, from when, and how a
later-recorded determination supersedes the spans it competes with (POLICY ch. 13)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from domain.household.entitlements import (
    EntitlementsPart,
)
from domain.household.state import (
    CategorySpan,
    EntitlementKey,
    HouseholdEvent,
    entitlement_key,
    split_key,
)
from domain.policy.registry import REGISTRY
from domain.standards import StandardsBook

if TYPE_CHECKING:
    from domain.household import Household

Event = HouseholdEvent


class CategoriesPart(EntitlementsPart):
    class CategoryAssigned(Event):
        category: str
        member_id: str | None
        application_id: str

        def apply(self, aggregate: Household) -> None:
            aggregate.categories.append(
                CategorySpan(
                    self.category,
                    self.member_id,
                    self.effective_on,
                    application_id=self.application_id,
                )
            )

    class CategoryEnded(Event):
        category: str
        member_id: str | None
        reason: str

        def apply(self, aggregate: Household) -> None:
            for span in aggregate.categories:
                if (
                    span.category == self.category
                    and span.member_id == self.member_id
                    and span.effective_to is None
                ):
                    span.effective_to = self.effective_on

    class CategorySuperseded(Event):
        """A later-recorded determination rules from `effective_on` (POLICY ch. 13): the
        span that started on `span_from` is removed if it starts on or after that date,
        and otherwise ends there."""

        category: str
        member_id: str | None
        span_from: date
        reason: str

        def apply(self, aggregate: Household) -> None:
            for span in list(aggregate.categories):
                if (span.category, span.member_id, span.effective_from) != (
                    self.category,
                    self.member_id,
                    self.span_from,
                ):
                    continue
                if span.effective_from >= self.effective_on:
                    aggregate.categories.remove(span)
                else:
                    span.effective_to = self.effective_on

    def _assign_category(
        self,
        category: str,
        member_id: str | None,
        on: date,
        application_id: str,
        actor: str,
        book: StandardsBook,
    ) -> None:
        """The category from `on`, by POLICY ch. 13: this determination is the latest
        recorded, so it rules from `on` on whole. Among the spans it competes with (the
        household's categories for a household category, the member's own for a person's),
        one that starts on or after `on` is superseded (removed), one that runs past `on`
        ends there; a span of the same category already open before `on` goes on. One-person
        dibao needs a marginal household (§5): it ends with it the same way."""
        why = (
            f"replaced by {category} from {on.isoformat()} (application {application_id}, "
            "POLICY ch. 13)"
        )
        goes_on = False
        ended: set[EntitlementKey] = set()
        for span in self._competing(category, member_id):
            same = (span.category, span.member_id) == (category, member_id)
            if same and span.effective_from <= on and span.effective_to is None:
                goes_on = True  # the new determination sets the new amounts
                continue
            if self._replace_span(span, on, why, actor) and not same:
                ended.add(entitlement_key(span.category, span.member_id))
        for key in sorted(ended):
            self._end_entitlement(key, on, actor, book, why)
        if goes_on:
            return
        self.trigger_event(
            self.CategoryAssigned,
            category=category,
            member_id=member_id,
            application_id=application_id,
            actor=actor,
            effective_on=on,
        )

    def _competing(self, category: str, member_id: str | None) -> list[CategorySpan]:
        """The spans a determination of `category` (for `member_id`) competes with."""
        exclusive = REGISTRY.exclusive_categories()
        # A person's category that needs a household category (one-person dibao needs
        # a marginal household, §5) ends when the household's changes to another.
        within = {p.name: p.within for p in REGISTRY if p.within is not None}

        def competes(span: CategorySpan) -> bool:
            if category in exclusive:
                return span.category in exclusive or (
                    category != within.get(span.category, category)
                )
            return (span.category, span.member_id) == (category, member_id)

        return [s for s in self.categories if competes(s)]

    def _replace_span(self, span: CategorySpan, on: date, why: str, actor: str) -> bool:
        """End at `on` a span open before it, or supersede one that starts on or after it
        or runs past it; False for a span ended before `on` (untouched)."""
        if span.effective_from < on and span.effective_to is None:
            self._category_ended(span, on, why, actor)
            return True
        if span.effective_from >= on or (span.effective_to is not None and span.effective_to > on):
            self.trigger_event(
                self.CategorySuperseded,
                category=span.category,
                member_id=span.member_id,
                span_from=span.effective_from,
                reason=why,
                actor=actor,
                effective_on=on,
            )
            return True
        return False

    def _category_ended(self, span: CategorySpan, on: date, reason: str, actor: str) -> None:
        self.trigger_event(
            self.CategoryEnded,
            category=span.category,
            member_id=span.member_id,
            reason=reason,
            actor=actor,
            effective_on=on,
        )

    def _end_category(
        self, span: CategorySpan, on: date, actor: str, book: StandardsBook, reason: str
    ) -> None:
        self._category_ended(span, on, reason, actor)
        self._end_entitlement(
            entitlement_key(span.category, span.member_id), on, actor, book, reason
        )
        self._end_dependents(span.category, on, actor, book, reason)

    def _end_dependents(
        self, category: str, on: date, actor: str, book: StandardsBook, reason: str
    ) -> None:
        """A person's category that needs a household category (one-person dibao needs a
        marginal household, §5) ends with it from the same day, whatever ended it (a
        review's stop, a life event), as `_assign_category` ends it on a replacement."""
        needs = {p.name for p in REGISTRY if p.within == category}
        for span in [s for s in self.categories if s.category in needs]:
            why = f"{span.category} needs a {category} household (§5): {reason}"
            if self._replace_span(span, on, why, actor):
                self._end_entitlement(
                    entitlement_key(span.category, span.member_id), on, actor, book, why
                )

    def _end_entitlement(
        self, key: EntitlementKey, on: date, actor: str, book: StandardsBook, reason: str
    ) -> None:
        """A category's monthly entitlement (if it has one) is not in force from `on`:
        a basis of nothing from then, and its timeline reconciled."""
        if key not in self.bases:
            return
        programme, person = split_key(key)
        self.trigger_event(
            self.EntitlementBasisSet,
            programme=programme,
            member_id=person,
            inputs=None,
            application_id=None,
            actor=actor,
            effective_on=on,
        )
        self._reconcile(key, book, actor=actor, cause="determination", reason=reason)
