"""Applications: their receipt, and the record of their determination."""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from domain.errors import (
    InvalidInputError,
)
from domain.household.care import (
    CarePart,
)
from domain.household.state import (
    CARE,
    MEANS_TESTED,
    PERSON_PROGRAMMES,
    PROGRAMMES,
    SCHOOL_STAGES,
    ApplicationRecord,
    HouseholdEvent,
    _choice,
)
from domain.money import format_ratio, parse_ratio, parse_yuan
from domain.rules import (
    HOUSE_LOSSES,
    LOSSES,
    Means,
)

if TYPE_CHECKING:
    from domain.household import Household

Event = HouseholdEvent


class ApplicationsPart(CarePart):
    class ApplicationSubmitted(Event):
        application_id: str
        programme: str
        member_id: str | None
        means: dict[str, int] | None
        details: dict[str, Any]

        def apply(self, aggregate: Household) -> None:
            aggregate.applications[self.application_id] = ApplicationRecord(
                self.application_id,
                self.programme,
                self.effective_on,
                self.member_id,
                Means.from_dict(self.means) if self.means is not None else None,
                dict(self.details),
                self.actor,
            )

    class ApplicationDetermined(Event):
        application_id: str
        decision: str
        reason: str
        outcome: str
        category: str | None
        explanation: str
        inputs: dict[str, Any]
        standard_versions: dict[str, str]
        entitlements: list[dict[str, Any]]

        def apply(self, aggregate: Household) -> None:
            application = aggregate.applications[self.application_id]
            application.decision = self.outcome
            application.determined_at = self.originator_version

    def submit_application(
        self,
        *,
        programme: str,
        effective_from: date,
        means: Means | None,
        member_id: str | None,
        details: dict[str, Any],
        actor: str,
        application_id: str | None = None,
    ) -> str:
        _choice("programme", programme, PROGRAMMES)
        person = member_id or details.get("member_id")
        if person is not None:
            self.member(str(person), field_name="member_id")
        if programme in PERSON_PROGRAMMES and person is None:
            raise InvalidInputError(
                f"a {programme} application must name the person (member_id)", "member_id"
            )
        if programme in MEANS_TESTED and means is None:
            raise InvalidInputError(f"a {programme} application needs means", "means")
        if effective_from < self.registered_on:
            raise InvalidInputError(
                f"effective_from is before the household was registered "
                f"({self.registered_on.isoformat()})",
                "effective_from",
            )
        _check_details(programme, details, effective_from)
        new_id = application_id or str(uuid4())
        self.trigger_event(
            self.ApplicationSubmitted,
            application_id=new_id,
            programme=programme,
            member_id=str(person) if person is not None else None,
            means=means.as_dict() if means is not None else None,
            details=details,
            actor=actor,
            effective_on=effective_from,
        )
        return new_id

    def _record_determination(
        self,
        application: ApplicationRecord,
        decision: str,
        reason: str,
        outcome: str,
        category: str | None,
        explanation: str,
        inputs: dict[str, Any],
        versions: dict[str, str],
        entitlements: list[dict[str, Any]],
        actor: str,
    ) -> None:
        self.trigger_event(
            self.ApplicationDetermined,
            application_id=application.application_id,
            decision=decision,
            reason=reason,
            outcome=outcome,
            category=category,
            explanation=explanation,
            inputs=inputs,
            standard_versions=versions,
            entitlements=entitlements,
            actor=actor,
            effective_on=application.effective_from,
        )


def _detail_date(details: dict[str, Any], name: str) -> date:
    value = details.get(name)
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInputError(f"details.{name} must be an ISO date", f"details.{name}") from None


def _detail_count(details: dict[str, Any], name: str) -> int | None:
    """A count in an application's details (persons, days): a whole number of 1 or
    more (a JSON integer; true/false, fractions and text are refused), or None."""
    value = details.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(
            f"details.{name} must be a whole number of 1 or more", f"details.{name}"
        )
    return value


def _disaster_details(details: dict[str, Any], granted_on: date) -> tuple[date, str, int, int]:
    """The disaster date, loss, persons and days of a §28 application, checked."""
    disaster_on = _detail_date(details, "disaster_on")
    if disaster_on > granted_on:
        raise InvalidInputError(
            f"details.disaster_on {disaster_on.isoformat()} is after the grant's date "
            f"(effective_from {granted_on.isoformat()})",
            "details.disaster_on",
        )
    loss = details.get("loss")
    if not isinstance(loss, str) or loss not in LOSSES:
        raise InvalidInputError(f"details.loss must be one of {', '.join(LOSSES)}", "details.loss")
    persons = _detail_count(details, "persons")
    days = _detail_count(details, "days")
    if loss in HOUSE_LOSSES and persons is not None:
        raise InvalidInputError(
            f"details.persons is for the per-person losses; {loss} is paid per household",
            "details.persons",
        )
    if loss == "transitional_living" and days is None:
        raise InvalidInputError("details.days is needed for transitional living", "details.days")
    if loss != "transitional_living" and days is not None:
        raise InvalidInputError("details.days is for transitional living only", "details.days")
    return disaster_on, loss, persons or 1, days or 0


def _renovation_requested(details: dict[str, Any]) -> int:
    requested = parse_yuan(details.get("requested"), "details.requested")
    if requested <= 0:
        raise InvalidInputError("details.requested must be more than 0", "details.requested")
    return requested


def _rent_details(details: dict[str, Any]) -> tuple[Fraction, int]:
    """§12: a tier ratio of the rent (a share: at most 1) and the average market rent."""
    ratio = parse_ratio(details.get("tier_ratio"), "details.tier_ratio")
    if ratio > 1:
        raise InvalidInputError(
            f"details.tier_ratio is a share of the rent: at most 1, got {format_ratio(ratio)}",
            "details.tier_ratio",
        )
    rent = parse_yuan(details.get("average_market_rent"), "details.average_market_rent")
    if rent <= 0:
        raise InvalidInputError(
            "details.average_market_rent must be more than 0", "details.average_market_rent"
        )
    return ratio, rent


def _school_year(details: dict[str, Any]) -> str:
    """§11 aid is per school year: "YYYY-YYYY", two consecutive years."""
    year = details.get("school_year")
    match = re.fullmatch(r"(\d{4})-(\d{4})", year) if isinstance(year, str) else None
    if match is None or int(match[2]) != int(match[1]) + 1:
        raise InvalidInputError(
            f'details.school_year must be two consecutive years such as "2025-2026"; got {year!r}',
            "details.school_year",
        )
    return match[0]


def _check_details(programme: str, details: dict[str, Any], effective_from: date) -> None:
    """Refuse malformed details when the application is submitted, so that nothing is
    recorded for it (the determination checks them again with the policy rules)."""
    if programme == "disaster_relief":
        _disaster_details(details, effective_from)
    elif programme == "renovation_grant":
        _renovation_requested(details)
    elif programme == "rent_subsidy":
        _rent_details(details)
    elif programme == "eldercare_service_subsidy":
        _choice("details.care", details.get("care"), CARE)
    elif programme == "education_aid":
        _school_year(details)
        _choice("details.stage", details.get("stage"), SCHOOL_STAGES, optional=True)
