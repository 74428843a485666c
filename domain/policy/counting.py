"""POLICY ch. 11, counting: "for at most N months" counts calendar months from the start
date (from 2024-07-10, 3 months end on 2024-10-09, 92 days). Rounding is
`domain.money.round_half_up`, once on a line's final amount."""

from __future__ import annotations

import calendar
from datetime import date


def months_later(start: date, months: int) -> date:
    """The same day `months` calendar months later (clamped to the month's end)."""
    month = start.month - 1 + months
    year = start.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def calendar_months(start: date, end: date) -> int:
    """Calendar months from `start` to `end` (exact for the periods `months_later` ends)."""
    return (end.year - start.year) * 12 + end.month - start.month
