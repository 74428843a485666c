"""Plan §6 dibao standard (domain/policy/s06_dibao.py): a rise at least the cited
income growth unless an override reason is given; worked example 7."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from domain.errors import PolicyRuleError
from domain.money import yuan
from domain.standards import validate_change

ON = date(2025, 7, 1)  # dibao 15,000 a year (1,250 a month) is in force


def test_s06_dibao_rise_below_cited_income_growth(book):
    """Worked example 7 (§6): 15,000 -> 15,450 is a 3% rise; citing 4% income growth it is refused;
    with an override reason it is accepted."""
    change = {
        "key": "dibao_standard_annual",
        "value": yuan(15450),
        "effective_from": date(2026, 1, 1),
        "cited_income_growth": Fraction(4, 100),
        "cited_urban_consumption_fen": None,
    }
    with pytest.raises(PolicyRuleError) as caught:
        validate_change(book, override_reason=None, **change)
    assert "3.00%" in caught.value.message and "4.00%" in caught.value.message
    validate_change(book, override_reason="财政承受能力 (fiscal capacity)", **change)
    validate_change(book, override_reason=None, **{**change, "value": yuan(15600)})  # 4% ok
