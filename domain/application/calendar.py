"""The working-day calendar (POLICY ch. 14): its seeds, its marks and loading it."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.application.base import LedgerBase
from domain.calendar import Mark, WorkCalendar, add_missing_days, calendar_id, default_calendar
from domain.errors import NotFoundError


@dataclass(frozen=True)
class CalendarMarkResult:
    """What `mark_calendar_day` did: the day's latest mark after it, and `recorded`
    False when that mark already said the same (nothing new recorded)."""

    mark: Mark
    recorded: bool

    @property
    def version(self) -> int:
        """The calendar stream's version that recorded the day's mark."""
        return self.mark.version


class CalendarLedger(LedgerBase):
    """Commands over the city's working-day calendar."""

    def seed_calendar(self) -> bool:
        """Open the city's calendar with the seeded holidays and make-up days
        (idempotent); on an existing ledger, record the seed days added since it was
        opened. True when the calendar was opened now."""
        found = self._calendar()
        if found is not None:
            if add_missing_days(found):
                with suppress(IntegrityError):  # added concurrently by another process
                    self.save(found)
            return False
        try:
            self.save(default_calendar())
        except IntegrityError:
            return False  # seeded concurrently by another process
        return True

    def work_calendar(self) -> WorkCalendar:
        """The city's calendar as recorded."""
        found = self._calendar()
        if found is None:
            raise NotFoundError("the working-day calendar is not seeded; run `ledger demo` or seed")
        return found

    def mark_calendar_day(
        self, day: date, working: bool, basis: str, actor: str
    ) -> CalendarMarkResult:
        """Record `day` as a working day or not (a public holiday, a make-up day, or a
        correction of either), citing `basis`. Idempotent: the same mark as the day's
        latest records nothing. A calendar not yet seeded is opened with its seeds."""

        def attempt() -> tuple[list[Any], CalendarMarkResult]:
            calendar = self._calendar() or default_calendar()
            recorded = calendar.mark(day, working, basis, actor)
            return [calendar], CalendarMarkResult(calendar.marks[day], recorded)

        return self.retrying(attempt, "the calendar")

    def _calendar(self) -> WorkCalendar | None:
        try:
            found: Any = self.repository.get(calendar_id())
        except AggregateNotFoundError:
            return None
        if not isinstance(found, WorkCalendar):
            raise TypeError(f"stream {calendar_id()} is not the working-day calendar")
        return found
