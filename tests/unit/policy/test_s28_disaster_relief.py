"""Plan §28 disaster relief (domain/policy/s28_disaster_relief.py): the rates in force on
the disaster date, once per household, disaster and loss; worked example 11."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import ConflictError, InvalidInputError
from domain.money import yuan
from tests.unit.policy.builders import approve, make


def test_s28_disaster_relief_before_and_after_the_rate_change(book):
    """Worked example 11 (§28): house collapsed on 2024-07-10: 25,000; ordinary damage on 2023-08-01
    (before the new rates of 2023-12-13): 2,000; transitional living for 3 persons, 100 days from
    2024-07-10: cut at 3 months (92 days): 3 x 30 x 92 = 8,280.00. No category needed."""
    h, _ = make(book, category=None)
    collapsed = approve(
        h,
        book,
        "disaster_relief",
        date(2024, 7, 10),
        details={"disaster_on": "2024-07-10", "loss": "house_collapsed"},
    )
    damaged = approve(
        h,
        book,
        "disaster_relief",
        date(2024, 1, 1),
        details={"disaster_on": "2023-08-01", "loss": "house_damaged"},
    )
    living = approve(
        h,
        book,
        "disaster_relief",
        date(2024, 7, 10),
        details={
            "disaster_on": "2024-07-10",
            "loss": "transitional_living",
            "persons": 3,
            "days": 100,
        },
    )
    assert [r.entitlements[0]["amount_fen"] for r in (collapsed, damaged, living)] == [
        yuan(25000),
        yuan(2000),
        3 * 3_000 * 92,
    ]
    assert "92 days" in living.explanation


def disaster(h, book, on, **details):
    return approve(h, book, "disaster_relief", on, details=details)


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"loss": "death_or_missing", "persons": -2}, "details.persons"),
        ({"loss": "death_or_missing", "persons": 0}, "details.persons"),
        ({"loss": "death_or_missing", "persons": 2.7}, "details.persons"),
        ({"loss": "death_or_missing", "persons": "abc"}, "details.persons"),
        ({"loss": "death_or_missing", "persons": True}, "details.persons"),
        ({"loss": "transitional_living", "persons": 2, "days": 0}, "details.days"),
        ({"loss": "transitional_living", "persons": 2, "days": "10"}, "details.days"),
        ({"loss": "transitional_living", "persons": 2}, "details.days"),
        ({"loss": "house_collapsed", "days": 3}, "details.days"),
        ({"loss": "house_collapsed", "persons": 3}, "details.persons"),
        ({"loss": "flood"}, "details.loss"),
        ({"loss": "house_damaged", "disaster_on": "2024-07-11"}, "details.disaster_on"),
    ],
)
def test_s28_malformed_disaster_details_are_refused_at_submission_and_record_nothing(
    book, details, field
):
    """§28: persons and days are whole numbers of 1 or more, days only for transitional
    living, the disaster no later than the grant: refused naming the field, no event."""
    h, _ = make(book, category=None)
    before = len(h.collect_events())
    with pytest.raises(InvalidInputError) as caught:
        h.submit_application(
            programme="disaster_relief",
            effective_from=date(2024, 7, 10),
            means=None,
            member_id=None,
            details={"disaster_on": "2024-07-10", **details},
            actor="cw",
        )
    assert caught.value.field == field
    assert len(h.collect_events()) == 0 and before > 0
    assert h.applications == {}


def test_s28_a_house_loss_is_granted_once_per_household_and_disaster(book):
    """§28 per household: house collapsed on 2024-07-10 is 25,000 once; a second house
    loss (the same or ordinary damage) for that disaster is refused naming details.loss and
    records nothing; the same loss in another disaster is granted again."""
    h, _ = make(book, category=None)
    first = disaster(h, book, date(2024, 7, 10), disaster_on="2024-07-10", loss="house_collapsed")
    assert first.entitlements[0]["amount_fen"] == yuan(25000)
    h.collect_events()
    for loss in ("house_collapsed", "house_damaged", "house_severely_damaged"):
        with pytest.raises(ConflictError) as caught:
            disaster(h, book, date(2024, 7, 12), disaster_on="2024-07-10", loss=loss)
        assert caught.value.field == "details.loss"
        recorded = [type(e).__name__ for e in h.collect_events()]
        assert recorded == ["ApplicationSubmitted"] and len(h.grants) == 1
    again = disaster(h, book, date(2024, 9, 1), disaster_on="2024-08-30", loss="house_damaged")
    assert again.entitlements[0]["amount_fen"] == yuan(3000)


def test_s28_a_per_person_loss_is_granted_once_per_household_disaster_and_loss(book):
    """§28: death or missing is per person; the household's one grant for a disaster
    names every person it covers (2 x 25,000 = 50,000); an identical repeat is refused,
    transitional living for the same disaster is a different loss and is granted."""
    h, _ = make(book, category=None)
    deaths = disaster(
        h, book, date(2024, 7, 10), disaster_on="2024-07-10", loss="death_or_missing", persons=2
    )
    assert deaths.entitlements[0]["amount_fen"] == 2 * yuan(25000)
    with pytest.raises(ConflictError) as caught:
        disaster(
            h, book, date(2024, 7, 10), disaster_on="2024-07-10", loss="death_or_missing", persons=2
        )
    assert caught.value.field == "details.loss"
    living = disaster(
        h,
        book,
        date(2024, 7, 10),
        disaster_on="2024-07-10",
        loss="transitional_living",
        persons=2,
        days=10,
    )
    assert living.entitlements[0]["amount_fen"] == 2 * yuan(30) * 10


@pytest.mark.parametrize(
    ("loss", "disaster_on", "extra", "amount"),
    [
        # death or missing, per person: 25,000 from 2023-12-13, 20,000 before
        ("death_or_missing", "2023-12-13", {"persons": 2}, 2 * yuan(25000)),
        ("death_or_missing", "2023-12-12", {"persons": 2}, 2 * yuan(20000)),
        ("death_or_missing", "2024-03-01", {}, yuan(25000)),
        # collapsed or severely damaged house: 25,000 per household (before: 20,000)
        ("house_collapsed", "2023-12-13", {}, yuan(25000)),
        ("house_collapsed", "2023-12-12", {}, yuan(20000)),
        ("house_severely_damaged", "2024-05-01", {}, yuan(25000)),
        ("house_severely_damaged", "2023-06-01", {}, yuan(20000)),
        # ordinary damage: 3,000 per household (before: 2,000)
        ("house_damaged", "2023-12-13", {}, yuan(3000)),
        ("house_damaged", "2023-12-12", {}, yuan(2000)),
        # transitional living per person per day: 30 (before: 20)
        ("transitional_living", "2023-12-13", {"persons": 2, "days": 10}, 2 * yuan(30) * 10),
        ("transitional_living", "2023-12-12", {"persons": 2, "days": 10}, 2 * yuan(20) * 10),
    ],
)
def test_s28_disaster_rates_on_either_side_of_the_change(book, loss, disaster_on, extra, amount):
    """§28: the rates in force on the disaster date; the new ones from the plan's
    publication on 2023-12-13, the old ones up to 2023-12-12, for the same loss."""
    h, _ = make(book, category=None)
    result = disaster(h, book, date(2024, 6, 1), disaster_on=disaster_on, loss=loss, **extra)
    assert result.entitlements[0]["amount_fen"] == amount
    assert h.grants[-1]["amount_fen"] == amount


@pytest.mark.parametrize(
    ("disaster_on", "days", "paid_days"),
    [
        ("2024-07-10", 92, 92),  # 3 months from 2024-07-10 end on 2024-10-09: 92 days
        ("2024-07-10", 93, 92),  # one day more is cut
        ("2024-11-30", 90, 90),  # 2024-11-30 + 3 months = 2025-02-28: 90 days
        ("2024-11-30", 91, 90),
    ],
)
def test_s28_transitional_living_is_cut_at_three_calendar_months(
    book, disaster_on, days, paid_days
):
    """§28: transitional living for at most 3 months, 30.00 a person a day: 1 person x
    30 x the days within 3 calendar months of the disaster."""
    h, _ = make(book, category=None)
    result = disaster(
        h, book, date(2025, 3, 1), disaster_on=disaster_on, loss="transitional_living", days=days
    )
    assert result.entitlements[0]["amount_fen"] == yuan(30) * paid_days
