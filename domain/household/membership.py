"""Members: who belongs to the household, their attributes over time, payee accounts."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from domain.errors import (
    ConflictError,
    InvalidInputError,
    PolicyRuleError,
)
from domain.household.categories import (
    CategoriesPart,
)
from domain.household.state import (
    EMPLOYMENT,
    MEMBER_FLAGS,
    RELATIONS,
    AttributeChange,
    HouseholdEvent,
    Member,
)
from domain.idnumber import validate_id_number
from domain.payments import validate_account
from domain.policy.base import choice
from domain.policy.s11_education_aid import STAGES as SCHOOL_STAGES

if TYPE_CHECKING:
    from domain.household import Household

Event = HouseholdEvent


class MembershipPart(CategoriesPart):
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
        choice("relation", relation, RELATIONS)
        choice("school_stage", school_stage, SCHOOL_STAGES, optional=True)
        choice("employment", employment, EMPLOYMENT, optional=True)
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
        choice("school_stage", changes.get("school_stage"), SCHOOL_STAGES, optional=True)
        choice("employment", changes.get("employment"), EMPLOYMENT, optional=True)
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
