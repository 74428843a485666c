"""The household's responsible caseworker (责任社工, docs/WORKSPACE.md): one at a time.

Whoever registers the household is its caseworker from registration (the `Registered`
event's actor), unless another is named then; afterwards an approver reassigns it
(`CaseworkerAssigned`; the API lets approvers only, POLICY ch. 9). "My households" and
"my worklist" are read from the search view, which follows these events.

The state holds a caseworker only once one was assigned by an event: registration adds
nothing to it, so a snapshot stored before assignments existed still equals the fold of
its events (`ledger verify` compares them). Until then the caseworker is the
registration's actor, which the application reads from the stream's first event."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from domain.errors import ConflictError, InvalidInputError
from domain.household.reviews import ReviewsPart
from domain.household.state import HouseholdEvent

if TYPE_CHECKING:
    from domain.household import Household

Event = HouseholdEvent

CASEWORKER_MAX = 100  # characters of a user name (the token's subject)
_KEY = "responsible_caseworker"  # set by the first assignment (see the module)
_SINCE = "responsible_since"


def caseworker_name(value: object, field: str = "caseworker") -> str:
    """A user name as the tokens carry it: not empty, at most CASEWORKER_MAX characters."""
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise InvalidInputError(f"{field} must name the caseworker (their user name)", field)
    if len(name) > CASEWORKER_MAX:
        raise InvalidInputError(f"{field} must be at most {CASEWORKER_MAX} characters", field)
    return name


class AssignmentPart(ReviewsPart):
    class CaseworkerAssigned(Event):
        """From `effective_on` the household's responsible caseworker is `caseworker`
        (in place of `previous`); `actor` assigned them, `reason` says why."""

        caseworker: str
        previous: str | None
        reason: str

        def apply(self, aggregate: Household) -> None:
            aggregate.__dict__[_KEY] = self.caseworker
            aggregate.__dict__[_SINCE] = self.effective_on

    def caseworker_assigned(self) -> str | None:
        """The caseworker the latest assignment named; None: none was assigned since the
        registration (the registration's actor is the caseworker)."""
        found: str | None = self.__dict__.get(_KEY)
        return found

    def assign_caseworker(
        self, caseworker: str, *, on: date, reason: str, actor: str, registered_by: str
    ) -> bool:
        """Make `caseworker` responsible from `on` (`registered_by`: the registration's
        actor, the caseworker until one is assigned); False (nothing recorded) when they
        already are."""
        name = caseworker_name(caseworker)
        current = self.caseworker_assigned() or registered_by
        if on < self.registered_on:
            raise InvalidInputError(
                f"on is before the household was registered ({self.registered_on.isoformat()})",
                "on",
            )
        since: date | None = self.__dict__.get(_SINCE)
        if since is not None and on < since:
            raise ConflictError(
                f"on is before the current caseworker's assignment ({since.isoformat()})", "on"
            )
        if not isinstance(reason, str) or len(reason) > 2000:
            raise InvalidInputError("reason must be text of at most 2000 characters", "reason")
        if name == current:
            return False
        self.trigger_event(
            self.CaseworkerAssigned,
            caseworker=name,
            previous=current,
            reason=reason.strip(),
            actor=actor,
            effective_on=on,
        )
        return True
