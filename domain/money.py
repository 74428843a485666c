"""Money: integer fen inside, decimal yuan strings at the edge.

One rounding function, :func:`round_half_up`, turns an exact amount (a
:class:`fractions.Fraction` or :class:`decimal.Decimal` of fen) into integer fen,
half-up (POLICY ch. 11: rounding happens once, on the final amount of a line).
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from domain.errors import InvalidInputError

FEN_PER_YUAN = 100

# PARAM (not in the policy): the largest amount any input may carry, 100,000,000.00 yuan.
# Far above any household's income, bill or grant, so an amount beyond it is a typing or
# unit mistake (fen for yuan) or hostile, and is refused naming the field.
MAX_AMOUNT_FEN = 100_000_000 * FEN_PER_YUAN

# Zero to two decimal places, optional minus sign, no exponent, no spaces.
_YUAN_RE = re.compile(r"^(-?)(\d{1,15})(?:\.(\d{1,2}))?$")
_RATIO_RE = re.compile(r"^(\d{1,6})(?:\.(\d{1,6}))?$")


def round_half_up(amount_fen: Fraction | Decimal | int) -> int:
    """Round an exact amount of fen to whole fen, halves away from zero.

    >>> round_half_up(Fraction(35000000, 12))
    291667
    >>> round_half_up(Fraction(-5, 2))
    -3
    """
    value = Fraction(amount_fen)
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole, remainder = divmod(magnitude.numerator, magnitude.denominator)
    if 2 * remainder >= magnitude.denominator:
        whole += 1
    return sign * whole


def parse_yuan(text: object, field: str, *, allow_negative: bool = False) -> int:
    """Parse a decimal yuan string ("1250", "1250.5", "1250.00") into fen.

    A number with more than two places, an exponent, NaN, Infinity, a float,
    anything but a string, or more than MAX_AMOUNT_FEN is refused, naming the field.
    """
    if not isinstance(text, str):
        raise InvalidInputError(
            f'{field} must be a decimal string in yuan such as "1250.00", '
            f"not {type(text).__name__}",
            field,
        )
    match = _YUAN_RE.match(text)
    if match is None:
        raise InvalidInputError(
            f"{field} must be a decimal amount in yuan with at most two places "
            f'(e.g. "1250.00"; no exponent, NaN or Infinity); got {text!r}',
            field,
        )
    sign, whole, frac = match.groups()
    fen = int(whole) * FEN_PER_YUAN + int((frac or "").ljust(2, "0"))
    if sign:
        fen = -fen
    if fen < 0 and not allow_negative:
        raise InvalidInputError(f"{field} must not be negative; got {text!r}", field)
    if abs(fen) > MAX_AMOUNT_FEN:
        raise InvalidInputError(
            f"{field} must be at most {format_yuan(MAX_AMOUNT_FEN)} yuan (the ceiling on "
            f"any amount); got {text!r}",
            field,
        )
    return fen


def format_yuan(fen: int) -> str:
    """Integer fen to a yuan string with two places: 341000 -> "3410.00"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{cents:02d}"


def yuan(amount: int | str) -> int:
    """Whole or decimal yuan written in code to fen: yuan(15000) -> 1500000."""
    if isinstance(amount, int):
        return amount * FEN_PER_YUAN
    return parse_yuan(amount, "amount", allow_negative=True)


def parse_ratio(text: object, field: str) -> Fraction:
    """Parse a non-negative decimal ratio ("0.04", "1.5") into an exact Fraction."""
    if not isinstance(text, str) or _RATIO_RE.match(text) is None:
        raise InvalidInputError(
            f'{field} must be a decimal string such as "0.04" (4%) or "1.5"; got {text!r}',
            field,
        )
    return Fraction(Decimal(text))


def format_ratio(value: Fraction) -> str:
    """An exact ratio as a plain decimal string ("0.5", "1.5", "0.035")."""
    text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
