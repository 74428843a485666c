"""Determinations: approval or rejection (with separation of duties, POLICY ch. 9),
migration from the old system, the §5 categories (POLICY ch. 1-2), and bringing entitlements in line
with a standard change or with POLICY ch. 13."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PolicyRuleError,
    SeparationOfDutiesError,
)
from domain.household.grants import GrantsPart
from domain.household.state import (
    CORRECTION,
    MIGRATED,
    MIGRATED_VERSION,
    ApplicationRecord,
    Determination,
    HouseholdEvent,
)
from domain.money import format_yuan
from domain.policy.base import CATEGORY, GRANT, Amount, Assessment, Programme, choice
from domain.policy.registry import REGISTRY
from domain.policy.s17_medical_caps import CAP_KEYS
from domain.standards import StandardsBook

Event = HouseholdEvent


class DeterminationsPart(GrantsPart):
    def determine(
        self,
        application_id: str,
        *,
        decision: str,
        reason: str,
        actor: str,
        book: StandardsBook,
        on: date | None = None,
    ) -> Determination:
        """Approve or reject. On the statutory path (POLICY ch. 14) the decision is dated
        `on` and comes only where `decision_blocked` lets it."""
        application = self.applications.get(application_id)
        if application is None:
            raise NotFoundError(f"no application {application_id} in this household")
        if decision not in ("approve", "reject"):
            raise InvalidInputError("decision must be approve or reject", "decision")
        if not reason.strip():
            raise InvalidInputError("a determination must give its reason", "reason")
        if application.decision is not None:
            raise ConflictError(f"application {application_id} is already {application.decision}")
        if application.submitted_by == actor:
            raise SeparationOfDutiesError(
                "the approver may not determine an application they submitted (separation of "
                "duties, POLICY ch. 9)"
            )
        self.decision_blocked(application, decision, on, actor)
        if application.path is not None and on is not None:
            # The decision's date first: what follows is the decision of that day.
            self.trigger_event(
                self.PathDecided, application_id=application_id, actor=actor, effective_on=on
            )
        if decision == "reject":
            explanation = " ".join(
                [*self.path_lines(application), f"Rejected by {actor}: {reason}"]
            )
            self._record_determination(
                application, decision, reason, "rejected", None, explanation, {}, {}, [], actor
            )
            determined = Determination(application_id, "rejected", None, [], explanation)
        elif REGISTRY[application.programme].kind is GRANT:
            determined = self._approve_grant(application, reason, actor, book)
        else:
            determined = self._approve(application, reason, actor, book)
        return determined

    def migrate(
        self,
        *,
        programme: str,
        member_id: str | None,
        effective_from: date,
        monthly_fen: int | None,
        countable_income_fen: int | None,
        source: str,
        actor: str,
        book: StandardsBook,
        application_id: str | None = None,
    ) -> Determination:
        """A category (and its monthly amount) taken over from the system a bureau migrates
        from (`ledger import`): recorded as an application and its determination, then the
        same category, basis and entitlement events as any determination. The old system
        decided the category; no means test is run again here (the amount:
        `_migrated_amount`)."""
        person = self._check_migration(
            programme, member_id, effective_from, monthly_fen, countable_income_fen
        )
        label = "low-income" if programme == "low_income" else programme
        lines = [
            f"Migrated from {source}: {label} from {effective_from.isoformat()}, as "
            "determined there (no means test is run again here)."
        ]
        basis: dict[str, int] = {}
        versions: dict[str, str] = {}
        entitlements: list[dict[str, Any]] = []
        paid = REGISTRY[programme].pays_monthly
        if paid and monthly_fen is not None:
            basis, versions, line, entitlement = self._migrated_amount(
                programme, person, effective_from, monthly_fen, countable_income_fen, book
            )
            lines.append(line)
            entitlements.append(entitlement)
        application = self._received_from(
            source, programme, person, effective_from, actor, application_id
        )
        new_id = application.application_id
        explanation = " ".join(lines)
        self._record_determination(
            application,
            "migrate",
            f"migrated from {source}",
            "approved",
            programme,
            explanation,
            {**basis, **({"member_id": person} if person else {})},
            versions,
            entitlements,
            actor,
        )
        self._assign_category(programme, person, effective_from, new_id, actor, book)
        if paid:
            self._entitle(application, person, basis, None, actor, book)
        return Determination(new_id, "approved", programme, entitlements, explanation)

    def _received_from(
        self,
        source: str,
        programme: str,
        person: str | None,
        effective_from: date,
        actor: str,
        application_id: str | None,
    ) -> ApplicationRecord:
        """The migrated record as an application received (its determination follows)."""
        new_id = application_id or str(uuid4())
        self.trigger_event(
            self.ApplicationSubmitted,
            application_id=new_id,
            programme=programme,
            member_id=person,
            means=None,
            details={"migrated_from": source},
            actor=actor,
            effective_on=effective_from,
        )
        return self.applications[new_id]

    def _check_migration(
        self,
        programme: str,
        member_id: str | None,
        effective_from: date,
        monthly_fen: int | None,
        countable_income_fen: int | None,
    ) -> str | None:
        """A migrated record's fields against the programme: who holds it, from when, and
        which amounts it may carry. Returns the member holding it (None: the household)."""
        choice("programme", programme, REGISTRY.categories())
        declared = REGISTRY[programme]
        person = member_id if declared.person_level else None
        if declared.person_level and member_id is None:
            raise InvalidInputError(f"{programme} is held by one member", "member_id")
        if not declared.person_level and member_id is not None:
            raise InvalidInputError(f"{programme} is held by the household", "member_id")
        if person is not None and not self.member(person).present_on(effective_from):
            raise PolicyRuleError("the member is not in the household then", "member_id")
        if effective_from < self.registered_on:
            raise InvalidInputError(
                "the category cannot start before the household is registered", "effective_from"
            )
        if self.size_on(effective_from) == 0:
            raise PolicyRuleError("the household has no members then", "effective_from")
        paid = declared.pays_monthly
        if paid and monthly_fen is None:
            raise InvalidInputError(f"{programme} needs its current monthly amount", "amount")
        if not paid and monthly_fen:
            raise InvalidInputError(f"{programme} pays no monthly amount", "amount")
        if countable_income_fen is not None and not declared.takes_income:
            raise InvalidInputError("a countable income is recorded for dibao only", "income")
        return person

    def _migrated_amount(
        self,
        programme: str,
        person: str | None,
        effective_from: date,
        monthly_fen: int,
        countable_income_fen: int | None,
        book: StandardsBook,
    ) -> tuple[dict[str, int], dict[str, str], str, dict[str, Any]]:
        """The old system's monthly amount beside the ledger's rule on what the old record
        gives (dibao: the countable income and the household's size; tekun and one-person
        dibao: the standard). When they agree the entitlement rests on the rule's ordinary
        inputs and standard changes recompute it; when they do not (or the record gives no
        income to recompute from) the old amount is recorded as migrated (`MIGRATED` in its
        basis): held as it was, left alone by standard changes, replaced by the household's
        next determination; `ledger verify` checks it against the figure in its basis.
        Returns the basis, the standard versions, the explanation's line and the
        determination's entitlement line."""
        declared = REGISTRY[programme]
        rule_inputs = declared.migration_basis(countable_income_fen, self.size_on(effective_from))
        rule = None if rule_inputs is None else declared.amount(rule_inputs, book, effective_from)
        recorded = f"The old system's monthly amount is {format_yuan(monthly_fen)}"
        versions: dict[str, str] = {}
        if rule is not None and rule.monthly_fen == monthly_fen and rule_inputs is not None:
            basis = rule_inputs
            versions[rule.standard.key] = rule.standard.label
            standard_version = rule.standard.label
            line = f"{recorded}; the ledger's rule gives the same: {rule.explanation}"
        else:
            basis = {MIGRATED: monthly_fen}
            standard_version = MIGRATED_VERSION
            why = (
                f"the ledger's rule gives {format_yuan(rule.monthly_fen)} "
                f"({rule.explanation.rstrip('.')})"
                if rule is not None
                else "the old record gives no countable income to recompute it from"
            )
            line = (
                f"{recorded}; {why}. The amount is kept as migrated: standard changes do "
                "not recompute it, and the household's next determination replaces it."
            )
        entitlement = {
            "programme": programme,
            "member_id": person,
            "monthly_fen": monthly_fen,
            "effective_from": effective_from.isoformat(),
            "standard_version": standard_version,
        }
        return basis, versions, line, entitlement

    def _approve(
        self, application: ApplicationRecord, reason: str, actor: str, book: StandardsBook
    ) -> Determination:
        """A category or monthly programme approved: its rule's assessment (the §5 means
        test, one-person dibao, tekun, each subsidy's conditions), the determination with
        its monthly amount, a category from its date (POLICY ch. 13), and the entitlement
        paid by the runs (recomputed when its standards change)."""
        programme = REGISTRY[application.programme]
        on = application.effective_from
        person = application.member_id if programme.person_level else None
        assessed = programme.assess(self, application, reason, book)
        assessed.lines[:0] = self.path_lines(application)
        entitlements: list[dict[str, Any]] = []
        if programme.pays_monthly:
            amount = self._first_amount(programme, assessed, on, book)
            assessed.versions[amount.standard.key] = amount.standard.label
            assessed.lines.append(amount.explanation)
            entitlements.append(
                {
                    "programme": programme.name,
                    "member_id": person,
                    "monthly_fen": amount.monthly_fen,
                    "effective_from": on.isoformat(),
                    "standard_version": amount.standard.label,
                }
            )
        category = programme.name if programme.kind is CATEGORY else None
        inputs = assessed.inputs
        if category is None and person:
            inputs = {**inputs, "member_id": person}
        explanation = " ".join(assessed.lines)
        self._record_determination(
            application,
            "approve",
            reason,
            "approved",
            category,
            explanation,
            inputs,
            assessed.versions,
            entitlements,
            actor,
        )
        if category is not None:
            self._assign_category(category, person, on, application.application_id, actor, book)
        if programme.pays_monthly:
            self._entitle(application, person, assessed.basis, assessed.ends_on, actor, book)
        return Determination(
            application.application_id, "approved", category, entitlements, explanation
        )

    @staticmethod
    def _first_amount(
        programme: Programme, assessed: Assessment, on: date, book: StandardsBook
    ) -> Amount:
        amount = programme.amount(assessed.basis, book, on)
        if amount.paused:  # the price subsidy: CPI below the trigger on the date
            raise PolicyRuleError(
                f"the price subsidy is paid while CPI is at or above the trigger: "
                f"{amount.explanation}",
                "effective_from",
            )
        return amount

    def correct(
        self, book: StandardsBook, determined: list[tuple[str, str]], *, actor: str
    ) -> list[str]:
        """Bring a household recorded before the POLICY ch. 13 fix in line (`ledger
        correct`); returns what it corrected. `determined` is the stream's approved
        determinations in recording order, (application id, category).

        Before the fix a backdated determination of the category already open left the
        span's start where it was: when the latest recorded determination of that
        category starts before the open span, the span moves to its date. Then every
        entitlement is brought in line with its bases (now folded by POLICY ch. 13): one change
        point per date that differs, cause `correction`. Idempotent."""
        done: list[str] = []
        exclusive = REGISTRY.exclusive_categories()
        position = {app_id: i for i, (app_id, _) in enumerate(determined)}
        for span in [s for s in self.categories if s.effective_to is None]:
            later = [
                (app_id, category)
                for app_id, category in determined
                if position[app_id] > position.get(span.application_id or "", len(determined))
                and (
                    category in exclusive
                    if span.category in exclusive
                    else category == span.category
                    and self.applications[app_id].member_id == span.member_id
                )
            ]
            if not later or later[-1][1] != span.category:
                continue
            app_id = later[-1][0]
            on = self.applications[app_id].effective_from
            if on < span.effective_from:
                self._assign_category(span.category, span.member_id, on, app_id, actor, book)
                done.append(f"{span.category} from {on.isoformat()}")
        reason = "correction by POLICY ch. 13 (the latest recorded determination rules)"
        for key in sorted(self.bases):
            if self._reconcile(key, book, actor=actor, cause=CORRECTION, reason=reason):
                done.append(key)
        return done

    def apply_standard_change(
        self, book: StandardsBook, *, key: str, effective_from: date, actor: str, reason: str
    ) -> int:
        """Bring in line what a change of `key` from `effective_from` can affect: the
        entitlements whose amount uses it, and for a §17 cap every cap year holding a bill
        served on or after that date (each bill's split recomputed in recorded order, the
        differences recorded as MedicalReliefAdjusted). Idempotent; returns the number
        of changes recorded."""
        count = 0
        if key in REGISTRY.amount_keys():
            count += self.adjust_entitlements(book, actor=actor, reason=reason)
        if key in CAP_KEYS:
            years = {
                b.cap_year
                for b in self.bills.values()
                if not b.cancelled and b.service_on >= effective_from
            }
            for year in sorted(years):
                count += self._recompute_cap_year(
                    year, book, actor=actor, cause_bill_id="", cause=reason
                )
        return count
