"""Payment rules as pure functions (domain/payments.py; POLICY ch. 4, ch. 11; worked
examples 14 and 15). Not one plan item: they pay every monthly programme."""

from datetime import date
from fractions import Fraction
from uuid import uuid4

import pytest

from domain.errors import ConflictError, InvalidInputError
from domain.payments import (
    KeyHistory,
    Segment,
    check_unique_lines,
    mask_account,
    owed_for_period,
    parse_period,
    payment_id,
    plan_entitlement,
    recovery_deduction,
    retry_payment_id,
    validate_account,
)


def test_pro_rata_from_the_eleventh_of_february():
    """Worked example 14: 900.00 a month from 2025-02-11: 18 of February's 28 days ->
    900 x 18/28 = 578.571... -> 578.57."""
    owed, why = owed_for_period([Segment(date(2025, 2, 11), 90_000, False)], "2025-02")
    assert owed == 57_857
    assert "18/28" in why


def test_a_change_inside_a_month_is_paid_day_by_day_and_rounded_once():
    """1,250.00 for 1-14 July and 1,300.00 for 15-31 July:
    1,250 x 14/31 + 1,300 x 17/31 = (17,500 + 22,100) / 31 = 1,277.419... -> 1,277.42."""
    points = [Segment(date(2025, 1, 1), 125_000, False), Segment(date(2025, 7, 15), 130_000, False)]
    assert owed_for_period(points, "2025-07")[0] == 127_742


def test_an_ended_entitlement_is_paid_to_the_day_before_it_ends():
    """1,250.00 a month ending from 2025-03-11: 10 of March's 31 days -> 403.225... -> 403.23."""
    points = [Segment(date(2025, 1, 1), 125_000, False), Segment(date(2025, 3, 11), 0, True)]
    assert owed_for_period(points, "2025-03")[0] == 40_323
    assert owed_for_period(points, "2025-04")[0] == 0


def test_recovery_at_the_share_limit():
    """Worked example 15: 1,000 overpaid; 2,000 a month; 30%: 600 this month, 400 the next."""
    share = Fraction(3, 10)
    assert recovery_deduction(100_000, 200_000, share) == 60_000
    assert recovery_deduction(40_000, 200_000, share) == 40_000
    assert recovery_deduction(0, 200_000, share) == 0


def test_plan_recognises_an_overpayment_and_recovers_it():
    """February was scheduled at 2,000 but is owed 1,000 now: 1,000 recognised, and 600 of
    March's 2,000 recovered (30%)."""
    key = KeyHistory(
        uuid4(),
        "dibao",
        None,
        [
            Segment(date(2025, 1, 1), 200_000, False),
            Segment(date(2025, 2, 1), 100_000, False),
            Segment(date(2025, 3, 1), 200_000, False),
        ],
        scheduled={"2025-01": 200_000, "2025-02": 200_000},
        overpaid={},
        recovery_balance=0,
    )
    lines, overpayments = plan_entitlement(
        key, "2025-03", ["2025-01", "2025-02"], Fraction(3, 10), "30%"
    )
    assert [(o["period"], o["amount_fen"]) for o in overpayments] == [("2025-02", 100_000)]
    assert [(line.kind, line.gross_fen, line.recovered_fen, line.amount_fen) for line in lines] == [
        ("regular", 200_000, 60_000, 140_000)
    ]


def test_payment_ids_are_deterministic():
    hid = uuid4()
    assert payment_id(hid, "dibao", None, "2025-02", "regular", "2025-02") == payment_id(
        hid, "dibao", None, "2025-02", "regular", "2025-02"
    )
    first = payment_id(hid, "dibao", None, "2025-01", "arrears", "2025-03")
    second = payment_id(hid, "dibao", None, "2025-01", "arrears", "2025-04")
    assert first != second
    # A retry's id comes from the payment it retries and the run: two failed lines of
    # the same month retried in the same run never share an id (audit G1).
    assert retry_payment_id(first, "2025-05") == retry_payment_id(first, "2025-05")
    assert retry_payment_id(first, "2025-05") != retry_payment_id(second, "2025-05")
    assert retry_payment_id(first, "2025-05") != retry_payment_id(first, "2025-06")


def test_a_payment_id_planned_twice_in_one_run_is_refused():
    line = {"payment_id": "p-1", "programme": "dibao", "period": "2025-01", "kind": "arrears"}
    check_unique_lines([line, {**line, "payment_id": "p-2"}])
    with pytest.raises(ConflictError) as caught:
        check_unique_lines([line, dict(line)])
    assert caught.value.field == "payment_id"
    assert "planned twice" in caught.value.message


@pytest.mark.parametrize("bad", ["2025-13", "2025-7", "25-07", "2025/07", "1999-12"])
def test_bad_periods_are_refused(bad):
    with pytest.raises(InvalidInputError):
        parse_period(bad)


def test_accounts_are_digits_of_a_sane_length_and_masked():
    assert validate_account("bank", "6222 0202 0011 2233 445") == "6222020200112233445"
    assert mask_account("6222020200112233445") == "***************3445"
    for kind, number in (("bank", "12345"), ("bank", "6222abc0200112233"), ("cash", "123456789")):
        with pytest.raises(InvalidInputError):
            validate_account(kind, number)
