"""The working-day calendar (POLICY ch. 14): one `WorkCalendar` stream for the city.

A day is a working day by the weekday rule (Monday to Friday) unless a mark says
otherwise: a public holiday (`working=False`) or a make-up working day, 调休
(`working=True`, usually a Saturday or a Sunday). A day's status is its latest recorded
mark, so a correction is a new mark; the bureau maintains the calendar like a standard.

The 2025 and 2026 holidays of the State Council's notices are recorded as defaults when
the stream is opened, each a PARAM for the bureau to confirm; days added to the seed
list later are recorded on an existing ledger too (`add_missing_days`).

`add_working_days` and `working_days_between` count working days on it, skipping the
days the clock is paused (documents awaited, POLICY ch. 14.1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.chain import Chained, ChainedEvent
from domain.errors import InvalidInputError

CALENDAR_REGION = "330400"  # the city: one calendar for every county
SEED_ACTOR = "system:seed"
OPENED_ON = date(2023, 1, 1)  # the timeline's first day (domain.policy.base.START)
SEED_BASIS = "PARAM: the bureau confirms against the State Council notice"

IsWorking = Callable[[date], bool]
Pause = tuple[date, date | None]  # (from, to) inclusive; to None: still paused


def calendar_id(region_code: str = CALENDAR_REGION) -> UUID:
    """The deterministic stream id of the city's working-day calendar."""
    return uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:calendar:{region_code}")


def weekday_rule(day: date) -> bool:
    """Monday to Friday work, Saturday and Sunday do not (the default of every day)."""
    return day.weekday() < 5


@dataclass(frozen=True)
class Mark:
    """A recorded mark of a day: its status, why, who recorded it, and the stream
    version that recorded it."""

    day: date
    working: bool
    basis: str
    actor: str
    version: int


@dataclass(frozen=True)
class SeedDay:
    day: date
    working: bool
    holiday: str  # the notice's name of the holiday
    year: int  # the notice's year

    @property
    def basis(self) -> str:
        kind = "make-up working day (调休)" if self.working else "public holiday"
        return (
            f"{SEED_BASIS} (国务院办公厅关于{self.year}年部分节假日安排的通知): "
            f"{self.holiday}, {kind}"
        )


def _off(year: int, holiday: str, first: date, last: date) -> list[SeedDay]:
    days = (last - first).days + 1
    return [SeedDay(first + timedelta(i), False, holiday, year) for i in range(days)]


def _work(year: int, holiday: str, *days: date) -> list[SeedDay]:
    return [SeedDay(day, True, holiday, year) for day in days]


D = date
SEED_DAYS: tuple[SeedDay, ...] = (
    # 2025
    *_off(2025, "元旦", D(2025, 1, 1), D(2025, 1, 1)),
    *_off(2025, "春节", D(2025, 1, 28), D(2025, 2, 4)),
    *_work(2025, "春节", D(2025, 1, 26), D(2025, 2, 8)),
    *_off(2025, "清明节", D(2025, 4, 4), D(2025, 4, 6)),
    *_off(2025, "劳动节", D(2025, 5, 1), D(2025, 5, 5)),
    *_work(2025, "劳动节", D(2025, 4, 27)),
    *_off(2025, "端午节", D(2025, 5, 31), D(2025, 6, 2)),
    *_off(2025, "国庆节、中秋节", D(2025, 10, 1), D(2025, 10, 8)),
    *_work(2025, "国庆节、中秋节", D(2025, 9, 28), D(2025, 10, 11)),
    # 2026
    *_off(2026, "元旦", D(2026, 1, 1), D(2026, 1, 3)),
    *_work(2026, "元旦", D(2026, 1, 4)),
    *_off(2026, "春节", D(2026, 2, 15), D(2026, 2, 23)),
    *_work(2026, "春节", D(2026, 2, 14), D(2026, 2, 28)),
    *_off(2026, "清明节", D(2026, 4, 4), D(2026, 4, 6)),
    *_off(2026, "劳动节", D(2026, 5, 1), D(2026, 5, 5)),
    *_work(2026, "劳动节", D(2026, 5, 9)),
    *_off(2026, "端午节", D(2026, 6, 19), D(2026, 6, 21)),
    *_off(2026, "中秋节", D(2026, 9, 25), D(2026, 9, 27)),
    *_off(2026, "国庆节", D(2026, 10, 1), D(2026, 10, 7)),
    *_work(2026, "国庆节", D(2026, 9, 20), D(2026, 10, 10)),
)
del D


class WorkCalendar(Chained):
    """The city's working days: the weekday rule, and the marks recorded over it."""

    class Event(ChainedEvent):
        actor: str
        effective_on: date

    class Opened(Event, Aggregate.Created):
        region_code: str

    class DayMarked(Event):
        day: date
        working: bool
        basis: str

        def apply(self, aggregate: WorkCalendar) -> None:
            aggregate.marks[self.day] = Mark(
                self.day, self.working, self.basis, self.actor, self.originator_version
            )

    def __init__(self, region_code: str) -> None:
        self.region_code = region_code
        self.marks: dict[date, Mark] = {}  # each day's latest mark

    @classmethod
    def open(cls, actor: str = SEED_ACTOR, region_code: str = CALENDAR_REGION) -> WorkCalendar:
        created: WorkCalendar = cls._create(
            cls.Opened,
            id=calendar_id(region_code),
            region_code=region_code,
            actor=actor,
            effective_on=OPENED_ON,
        )
        return created

    def mark(self, day: date, working: bool, basis: str, actor: str) -> bool:
        """Record `day` as working or not, citing `basis`. Nothing is recorded when the
        day's latest mark already says the same with the same basis (False)."""
        _exact(day, "day")
        if not isinstance(working, bool):
            raise InvalidInputError("working must be true or false", "working")
        if not isinstance(basis, str) or not basis.strip():
            raise InvalidInputError("basis must cite why the day is marked", "basis")
        latest = self.marks.get(day)
        if latest is not None and (latest.working, latest.basis) == (working, basis):
            return False
        self.trigger_event(
            self.DayMarked, day=day, working=working, basis=basis, actor=actor, effective_on=day
        )
        return True

    def is_working(self, day: date) -> bool:
        """The day's latest mark, else the weekday rule."""
        found = self.marks.get(day)
        return found.working if found is not None else weekday_rule(day)

    def marks_in(self, year: int) -> list[Mark]:
        """The year's marked days (their latest marks), in date order."""
        return sorted((m for m in self.marks.values() if m.day.year == year), key=lambda m: m.day)

    def working_days_in_month(self, year: int, month: int) -> int:
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return working_days_between(self, first - timedelta(1), following - timedelta(1))


def add_missing_days(calendar: WorkCalendar, seed_days: Iterable[SeedDay] = SEED_DAYS) -> int:
    """Record the default of every seed day the calendar has no mark for (all of them on a
    new stream; on an older ledger, the days added to the list since). A day with any
    mark, the bureau's or a seed, is left alone. Returns how many (unsaved)."""
    count = 0
    for seed in seed_days:
        if seed.day not in calendar.marks:
            calendar.mark(seed.day, seed.working, seed.basis, SEED_ACTOR)
            count += 1
    return count


def default_calendar() -> WorkCalendar:
    """The city's calendar opened with the seed days (unsaved)."""
    calendar = WorkCalendar.open()
    add_missing_days(calendar)
    return calendar


# ------------------------------------------------------------------ counting

# A stretch this long without one working day means a calendar marked wrong.
MAX_IDLE_DAYS = 366


class CountedDays:
    """One calendar's working-day rule with the days counted once (prefix sums), for a
    caller that asks `working_days_between` for many spans of the same calendar (a
    county's applications on one page): a span without pauses is then two look-ups, not
    a walk over its days. Called as a rule, it is the rule it wraps."""

    def __init__(self, is_working: IsWorking) -> None:
        self._is_working = is_working
        self._origin: date | None = None
        self._counts: list[int] = [0]  # working days in (origin, origin + i]

    def __call__(self, day: date) -> bool:
        return self._is_working(day)

    def _count_to(self, day: date) -> int:
        if self._origin is None or day < self._origin:
            # a year before the earliest day asked (or the first ask): count afresh
            self._origin, self._counts = day - timedelta(366), [0]
        offset = (day - self._origin).days
        counts = self._counts
        while len(counts) <= offset:
            counts.append(counts[-1] + self._is_working(self._origin + timedelta(len(counts))))
        return counts[offset]

    def between(self, start: date, end: date) -> int:
        """The working days after `start` up to and including `end` (no pauses)."""
        if end <= start:
            return 0
        self._count_to(start)  # puts the origin at or before `start`, so `end` keeps it
        return self._count_to(end) - self._count_to(start)


def _rule(calendar: WorkCalendar | IsWorking) -> IsWorking:
    return calendar.is_working if isinstance(calendar, WorkCalendar) else calendar


def _exact(value: object, field: str) -> date:
    """A date, not a datetime (a datetime is a date to Python, but no day of it)."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInputError(f"{field} must be a date (not a datetime)", field)
    return value


def _checked_pauses(pauses: Sequence[Pause]) -> list[Pause]:
    checked: list[Pause] = []
    for start, end in pauses:
        _exact(start, "pauses")
        if end is not None and (_exact(end, "pauses") < start):
            raise InvalidInputError(
                f"a pause ends ({end.isoformat()}) before it starts ({start.isoformat()})",
                "pauses",
            )
        checked.append((start, end))
    return checked


def _paused(day: date, pauses: Sequence[Pause]) -> bool:
    return any(start <= day and (end is None or day <= end) for start, end in pauses)


def add_working_days(
    calendar: WorkCalendar | IsWorking,
    start: date,
    n: int,
    pauses: Sequence[Pause] = (),
) -> date | None:
    """The day on which the `n`-th working day after `start` falls (`start` itself is
    not counted; `n` 0 is `start`). A day inside a pause `(from, to)` (both ends
    included; `to` None: still paused) is not counted even if it is a working day.
    None when a pause still open begins before the `n`-th working day is reached: the
    deadline is not known until the pause ends.

    Example, 5 working days after Friday 2025-09-26 on the seeded calendar: Saturday
    9-27 is off; Sunday 9-28 is a make-up working day (1); 9-29 (2) and 9-30 (3); the
    National Day and Mid-Autumn holiday 10-1..10-8 is off; 10-9 (4) and 10-10 (5):
    2025-10-10. With the pause (2025-09-29, 2025-09-30) those two do not count: 9-28
    (1), 10-9 (2), 10-10 (3), Saturday 10-11, a make-up day (4), Sunday 10-12 off,
    Monday 10-13 (5): 2025-10-13.
    """
    _exact(start, "start")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise InvalidInputError("n must be a whole number of working days, 0 or more", "n")
    is_working = _rule(calendar)
    checked = _checked_pauses(pauses)
    open_from = min((s for s, e in checked if e is None), default=None)
    day, counted, idle = start, 0, 0
    while counted < n:
        day += timedelta(1)
        if open_from is not None and day >= open_from:
            return None
        if is_working(day) and not _paused(day, checked):
            counted, idle = counted + 1, 0
        else:
            idle += 1
            if idle > MAX_IDLE_DAYS:
                raise InvalidInputError(
                    f"no working day in the {MAX_IDLE_DAYS} days after {day.isoformat()}: "
                    "the calendar or the pauses are wrong",
                    "pauses",
                )
    return day


def working_days_between(
    calendar: WorkCalendar | IsWorking,
    start: date,
    end: date,
    pauses: Sequence[Pause] = (),
) -> int:
    """The working days after `start` up to and including `end`, minus those inside a
    pause `(from, to)` (both ends included; `to` None: paused through `end`). 0 when
    `end` is not after `start`. The inverse of `add_working_days`: for a result `d` of
    `add_working_days(c, s, n, p)`, `working_days_between(c, s, d, p) == n`.

    Example, Friday 2026-02-13 to Saturday 2026-02-28 on the seeded calendar: Saturday
    2-14 is a make-up working day (1); the Spring Festival 2-15..2-23 is off; 2-24,
    2-25, 2-26, 2-27 (2..5); Saturday 2-28 is a make-up working day (6): 6.
    """
    _exact(start, "start")
    _exact(end, "end")
    if isinstance(calendar, CountedDays) and not pauses:
        return calendar.between(start, end)
    is_working = _rule(calendar)
    checked = _checked_pauses(pauses)
    count = 0
    day = start + timedelta(1)
    while day <= end:
        if is_working(day) and not _paused(day, checked):
            count += 1
        day += timedelta(1)
    return count
