"""Determinations: approval or rejection (with separation of duties, POLICY ch. 9),
migration from the old system, the §2/§5 categories, and bringing entitlements in line
with a standard change or with POLICY ch. 13."""

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
from domain.household.helps import (
    HelpsPart,
)
from domain.household.state import (
    AMOUNT_KEYS,
    CAP_KEYS,
    CATEGORY_PROGRAMMES,
    CORRECTION,
    GRANTS,
    HOUSEHOLD_CATEGORIES,
    MEANS_TESTED,
    MIGRATED,
    MIGRATED_VERSION,
    PERSON_PROGRAMMES,
    SUBSIDIES,
    ApplicationRecord,
    Determination,
    HouseholdEvent,
    _choice,
)
from domain.money import format_yuan
from domain.rules import (
    AMOUNT_STANDARD,
    cash_amount,
    means_test,
)
from domain.standards import StandardsBook

if TYPE_CHECKING:
    pass

Event = HouseholdEvent


class DeterminationsPart(HelpsPart):
    def determine(
        self,
        application_id: str,
        *,
        decision: str,
        reason: str,
        actor: str,
        book: StandardsBook,
    ) -> Determination:
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
                "duties, §9)"
            )
        if decision == "reject":
            explanation = f"Rejected by {actor}: {reason}"
            self._record_determination(
                application, decision, reason, "rejected", None, explanation, {}, {}, [], actor
            )
            return Determination(application_id, "rejected", None, [], explanation)
        if application.programme in SUBSIDIES:
            return self._approve_subsidy(application, reason, actor, book)
        if application.programme in GRANTS:
            return self._approve_grant(application, reason, actor, book)
        return self._approve(application, reason, actor, book)

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
        same category, basis and entitlement events as any determination.

        The old system decided the category; no means test is run again here. The amount
        is checked against the ledger's rule on what the old record gives (dibao: the
        countable income and the household's size; tekun and one-person dibao: the
        standard). When they agree the entitlement rests on the rule's ordinary inputs and
        standard changes recompute it; when they do not (or the record gives no income to
        recompute from) the old amount is recorded as migrated (`MIGRATED` in its basis):
        it is held as it was, standard changes leave it alone, and the household's next
        determination replaces it. `ledger verify` checks a migrated amount against the
        figure recorded in its basis."""
        person = self._check_migration(
            programme, member_id, effective_from, monthly_fen, countable_income_fen
        )
        label = {"dibao": "dibao", "marginal": "marginal", "low_income": "low-income"}.get(
            programme, programme
        )
        lines = [
            f"Migrated from {source}: {label} from {effective_from.isoformat()}, as "
            "determined there (no means test is run again here)."
        ]
        basis: dict[str, int] = {}
        versions: dict[str, str] = {}
        entitlements: list[dict[str, Any]] = []
        paid = programme in AMOUNT_STANDARD
        if paid and monthly_fen is not None:
            basis, versions, line, entitlement = self._migrated_amount(
                programme, person, effective_from, monthly_fen, countable_income_fen, book
            )
            lines.append(line)
            entitlements.append(entitlement)
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
        application = self.applications[new_id]
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
        _choice("programme", programme, CATEGORY_PROGRAMMES)
        person = member_id if programme in PERSON_PROGRAMMES else None
        if programme in PERSON_PROGRAMMES and member_id is None:
            raise InvalidInputError(f"{programme} is held by one member", "member_id")
        if programme not in PERSON_PROGRAMMES and member_id is not None:
            raise InvalidInputError(f"{programme} is held by the household", "member_id")
        if person is not None and not self.member(person).present_on(effective_from):
            raise PolicyRuleError("the member is not in the household then", "member_id")
        if effective_from < self.registered_on:
            raise InvalidInputError(
                "the category cannot start before the household is registered", "effective_from"
            )
        if self.size_on(effective_from) == 0:
            raise PolicyRuleError("the household has no members then", "effective_from")
        paid = programme in AMOUNT_STANDARD
        if paid and monthly_fen is None:
            raise InvalidInputError(f"{programme} needs its current monthly amount", "amount")
        if not paid and monthly_fen:
            raise InvalidInputError(f"{programme} pays no monthly amount", "amount")
        if countable_income_fen is not None and programme != "dibao":
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
        """The old system's monthly amount beside the ledger's rule: the rule's inputs
        when they agree (standard changes then recompute it), else the amount held as
        migrated. Returns the basis, the standard versions, the explanation's line and
        the determination's entitlement line."""
        rule_inputs: dict[str, int] | None = {}
        if programme == "dibao":
            rule_inputs = (
                None
                if countable_income_fen is None
                else {
                    "countable_income_fen": countable_income_fen,
                    "household_size": self.size_on(effective_from),
                }
            )
        rule = (
            None
            if rule_inputs is None
            else cash_amount(programme, rule_inputs, book, effective_from)
        )
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
        """A category programme approved: its rule's inputs (§2/§5 means test, one-person
        dibao, tekun), the determination with its monthly amount, the category from its
        date (POLICY ch. 13) and the entitlement."""
        on = application.effective_from
        programme = application.programme
        member_id = application.member_id
        category = programme
        if programme in MEANS_TESTED:
            inputs, versions, basis_inputs, lines = self._means_tested(application, book)
        elif programme == "dibao_single":
            inputs, versions, basis_inputs, lines = self._one_person_dibao(application)
        else:  # tekun
            inputs, versions, basis_inputs, lines = self._tekun(application, reason)
        entitlements: list[dict[str, Any]] = []
        if programme in AMOUNT_STANDARD:
            amount = cash_amount(programme, basis_inputs, book, on)
            versions[amount.standard.key] = amount.standard.label
            lines.append(amount.explanation)
            entitlements.append(
                {
                    "programme": programme,
                    "member_id": member_id if programme in PERSON_PROGRAMMES else None,
                    "monthly_fen": amount.monthly_fen,
                    "effective_from": on.isoformat(),
                    "standard_version": amount.standard.label,
                }
            )
        explanation = " ".join(lines)
        self._record_determination(
            application,
            "approve",
            reason,
            "approved",
            category,
            explanation,
            inputs,
            versions,
            entitlements,
            actor,
        )
        self._assign_category(
            category,
            member_id if category in PERSON_PROGRAMMES else None,
            on,
            application.application_id,
            actor,
            book,
        )
        if programme in AMOUNT_STANDARD:
            person = member_id if programme in PERSON_PROGRAMMES else None
            self._entitle(application, person, basis_inputs, None, actor, book)
        return Determination(
            application.application_id, "approved", category, entitlements, explanation
        )

    def _means_tested(
        self, application: ApplicationRecord, book: StandardsBook
    ) -> tuple[dict[str, Any], dict[str, str], dict[str, int], list[str]]:
        """§2/§5: the means test must give the programme applied for; dibao's amount rests
        on the countable income and the household's size."""
        on = application.effective_from
        programme = application.programme
        means = application.means
        if means is None:  # refused at submission; kept for the type checker
            raise PolicyRuleError("the application has no means", "means")
        result = means_test(means, self.size_on(on), book, on)
        inputs: dict[str, Any] = {
            **means.as_dict(),
            "household_size": result.household_size,
            "countable_income_fen": result.countable_income_fen,
        }
        if result.category != programme:
            raise PolicyRuleError(
                f"the means test does not support {programme}: {result.explanation}",
                "decision",
            )
        basis: dict[str, int] = {}
        if programme == "dibao":
            basis = {
                "countable_income_fen": result.countable_income_fen,
                "household_size": result.household_size,
            }
        return inputs, dict(result.standard_versions), basis, [result.explanation]

    def _one_person_dibao(
        self, application: ApplicationRecord
    ) -> tuple[dict[str, Any], dict[str, str], dict[str, int], list[str]]:
        """§5 单人户低保: a severely ill or disabled member of a marginal household."""
        on = application.effective_from
        member_id = application.member_id
        member = self.member(member_id or "")
        current = self.household_category_on(on)
        if current is None or current.category != "marginal":
            raise PolicyRuleError(
                "one-person dibao is for a member of a marginal household (§5); this "
                f"household is {current.category if current else 'in no category'} on "
                f"{on.isoformat()}",
                "programme",
            )
        if not member.present_on(on):
            raise PolicyRuleError("the member is not in the household then", "member_id")
        if not (
            member.attribute("severe_illness", on) or member.attribute("severe_disability", on)
        ):
            raise PolicyRuleError(
                "one-person dibao needs a severe illness (重病) or severe disability (重残) "
                f"recorded for the member on {on.isoformat()} (§5)",
                "member_id",
            )
        inputs = {
            "member_id": member_id,
            "severe_illness": member.attribute("severe_illness", on),
            "severe_disability": member.attribute("severe_disability", on),
            "household_category": "marginal",
        }
        condition = "ill" if member.attribute("severe_illness", on) else "disabled"
        line = (
            f"{member.name} is severely {condition} in a marginal household and is taken "
            "into dibao as a one-person household (§5)."
        )
        return inputs, {}, {}, [line]

    def _tekun(
        self, application: ApplicationRecord, reason: str
    ) -> tuple[dict[str, Any], dict[str, str], dict[str, int], list[str]]:
        """特困: a member with no working-age income and no supporter, as the approver finds."""
        member_id = application.member_id
        member = self.member(member_id or "")
        if not member.present_on(application.effective_from):
            raise PolicyRuleError("the member is not in the household then", "member_id")
        line = f"{member.name} is determined 特困 (no working-age income, no supporter): {reason}."
        return {"member_id": member_id}, {}, {}, [line]

    def correct(
        self, book: StandardsBook, determined: list[tuple[str, str]], *, actor: str
    ) -> list[str]:
        """Bring a household recorded before the POLICY.md §13 fix in line (`ledger
        correct`); returns what it corrected. `determined` is the stream's approved
        determinations in recording order, (application id, category).

        Before the fix a backdated determination of the category already open left the
        span's start where it was: when the latest recorded determination of that
        category starts before the open span, the span moves to its date. Then every
        entitlement is brought in line with its bases (now folded by §13): one change
        point per date that differs, cause `correction`. Idempotent."""
        done: list[str] = []
        position = {app_id: i for i, (app_id, _) in enumerate(determined)}
        for span in [s for s in self.categories if s.effective_to is None]:
            later = [
                (app_id, category)
                for app_id, category in determined
                if position[app_id] > position.get(span.application_id or "", len(determined))
                and (
                    category in HOUSEHOLD_CATEGORIES
                    if span.category in HOUSEHOLD_CATEGORIES
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
        reason = "correction by POLICY.md §13 (the latest recorded determination rules)"
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
        if key in AMOUNT_KEYS:
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
