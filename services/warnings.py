"""Early warnings over the views: the rules of domain/warnings.py evaluated for one date,
with the caseworkers' actions on them (WarningCase streams, via the warnings view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.errors import InvalidInputError, NotFoundError
from domain.money import round_half_up
from domain.policy.registry import REGISTRY
from domain.policy.s30_visit_tiers import visit_tier
from domain.standards import CITY_CODE, StandardsBook, county_of
from domain.warnings import (
    STATUSES,
    Finding,
    MeansRecord,
    WarningCase,
    decision_overdue,
    eligible_for_more,
    illness_poverty,
    latest,
    major_change_unvisited,
    payment_failing,
    referrals_missing,
    rural_income_fall,
    visit_overdue_long,
    warning_id,
    year_before,
)
from projections import sql
from projections.queries import CareFacts, as_day
from services.applications import worklist
from services.ledger import Ledger


@dataclass(frozen=True)
class Warning:
    warning_id: str
    household_id: str
    region_code: str
    rule: str
    reason: str
    raised_on: date
    status: str
    note: str
    acknowledged_on: date | None
    resolved_on: date | None
    finding: Finding | None  # None: acted on earlier, no longer firing on the date

    def as_json(self) -> dict[str, Any]:
        return {
            "warning_id": self.warning_id,
            "household_id": self.household_id,
            "region_code": self.region_code,
            "rule": self.rule,
            "reason": self.reason,
            "raised_on": self.raised_on.isoformat(),
            "status": self.status,
            "note": self.note,
            "acknowledged_on": self.acknowledged_on.isoformat() if self.acknowledged_on else None,
            "resolved_on": self.resolved_on.isoformat() if self.resolved_on else None,
            "fires": self.finding is not None,
        }


def _household_category(facts: CareFacts, household: str, on: date) -> tuple[str, date] | None:
    for c in facts.categories_on(household, on, household_level=True):
        if c["category"] in REGISTRY.exclusive_categories():
            return str(c["category"]), as_day(c["effective_from"])
    return None


def _unemployed_since(rows: list[dict[str, Any]], member: str, on: date) -> date | None:
    """The start of the member's current spell as registered unemployed, if any on `on`."""
    spell: date | None = None
    changes = [r for r in rows if r["member_id"] == member and r["fact"] == "employment"]
    for row in sorted(changes, key=lambda r: as_day(r["effective_on"])):
        day = as_day(row["effective_on"])
        if day > on:
            break
        spell = (spell or day) if row["value"] == "unemployed_registered" else None
    return spell


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


def findings(
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
        for r in ledger.views.query(sql.WARN_HOUSEHOLDS, {})
    }
    means: dict[str, list[MeansRecord]] = {}
    for r in ledger.views.query(sql.WARN_MEANS, {}):
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
    for r in ledger.views.query(sql.WARN_BILLS, {"on": on, "start": year_before(on)}):
        bills.setdefault(str(r["household_id"]), []).append(
            (as_day(r["service_on"]), int(r["kept_fen"]))
        )
    referrals: dict[tuple[str, str], list[date]] = {}
    for r in ledger.views.query(sql.WARN_REFERRALS, {}):
        referrals.setdefault((str(r["household_id"]), r["member_id"]), []).append(
            as_day(r["referred_on"])
        )
    failures: dict[str, list[dict[str, Any]]] = {}
    for r in ledger.views.query(sql.WARN_FAILURES, {}):
        failures.setdefault(str(r["household_id"]), []).append(r)
    books = {} if books is None else books
    late = _late_applications(ledger, on, books)
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


def _late_applications(
    ledger: Ledger, on: date, books: dict[str, StandardsBook] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The open applications past their decision deadline on `on`, by household."""
    late: dict[str, list[dict[str, Any]]] = {}
    after: str | None = None
    while True:
        page = worklist(
            ledger, region=CITY_CODE, on=on, overdue=True, after=after, limit=500, books=books
        )
        for item in page["items"]:
            late.setdefault(item["household_id"], []).append(item)
        after = page["next"]
        if after is None:
            return late


def warnings(
    ledger: Ledger,
    on: date,
    region_prefix: str = "3304",
    status: str | None = None,
    household: str | None = None,
    among: set[str] | None = None,
    books: dict[str, StandardsBook] | None = None,
) -> list[Warning]:
    """The warnings firing on `on`, and those acted on before that no longer fire, each
    with its status (open until a caseworker acknowledges or resolves it); of
    `household`, or of those `among`, when given."""
    if status is not None and status not in STATUSES:
        raise InvalidInputError("status must be one of open, acknowledged, resolved", "status")
    fired = findings(ledger, on, region_prefix, household, among, books)
    cases = {str(r["warning_id"]): r for r in ledger.views.query(sql.WARN_CASES, {})}
    regions = {
        str(r["household_id"]): str(r["region_code"])
        for r in ledger.views.query(sql.WARN_HOUSEHOLDS, {})
    }
    out: dict[str, Warning] = {}
    for hid, region, finding in fired:
        wid = str(warning_id(hid, finding.rule, finding.trigger))
        case = cases.get(wid)
        assert finding.raised_on is not None
        out[wid] = Warning(
            wid,
            hid,
            region,
            finding.rule,
            finding.reason,
            finding.raised_on,
            str(case["status"]) if case else "open",
            str(case["note"]) if case else "",
            as_day(case["acknowledged_on"]) if case and case["acknowledged_on"] else None,
            as_day(case["resolved_on"]) if case and case["resolved_on"] else None,
            finding,
        )
    for wid, case in cases.items():
        hid = str(case["household_id"])
        region = regions.get(hid, "")
        if wid in out or not region.startswith(region_prefix):
            continue
        if (household is not None and hid != household) or as_day(case["raised_on"]) > on:
            continue
        if among is not None and hid not in among:
            continue
        out[wid] = Warning(
            wid,
            hid,
            region,
            str(case["rule"]),
            str(case["reason"]),
            as_day(case["raised_on"]),
            str(case["status"]),
            str(case["note"]),
            as_day(case["acknowledged_on"]) if case["acknowledged_on"] else None,
            as_day(case["resolved_on"]) if case["resolved_on"] else None,
            None,
        )
    listed = sorted(out.values(), key=lambda w: (w.raised_on, w.household_id, w.rule, w.warning_id))
    return [w for w in listed if status is None or w.status == status]


def act(ledger: Ledger, wid: UUID, *, status: str, note: str, actor: str, on: date) -> Warning:
    """A caseworker acknowledges or resolves a warning (an event of its WarningCase
    stream); the warning must fire on `on` or have been acted on before."""

    def attempt() -> tuple[list[Any], Any]:
        try:
            case: Any = ledger.app.repository.get(wid)
        except AggregateNotFoundError:
            match = [w for w in warnings(ledger, on) if w.warning_id == str(wid)]
            if not match or match[0].finding is None:
                raise NotFoundError(
                    f"no warning {wid} fires on {on.isoformat()}", "warning_id"
                ) from None
            case = WarningCase.open(
                household_id=match[0].household_id, finding=match[0].finding, actor=actor, on=on
            )
        if not isinstance(case, WarningCase):
            raise NotFoundError(f"no warning {wid}", "warning_id")
        if on < case.raised_on:
            raise InvalidInputError(
                f"on is before the warning was raised ({case.raised_on.isoformat()})", "on"
            )
        case.set_status(status, note, actor=actor, on=on)
        return [case], case

    case = ledger.app.retrying(attempt, "the warning")
    ledger.runner.catch_up()
    found = [w for w in warnings(ledger, on, household=case.household_id)]
    return next(w for w in found if w.warning_id == str(wid))


def _tenths(value: Fraction) -> str:
    tenths = round_half_up(value * 10)
    return f"{tenths // 10}.{tenths % 10}"


def summary(ledger: Ledger, on: date, region_prefix: str = "3304") -> list[dict[str, Any]]:
    """Per county: warnings by status and by rule, and the days from raising to
    resolution of the resolved ones (mean and longest)."""
    return summarise(warnings(ledger, on, region_prefix))


def summarise(listed: list[Warning]) -> list[dict[str, Any]]:
    """The summary of warnings already evaluated (all statuses)."""
    counties: dict[str, dict[str, Any]] = {}
    for w in listed:
        county = counties.setdefault(
            w.region_code[:6],
            {"open": 0, "acknowledged": 0, "resolved": 0, "by_rule": {}, "days": []},
        )
        county[w.status] += 1
        county["by_rule"][w.rule] = county["by_rule"].get(w.rule, 0) + 1
        if w.resolved_on is not None:
            county["days"].append((w.resolved_on - w.raised_on).days)
    out = []
    for code, c in sorted(counties.items()):
        days: list[int] = c.pop("days")
        mean = Fraction(sum(days), len(days)) if days else None
        out.append(
            {
                "region_code": code,
                **c,
                "mean_days_to_resolution": _tenths(mean) if mean is not None else None,
                "max_days_to_resolution": max(days) if days else None,
            }
        )
    return out
