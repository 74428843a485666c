"""The `Household` aggregate: one stream per household, the consistency boundary.

Every event carries the business date it takes effect (`effective_on`, valid time)
and the `actor` who caused it; its own `timestamp` is the record time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.chain import Chained, ChainedEvent
from domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PolicyRuleError,
    SeparationOfDutiesError,
)
from domain.idnumber import validate_id_number
from domain.medical import (
    WAIVER_HOUSEHOLD_CATEGORIES,
    WAIVER_PERSON_CATEGORIES,
    BillFigures,
    CapSplit,
    Waiver,
    cap_split,
    cap_year_of,
    hospital_waiver,
)
from domain.money import format_ratio, format_yuan, parse_ratio, parse_yuan
from domain.payments import validate_account
from domain.rules import (
    AMOUNT_STANDARD,
    HOUSE_LOSSES,
    LOSSES,
    Amount,
    Means,
    cash_amount,
    check_rent_tier_ratio,
    disaster_relief,
    education_aid,
    means_test,
    months_later,
    renovation_grant,
    village_subsidy,
)
from domain.standards import StandardsBook, validate_region_code

# The standards whose change reaches recorded households (Ledger.propagate).
AMOUNT_KEYS = frozenset(k for keys in AMOUNT_STANDARD.values() for k in keys)
CAP_KEYS = frozenset({"medical_cap_individual_annual", "medical_cap_household_annual"})
PROPAGATED_KEYS = AMOUNT_KEYS | CAP_KEYS

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
    "price_subsidy",
)
CATEGORY_PROGRAMMES = ("dibao", "dibao_single", "tekun", "marginal", "low_income")
SUBSIDIES = (  # monthly, paid by the payment runs
    "charity_living_subsidy",
    "virtual_job_subsidy",
    "unemployed_temporary_subsidy",
    "eldercare_service_subsidy",
    "rent_subsidy",
    "price_subsidy",
)
GRANTS = ("education_aid", "renovation_grant", "disaster_relief")  # one-off
HOUSEHOLD_CATEGORIES = ("dibao", "marginal", "low_income")  # exclusive, household level
MEANS_TESTED = ("dibao", "marginal", "low_income")
PERSON_PROGRAMMES = (
    "dibao_single",
    "tekun",
    "charity_living_subsidy",
    "virtual_job_subsidy",  # §7 对城镇在册困难家庭成员: per member
    "unemployed_temporary_subsidy",
    "eldercare_service_subsidy",
    "price_subsidy",
)
CARE = ("home_community", "institution")  # §27 居家社区养老服务 / 入住养老机构
UNEMPLOYED_SUBSIDY_MONTHS = 6  # §21: for at most 6 months
RELATIONS = ("head", "spouse", "child", "parent", "other")
SCHOOL_STAGES = ("preschool", "primary", "junior", "senior", "university")
EMPLOYMENT = ("employed", "unemployed_registered", "not_in_labour_force")
RESIDENCES = ("urban", "rural")
MEMBER_FLAGS = ("severe_disability", "severe_illness", "school_stage", "employment")

# A basis key: the monthly amount taken over from the system a bureau migrated from
# (`Household.migrate`), held as it was until the next determination.
MIGRATED = "migrated_monthly_fen"
MIGRATED_VERSION = "migrated"
# The cause of an entitlement change point that suspends it (amount 0, not paid).
SUSPENSION = "suspension"

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
    moved_to: str | None = None  # the household they moved to when they left by a move
    earlier: list[list[date]] = field(default_factory=list)  # [joined, left] of past stays

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
        return (self.joined_on <= on and (self.left_on is None or on < self.left_on)) or any(
            joined <= on < left for joined, left in self.earlier
        )


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
    suspended: bool = False  # not paid from this date (amount 0) until resumed


@dataclass
class Suspension:
    """A span in which an entitlement is not paid: from `effective_from` up to (not
    including) `resumed_on`, open while `resumed_on` is None."""

    effective_from: date
    resumed_on: date | None
    reason: str

    def covers(self, on: date) -> bool:
        return self.effective_from <= on and (self.resumed_on is None or on < self.resumed_on)


@dataclass
class CategorySpan:
    category: str
    member_id: str | None
    effective_from: date
    effective_to: date | None = None  # exclusive
    application_id: str | None = None

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)


@dataclass
class MedicalBill:
    """A settlement as recorded (and corrected), with the split the §17 caps gave it."""

    bill_id: str
    member_id: str
    service_on: date
    cap_year: int
    seq: int  # the order bills were recorded in; the caps count in this order
    total_fen: int
    insurance_paid_fen: int
    self_paid_fen: int
    waived_fen: int
    counted_fen: int  # self-pay after the §16 waiver: what the caps count
    settlement_number: str | None
    kept_fen: int = 0
    relief_fen: int = 0
    cancelled: bool = False


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


class Household(Chained):
    """A household in difficulty: its members, applications, categories and the
    timeline of each of its entitlements."""

    class Event(ChainedEvent):
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
            _join(
                aggregate,
                self,
                {
                    "severe_disability": self.severe_disability,
                    "severe_illness": self.severe_illness,
                    "school_stage": self.school_stage,
                    "employment": self.employment,
                },
            )

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
                suspended=self.cause == SUSPENSION,
            )

    class EntitlementSuspended(Event):
        """An entitlement is not paid from `effective_on` until it is resumed."""

        programme: str
        member_id: str | None
        reason: str

        def apply(self, aggregate: Household) -> None:
            key = entitlement_key(self.programme, self.member_id)
            aggregate._suspensions_to_change(key).append(
                Suspension(self.effective_on, None, self.reason)
            )

    class EntitlementResumed(Event):
        """A suspended entitlement is paid again from `effective_on`."""

        programme: str
        member_id: str | None
        reason: str

        def apply(self, aggregate: Household) -> None:
            key = entitlement_key(self.programme, self.member_id)
            aggregate._suspensions_to_change(key)[-1].resumed_on = self.effective_on

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

    # ------------------------------------------------ visits and records (§21, §23, §30)

    class VisitRecorded(Event):
        """A home visit (探访关爱, §30), effective on the day of the visit."""

        visitor: str
        findings: str
        needs: str | None

        def apply(self, aggregate: Household) -> None:
            aggregate.visits.append(self.effective_on)

    class MajorChangeReported(Event):
        """A major adverse change (重大变故): weekly visits until it is stabilised."""

        description: str

        def apply(self, aggregate: Household) -> None:
            aggregate.major_changes.append([self.effective_on, None])

    class SituationStabilised(Event):
        def apply(self, aggregate: Household) -> None:
            for change in aggregate.major_changes:
                if change[1] is None:
                    change[1] = self.effective_on

    class JobReferralRecorded(Event):
        """A job referral to a registered unemployed member (§21)."""

        member_id: str
        employer: str
        position: str | None

        def apply(self, aggregate: Household) -> None:
            aggregate.referrals[self.member_id] = aggregate.referrals.get(self.member_id, 0) + 1

    class DividendRecorded(Event):
        """Dividends a rural low-income household received (§23), and the subsidy of 50%
        of them due to the village."""

        year: int
        amount_fen: int
        village_subsidy_fen: int

    class PayeeAccountSet(Event):
        """Where a member's payments go: a bank or 民生一卡通 account."""

        member_id: str
        kind: str
        account_number: str
        bank_name: str | None

        def apply(self, aggregate: Household) -> None:
            aggregate.accounts[self.member_id] = {
                "kind": self.kind,
                "account_number": self.account_number,
                "bank_name": self.bank_name,
            }

    # ------------------------------------------------------- medical (§15-17)

    class BillFiguresEvent(Event):
        """A settlement's figures (before the §16 waiver), the waiver and what counts."""

        bill_id: str
        cap_year: int
        total_fen: int
        insurance_paid_fen: int
        self_paid_fen: int
        payers: dict[str, int]
        items: list[list[Any]]
        settlement_number: str | None
        waived_fen: int
        counted_fen: int

    class MedicalBillRecorded(BillFiguresEvent):
        """A settlement for a member (effective on the service date), its §16 waiver and
        its §17 split: `kept` counts towards the caps, `relief` goes to the fund."""

        member_id: str
        kept_fen: int
        relief_fen: int
        person_cap_fen: int
        household_cap_fen: int
        person_paid_before_fen: int
        household_paid_before_fen: int
        standard_versions: dict[str, str]
        explanation: str

        def apply(self, aggregate: Household) -> None:
            aggregate.bills[self.bill_id] = MedicalBill(
                self.bill_id,
                self.member_id,
                self.effective_on,
                self.cap_year,
                len(aggregate.bills) + 1,
                self.total_fen,
                self.insurance_paid_fen,
                self.self_paid_fen,
                self.waived_fen,
                self.counted_fen,
                self.settlement_number,
                self.kept_fen,
                self.relief_fen,
            )

    class MedicalReliefGranted(Event):
        """What the medical safety fund (医保暖心无忧基金) pays over the cap for a bill."""

        bill_id: str
        member_id: str
        cap_year: int
        amount_fen: int
        fund: str

    class MedicalBillCorrected(BillFiguresEvent):
        """New figures for a bill; its split follows in MedicalReliefAdjusted."""

        reason: str
        explanation: str

        def apply(self, aggregate: Household) -> None:
            bill = aggregate.bills[self.bill_id]
            bill.service_on = self.effective_on
            bill.cap_year = self.cap_year
            bill.total_fen = self.total_fen
            bill.insurance_paid_fen = self.insurance_paid_fen
            bill.self_paid_fen = self.self_paid_fen
            bill.settlement_number = self.settlement_number
            bill.waived_fen = self.waived_fen
            bill.counted_fen = self.counted_fen

    class MedicalBillCancelled(Event):
        bill_id: str
        reason: str

        def apply(self, aggregate: Household) -> None:
            aggregate.bills[self.bill_id].cancelled = True

    class MedicalReliefAdjusted(Event):
        """A bill's split recomputed after an earlier bill of its cap year was corrected
        or cancelled: `delta_fen` > 0 is extra relief from the fund, < 0 a recovery."""

        bill_id: str
        member_id: str
        cap_year: int
        previous_kept_fen: int
        kept_fen: int
        previous_relief_fen: int
        relief_fen: int
        delta_fen: int
        kind: str
        cause_bill_id: str
        explanation: str

        def apply(self, aggregate: Household) -> None:
            bill = aggregate.bills[self.bill_id]
            bill.kept_fen = self.kept_fen
            bill.relief_fen = self.relief_fen

    class MemberMovedOut(Event):
        """The person leaves for another household, taking their cap-year self-pay."""

        member_id: str
        to_household_id: str
        carried: dict[str, int]

        def apply(self, aggregate: Household) -> None:
            member = aggregate.members[self.member_id]
            member.left_on = self.effective_on
            member.moved_to = self.to_household_id

    class MemberMovedIn(Event):
        """The same person (same member id) joins from another household, with the
        self-pay they carry for the cap year; this household's total starts at 0. A
        person may come back to a household they left: their earlier stay is kept."""

        member_id: str
        from_household_id: str
        name: str
        id_number: str
        relation: str
        birth_on: date
        attributes: dict[str, Any]
        carried: dict[str, int]

        def apply(self, aggregate: Household) -> None:
            _join(aggregate, self, dict(self.attributes))
            aggregate.carried[self.member_id] = dict(self.carried)

    class CarriedAdjusted(Event):
        """What a moved-in member carries changed: a bill of theirs in the household they
        came from was corrected or cancelled. The cap years named are recomputed next."""

        member_id: str
        from_household_id: str
        previous: dict[str, int]
        carried: dict[str, int]
        cause_bill_id: str

        def apply(self, aggregate: Household) -> None:
            aggregate.carried.setdefault(self.member_id, {}).update(self.carried)

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
        self.bills: dict[str, MedicalBill] = {}
        self.carried: dict[str, dict[str, int]] = {}  # member -> cap year -> self-pay
        self.accounts: dict[str, dict[str, str | None]] = {}  # member -> payee account
        self.grants: list[dict[str, Any]] = []
        self.visits: list[date] = []
        self.major_changes: list[list[date | None]] = []  # [reported_on, stabilised_on]
        self.referrals: dict[str, int] = {}
        self.suspensions: dict[EntitlementKey, list[Suspension]] = {}

    def suspensions_of(self, key: EntitlementKey) -> list[Suspension]:
        """The entitlement's suspensions; a read, so it adds nothing to the state (a
        snapshot taken before suspensions existed has none)."""
        found: dict[EntitlementKey, list[Suspension]] = self.__dict__.get("suspensions", {})
        return found.get(key, [])

    def _suspensions_to_change(self, key: EntitlementKey) -> list[Suspension]:
        found: dict[EntitlementKey, list[Suspension]] = self.__dict__.setdefault("suspensions", {})
        return found.setdefault(key, [])

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
        created: Household = cls._create(
            cls.Registered,
            id=household_id or uuid4(),
            region_code=region_code,
            residence=residence,
            address=address,
            actor=actor,
            effective_on=registered_on,
        )
        return created

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
        id_number = validate_id_number(id_number)
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
        _check_details(programme, details, effective_from)
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
        size = self.size_on(effective_from)
        if size == 0:
            raise PolicyRuleError("the household has no members then", "effective_from")
        paid = programme in AMOUNT_STANDARD
        if paid and monthly_fen is None:
            raise InvalidInputError(f"{programme} needs its current monthly amount", "amount")
        if not paid and monthly_fen:
            raise InvalidInputError(f"{programme} pays no monthly amount", "amount")
        if countable_income_fen is not None and programme != "dibao":
            raise InvalidInputError("a countable income is recorded for dibao only", "income")
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
        if paid and monthly_fen is not None:
            rule_inputs: dict[str, int] | None = {}
            if programme == "dibao":
                rule_inputs = (
                    None
                    if countable_income_fen is None
                    else {"countable_income_fen": countable_income_fen, "household_size": size}
                )
            rule = (
                None
                if rule_inputs is None
                else cash_amount(programme, rule_inputs, book, effective_from)
            )
            recorded = f"The old system's monthly amount is {format_yuan(monthly_fen)}"
            if rule is not None and rule.monthly_fen == monthly_fen and rule_inputs is not None:
                basis = rule_inputs
                versions[rule.standard.key] = rule.standard.label
                standard_version = rule.standard.label
                lines.append(f"{recorded}; the ledger's rule gives the same: {rule.explanation}")
            else:
                basis = {MIGRATED: monthly_fen}
                standard_version = MIGRATED_VERSION
                why = (
                    f"the ledger's rule gives {format_yuan(rule.monthly_fen)} "
                    f"({rule.explanation.rstrip('.')})"
                    if rule is not None
                    else "the old record gives no countable income to recompute it from"
                )
                lines.append(
                    f"{recorded}; {why}. The amount is kept as migrated: standard changes do "
                    "not recompute it, and the household's next determination replaces it."
                )
            entitlements.append(
                {
                    "programme": programme,
                    "member_id": person,
                    "monthly_fen": monthly_fen,
                    "effective_from": effective_from.isoformat(),
                    "standard_version": standard_version,
                }
            )
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

    def adjust_entitlements(self, book: StandardsBook, *, actor: str, reason: str) -> int:
        """Recompute every entitlement against the standards timeline and record each
        difference (used when a standard changes, also retroactively). Idempotent."""
        return sum(
            self._reconcile(key, book, actor=actor, cause="standard_change", reason=reason)
            for key in sorted(self.bases)
        )

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

    def set_account(
        self,
        member_id: str,
        *,
        kind: str,
        account_number: str,
        bank_name: str | None,
        actor: str,
        on: date,
    ) -> None:
        member = self.member(member_id)
        if member.left_on is not None:
            raise PolicyRuleError("the member has left the household", "member_id")
        number = validate_account(kind, account_number)
        self.trigger_event(
            self.PayeeAccountSet,
            member_id=member_id,
            kind=kind,
            account_number=number,
            bank_name=bank_name,
            actor=actor,
            effective_on=on,
        )

    def suspend_entitlement(
        self,
        programme: str,
        member_id: str | None,
        *,
        effective_on: date,
        reason: str,
        actor: str,
        book: StandardsBook,
    ) -> None:
        """Stop paying a monthly entitlement from `effective_on` (docs/PAYMENTS.md: suspended
        entitlements are not paid). Its timeline gets a 0 amount, marked suspended, from
        that day, so a payment run pays the days before it pro rata and none after."""
        key = self._monthly_key(programme, member_id)
        reason = _reason(reason)
        point = _step(self.timelines.get(key, {}), effective_on)
        if point is None or point.ended:
            raise PolicyRuleError(
                f"{key} is not in force on {effective_on.isoformat()}: only an entitlement "
                "in force can be suspended",
                "effective_on",
            )
        spans = self.suspensions_of(key)
        if spans and spans[-1].resumed_on is None:
            raise ConflictError(
                f"{key} is suspended already (from {spans[-1].effective_from.isoformat()}); "
                "resume it first",
                "programme",
            )
        last_resumed = spans[-1].resumed_on if spans else None
        if last_resumed is not None and effective_on < last_resumed:
            raise PolicyRuleError(
                f"effective_on must be on or after the last resumption ({last_resumed})",
                "effective_on",
            )
        self.trigger_event(
            self.EntitlementSuspended,
            programme=programme,
            member_id=member_id,
            reason=reason,
            actor=actor,
            effective_on=effective_on,
        )
        self._reconcile(key, book, actor=actor, cause=SUSPENSION, reason=f"suspended: {reason}")

    def resume_entitlement(
        self,
        programme: str,
        member_id: str | None,
        *,
        effective_on: date,
        reason: str,
        actor: str,
        book: StandardsBook,
    ) -> None:
        """Pay a suspended entitlement again from `effective_on`, at the amount its
        bases and the standards give that day."""
        key = self._monthly_key(programme, member_id)
        reason = _reason(reason)
        spans = self.suspensions_of(key)
        if not spans or spans[-1].resumed_on is not None:
            raise ConflictError(f"{key} is not suspended", "programme")
        if effective_on <= spans[-1].effective_from:
            raise PolicyRuleError(
                f"effective_on must be after the suspension's first day "
                f"({spans[-1].effective_from.isoformat()})",
                "effective_on",
            )
        self.trigger_event(
            self.EntitlementResumed,
            programme=programme,
            member_id=member_id,
            reason=reason,
            actor=actor,
            effective_on=effective_on,
        )
        self._reconcile(key, book, actor=actor, cause="resumption", reason=f"resumed: {reason}")

    def _monthly_key(self, programme: str, member_id: str | None) -> EntitlementKey:
        if programme not in PROGRAMMES or programme in GRANTS:
            raise InvalidInputError(
                "programme must be a monthly programme: "
                + ", ".join(p for p in PROGRAMMES if p not in GRANTS),
                "programme",
            )
        if member_id is not None:
            self.member(member_id)
        key = entitlement_key(programme, member_id)
        if key not in self.timelines:
            raise NotFoundError(
                f"the household has no {programme} entitlement"
                + (f" for member {member_id}" if member_id else ""),
                "member_id" if member_id else "programme",
            )
        return key

    # ------------------------------------------------ visits and records commands

    def record_visit(
        self, *, visited_on: date, visitor: str, findings: str, needs: str | None, actor: str
    ) -> None:
        if visited_on < self.registered_on:
            raise InvalidInputError(
                "visited_on is before the household was registered", "visited_on"
            )
        if not visitor.strip() or not findings.strip():
            raise InvalidInputError("a visit records its visitor and findings", "findings")
        self.trigger_event(
            self.VisitRecorded,
            visitor=visitor,
            findings=findings,
            needs=needs,
            actor=actor,
            effective_on=visited_on,
        )

    def report_major_change(self, *, reported_on: date, description: str, actor: str) -> None:
        if reported_on < self.registered_on:
            raise InvalidInputError(
                "reported_on is before the household was registered", "reported_on"
            )
        self.trigger_event(
            self.MajorChangeReported, description=description, actor=actor, effective_on=reported_on
        )

    def stabilise(self, *, on: date, actor: str) -> None:
        open_changes = [c for c in self.major_changes if c[1] is None]
        if not open_changes:
            raise ConflictError("no major change is open for this household", "on")
        if any(c[0] is not None and on < c[0] for c in open_changes):
            raise InvalidInputError("on is before the major change was reported", "on")
        self.trigger_event(self.SituationStabilised, actor=actor, effective_on=on)

    def refer_to_job(
        self,
        member_id: str,
        *,
        referred_on: date,
        employer: str,
        position: str | None,
        actor: str,
    ) -> int:
        member = self.member(member_id)
        if member.attribute("employment", referred_on) != "unemployed_registered":
            raise PolicyRuleError(
                "job referrals are recorded for registered unemployed members (§21)", "member_id"
            )
        self.trigger_event(
            self.JobReferralRecorded,
            member_id=member_id,
            employer=employer,
            position=position,
            actor=actor,
            effective_on=referred_on,
        )
        return self.referrals[member_id]

    def record_dividend(self, *, year: int, amount_fen: int, actor: str, on: date) -> int:
        """§23: dividends of a rural low-income household (低收入农户: see
        `rural_low_income_on`); the village gets a subsidy of 50% of them (SEED), half-up."""
        if not self.rural_low_income_on(on):
            category = self.household_category_on(on)
            raise PolicyRuleError(
                "dividends are recorded for rural low-income households (§23): a rural "
                "household that is dibao, marginal or low-income on the day; this one is "
                f"{self.residence} and {category.category if category else 'in no category'} "
                f"on {on.isoformat()}",
                "household_id",
            )
        if amount_fen <= 0:
            raise InvalidInputError("amount must be more than 0", "amount")
        subsidy = village_subsidy(amount_fen)
        self.trigger_event(
            self.DividendRecorded,
            year=year,
            amount_fen=amount_fen,
            village_subsidy_fen=subsidy,
            actor=actor,
            effective_on=on,
        )
        return subsidy

    def rural_low_income_on(self, on: date) -> bool:
        """低收入农户 (POLICY.md §1 `rural_low_income`, §23): a rural household holding a
        household category on `on` (dibao, marginal or low-income; the flag combines with
        them and needs no determination of its own)."""
        return self.residence == "rural" and self.household_category_on(on) is not None

    def visit_tier(self, on: date) -> tuple[str, str] | None:
        """§30: weekly after a major change until stabilised; monthly with a severely
        disabled or ill member; quarterly otherwise; the strictest wins. None when the
        household is not a registered difficulty household on `on`."""
        return visit_tier(
            registered=self._registered_on(on),
            major_change_open=any(
                c[0] is not None and c[0] <= on and (c[1] is None or c[1] > on)
                for c in self.major_changes
            ),
            severe=any(
                m.present_on(on)
                and (m.attribute("severe_disability", on) or m.attribute("severe_illness", on))
                for m in self.members.values()
            ),
        )

    # ------------------------------------------------------- medical commands

    def record_medical_bill(
        self,
        *,
        member_id: str,
        service_on: date,
        figures: BillFigures,
        settlement_number: str | None,
        actor: str,
        book: StandardsBook,
        bill_id: str | None = None,
    ) -> MedicalBill:
        """Record a settlement with its §16 waiver and its §17 split; the relief over
        the caps is its own event, paid by the medical safety fund."""
        self._check_bill(member_id, service_on, figures, settlement_number, None)
        waiver, counted, year = self._bill_basis(member_id, service_on, figures, book)
        new_id = bill_id or str(uuid4())
        split, person_cap, household_cap, person_paid, household_paid, versions = self._split_for(
            member_id, year, service_on, counted, book, before_seq=None
        )
        self.trigger_event(
            self.MedicalBillRecorded,
            **_figure_fields(new_id, year, figures, settlement_number, waiver, counted),
            member_id=member_id,
            kept_fen=split.kept_fen,
            relief_fen=split.relief_fen,
            person_cap_fen=person_cap,
            household_cap_fen=household_cap,
            person_paid_before_fen=person_paid,
            household_paid_before_fen=household_paid,
            standard_versions=versions,
            explanation=f"{waiver.explanation} {split.explanation}",
            actor=actor,
            effective_on=service_on,
        )
        if split.relief_fen:
            self.trigger_event(
                self.MedicalReliefGranted,
                bill_id=new_id,
                member_id=member_id,
                cap_year=year,
                amount_fen=split.relief_fen,
                fund=MEDICAL_FUND,
                actor=actor,
                effective_on=service_on,
            )
        return self.bills[new_id]

    def correct_medical_bill(
        self,
        bill_id: str,
        *,
        member_id: str,
        service_on: date,
        figures: BillFigures,
        settlement_number: str | None,
        reason: str,
        actor: str,
        book: StandardsBook,
    ) -> MedicalBill:
        bill = self._bill(bill_id)
        if member_id != bill.member_id:
            raise InvalidInputError(
                "a correction cannot move a bill to another member; cancel it and record a new one",
                "member_id",
            )
        self._check_bill(member_id, service_on, figures, settlement_number, bill_id)
        waiver, counted, year = self._bill_basis(member_id, service_on, figures, book)
        old_year = bill.cap_year
        self.trigger_event(
            self.MedicalBillCorrected,
            **_figure_fields(bill_id, year, figures, settlement_number, waiver, counted),
            reason=reason,
            explanation=waiver.explanation,
            actor=actor,
            effective_on=service_on,
        )
        for cap_year in sorted({old_year, year}):
            self._recompute_cap_year(cap_year, book, actor=actor, cause_bill_id=bill_id)
        return self.bills[bill_id]

    def cancel_medical_bill(
        self, bill_id: str, *, reason: str, actor: str, book: StandardsBook
    ) -> MedicalBill:
        bill = self._bill(bill_id)
        if not reason.strip():
            raise InvalidInputError("a cancellation must give its reason", "reason")
        self.trigger_event(
            self.MedicalBillCancelled,
            bill_id=bill_id,
            reason=reason,
            actor=actor,
            effective_on=bill.service_on,
        )
        self._recompute_cap_year(bill.cap_year, book, actor=actor, cause_bill_id=bill_id)
        return bill

    def move_out(
        self,
        member_id: str,
        *,
        to_household_id: UUID,
        effective_on: date,
        actor: str,
        book: StandardsBook,
    ) -> dict[str, int]:
        """The member leaves for another household; returns what they carry."""
        member = self.member(member_id)
        if to_household_id == self.id:
            raise InvalidInputError("to_household_id is this household", "to_household_id")
        if not member.present_on(effective_on) or effective_on == member.joined_on:
            raise InvalidInputError(
                "effective_on must fall after the member joined and before they left",
                "effective_on",
            )
        start_month = _cap_year_start(book, effective_on)
        year = cap_year_of(effective_on, start_month)
        carried = {str(year): self.person_paid(member_id, year)}
        self.trigger_event(
            self.MemberMovedOut,
            member_id=member_id,
            to_household_id=str(to_household_id),
            carried=carried,
            actor=actor,
            effective_on=effective_on,
        )
        for span in list(self.categories):
            if span.member_id == member_id and span.effective_to is None:
                self._end_category(
                    span, effective_on, actor, book, f"the member moved to {to_household_id}"
                )
        return carried

    def move_in(
        self,
        member: Member,
        *,
        from_household_id: UUID,
        carried: dict[str, int],
        effective_on: date,
        actor: str,
    ) -> None:
        validate_id_number(member.id_number)
        before = self.members.get(member.member_id)
        if before is not None:
            if before.left_on is None:
                raise ConflictError("the member is already in this household", "member_id")
            if effective_on < before.left_on:
                raise InvalidInputError(
                    f"effective_on is before the member left this household ({before.left_on})",
                    "effective_on",
                )
        if effective_on < self.registered_on:
            raise InvalidInputError(
                "effective_on is before the household was registered", "effective_on"
            )
        # Back in a household they left: what they kept here counts here already.
        carried = {
            year: fen - self._kept_here(member.member_id, int(year))
            for year, fen in carried.items()
        }
        self.trigger_event(
            self.MemberMovedIn,
            member_id=member.member_id,
            from_household_id=str(from_household_id),
            name=member.name,
            id_number=member.id_number,
            relation=member.relation,
            birth_on=member.birth_on,
            attributes={k: member.attribute(k, effective_on) for k in MEMBER_FLAGS},
            carried=carried,
            actor=actor,
            effective_on=effective_on,
        )

    # --------------------------------------------------------- medical queries

    def person_paid(self, member_id: str, cap_year: int, before_seq: int | None = None) -> int:
        """The person's self-pay kept in a cap year: carried in, plus kept here."""
        carried = self.carried.get(member_id, {}).get(str(cap_year), 0)
        return carried + sum(
            b.kept_fen
            for b in self.bills.values()
            if b.member_id == member_id
            and b.cap_year == cap_year
            and not b.cancelled
            and (before_seq is None or b.seq < before_seq)
        )

    def _kept_here(self, member_id: str, cap_year: int) -> int:
        return self.person_paid(member_id, cap_year) - self.carried.get(member_id, {}).get(
            str(cap_year), 0
        )

    def adjust_carried(
        self,
        member_id: str,
        carried: dict[str, int],
        *,
        from_household_id: UUID,
        cause_bill_id: str,
        actor: str,
        book: StandardsBook,
    ) -> bool:
        """A bill of a moved-in member in the household they came from was corrected or
        cancelled, so their total there changed: record what they now carry and
        recompute those cap years here (the differences in relief recorded as usual)."""
        member = self.member(member_id)
        carried = {
            year: fen - self._kept_here(member_id, int(year)) if member.earlier else fen
            for year, fen in carried.items()
        }
        before = self.carried.get(member_id, {})
        changed = {year: fen for year, fen in carried.items() if before.get(year, 0) != fen}
        if not changed:
            return False
        self.trigger_event(
            self.CarriedAdjusted,
            member_id=member_id,
            from_household_id=str(from_household_id),
            previous={year: before.get(year, 0) for year in changed},
            carried=changed,
            cause_bill_id=cause_bill_id,
            actor=actor,
            effective_on=member.joined_on,
        )
        for year in sorted(changed):
            self._recompute_cap_year(int(year), book, actor=actor, cause_bill_id=cause_bill_id)
        return True

    def household_paid(self, cap_year: int, before_seq: int | None = None) -> int:
        """What this household's members kept in a cap year while in it."""
        return sum(
            b.kept_fen
            for b in self.bills.values()
            if b.cap_year == cap_year
            and not b.cancelled
            and (before_seq is None or b.seq < before_seq)
        )

    def _bill(self, bill_id: str) -> MedicalBill:
        bill = self.bills.get(bill_id)
        if bill is None:
            raise NotFoundError(f"no medical bill {bill_id} in this household", "bill_id")
        if bill.cancelled:
            raise ConflictError(f"medical bill {bill_id} is cancelled", "bill_id")
        return bill

    def _check_bill(
        self,
        member_id: str,
        service_on: date,
        figures: BillFigures,
        settlement_number: str | None,
        bill_id: str | None,
    ) -> None:
        member = self.member(member_id)
        if not member.present_on(service_on):
            left = f" and left on {member.left_on.isoformat()}" if member.left_on else ""
            raise InvalidInputError(
                f"service_on {service_on.isoformat()} is outside the member's time in this "
                f"household (joined on {member.joined_on.isoformat()}{left})",
                "service_on",
            )
        figures.check()
        if settlement_number:
            for other in self.bills.values():
                if (
                    other.settlement_number == settlement_number
                    and not other.cancelled
                    and other.bill_id != bill_id
                ):
                    raise ConflictError(
                        f"settlement {settlement_number} is already recorded as bill "
                        f"{other.bill_id}",
                        "settlement_number",
                    )

    def _bill_basis(
        self, member_id: str, service_on: date, figures: BillFigures, book: StandardsBook
    ) -> tuple[Waiver, int, int]:
        eligible, who = self._waiver_eligibility(member_id, service_on)
        waiver = hospital_waiver(figures.items, eligible, who)
        counted = figures.self_paid_fen - min(waiver.waived_fen, figures.self_paid_fen)
        year = cap_year_of(service_on, _cap_year_start(book, service_on))
        return waiver, counted, year

    def _waiver_eligibility(self, member_id: str, on: date) -> tuple[bool, str]:
        for span in self.categories_on(on):
            if span.member_id is None and span.category in WAIVER_HOUSEHOLD_CATEGORIES:
                return True, f"a member of a {span.category} household"
            if span.member_id == member_id and span.category in WAIVER_PERSON_CATEGORIES:
                return True, f"a {span.category} person"
        return False, f"the member is not tekun, dibao or marginal on {on.isoformat()}"

    def _split_for(
        self,
        member_id: str,
        cap_year: int,
        service_on: date,
        counted: int,
        book: StandardsBook,
        before_seq: int | None,
    ) -> tuple[CapSplit, int, int, int, int, dict[str, str]]:
        person_cap, person_std = book.money("medical_cap_individual_annual", service_on)
        household_cap, household_std = book.money("medical_cap_household_annual", service_on)
        person_paid = self.person_paid(member_id, cap_year, before_seq)
        household_paid = self.household_paid(cap_year, before_seq)
        split = cap_split(
            counted,
            person_cap_fen=person_cap,
            person_paid_fen=person_paid,
            household_cap_fen=household_cap,
            household_paid_fen=household_paid,
        )
        versions = {person_std.key: person_std.label, household_std.key: household_std.label}
        return split, person_cap, household_cap, person_paid, household_paid, versions

    def _recompute_cap_year(
        self,
        cap_year: int,
        book: StandardsBook,
        *,
        actor: str,
        cause_bill_id: str,
        cause: str | None = None,
    ) -> int:
        """Recompute every bill of a cap year in recorded order and record each split
        that differs (extra relief, or a recovery from the fund's side). The cause is a
        corrected or cancelled bill (`cause_bill_id`), or a change of a cap (`cause`,
        with `cause_bill_id` empty)."""
        changed = 0
        for bill in sorted(self.bills.values(), key=lambda b: b.seq):
            if bill.cap_year != cap_year:
                continue
            if bill.cancelled:
                kept, relief = 0, 0
                explanation = "the bill is cancelled: nothing kept, nothing relieved"
            else:
                split = self._split_for(
                    bill.member_id,
                    cap_year,
                    bill.service_on,
                    bill.counted_fen,
                    book,
                    before_seq=bill.seq,
                )[0]
                kept, relief, explanation = split.kept_fen, split.relief_fen, split.explanation
            if cause:
                explanation = f"{cause}: {explanation}"
            if (kept, relief) == (bill.kept_fen, bill.relief_fen):
                continue
            delta = relief - bill.relief_fen
            self.trigger_event(
                self.MedicalReliefAdjusted,
                bill_id=bill.bill_id,
                member_id=bill.member_id,
                cap_year=bill.cap_year,
                previous_kept_fen=bill.kept_fen,
                kept_fen=kept,
                previous_relief_fen=bill.relief_fen,
                relief_fen=relief,
                delta_fen=delta,
                kind="extra_relief" if delta > 0 else "recovery" if delta < 0 else "kept_only",
                cause_bill_id=cause_bill_id,
                explanation=explanation,
                actor=actor,
                effective_on=bill.service_on,
            )
            changed += 1
        return changed

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
            self._entitle(application, person, basis_inputs, None, actor, book)
        return Determination(
            application.application_id, "approved", category, entitlements, explanation
        )

    def _registered_on(self, on: date) -> bool:
        """A registered difficulty household (在册困难家庭): a category in force on `on`."""
        return bool(self.categories_on(on))

    def _approve_subsidy(
        self, application: ApplicationRecord, reason: str, actor: str, book: StandardsBook
    ) -> Determination:
        """The monthly helps: each checked against its rule, then an entitlement paid by
        the payment runs (and recomputed when its standard changes)."""
        on = application.effective_from
        programme = application.programme
        person = application.member_id if programme in PERSON_PROGRAMMES else None
        member = self.member(person) if person else None
        if programme in PERSON_PROGRAMMES and member is None:  # refused at submission too
            raise InvalidInputError(
                f"a {programme} application must name the person (member_id)", "member_id"
            )
        if member is not None and not member.present_on(on):
            raise PolicyRuleError("the member is not in the household then", "member_id")
        current = self.household_category_on(on)
        person_categories = {c.category for c in self.categories_on(on) if c.member_id == person}
        if not self._registered_on(on):
            raise PolicyRuleError(
                f"{programme} is for registered difficulty households; this household holds "
                f"no category on {on.isoformat()}",
                "programme",
            )
        inputs: dict[str, int] = {}
        details = application.details
        if programme == "charity_living_subsidy":
            dibao_person = bool(person_categories & {"dibao_single", "tekun"})
            household = current.category if current else None
            if household not in ("dibao", "marginal") and not dibao_person:
                raise PolicyRuleError(
                    "the charity living subsidy is for dibao and marginal members (§8)",
                    "member_id",
                )
            inputs = {"marginal": int(household == "marginal" and not dibao_person)}
        elif programme in ("virtual_job_subsidy", "rent_subsidy") and self.residence != "urban":
            raise PolicyRuleError(f"{programme} is for urban households (§7, §12)", "programme")
        elif programme == "unemployed_temporary_subsidy" and member is not None:
            if member.attribute("employment", on) != "unemployed_registered":
                raise PolicyRuleError(
                    "the temporary subsidy is for registered unemployed members (§21)",
                    "member_id",
                )
        elif programme == "eldercare_service_subsidy" and member is not None:
            _choice("details.care", details.get("care"), CARE)
            age = (
                on.year
                - member.birth_on.year
                - ((on.month, on.day) < (member.birth_on.month, member.birth_on.day))
            )
            elderly, elderly_std = book.ratio("eldercare_min_age", on)
            if age < elderly:
                raise PolicyRuleError(
                    f"the eldercare service subsidy is for the elderly ({format_ratio(elderly)} "
                    f"or over, §27, {elderly_std.label}); the member is {age}",
                    "member_id",
                )
        if programme == "rent_subsidy":
            if current is None or current.category not in ("dibao", "low_income"):
                raise PolicyRuleError(
                    "the rent subsidy is for urban dibao and low-income households (§12)",
                    "programme",
                )
            ratio, rent = _rent_details(details)
            inputs = {
                "tier_ratio_num": ratio.numerator,
                "tier_ratio_den": ratio.denominator,
                "market_rent_fen": rent,
            }
            check_rent_tier_ratio(ratio, book, on)
        ends = (
            self._temporary_subsidy_end(person or "", on)
            if programme == "unemployed_temporary_subsidy"
            else None
        )
        amount = cash_amount(programme, inputs, book, on)
        if amount.paused:  # price subsidy: CPI below the trigger on the date
            raise PolicyRuleError(
                f"the price subsidy is paid while CPI is at or above the trigger: "
                f"{amount.explanation}",
                "effective_from",
            )
        entitlement = {
            "programme": programme,
            "member_id": person,
            "monthly_fen": amount.monthly_fen,
            "effective_from": on.isoformat(),
            "standard_version": amount.standard.label,
        }
        self._record_determination(
            application,
            "approve",
            reason,
            "approved",
            None,
            amount.explanation,
            {**inputs, **({"member_id": person} if person else {})},
            {amount.standard.key: amount.standard.label},
            [entitlement],
            actor,
        )
        self._entitle(application, person, inputs, ends, actor, book)
        return Determination(
            application.application_id, "approved", None, [entitlement], amount.explanation
        )

    def _temporary_subsidy_end(self, member_id: str, on: date) -> date:
        """§21 pays the temporary subsidy for at most 6 months per member over all its
        approvals: a re-application gets the months that are left, from its own date, and
        may not overlap a period already approved (overlaps would extend it)."""
        periods = _periods(
            self.bases.get(entitlement_key("unemployed_temporary_subsidy", member_id), [])
        )
        used = sum(_months(start, end) for start, end in periods if end is not None)
        left = UNEMPLOYED_SUBSIDY_MONTHS - used
        if left <= 0 or any(end is None for _, end in periods):
            raise PolicyRuleError(
                f"the member has had the temporary subsidy for {used} months: the "
                f"{UNEMPLOYED_SUBSIDY_MONTHS} months of §21 are used up",
                "member_id",
            )
        ends = months_later(on, left)
        for start, end in periods:
            if end is not None and start < ends and on < end:
                raise ConflictError(
                    f"the member has the temporary subsidy from {start.isoformat()} to "
                    f"{end.isoformat()}; a new period of {left} months from {on.isoformat()} "
                    "would overlap it (§21: at most 6 months in all)",
                    "effective_from",
                )
        return ends

    def _entitle(
        self,
        application: ApplicationRecord,
        person: str | None,
        inputs: dict[str, int],
        ends_on: date | None,
        actor: str,
        book: StandardsBook,
    ) -> None:
        """An approved monthly programme: its basis from the application's date (and its
        end, for a programme paid for a limited time), then its timeline reconciled."""
        on = application.effective_from
        for start, basis in ((on, inputs), (ends_on, None)):
            if start is None:
                continue
            self.trigger_event(
                self.EntitlementBasisSet,
                programme=application.programme,
                member_id=person,
                inputs=basis,
                application_id=application.application_id,
                actor=actor,
                effective_on=start,
            )
        self._reconcile(
            entitlement_key(application.programme, person),
            book,
            actor=actor,
            cause="determination",
            reason=f"determination of application {application.application_id}",
        )

    def grant_amount(self, application: ApplicationRecord, book: StandardsBook) -> Amount:
        """A one-off grant's amount by its rule (§11, §14, §28) from the application's
        recorded details and the household as it stands before the grant; also what
        `ledger verify` recomputes a recorded grant with."""
        on = application.effective_from
        programme = application.programme
        details = application.details
        person = application.member_id
        if programme == "education_aid":
            member = self.member(person or "")
            year = _school_year(details)
            recorded_stage = member.attribute("school_stage", on)
            if member.relation != "child" and recorded_stage is None:
                raise PolicyRuleError(
                    f"education aid is per child (§11): {member.name} is the household's "
                    f"{member.relation} and has no school stage recorded on {on.isoformat()}",
                    "member_id",
                )
            stage = details.get("stage") or recorded_stage
            if stage not in SCHOOL_STAGES:
                raise InvalidInputError(
                    f"details.stage must be one of {', '.join(SCHOOL_STAGES)}", "details.stage"
                )
            for grant in self.grants:
                if (
                    grant["programme"],
                    grant["member_id"],
                    grant["details"].get("school_year"),
                ) == (programme, person, year):
                    raise ConflictError(
                        f"education aid for {year} is already granted to this child (§11)",
                        "details.school_year",
                    )
            current = self.household_category_on(on)
            orphan = bool(details.get("orphan"))
            person_dibao = any(
                c.member_id == person and c.category in ("dibao_single", "tekun")
                for c in self.categories_on(on)
            )
            if orphan or person_dibao or (current is not None and current.category == "dibao"):
                full = True
            elif current is not None and current.category == "marginal":
                full = False
            else:
                raise PolicyRuleError(
                    "education aid is for children of dibao and marginal households and orphans "
                    "(§11)",
                    "member_id",
                )
            amount = education_aid(str(stage), full, book, on)
        elif programme == "renovation_grant":
            if not self._registered_on(on):
                raise PolicyRuleError(
                    "暖巢 renovation is for registered difficulty households (§14)", "programme"
                )
            before = sum(g["amount_fen"] for g in self.grants if g["programme"] == programme)
            amount = renovation_grant(_renovation_requested(details), before, book, on)
        else:  # disaster_relief: no means test, no prior category (§28)
            disaster_on, loss, persons, days = _disaster_details(details, on)
            self._refuse_repeated_disaster_grant(disaster_on, loss)
            amount = disaster_relief(loss, disaster_on, persons, days, book)
        return amount

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

    def _refuse_repeated_disaster_grant(self, disaster_on: date, loss: str) -> None:
        """§28 pays a house loss once per household and disaster (a house that collapsed
        is not also damaged), and a per-person loss once per household, disaster and
        loss: the one grant names every person it covers (`details.persons`)."""
        house = loss in HOUSE_LOSSES
        for grant in self.grants:
            before = grant["details"]
            if grant["programme"] != "disaster_relief" or before.get("disaster_on") != (
                disaster_on.isoformat()
            ):
                continue
            if before.get("loss") == loss or (house and before.get("loss") in HOUSE_LOSSES):
                raise ConflictError(
                    f"disaster relief for the {before.get('loss')} of "
                    f"{disaster_on.isoformat()} is already granted to this household (§28)",
                    "details.loss",
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
            if MIGRATED in basis.inputs:
                desired[basis.effective_from.isoformat()] = Point(
                    basis.effective_from,
                    basis.inputs[MIGRATED],
                    False,
                    MIGRATED_VERSION,
                    f"amount migrated from the old system: "
                    f"{format_yuan(basis.inputs[MIGRATED])} a month, held until the next "
                    "determination",
                )
                continue
            dates = [
                basis.effective_from,
                *book.change_dates(
                    *AMOUNT_STANDARD[programme], after=basis.effective_from, before=end
                ),
            ]
            for on in dates:
                amount = cash_amount(programme, basis.inputs, book, on)
                desired[on.isoformat()] = Point(
                    on, amount.monthly_fen, amount.paused, amount.standard.label, amount.explanation
                )
        return _suspend(desired, self.suspensions_of(key))

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
            if have is not None and (have.monthly_fen, have.ended, have.suspended) == (
                want.monthly_fen,
                want.ended,
                want.suspended,
            ):
                continue
            old = None if have is None or have.ended else have.monthly_fen
            why = reason
            if not want.ended or want.reason != "ended":  # a pause says why
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
                cause=SUSPENSION if want.suspended else cause,
                reason=why,
                actor=actor,
                effective_on=on,
            )
            changed += 1
        return changed


def _suspend(desired: Timeline, spans: list[Suspension]) -> Timeline:
    """A timeline with its suspensions laid over it: from a suspension's first day every
    amount in force is 0 (marked suspended) until the resumption, where the amount the
    timeline has that day applies again. An end inside a suspension stays an end."""
    if not desired or not spans:
        return desired
    result = dict(desired)
    for span in spans:
        starts = [span.effective_from] + [
            p.effective_from for p in desired.values() if span.covers(p.effective_from)
        ]
        for on in starts:
            point = _step(desired, on)
            if point is None or point.ended:
                continue
            result[on.isoformat()] = Point(
                on, 0, False, point.standard_version, f"suspended: {span.reason}", True
            )
        resumed = span.resumed_on
        if resumed is not None and resumed.isoformat() not in desired:
            after = _step(desired, resumed)
            if after is not None:
                result[resumed.isoformat()] = Point(
                    resumed, after.monthly_fen, after.ended, after.standard_version, after.reason
                )
    return result


def _reason(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError("reason must say why (it is recorded)", "reason")
    return text.strip()


def _join(aggregate: Household, event: Any, attributes: dict[str, Any]) -> None:
    """A person joins the household (added, or moved in) with their attributes."""
    member = Member(
        event.member_id,
        event.name,
        event.id_number,
        event.relation,
        event.birth_on,
        event.effective_on,
    )
    before = aggregate.members.get(event.member_id)
    if before is not None and before.left_on is not None:  # back in a household they left
        member.earlier = [*before.earlier, [before.joined_on, before.left_on]]
        member.changes = list(before.changes)
    member.changes.append(AttributeChange(event.effective_on, attributes))
    aggregate.members[event.member_id] = member


MEDICAL_FUND = "medical_safety_fund"  # 医保暖心无忧基金 (§17)


def _figure_fields(
    bill_id: str,
    cap_year: int,
    figures: BillFigures,
    settlement_number: str | None,
    waiver: Waiver,
    counted: int,
) -> dict[str, Any]:
    return {
        "bill_id": bill_id,
        "cap_year": cap_year,
        "total_fen": figures.total_fen,
        "insurance_paid_fen": figures.insurance_paid_fen,
        "self_paid_fen": figures.self_paid_fen,
        "payers": dict(figures.payers),
        "items": [[kind, amount] for kind, amount in figures.items],
        "settlement_number": settlement_number,
        "waived_fen": waiver.waived_fen,
        "counted_fen": counted,
    }


def _cap_year_start(book: StandardsBook, on: date) -> int:
    return int(book.ratio("medical_cap_year_start_month", on)[0])


def visit_tier(
    *, registered: bool, major_change_open: bool, severe: bool
) -> tuple[str, str] | None:
    """The tier and why (§30); None for a household not registered."""
    if not registered:
        return None
    if major_change_open:
        return "weekly", "a major adverse change is open (not yet stabilised)"
    if severe:
        return "monthly", "a member is severely disabled or severely ill"
    return "quarterly", "a registered difficulty household"


def visit_due(tier: str, last_visit: date | None, anchor: date) -> date:
    """The next visit's due date: the interval after the last visit (or after the anchor:
    the major change for the weekly tier, else the start of registration)."""
    start = (
        max(d for d in (last_visit, anchor) if d is not None)
        if tier == "weekly"
        else (last_visit or anchor)
    )
    if tier == "weekly":
        return start + timedelta(days=7)
    return months_later(start, 1 if tier == "monthly" else 3)


def _detail_date(details: dict[str, Any], name: str) -> date:
    value = details.get(name)
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInputError(f"details.{name} must be an ISO date", f"details.{name}") from None


def _periods(bases: list[Basis]) -> list[tuple[date, date | None]]:
    """The periods an entitlement's bases grant, [start, end) with None for open."""
    return [
        (basis.effective_from, bases[i + 1].effective_from if i + 1 < len(bases) else None)
        for i, basis in enumerate(bases)
        if basis.inputs is not None
    ]


def _months(start: date, end: date) -> int:
    """Calendar months from `start` to `end` (exact for the periods `months_later` ends)."""
    return (end.year - start.year) * 12 + end.month - start.month


def _detail_count(details: dict[str, Any], name: str) -> int | None:
    """A count in an application's details (persons, days): a whole number of 1 or
    more (a JSON integer; true/false, fractions and text are refused), or None."""
    value = details.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(
            f"details.{name} must be a whole number of 1 or more", f"details.{name}"
        )
    return value


def _disaster_details(details: dict[str, Any], granted_on: date) -> tuple[date, str, int, int]:
    """The disaster date, loss, persons and days of a §28 application, checked."""
    disaster_on = _detail_date(details, "disaster_on")
    if disaster_on > granted_on:
        raise InvalidInputError(
            f"details.disaster_on {disaster_on.isoformat()} is after the grant's date "
            f"(effective_from {granted_on.isoformat()})",
            "details.disaster_on",
        )
    loss = details.get("loss")
    if not isinstance(loss, str) or loss not in LOSSES:
        raise InvalidInputError(f"details.loss must be one of {', '.join(LOSSES)}", "details.loss")
    persons = _detail_count(details, "persons")
    days = _detail_count(details, "days")
    if loss in HOUSE_LOSSES and persons is not None:
        raise InvalidInputError(
            f"details.persons is for the per-person losses; {loss} is paid per household",
            "details.persons",
        )
    if loss == "transitional_living" and days is None:
        raise InvalidInputError("details.days is needed for transitional living", "details.days")
    if loss != "transitional_living" and days is not None:
        raise InvalidInputError("details.days is for transitional living only", "details.days")
    return disaster_on, loss, persons or 1, days or 0


def _renovation_requested(details: dict[str, Any]) -> int:
    requested = parse_yuan(details.get("requested"), "details.requested")
    if requested <= 0:
        raise InvalidInputError("details.requested must be more than 0", "details.requested")
    return requested


def _rent_details(details: dict[str, Any]) -> tuple[Fraction, int]:
    """§12: a tier ratio of the rent (a share: at most 1) and the average market rent."""
    ratio = parse_ratio(details.get("tier_ratio"), "details.tier_ratio")
    if ratio > 1:
        raise InvalidInputError(
            f"details.tier_ratio is a share of the rent: at most 1, got {format_ratio(ratio)}",
            "details.tier_ratio",
        )
    rent = parse_yuan(details.get("average_market_rent"), "details.average_market_rent")
    if rent <= 0:
        raise InvalidInputError(
            "details.average_market_rent must be more than 0", "details.average_market_rent"
        )
    return ratio, rent


def _school_year(details: dict[str, Any]) -> str:
    """§11 aid is per school year: "YYYY-YYYY", two consecutive years."""
    year = details.get("school_year")
    match = re.fullmatch(r"(\d{4})-(\d{4})", year) if isinstance(year, str) else None
    if match is None or int(match[2]) != int(match[1]) + 1:
        raise InvalidInputError(
            f'details.school_year must be two consecutive years such as "2025-2026"; got {year!r}',
            "details.school_year",
        )
    return match[0]


def _check_details(programme: str, details: dict[str, Any], effective_from: date) -> None:
    """Refuse malformed details when the application is submitted, so that nothing is
    recorded for it (the determination checks them again with the policy rules)."""
    if programme == "disaster_relief":
        _disaster_details(details, effective_from)
    elif programme == "renovation_grant":
        _renovation_requested(details)
    elif programme == "rent_subsidy":
        _rent_details(details)
    elif programme == "eldercare_service_subsidy":
        _choice("details.care", details.get("care"), CARE)
    elif programme == "education_aid":
        _school_year(details)
        _choice("details.stage", details.get("stage"), SCHOOL_STAGES, optional=True)


def _choice(name: str, value: Any, allowed: tuple[str, ...], *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if value not in allowed:
        raise InvalidInputError(f"{name} must be one of {', '.join(allowed)}", name)
