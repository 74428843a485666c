"""Plan §6 price subsidy (domain/policy/s06_price_subsidy.py): paid while the CPI rise
is at or above the trigger."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from domain.standards import StandardsBook, default_city_standards
from tests.unit.policy.builders import approve, make, monthly


def cpi_book(*months):
    """The default standards with a CPI rise recorded for each (first day, rise)."""
    city = default_city_standards()
    for on, rise in months:
        city.record_change(
            key="cpi_yoy", value=Fraction(rise), effective_from=on, basis="统计局", actor="bureau"
        )
    return StandardsBook(city)


def test_s06_the_price_subsidy_follows_the_cpi_timeline(book):
    """§6 价格补贴 while CPI >= the trigger (PARAM 3.5%): CPI 4% in January and February
    2025 pays 50.00; 3% recorded for March pauses it (nothing from 2025-03-01, the
    explanation says why); 3.6% for April resumes it; a trigger lowered to 2.5% from
    2025-03-01 recomputes March to 50.00."""
    before = cpi_book((date(2025, 1, 1), "0.04"))
    h, [_, child] = make(before, "dibao")
    approve(h, before, "price_subsidy", date(2025, 1, 1), member_id=child)
    book = cpi_book(
        (date(2025, 1, 1), "0.04"), (date(2025, 3, 1), "0.03"), (date(2025, 4, 1), "0.036")
    )
    assert h.adjust_entitlements(book, actor="bureau", reason="CPI") == 2
    paid = {m: monthly(h, "price_subsidy", date(2025, m, 15), child) for m in (1, 2, 3, 4)}
    assert [p.monthly_fen if p else None for p in paid.values()] == [5_000, 5_000, None, 5_000]
    paused = h.timelines[f"price_subsidy/{child}"]["2025-03-01"]
    assert paused.ended and "below the trigger" in paused.reason
    book.city.record_change(
        key="price_subsidy_cpi_trigger",
        value=Fraction(25, 1000),
        effective_from=date(2025, 3, 1),
        basis="test",
        actor="bureau",
    )
    assert h.adjust_entitlements(book, actor="bureau", reason="trigger") == 1
    assert monthly(h, "price_subsidy", date(2025, 3, 15), child).monthly_fen == 5_000
