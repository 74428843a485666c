"""Life events (POLICY ch. 15): a member's death, move of registered residence (户籍迁出)
or imprisonment, reported by a partner department or a caseworker, is a proposal; an
approver who did not report it confirms or rejects it (POLICY ch. 9).

Confirmed, it changes what depends on that member from the event's date:

- death: the member leaves from the day after the death, and every category and
  entitlement of theirs ends from that day;
- residence moved out: the member leaves, and theirs end, from the event's date;
- imprisonment: the member's entitlements are suspended from the event's date (the
  suspension mechanics of docs/PAYMENTS.md), the member stays.

A household-level amount whose basis counts the household's size (dibao) is not
recomputed silently: the confirmation lists it as needing a re-assessment. What was paid
for days after an end becomes a recovery in the next payment run (POLICY ch. 11)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    SeparationOfDutiesError,
)
from domain.household.determinations import DeterminationsPart
from domain.household.state import (
    EntitlementKey,
    HouseholdEvent,
    Member,
    _reason,
    _step,
    entitlement_key,
    split_key,
)
from domain.standards import StandardsBook

if TYPE_CHECKING:
    from domain.household import Household

Event = HouseholdEvent

DEATH = "death"
RESIDENCE_MOVED_OUT = "residence_moved_out"
IMPRISONMENT = "imprisonment"
LIFE_EVENT_KINDS = (DEATH, RESIDENCE_MOVED_OUT, IMPRISONMENT)
DECISIONS = ("confirm", "reject")
REPORTED, CONFIRMED, REJECTED = "reported", "confirmed", "rejected"
# The basis input that counts the household: an amount resting on it needs a new
# assessment when a member dies or leaves (not a silent recompute).
SIZE_INPUT = "household_size"

_WHAT = {
    DEATH: "died on {on}",
    RESIDENCE_MOVED_OUT: "moved their registered residence out (户籍迁出) on {on}",
    IMPRISONMENT: "was imprisoned on {on}",
}


class LifeEventsPart(DeterminationsPart):
    class LifeEventReported(Event):
        """A proposal: `effective_on` is the event's date (the day of death, of the move
        of residence, of imprisonment); `source` who reported it."""

        event_id: str
        member_id: str
        kind: str
        source: str

        def apply(self, aggregate: Household) -> None:
            aggregate._life_events_to_change()[self.event_id] = {
                "event_id": self.event_id,
                "member_id": self.member_id,
                "kind": self.kind,
                "on": self.effective_on,
                "source": self.source,
                "reported_by": self.actor,
                "state": REPORTED,
                "decided_by": None,
                "reason": None,
                "effective_from": None,
                "ended": [],
                "suspended": [],
                "reassess": [],
            }

    class LifeEventConfirmed(Event):
        """Confirmed from `effective_on` (for a death the day after it): what ended, what
        was suspended, and the household-level amounts that need a re-assessment."""

        event_id: str
        reason: str
        ended: list[str]
        suspended: list[str]
        reassess: list[str]
        explanation: str

        def apply(self, aggregate: Household) -> None:
            record = aggregate._life_events_to_change()[self.event_id]
            record.update(
                state=CONFIRMED,
                decided_by=self.actor,
                reason=self.reason,
                effective_from=self.effective_on,
                ended=list(self.ended),
                suspended=list(self.suspended),
                reassess=list(self.reassess),
            )

    class LifeEventRejected(Event):
        event_id: str
        reason: str

        def apply(self, aggregate: Household) -> None:
            record = aggregate._life_events_to_change()[self.event_id]
            record.update(state=REJECTED, decided_by=self.actor, reason=self.reason)

    @property
    def life_events(self) -> dict[str, dict[str, Any]]:
        """The household's life events by id; a read (a snapshot from before life
        events has none)."""
        found: dict[str, dict[str, Any]] = self.__dict__.get("life_event_records", {})
        return found

    def _life_events_to_change(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = self.__dict__.setdefault("life_event_records", {})
        return found

    def report_life_event(
        self,
        member_id: str,
        *,
        kind: str,
        on: date,
        source: str,
        actor: str,
        today: date | None = None,
        event_id: str | None = None,
    ) -> str:
        if kind not in LIFE_EVENT_KINDS:
            raise InvalidInputError("kind must be one of " + ", ".join(LIFE_EVENT_KINDS), "kind")
        if not isinstance(source, str) or not source.strip():
            raise InvalidInputError(
                "source must name who reported it (caseworker or a partner department)",
                "source",
            )
        member = self.member(member_id)
        if on > (today or date.today()):
            raise InvalidInputError("on must not be in the future", "on")
        if not member.present_on(on):
            raise InvalidInputError(
                f"on must fall while the member is in the household (joined "
                f"{member.joined_on.isoformat()}"
                + (f", left {member.left_on.isoformat()})" if member.left_on else ")"),
                "on",
            )
        for record in self.life_events.values():
            if (record["member_id"], record["kind"], record["state"]) == (
                member_id,
                DEATH,
                CONFIRMED,
            ):
                raise ConflictError(
                    f"this member's death is confirmed already (life event {record['event_id']})",
                    "member_id",
                )
            if record["member_id"] == member_id and record["state"] == REPORTED:
                raise ConflictError(
                    f"a {record['kind']} of this member is reported already and awaits a "
                    f"decision (life event {record['event_id']})",
                    "member_id",
                )
        new_id = event_id or str(uuid4())
        self.trigger_event(
            self.LifeEventReported,
            event_id=new_id,
            member_id=member_id,
            kind=kind,
            source=source.strip(),
            actor=actor,
            effective_on=on,
        )
        return new_id

    def life_event(self, event_id: str) -> dict[str, Any]:
        record = self.life_events.get(event_id)
        if record is None:
            raise NotFoundError(f"no life event {event_id} in this household", "event_id")
        return record

    def decide_life_event(
        self,
        event_id: str,
        *,
        decision: str,
        reason: str,
        actor: str,
        book: StandardsBook,
    ) -> dict[str, Any]:
        """Confirm or reject a reported life event; returns the record as decided."""
        record = self.life_event(event_id)
        if record["state"] != REPORTED:
            raise ConflictError(
                f"life event {event_id} is {record['state']} already; it takes no more decisions",
                "event_id",
            )
        if decision not in DECISIONS:
            raise InvalidInputError("decision must be one of confirm, reject", "decision")
        reason = _reason(reason)
        if actor == record["reported_by"]:
            raise SeparationOfDutiesError(
                "the person who reported a life event may not decide it (POLICY ch. 9)",
                "actor",
            )
        if decision == "reject":
            self.trigger_event(
                self.LifeEventRejected,
                event_id=event_id,
                reason=reason,
                actor=actor,
                effective_on=record["on"],
            )
            return dict(self.life_event(event_id))
        self._confirm(record, reason, actor, book)
        return dict(self.life_event(event_id))

    def _confirm(
        self, record: dict[str, Any], reason: str, actor: str, book: StandardsBook
    ) -> None:
        kind, member_id, on = record["kind"], record["member_id"], record["on"]
        start: date = on + timedelta(days=1) if kind == DEATH else on
        why = (
            f"the member {_WHAT[kind].format(on=on.isoformat())} (life event "
            f"{record['event_id']} reported by {record['source']}, confirmed; POLICY ch. 15)"
        )
        member = self.member(member_id)
        theirs = self._person_keys(member_id, start)
        reassess = self._size_based(start)
        ended: list[str] = []
        suspended: list[str] = []
        if kind == IMPRISONMENT:
            suspended = self._suspend_theirs(theirs, start, why, actor, book)
        else:
            ended = self._end_theirs(member, theirs, start, why, actor, book)
        explanation = why + (
            "; needs a re-assessment of " + ", ".join(reassess) + " (it counts the household)"
            if reassess
            else ""
        )
        self.trigger_event(
            self.LifeEventConfirmed,
            event_id=record["event_id"],
            reason=reason,
            ended=sorted(set(ended)),
            suspended=suspended,
            reassess=reassess,
            explanation=explanation,
            actor=actor,
            effective_on=start,
        )

    def _suspend_theirs(
        self, theirs: list[EntitlementKey], start: date, why: str, actor: str, book: StandardsBook
    ) -> list[str]:
        """Imprisonment: the member's entitlements in force are suspended from `start`."""
        suspended: list[str] = []
        for key in theirs:
            point = _step(self.timelines.get(key, {}), start)
            spans = self.suspensions_of(key)
            if point is None or point.ended or (spans and spans[-1].resumed_on is None):
                continue
            programme, person = split_key(key)
            self.suspend_entitlement(
                programme, person, effective_on=start, reason=why, actor=actor, book=book
            )
            suspended.append(key)
        return suspended

    def _end_theirs(
        self,
        member: Member,
        theirs: list[EntitlementKey],
        start: date,
        why: str,
        actor: str,
        book: StandardsBook,
    ) -> list[str]:
        """A death or a residence moved out: the member leaves from `start`, and their
        categories and entitlements end then."""
        member_id = member.member_id
        if member.left_on is None or member.left_on > start:
            self.trigger_event(
                self.MemberChanged,
                member_id=member_id,
                changes={"left_household": True},
                actor=actor,
                effective_on=start,
            )
        ended: list[str] = []
        done: set[EntitlementKey] = set()
        for span in list(self.categories):
            if span.member_id != member_id or not (
                span.effective_to is None or span.effective_to > start
            ):
                continue
            if span.effective_from < start:
                self._end_category(span, start, actor, book, why)
            else:
                self._replace_span(span, start, why, actor)
                self._end_entitlement(
                    entitlement_key(span.category, member_id), start, actor, book, why
                )
            done.add(entitlement_key(span.category, member_id))
            ended.append(entitlement_key(span.category, member_id))
        for key in theirs:
            if key not in done:
                self._end_entitlement(key, start, actor, book, why)
                ended.append(key)
        return ended

    def _person_keys(self, member_id: str, start: date) -> list[EntitlementKey]:
        """The member's own monthly entitlements granted on `start` or later."""
        found = []
        for key, bases in sorted(self.bases.items()):
            if split_key(key)[1] != member_id:
                continue
            in_force = [b for b in bases if b.effective_from <= start][-1:]
            later = [b for b in bases if b.effective_from > start]
            if any(b.inputs is not None for b in [*in_force, *later]):
                found.append(key)
        return found

    def _size_based(self, start: date) -> list[EntitlementKey]:
        """Household-level entitlements in force from `start` whose basis counts the
        household's size: they need a re-assessment."""
        found = []
        for key, bases in sorted(self.bases.items()):
            if split_key(key)[1] is not None:
                continue
            in_force = [b for b in bases if b.effective_from <= start][-1:]
            later = [b for b in bases if b.effective_from > start]
            if any(b.inputs is not None and SIZE_INPUT in b.inputs for b in [*in_force, *later]):
                found.append(key)
        return found
