"""Plan §21 temporary subsidy for the registered unemployed
(domain/policy/s21_unemployed_subsidy.py): at most 6 months per member; worked example 17."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import PolicyRuleError
from tests.unit.policy.builders import approve, make, monthly


def test_s21_temporary_subsidy_stops_after_six_months(book):
    """Worked example 17 (§21): registered unemployed from 2025-01-01: 1,250.00 a month January to
    June, nothing from July."""
    h, [a, _] = make(book, "dibao", employment="unemployed_registered")
    approve(h, book, "unemployed_temporary_subsidy", date(2025, 1, 1), member_id=a)
    assert monthly(h, "unemployed_temporary_subsidy", date(2025, 6, 30), a).monthly_fen == 125_000
    assert monthly(h, "unemployed_temporary_subsidy", date(2025, 7, 1), a) is None


def test_s21_temporary_subsidy_needs_a_registered_unemployed_member(book):
    h, [a, _] = make(book, "dibao", employment="employed")
    with pytest.raises(PolicyRuleError):
        approve(h, book, "unemployed_temporary_subsidy", date(2025, 1, 1), member_id=a)


@pytest.mark.parametrize("again_on", [date(2025, 7, 1), date(2025, 3, 1), date(2024, 11, 1)])
def test_s21_the_temporary_subsidy_is_six_months_per_member_over_all_approvals(book, again_on):
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
