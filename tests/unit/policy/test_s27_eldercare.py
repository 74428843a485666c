"""Plan §27 eldercare service subsidy (domain/policy/s27_eldercare.py): members of 60 or
over (a standard) in home/community care or an institution."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from domain.errors import InvalidInputError, PolicyRuleError
from domain.money import yuan
from tests.unit.policy.builders import approve, make, with_change


@pytest.mark.parametrize("care", [None, "at_home", 1])
def test_s27_eldercare_needs_the_care_received(book, care):
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


def test_s27_the_eldercare_age_is_a_standard(book):
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
