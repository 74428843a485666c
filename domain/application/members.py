"""The household's members across households (POLICY ch. 15): adding, changing and moving
a member with the identity claim that keeps one person in one place, saved in the same
transaction; life events (death, residence moved out, imprisonment) as proposals an
approver decides; the backfill of claims for a ledger recorded before them."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.application.standards import StandardsLedger
from domain.errors import NotFoundError
from domain.household import Household
from domain.household.life_events import DEATH, RESIDENCE_MOVED_OUT
from domain.household.state import MEMBER_FLAGS, AttributeChange, Member
from domain.identity import IdentityClaim, claim_id, county_label
from domain.idnumber import validate_id_number
from domain.transfer import Transfer, move_id, transfer_id


def new_claim(household: Household, member_id: str, actor: str) -> IdentityClaim:
    """A first claim on a member's number for the household they are in."""
    member = household.member(member_id)
    return IdentityClaim.claim_new(
        member.id_number,
        household_id=household.id,
        county=county_label(household.region_code),
        member_id=member_id,
        actor=actor,
        on=member.joined_on,
    )


def take_claim(claim: IdentityClaim, household: Household, member_id: str, actor: str) -> None:
    """A recorded claim taken for a member joining `household` (ConflictError naming the
    county only if another household holds it or the person is recorded dead)."""
    claim.take(
        household_id=household.id,
        county=county_label(household.region_code),
        member_id=member_id,
        actor=actor,
        on=household.member(member_id).joined_on,
    )


class MembersLedger(StandardsLedger):
    """Members, identity claims and life events."""

    def add_member(self, household_id: UUID, *, actor: str, **member: Any) -> str:
        """Add a member and claim their ID number in the same transaction (一人一户,
        POLICY ch. 15): a number claimed by another household, or of a person recorded
        dead, is refused naming the county only. Two concurrent adds of one number both
        write the claim's first version; the loser is retried and refused."""
        number = validate_id_number(member.get("id_number", ""))

        def attempt() -> tuple[list[Any], str]:
            household = self.household(household_id)
            claim = self.identity_claim(number)
            if claim is not None:
                claim.refuse_elsewhere(household_id)
            member_id = household.add_member(actor=actor, **{**member, "id_number": number})
            if claim is None:
                claim = new_claim(household, member_id, actor)
            else:
                take_claim(claim, household, member_id, actor)
            return [household, claim], member_id

        return self.retrying(attempt, f"household {household_id}")

    def identity_claim(self, id_number: str) -> IdentityClaim | None:
        """The claim on an ID number (validated), or None if none is recorded yet."""
        try:
            found: Any = self.repository.get(claim_id(id_number))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, IdentityClaim) else None

    def _claim_for(
        self, household: Household, member_id: str, actor: str, on: date
    ) -> IdentityClaim:
        """The claim on a member's number, created for this household if none is
        recorded yet (a ledger from before claims: they are made on first touch)."""
        member = household.member(member_id)
        claim = self.identity_claim(member.id_number)
        if claim is None:
            claim = new_claim(household, member_id, actor)
        return claim

    def claims_for_new_household(
        self, household: Household, *, actor: str, recorded: set[UUID] | None = None
    ) -> list[IdentityClaim]:
        """The claims a household built directly (the import) takes for its present
        members, to save in its transaction: a new claim per number, or the recorded
        one taken as `add_member` does (ConflictError naming the county only if it is
        held by another household or the person is recorded dead). `recorded`: the
        claim ids known to be recorded (one query for a batch); None: look each up."""
        claims = []
        for member_id, member in household.members.items():
            if member.left_on is not None:
                continue
            known = recorded is None or claim_id(member.id_number) in recorded
            claim = self.identity_claim(member.id_number) if known else None
            if claim is None:
                claims.append(new_claim(household, member_id, actor))
                continue
            take_claim(claim, household, member_id, actor)
            claims.append(claim)
        return claims

    def change_member(
        self,
        household_id: UUID,
        member_id: str,
        *,
        effective_on: date,
        changes: dict[str, Any],
        actor: str,
    ) -> None:
        def attempt() -> tuple[list[Any], None]:
            household = self.household(household_id)
            household.change_member(
                member_id, effective_on=effective_on, changes=changes, actor=actor
            )
            if not changes.get("left_household"):
                return [household], None
            # The person leaves the household (not by a recorded move): their number is
            # free for another household from then (POLICY ch. 15).
            claim = self._claim_for(household, member_id, actor, effective_on)
            claim.release(household_id=household_id, actor=actor, on=effective_on)
            return [household, claim], None

        self.retrying(attempt, f"household {household_id}")

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
            # The claim on the person's number goes with them (POLICY ch. 15).
            claim = self._claim_for(source, member_id, actor, effective_on)
            claim.move(
                from_household_id=household_id,
                to_household_id=to_household_id,
                county=county_label(target.region_code),
                actor=actor,
                on=effective_on,
            )
            return [source, target, claim], carried

        return self.retrying(attempt, "the households")

    # ------------------------------------- moves between ledgers (services/province.py)

    def transfer(self, move: UUID, side: str) -> Transfer | None:
        try:
            found: Any = self.repository.get(transfer_id(move, side))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Transfer) else None

    def transfer_out(
        self,
        household_id: UUID,
        member_id: str,
        *,
        to_ledger: str,
        to_household_id: UUID,
        effective_on: date,
        actor: str,
    ) -> Transfer:
        """The first half of a move to another ledger, in one transaction: the person
        leaves the household with their cap-year self-pay, their claim here is released,
        and the `Transfer` keeps what the other ledger needs. Asked again: the recorded
        half, nothing new."""
        move = move_id(household_id, member_id, to_ledger, to_household_id, effective_on)

        def attempt() -> tuple[list[Any], Transfer]:
            done = self.transfer(move, "out")
            if done is not None:
                return [], done
            source = self.household(household_id)
            member = source.member(member_id)
            carried = source.move_out(
                member_id,
                to_household_id=to_household_id,
                effective_on=effective_on,
                actor=actor,
                book=self.standards_book(source.region_code),
            )
            claim = self._claim_for(source, member_id, actor, effective_on)
            claim.release(household_id=household_id, actor=actor, on=effective_on)
            person = {
                "name": member.name,
                "id_number": member.id_number,
                "relation": member.relation,
                "birth_on": member.birth_on.isoformat(),
                "attributes": {k: member.attribute(k, effective_on) for k in MEMBER_FLAGS},
            }
            left = Transfer.leave(
                move,
                from_household_id=household_id,
                member_id=member_id,
                to_ledger=to_ledger,
                to_household_id=to_household_id,
                person=person,
                carried=carried,
                actor=actor,
                on=effective_on,
            )
            return [source, claim, left], left

        return self.retrying(attempt, f"household {household_id}")

    def transfer_in(self, left: Transfer, *, from_ledger: str, actor: str) -> Transfer:
        """The second half, in the ledger joined, in one transaction: the same person
        (same member id) joins the household with what they carry, and takes their
        claim here (refused if another household of this ledger holds them). Asked
        again: the recorded half, nothing new."""
        d = left.details
        move = UUID(d["move_id"])
        to_household_id = UUID(d["to_household_id"])
        on: date = d["effective_on"]
        person = d["person"]

        def attempt() -> tuple[list[Any], Transfer]:
            done = self.transfer(move, "in")
            if done is not None:
                return [], done
            target = self.household(to_household_id)
            member = Member(
                d["member_id"],
                person["name"],
                person["id_number"],
                person["relation"],
                date.fromisoformat(person["birth_on"]),
                on,
                changes=[AttributeChange(on, dict(person["attributes"]))],
            )
            claim = self.identity_claim(person["id_number"])
            if claim is not None:
                claim.refuse_elsewhere(to_household_id)
            target.move_in(
                member,
                from_household_id=UUID(d["from_household_id"]),
                carried=dict(d["carried"]),
                effective_on=on,
                actor=actor,
            )
            if claim is None:
                claim = new_claim(target, d["member_id"], actor)
            else:
                take_claim(claim, target, d["member_id"], actor)
            arrived = Transfer.arrive(
                move,
                from_ledger=from_ledger,
                from_household_id=UUID(d["from_household_id"]),
                member_id=d["member_id"],
                to_household_id=to_household_id,
                carried=dict(d["carried"]),
                actor=actor,
                on=on,
            )
            return [target, claim, arrived], arrived

        return self.retrying(attempt, f"household {to_household_id}")

    def complete_transfer(self, move: UUID, *, actor: str) -> Transfer:
        def attempt() -> tuple[list[Any], Transfer]:
            left = self.transfer(move, "out")
            if left is None:
                raise NotFoundError(f"no move {move} left this ledger", "move_id")
            left.complete(actor=actor, on=left.details["effective_on"])
            return [left], left

        return self.retrying(attempt, f"move {move}")

    # ------------------------------------------------- life events (POLICY ch. 15)

    def report_life_event(
        self,
        household_id: UUID,
        member_id: str,
        *,
        kind: str,
        on: date,
        source: str,
        actor: str,
    ) -> str:
        """A death, move of registered residence or imprisonment reported: a proposal."""
        return self.update(
            household_id,
            lambda h: h.report_life_event(member_id, kind=kind, on=on, source=source, actor=actor),
        )

    def decide_life_event(
        self,
        household_id: UUID,
        event_id: str,
        *,
        decision: str,
        reason: str,
        actor: str,
    ) -> dict[str, Any]:
        """Confirm or reject a reported life event (not by its reporter). A confirmed
        death marks the person's claim deceased (it never frees); a confirmed move of
        residence releases it; both in the household's transaction."""

        def attempt() -> tuple[list[Any], dict[str, Any]]:
            household = self.household(household_id)
            decided = household.decide_life_event(
                event_id,
                decision=decision,
                reason=reason,
                actor=actor,
                book=self.standards_book(household.region_code),
            )
            changed: list[Any] = [household]
            if decided["state"] == "confirmed" and decided["kind"] in (DEATH, RESIDENCE_MOVED_OUT):
                on = decided["effective_from"]
                claim = self._claim_for(household, decided["member_id"], actor, on)
                if decided["kind"] == DEATH:
                    claim.mark_deceased(household_id=household_id, actor=actor, on=decided["on"])
                else:
                    claim.release(household_id=household_id, actor=actor, on=on)
                changed.append(claim)
            return changed, decided

        return self.retrying(attempt, f"household {household_id}")

    def life_events(self, household_id: UUID) -> list[dict[str, Any]]:
        """The household's life events in the order reported."""
        return [dict(r) for r in self.household(household_id).life_events.values()]

    def backfill_claims(self, household_ids: list[UUID], *, actor: str) -> dict[str, Any]:
        """One person, one place for a ledger from before claims (`ledger claims`): a
        claim for each present member's number that has none, in the household they are
        in. A number present in two households is reported (the counties and the
        households' ids, for the operator; no number), never claimed for either: the
        next add or move touching it decides. Idempotent."""
        seen: dict[str, list[Household]] = {}
        for hid in household_ids:
            household = self.household(hid)
            for member in household.members.values():
                if member.left_on is None:
                    seen.setdefault(member.id_number, []).append(household)
        created, duplicates = 0, []
        for number, households in seen.items():
            if len({h.id for h in households}) > 1:
                duplicates.append(
                    {
                        "households": sorted(str(h.id) for h in households),
                        "counties": sorted({county_label(h.region_code) for h in households}),
                    }
                )
                continue
            [household] = households[:1]
            if self.identity_claim(number) is not None:
                continue
            member = next(
                m for m in household.members.values() if m.id_number == number and m.left_on is None
            )
            try:
                self.save(new_claim(household, member.member_id, actor))
            except IntegrityError:  # claimed meanwhile by a command: that one stands
                continue
            created += 1
        return {"created": created, "duplicates": duplicates}
