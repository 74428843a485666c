"""Plan §7 virtual job subsidy (domain/policy/s07_virtual_job.py): per member of an
urban registered household. One test covers §7 with §27 eldercare and the §6 price
subsidy."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from domain.errors import InvalidInputError, PolicyRuleError
from domain.money import yuan
from tests.unit.policy.builders import approve, make, with_change


def test_s07_s27_s06_virtual_job_eldercare_and_price_subsidies(book):
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


def test_s07_the_virtual_job_subsidy_is_per_member(book):
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
