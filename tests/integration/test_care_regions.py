"""The care view read for one county (the overdue list, the shortfall pages of §30 visits
and §21 job referrals) answers as the whole city's rows do for that county's households,
on both backends: the same households, each with the same visit tier, due date and
overdue flag (§30), and the same members present with the same facts (employment, §21)."""

from __future__ import annotations

from datetime import date

from projections.queries import as_day
from scripts.demo import build_demo_city

DAYS = (date(2025, 3, 1), date(2025, 8, 1), date(2025, 12, 31))


def _facts_on(rows, on):
    """Each member's facts on `on` as CareFacts worked them out before it kept its
    answers: every row read, the last of those on or before `on` winning."""
    found = {}
    for row in rows:
        if as_day(row["effective_on"]) <= on:
            found.setdefault(row["member_id"], {})[row["fact"]] = row["value"]
    return found


def test_a_county_s_care_rows_answer_as_the_city_s(ledger):
    build_demo_city(ledger, households=120, seed=7)
    city = ledger.care_facts()
    for county in ("330402", "330411"):
        mine = ledger.care_facts(county)
        households = sorted(h for h, r in city.regions.items() if r.startswith(county))
        assert sorted(mine.regions) == households and households
        for on in DAYS:
            for household in households:
                # asked twice: a kept answer is the answer
                expected = _facts_on(city.facts.get(household, []), on)
                for _ in range(2):
                    assert mine.member_facts(household, on) == expected
                    assert mine.status(household, on) == city.status(household, on)
                    assert mine.present_members(household, on) == city.present_members(
                        household, on
                    )
        statuses = ledger.care_statuses(date(2025, 12, 31), county)
        assert statuses == [
            s
            for h in sorted(city.categories)
            if h in households and (s := city.status(h, date(2025, 12, 31))) is not None
        ]
        assert any(s.overdue for s in statuses)  # not a comparison of nothing
