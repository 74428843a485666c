"""Resident identity numbers (公民身份号码), GB 11643-1999.

Eighteen characters: a six-digit region code, the birth date (YYYYMMDD), a
three-digit sequence and a check character computed by ISO 7064 MOD 11-2.
"""

from __future__ import annotations

from datetime import date

from domain.errors import InvalidInputError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """The GB 11643 check character of the first seventeen digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def validate_id_number(value: str, field: str = "id_number") -> str:
    """Return the number in canonical form (upper-case X) or raise naming the field."""
    text = value.strip().upper() if isinstance(value, str) else ""
    if len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise InvalidInputError(
            f"{field} must be an 18-character resident ID number (17 digits and a check "
            "digit or X, GB 11643)",
            field,
        )
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise InvalidInputError(
            f"{field} carries an impossible birth date {text[6:14]} (GB 11643)", field
        ) from None
    expected = check_character(text[:17])
    if text[17] != expected:
        raise InvalidInputError(
            f"{field} fails the GB 11643 check digit: the last character should be {expected}",
            field,
        )
    return text


def mask_id_number(value: str) -> str:
    """Show the region code and the last four characters only."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
