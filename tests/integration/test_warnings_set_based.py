"""Early warnings evaluated set-based: the views' WARN_ queries and the rules
of domain/warnings.py give, on the demo city and on both backends, the very findings of
the per-household evaluation they replaced (kept here as the reference: every rule of
POLICY ch. 12, §1, §3, §21, §30 for every household, from the care view's rows read
whole), for the city, each county and single households, on dates across the year."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from domain.policy.registry import REGISTRY
from domain.policy.s30_visit_tiers import visit_tier
from domain.standards import COUNTIES, StandardsBook, county_of
from domain.warnings import (
    Finding,
    MeansRecord,
    decision_overdue,
    eligible_for_more,
    illness_poverty,
    latest,
    major_change_unvisited,
    payment_failing,
    referrals_missing,
    rural_income_fall,
    visit_overdue_long,
    year_before,
)
from projections.queries import CareFacts, as_day
from scripts.demo import build_demo_city
from services import warnings as service
from services.ledger import Ledger
from services.warnings import _unemployed_since

# The reference's queries: every row of each table, grouped in Python.
WARN_HOUSEHOLDS = "SELECT household_id, region_code, residence FROM {s}.ledger_households"
WARN_MEANS = (
    "SELECT household_id, effective_on, annual_income_fen, rigid_deductions_fen, "
    "car_insurance_value_fen, household_size FROM {s}.ledger_warning_means "
    "ORDER BY notification_id"
)
WARN_BILLS = (
    "SELECT household_id, service_on, kept_fen FROM {s}.ledger_medical_bills "
    "WHERE NOT cancelled AND service_on <= :on AND service_on > :start"
)
WARN_REFERRALS = "SELECT household_id, member_id, referred_on FROM {s}.ledger_referrals"
WARN_FAILURES = (
    "SELECT p.household_id, p.payment_id, p.failures, f.failed_on FROM {s}.ledger_payments p "
    "JOIN {s}.ledger_warning_failures f ON f.payment_id = p.payment_id "
    "WHERE p.failures > 0"
)


def _household_category(facts: CareFacts, household: str, on: date) -> tuple[str, date] | None:
    for c in facts.categories_on(household, on, household_level=True):
        if c["category"] in REGISTRY.exclusive_categories():
            return str(c["category"]), as_day(c["effective_from"])
    return None


def _visit_clock(facts: CareFacts, household: str, on: date) -> tuple[str, date | None, date]:
    """The §30 tier, last visit and the anchor the care view's overdue list uses."""
    open_changes = [
        r for r, s in facts.majors.get(household, []) if r <= on and (s is None or s > on)
    ]
    severe = any(
        f.get("severe_disability") == "True" or f.get("severe_illness") == "True"
        for f in facts.present_members(household, on).values()
    )
    tier = visit_tier(registered=True, major_change_open=bool(open_changes), severe=severe)
    assert tier is not None
    visits = [v for v in facts.visits.get(household, []) if v <= on]
    start = min(as_day(c["effective_from"]) for c in facts.categories[household])
    anchor = max(open_changes) if tier[0] == "weekly" else start
    return tier[0], (max(visits) if visits else None), anchor


def reference_findings(
    ledger: Ledger,
    on: date,
    region_prefix: str = "3304",
    household: str | None = None,
    among: set[str] | None = None,
    books: dict[str, StandardsBook] | None = None,
) -> list[tuple[str, str, Finding]]:
    """Every rule of POLICY ch. 12 for every household in the region on `on` (only
    `household`, or only those `among`, when given): (household, region_code,
    finding) for each finding that fires. `books`: the counties' standards already read
    by the caller (filled in as read here)."""
    facts = ledger.care_facts()
    households = {
        str(r["household_id"]): (str(r["region_code"]), str(r["residence"]))
        for r in ledger.views.query(WARN_HOUSEHOLDS, {})
    }
    means: dict[str, list[MeansRecord]] = {}
    for r in ledger.views.query(WARN_MEANS, {}):
        means.setdefault(str(r["household_id"]), []).append(
            MeansRecord(
                as_day(r["effective_on"]),
                int(r["annual_income_fen"]),
                int(r["rigid_deductions_fen"]),
                int(r["car_insurance_value_fen"]),
                int(r["household_size"]),
            )
        )
    bills: dict[str, list[tuple[date, int]]] = {}
    for r in ledger.views.query(WARN_BILLS, {"on": on, "start": year_before(on)}):
        bills.setdefault(str(r["household_id"]), []).append(
            (as_day(r["service_on"]), int(r["kept_fen"]))
        )
    referrals: dict[tuple[str, str], list[date]] = {}
    for r in ledger.views.query(WARN_REFERRALS, {}):
        referrals.setdefault((str(r["household_id"]), r["member_id"]), []).append(
            as_day(r["referred_on"])
        )
    failures: dict[str, list[dict[str, Any]]] = {}
    for r in ledger.views.query(WARN_FAILURES, {}):
        failures.setdefault(str(r["household_id"]), []).append(r)
    books = {} if books is None else books
    late = service._late_applications(ledger, on, books)
    found: list[tuple[str, str, Finding]] = []
    for hid in sorted(households):
        region, residence = households[hid]
        if (household is not None and hid != household) or not region.startswith(region_prefix):
            continue
        if among is not None and hid not in among:
            continue
        county = county_of(region)
        if county not in books:
            books[county] = ledger.app.standards_book(region)
        book = books[county]
        record = latest(means.get(hid, []), on)
        category = _household_category(facts, hid, on)
        results = [
            illness_poverty(record, bills.get(hid, []), book, on),
            eligible_for_more(category, record, book, on),
            rural_income_fall(
                residence == "rural" and category is not None, means.get(hid, []), on
            ),
        ]
        rows = facts.facts.get(hid, [])
        for member in sorted(facts.present_members(hid, on)):
            since = _unemployed_since(rows, member, on)
            if since is not None:
                results.append(
                    referrals_missing(member, since, referrals.get((hid, member), []), book, on)
                )
        if facts.registered(hid, on):
            tier, last, anchor = _visit_clock(facts, hid, on)
            results.append(visit_overdue_long(tier, last, anchor, book, on))
        visits = facts.visits.get(hid, [])
        for reported, _ in facts.majors.get(hid, []):
            if reported <= on:
                results.append(major_change_unvisited(reported, visits, on))
        for r in failures.get(hid, []):
            results.append(
                payment_failing(
                    int(r["failures"]), str(r["payment_id"]), as_day(r["failed_on"]), book, on
                )
            )
        for item in late.get(hid, []):
            results.append(
                decision_overdue(
                    item["application_id"],
                    item["working_days_used"],
                    item["working_days_limit"],
                    as_day(item["due_on"]) if item["due_on"] else None,
                    on,
                )
            )
        found += [(hid, region, f) for f in results if f.fires]
    return found


DATES = (date(2025, 3, 31), date(2025, 7, 15), date(2025, 11, 30), date(2026, 2, 1))


@pytest.fixture
def demo(ledger: Ledger) -> Ledger:
    build_demo_city(ledger, households=60, seed=11)
    return ledger


def as_counter(found: list[tuple[str, str, Finding]]) -> Counter[tuple[str, str, Finding]]:
    return Counter(found)


def test_the_set_based_warnings_are_the_per_household_rules_on_the_demo_city(demo):
    """POLICY ch. 12 (§1, §3, §21, §30, ch. 14): on four dates, for the whole city and each
    county, the set-based evaluation finds exactly what the reference finds, reasons
    included; the city has warnings of most rules, so the comparison is not vacuous."""
    rules: Counter[str] = Counter()
    for on in DATES:
        expected = reference_findings(demo, on)
        assert as_counter(service.findings(demo, on)) == as_counter(expected), on
        rules.update(f.rule for _, _, f in expected)
        for county in COUNTIES:
            assert as_counter(service.findings(demo, on, county)) == as_counter(
                reference_findings(demo, on, county)
            ), (on, county)
    assert len(rules) >= 4, rules  # several rules fire in the demo city


def test_one_household_and_a_set_of_households_are_the_same_as_the_reference(demo):
    """The household page's and the worklist's scopes: one household (`household`) and a
    set of households (`among`) give the reference's findings for them."""
    on = date(2025, 11, 30)
    everyone = reference_findings(demo, on)
    firing = sorted({hid for hid, _, _ in everyone})
    assert firing
    for hid in firing[:8]:
        assert as_counter(service.findings(demo, on, household=hid)) == as_counter(
            reference_findings(demo, on, household=hid)
        )
    among = set(firing[::3])
    assert as_counter(service.findings(demo, on, among=among)) == as_counter(
        reference_findings(demo, on, among=among)
    )
