"""One person, one place (一人一户, POLICY ch. 15): an ID number is in at most one
household of the ledger at a time.

An `IdentityClaim` per ID number, its id derived from the number (uuid5 of the
normalised number), is saved in the same transaction as the household event that adds,
moves or removes the person. Two concurrent adds of one number in two households both
try to create the claim at version 1: the store lets one through and the other meets a
version conflict, is retried against the claim now recorded, and is refused.

The claim holds no ID number, name or address: only the household's id and its county
(so a refusal can say where, and nothing about the household)."""

from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.chain import Chained, ChainedEvent
from domain.errors import ConflictError
from domain.standards import COUNTIES

NAMESPACE = uuid5(NAMESPACE_URL, "urn:jiaxing-ledger:identity-claim")


def claim_id(id_number: str) -> UUID:
    """The claim's stream id for an ID number already validated (`validate_id_number`)."""
    return uuid5(NAMESPACE, id_number.strip().upper())


def county_label(region_code: str) -> str:
    """ "南湖区 330402": the county of a region code (a township's code names its county)."""
    code = region_code[:6]
    name = COUNTIES.get(code)
    return f"{name} {code}" if name else code


class IdentityClaim(Chained):
    """Which household an ID number is in (None: in none now), and whether the person
    is recorded dead (a claim that never frees: re-adding them is refused)."""

    class Event(ChainedEvent):
        actor: str
        effective_on: date

    class Claimed(Event, Aggregate.Created):
        household_id: str
        county: str
        member_id: str

    class Reclaimed(Event):
        """A claim released earlier is taken again (the person is added again)."""

        household_id: str
        county: str
        member_id: str

        def apply(self, aggregate: IdentityClaim) -> None:
            aggregate.household_id = self.household_id
            aggregate.county = self.county
            aggregate.member_id = self.member_id

    class Moved(Event):
        """A recorded move (`move_member`): the claim goes with the person."""

        from_household_id: str
        household_id: str
        county: str

        def apply(self, aggregate: IdentityClaim) -> None:
            aggregate.household_id = self.household_id
            aggregate.county = self.county

    class Released(Event):
        """The person left the household (not by a move, not by death)."""

        household_id: str

        def apply(self, aggregate: IdentityClaim) -> None:
            aggregate.household_id = None

    class Deceased(Event):
        """A confirmed death (POLICY ch. 15): the claim stays, and never frees."""

        household_id: str

        def apply(self, aggregate: IdentityClaim) -> None:
            aggregate.deceased = True

    def __init__(self, household_id: str, county: str, member_id: str) -> None:
        self.household_id: str | None = household_id
        self.county = county
        self.member_id = member_id
        self.deceased = False

    @classmethod
    def claim_new(
        cls,
        id_number: str,
        *,
        household_id: UUID,
        county: str,
        member_id: str,
        actor: str,
        on: date,
    ) -> IdentityClaim:
        created: IdentityClaim = cls._create(
            cls.Claimed,
            id=claim_id(id_number),
            household_id=str(household_id),
            county=county,
            member_id=member_id,
            actor=actor,
            effective_on=on,
        )
        return created

    def refuse_elsewhere(self, household_id: UUID) -> None:
        """Refuse adding this person to `household_id` if they are recorded dead, or in
        another household: naming the county only, never the household."""
        if self.deceased:
            raise ConflictError(
                "this person is recorded as deceased (POLICY ch. 15); they cannot be added",
                "id_number",
            )
        if self.household_id is not None and self.household_id != str(household_id):
            raise ConflictError(
                f"this person already belongs to a household in {self.county} (一人一户, "
                "POLICY ch. 15); record a move from that household instead of adding them",
                "id_number",
            )

    def take(
        self, *, household_id: UUID, county: str, member_id: str, actor: str, on: date
    ) -> None:
        self.refuse_elsewhere(household_id)
        if self.household_id == str(household_id) and self.member_id == member_id:
            return
        self.trigger_event(
            self.Reclaimed,
            household_id=str(household_id),
            county=county,
            member_id=member_id,
            actor=actor,
            effective_on=on,
        )

    def move(
        self, *, from_household_id: UUID, to_household_id: UUID, county: str, actor: str, on: date
    ) -> None:
        if self.deceased:
            raise ConflictError("this person is recorded as deceased (POLICY ch. 15)", "member_id")
        if self.household_id not in (None, str(from_household_id)):
            raise ConflictError(
                f"this person's record is in a household in {self.county}, not the one they "
                "move from (一人一户, POLICY ch. 15)",
                "member_id",
            )
        self.trigger_event(
            self.Moved,
            from_household_id=str(from_household_id),
            household_id=str(to_household_id),
            county=county,
            actor=actor,
            effective_on=on,
        )

    def release(self, *, household_id: UUID, actor: str, on: date) -> None:
        if self.deceased or self.household_id != str(household_id):
            return
        self.trigger_event(
            self.Released, household_id=str(household_id), actor=actor, effective_on=on
        )

    def mark_deceased(self, *, household_id: UUID, actor: str, on: date) -> None:
        if self.deceased:
            return
        self.trigger_event(
            self.Deceased, household_id=str(household_id), actor=actor, effective_on=on
        )
