"""The ledger application's base: how households are stored, loaded (as known at any
time, snapshots checked against their events) and saved with one retry helper."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any, ClassVar, NamedTuple, TypeVar
from uuid import UUID

import orjson
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import IntegrityError, JSONTranscoder, StoredEvent, Transcoding
from eventsourcing.utils import resolve_topic

from domain.chain import ChainBrokenError
from domain.errors import ConflictError, NotFoundError
from domain.household import (
    STALE_SNAPSHOT,
    ApplicationRecord,
    AttributeChange,
    Basis,
    CategorySpan,
    Household,
    MedicalBill,
    Member,
    PathRecord,
    Point,
    Suspension,
)
from domain.payments import PaymentState
from domain.policy.s05_means_test import Means
from domain.transcodings import DateAsISO

T = TypeVar("T")
MAX_RETRIES = 8


def _dataclass_transcoding(cls: type[Any]) -> Transcoding:
    """A transcoding for a state dataclass, so that snapshots can store it."""

    class _DataclassAsDict(Transcoding):
        type = cls
        name = cls.__name__

        def encode(self, obj: Any) -> dict[str, Any]:
            return {f.name: getattr(obj, f.name) for f in fields(obj)}

        def decode(self, data: dict[str, Any]) -> Any:
            return cls(**data)

    return _DataclassAsDict()


class FractionAsStr(Transcoding):
    type = Fraction
    name = "fraction"

    def encode(self, obj: Fraction) -> str:
        return f"{obj.numerator}/{obj.denominator}"

    def decode(self, data: str) -> Fraction:
        return Fraction(data)


PROPAGATION_BATCH = 200  # households saved per transaction by a propagation
# A known-at search reads single rows until its window is this narrow, then reads the
# stream through the window's top in one query (a PostgreSQL round trip costs about
# as much as reading 40 rows, an SQLite one about 12).
KNOWN_AT_WINDOW = 64


class KnownAt(NamedTuple):
    """A household as recorded up to a time: the aggregate, the stream's stored rows up
    to then, and the events decoded to fold it (the rows after its snapshot)."""

    household: Household
    rows: list[StoredEvent]
    folded: list[Any]


@dataclass
class Propagation:
    """What a standard change's propagation recorded: the number of changes, and the
    households whose recompute a rule refused (id, field, message)."""

    adjusted: int = 0
    refused: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class StandardChangeResult:
    region_code: str
    key: str
    version: int

    @property
    def label(self) -> str:
        return f"{self.region_code}/v{self.version}"


class LedgerBase(Application[UUID]):
    """Storage, loading and saving of the ledger's aggregates."""

    """Commands of the benefits ledger. Every command takes the acting user."""

    name = "Ledger"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Household: 100}

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        interval = self.env.get("LEDGER_SNAPSHOT_INTERVAL")
        if interval is not None:
            # The library reads this per instance; a setting, not a class-wide change.
            self.snapshotting_intervals = (  # type: ignore[misc]
                {Household: int(interval)} if int(interval) > 0 else {}
            )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(FractionAsStr())
        for cls in (
            Member,
            AttributeChange,
            ApplicationRecord,
            Basis,
            Point,
            Suspension,
            CategorySpan,
            PathRecord,
            Means,
            MedicalBill,
            PaymentState,
        ):
            if is_dataclass(cls):
                transcoder.register(_dataclass_transcoding(cls))

    def register_household(
        self,
        *,
        region_code: str,
        residence: str,
        address: str,
        registered_on: date,
        actor: str,
        caseworker: str | None = None,
    ) -> UUID:
        """The household's caseworker is `actor` who registers it, unless `caseworker`
        names another (then assigned in the same save: domain/household/assignment.py)."""
        household = Household.register(
            region_code=region_code,
            residence=residence,
            address=address,
            registered_on=registered_on,
            actor=actor,
        )
        if caseworker is not None:
            household.assign_caseworker(
                caseworker,
                on=registered_on,
                reason="named at registration",
                actor=actor,
                registered_by=actor,
            )
        self.save(household)
        return household.id

    def registered_by(self, household_id: UUID) -> str:
        """The actor of the household's registration (its first event, one indexed
        read): its caseworker until one is assigned."""
        rows = self.recorder.select_events(household_id, limit=1)
        if not rows or not rows[0].topic.startswith("domain.household:Household."):
            raise NotFoundError(f"no household {household_id}", "household_id")
        registered: Any = self.mapper.to_domain_event(rows[0])
        return str(registered.actor)

    def caseworker_of(self, household: Household) -> str:
        """The household's responsible caseworker now."""
        return household.caseworker_assigned() or self.registered_by(household.id)

    def assign_caseworker(
        self, household_id: UUID, caseworker: str, *, on: date, reason: str, actor: str
    ) -> tuple[bool, str]:
        """Reassign the household (an approver's command at the API): whether anything
        was recorded, and the caseworker responsible now."""
        registrar = self.registered_by(household_id)

        def command(household: Household) -> tuple[bool, str]:
            done = household.assign_caseworker(
                caseworker, on=on, reason=reason, actor=actor, registered_by=registrar
            )
            return done, household.caseworker_assigned() or registrar

        return self.update(household_id, command)

    def household(self, household_id: UUID, version: int | None = None) -> Household:
        try:
            found: Any = self.repository.get(
                household_id, version=version, projector_func=self._checked_projection(household_id)
            )
        except AggregateNotFoundError:
            raise NotFoundError(f"no household {household_id}", "household_id") from None
        if not isinstance(found, Household):
            raise NotFoundError(f"no household {household_id}", "household_id")
        if STALE_SNAPSHOT in found.__dict__:  # folded by older rules: fold the events
            found = self._checked_projection(household_id)(
                None, self.events.get(household_id, lte=version)
            )
        household: Household = found
        return household

    def take_snapshot(
        self, aggregate_id: Any, version: int | None = None, projector_func: Any = None
    ) -> None:
        """A household's snapshot is taken of its state as `household` folds it: never
        started from a snapshot of older rules (which the library's own way would fold
        on from, carrying the stale state and its mark into every later snapshot)."""
        if self.snapshots is not None:
            try:
                household = self.household(aggregate_id, version)
            except NotFoundError:
                household = None
            snapshot_class = getattr(type(household), "Snapshot", type(self).snapshot_class)
            if household is not None and snapshot_class is not None:
                self.snapshots.put([snapshot_class.take(household)])
                return
        if projector_func is None:
            super().take_snapshot(aggregate_id, version)
        else:
            super().take_snapshot(aggregate_id, version, projector_func)

    def update(self, household_id: UUID, command: Callable[[Household], T]) -> T:
        """Load, run the command, save; on a version conflict reload and run it again
        against the new state, so a lost race never loses an update or breaks a rule."""

        def attempt() -> tuple[list[Any], T]:
            household = self.household(household_id)
            return [household], command(household)

        return self.retrying(attempt, f"household {household_id}")

    def retrying(self, attempt: Callable[[], tuple[Sequence[Any], T]], what: str) -> T:
        """The one save-and-retry loop of the commands: `attempt` loads what it needs and
        runs the command, returning the aggregates to save and its result; they are saved
        in one transaction (nothing when none has a new event). On a version conflict (a
        concurrent write got there first) the attempt runs again against the new state,
        so a lost race never loses an update or breaks a rule; after MAX_RETRIES the
        command is refused as a conflict naming `what`."""
        for _ in range(MAX_RETRIES):
            aggregates, result = attempt()
            try:
                self.save(*aggregates)
            except IntegrityError:
                continue
            return result
        raise ConflictError(f"{what} changed concurrently too often; try again")

    def household_events(self, household_id: UUID) -> list[Any]:
        events = list(self.events.get(household_id))
        if not events:
            raise NotFoundError(f"no household {household_id}", "household_id")
        return events

    def stored_state(self, row: StoredEvent) -> dict[str, Any]:
        """A stored event's state as the transcoder wrote it: decrypted and decompressed
        as the mapper would (LEDGER_CIPHER_KEY, compression if configured), the JSON
        parsed but not turned into objects, so a date stays
        `{"_type_": "date_iso", "_data_": "2025-02-01"}`. For listing a long stream
        without constructing an event per row; the aggregate is still folded from
        decoded events. No upcasting is applied: no event class has a class_version
        above 1 (one that does must be listed from decoded events)."""
        state = row.state
        if self.mapper.cipher is not None:
            state = self.mapper.cipher.decrypt(state)
        if self.mapper.compressor is not None:
            state = self.mapper.compressor.decompress(state)
        found: dict[str, Any] = orjson.loads(state)
        return found

    def _recorded_at(self, row: StoredEvent) -> datetime:
        return datetime.fromisoformat(self.stored_state(row)["timestamp"]["_data_"])

    def rows_known_at(self, stream_id: UUID, known_at: datetime | None) -> list[StoredEvent]:
        """The stream's stored rows recorded by `known_at` (all of them if None).
        Timestamps rise with the version within a stream (each append follows the
        previous one), so a binary search finds the last: over single-row reads while
        the window is wide, then over the rows read through the window's top, reading
        one timestamp per step."""
        if known_at is None:
            return list(self.recorder.select_events(stream_id))
        last = self.recorder.select_events(stream_id, desc=True, limit=1)
        low, high = 0, last[0].originator_version if last else 0
        while high - low > KNOWN_AT_WINDOW:
            middle = (low + high + 1) // 2
            [row] = self.recorder.select_events(stream_id, gt=middle - 1, lte=middle, limit=1)
            if self._recorded_at(row) <= known_at:
                low = middle
            else:
                high = middle - 1
        rows = list(self.recorder.select_events(stream_id, lte=high)) if high else []
        return rows[: bisect_right(rows, known_at, key=self._recorded_at)]

    def household_known_at(self, household_id: UUID, known_at: datetime | None) -> KnownAt:
        """The household as it was recorded up to `known_at` (all of it if None), its
        stored rows up to then, and the events folded: the state starts from the latest
        snapshot at or below that version and applies only the rows after it, decoded."""
        rows = self.rows_known_at(household_id, known_at)
        if known_at is not None and not rows:
            raise NotFoundError(
                f"household {household_id} was not yet recorded at {known_at.isoformat()}",
                "known_at",
            )
        if not rows or not issubclass(resolve_topic(rows[0].topic), Household.Registered):
            raise NotFoundError(f"no household {household_id}", "household_id")
        version = rows[-1].originator_version
        snapshots: list[Any] = (
            list(self.snapshots.get(household_id, desc=True, limit=1, lte=version))
            if self.snapshots is not None
            else []
        )
        if snapshots and snapshots[0].state.get("class_version", 1) < Household.class_version:
            snapshots = []  # written by older rules (see Household.class_version)
        start = snapshots[0].originator_version if snapshots else 0
        if snapshots:  # its chain head against the event at its version
            self._check_snapshot(
                household_id, snapshots[0], self.mapper.to_domain_event(rows[start - 1])
            )
        folded = [self.mapper.to_domain_event(row) for row in rows[start:]]
        found: Any = None
        for event in [*snapshots, *folded]:
            found = event.mutate(found)
        if not isinstance(found, Household):
            raise NotFoundError(f"no household {household_id}", "household_id")
        return KnownAt(found, rows, folded)

    def _checked_projection(self, stream_id: UUID) -> Callable[[Any, Iterable[Any]], Any]:
        """The library's projection of an aggregate from (a snapshot and) events, with the
        snapshot's chain head checked against the stored event at its version (one indexed
        read): a snapshot changed behind the application's back is refused like a changed
        event."""

        def project(aggregate: Any, events: Iterable[Any]) -> Any:
            for event in events:
                if isinstance(event, Snapshot):
                    self._check_snapshot(stream_id, event)
                aggregate = event.mutate(aggregate)
            return aggregate

        return project

    def _check_snapshot(self, stream_id: UUID, snapshot: Snapshot, event: Any = None) -> None:
        version = snapshot.originator_version
        if event is None:
            rows = self.recorder.select_events(stream_id, gt=version - 1, lte=version, limit=1)
            event = self.mapper.to_domain_event(rows[0]) if rows else None
        if event is None or event.chain != snapshot.state.get("chain_head"):
            raise ChainBrokenError(
                f"stream {stream_id}: the snapshot at version {version} does not match the "
                "event at that version (changed after it was recorded)"
            )
