"""The household's state: the facts it holds (members, applications, categories,
entitlement bases and timelines, bills, accounts, visits), the event base every household
event shares, registration, and the read-only questions asked of the state.

Every event carries the business date it takes effect (`effective_on`, valid time) and
the `actor` who caused it; its own `timestamp` is the record time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.chain import Chained, ChainedEvent
from domain.errors import (
    InvalidInputError,
    NotFoundError,
)
from domain.policy.registry import REGISTRY
from domain.policy.s05_means_test import Means
from domain.standards import validate_region_code

RELATIONS = ("head", "spouse", "child", "parent", "other")


EMPLOYMENT = ("employed", "unemployed_registered", "not_in_labour_force")


RESIDENCES = ("urban", "rural")


MEMBER_FLAGS = ("severe_disability", "severe_illness", "school_stage", "employment")


# A basis key: the monthly amount taken over from the system a bureau migrated from
# (`Household.migrate`), held as it was until the next determination.
MIGRATED = "migrated_monthly_fen"


MIGRATED_VERSION = "migrated"


# The cause of an entitlement change point that suspends it (amount 0, not paid).
SUSPENSION = "suspension"


CORRECTION = "correction"  # an entitlement brought in line with POLICY ch. 13 (`ledger correct`)


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
    # The stream version its determination was recorded at: which of two determinations
    # was recorded later (POLICY ch. 13), whatever their effective dates.
    determined_at: int | None = None
    # Its statutory path (POLICY ch. 14), for a programme that follows one; None for an
    # application recorded before the path, or for a help decided in one step.
    path: PathRecord | None = None


@dataclass
class PathRecord:
    """Where an application is on its statutory path (POLICY ch. 14) and what each step
    recorded. Dates are business dates; lists and dicts only (snapshots store them)."""

    received_on: date
    consents: list[dict[str, Any]] = field(default_factory=list)  # member_id, signed_on
    declared: dict[str, int] | None = None  # the means as the applicant declared them
    pauses: list[dict[str, Any]] = field(default_factory=list)  # from, to, documents
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)  # by request id
    report: dict[str, Any] | None = None  # on, means, answers cited
    investigations: list[dict[str, Any]] = field(default_factory=list)  # on, staff, findings
    notice: dict[str, Any] | None = None  # from, until (last day), by
    reopened_on: date | None = None  # an upheld objection: investigate again after it
    objections: dict[str, dict[str, Any]] = field(default_factory=dict)  # by objection id
    extension: dict[str, Any] | None = None  # on, reason, by
    withdrawn: dict[str, Any] | None = None  # on, reason
    decided_on: date | None = None
    decided_by: str | None = None
    letters: list[dict[str, Any]] = field(default_factory=list)  # on, kind, delivered by
    appeals: dict[str, dict[str, Any]] = field(default_factory=dict)  # by appeal id

    def stage(self) -> str:
        """Where it stands: withdrawn, decided, noticed, investigated, checked, received."""
        if self.withdrawn is not None:
            return "withdrawn"
        if self.decided_on is not None:
            return "decided"
        if self.notice is not None:
            return "noticed"
        if self.investigated():
            return "investigated"
        return "checked" if self.report is not None else "received"

    def investigated(self) -> bool:
        """An investigation stands (one after an upheld objection, if there was one)."""
        return any(
            self.reopened_on is None or i["on"] >= self.reopened_on for i in self.investigations
        )

    def paused(self) -> list[tuple[date, date | None]]:
        """The spans the clock stood still (documents awaited), `to` None while open."""
        return [(p["from"], p["to"]) for p in self.pauses]

    def investigators(self) -> set[str]:
        return {name for i in self.investigations for name in i["staff"]}

    def open_objections(self) -> list[str]:
        return [oid for oid, o in self.objections.items() if o.get("outcome") is None]


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


# Set on a household restored from a snapshot of an older state version: never trusted.
STALE_SNAPSHOT = "stale_snapshot"


Timeline = dict[str, Point]  # change points by ISO date (JSON-friendly for snapshots)


def supersede(bases: list[Basis], new: Basis) -> list[Basis]:
    """The bases in force after `new` is recorded (POLICY ch. 13): for each day the basis
    of the most recently recorded determination whose date is on or before that day. The
    earlier-recorded bases from `new`'s date on are replaced whole; those before it hold
    until it. The list stays in date order, one basis a date."""
    return [b for b in bases if b.effective_from < new.effective_from] + [new]


def _step(points: Timeline, on: date) -> Point | None:
    """The value of a timeline of change points on a date."""
    best: Point | None = None
    for point in points.values():
        if point.effective_from <= on and (
            best is None or point.effective_from > best.effective_from
        ):
            best = point
    return best


def _reason(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError("reason must say why (it is recorded)", "reason")
    return text.strip()


MEDICAL_FUND = "medical_safety_fund"  # 医保暖心无忧基金 (§17)


class HouseholdEvent(ChainedEvent):
    actor: str
    effective_on: date


class HouseholdState(Chained):
    # Snapshot state versions. 2: bases and categories folded by POLICY ch. 13 (the
    # latest recorded determination rules from its date on). A version 1 snapshot was
    # folded by date order and cannot be upcast (the recording order is not in it): it
    # is marked stale, and the application folds the household from its events instead.
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state[STALE_SNAPSHOT] = True

    Event = HouseholdEvent

    class Registered(HouseholdEvent, Aggregate.Created):
        region_code: str
        residence: str
        address: str

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
            if span.category in REGISTRY.exclusive_categories():
                return span
        return None

    def entitlements_on(self, on: date) -> list[tuple[EntitlementKey, Point]]:
        found = []
        for key, points in sorted(self.timelines.items()):
            point = _step(points, on)
            if point is not None and not point.ended:
                found.append((key, point))
        return found

    def is_registered_on(self, on: date) -> bool:
        """A registered difficulty household (在册困难家庭): a category in force on `on`."""
        return bool(self.categories_on(on))


if TYPE_CHECKING:
    from domain.household import Household
