"""A person's move between two ledgers of a province (一人一户, POLICY ch. 15): a saga
of two halves, each one transaction in its own ledger.

1. Out, in the ledger they leave: the household's MemberMovedOut (with the cap-year
   self-pay they carry), the release of their identity claim there, and a `Transfer`
   stream `Left` that keeps what the other half needs (the person as recorded, what they
   carry, where they go).
2. In, in the ledger they join: the household's MemberMovedIn (same member id, the
   carried self-pay), their identity claim taken there, and a `Transfer` stream
   `Arrived`.
3. Back in the first ledger, the `Transfer` is `Completed`.

Every id is derived from the move (the household left, the member, the ledger and
household joined, the date): a retry of any half finds its stream already recorded and
records nothing. A crash between the halves leaves a `Left` without `Completed`; the
province's worker finds it and finishes the move (services/province.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.chain import Chained, ChainedEvent

NAMESPACE = uuid5(NAMESPACE_URL, "urn:jiaxing-ledger:transfer")


def move_id(
    from_household_id: UUID, member_id: str, to_ledger: str, to_household_id: UUID, on: date
) -> UUID:
    """The move's id: the same move asked twice is the same move."""
    return uuid5(NAMESPACE, f"{from_household_id}|{member_id}|{to_ledger}|{to_household_id}|{on}")


def transfer_id(move: UUID, side: str) -> UUID:
    """The stream of one half of a move: side "out" (the ledger left) or "in"."""
    return uuid5(NAMESPACE, f"{move}/{side}")


def _fields(event: Any) -> dict[str, Any]:
    """What the half recorded, as the other half and the worker read it."""
    skip = {"originator_id", "originator_version", "originator_topic", "timestamp", "chain"}
    return {k: v for k, v in vars(event).items() if k not in skip}


class Transfer(Chained):
    """One half of a move between ledgers."""

    class Event(ChainedEvent):
        actor: str
        effective_on: date

    class Left(Event, Aggregate.Created):
        """The person left this ledger's household for another ledger's."""

        move_id: str
        from_household_id: str
        member_id: str
        to_ledger: str
        to_household_id: str
        person: dict[str, Any]  # name, id_number, relation, birth_on (ISO), attributes
        carried: dict[str, int]

        def apply(self, aggregate: Transfer) -> None:
            aggregate.details = _fields(self)

    class Arrived(Event, Aggregate.Created):
        """The person joined this ledger's household from another ledger's."""

        move_id: str
        from_ledger: str
        from_household_id: str
        member_id: str
        to_household_id: str
        carried: dict[str, int]

        def apply(self, aggregate: Transfer) -> None:
            aggregate.details = _fields(self)

    class Completed(Event):
        """The other half is recorded: the move is done."""

        def apply(self, aggregate: Transfer) -> None:
            aggregate.completed = True

    def __init__(self) -> None:
        self.details: dict[str, Any] = {}
        self.completed = False

    @classmethod
    def leave(
        cls,
        move: UUID,
        *,
        from_household_id: UUID,
        member_id: str,
        to_ledger: str,
        to_household_id: UUID,
        person: dict[str, Any],
        carried: dict[str, int],
        actor: str,
        on: date,
    ) -> Transfer:
        created: Transfer = cls._create(
            cls.Left,
            id=transfer_id(move, "out"),
            move_id=str(move),
            from_household_id=str(from_household_id),
            member_id=member_id,
            to_ledger=to_ledger,
            to_household_id=str(to_household_id),
            person=person,
            carried=carried,
            actor=actor,
            effective_on=on,
        )
        return created

    @classmethod
    def arrive(
        cls,
        move: UUID,
        *,
        from_ledger: str,
        from_household_id: UUID,
        member_id: str,
        to_household_id: UUID,
        carried: dict[str, int],
        actor: str,
        on: date,
    ) -> Transfer:
        created: Transfer = cls._create(
            cls.Arrived,
            id=transfer_id(move, "in"),
            move_id=str(move),
            from_ledger=from_ledger,
            from_household_id=str(from_household_id),
            member_id=member_id,
            to_household_id=str(to_household_id),
            carried=carried,
            actor=actor,
            effective_on=on,
        )
        return created

    def complete(self, *, actor: str, on: date) -> None:
        if not self.completed:
            self.trigger_event(self.Completed, actor=actor, effective_on=on)
