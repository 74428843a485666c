"""Plan §23 对吸纳低收入农户参与入股的市级村每年按照低收入农户分红金额的50%给予补助: the
village's subsidy, 50% of a rural low-income household's dividends (SEED)."""

from __future__ import annotations

from fractions import Fraction

from domain.money import round_half_up

PARAMETERS = ()
PROGRAMMES = ()


def village_subsidy(dividends_fen: int) -> int:
    """50% of the dividends, rounded half-up to the fen."""
    return round_half_up(Fraction(dividends_fen, 2))
