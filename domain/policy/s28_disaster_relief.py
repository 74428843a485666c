"""Plan §28 提高自然灾害救助水平: relief at the rates in force on the disaster date (the
plan raised them from its publication, 2023-12-13); no means test and no prior category.
Transitional living is paid per person per day for at most 3 calendar months (from
2024-07-10: to 2024-10-09, 92 days, POLICY ch. 11)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from domain.errors import ConflictError, InvalidInputError
from domain.money import format_yuan, yuan
from domain.policy.base import GRANT, HOUSEHOLD, PLAN_DATE, Amount, Programme, money, seed
from domain.policy.counting import months_later

if TYPE_CHECKING:
    from domain.household.state import ApplicationRecord
    from domain.policy.base import HouseholdFacts
    from domain.standards import StandardsBook


def _rates(key: str, meaning: str, old: int, new: int) -> object:
    return money(
        key,
        meaning,
        seed(yuan(old), "SEED §28 old rate"),
        seed(yuan(new), "SEED §28", PLAN_DATE),
    )


PARAMETERS = (
    _rates("disaster_death_or_missing", "death or missing, per person (§28)", 20000, 25000),
    _rates("disaster_transitional_daily", "transitional living per day", 20, 30),
    _rates("disaster_house_collapsed", "collapsed or severely damaged house", 20000, 25000),
    _rates("disaster_house_damaged", "ordinary house damage (§28)", 2000, 3000),
)

LOSSES = (
    "death_or_missing",
    "house_collapsed",
    "house_severely_damaged",
    "house_damaged",
    "transitional_living",
)
HOUSE_LOSSES = ("house_collapsed", "house_severely_damaged", "house_damaged")  # per household


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


def disaster_details(details: dict[str, Any], granted_on: date) -> tuple[date, str, int, int]:
    """The disaster date, loss, persons and days of an application, checked."""
    value = details.get("disaster_on")
    try:
        disaster_on = date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInputError(
            "details.disaster_on must be an ISO date", "details.disaster_on"
        ) from None
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


def disaster_relief(
    loss: str, disaster_on: date, persons: int, days: int, book: StandardsBook
) -> Amount:
    """The relief for one loss at the rates in force on the disaster date."""
    if loss == "death_or_missing":
        rate, found = book.money("disaster_death_or_missing", disaster_on)
        amount = rate * persons
        why = f"{persons} x {format_yuan(rate)}"
    elif loss in ("house_collapsed", "house_severely_damaged"):
        amount, found = book.money("disaster_house_collapsed", disaster_on)
        why = f"{format_yuan(amount)} per household"
    elif loss == "house_damaged":
        amount, found = book.money("disaster_house_damaged", disaster_on)
        why = f"{format_yuan(amount)} per household"
    else:
        rate, found = book.money("disaster_transitional_daily", disaster_on)
        most = (months_later(disaster_on, 3) - disaster_on).days
        paid_days = min(days, most)
        amount = persons * rate * paid_days
        why = f"{persons} persons x {format_yuan(rate)} x {paid_days} days" + (
            f" (cut from {days} at 3 months, {most} days)" if days > most else ""
        )
    return Amount(
        amount,
        found,
        f"Disaster relief (§28), {loss} on {disaster_on.isoformat()}: {why} = "
        f"{format_yuan(amount)} at the rates in force that day ({found.label}).",
    )


class DisasterRelief(Programme):
    name = "disaster_relief"
    title = "Disaster relief"
    title_zh = "受灾救助"
    plan_item = "§28"
    kind = GRANT
    level = HOUSEHOLD

    def check_details(self, details: dict[str, Any], effective_from: date) -> None:
        disaster_details(details, effective_from)

    def grant(
        self, household: HouseholdFacts, application: ApplicationRecord, book: StandardsBook
    ) -> Amount:
        disaster_on, loss, persons, days = disaster_details(
            application.details, application.effective_from
        )
        self._refuse_repeated(household, disaster_on, loss)
        return disaster_relief(loss, disaster_on, persons, days, book)

    def _refuse_repeated(self, household: HouseholdFacts, disaster_on: date, loss: str) -> None:
        """A house loss is paid once per household and disaster (a house that collapsed is
        not also damaged), and a per-person loss once per household, disaster and loss:
        the one grant names every person it covers (`details.persons`)."""
        house = loss in HOUSE_LOSSES
        for grant in household.grants:
            before = grant["details"]
            if grant["programme"] != self.name or before.get("disaster_on") != (
                disaster_on.isoformat()
            ):
                continue
            if before.get("loss") == loss or (house and before.get("loss") in HOUSE_LOSSES):
                raise ConflictError(
                    f"disaster relief for the {before.get('loss')} of "
                    f"{disaster_on.isoformat()} is already granted to this household (§28)",
                    "details.loss",
                )


PROGRAMMES = (DisasterRelief(),)
