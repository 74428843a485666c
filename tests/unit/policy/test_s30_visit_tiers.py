"""Plan §30 home visits (domain/policy/s30_visit_tiers.py, applied by
domain/household/care.py): the strictest tier wins."""

from __future__ import annotations

from datetime import date

from tests.helpers import id_number
from tests.unit.policy.builders import make


def test_s30_visits_the_strictest_tier_wins(book):
    """§30: a household with a severely disabled member is visited monthly; a major change
    reported on 2025-03-03 makes it weekly (the strictest wins) until it is stabilised on
    2025-04-01, then monthly again; with no category it has no tier."""
    h, _ = make(book, "dibao")
    h.add_member(
        name="重残",
        id_number=id_number(),
        relation="parent",
        birth_on=date(1950, 1, 1),
        joined_on=None,
        actor="cw",
        severe_disability=True,
    )
    assert h.visit_tier(date(2025, 3, 1))[0] == "monthly"
    h.report_major_change(reported_on=date(2025, 3, 3), description="火灾", actor="cw")
    assert h.visit_tier(date(2025, 3, 2))[0] == "monthly"
    assert h.visit_tier(date(2025, 3, 3))[0] == "weekly"
    h.stabilise(on=date(2025, 4, 1), actor="cw")
    assert h.visit_tier(date(2025, 3, 31))[0] == "weekly"
    assert h.visit_tier(date(2025, 4, 1))[0] == "monthly"
    none, _ = make(book, category=None)
    assert none.visit_tier(date(2025, 3, 1)) is None
