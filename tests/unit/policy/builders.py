"""Builders for the plan-item tests on the Household aggregate, in memory (no database):
a household in a category, approvals, the monthly entitlements, and standards changes."""

from datetime import date

from domain.household import Household
from domain.standards import StandardsBook, default_city_standards, validate_change
from tests.helpers import id_number, means
from tests.path import consents, decide

ON = date(2025, 7, 1)  # dibao 15,000 a year (1,250 a month) is in force


def with_change(key, value, effective_from):
    """The default city standards with one more change recorded."""
    city = default_city_standards()
    city.record_change(
        key=key, value=value, effective_from=effective_from, basis="test", actor="bureau"
    )
    return StandardsBook(city)


def make(book, category="dibao", members=2, residence="urban", income=0, **member):
    h = Household.register(
        region_code="330402",
        residence=residence,
        address="x",
        registered_on=date(2024, 1, 1),
        actor="cw",
    )
    ids = [
        h.add_member(
            name=f"m{i}",
            id_number=id_number(),
            relation="head" if i == 0 else "child",
            birth_on=member.get("birth_on", date(1980, 1, 1)) if i == 0 else date(2008, 1, 1),
            joined_on=None,
            actor="cw",
            employment=member.get("employment") if i == 0 else None,
        )
        for i in range(members)
    ]
    if category:
        approve(h, book, category, date(2024, 1, 1), means=means(income))
    return h, ids


def approve(h, book, programme, on, means=None, member_id=None, details=None):
    app_id = h.submit_application(
        programme=programme,
        effective_from=on,
        means=means,
        member_id=member_id,
        details=details or {},
        actor="cw",
        consents=consents(h, on),
    )
    return decide(h, app_id, book)


def monthly(h, programme, on, member=None):
    key = programme + (f"/{member}" if member else "")
    return dict(h.entitlements_on(on)).get(key)


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
