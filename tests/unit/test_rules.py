"""The worked examples of WORKED_EXAMPLES.md 1-7 as pure rule functions (no database)."""

from datetime import date
from fractions import Fraction

import pytest

from domain.errors import InvalidInputError, PolicyRuleError
from domain.money import yuan
from domain.policy.registry import REGISTRY
from domain.policy.s05_means_test import Means, means_test
from domain.policy.s06_dibao import dibao_allowance
from domain.standards import StandardsBook, default_city_standards, validate_change

ON = date(2025, 7, 1)  # dibao 15,000 a year (1,250 a month) is in force


@pytest.fixture
def book() -> StandardsBook:
    return StandardsBook(default_city_standards())


def test_example_1_dibao_differential_with_rigid_deductions(book):
    """§5: four members, income 24,000, schooling 4,800 deducted -> 19,200 -> 400 per head
    per month -> (1,250 - 400) x 4 = 3,400.00 a month."""
    result = means_test(Means(yuan(24000), yuan(4800), 0), 4, book, ON)
    assert result.category == "dibao"
    assert result.countable_income_fen == yuan(19200)
    assert result.per_capita_monthly == yuan(400)
    amount = dibao_allowance(result.countable_income_fen, 4, book, ON)
    assert amount.monthly_fen == (yuan(1250) - yuan(400)) * 4 == 340_000
    assert "3400.00" in amount.explanation


def test_example_2_car_counts_at_insurance_valuation(book):
    """§5: a car invoiced at 120,000 but valued 60,000 by this year's insurance counts at
    60,000, under the 100,000 limit (PARAM): not refused. At the invoice value it would be."""
    at_valuation = means_test(Means(yuan(24000), 0, yuan(60000)), 4, book, ON)
    assert at_valuation.category == "dibao"
    at_invoice = means_test(Means(yuan(24000), 0, yuan(120000)), 4, book, ON)
    assert at_invoice.category is None
    assert "car value limit" in at_invoice.explanation


def test_example_3_marginal_band(book):
    """§1: three members, 54,000 -> 1,500 per head per month: not below 1,250, below 1,875."""
    result = means_test(Means(yuan(54000), 0, 0), 3, book, ON)
    assert result.per_capita_monthly == yuan(1500)
    assert result.category == "marginal"


@pytest.mark.parametrize(
    ("income", "category"),
    [(yuan(96000), "low_income"), (yuan(100000), "low_income"), (yuan(100000) + 1, None)],
)
def test_example_4_low_income_band_includes_100000(book, income, category):
    """§5, §11: four members at 96,000 -> 2,000 per head, above the marginal line 1,875;
    at most 100,000 (以下 includes the figure) is low-income; 100,000.01 is not."""
    assert means_test(Means(income, 0, 0), 4, book, ON).category == category


def test_dibao_needs_income_strictly_below_the_standard(book):
    """§11 低于 excludes the figure: exactly 1,250 per head is marginal, not dibao."""
    assert means_test(Means(yuan(15000), 0, 0), 1, book, ON).category == "marginal"
    assert means_test(Means(yuan(15000) - 12, 0, 0), 1, book, ON).category == "dibao"


def test_example_5_one_person_dibao_gets_the_full_standard(book):
    """§5/§6: 15,000 / 12 = 1,250.00 a month."""
    assert REGISTRY["dibao_single"].amount({}, book, ON).monthly_fen == 125_000


def test_example_6_tekun_floor_and_amount(book):
    """§6: cited consumption 48,000 -> floor 24,000; 26,000 accepted (2,166.67 a month);
    23,000 refused."""
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


def test_example_7_dibao_rise_below_cited_income_growth(book):
    """§6: 15,000 -> 15,450 is a 3% rise; citing 4% income growth it is refused; with an
    override reason it is accepted."""
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


def test_defaults_follow_the_policy(book):
    """POLICY §3: dibao 13,800 before 2025 (PARAM), 15,000 from 2025-01-01 (SEED §2)."""
    assert book.money("dibao_standard_annual", date(2024, 12, 31))[0] == yuan(13800)
    assert book.money("dibao_standard_annual", date(2025, 1, 1))[0] == yuan(15000)
    assert book.ratio("marginal_multiplier", ON)[0] == Fraction(3, 2)
    assert book.money("medical_cap_individual_annual", ON)[0] == yuan(30000)
    assert book.money("medical_cap_household_annual", ON)[0] == yuan(50000)
    assert book.money("disaster_house_collapsed", date(2023, 12, 12))[0] == yuan(20000)
    assert book.money("disaster_house_collapsed", date(2023, 12, 13))[0] == yuan(25000)


def _change(book, key, value):
    validate_change(
        book,
        key=key,
        value=value,
        effective_from=ON,
        cited_income_growth=None,
        cited_urban_consumption_fen=None,
        override_reason=None,
    )


@pytest.mark.parametrize(
    ("key", "refused", "allowed", "item"),
    [
        # §8: marginal members get at least 50% of the dibao members' charity subsidy.
        ("charity_subsidy_marginal_share", Fraction(49, 100), Fraction(1, 2), "§8"),
        # §12: the rent subsidy tier ratio is at least 40%.
        ("rent_subsidy_min_ratio", Fraction(39, 100), Fraction(2, 5), "§12"),
        # §14: renovation grants total at most 30,000 yuan per household.
        ("renovation_household_cap", yuan(30000) + 1, yuan(30000), "§14"),
    ],
)
def test_a_change_beyond_the_plans_floor_or_cap_is_refused(book, key, refused, allowed, item):
    """SEED §8 (share >= 50%), §12 (rent ratio floor >= 40%), §14 (renovation cap at most
    30,000.00): a value a hair beyond the bound is refused naming `value` and the item;
    the bound itself, and any value on the allowed side, is accepted."""
    with pytest.raises(PolicyRuleError) as caught:
        _change(book, key, refused)
    assert caught.value.field == "value"
    assert item in caught.value.message and key in caught.value.message
    _change(book, key, allowed)
    _change(book, key, Fraction(3, 5) if key != "renovation_household_cap" else yuan(20000))


@pytest.mark.parametrize("month", [Fraction(0), Fraction(13), Fraction(3, 2), Fraction(-1)])
def test_the_cap_year_start_month_must_be_a_month_number(book, month):
    """§17 cap year (PARAM, default the calendar year): its first month is a whole number
    from 1 to 12; 0, 13, 1.5 and -1 are refused naming `value`; 1 and 12 are accepted."""
    with pytest.raises(InvalidInputError) as caught:
        _change(book, "medical_cap_year_start_month", month)
    assert caught.value.field == "value" and "1 to 12" in caught.value.message
    _change(book, "medical_cap_year_start_month", Fraction(1))
    _change(book, "medical_cap_year_start_month", Fraction(12))
