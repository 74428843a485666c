"""Plan §5 means test (domain/policy/s05_means_test.py): the dibao, marginal and low-income bands,
the rigid deductions and the car limit; worked examples 1-4. Its dibao differential (dibao_allowance
of domain/policy/s06_dibao.py) is checked with worked example 1 here."""

from __future__ import annotations

from datetime import date

import pytest

from domain.money import yuan
from domain.policy.s05_means_test import Means, means_test
from domain.policy.s06_dibao import dibao_allowance

ON = date(2025, 7, 1)  # dibao 15,000 a year (1,250 a month) is in force


def test_s05_dibao_differential_with_rigid_deductions(book):
    """Worked example 1 (§5): four members, income 24,000, schooling 4,800 deducted -> 19,200 -> 400
    per head per month -> (1,250 - 400) x 4 = 3,400.00 a month."""
    result = means_test(Means(yuan(24000), yuan(4800), 0), 4, book, ON)
    assert result.category == "dibao"
    assert result.countable_income_fen == yuan(19200)
    assert result.per_capita_monthly == yuan(400)
    amount = dibao_allowance(result.countable_income_fen, 4, book, ON)
    assert amount.monthly_fen == (yuan(1250) - yuan(400)) * 4 == 340_000
    assert "3400.00" in amount.explanation


def test_s05_car_counts_at_insurance_valuation(book):
    """Worked example 2 (§5): a car invoiced at 120,000 but valued 60,000 by this year's insurance
    counts at 60,000, under the 100,000 limit (PARAM): not refused. At the invoice value it would
    be."""
    at_valuation = means_test(Means(yuan(24000), 0, yuan(60000)), 4, book, ON)
    assert at_valuation.category == "dibao"
    at_invoice = means_test(Means(yuan(24000), 0, yuan(120000)), 4, book, ON)
    assert at_invoice.category is None
    assert "car value limit" in at_invoice.explanation


def test_s05_marginal_band(book):
    """Worked example 3 (§5, POLICY ch. 1): three members, 54,000 -> 1,500 per head per month: not
    below 1,250, below 1,875."""
    result = means_test(Means(yuan(54000), 0, 0), 3, book, ON)
    assert result.per_capita_monthly == yuan(1500)
    assert result.category == "marginal"


@pytest.mark.parametrize(
    ("income", "category"),
    [(yuan(96000), "low_income"), (yuan(100000), "low_income"), (yuan(100000) + 1, None)],
)
def test_s05_low_income_band_includes_100000(book, income, category):
    """Worked example 4 (§5, POLICY ch. 11): four members at 96,000 -> 2,000 per head, above the
    marginal line 1,875; at most 100,000 (以下 includes the figure) is low-income; 100,000.01 is
    not."""
    assert means_test(Means(income, 0, 0), 4, book, ON).category == category


def test_s05_dibao_needs_income_strictly_below_the_standard(book):
    """§5, POLICY ch. 11: 低于 excludes the figure: exactly 1,250 per head is marginal,
    not dibao."""
    assert means_test(Means(yuan(15000), 0, 0), 1, book, ON).category == "marginal"
    assert means_test(Means(yuan(15000) - 12, 0, 0), 1, book, ON).category == "dibao"
