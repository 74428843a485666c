"""The periodic review's due list (定期核查, POLICY ch. 15): which households' next review
falls on or before a date, by county. The categories view narrows the region to the
households with an open category; each household's own schedule
(`Household.review_schedule`) says when its next review is and why."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.standards import StandardsBook, region_prefix
from projections import sql

if TYPE_CHECKING:
    from services.ledger import Ledger


def due(ledger: Ledger, *, region: str, on: date) -> dict[str, Any]:
    """Per county, the households (and tekun members) whose next review is on or before
    `on`: the category, the last determination or review date (`since`, `by`), the
    interval (stable or variable) and why, and the next review date; earliest first."""
    ledger.runner.catch_up()
    rows = ledger.views.query(sql.REVIEW_HOUSEHOLDS, {"prefix": region_prefix(region) + "%"})
    books: dict[str, StandardsBook] = {}
    counties: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        county = str(row["region_code"])[:6]
        if county not in books:
            books[county] = ledger.app.standards_book(county)
        household = ledger.app.household(UUID(str(row["household_id"])))
        for item in household.review_schedule(books[county], on):
            if item["next_review_on"] > on:
                continue
            counties.setdefault(county, []).append(
                {
                    "household_id": str(row["household_id"]),
                    "region_code": str(row["region_code"]),
                    "category": item["category"],
                    "member_id": item["member_id"],
                    "last_examined_on": item["since"].isoformat(),
                    "last_examined_by": item["by"],
                    "interval": item["interval"],
                    "months": item["months"],
                    "why": item["why"],
                    "next_review_on": item["next_review_on"].isoformat(),
                }
            )
    return {
        "on": on.isoformat(),
        "counties": [
            {
                "county": county,
                "due": sorted(items, key=lambda i: (i["next_review_on"], i["household_id"])),
            }
            for county, items in sorted(counties.items())
        ],
    }
