"""Money: integer fen inside, decimal yuan strings outside, one rounding (POLICY ch. 11)."""

from decimal import Decimal
from fractions import Fraction

import pytest

from domain.errors import InvalidInputError
from domain.money import MAX_AMOUNT_FEN, format_yuan, parse_ratio, parse_yuan, round_half_up


def test_rounding_is_half_up_once_on_the_final_amount():
    """§11: income 10,000 for 3 members: (1,250 x 3 - 10,000 / 12) = 2,916.666... -> 2,916.67."""
    exact_fen = Fraction(1_500_000 * 3 - 1_000_000, 12)  # (15,000 x 3 - 10,000) / 12 yuan
    assert round_half_up(exact_fen) == 291_667
    # Rounding the per-capita income first would give 2,916.66 (the wrong way).
    per_capita = round_half_up(Fraction(1_000_000, 36))
    assert 125_000 * 3 - per_capita * 3 == 291_666


@pytest.mark.parametrize(
    ("exact", "fen"),
    [
        (Fraction(1, 2), 1),
        (Fraction(3, 2), 2),
        (Fraction(49, 100), 0),
        (Fraction(-1, 2), -1),
        (Decimal("578.5714"), 579),
        (Fraction(90_000 * 18, 28), 57_857),  # example 14: 900.00 x 18/28 = 578.57
    ],
)
def test_round_half_up(exact, fen):
    assert round_half_up(exact) == fen


@pytest.mark.parametrize(
    ("text", "fen"),
    [("1250", 125_000), ("1250.5", 125_050), ("1250.00", 125_000), ("0.01", 1), ("0", 0)],
)
def test_parse_yuan_accepts_zero_to_two_places(text, fen):
    assert parse_yuan(text, "amount") == fen


@pytest.mark.parametrize(
    "text", ["1250.001", "1e3", "NaN", "Infinity", "-5", "12,50", " 1", "", "1.", ".5"]
)
def test_parse_yuan_refuses_and_names_the_field(text):
    with pytest.raises(InvalidInputError) as caught:
        parse_yuan(text, "means.annual_income")
    assert caught.value.field == "means.annual_income"


def test_an_absurd_amount_is_refused_above_the_ceiling_naming_the_field():
    """Issue 8 (absurd amounts): MAX_AMOUNT_FEN, 100,000,000.00 yuan, is the most any input
    may carry; one fen more, or 999,999,999,999,999 yuan, is refused with the field and
    the rule named."""
    assert MAX_AMOUNT_FEN == 10_000_000_000
    assert parse_yuan("100000000.00", "total") == 10_000_000_000
    for text in ("100000000.01", "999999999999999"):
        with pytest.raises(InvalidInputError) as caught:
            parse_yuan(text, "total")
        assert caught.value.field == "total"
        assert caught.value.message.startswith("total must be at most 100000000.00 yuan")


@pytest.mark.parametrize("value", [1250.0, 1250, None])
def test_parse_yuan_refuses_numbers_even_exact_ones(value):
    with pytest.raises(InvalidInputError):
        parse_yuan(value, "amount")


def test_format_yuan_always_two_places():
    assert format_yuan(340_000) == "3400.00"
    assert format_yuan(5) == "0.05"
    assert format_yuan(-60_000) == "-600.00"


def test_parse_ratio_is_exact():
    assert parse_ratio("0.04", "cited_income_growth") == Fraction(1, 25)
    assert parse_ratio("1.5", "value") == Fraction(3, 2)
    with pytest.raises(InvalidInputError):
        parse_ratio("4%", "cited_income_growth")
