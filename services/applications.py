"""Applications as their users read them: one application with its statutory path
(POLICY ch. 14) step by step, for a caseworker, an approver and an auditor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.calendar import CountedDays, add_working_days, working_days_between
from domain.errors import InvalidInputError, NotFoundError
from domain.money import format_yuan
from domain.standards import StandardsBook, region_prefix
from projections import sql

if TYPE_CHECKING:
    from services.ledger import Ledger


def _plain(value: Any) -> Any:
    """Dates as ISO strings, fen as yuan strings (keys ending in _fen), all the way down."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key.endswith("_fen") and isinstance(item, int):
                out[key[: -len("_fen")]] = format_yuan(item)
            else:
                out[key] = _plain(item)
        return out
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def application_state(
    ledger: Ledger, household_id: UUID, application_id: str, on: date | None = None
) -> dict[str, Any]:
    """The application, its path step by step, and on the path its clock on `on`."""
    household = ledger.app.household(household_id)
    application = household.applications.get(application_id)
    if application is None:
        raise NotFoundError(f"no application {application_id} in this household")
    path = application.path
    answer: dict[str, Any] = {
        "application_id": application.application_id,
        "programme": application.programme,
        "member_id": application.member_id,
        "effective_from": application.effective_from.isoformat(),
        "submitted_by": application.submitted_by,
        "decision": application.decision,
        "means": _plain(application.means.as_dict()) if application.means else None,
        "stage": path.stage() if path else ("decided" if application.decision else "submitted"),
        "path": None,
    }
    if path is not None:
        answer["path"] = _plain(asdict(path))
        book = ledger.app.standards_book(household.region_code)
        row = {
            "received_on": path.received_on,
            "extended_on": path.extension["on"] if path.extension else None,
            "decided_on": path.decided_on,
        }
        today = on or date.today()
        time = clock(ledger.app.work_calendar(), book, row, path.paused(), today)
        answer["clock"] = {
            "on": today.isoformat(),
            "working_days_used": time.used,
            "working_days_limit": time.limit,
            "working_days_left": time.left,
            "due_on": _plain(time.due_on),
            "paused": time.paused,
            "late": time.late,
        }
    return answer


# ---------------------------------------------------------------- worklists and the clock

OPEN = ("received", "checked", "investigated", "noticed")


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def row_stage(row: dict[str, Any]) -> str:
    """The stage from the view's row: the same rule as `PathRecord.stage`."""
    if row.get("withdrawn_on"):
        return "withdrawn"
    if row.get("decided_on"):
        return "decided"
    if row.get("notice_until"):
        return "noticed"
    investigated, reopened = _day(row.get("investigated_on")), _day(row.get("reopened_on"))
    if investigated is not None and (reopened is None or investigated >= reopened):
        return "investigated"
    return "checked" if row.get("report_on") else "received"


@dataclass(frozen=True)
class Clock:
    """The decision deadline of one application, in working days (POLICY ch. 14)."""

    used: int  # working days since receipt, the paused ones not counted
    limit: int  # decision_working_days, or decision_working_days_max once extended
    due_on: date | None  # the last day, None while the clock is paused
    paused: bool
    late: bool  # decided after the deadline, or still open past it

    @property
    def left(self) -> int:
        return self.limit - self.used


def clock(
    is_working: Callable[[date], bool] | Any,
    book: StandardsBook,
    row: dict[str, Any],
    pauses: list[tuple[date, date | None]],
    on: date,
    *,
    due: bool = True,
) -> Clock:
    """`due=False`: without the last day (None), which is the costly part, for a caller
    that wants only whether it is late."""
    received = _day(row["received_on"])
    if received is None:  # never: the column is NOT NULL
        raise NotFoundError("an application row without its receipt date")
    key = "decision_working_days_max" if row.get("extended_on") else "decision_working_days"
    limit = int(book.ratio(key, received)[0])
    decided = _day(row.get("decided_on"))
    end = min(decided, on) if decided is not None else on
    used = working_days_between(is_working, received, end, pauses)
    paused = any(to is None for _, to in pauses)
    last = None if paused or not due else add_working_days(is_working, received, limit, pauses)
    return Clock(used, limit, last, paused, used > limit)


def worklist(
    ledger: Ledger,
    *,
    region: str,
    on: date,
    stage: str | None = None,
    overdue: bool | None = None,
    after: str | None = None,
    limit: int = 100,
    books: dict[str, StandardsBook] | None = None,
) -> dict[str, Any]:
    """The region's applications on the statutory path, oldest receipt first, each with
    its stage and clock on `on`; filtered by stage and by late ones; `after` is the
    cursor of the previous page (the last row's `cursor`). `books`: the counties'
    standards already read by the caller (filled in as read here)."""
    if stage is not None and stage not in (*OPEN, "decided", "withdrawn"):
        raise InvalidInputError(
            "stage must be one of received, checked, investigated, noticed, decided, withdrawn",
            "stage",
        )
    ledger.runner.catch_up()
    prefix = region_prefix(region) + "%"
    rows = ledger.views.query(sql.APPLICATIONS, {"prefix": prefix})
    pauses = _pauses(ledger, prefix)
    is_working = CountedDays(ledger.app.work_calendar().is_working)
    books = {} if books is None else books
    items: list[dict[str, Any]] = []
    for row in rows:
        cursor = f"{_day(row['received_on'])}|{row['application_id']}"
        if after is not None and cursor <= after:
            continue
        found = row_stage(row)
        if stage is not None and found != stage:
            continue
        if stage is None and found == "withdrawn":
            continue
        if overdue and found not in OPEN:
            continue  # only an open application is late: no clock to work out
        county = str(row["region_code"])[:6]
        if county not in books:
            books[county] = ledger.app.standards_book(county, read_only=True)
        app_id = str(row["application_id"])
        time = clock(is_working, books[county], row, pauses.get(app_id, []), on)
        if overdue is not None and (time.late and found in OPEN) != overdue:
            continue
        items.append(
            {
                "cursor": cursor,
                "household_id": str(row["household_id"]),
                "application_id": app_id,
                "programme": row["programme"],
                "region_code": row["region_code"],
                "stage": found,
                "received_on": _plain(_day(row["received_on"])),
                "notice_until": _plain(_day(row.get("notice_until"))),
                "open_objections": int(row["open_objections"]),
                "decided_on": _plain(_day(row.get("decided_on"))),
                "outcome": row.get("outcome"),
                "working_days_used": time.used,
                "working_days_limit": time.limit,
                "working_days_left": time.left,
                "due_on": _plain(time.due_on),
                "paused": time.paused,
                "late": time.late,
            }
        )
        if len(items) == limit:
            break
    more = len(items) == limit
    return {"items": items, "next": items[-1]["cursor"] if more and items else None}


def _pauses(ledger: Ledger, prefix: str) -> dict[str, list[tuple[date, date | None]]]:
    """Each application's pauses of its clock (from, to: None while paused)."""
    pauses: dict[str, list[tuple[date, date | None]]] = {}
    for p in ledger.views.query(sql.APPLICATION_PAUSES, {"prefix": prefix}):
        start = _day(p["from_on"])
        if start is not None:
            pauses.setdefault(str(p["application_id"]), []).append((start, _day(p["to_on"])))
    return pauses


def on_time(
    ledger: Ledger, *, region: str, on: date, books: dict[str, StandardsBook] | None = None
) -> list[dict[str, Any]]:
    """Per county: the applications decided by `on`, and how many within their deadline
    (the supervision figure beside its 100% target). The decided applications of
    `worklist(stage="decided")`, each late or not by the same clock, without working out
    the last day, which a decided application's count does not need."""
    ledger.runner.catch_up()
    prefix = region_prefix(region) + "%"
    pauses = _pauses(ledger, prefix)
    is_working = CountedDays(ledger.app.work_calendar().is_working)
    books = {} if books is None else books  # a caller's books, read already, or none
    counts: dict[str, list[int]] = {}
    for row in ledger.views.query(sql.APPLICATIONS, {"prefix": prefix}):
        if row_stage(row) != "decided":
            continue
        county = str(row["region_code"])[:6]
        if county not in books:
            books[county] = ledger.app.standards_book(county, read_only=True)
        pause = pauses.get(str(row["application_id"]), [])
        late = clock(is_working, books[county], row, pause, on, due=False).late
        decided, timely = counts.setdefault(county, [0, 0])
        counts[county] = [decided + 1, timely + (0 if late else 1)]
    return [{"county": c, "decided": d, "on_time": t} for c, (d, t) in sorted(counts.items())]
