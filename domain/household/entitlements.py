"""Monthly entitlements: each one's bases (what a determination rests on, from a date:
the latest recorded rules, POLICY ch. 13), its timeline of recorded amounts reconciled with
the standards, and suspensions."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PolicyRuleError,
)
from domain.household.state import (
    MIGRATED,
    MIGRATED_VERSION,
    SUSPENSION,
    ApplicationRecord,
    Basis,
    EntitlementKey,
    HouseholdEvent,
    HouseholdState,
    Point,
    Suspension,
    Timeline,
    _reason,
    _step,
    entitlement_key,
    split_key,
    supersede,
)
from domain.money import format_yuan
from domain.policy.registry import REGISTRY
from domain.standards import StandardsBook

if TYPE_CHECKING:
    from domain.household import Household

Event = HouseholdEvent


class EntitlementsPart(HouseholdState):
    class EntitlementBasisSet(Event):
        """An entitlement's inputs from a date on (None: not entitled from then)."""

        programme: str
        member_id: str | None
        inputs: dict[str, int] | None
        application_id: str | None

        def apply(self, aggregate: Household) -> None:
            # POLICY ch. 13: the latest *recorded* basis rules from its date on, so it
            # replaces every basis recorded before it that starts on or after that date
            # (recording order, not date order, decides). What stays is in date order.
            key = entitlement_key(self.programme, self.member_id)
            aggregate.bases[key] = supersede(
                aggregate.bases.get(key, []),
                Basis(self.effective_on, self.inputs, self.application_id),
            )

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

    def adjust_entitlements(self, book: StandardsBook, *, actor: str, reason: str) -> int:
        """Recompute every entitlement against the standards timeline and record each
        difference (used when a standard changes, also retroactively). Idempotent."""
        return sum(
            self._reconcile(key, book, actor=actor, cause="standard_change", reason=reason)
            for key in sorted(self.bases)
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

    def entitlement_periods(
        self, programme: str, member_id: str | None
    ) -> list[tuple[date, date | None]]:
        """The periods the entitlement's bases grant, [start, end) with None for open."""
        return _periods(self.bases.get(entitlement_key(programme, member_id), []))

    def _monthly_key(self, programme: str, member_id: str | None) -> EntitlementKey:
        if programme not in REGISTRY.monthly():
            raise InvalidInputError(
                "programme must be a monthly programme: " + ", ".join(REGISTRY.monthly()),
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
            declared = REGISTRY[programme]
            dates = [
                basis.effective_from,
                *book.change_dates(
                    *(declared.amount_keys or ()), after=basis.effective_from, before=end
                ),
            ]
            for on in dates:
                amount = declared.amount(basis.inputs, book, on)
                desired[on.isoformat()] = Point(
                    on, amount.monthly_fen, amount.paused, amount.standard.label, amount.explanation
                )
        return _suspend(desired, self.suspensions_of(key))

    def _differences(
        self, key: EntitlementKey, book: StandardsBook
    ) -> list[tuple[date, Point, Point | None]]:
        """Where the recorded timeline of `key` differs from what its bases and the
        standards say: (date, wanted, recorded) for each change point to record, in date
        order. Nothing in force either way (an end where nothing was recorded) is no
        difference."""
        desired = self._desired(key, book)
        if not desired:
            return []
        first = min(p.effective_from for p in desired.values())
        recorded = self.timelines.get(key, {})
        dates = sorted(
            {p.effective_from for p in desired.values()}
            | {p.effective_from for p in recorded.values() if p.effective_from >= first}
        )
        found: list[tuple[date, Point, Point | None]] = []
        have_after: Timeline = dict(recorded)
        for on in dates:
            want = _step(desired, on)
            have = _step(have_after, on)
            if want is None:
                continue
            if (have is None or have.ended) and want.ended:
                continue
            if have is not None and (have.monthly_fen, have.ended, have.suspended) == (
                want.monthly_fen,
                want.ended,
                want.suspended,
            ):
                continue
            found.append((on, want, have))
            have_after[on.isoformat()] = want
        return found

    def drifted(self, book: StandardsBook) -> list[EntitlementKey]:
        """The entitlements whose recorded amounts differ from what their bases give by
        POLICY ch. 13 and the standards (`ledger verify` lists them; `ledger correct`
        records the corrections)."""
        return [key for key in sorted(self.bases) if self._differences(key, book)]

    def _reconcile(
        self, key: EntitlementKey, book: StandardsBook, *, actor: str, cause: str, reason: str
    ) -> int:
        """Make the recorded timeline of `key` equal what its bases and the standards say,
        recording one EntitlementChanged per change point that differs; return how many."""
        changes = self._differences(key, book)
        for on, want, have in changes:
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
        return len(changes)


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


def _periods(bases: list[Basis]) -> list[tuple[date, date | None]]:
    """The periods an entitlement's bases grant, [start, end) with None for open."""
    return [
        (basis.effective_from, bases[i + 1].effective_from if i + 1 < len(bases) else None)
        for i, basis in enumerate(bases)
        if basis.inputs is not None
    ]
