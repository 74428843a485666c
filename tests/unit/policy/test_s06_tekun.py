"""Plan §6 tekun standard (domain/policy/s06_tekun.py): at least 50% of the cited urban
consumption, and the tekun support it pays; worked example 6."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import PolicyRuleError
from domain.money import yuan
from domain.policy.registry import REGISTRY
from domain.standards import validate_change

ON = date(2025, 7, 1)  # dibao 15,000 a year (1,250 a month) is in force


def test_s06_tekun_floor_and_amount(book):
    """Worked example 6 (§6): cited consumption 48,000 -> floor 24,000; 26,000 accepted (2,166.67 a
    month); 23,000 refused."""
    validate_change(
        book,
        key="tekun_standard_annual",
        value=yuan(26000),
        effective_from=ON,
        cited_income_growth=None,
        cited_urban_consumption_fen=yuan(48000),
        override_reason=None,
    )
    with pytest.raises(PolicyRuleError) as caught:
        validate_change(
            book,
            key="tekun_standard_annual",
            value=yuan(23000),
            effective_from=ON,
            cited_income_growth=None,
            cited_urban_consumption_fen=yuan(48000),
            override_reason=None,
        )
    assert "24000.00" in caught.value.message
    # 26,000 / 12 = 2,166.666... -> 2,166.67
    assert REGISTRY["tekun"].amount({}, book, ON).monthly_fen == 216_667
