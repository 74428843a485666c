"""The other helps (POLICY.md §4, §5; worked examples 11-13, 17-19) on the aggregate."""

from datetime import date

import pytest

from domain.errors import ConflictError, InvalidInputError, PolicyRuleError
from domain.household import Household
from domain.money import yuan
from domain.standards import StandardsBook, default_city_standards
from tests.helpers import id_number, means


@pytest.fixture
def book() -> StandardsBook:
    return StandardsBook(default_city_standards())


def make(book, category="dibao", members=2, residence="urban", income=0, **member):
    h = Household.register(
        region_code="330402",
        residence=residence,
        address="x",
        registered_on=date(2024, 1, 1),
        actor="cw",
    )
    ids = [
        h.add_member(
            name=f"m{i}",
            id_number=id_number(),
            relation="head" if i == 0 else "child",
            birth_on=member.get("birth_on", date(1980, 1, 1)) if i == 0 else date(2008, 1, 1),
            joined_on=None,
            actor="cw",
            employment=member.get("employment") if i == 0 else None,
        )
        for i in range(members)
    ]
    if category:
        approve(h, book, category, date(2024, 1, 1), means=means(income))
    return h, ids


def approve(h, book, programme, on, means=None, member_id=None, details=None):
    app_id = h.submit_application(
        programme=programme,
        effective_from=on,
        means=means,
        member_id=member_id,
        details=details or {},
        actor="cw",
    )
    return h.determine(app_id, decision="approve", reason="ok", actor="ap", book=book)


def monthly(h, programme, on, member=None):
    key = programme + (f"/{member}" if member else "")
    return dict(h.entitlements_on(on)).get(key)


def test_example_18_charity_living_subsidy(book):
    """§8: dibao member 100.00 (PARAM); marginal member 50% = 50.00."""
    dibao, [a, _] = make(book, "dibao")
    marginal, [b, _, _] = make(book, "marginal", members=3, income=54000)
    assert approve(
        dibao, book, "charity_living_subsidy", date(2025, 1, 1), member_id=a
    ).entitlements[0]["monthly_fen"] == yuan(100)
    assert approve(
        marginal, book, "charity_living_subsidy", date(2025, 1, 1), member_id=b
    ).entitlements[0]["monthly_fen"] == yuan(50)


def test_example_17_temporary_subsidy_stops_after_six_months(book):
    """§21: registered unemployed from 2025-01-01: 1,250.00 a month January to June,
    nothing from July."""
    h, [a, _] = make(book, "dibao", employment="unemployed_registered")
    approve(h, book, "unemployed_temporary_subsidy", date(2025, 1, 1), member_id=a)
    assert monthly(h, "unemployed_temporary_subsidy", date(2025, 6, 30), a).monthly_fen == 125_000
    assert monthly(h, "unemployed_temporary_subsidy", date(2025, 7, 1), a) is None


def test_temporary_subsidy_needs_a_registered_unemployed_member(book):
    h, [a, _] = make(book, "dibao", employment="employed")
    with pytest.raises(PolicyRuleError):
        approve(h, book, "unemployed_temporary_subsidy", date(2025, 1, 1), member_id=a)


def test_example_19_rent_subsidy_and_its_floor(book):
    """§12: tier ratio 0.5 of an average market rent of 2,400 -> 1,200.00 a month; a tier
    ratio of 0.35 is refused (below 40%)."""
    h, _ = make(book, "dibao")
    result = approve(
        h,
        book,
        "rent_subsidy",
        date(2025, 1, 1),
        details={"tier_ratio": "0.5", "average_market_rent": "2400"},
    )
    assert result.entitlements[0]["monthly_fen"] == yuan(1200)
    other, _ = make(book, "dibao")
    with pytest.raises(PolicyRuleError) as caught:
        approve(
            other,
            book,
            "rent_subsidy",
            date(2025, 1, 1),
            details={"tier_ratio": "0.35", "average_market_rent": "2400"},
        )
    assert caught.value.field == "details.tier_ratio"


def test_virtual_job_eldercare_and_price_subsidies(book):
    """§7 virtual job 200.00 (PARAM) for an urban household; §27 eldercare 300.00 (PARAM)
    for a member of 60 or over; §6 price subsidy 50.00 (PARAM) while CPI >= 3.5%."""
    h, [elder, child] = make(book, "dibao", birth_on=date(1950, 5, 1))
    assert approve(h, book, "virtual_job_subsidy", date(2025, 1, 1)).entitlements[0][
        "monthly_fen"
    ] == yuan(200)
    assert approve(
        h, book, "eldercare_service_subsidy", date(2025, 1, 1), member_id=elder
    ).entitlements[0]["monthly_fen"] == yuan(300)
    with pytest.raises(PolicyRuleError):
        approve(h, book, "eldercare_service_subsidy", date(2025, 1, 1), member_id=child)
    assert approve(
        h, book, "price_subsidy", date(2025, 1, 1), member_id=child, details={"cpi_yoy": "0.035"}
    ).entitlements[0]["monthly_fen"] == yuan(50)
    with pytest.raises(PolicyRuleError):
        approve(
            h,
            book,
            "price_subsidy",
            date(2025, 1, 1),
            member_id=elder,
            details={"cpi_yoy": "0.034"},
        )
    rural, _ = make(book, "dibao", residence="rural")
    with pytest.raises(PolicyRuleError):
        approve(rural, book, "virtual_job_subsidy", date(2025, 1, 1))


def test_example_12_education_aid(book):
    """§11: a dibao child at university 5,000 (PARAM); a marginal-household child in
    senior high half of 2,000 = 1,000; one grant per child and school year."""
    dibao, [_, child] = make(book, "dibao")
    result = approve(
        dibao,
        book,
        "education_aid",
        date(2025, 9, 1),
        member_id=child,
        details={"school_year": "2025-2026", "stage": "university"},
    )
    assert result.entitlements[0]["amount_fen"] == yuan(5000)
    with pytest.raises(ConflictError):
        approve(
            dibao,
            book,
            "education_aid",
            date(2025, 9, 2),
            member_id=child,
            details={"school_year": "2025-2026", "stage": "university"},
        )
    marginal, [_, kid, _] = make(book, "marginal", members=3, income=54000)
    assert approve(
        marginal,
        book,
        "education_aid",
        date(2025, 9, 1),
        member_id=kid,
        details={"school_year": "2025-2026", "stage": "senior"},
    ).entitlements[0]["amount_fen"] == yuan(1000)


def test_example_13_renovation_cap_across_grants(book):
    """§14: 25,000 then 10,000 requested: the second is cut to 5,000; a third is refused."""
    h, _ = make(book, "dibao")
    first = approve(h, book, "renovation_grant", date(2025, 3, 1), details={"requested": "25000"})
    second = approve(h, book, "renovation_grant", date(2025, 6, 1), details={"requested": "10000"})
    assert [first.entitlements[0]["amount_fen"], second.entitlements[0]["amount_fen"]] == [
        yuan(25000),
        yuan(5000),
    ]
    with pytest.raises(PolicyRuleError):
        approve(h, book, "renovation_grant", date(2025, 9, 1), details={"requested": "1"})


def test_example_11_disaster_relief_before_and_after_the_rate_change(book):
    """§28: house collapsed on 2024-07-10: 25,000; ordinary damage on 2023-08-01 (before
    the new rates of 2023-12-13): 2,000; transitional living for 3 persons, 100 days from
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
def test_malformed_disaster_details_are_refused_at_submission_and_record_nothing(
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


def test_renovation_request_of_zero_is_refused(book):
    """§14: a renovation grant asks for more than 0.00; nothing is recorded."""
    h, _ = make(book, "dibao")
    h.collect_events()
    with pytest.raises(InvalidInputError) as caught:
        approve(h, book, "renovation_grant", date(2025, 3, 1), details={"requested": "0"})
    assert caught.value.field == "details.requested"
    assert h.collect_events() == [] and h.grants == []


def test_a_house_loss_is_granted_once_per_household_and_disaster(book):
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


def test_a_per_person_loss_is_granted_once_per_household_disaster_and_loss(book):
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


@pytest.mark.parametrize("again_on", [date(2025, 7, 1), date(2025, 3, 1), date(2024, 11, 1)])
def test_the_temporary_subsidy_is_six_months_per_member_over_all_approvals(book, again_on):
    """§21 at most 6 months: approved from 2025-01-01 it pays 1,250.00 (15,000 / 12) a
    month to 2025-06-30; a re-application after it, overlapping it or before it is refused
    (the 6 months are used), records nothing, and nothing is paid from 2025-07-01 or
    before 2025-01-01."""
    h, [a, _] = make(book, "dibao", employment="unemployed_registered")
    approve(h, book, "unemployed_temporary_subsidy", date(2025, 1, 1), member_id=a)
    app_id = h.submit_application(
        programme="unemployed_temporary_subsidy",
        effective_from=again_on,
        means=None,
        member_id=a,
        details={},
        actor="cw",
    )
    h.collect_events()
    with pytest.raises(PolicyRuleError) as caught:
        h.determine(app_id, decision="approve", reason="ok", actor="ap", book=book)
    assert caught.value.field == "member_id" and "6 months" in caught.value.message
    assert h.collect_events() == []
    assert monthly(h, "unemployed_temporary_subsidy", date(2025, 6, 30), a).monthly_fen == 125_000
    for day in (date(2024, 12, 31), date(2025, 7, 1), date(2025, 10, 1)):
        assert monthly(h, "unemployed_temporary_subsidy", day, a) is None
