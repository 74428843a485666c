"""Early warnings over the views: the rules of domain/warnings.py evaluated for one date,
with the caseworkers' actions on them (WarningCase streams, via the warnings view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.errors import InvalidInputError, NotFoundError
from domain.money import round_half_up
from domain.policy.registry import REGISTRY
from domain.policy.s30_visit_tiers import WEEK_DAYS, visit_tier
from domain.standards import CITY_CODE, COUNTIES, StandardsBook, county_of
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
from projections.queries import as_day
from services.applications import worklist
from services.ledger import Ledger

# The fewest days an interval of each §30 tier can have (a month at least 28 days).
_SHORTEST_DAYS = {"weekly": WEEK_DAYS, "monthly": 28, "quarterly": 3 * 28}


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


def _household_category(rows: list[dict[str, Any]]) -> tuple[str, date] | None:
    """The household's own category in force (one of the exclusive programmes)."""
    for c in rows:
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


def _present(rows: list[dict[str, Any]], on: date) -> list[str]:
    """The members (of these fact rows, in reading order) who have not left on `on`."""
    left: dict[str, bool] = {}
    for row in rows:
        if as_day(row["effective_on"]) <= on:
            left[row["member_id"]] = left.get(row["member_id"], False)
            if row["fact"] == "left_household":
                left[row["member_id"]] = row["value"] == "True"
    return sorted(m for m, gone in left.items() if not gone)


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
    by the caller (filled in as read here).

    Set-based: each query of the views (projections/sql.py WARN_*) reads only the
    households a rule can fire for on `on` (registered for the visit rule, with a bill in
    the 12 months for the illness rule, and so on), and the rules of domain/warnings.py
    decide on those rows; a household with nothing a rule needs costs no Python."""
    ledger.runner.catch_up()
    scope = "household" if household is not None else "region"
    params: dict[str, Any] = {
        "on": on,
        "start": year_before(on),
        "household": household,
        **sql.warn_params(region_prefix),
    }

    def rows(statement: str) -> list[dict[str, Any]]:
        found = ledger.views.query(sql.warn_scoped(statement, scope), params, compile_plan=False)
        if among is None:
            return found
        return [r for r in found if str(r["household_id"]) in among]

    def grouped(statement: str) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for r in rows(statement):
            out.setdefault(str(r["household_id"]), []).append(r)
        return out

    books = {} if books is None else books
    regions: dict[str, str] = {}
    bills = grouped(sql.WARN_SCOPED_BILLS)
    means: dict[str, list[MeansRecord]] = {}
    for r in rows(sql.WARN_SCOPED_MEANS):
        means.setdefault(str(r["household_id"]), []).append(
            MeansRecord(
                as_day(r["effective_on"]),
                int(r["annual_income_fen"]),
                int(r["rigid_deductions_fen"]),
                int(r["car_insurance_value_fen"]),
                int(r["household_size"]),
            )
        )
    categories = grouped(sql.WARN_SCOPED_CATEGORIES)
    employment = grouped(sql.WARN_EMPLOYMENT_FACTS)
    referrals: dict[tuple[str, str], list[date]] = {}
    for r in rows(sql.WARN_SCOPED_REFERRALS):
        referrals.setdefault((str(r["household_id"]), r["member_id"]), []).append(
            as_day(r["referred_on"])
        )
    majors = grouped(sql.WARN_SCOPED_MAJORS)
    visits: dict[str, list[date]] = {}
    for r in rows(sql.WARN_MAJOR_VISITS):
        visits.setdefault(str(r["household_id"]), []).append(as_day(r["visited_on"]))
    failures = grouped(sql.WARN_SCOPED_FAILURES)
    late = {
        hid: items
        for hid, items in _late_applications(ledger, on, books, region_prefix).items()
        if (household is None or hid == household) and (among is None or hid in among)
    }
    params.update(_visit_cuts(ledger, on, region_prefix if household is None else None, books))
    clocks = rows(sql.WARN_VISIT_CLOCK)
    for r in clocks:
        regions[str(r["household_id"])] = str(r["region_code"])
    for items in late.values():
        regions[items[0]["household_id"]] = str(items[0]["region_code"])
    for grouping in (bills, categories, employment, majors, failures):
        for hid, found_rows in grouping.items():
            regions[hid] = str(found_rows[0]["region_code"])

    def book_of(hid: str) -> StandardsBook:
        county = county_of(regions[hid])
        if county not in books:
            books[county] = ledger.app.standards_book(regions[hid], read_only=True)
        return books[county]

    found: list[tuple[str, str, Finding]] = []

    def add(hid: str, finding: Finding) -> None:
        if finding.fires:
            found.append((hid, regions[hid], finding))

    for hid in sorted(set(bills) | set(categories)):
        book = book_of(hid)
        record = latest(means.get(hid, []), on)
        if hid in bills:
            kept = [(as_day(b["service_on"]), int(b["kept_fen"])) for b in bills[hid]]
            add(hid, illness_poverty(record, kept, book, on))
        if hid in categories:
            category = _household_category(categories[hid])
            add(hid, eligible_for_more(category, record, book, on))
            rural = category is not None and categories[hid][0]["residence"] == "rural"
            add(hid, rural_income_fall(rural, means.get(hid, []), on))
    for hid, facts in sorted(employment.items()):
        for member in _present(facts, on):
            since = _unemployed_since(facts, member, on)
            if since is not None:
                mine = referrals.get((hid, member), [])
                add(hid, referrals_missing(member, since, mine, book_of(hid), on))
    # §30 visit_overdue_long: the households registered on `on` whose clock started
    # before their tier's cut-off (`_visit_cuts`).
    for r in clocks:
        hid = str(r["household_id"])
        open_major = as_day(r["open_major"]) if r["open_major"] is not None else None
        tier = visit_tier(
            registered=True, major_change_open=open_major is not None, severe=bool(r["severe"])
        )
        assert tier is not None
        last = as_day(r["last_visit"]) if r["last_visit"] is not None else None
        anchor = open_major if open_major is not None else as_day(r["start"])
        add(hid, visit_overdue_long(tier[0], last, anchor, book_of(hid), on))
    for hid, reported in sorted(majors.items()):
        for m in reported:
            add(hid, major_change_unvisited(as_day(m["reported_on"]), visits.get(hid, []), on))
    for hid, tries in sorted(failures.items()):
        for r in tries:
            failing = payment_failing(
                int(r["failures"]), str(r["payment_id"]), as_day(r["failed_on"]), book_of(hid), on
            )
            add(hid, failing)
    for hid, items in sorted(late.items()):
        for item in items:
            due = as_day(item["due_on"]) if item["due_on"] else None
            add(
                hid,
                decision_overdue(
                    item["application_id"],
                    item["working_days_used"],
                    item["working_days_limit"],
                    due,
                    on,
                ),
            )
    return found


def _visit_cuts(
    ledger: Ledger, on: date, region_prefix: str | None, books: dict[str, StandardsBook]
) -> dict[str, date]:
    """The latest day a §30 clock can have started on for visit_overdue_long to fire on
    `on`, by tier: `factor` intervals are at least `factor` x 7 days (weekly), x 28
    (monthly), x 84 (quarterly), with the smallest factor of the region's counties (one
    household, `region_prefix` None: no cut-off). The rule decides on the rest."""
    if region_prefix is None:
        return {f"{tier}_cut": date.max for tier in _SHORTEST_DAYS}
    counties = [c for c in COUNTIES if c.startswith(region_prefix) or region_prefix.startswith(c)]
    factor = 0
    for n, county in enumerate(counties):
        if county not in books:
            books[county] = ledger.app.standards_book(county, read_only=True)
        found = int(books[county].ratio("warning_visit_overdue_factor", on)[0])
        factor = found if n == 0 else min(factor, found)
    return {
        f"{tier}_cut": on - timedelta(days=max(factor, 0) * days)
        for tier, days in _SHORTEST_DAYS.items()
    }


def _late_applications(
    ledger: Ledger, on: date, books: dict[str, StandardsBook] | None = None, prefix: str = "3304"
) -> dict[str, list[dict[str, Any]]]:
    """The open applications past their decision deadline on `on`, by household."""
    late: dict[str, list[dict[str, Any]]] = {}
    after: str | None = None
    region = CITY_CODE if prefix == "3304" else prefix
    while True:
        page = worklist(
            ledger, region=region, on=on, overdue=True, after=after, limit=100_000, books=books
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
    scope = "household" if household is not None else "region"
    cases = {
        str(r["warning_id"]): r
        for r in ledger.views.query(
            sql.warn_scoped(sql.WARN_SCOPED_CASES, scope),
            {"household": household, **sql.warn_params(region_prefix)},
        )
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
        region = str(case["region_code"])
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
