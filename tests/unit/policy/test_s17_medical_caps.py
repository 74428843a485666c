"""Plan §17 medical self-pay caps (domain/policy/s17_medical_caps.py) on the Household
aggregate, in memory; worked examples 8 and 9.

Figures: person cap 30,000 and household cap 50,000 a year (SEED §17).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from domain.errors import InvalidInputError
from domain.household import Household
from domain.money import yuan
from domain.policy.s17_medical_caps import BillFigures, excess_over_caps
from domain.standards import StandardsBook, default_city_standards
from tests.unit.policy.bills import bill, make
from tests.unit.policy.builders import _change


def test_s17_person_cap(book):
    """Worked example 8 (§17): one person, self-pay 18,000 then 15,000: the second keeps
    30,000 - 18,000 = 12,000 and 3,000 is relief from the fund."""
    h, [p] = make(1)
    first = bill(h, book, p, 18000)
    second = bill(h, book, p, 15000, on=date(2025, 5, 1))
    assert (first.kept_fen, first.relief_fen) == (yuan(18000), 0)
    assert (second.kept_fen, second.relief_fen) == (yuan(12000), yuan(3000))
    assert h.person_paid(p, 2025) == yuan(30000)  # exactly 30,000 is within the cap (POLICY ch. 11)
    relief = [e for e in h.collect_events() if isinstance(e, Household.MedicalReliefGranted)]
    assert [(e.bill_id, e.amount_fen, e.fund) for e in relief] == [
        (second.bill_id, yuan(3000), "medical_safety_fund")
    ]


def test_s17_household_cap_through_three_members(book):
    """Worked example 9 (§17): three members with self-pay 20,000, 20,000, 15,000: the third
    keeps 50,000 - 40,000 = 10,000, relief 5,000 (household at 50,000)."""
    h, ids = make(3)
    bill(h, book, ids[0], 20000)
    bill(h, book, ids[1], 20000)
    third = bill(h, book, ids[2], 15000)
    assert (third.kept_fen, third.relief_fen) == (yuan(10000), yuan(5000))
    assert h.household_paid(2025) == yuan(50000)


def test_s17_household_cap_reached_through_two_members(book):
    """§17: member A 28,000 (within both caps), member B 25,000: the household has
    50,000 - 28,000 = 22,000 of room, less than B's own 30,000: B keeps 22,000, 3,000
    relief."""
    h, (a, b) = make(2)
    bill(h, book, a, 28000)
    second = bill(h, book, b, 25000)
    assert (second.kept_fen, second.relief_fen) == (yuan(22000), yuan(3000))


def test_s17_bill_straddling_both_caps(book):
    """§17: A has kept 25,000 (person room 5,000), B 22,000 (household room 50,000 - 47,000
    = 3,000). A's bill of 8,000 keeps min(8,000, 5,000, 3,000) = 3,000; relief 5,000."""
    h, (a, b) = make(2)
    bill(h, book, a, 25000)
    bill(h, book, b, 22000)
    straddling = bill(h, book, a, 8000)
    assert (straddling.kept_fen, straddling.relief_fen) == (yuan(3000), yuan(5000))


def test_s17_cancelled_early_bill_recovers_later_relief_and_raises_none(book):
    """§17 (POLICY ch. 6): bills 20,000 then 15,000 for one person: the second keeps 10,000, relief
    5,000. Cancelling the first frees the room: the second now keeps all 15,000 and its 5,000 relief
    is recovered by the fund; no relief is raised; the person's total is 15,000."""
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


def test_s17_correcting_an_early_bill_upwards_gives_extra_relief(book):
    """§17 (POLICY ch. 6): bills 10,000 then 15,000 (both kept: 25,000). The first is corrected to
    20,000: it keeps 20,000, and the second now keeps 10,000 with 5,000 extra relief."""
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


def test_s17_a_raised_cap_applies_from_its_effective_date(book):
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


def test_s17_the_excess_over_the_caps_from_the_counted_self_pay_alone():
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


@pytest.mark.parametrize("month", [Fraction(0), Fraction(13), Fraction(3, 2), Fraction(-1)])
def test_s17_the_cap_year_start_month_must_be_a_month_number(book, month):
    """§17 cap year (PARAM, default the calendar year): its first month is a whole number
    from 1 to 12; 0, 13, 1.5 and -1 are refused naming `value`; 1 and 12 are accepted."""
    with pytest.raises(InvalidInputError) as caught:
        _change(book, "medical_cap_year_start_month", month)
    assert caught.value.field == "value" and "1 to 12" in caught.value.message
    _change(book, "medical_cap_year_start_month", Fraction(1))
    _change(book, "medical_cap_year_start_month", Fraction(12))
