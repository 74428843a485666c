"""The `Household` aggregate: one stream per household, the consistency boundary.

Every event carries the business date it takes effect (`effective_on`, valid time)
and the `actor` who caused it; its own `timestamp` is the record time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PolicyRuleError,
    SeparationOfDutiesError,
)
from domain.money import format_yuan
from domain.rules import AMOUNT_STANDARD, Means, cash_amount, means_test
from domain.standards import StandardsBook, validate_region_code

PROGRAMMES = (
    "dibao",
    "dibao_single",
    "tekun",
    "marginal",
    "low_income",
    "charity_living_subsidy",
    "virtual_job_subsidy",
    "unemployed_temporary_subsidy",
    "eldercare_service_subsidy",
    "rent_subsidy",
    "education_aid",
    "renovation_grant",
    "disaster_relief",
)
# Programmes this ledger determines today; the others are recorded and wait for theirs.
DETERMINED = ("dibao", "dibao_single", "tekun", "marginal", "low_income")
HOUSEHOLD_CATEGORIES = ("dibao", "marginal", "low_income")  # exclusive, household level
MEANS_TESTED = ("dibao", "marginal", "low_income")
PERSON_PROGRAMMES = (
    "dibao_single",
    "tekun",
    "unemployed_temporary_subsidy",
    "eldercare_service_subsidy",
)
RELATIONS = ("head", "spouse", "child", "parent", "other")
SCHOOL_STAGES = ("preschool", "primary", "junior", "senior", "university")
EMPLOYMENT = ("employed", "unemployed_registered", "not_in_labour_force")
RESIDENCES = ("urban", "rural")
MEMBER_FLAGS = ("severe_disability", "severe_illness", "school_stage", "employment")

EntitlementKey = str  # "programme" or "programme/member_id"


def entitlement_key(programme: str, member_id: str | None) -> EntitlementKey:
    return f"{programme}/{member_id}" if member_id else programme


def split_key(key: EntitlementKey) -> tuple[str, str | None]:
    programme, _, member_id = key.partition("/")
    return programme, member_id or None


@dataclass(frozen=True)
class AttributeChange:
    effective_on: date
    values: dict[str, Any]


@dataclass
class Member:
    member_id: str
    name: str
    id_number: str
    relation: str
    birth_on: date
    joined_on: date
    left_on: date | None = None
    # In the order recorded; on the same date the later record wins.
    changes: list[AttributeChange] = field(default_factory=list)

    def attribute(self, name: str, on: date) -> Any:
        value: Any = None
        best: date | None = None
        for change in self.changes:
            if (
                name in change.values
                and change.effective_on <= on
                and (best is None or change.effective_on >= best)
            ):
                value, best = change.values[name], change.effective_on
        return value

    def present_on(self, on: date) -> bool:
        return self.joined_on <= on and (self.left_on is None or on < self.left_on)


@dataclass
class ApplicationRecord:
    application_id: str
    programme: str
    effective_from: date
    member_id: str | None
    means: Means | None
    details: dict[str, Any]
    submitted_by: str
    decision: str | None = None


@dataclass(frozen=True)
class Basis:
    """What an entitlement rests on from a date: a determination's inputs, or nothing
    (`inputs is None`: not entitled from that date)."""

    effective_from: date
    inputs: dict[str, int] | None
    application_id: str | None


@dataclass(frozen=True)
class Point:
    """A recorded change in an entitlement's monthly amount, from `effective_from`."""

    effective_from: date
    monthly_fen: int
    ended: bool
    standard_version: str
    reason: str


@dataclass
class CategorySpan:
    category: str
    member_id: str | None
    effective_from: date
    effective_to: date | None = None  # exclusive
    application_id: str | None = None

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)


@dataclass(frozen=True)
class Determination:
    application_id: str
    outcome: str  # "approved" | "rejected"
    category: str | None
    entitlements: list[dict[str, Any]]
    explanation: str


Timeline = dict[str, Point]  # change points by ISO date (JSON-friendly for snapshots)


def _step(points: Timeline, on: date) -> Point | None:
    """The value of a timeline of change points on a date."""
    best: Point | None = None
    for point in points.values():
        if point.effective_from <= on and (
            best is None or point.effective_from > best.effective_from
        ):
            best = point
    return best


class Household(Aggregate):
    """A household in difficulty: its members, applications, categories and the
    timeline of each of its entitlements."""

    class Event(Aggregate.Event):
        actor: str
        effective_on: date

    class Registered(Event, Aggregate.Created):
        region_code: str
        residence: str
        address: str

    class MemberAdded(Event):
        member_id: str
        name: str
        id_number: str
        relation: str
        birth_on: date
        severe_disability: bool
        severe_illness: bool
        school_stage: str | None
        employment: str | None

        def apply(self, aggregate: Household) -> None:
            member = Member(
                self.member_id,
                self.name,
                self.id_number,
                self.relation,
                self.birth_on,
                self.effective_on,
            )
            member.changes.append(
                AttributeChange(
                    self.effective_on,
                    {
                        "severe_disability": self.severe_disability,
                        "severe_illness": self.severe_illness,
                        "school_stage": self.school_stage,
                        "employment": self.employment,
                    },
                )
            )
            aggregate.members[self.member_id] = member

    class MemberChanged(Event):
        member_id: str
        changes: dict[str, Any]

        def apply(self, aggregate: Household) -> None:
            member = aggregate.members[self.member_id]
            values = dict(self.changes)
            if values.pop("left_household", False):
                member.left_on = self.effective_on
            if values:
                member.changes.append(AttributeChange(self.effective_on, values))

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
            aggregate.applications[self.application_id].decision = self.outcome

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

    class EntitlementBasisSet(Event):
        """An entitlement's inputs from a date on (None: not entitled from then)."""

        programme: str
        member_id: str | None
        inputs: dict[str, int] | None
        application_id: str | None

        def apply(self, aggregate: Household) -> None:
            key = entitlement_key(self.programme, self.member_id)
            bases = [
                b for b in aggregate.bases.get(key, []) if b.effective_from != self.effective_on
            ]
            bases.append(Basis(self.effective_on, self.inputs, self.application_id))
            bases.sort(key=lambda b: b.effective_from)
            aggregate.bases[key] = bases

    class EntitlementChanged(Event):
        """The monthly amount of an entitlement from `effective_on` on, with the amount
        it replaces, the standard version it used and why (determination or standard
        change)."""

        programme: str
        member_id: str | None
        monthly_fen: int
        previous_monthly_fen: int | None
        ended: bool
        standard_version: str
        cause: str
        reason: str

        def apply(self, aggregate: Household) -> None:
            key = entitlement_key(self.programme, self.member_id)
            aggregate.timelines.setdefault(key, {})[self.effective_on.isoformat()] = Point(
                self.effective_on,
                self.monthly_fen,
                self.ended,
                self.standard_version,
                self.reason,
            )

    def __init__(self, region_code: str, residence: str, address: str, effective_on: date) -> None:
        self.region_code = region_code
        self.residence = residence
        self.address = address
        self.registered_on = effective_on
        self.members: dict[str, Member] = {}
        self.applications: dict[str, ApplicationRecord] = {}
        self.categories: list[CategorySpan] = []
        self.bases: dict[EntitlementKey, list[Basis]] = {}
        self.timelines: dict[EntitlementKey, Timeline] = {}

    # ----------------------------------------------------------------- commands

    @classmethod
    def register(
        cls,
        *,
        region_code: str,
        residence: str,
        address: str,
        registered_on: date,
        actor: str,
        household_id: UUID | None = None,
    ) -> Household:
        validate_region_code(region_code)
        if residence not in RESIDENCES:
            raise InvalidInputError("residence must be one of urban, rural", "residence")
        if not address.strip():
            raise InvalidInputError("address must not be empty", "address")
        return cls._create(
            cls.Registered,
            id=household_id or uuid4(),
            region_code=region_code,
            residence=residence,
            address=address,
            actor=actor,
            effective_on=registered_on,
        )

    def add_member(
        self,
        *,
        name: str,
        id_number: str,
        relation: str,
        birth_on: date,
        joined_on: date | None,
        actor: str,
        severe_disability: bool = False,
        severe_illness: bool = False,
        school_stage: str | None = None,
        employment: str | None = None,
        member_id: str | None = None,
    ) -> str:
        if not name.strip():
            raise InvalidInputError("name must not be empty", "name")
        _choice("relation", relation, RELATIONS)
        _choice("school_stage", school_stage, SCHOOL_STAGES, optional=True)
        _choice("employment", employment, EMPLOYMENT, optional=True)
        joined = joined_on or self.registered_on
        if birth_on > joined:
            raise InvalidInputError("birth_on must not be after the member joins", "birth_on")
        for other in self.members.values():
            if other.id_number == id_number and other.left_on is None:
                raise ConflictError(
                    "a member with this id_number is already in the household", "id_number"
                )
        new_id = member_id or str(uuid4())
        self.trigger_event(
            self.MemberAdded,
            member_id=new_id,
            name=name,
            id_number=id_number,
            relation=relation,
            birth_on=birth_on,
            severe_disability=severe_disability,
            severe_illness=severe_illness,
            school_stage=school_stage,
            employment=employment,
            actor=actor,
            effective_on=joined,
        )
        return new_id

    def change_member(
        self, member_id: str, *, effective_on: date, changes: dict[str, Any], actor: str
    ) -> None:
        member = self.member(member_id)
        allowed = {*MEMBER_FLAGS, "left_household"}
        unknown = set(changes) - allowed
        if unknown:
            raise InvalidInputError(f"unknown member change {sorted(unknown)[0]}", "changes")
        if not changes:
            raise InvalidInputError("a member change must change something", "changes")
        _choice("school_stage", changes.get("school_stage"), SCHOOL_STAGES, optional=True)
        _choice("employment", changes.get("employment"), EMPLOYMENT, optional=True)
        if effective_on < member.joined_on:
            raise InvalidInputError(
                f"effective_on is before the member joined ({member.joined_on.isoformat()})",
                "effective_on",
            )
        if member.left_on is not None:
            raise PolicyRuleError("the member has left the household", "member_id")
        self.trigger_event(
            self.MemberChanged,
            member_id=member_id,
            changes=changes,
            actor=actor,
            effective_on=effective_on,
        )

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
    ) -> str:
        _choice("programme", programme, PROGRAMMES)
        person = member_id or details.get("member_id")
        if person is not None:
            self.member(str(person), field_name="member_id")
        if programme in PERSON_PROGRAMMES and person is None:
            raise InvalidInputError(
                f"a {programme} application must name the person (member_id)", "member_id"
            )
        if programme in MEANS_TESTED and means is None:
            raise InvalidInputError(f"a {programme} application needs means", "means")
        if effective_from < self.registered_on:
            raise InvalidInputError(
                f"effective_from is before the household was registered "
                f"({self.registered_on.isoformat()})",
                "effective_from",
            )
        new_id = application_id or str(uuid4())
        self.trigger_event(
            self.ApplicationSubmitted,
            application_id=new_id,
            programme=programme,
            member_id=str(person) if person is not None else None,
            means=means.as_dict() if means is not None else None,
            details=details,
            actor=actor,
            effective_on=effective_from,
        )
        return new_id

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
        if application.programme not in DETERMINED:
            raise PolicyRuleError(
                f"{application.programme} is recorded but this ledger does not yet determine it; "
                "it can be rejected, or approved once its rules are in the ledger",
                "programme",
            )
        return self._approve(application, reason, actor, book)

    def adjust_entitlements(self, book: StandardsBook, *, actor: str, reason: str) -> int:
        """Recompute every entitlement against the standards timeline and record each
        difference (used when a standard changes, also retroactively). Idempotent."""
        return sum(
            self._reconcile(key, book, actor=actor, cause="standard_change", reason=reason)
            for key in sorted(self.bases)
        )

    # ------------------------------------------------------------------ queries

    def member(self, member_id: str, field_name: str = "member_id") -> Member:
        member = self.members.get(member_id)
        if member is None:
            raise NotFoundError(f"no member {member_id} in this household", field_name)
        return member

    def size_on(self, on: date) -> int:
        return sum(1 for m in self.members.values() if m.present_on(on))

    def categories_on(self, on: date) -> list[CategorySpan]:
        return [c for c in self.categories if c.in_force(on)]

    def household_category_on(self, on: date) -> CategorySpan | None:
        for span in self.categories_on(on):
            if span.category in HOUSEHOLD_CATEGORIES:
                return span
        return None

    def entitlements_on(self, on: date) -> list[tuple[EntitlementKey, Point]]:
        found = []
        for key, points in sorted(self.timelines.items()):
            point = _step(points, on)
            if point is not None and not point.ended:
                found.append((key, point))
        return found

    # ---------------------------------------------------------------- internals

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

    def _approve(
        self, application: ApplicationRecord, reason: str, actor: str, book: StandardsBook
    ) -> Determination:
        on = application.effective_from
        programme = application.programme
        inputs: dict[str, Any] = {}
        versions: dict[str, str] = {}
        basis_inputs: dict[str, int] = {}
        member_id = application.member_id
        lines: list[str] = []
        if programme in MEANS_TESTED:
            means = application.means
            if means is None:  # refused at submission; kept for the type checker
                raise PolicyRuleError("the application has no means", "means")
            result = means_test(means, self.size_on(on), book, on)
            inputs = {
                **means.as_dict(),
                "household_size": result.household_size,
                "countable_income_fen": result.countable_income_fen,
            }
            versions = result.standard_versions
            lines.append(result.explanation)
            if result.category != programme:
                raise PolicyRuleError(
                    f"the means test does not support {programme}: {result.explanation}",
                    "decision",
                )
            category = programme
            if programme == "dibao":
                basis_inputs = {
                    "countable_income_fen": result.countable_income_fen,
                    "household_size": result.household_size,
                }
        elif programme == "dibao_single":
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
            category = "dibao_single"
            inputs = {
                "member_id": member_id,
                "severe_illness": member.attribute("severe_illness", on),
                "severe_disability": member.attribute("severe_disability", on),
                "household_category": "marginal",
            }
            condition = "ill" if member.attribute("severe_illness", on) else "disabled"
            lines.append(
                f"{member.name} is severely {condition} in a marginal household and is taken "
                "into dibao as a one-person household (§5)."
            )
        else:  # tekun
            member = self.member(member_id or "")
            if not member.present_on(on):
                raise PolicyRuleError("the member is not in the household then", "member_id")
            category = "tekun"
            inputs = {"member_id": member_id}
            lines.append(
                f"{member.name} is determined 特困 (no working-age income, no supporter): {reason}."
            )

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
            self.trigger_event(
                self.EntitlementBasisSet,
                programme=programme,
                member_id=person,
                inputs=basis_inputs,
                application_id=application.application_id,
                actor=actor,
                effective_on=on,
            )
            self._reconcile(
                entitlement_key(programme, person),
                book,
                actor=actor,
                cause="determination",
                reason=f"determination of application {application.application_id}",
            )
        return Determination(
            application.application_id, "approved", category, entitlements, explanation
        )

    def _assign_category(
        self,
        category: str,
        member_id: str | None,
        on: date,
        application_id: str,
        actor: str,
        book: StandardsBook,
    ) -> None:
        open_span = next(
            (
                s
                for s in self.categories
                if s.effective_to is None
                and (
                    s.category in HOUSEHOLD_CATEGORIES
                    if category in HOUSEHOLD_CATEGORIES
                    else (s.category, s.member_id) == (category, member_id)
                )
            ),
            None,
        )
        if open_span is not None and open_span.category == category:
            return  # the category goes on; the new determination sets the new amounts
        if open_span is not None:
            if on < open_span.effective_from:
                raise PolicyRuleError(
                    f"the household is {open_span.category} from "
                    f"{open_span.effective_from.isoformat()}; a change of category must "
                    "take effect on or after that date",
                    "effective_from",
                )
            self._end_category(
                open_span, on, actor, book, f"replaced by {category} (application {application_id})"
            )
        if category in HOUSEHOLD_CATEGORIES and category != "marginal":
            # One-person dibao needs a marginal household (§5): it ends with it.
            for span in list(self.categories):
                if span.category == "dibao_single" and span.effective_to is None:
                    self._end_category(
                        span, on, actor, book, "the household is no longer marginal (§5)"
                    )
        self.trigger_event(
            self.CategoryAssigned,
            category=category,
            member_id=member_id,
            application_id=application_id,
            actor=actor,
            effective_on=on,
        )

    def _end_category(
        self, span: CategorySpan, on: date, actor: str, book: StandardsBook, reason: str
    ) -> None:
        self.trigger_event(
            self.CategoryEnded,
            category=span.category,
            member_id=span.member_id,
            reason=reason,
            actor=actor,
            effective_on=on,
        )
        key = entitlement_key(span.category, span.member_id)
        if key in self.bases:
            self.trigger_event(
                self.EntitlementBasisSet,
                programme=span.category,
                member_id=span.member_id,
                inputs=None,
                application_id=None,
                actor=actor,
                effective_on=on,
            )
            self._reconcile(key, book, actor=actor, cause="determination", reason=reason)

    def _desired(self, key: EntitlementKey, book: StandardsBook) -> Timeline:
        programme, _ = split_key(key)
        bases = self.bases.get(key, [])
        desired: Timeline = {}
        for index, basis in enumerate(bases):
            end = bases[index + 1].effective_from if index + 1 < len(bases) else None
            if basis.inputs is None:
                desired[basis.effective_from.isoformat()] = Point(
                    basis.effective_from, 0, True, "", "ended"
                )
                continue
            dates = [
                basis.effective_from,
                *book.change_dates(
                    AMOUNT_STANDARD[programme], after=basis.effective_from, before=end
                ),
            ]
            for on in dates:
                amount = cash_amount(programme, basis.inputs, book, on)
                desired[on.isoformat()] = Point(
                    on, amount.monthly_fen, False, amount.standard.label, amount.explanation
                )
        return desired

    def _reconcile(
        self, key: EntitlementKey, book: StandardsBook, *, actor: str, cause: str, reason: str
    ) -> int:
        """Make the recorded timeline of `key` equal what its bases and the standards say,
        recording one EntitlementChanged per change point that differs; return how many."""
        desired = self._desired(key, book)
        if not desired:
            return 0
        changed = 0
        first = min(p.effective_from for p in desired.values())
        recorded = self.timelines.get(key, {})
        dates = sorted(
            {p.effective_from for p in desired.values()}
            | {p.effective_from for p in recorded.values() if p.effective_from >= first}
        )
        for on in dates:
            want = _step(desired, on)
            have = _step(self.timelines.get(key, {}), on)
            if want is None:
                continue
            if have is not None and (have.monthly_fen, have.ended) == (
                want.monthly_fen,
                want.ended,
            ):
                continue
            old = None if have is None or have.ended else have.monthly_fen
            why = reason
            if not want.ended:
                why = f"{reason}: {want.reason}"
            if old is not None and not want.ended:
                why += f" (was {format_yuan(old)})"
            programme, member_id = split_key(key)
            self.trigger_event(
                self.EntitlementChanged,
                programme=programme,
                member_id=member_id,
                monthly_fen=want.monthly_fen,
                previous_monthly_fen=old,
                ended=want.ended,
                standard_version=want.standard_version,
                cause=cause,
                reason=why,
                actor=actor,
                effective_on=on,
            )
            changed += 1
        return changed


def _choice(name: str, value: Any, allowed: tuple[str, ...], *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if value not in allowed:
        raise InvalidInputError(f"{name} must be one of {', '.join(allowed)}", name)
