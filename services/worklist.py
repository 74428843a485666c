"""My worklist (docs/WORKSPACE.md): what a caseworker has to do for the households they
are responsible for, each item with its due date, the most urgent first (overdue, then
the soonest due):

- `visit`: the §30 home visit, due by its tier (weekly, monthly, quarterly) from the
  last visit (projections/queries.py `CareFacts.status`);
- `review`: the periodic review (POLICY ch. 15), due on `next_review_on` of the
  household's review schedule (`Household.review_bases` under the day's standards, kept
  per household until its stream moves on);
- `application`: an application on the statutory path (POLICY ch. 14) waiting for the
  caseworker's next step (received: the check; checked: the home investigation;
  investigated: the public notice), due by its decision deadline;
- `documents`: documents asked of the applicant and not yet come (the clock stands
  still), due for a follow-up `documents_followup_days` (PARAM) working days after
  they were asked for;
- `warning`: an early warning (POLICY ch. 12) of the household not yet resolved, due
  from the day it was raised.

An approver's worklist adds, across the region, the applications waiting for their step:
`decision` (the notice has run, no objection open) and `objection` (one open), due by
the decision deadline. Visits and reviews are listed when due within `days` days; the
rest whenever they wait."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.calendar import CountedDays, add_working_days
from domain.errors import InvalidInputError
from domain.household.reviews import REVIEWED, review_schedule
from domain.standards import StandardsBook, county_of, region_prefix, validate_region_code
from projections import search as view
from projections import sql
from projections.queries import CareFacts, as_day
from services import warnings
from services.applications import clock, row_stage

if TYPE_CHECKING:
    from services.ledger import Ledger

KINDS = ("visit", "review", "application", "documents", "warning", "decision", "objection")
NEXT_STEP = {"received": "check", "checked": "investigation", "investigated": "notice"}
LIMIT_MAX = 500
DAYS_MAX = 366


class _Context:
    """What the items of one worklist share: the ledger, the day, the books by county."""

    def __init__(self, ledger: Ledger, on: date) -> None:
        self.ledger = ledger
        self.on = on
        self.books: dict[str, StandardsBook] = {}
        self.is_working = CountedDays(ledger.app.work_calendar().is_working)

    def book(self, region_code: str) -> StandardsBook:
        county = county_of(region_code)
        if county not in self.books:
            self.books[county] = self.ledger.app.standards_book(county, read_only=True)
        return self.books[county]

    def item(self, kind: str, household: str, region: str, due: date, **detail: Any) -> Any:
        return {
            "kind": kind,
            "household_id": household,
            "region_code": region,
            "due_on": due.isoformat(),
            "overdue": due < self.on,
            "days_left": (due - self.on).days,
            **detail,
        }


def worklist(
    ledger: Ledger,
    *,
    user: str,
    approver: bool,
    on: date,
    days: int = 30,
    region: str = "330400",
    limit: int = 100,
) -> dict[str, Any]:
    """`user`'s worklist on `on`: the items of the households they are responsible for
    (and, for an approver, the region's decisions and objections waiting), most urgent
    first, at most `limit`, with how many there are of each kind."""
    if not 0 <= days <= DAYS_MAX:
        raise InvalidInputError(f"days must be from 0 to {DAYS_MAX}", "days")
    if not 1 <= limit <= LIMIT_MAX:
        raise InvalidInputError(f"limit must be from 1 to {LIMIT_MAX}", "limit")
    validate_region_code(region, "region")
    ledger.runner.catch_up()
    context = _Context(ledger, on)
    mine = {"caseworker": user}
    regions = {
        str(r["household_id"]): str(r["region_code"])
        for r in ledger.views.query(view.MY_HOUSEHOLDS, mine)
    }
    items: list[dict[str, Any]] = []
    if regions:
        facts = _my_facts(ledger, regions, mine)
        horizon = on + timedelta(days=days)
        items += _visits(context, facts, horizon)
        items += _reviews(context, facts, horizon)
        items += _applications(context, mine)
        items += _warnings(context, regions)
    if approver:
        items += _decisions(context, region)
    items.sort(key=lambda i: (i["due_on"], KINDS.index(i["kind"]), i["household_id"]))
    counts = {kind: sum(1 for i in items if i["kind"] == kind) for kind in KINDS}
    shown = items[:limit]
    _with_households(ledger, shown)
    return {
        "on": on.isoformat(),
        "user": user,
        "households": len(regions),
        "total": len(items),
        "counts": counts,
        "items": shown,
        "more": len(items) > limit,
    }


def _my_facts(ledger: Ledger, regions: dict[str, str], mine: dict[str, Any]) -> CareFacts:
    """The care view's rows of these households (as `Ledger.care_facts` has them all)."""
    categories: dict[str, list[dict[str, Any]]] = {}
    for row in ledger.views.query(view.MY_CATEGORIES, mine):
        categories.setdefault(str(row["household_id"]), []).append(row)
    facts: dict[str, list[dict[str, Any]]] = {}
    for row in ledger.views.query(view.MY_FACTS, mine):
        facts.setdefault(str(row["household_id"]), []).append(row)
    visits: dict[str, list[date]] = {}
    for row in ledger.views.query(view.MY_VISITS, mine):
        visits.setdefault(str(row["household_id"]), []).append(as_day(row["visited_on"]))
    majors: dict[str, list[tuple[date, date | None]]] = {}
    for row in ledger.views.query(view.MY_MAJOR, mine):
        stabilised = as_day(row["stabilised_on"]) if row["stabilised_on"] else None
        majors.setdefault(str(row["household_id"]), []).append(
            (as_day(row["reported_on"]), stabilised)
        )
    return CareFacts(regions, categories, facts, visits, majors)


def _visits(context: _Context, facts: CareFacts, horizon: date) -> list[dict[str, Any]]:
    items = []
    for household in sorted(facts.categories):
        status = facts.status(household, context.on)
        if status is None or status.due_on > horizon:
            continue
        items.append(
            context.item(
                "visit",
                household,
                status.region_code,
                status.due_on,
                tier=status.tier,
                why=status.why,
                last_visit_on=status.last_visit_on.isoformat() if status.last_visit_on else None,
            )
        )
    return items


REVIEW_CACHE_MAX = 100_000  # households whose review bases a process keeps


def _review_bases(ledger: Ledger, households: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each household's review bases (`Household.review_bases`), loading only those whose
    stream moved on since they were last worked out (the stream heads, one query)."""
    if not households:
        return {}
    sqlite = ledger.views.dialect == "sqlite"
    params = {f"h{n}": (UUID(h).hex if sqlite else UUID(h)) for n, h in enumerate(households)}
    heads = {
        str(UUID(str(r["originator_id"]))): int(r["originator_version"])
        for r in ledger.views.query(view.stream_versions(len(params)), params)
    }
    cache = ledger.review_bases
    if len(cache) > REVIEW_CACHE_MAX:
        cache.clear()
    found = {}
    for household in households:
        kept = cache.get(household)
        if kept is None or kept[0] != heads.get(household):
            loaded = ledger.app.household(UUID(household))
            kept = (loaded.version, loaded.review_bases())
            cache[household] = kept
        found[household] = kept[1]
    return found


def _reviews(context: _Context, facts: CareFacts, horizon: date) -> list[dict[str, Any]]:
    """The reviews due by `horizon`: the schedule of each household with an open span of
    a reviewed category (`review_schedule` of its bases under the day's standards)."""
    wanted = [
        household
        for household, spans in sorted(facts.categories.items())
        if any(c["category"] in REVIEWED and c["effective_to"] is None for c in spans)
    ]
    items = []
    for household, bases in _review_bases(context.ledger, wanted).items():
        region = facts.regions[household]
        for row in review_schedule(bases, context.book(region), context.on):
            if row["next_review_on"] > horizon:
                continue
            items.append(
                context.item(
                    "review",
                    household,
                    region,
                    row["next_review_on"],
                    category=row["category"],
                    member_id=row["member_id"],
                    interval=row["interval"],
                    why=row["why"],
                    last_examined_on=row["since"].isoformat(),
                )
            )
    return items


def _pauses(rows: list[dict[str, Any]]) -> dict[str, list[tuple[date, date | None]]]:
    found: dict[str, list[tuple[date, date | None]]] = {}
    for p in rows:
        end = as_day(p["to_on"]) if p["to_on"] else None
        found.setdefault(str(p["application_id"]), []).append((as_day(p["from_on"]), end))
    return found


def _applications(context: _Context, mine: dict[str, Any]) -> list[dict[str, Any]]:
    """The applications of my households waiting for my step, and those waiting for
    documents (the clock stopped: due for a follow-up)."""
    ledger = context.ledger
    pauses = _pauses(ledger.views.query(view.MY_PAUSES, mine))
    items = []
    for row in ledger.views.query(view.MY_APPLICATIONS, mine):
        stage = row_stage(row)
        if stage not in NEXT_STEP:
            continue
        app_id, region = str(row["application_id"]), str(row["region_code"])
        book = context.book(region)
        time = clock(context.is_working, book, row, pauses.get(app_id, []), context.on)
        common = {
            "application_id": app_id,
            "programme": row["programme"],
            "stage": stage,
            "working_days_left": time.left,
        }
        if time.due_on is None:  # documents awaited
            asked = max(start for start, end in pauses[app_id] if end is None)
            days = int(book.ratio("documents_followup_days", asked)[0])
            due = add_working_days(context.is_working, asked, days)
            assert due is not None  # no pause given: the day is always found
            item = context.item("documents", str(row["household_id"]), region, due, **common)
            item["asked_on"] = asked.isoformat()
        else:
            item = context.item(
                "application",
                str(row["household_id"]),
                region,
                time.due_on,
                next_step=NEXT_STEP[stage],
                **common,
            )
        items.append(item)
    return items


def _warnings(context: _Context, regions: dict[str, str]) -> list[dict[str, Any]]:
    """The warnings of my households not resolved (open, or acknowledged and in hand)."""
    return [
        context.item(
            "warning",
            w.household_id,
            w.region_code,
            w.raised_on,
            warning_id=w.warning_id,
            rule=w.rule,
            reason=w.reason,
            status=w.status,
        )
        for w in warnings.warnings(
            context.ledger, context.on, among=set(regions), books=context.books
        )
        if w.status != "resolved"
    ]


def _decisions(context: _Context, region: str) -> list[dict[str, Any]]:
    """The region's applications waiting for an approver: a decision once the notice has
    run with no objection open, or the resolution of an objection."""
    ledger = context.ledger
    prefix = {"prefix": region_prefix(region) + "%"}
    pauses = _pauses(ledger.views.query(sql.APPLICATION_PAUSES, prefix))
    items = []
    for row in ledger.views.query(sql.APPLICATIONS, prefix):
        if row_stage(row) != "noticed":
            continue
        objections = int(row["open_objections"])
        until = as_day(row["notice_until"])
        if objections == 0 and until >= context.on:
            continue  # the notice still runs: nobody's step yet
        app_id, hregion = str(row["application_id"]), str(row["region_code"])
        time = clock(
            context.is_working, context.book(hregion), row, pauses.get(app_id, []), context.on
        )
        if time.due_on is None:
            continue  # documents awaited: the caseworker's
        items.append(
            context.item(
                "objection" if objections else "decision",
                str(row["household_id"]),
                hregion,
                time.due_on,
                application_id=app_id,
                programme=row["programme"],
                stage="noticed",
                notice_until=until.isoformat(),
                open_objections=objections,
                working_days_left=time.left,
            )
        )
    return items


def _with_households(ledger: Ledger, items: list[dict[str, Any]]) -> None:
    """Each item with its household's address and head (for the list to name them)."""
    ids = {h: UUID(h) for h in dict.fromkeys(i["household_id"] for i in items)}
    if not ids:
        return
    params = {f"h{n}": hid for n, hid in enumerate(ids.values())}
    found: dict[str, dict[str, Any]] = {}
    for row in ledger.views.query(view.page_heads(len(params)), params):
        found.setdefault(str(row["household_id"]), row)
    for item in items:
        row = found.get(item["household_id"], {})
        item["address"] = row.get("address")
        item["head"] = row.get("name")
