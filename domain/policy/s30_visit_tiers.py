"""Plan §30 健全困难群众探访关爱机制: a household that met a major adverse change is
visited at least weekly (每周至少探访一次), one with a severely disabled or ill member at
least monthly, every other registered household at least quarterly; the strictest tier
applies (POLICY ch. 7)."""

from __future__ import annotations

from datetime import date, timedelta

from domain.policy.counting import months_later

PARAMETERS = ()
PROGRAMMES = ()

WEEK_DAYS = 7  # 每周至少探访一次
TIER_MONTHS = {"monthly": 1, "quarterly": 3}


def visit_tier(
    *, registered: bool, major_change_open: bool, severe: bool
) -> tuple[str, str] | None:
    """The tier and why; None for a household not registered."""
    if not registered:
        return None
    if major_change_open:
        return "weekly", "a major adverse change is open (not yet stabilised)"
    if severe:
        return "monthly", "a member is severely disabled or severely ill"
    return "quarterly", "a registered difficulty household"


def clock_start(tier: str, last_visit: date | None, anchor: date) -> date:
    """Where the tier's interval runs from: the last visit, or the anchor (the major
    change for the weekly tier, else the start of registration); for the weekly tier
    the later of the two."""
    if tier == "weekly":
        return max(d for d in (last_visit, anchor) if d is not None)
    return last_visit or anchor


def intervals_after(tier: str, start: date, times: int = 1) -> date:
    """`times` visit intervals of `tier` after `start`."""
    if tier == "weekly":
        return start + timedelta(days=WEEK_DAYS * times)
    return months_later(start, TIER_MONTHS[tier] * times)


def visit_due(tier: str, last_visit: date | None, anchor: date) -> date:
    """The next visit's due date."""
    return intervals_after(tier, clock_start(tier, last_visit, anchor))
