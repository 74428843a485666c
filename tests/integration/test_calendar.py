"""The working-day calendar stored (POLICY ch. 14), on SQLite and PostgreSQL: seeded once
at start-up, a marked day read back, a correction winning over a seed."""

from __future__ import annotations

from datetime import date

from domain.calendar import SEED_ACTOR, SEED_DAYS, add_working_days, calendar_id
from services.ledger import Ledger


def test_seeding_is_idempotent(ledger: Ledger):
    """Opened at start-up with every seed day; seeding again, or opening the ledger
    again, records nothing."""
    calendar = ledger.app.work_calendar()
    assert calendar.version == 1 + len(SEED_DAYS)
    assert ledger.app.seed_calendar() is False
    assert ledger.app.seed_calendar() is False
    assert len(list(ledger.app.events.get(calendar_id()))) == 1 + len(SEED_DAYS)
    again = Ledger.open(ledger.settings)
    try:
        assert again.app.work_calendar().version == 1 + len(SEED_DAYS)
    finally:
        again.close()


def test_a_marked_day_is_read_back(ledger: Ledger):
    """Monday 2025-03-03 marked off by the bureau: stored, loaded, the same mark again
    records nothing."""
    result = ledger.app.mark_calendar_day(
        date(2025, 3, 3), False, "嘉政办发〔2025〕3号 台风停工", "admin-chen"
    )
    assert result.recorded and result.version == 2 + len(SEED_DAYS)
    calendar = ledger.app.work_calendar()
    mark = calendar.marks[date(2025, 3, 3)]
    assert (mark.working, mark.actor, mark.version) == (False, "admin-chen", result.version)
    assert not calendar.is_working(date(2025, 3, 3))
    same = ledger.app.mark_calendar_day(
        date(2025, 3, 3), False, "嘉政办发〔2025〕3号 台风停工", "admin-chen"
    )
    assert not same.recorded and same.version == result.version


def test_a_correction_wins_over_a_seed(ledger: Ledger):
    """The seeded make-up Saturday 2025-10-11 corrected to off: 5 working days after
    Thursday 2025-10-09 become 10-10, 10-13, 10-14, 10-15, 10-16 (not 10-15); reseeding
    leaves the correction alone."""
    assert add_working_days(ledger.app.work_calendar(), date(2025, 10, 9), 5) == date(2025, 10, 15)
    ledger.app.mark_calendar_day(date(2025, 10, 11), False, "correction", "admin-chen")
    ledger.app.seed_calendar()
    calendar = ledger.app.work_calendar()
    assert calendar.marks[date(2025, 10, 11)].actor != SEED_ACTOR
    assert add_working_days(calendar, date(2025, 10, 9), 5) == date(2025, 10, 16)
