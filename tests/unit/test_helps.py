"""The other helps (POLICY.md §4, §5; worked examples 11-13, 17-19) on the aggregate."""

from datetime import date
from fractions import Fraction

import pytest

from domain.errors import ConflictError, InvalidInputError, PolicyRuleError
from domain.household import Household
from domain.money import yuan
from domain.standards import (
    CITY_CODE,
    Standards,
    StandardsBook,
    add_missing_seeds,
    default_city_standards,
    seeds,
)
from tests.helpers import id_number, means


@pytest.fixture
def book() -> StandardsBook:
    return StandardsBook(default_city_standards())


def with_change(key, value, effective_from):
    """The default city standards with one more change recorded."""
    city = default_city_standards()
    city.record_change(
        key=key, value=value, effective_from=effective_from, basis="test", actor="bureau"
    )
    return StandardsBook(city)


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
    """§7 virtual job 200.00 (PARAM) for a member of an urban household; §27 eldercare
    300.00 (PARAM) for a member of 60 or over in home/community care; §6 price subsidy
    50.00 (PARAM) while CPI >= 3.5%."""
    h, [elder, child] = make(book, "dibao", birth_on=date(1950, 5, 1))
    assert approve(h, book, "virtual_job_subsidy", date(2025, 1, 1), member_id=elder).entitlements[
        0
    ]["monthly_fen"] == yuan(200)
    care = {"care": "home_community"}
    assert approve(
        h, book, "eldercare_service_subsidy", date(2025, 1, 1), member_id=elder, details=care
    ).entitlements[0]["monthly_fen"] == yuan(300)
    with pytest.raises(PolicyRuleError):
        approve(
            h, book, "eldercare_service_subsidy", date(2025, 1, 1), member_id=child, details=care
        )
    cpi = with_change("cpi_yoy", Fraction(35, 1000), date(2025, 1, 1))  # at the trigger
    assert approve(h, cpi, "price_subsidy", date(2025, 1, 1), member_id=child).entitlements[0][
        "monthly_fen"
    ] == yuan(50)
    low = with_change("cpi_yoy", Fraction(34, 1000), date(2025, 1, 1))
    h.collect_events()
    with pytest.raises(PolicyRuleError) as caught:
        approve(h, low, "price_subsidy", date(2025, 1, 1), member_id=elder)
    assert caught.value.field == "effective_from" and "below the trigger" in caught.value.message
    assert [type(e).__name__ for e in h.collect_events()] == ["ApplicationSubmitted"]
    rural, [head, _] = make(book, "dibao", residence="rural")
    with pytest.raises(PolicyRuleError):
        approve(rural, book, "virtual_job_subsidy", date(2025, 1, 1), member_id=head)


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
def test_disaster_rates_on_either_side_of_the_change(book, loss, disaster_on, extra, amount):
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
def test_transitional_living_is_cut_at_three_calendar_months(book, disaster_on, days, paid_days):
    """§28: transitional living for at most 3 months, 30.00 a person a day: 1 person x
    30 x the days within 3 calendar months of the disaster."""
    h, _ = make(book, category=None)
    result = disaster(
        h, book, date(2025, 3, 1), disaster_on=disaster_on, loss="transitional_living", days=days
    )
    assert result.entitlements[0]["amount_fen"] == yuan(30) * paid_days


@pytest.mark.parametrize(
    ("programme", "details", "elder"),
    [
        ("rent_subsidy", {"tier_ratio": "0.35", "average_market_rent": "2400"}, False),
        ("eldercare_service_subsidy", {"care": "home_community"}, False),
    ],
)
def test_refused_subsidies_record_nothing(book, programme, details, elder):
    """§12 a tier ratio of 0.35 is below 40%; §27 a member of 17 is under 60: the
    approval is refused and records nothing (no determination, no entitlement)."""
    h, [head, child] = make(book, "dibao")
    app_id = h.submit_application(
        programme=programme,
        effective_from=date(2025, 1, 1),
        means=None,
        member_id=head if elder else child,
        details=details,
        actor="cw",
    )
    h.collect_events()
    with pytest.raises(PolicyRuleError):
        h.determine(app_id, decision="approve", reason="ok", actor="ap", book=book)
    assert h.collect_events() == []
    assert h.applications[app_id].decision is None
    assert [key for key, _ in h.entitlements_on(date(2025, 1, 1))] == ["dibao"]


def test_a_renovation_refused_once_the_cap_is_used_records_nothing(book):
    """§14: after 30,000 of grants a further request of 1.00 is refused; no event."""
    h, _ = make(book, "dibao")
    approve(h, book, "renovation_grant", date(2025, 3, 1), details={"requested": "30000"})
    app_id = h.submit_application(
        programme="renovation_grant",
        effective_from=date(2025, 6, 1),
        means=None,
        member_id=None,
        details={"requested": "1"},
        actor="cw",
    )
    h.collect_events()
    with pytest.raises(PolicyRuleError) as caught:
        h.determine(app_id, decision="approve", reason="ok", actor="ap", book=book)
    assert caught.value.field == "details.requested"
    assert h.collect_events() == []
    assert [g["amount_fen"] for g in h.grants] == [yuan(30000)]


def test_visits_the_strictest_tier_wins(book):
    """§30: a household with a severely disabled member is visited monthly; a major change
    reported on 2025-03-03 makes it weekly (the strictest wins) until it is stabilised on
    2025-04-01, then monthly again; with no category it has no tier."""
    h, _ = make(book, "dibao")
    h.add_member(
        name="重残",
        id_number=id_number(),
        relation="parent",
        birth_on=date(1950, 1, 1),
        joined_on=None,
        actor="cw",
        severe_disability=True,
    )
    assert h.visit_tier(date(2025, 3, 1))[0] == "monthly"
    h.report_major_change(reported_on=date(2025, 3, 3), description="火灾", actor="cw")
    assert h.visit_tier(date(2025, 3, 2))[0] == "monthly"
    assert h.visit_tier(date(2025, 3, 3))[0] == "weekly"
    h.stabilise(on=date(2025, 4, 1), actor="cw")
    assert h.visit_tier(date(2025, 3, 31))[0] == "weekly"
    assert h.visit_tier(date(2025, 4, 1))[0] == "monthly"
    none, _ = make(book, category=None)
    assert none.visit_tier(date(2025, 3, 1)) is None


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"tier_ratio": "1.5", "average_market_rent": "2400"}, "details.tier_ratio"),
        ({"tier_ratio": "abc", "average_market_rent": "2400"}, "details.tier_ratio"),
        ({"tier_ratio": 0.5, "average_market_rent": "2400"}, "details.tier_ratio"),
        ({"tier_ratio": "0.5", "average_market_rent": "0"}, "details.average_market_rent"),
        ({"tier_ratio": "0.5"}, "details.average_market_rent"),
    ],
)
def test_malformed_rent_details_are_refused_at_submission(book, details, field):
    """§12: the tier ratio is a share of the rent, at most 1 (1.5 once gave 3,600.00 a
    month on a rent of 2,400); the rent is more than 0; nothing is recorded."""
    h, _ = make(book, "dibao")
    h.collect_events()
    with pytest.raises(InvalidInputError) as caught:
        approve(h, book, "rent_subsidy", date(2025, 1, 1), details=details)
    assert caught.value.field == field
    assert h.collect_events() == []


def education(h, book, member_id, **details):
    return approve(h, book, "education_aid", date(2025, 9, 1), member_id=member_id, details=details)


def test_an_orphan_in_a_marginal_household_gets_the_full_education_aid(book):
    """§11 低保家庭子女(孤儿): an orphaned grandchild (relation other, senior high recorded)
    in a marginal household gets the full 2,000.00, not half."""
    h, _ = make(book, "marginal", members=3, income=54000)
    orphan = h.add_member(
        name="孤儿",
        id_number=id_number(),
        relation="other",
        birth_on=date(2009, 3, 1),
        joined_on=date(2025, 1, 1),
        actor="cw",
        school_stage="senior",
    )
    result = education(h, book, orphan, school_year="2025-2026", orphan=True)
    assert result.entitlements[0]["amount_fen"] == yuan(2000)


def test_a_marginal_preschool_child_gets_half_the_education_aid(book):
    """§11: a marginal-household child in preschool: 50% of 1,000.00 = 500.00."""
    h, [_, kid, _] = make(book, "marginal", members=3, income=54000)
    result = education(h, book, kid, school_year="2025-2026", stage="preschool")
    assert result.entitlements[0]["amount_fen"] == yuan(500)


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({}, "details.school_year"),
        ({"school_year": "whenever"}, "details.school_year"),
        ({"school_year": "2025-2027"}, "details.school_year"),
        ({"school_year": 2025}, "details.school_year"),
        ({"school_year": "2025-2026", "stage": "kindergarten"}, "details.stage"),
    ],
)
def test_education_aid_needs_a_school_year(book, details, field):
    """§11 is per school year: "YYYY-YYYY" of two consecutive years; refused at
    submission naming the field, nothing recorded."""
    h, [_, child] = make(book, "dibao")
    h.collect_events()
    with pytest.raises(InvalidInputError) as caught:
        education(h, book, child, **details)
    assert caught.value.field == field
    assert h.collect_events() == []


def test_education_aid_is_per_child(book):
    """§11 子女: the dibao household's head with a stage in the details is refused; a
    child with no school stage recorded gets it by the stage in the details (5,000)."""
    h, [head, child] = make(book, "dibao")
    with pytest.raises(PolicyRuleError) as caught:
        education(h, book, head, school_year="2025-2026", stage="university")
    assert caught.value.field == "member_id"
    result = education(h, book, child, school_year="2025-2026", stage="university")
    assert result.entitlements[0]["amount_fen"] == yuan(5000)


def test_the_virtual_job_subsidy_is_per_member(book):
    """§7 对城镇在册困难家庭成员，每月发放: each member of an urban registered household gets
    200.00 (PARAM): two members 2 x 200.00 = 400.00 a month; the household alone cannot
    apply (member_id is required)."""
    h, [head, child] = make(book, "dibao")
    for member in (head, child):
        approve(h, book, "virtual_job_subsidy", date(2025, 1, 1), member_id=member)
    paid = [p.monthly_fen for k, p in h.entitlements_on(date(2025, 1, 1)) if "virtual_job" in k]
    assert paid == [yuan(200), yuan(200)] and sum(paid) == yuan(400)
    with pytest.raises(InvalidInputError) as caught:
        approve(h, book, "virtual_job_subsidy", date(2025, 2, 1))
    assert caught.value.field == "member_id"


@pytest.mark.parametrize("care", [None, "at_home", 1])
def test_eldercare_needs_the_care_received(book, care):
    """§27 接受居家社区养老服务或入住养老机构: details.care is home_community or institution;
    anything else is refused at submission naming details.care, nothing recorded."""
    h, [elder, _] = make(book, "dibao", birth_on=date(1950, 5, 1))
    h.collect_events()
    with pytest.raises(InvalidInputError) as caught:
        approve(
            h,
            book,
            "eldercare_service_subsidy",
            date(2025, 1, 1),
            member_id=elder,
            details={"care": care},
        )
    assert caught.value.field == "details.care"
    assert h.collect_events() == []


def test_the_eldercare_age_is_a_standard(book):
    """§27 困难老年人: elderly from `eldercare_min_age` (PARAM 60): a member born
    1965-01-02 is 59 on 2025-01-01 and refused; 60 on 2025-01-02 gets 300.00 in an
    institution; with the age set to 65 from 2025-01-01 they are refused again."""
    h, [elder, _] = make(book, "dibao", birth_on=date(1965, 1, 2))
    care = {"care": "institution"}
    with pytest.raises(PolicyRuleError) as caught:
        approve(
            h, book, "eldercare_service_subsidy", date(2025, 1, 1), member_id=elder, details=care
        )
    assert "60 or over" in caught.value.message and "is 59" in caught.value.message
    ok = approve(
        h, book, "eldercare_service_subsidy", date(2025, 1, 2), member_id=elder, details=care
    )
    assert ok.entitlements[0]["monthly_fen"] == yuan(300)
    raised = with_change("eldercare_min_age", Fraction(65), date(2025, 1, 1))
    other, [older, _] = make(raised, "dibao", birth_on=date(1965, 1, 2))
    with pytest.raises(PolicyRuleError):
        approve(
            other,
            raised,
            "eldercare_service_subsidy",
            date(2025, 1, 2),
            member_id=older,
            details=care,
        )


def cpi_book(*months):
    """The default standards with a CPI rise recorded for each (first day, rise)."""
    city = default_city_standards()
    for on, rise in months:
        city.record_change(
            key="cpi_yoy", value=Fraction(rise), effective_from=on, basis="统计局", actor="bureau"
        )
    return StandardsBook(city)


def test_the_price_subsidy_follows_the_cpi_timeline(book):
    """§6 价格补贴 while CPI >= the trigger (PARAM 3.5%): CPI 4% in January and February
    2025 pays 50.00; 3% recorded for March pauses it (nothing from 2025-03-01, the
    explanation says why); 3.6% for April resumes it; a trigger lowered to 2.5% from
    2025-03-01 recomputes March to 50.00."""
    before = cpi_book((date(2025, 1, 1), "0.04"))
    h, [_, child] = make(before, "dibao")
    approve(h, before, "price_subsidy", date(2025, 1, 1), member_id=child)
    book = cpi_book(
        (date(2025, 1, 1), "0.04"), (date(2025, 3, 1), "0.03"), (date(2025, 4, 1), "0.036")
    )
    assert h.adjust_entitlements(book, actor="bureau", reason="CPI") == 2
    paid = {m: monthly(h, "price_subsidy", date(2025, m, 15), child) for m in (1, 2, 3, 4)}
    assert [p.monthly_fen if p else None for p in paid.values()] == [5_000, 5_000, None, 5_000]
    paused = h.timelines[f"price_subsidy/{child}"]["2025-03-01"]
    assert paused.ended and "below the trigger" in paused.reason
    book.city.record_change(
        key="price_subsidy_cpi_trigger",
        value=Fraction(25, 1000),
        effective_from=date(2025, 3, 1),
        basis="test",
        actor="bureau",
    )
    assert h.adjust_entitlements(book, actor="bureau", reason="trigger") == 1
    assert monthly(h, "price_subsidy", date(2025, 3, 15), child).monthly_fen == 5_000


def test_an_older_ledger_gets_the_defaults_of_keys_added_since():
    """A city stream opened before `cpi_yoy` and `eldercare_min_age` existed gets their
    defaults (CPI rise 0, age 60) recorded when the ledger opens, once; a key with a value
    of its own (the dibao standard) is left alone."""
    city = Standards.open(CITY_CODE, "system:seed", date(2023, 1, 1))
    for seed in seeds():
        if seed.key not in ("cpi_yoy", "eldercare_min_age"):
            city.record_change(
                key=seed.key,
                value=seed.value,
                effective_from=seed.effective_from,
                basis="old",
                actor="system:seed",
            )
    versions = len(city.changes)
    assert add_missing_seeds(city) == 2 and add_missing_seeds(city) == 0
    book = StandardsBook(city)
    assert book.ratio("cpi_yoy", date(2025, 1, 1))[0] == 0
    assert book.ratio("eldercare_min_age", date(2025, 1, 1))[0] == 60
    assert len(city.changes) == versions + 2
    assert [c.key for c in city.changes[versions:]] == ["eldercare_min_age", "cpi_yoy"]
