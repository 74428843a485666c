"""Plan §16 hospital fee waivers (domain/policy/s16_hospital_waiver.py): consultation
fees waived and bed fees halved for tekun, one-person dibao and marginal members;
worked example 10."""

from __future__ import annotations

from datetime import date

import pytest

from domain.household import Household
from domain.money import yuan
from tests.helpers import id_number, means
from tests.path import consents, decide
from tests.unit.policy.bills import bill, make


def test_s16_waivers_on_an_itemised_bill_of_a_dibao_member(book):
    """Worked example 10 (§16): consultation 50 (waived 50), bed 600 (300), nursing 200 (100),
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
        consents=consents(h, date(2025, 1, 1)),
    )
    decide(h, app_id, book)
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
        consents=consents(h, date(2025, 1, 1)),
    )
    decide(h, app_id, book)


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
def test_s16_waivers_by_category_with_half_fen_rounding(book, case, waived, counted):
    """§16: consultation fees (here 门急诊留观诊查费 observation 30 and 住院诊查费
    inpatient consultation 40) waived in full and bed fees halved for tekun persons
    (disabled tekun persons among them), one-person dibao and marginal households'
    members; a bill of 170.01 all self-paid: waived 30 + 40 + 0.01 x 50% = 70.005 ->
    70.01 (half-up, once on the bill), counted 170.01 - 70.01 = 100.00. A low-income
    household is not named in §16: no waiver, all 170.01 counts."""
    h, p = in_category(book, case)
    b = bill(h, book, p, "170.01", items=ITEMS)
    assert (b.waived_fen, b.counted_fen, b.kept_fen) == (yuan(waived), yuan(counted), yuan(counted))


def test_s16_a_waiver_larger_than_the_self_pay_leaves_nothing_to_count(book):
    """§16: a tekun person's consultation of 500 (waived in full, 500.00) on a bill whose
    self-pay is only 50 (insurance paid 450): the waiver comes off the self-pay and stops
    at it: counted 50 - min(500, 50) = 0, nothing kept, nothing relieved."""
    h, p = in_category(book, "tekun")
    b = bill(h, book, p, 50, total=500, items=(("consultation", 500),))
    assert b.waived_fen == yuan(500)
    assert (b.counted_fen, b.kept_fen, b.relief_fen) == (0, 0, 0)


def test_s16_no_waiver_for_a_member_in_no_category(book):
    """§16 is for tekun, dibao and marginal members only: a member of a household in no
    category pays consultation 50 and bed 600 in full: nothing waived, 3,000 counts."""
    h, [p] = make(1)
    b = bill(h, book, p, 3000, total=5850, items=(("consultation", 50), ("bed", 600)))
    assert b.waived_fen == 0 and b.counted_fen == yuan(3000)
