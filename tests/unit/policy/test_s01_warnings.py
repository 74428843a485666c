"""The early-warning rules of plan §1 智能预警 and §3 返贫预警 (domain/warnings.py,
POLICY ch. 12) as pure functions (no database): boundaries worked out from the policy,
and the WarningCase's transitions. The rural income fall is §3 (test_s03_...); the
others are §1 (test_s01_...)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import ConflictError, InvalidInputError
from domain.money import yuan
from domain.standards import StandardsBook, default_city_standards
from domain.warnings import (
    MeansRecord,
    WarningCase,
    illness_poverty,
    latest,
    major_change_unvisited,
    payment_failing,
    referrals_missing,
    rural_income_fall,
    visit_overdue_long,
    warning_id,
)

BOOK = StandardsBook(default_city_standards())
MEANS = MeansRecord(date(2025, 1, 1), yuan(10000), yuan(2000), 0, 1)


def test_s01_illness_poverty_window_is_the_twelve_months_up_to_the_date():
    """50% of 10,000.00 (before the 2,000.00 deductions) = 5,000.00; 5,000.01 borne within
    (2024-06-30, 2025-06-30] exceeds it; a bill of 2024-06-30 is outside the window."""
    bills = [(date(2024, 6, 30), yuan(6000)), (date(2025, 6, 30), yuan(5000) + 1)]
    found = illness_poverty(MEANS, bills, BOOK, date(2025, 6, 30))
    assert found.fires and found.raised_on == date(2025, 6, 30)
    just = illness_poverty(MEANS, [(date(2025, 6, 30), yuan(5000))], BOOK, date(2025, 6, 30))
    assert not just.fires
    assert not illness_poverty(None, bills, BOOK, date(2025, 6, 30)).fires


def test_s01_referrals_counted_within_the_spell_and_the_thirty_days():
    since = date(2025, 3, 1)  # 30 days later: 2025-03-31
    two = [date(2025, 3, 2), date(2025, 3, 3), date(2025, 2, 1)]  # one before the spell
    assert not referrals_missing("m", since, two, BOOK, date(2025, 3, 30)).fires
    found = referrals_missing("m", since, two, BOOK, date(2025, 3, 31))
    assert found.fires and found.trigger == "m/2025-03-01"
    three = [*two, date(2025, 3, 20)]
    assert not referrals_missing("m", since, three, BOOK, date(2025, 3, 31)).fires


def test_s01_visit_tiers_twice_the_interval():
    """Weekly after a major change: 2 x 7 days; monthly: 2 months; quarterly: 6 months."""
    major = date(2025, 3, 1)
    assert not visit_overdue_long("weekly", None, major, BOOK, date(2025, 3, 15)).fires
    assert visit_overdue_long("weekly", None, major, BOOK, date(2025, 3, 16)).fires
    monthly = visit_overdue_long("monthly", date(2025, 1, 31), major, BOOK, date(2025, 4, 1))
    assert monthly.fires and monthly.raised_on == date(2025, 4, 1)  # 2025-01-31 + 2 months
    assert not visit_overdue_long(
        "monthly", date(2025, 1, 31), major, BOOK, date(2025, 3, 31)
    ).fires
    assert not visit_overdue_long(None, None, major, BOOK, date(2026, 1, 1)).fires


def test_s01_major_change_needs_a_visit_within_seven_days():
    reported = date(2025, 3, 1)
    assert not major_change_unvisited(reported, [date(2025, 3, 8)], date(2025, 4, 1)).fires
    assert not major_change_unvisited(reported, [], date(2025, 3, 8)).fires
    found = major_change_unvisited(reported, [date(2025, 2, 27)], date(2025, 3, 9))
    assert found.fires and found.raised_on == date(2025, 3, 9)


def test_s03_rural_income_compares_the_latest_record_of_each_year():
    """2024: 12,000 for 2 (the later record of the year) = 6,000.00 a head; 2025: 17,999.97
    for 3 = 5,999.99 a head fell; a household not rural low-income never fires."""
    records = [
        MeansRecord(date(2024, 2, 1), yuan(20000), 0, 0, 2),
        MeansRecord(date(2024, 9, 1), yuan(12000), 0, 0, 2),
        MeansRecord(date(2025, 3, 1), yuan(18000) - 3, 0, 0, 3),
    ]
    found = rural_income_fall(True, records, date(2025, 3, 1))
    assert found.fires and found.trigger == "2025"
    assert not rural_income_fall(True, records, date(2025, 2, 28)).fires
    assert not rural_income_fall(False, records, date(2025, 3, 1)).fires


def test_s03_the_latest_recorded_means_rules_not_the_latest_dated():
    """§3, POLICY ch. 13 for the warnings' means records (given in recording order): a
    re-assessment from 2025-03-01 recorded after the one from 2025-06-01 rules from
    03-01 on; before 03-01 the first record still holds. Per year, the record recorded
    last rules (2025: the 03-01 one, 24,000 for 2 = 12,000.00 a head, beside 2024's
    10,000.00: no fall)."""
    first = MeansRecord(date(2024, 1, 1), yuan(20000), 0, 0, 2)
    june = MeansRecord(date(2025, 6, 1), yuan(16000), 0, 0, 2)
    march = MeansRecord(date(2025, 3, 1), yuan(24000), 0, 0, 2)
    records = [first, june, march]
    assert latest(records, date(2025, 2, 28)) is first
    assert latest(records, date(2025, 3, 1)) is march
    assert latest(records, date(2025, 7, 1)) is march
    assert not rural_income_fall(True, records, date(2025, 7, 1)).fires
    assert rural_income_fall(True, [first, march, june], date(2025, 7, 1)).fires


def test_s01_payment_failing_is_raised_once_per_chain():
    on = date(2025, 5, 1)
    assert not payment_failing(1, "p1", date(2025, 3, 5), BOOK, on).fires
    assert payment_failing(2, "p2", date(2025, 4, 5), BOOK, on).fires
    assert not payment_failing(3, "p3", date(2025, 4, 30), BOOK, on).fires


def test_s01_warning_case_transitions_and_identity():
    found = major_change_unvisited(date(2025, 3, 1), [], date(2025, 3, 9))
    case = WarningCase.open(household_id="h1", finding=found, actor="li", on=date(2025, 3, 9))
    assert case.id == warning_id("h1", "major_change_unvisited", "2025-03-01")
    with pytest.raises(InvalidInputError):
        case.set_status("closed", "x", actor="li", on=date(2025, 3, 9))
    case.set_status("acknowledged", "", actor="li", on=date(2025, 3, 9))
    with pytest.raises(ConflictError):
        case.set_status("acknowledged", "", actor="li", on=date(2025, 3, 9))
    case.set_status("resolved", "visited", actor="li", on=date(2025, 3, 10))
    with pytest.raises(ConflictError):
        case.set_status("resolved", "again", actor="li", on=date(2025, 3, 11))
    quiet = major_change_unvisited(date(2025, 3, 1), [], date(2025, 3, 2))
    with pytest.raises(InvalidInputError):
        WarningCase.open(household_id="h1", finding=quiet, actor="li", on=date(2025, 3, 2))
