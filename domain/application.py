"""The ledger application: commands over the Household and Standards aggregates.

One composition root (services/ledger.py) builds it; tests and the API get it
injected. `Application.save` appends atomically with version checks and writes
the notification log, so there is no hand-written unit of work here.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
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
from domain.errors import ConflictError, InvalidInputError, LedgerError, NotFoundError
from domain.household import (
    PROPAGATED_KEYS,
    STALE_SNAPSHOT,
    ApplicationRecord,
    AttributeChange,
    Basis,
    CategorySpan,
    Determination,
    Household,
    MedicalBill,
    Member,
    Point,
    Suspension,
)
from domain.medical import BillFigures
from domain.payments import PaymentState, ledger_id
from domain.rules import Means
from domain.standards import (
    CITY_CODE,
    COUNTIES,
    KEYS,
    Change,
    Standards,
    StandardsBook,
    StandardValue,
    add_missing_seeds,
    county_of,
    default_city_standards,
    standards_id,
    validate_change,
    validate_region_code,
)
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


class LedgerApplication(Application[UUID]):
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
            Means,
            MedicalBill,
            PaymentState,
        ):
            if is_dataclass(cls):
                transcoder.register(_dataclass_transcoding(cls))

    # ---------------------------------------------------------------- standards

    def seed_standards(self) -> bool:
        """Open the city's standards with the defaults of POLICY.md (idempotent); on an
        existing ledger, record the defaults of keys added to SEEDS since it was opened.
        True when the city's standards were opened now."""
        try:
            city: Any = self.repository.get(standards_id(CITY_CODE))
        except AggregateNotFoundError:
            city = None
        if city is not None:
            if add_missing_seeds(city):
                with suppress(IntegrityError):  # added concurrently by another process
                    self.save(city)
            return False
        try:
            self.save(default_city_standards())
        except IntegrityError:
            return False  # seeded concurrently by another process
        return True

    def standards_book(self, region_code: str) -> StandardsBook:
        """The standards of a region: its county's own over the city's (§10)."""
        city = self._standards(CITY_CODE)
        if city is None:
            raise NotFoundError("the city's standards are not seeded; run `ledger demo` or seed")
        county_code = county_of(region_code)
        county = self._standards(county_code) if county_code != CITY_CODE else None
        return StandardsBook(city, county)

    def standard_change(self, region_code: str, version: int) -> Change:
        """The recorded change of `version` in the region's own standards."""
        standards = self._standards(region_code)
        if standards is None:
            raise NotFoundError(f"no standards for {region_code}", "region_code")
        return standards.change(version)

    def _standards(self, region_code: str) -> Standards | None:
        try:
            found: Any = self.repository.get(standards_id(region_code))
        except AggregateNotFoundError:
            return None
        if not isinstance(found, Standards):
            raise TypeError(f"stream {standards_id(region_code)} is not a standards timeline")
        return found

    def record_standard_change(
        self,
        *,
        key: str,
        value: StandardValue,
        effective_from: date,
        basis: str,
        actor: str,
        region_code: str | None = None,
        cited_income_growth: Fraction | None = None,
        cited_urban_consumption_fen: int | None = None,
        override_reason: str | None = None,
    ) -> StandardChangeResult:
        if key not in KEYS:
            raise InvalidInputError(f"unknown standard key {key!r}", "key")
        if not basis.strip():
            raise InvalidInputError("basis must cite the legal basis of the change", "basis")
        region = validate_region_code(region_code or CITY_CODE)
        if region != CITY_CODE and region not in COUNTIES:
            raise InvalidInputError(
                "standards are set by the city (330400) or a county", "region_code"
            )

        def attempt() -> tuple[list[Any], StandardChangeResult]:
            book = self.standards_book(region)
            validate_change(
                book,
                key=key,
                value=value,
                effective_from=effective_from,
                cited_income_growth=cited_income_growth,
                cited_urban_consumption_fen=cited_urban_consumption_fen,
                override_reason=override_reason,
            )
            standards = book.county if region != CITY_CODE else book.city
            if standards is None:
                standards = Standards.open(region, actor, effective_from)
            standards.record_change(
                key=key,
                value=value,
                effective_from=effective_from,
                basis=basis,
                actor=actor,
                cited_income_growth=cited_income_growth,
                cited_urban_consumption_fen=cited_urban_consumption_fen,
                override_reason=override_reason,
            )
            # Its version: the one its event gave the stream (saved below, or retried).
            return [standards], StandardChangeResult(region, key, standards.version)

        return self.retrying(attempt, "the standards")

    # --------------------------------------------------------------- households

    def register_household(
        self,
        *,
        region_code: str,
        residence: str,
        address: str,
        registered_on: date,
        actor: str,
    ) -> UUID:
        household = Household.register(
            region_code=region_code,
            residence=residence,
            address=address,
            registered_on=registered_on,
            actor=actor,
        )
        self.save(household)
        return household.id

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

    def add_member(self, household_id: UUID, *, actor: str, **member: Any) -> str:
        return self.update(household_id, lambda h: h.add_member(actor=actor, **member))

    def change_member(
        self,
        household_id: UUID,
        member_id: str,
        *,
        effective_on: date,
        changes: dict[str, Any],
        actor: str,
    ) -> None:
        self.update(
            household_id,
            lambda h: h.change_member(
                member_id, effective_on=effective_on, changes=changes, actor=actor
            ),
        )

    def submit_application(
        self,
        household_id: UUID,
        *,
        programme: str,
        effective_from: date,
        means: Means | None,
        actor: str,
        member_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> str:
        return self.update(
            household_id,
            lambda h: h.submit_application(
                programme=programme,
                effective_from=effective_from,
                means=means,
                member_id=member_id,
                details=details or {},
                actor=actor,
            ),
        )

    def determine(
        self,
        household_id: UUID,
        application_id: str,
        *,
        decision: str,
        reason: str,
        actor: str,
    ) -> Determination:
        def command(household: Household) -> Determination:
            book = self.standards_book(household.region_code)
            return household.determine(
                application_id, decision=decision, reason=reason, actor=actor, book=book
            )

        return self.update(household_id, command)

    def set_account(
        self,
        household_id: UUID,
        member_id: str,
        *,
        kind: str,
        account_number: str,
        bank_name: str | None,
        actor: str,
        on: date,
    ) -> None:
        self.update(
            household_id,
            lambda h: h.set_account(
                member_id,
                kind=kind,
                account_number=account_number,
                bank_name=bank_name,
                actor=actor,
                on=on,
            ),
        )

    def suspend_entitlement(
        self,
        household_id: UUID,
        programme: str,
        member_id: str | None,
        *,
        effective_on: date,
        reason: str,
        actor: str,
    ) -> None:
        self._suspension(
            Household.suspend_entitlement,
            household_id,
            programme,
            member_id,
            effective_on=effective_on,
            reason=reason,
            actor=actor,
        )

    def resume_entitlement(
        self,
        household_id: UUID,
        programme: str,
        member_id: str | None,
        *,
        effective_on: date,
        reason: str,
        actor: str,
    ) -> None:
        self._suspension(
            Household.resume_entitlement,
            household_id,
            programme,
            member_id,
            effective_on=effective_on,
            reason=reason,
            actor=actor,
        )

    def _suspension(
        self,
        change: Callable[..., None],
        household_id: UUID,
        programme: str,
        member_id: str | None,
        **given: Any,
    ) -> None:
        """Suspend or resume (`change`) with the household's standards book."""

        def command(household: Household) -> None:
            book = self.standards_book(household.region_code)
            change(household, programme, member_id, book=book, **given)

        self.update(household_id, command)

    def acknowledge_payment(
        self,
        household_id: UUID,
        payment_id: str,
        *,
        status: str,
        bank_reference: str,
        at: datetime,
        actor: str,
    ) -> bool:
        """The bank's answer on a payment; the same answer twice records once (False)."""

        def attempt() -> tuple[list[Any], bool]:
            try:
                found: Any = self.repository.get(ledger_id(household_id))
            except AggregateNotFoundError:
                raise NotFoundError(f"no payment {payment_id}", "payment_id") from None
            recorded = bool(
                found.acknowledge(
                    payment_id,
                    status=status,
                    bank_reference=bank_reference,
                    at=at.isoformat(),
                    actor=actor,
                    on=at.date(),
                )
            )
            return ([found] if recorded else []), recorded

        return self.retrying(attempt, "the payment ledger")

    # ------------------------------------------------- visits and records (§21, §23, §30)

    def record_visit(
        self,
        household_id: UUID,
        *,
        visited_on: date,
        visitor: str,
        findings: str,
        needs: str | None,
        actor: str,
    ) -> None:
        self.update(
            household_id,
            lambda h: h.record_visit(
                visited_on=visited_on, visitor=visitor, findings=findings, needs=needs, actor=actor
            ),
        )

    def report_major_change(
        self, household_id: UUID, *, reported_on: date, description: str, actor: str
    ) -> None:
        self.update(
            household_id,
            lambda h: h.report_major_change(
                reported_on=reported_on, description=description, actor=actor
            ),
        )

    def stabilise(self, household_id: UUID, *, on: date, actor: str) -> None:
        self.update(household_id, lambda h: h.stabilise(on=on, actor=actor))

    def refer_to_job(
        self,
        household_id: UUID,
        member_id: str,
        *,
        referred_on: date,
        employer: str,
        position: str | None,
        actor: str,
    ) -> int:
        return self.update(
            household_id,
            lambda h: h.refer_to_job(
                member_id,
                referred_on=referred_on,
                employer=employer,
                position=position,
                actor=actor,
            ),
        )

    def record_dividend(
        self, household_id: UUID, *, year: int, amount_fen: int, actor: str, on: date
    ) -> int:
        return self.update(
            household_id,
            lambda h: h.record_dividend(year=year, amount_fen=amount_fen, actor=actor, on=on),
        )

    # ------------------------------------------------------------------ medical

    def record_medical_bill(
        self,
        household_id: UUID,
        *,
        member_id: str,
        service_on: date,
        figures: BillFigures,
        actor: str,
        settlement_number: str | None = None,
    ) -> MedicalBill:
        """The caps are enforced inside the household: two bills posted at once meet a
        version conflict on save, and the loser is recomputed against the new state."""

        def command(household: Household) -> MedicalBill:
            return household.record_medical_bill(
                member_id=member_id,
                service_on=service_on,
                figures=figures,
                settlement_number=settlement_number,
                actor=actor,
                book=self.standards_book(household.region_code),
            )

        return self.update(household_id, command)

    def correct_medical_bill(
        self,
        household_id: UUID,
        bill_id: str,
        *,
        member_id: str,
        service_on: date,
        figures: BillFigures,
        actor: str,
        reason: str = "corrected settlement",
        settlement_number: str | None = None,
    ) -> MedicalBill:
        def command(household: Household) -> MedicalBill:
            return household.correct_medical_bill(
                bill_id,
                member_id=member_id,
                service_on=service_on,
                figures=figures,
                settlement_number=settlement_number,
                reason=reason,
                actor=actor,
                book=self.standards_book(household.region_code),
            )

        return self._update_bill(household_id, bill_id, command, actor)

    def cancel_medical_bill(
        self, household_id: UUID, bill_id: str, *, reason: str, actor: str
    ) -> MedicalBill:
        def command(household: Household) -> MedicalBill:
            return household.cancel_medical_bill(
                bill_id,
                reason=reason,
                actor=actor,
                book=self.standards_book(household.region_code),
            )

        return self._update_bill(household_id, bill_id, command, actor)

    def _update_bill(
        self,
        household_id: UUID,
        bill_id: str,
        command: Callable[[Household], MedicalBill],
        actor: str,
    ) -> MedicalBill:
        """A correction or cancellation, saved in one transaction with what it changes
        further on: if the bill's member has since moved out, the household they moved
        to takes their new total (carried) and recomputes, and so on along their moves."""

        def attempt() -> tuple[list[Any], MedicalBill]:
            household = self.household(household_id)
            bill = command(household)
            changed: list[Any] = [household]
            source, seen = household, {household.id}
            while (moved_to := source.members[bill.member_id].moved_to) is not None:
                target = self.household(UUID(moved_to))
                if target.id in seen:  # back in a household already on the way
                    break
                seen.add(target.id)
                carried = {
                    year: source.person_paid(bill.member_id, int(year))
                    for year in target.carried.get(bill.member_id, {})
                }
                if not target.adjust_carried(
                    bill.member_id,
                    carried,
                    from_household_id=source.id,
                    cause_bill_id=bill_id,
                    actor=actor,
                    book=self.standards_book(target.region_code),
                ):
                    break
                changed.append(target)
                source = target
            return changed, bill

        return self.retrying(attempt, "the households")

    def move_member(
        self,
        household_id: UUID,
        member_id: str,
        *,
        to_household_id: UUID,
        effective_on: date,
        actor: str,
    ) -> dict[str, int]:
        """Both households change in one transaction: the person leaves one and joins the
        other with their cap-year self-pay, or neither happens."""

        def attempt() -> tuple[list[Any], dict[str, int]]:
            source = self.household(household_id)
            target = self.household(to_household_id)
            member = source.member(member_id)
            carried = source.move_out(
                member_id,
                to_household_id=to_household_id,
                effective_on=effective_on,
                actor=actor,
                book=self.standards_book(source.region_code),
            )
            target.move_in(
                member,
                from_household_id=household_id,
                carried=carried,
                effective_on=effective_on,
                actor=actor,
            )
            return [source, target], carried

        return self.retrying(attempt, "the households")

    def propagate_change(
        self,
        household_ids: Iterable[UUID],
        *,
        key: str,
        effective_from: date,
        actor: str,
        reason: str,
    ) -> Propagation:
        """Bring each household in line with a change of `key` from `effective_from`
        (`Household.apply_standard_change`), saving many households per transaction.
        Idempotent: a household already in line records nothing. A household whose
        recompute a rule refuses records nothing and is reported in `refused`; the
        others go on, so the propagation never stops half-way."""
        result = Propagation()
        books: dict[str, StandardsBook] = {}

        def apply(household: Household) -> int:
            region = county_of(household.region_code)
            if region not in books:
                books[region] = self.standards_book(household.region_code)
            return household.apply_standard_change(
                books[region], key=key, effective_from=effective_from, actor=actor, reason=reason
            )

        def refused(hid: UUID, error: LedgerError) -> None:
            result.refused.append(
                {"household_id": str(hid), "field": error.field or "", "message": error.message}
            )

        def flush(ids: Sequence[UUID]) -> None:
            changed: list[tuple[Household, int]] = []
            for hid in ids:
                household = self.household(hid)
                try:
                    count = apply(household)
                except LedgerError as error:
                    refused(hid, error)
                    continue
                if count:
                    changed.append((household, count))
            if not changed:
                return
            try:
                self.save(*(household for household, _ in changed))
                result.adjusted += sum(count for _, count in changed)
            except IntegrityError:
                # A household changed under us: one at a time, with retry.
                for household, _ in changed:
                    try:
                        result.adjusted += self.update(household.id, apply)
                    except LedgerError as error:
                        refused(household.id, error)

        batch: list[UUID] = []
        for hid in household_ids:
            batch.append(hid)
            if len(batch) >= PROPAGATION_BATCH:
                flush(batch)
                batch = []
        if batch:
            flush(batch)
        return result

    def correct_household(self, household_id: UUID, *, actor: str) -> list[str]:
        """Bring a household in line with POLICY.md §13 (`Household.correct`), and replace
        a snapshot of an older state version by a current one. Idempotent: a household
        in line records nothing. Returns what was corrected."""

        def correct(household: Household) -> list[str]:
            determined = [
                (event.application_id, event.category)
                for event in self.events.get(household_id)
                if isinstance(event, Household.ApplicationDetermined)
                and event.outcome == "approved"
                and event.category is not None
            ]
            book = self.standards_book(household.region_code)
            return household.correct(book, determined, actor=actor)

        done = self.update(household_id, correct)
        if self.snapshots is not None:
            latest: list[Any] = list(self.snapshots.get(household_id, desc=True, limit=1))
            if latest and latest[0].state.get("class_version", 1) < Household.class_version:
                self.take_snapshot(household_id)
        return done

    def complete_propagation(
        self, region_code: str, version: int, propagation: Propagation, *, actor: str
    ) -> None:
        """Record on the standards stream that the change of `version` has reached every
        household it can affect (`ledger verify` reports the changes without it)."""

        def attempt() -> tuple[list[Any], None]:
            standards = self._standards(region_code)
            if standards is None:
                raise NotFoundError(f"no standards for {region_code}", "region_code")
            standards.complete_propagation(
                version, adjusted=propagation.adjusted, refused=propagation.refused, actor=actor
            )
            return [standards], None

        self.retrying(attempt, "the standards")

    def unfinished_propagations(self) -> list[tuple[str, Change]]:
        """(region, change) of every recorded change whose propagation is unfinished."""
        found: list[tuple[str, Change]] = []
        for region in (CITY_CODE, *sorted(COUNTIES)):
            standards = self._standards(region)
            if standards is not None:
                found += [(region, c) for c in standards.unfinished(PROPAGATED_KEYS)]
        return found

    # ---------------------------------------------------------------- audit

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
