"""Medical self-pay (POLICY.md §6, plan items 15-17) on the Household aggregate, in memory.

Figures: person cap 30,000 and household cap 50,000 a year (SEED §17).
"""

from datetime import date

import pytest

from domain.errors import ConflictError, InvalidInputError, NotFoundError
from domain.household import Household
from domain.money import yuan
from domain.policy.s17_medical_caps import BillFigures, excess_over_caps
from domain.standards import StandardsBook, default_city_standards
from tests.helpers import id_number, means


@pytest.fixture
def book() -> StandardsBook:
    return StandardsBook(default_city_standards())


def make(members: int) -> tuple[Household, list[str]]:
    h = Household.register(
        region_code="330402",
        residence="urban",
        address="x",
        registered_on=date(2025, 1, 1),
        actor="cw",
    )
    ids = [
        h.add_member(
            name=f"m{i}",
            id_number=id_number(),
            relation="head",
            birth_on=date(1970, 1, 1),
            joined_on=None,
            actor="cw",
        )
        for i in range(members)
    ]
    return h, ids


def bill(h, book, member, self_paid, on=date(2025, 3, 1), items=(), total=None, **kw):
    total = total if total is not None else self_paid
    return h.record_medical_bill(
        member_id=member,
        service_on=on,
        settlement_number=kw.get("settlement"),
        figures=BillFigures(
            yuan(total),
            yuan(total) - yuan(self_paid),
            yuan(self_paid),
            {},
            tuple((k, yuan(a)) for k, a in items),
        ),
        actor="cw",
        book=book,
    )


def test_example_8_person_cap(book):
    """§17, example 8: one person, self-pay 18,000 then 15,000: the second keeps
    30,000 - 18,000 = 12,000 and 3,000 is relief from the fund."""
    h, [p] = make(1)
    first = bill(h, book, p, 18000)
    second = bill(h, book, p, 15000, on=date(2025, 5, 1))
    assert (first.kept_fen, first.relief_fen) == (yuan(18000), 0)
    assert (second.kept_fen, second.relief_fen) == (yuan(12000), yuan(3000))
    assert h.person_paid(p, 2025) == yuan(30000)  # exactly 30,000 is within the cap (§11)
    relief = [e for e in h.collect_events() if isinstance(e, Household.MedicalReliefGranted)]
    assert [(e.bill_id, e.amount_fen, e.fund) for e in relief] == [
        (second.bill_id, yuan(3000), "medical_safety_fund")
    ]


def test_example_9_household_cap_through_three_members(book):
    """§17, example 9: three members with self-pay 20,000, 20,000, 15,000: the third
    keeps 50,000 - 40,000 = 10,000, relief 5,000 (household at 50,000)."""
    h, ids = make(3)
    bill(h, book, ids[0], 20000)
    bill(h, book, ids[1], 20000)
    third = bill(h, book, ids[2], 15000)
    assert (third.kept_fen, third.relief_fen) == (yuan(10000), yuan(5000))
    assert h.household_paid(2025) == yuan(50000)


def test_household_cap_reached_through_two_members(book):
    """§17: member A 28,000 (within both caps), member B 25,000: the household has
    50,000 - 28,000 = 22,000 of room, less than B's own 30,000: B keeps 22,000, 3,000
    relief."""
    h, (a, b) = make(2)
    bill(h, book, a, 28000)
    second = bill(h, book, b, 25000)
    assert (second.kept_fen, second.relief_fen) == (yuan(22000), yuan(3000))


def test_bill_straddling_both_caps(book):
    """§17: A has kept 25,000 (person room 5,000), B 22,000 (household room 50,000 - 47,000
    = 3,000). A's bill of 8,000 keeps min(8,000, 5,000, 3,000) = 3,000; relief 5,000."""
    h, (a, b) = make(2)
    bill(h, book, a, 25000)
    bill(h, book, b, 22000)
    straddling = bill(h, book, a, 8000)
    assert (straddling.kept_fen, straddling.relief_fen) == (yuan(3000), yuan(5000))


def test_cancelled_early_bill_recovers_later_relief_and_raises_none(book):
    """§6: bills 20,000 then 15,000 for one person: the second keeps 10,000, relief 5,000.
    Cancelling the first frees the room: the second now keeps all 15,000 and its 5,000
    relief is recovered by the fund; no relief is raised; the person's total is 15,000."""
    h, [p] = make(1)
    first = bill(h, book, p, 20000)
    second = bill(h, book, p, 15000)
    h.collect_events()
    h.cancel_medical_bill(first.bill_id, reason="重复结算", actor="cw", book=book)
    adjustments = [e for e in h.collect_events() if isinstance(e, Household.MedicalReliefAdjusted)]
    assert [(e.bill_id, e.kept_fen, e.relief_fen, e.delta_fen, e.kind) for e in adjustments] == [
        (first.bill_id, 0, 0, 0, "kept_only"),
        (second.bill_id, yuan(15000), 0, -yuan(5000), "recovery"),
    ]
    assert not [e for e in adjustments if e.delta_fen > 0]
    assert h.person_paid(p, 2025) == yuan(15000)


def test_correcting_an_early_bill_upwards_gives_extra_relief(book):
    """§6: bills 10,000 then 15,000 (both kept: 25,000). The first is corrected to 20,000:
    it keeps 20,000, and the second now keeps 10,000 with 5,000 extra relief."""
    h, [p] = make(1)
    first = bill(h, book, p, 10000)
    second = bill(h, book, p, 15000)
    h.correct_medical_bill(
        first.bill_id,
        member_id=p,
        service_on=date(2025, 3, 1),
        figures=BillFigures(yuan(20000), 0, yuan(20000), {}, ()),
        settlement_number=None,
        reason="补录费用",
        actor="cw",
        book=book,
    )
    assert (h.bills[first.bill_id].kept_fen, h.bills[first.bill_id].relief_fen) == (yuan(20000), 0)
    assert (second.kept_fen, second.relief_fen) == (yuan(10000), yuan(5000))


def test_example_10_waivers_on_an_itemised_bill_of_a_dibao_member(book):
    """§16, example 10: consultation 50 (waived 50), bed 600 (300), nursing 200 (100),
    surgery 3,000 (1,500), drugs 2,000 (none): 1,950.00 waived. With a self-pay of 3,000
    before the waiver, 3,000 - 1,950 = 1,050 counts towards the caps."""
    h, [p] = make(1)
    app_id = h.submit_application(
        programme="dibao",
        effective_from=date(2025, 1, 1),
        means=means(0),
        member_id=None,
        details={},
        actor="cw",
    )
    h.determine(app_id, decision="approve", reason="ok", actor="ap", book=book)
    items = (
        ("consultation", 50),
        ("bed", 600),
        ("nursing", 200),
        ("surgery", 3000),
        ("drugs", 2000),
    )
    b = bill(h, book, p, 3000, total=5850, items=items)
    assert b.waived_fen == yuan(50) + yuan(300) + yuan(100) + yuan(1500) == 195_000
    assert b.counted_fen == b.kept_fen == yuan(1050)


def determined(h, book, programme, member_id=None, income=None):
    """An approved determination from 2025-01-01 (the means of a one-person household)."""
    app_id = h.submit_application(
        programme=programme,
        effective_from=date(2025, 1, 1),
        means=None if income is None else means(income),
        member_id=member_id,
        details={},
        actor="cw",
    )
    h.determine(app_id, decision="approve", reason="ok", actor="ap", book=book)


def in_category(book, case):
    """A one-person household whose member is in the §16 situation `case`."""
    h = Household.register(
        region_code="330402",
        residence="urban",
        address="x",
        registered_on=date(2025, 1, 1),
        actor="cw",
    )
    p = h.add_member(
        name="m",
        id_number=id_number(),
        relation="head",
        birth_on=date(1970, 1, 1),
        joined_on=None,
        actor="cw",
        severe_disability=case in ("disabled_tekun", "dibao_single"),
    )
    if case in ("tekun", "disabled_tekun"):
        determined(h, book, "tekun", member_id=p)
    elif case == "dibao_single":  # one-person dibao needs a marginal household (§5)
        determined(h, book, "marginal", income=18000)
        determined(h, book, "dibao_single", member_id=p)
    elif case == "marginal":
        determined(h, book, "marginal", income=18000)
    elif case == "low_income":
        determined(h, book, "low_income", income=26000)
    return h, p


# observation 30 and inpatient consultation 40 in full, bed 0.01 halved (0.005), drugs
# 100 not waived: 70.005 waived exactly, rounded once half-up to 70.01.
ITEMS = (("observation", "30"), ("inpatient_consultation", "40"), ("bed", "0.01"), ("drugs", "100"))


@pytest.mark.parametrize(
    ("case", "waived", "counted"),
    [
        ("tekun", "70.01", "100.00"),
        ("disabled_tekun", "70.01", "100.00"),
        ("dibao_single", "70.01", "100.00"),
        ("marginal", "70.01", "100.00"),
        ("low_income", "0.00", "170.01"),
    ],
)
def test_waivers_by_category_with_half_fen_rounding(book, case, waived, counted):
    """§16: consultation fees (here 门急诊留观诊查费 observation 30 and 住院诊查费
    inpatient consultation 40) waived in full and bed fees halved for tekun persons
    (disabled tekun persons among them), one-person dibao and marginal households'
    members; a bill of 170.01 all self-paid: waived 30 + 40 + 0.01 x 50% = 70.005 ->
    70.01 (half-up, once on the bill), counted 170.01 - 70.01 = 100.00. A low-income
    household is not named in §16: no waiver, all 170.01 counts."""
    h, p = in_category(book, case)
    b = bill(h, book, p, "170.01", items=ITEMS)
    assert (b.waived_fen, b.counted_fen, b.kept_fen) == (yuan(waived), yuan(counted), yuan(counted))


def test_a_waiver_larger_than_the_self_pay_leaves_nothing_to_count(book):
    """§16: a tekun person's consultation of 500 (waived in full, 500.00) on a bill whose
    self-pay is only 50 (insurance paid 450): the waiver comes off the self-pay and stops
    at it: counted 50 - min(500, 50) = 0, nothing kept, nothing relieved."""
    h, p = in_category(book, "tekun")
    b = bill(h, book, p, 50, total=500, items=(("consultation", 500),))
    assert b.waived_fen == yuan(500)
    assert (b.counted_fen, b.kept_fen, b.relief_fen) == (0, 0, 0)


def test_no_waiver_for_a_member_in_no_category(book):
    """§16 is for tekun, dibao and marginal members only: a member of a household in no
    category pays consultation 50 and bed 600 in full: nothing waived, 3,000 counts."""
    h, [p] = make(1)
    b = bill(h, book, p, 3000, total=5850, items=(("consultation", 50), ("bed", 600)))
    assert b.waived_fen == 0 and b.counted_fen == yuan(3000)


def test_a_raised_cap_applies_from_its_effective_date(book):
    """§17: the caps are standards; with the person cap raised to 40,000 from 2025-07-01,
    a June bill is capped at 30,000 and a July bill at 40,000."""
    city = default_city_standards()
    city.record_change(
        key="medical_cap_individual_annual",
        value=yuan(40000),
        effective_from=date(2025, 7, 1),
        basis="doc",
        actor="admin",
    )
    raised = StandardsBook(city)
    h, [p] = make(1)
    june = bill(h, raised, p, 35000, on=date(2025, 6, 1))
    july = bill(h, raised, p, 8000, on=date(2025, 7, 2))
    assert (june.kept_fen, june.relief_fen) == (yuan(30000), yuan(5000))
    assert (july.kept_fen, july.relief_fen) == (yuan(8000), 0)  # 40,000 - 30,000 = 10,000 room


@pytest.mark.parametrize(
    ("figures", "field"),
    [
        (BillFigures(yuan(100), yuan(50), yuan(150), {}, ()), "self_paid"),
        (BillFigures(yuan(100), yuan(60), yuan(50), {}, ()), "total"),
        (BillFigures(yuan(100), -1, yuan(100) + 1, {}, ()), "insurance_paid"),
        (BillFigures(yuan(100), yuan(50), yuan(50), {"basic_insurance": yuan(40)}, ()), "payers"),
        (BillFigures(yuan(100), 0, yuan(100), {}, (("drugs", yuan(101)),)), "items"),
    ],
)
def test_bad_bills_are_refused_naming_the_field_and_record_nothing(book, figures, field):
    h, [p] = make(1)
    h.collect_events()
    with pytest.raises(InvalidInputError) as caught:
        h.record_medical_bill(
            member_id=p,
            service_on=date(2025, 3, 1),
            figures=figures,
            settlement_number=None,
            actor="cw",
            book=book,
        )
    assert caught.value.field == field
    assert h.collect_events() == []


@pytest.mark.parametrize(
    ("member", "service_on", "error", "field"),
    [
        ("nobody", date(2025, 3, 1), NotFoundError, "member_id"),
        (None, date(2024, 12, 31), InvalidInputError, "service_on"),  # before joining
        (None, date(2025, 6, 1), InvalidInputError, "service_on"),  # the day they left
        (None, date(2025, 7, 1), InvalidInputError, "service_on"),  # after they left
    ],
)
def test_unknown_member_and_dates_outside_membership_are_refused(
    book, member, service_on, error, field
):
    """A bill for an unknown member, or served outside the member's time in the
    household (joined 2025-01-01, left 2025-06-01), is refused naming the field, and
    nothing is recorded."""
    h, [p] = make(1)
    h.change_member(p, effective_on=date(2025, 6, 1), changes={"left_household": True}, actor="cw")
    h.collect_events()
    with pytest.raises(error) as caught:
        h.record_medical_bill(
            member_id=member or p,
            service_on=service_on,
            figures=BillFigures(yuan(100), 0, yuan(100), {}, ()),
            settlement_number=None,
            actor="cw",
            book=book,
        )
    assert caught.value.field == field
    assert h.collect_events() == []
    assert h.bills == {}


def test_a_settlement_number_is_recorded_once(book):
    h, [p] = make(1)
    bill(h, book, p, 100, settlement="JX2025-0001")
    with pytest.raises(ConflictError):
        bill(h, book, p, 100, settlement="JX2025-0001")


def test_the_excess_over_the_caps_from_the_counted_self_pay_alone():
    """§17 over a cap year, for the over-cap clearing rate (§15/§17 supervision):
    - worked example 8: 18,000 + 15,000 for one person: 33,000 - min(50,000, 30,000)
      = 3,000;
    - worked example 9: 20,000 + 20,000 + 15,000 for three members: 55,000 -
      min(50,000, 20,000 + 20,000 + 15,000) = 5,000;
    - a person who carried 20,000 in and paid 15,000 here, with another member's 25,000
      and 20,000: 60,000 - min(50,000, 10,000 + 25,000 + 20,000) = 10,000."""
    caps = {"person_cap_fen": yuan(30000), "household_cap_fen": yuan(50000)}
    assert excess_over_caps({"p": yuan(33000)}, {}, **caps) == yuan(3000)
    assert excess_over_caps({"a": yuan(20000), "b": yuan(20000), "c": yuan(15000)}, {}, **caps) == (
        yuan(5000)
    )
    three = {"a": yuan(15000), "b": yuan(25000), "c": yuan(20000)}
    assert excess_over_caps(three, {"a": yuan(20000)}, **caps) == yuan(10000)
