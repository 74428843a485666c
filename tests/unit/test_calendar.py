"""The working-day calendar (domain/calendar.py, POLICY ch. 14): the seeded 2025 and 2026
holidays and make-up days, corrections, and counting working days with pauses. Every
expected date is worked out by hand in the test's docstring."""

from datetime import date, datetime, timedelta

import pytest

from domain.calendar import (
    SEED_ACTOR,
    SEED_DAYS,
    CountedDays,
    SeedDay,
    WorkCalendar,
    add_missing_days,
    add_working_days,
    calendar_id,
    default_calendar,
    weekday_rule,
    working_days_between,
)
from domain.errors import InvalidInputError

D = date


@pytest.fixture
def cal() -> WorkCalendar:
    return default_calendar()


def test_one_stream_for_the_city_with_a_deterministic_id():
    assert WorkCalendar.open().id == calendar_id() == default_calendar().id
    assert calendar_id("330400") != calendar_id("330402")


def test_the_seeds_are_params_of_the_state_council_notices(cal):
    """Every seed day is recorded once, by the seed actor, as a PARAM for the bureau."""
    assert len({s.day for s in SEED_DAYS}) == len(SEED_DAYS)
    for seed in SEED_DAYS:
        mark = cal.marks[seed.day]
        assert mark.actor == SEED_ACTOR and mark.working is seed.working
        assert mark.basis.startswith("PARAM: the bureau confirms against the State Council")
        assert f"{seed.day.year}年部分节假日安排的通知" in mark.basis


def test_seeded_days_and_the_weekday_rule(cal):
    """2025-01-26 is a Sunday made a working day (春节 调休); 2025-01-28 a Tuesday off;
    2025-03-03 (Mon) works and 2025-03-01 (Sat) does not, by the weekday rule; 2026-10-08
    (Thu) works again after National Day 10-1..10-7."""
    assert cal.is_working(D(2025, 1, 26))
    assert not cal.is_working(D(2025, 1, 28))
    assert cal.is_working(D(2025, 3, 3)) and not cal.is_working(D(2025, 3, 1))
    assert not cal.is_working(D(2026, 10, 7)) and cal.is_working(D(2026, 10, 8))
    assert cal.is_working(D(2026, 9, 20)) and cal.is_working(D(2026, 10, 10))


def test_five_working_days_over_national_day_2025(cal):
    """After Friday 2025-09-26: 9-27 (Sat) off; 9-28 (Sun, make-up) 1; 9-29 2; 9-30 3;
    10-1..10-8 off; 10-9 4; 10-10 5: 2025-10-10."""
    assert add_working_days(cal, D(2025, 9, 26), 5) == D(2025, 10, 10)
    assert working_days_between(cal, D(2025, 9, 26), D(2025, 10, 10)) == 5


def test_start_itself_is_not_counted(cal):
    """1 working day after Monday 2025-03-03 is Tuesday 03-04; 0 is the start; after
    Friday 2025-03-07 the first is Monday 03-10."""
    assert add_working_days(cal, D(2025, 3, 3), 1) == D(2025, 3, 4)
    assert add_working_days(cal, D(2025, 3, 3), 0) == D(2025, 3, 3)
    assert add_working_days(cal, D(2025, 3, 7), 1) == D(2025, 3, 10)


def test_a_pause_stops_the_clock(cal):
    """5 working days after 2025-09-26 with documents awaited 9-29..9-30 (both paused):
    9-28 1; 9-29, 9-30 paused; 10-1..10-8 off; 10-9 2; 10-10 3; 10-11 (Sat, make-up) 4;
    10-12 (Sun) off; 10-13 5: 2025-10-13. Between 9-26 and 10-13 with the pause: 5."""
    pause = [(D(2025, 9, 29), D(2025, 9, 30))]
    assert add_working_days(cal, D(2025, 9, 26), 5, pause) == D(2025, 10, 13)
    assert working_days_between(cal, D(2025, 9, 26), D(2025, 10, 13), pause) == 5
    assert working_days_between(cal, D(2025, 9, 26), D(2025, 10, 13)) == 7


def test_a_pause_still_open(cal):
    """Paused from 2025-03-05 with no end: 2 working days after Monday 03-03 is 03-05,
    but a third is not known (None); between 03-03 and 03-31 only 03-04 counts: 1."""
    still = [(D(2025, 3, 5), None)]
    assert add_working_days(cal, D(2025, 3, 3), 1, still) == D(2025, 3, 4)
    assert add_working_days(cal, D(2025, 3, 3), 2, still) is None
    assert working_days_between(cal, D(2025, 3, 3), D(2025, 3, 31), still) == 1


def test_a_correction_overrides_a_seed(cal):
    """The bureau marks Saturday 2025-10-11 not working after all: the fifth working day
    after Thursday 2025-10-09 then skips 10-11 and 10-12: 10-10 1; 10-13 2; 10-14 3;
    10-15 4; 10-16 5: 2025-10-16 (not 10-15). A later mark back restores it."""
    assert add_working_days(cal, D(2025, 10, 9), 5) == D(2025, 10, 15)
    assert cal.mark(D(2025, 10, 11), False, "嘉民函〔2025〕9号 correction", "admin-chen")
    assert not cal.is_working(D(2025, 10, 11))
    assert cal.marks[D(2025, 10, 11)].actor == "admin-chen"
    assert add_working_days(cal, D(2025, 10, 9), 5) == D(2025, 10, 16)
    assert cal.mark(D(2025, 10, 11), True, "restored", "admin-chen")
    assert add_working_days(cal, D(2025, 10, 9), 5) == D(2025, 10, 15)


def test_the_same_mark_again_records_nothing(cal):
    version = cal.version
    seed = cal.marks[D(2025, 1, 1)]
    assert not cal.mark(D(2025, 1, 1), False, seed.basis, "admin-chen")
    assert cal.version == version
    assert cal.mark(D(2025, 1, 1), False, "another basis", "admin-chen")
    assert cal.version == version + 1


def test_working_days_between_over_spring_festival_2026(cal):
    """Friday 2026-02-13 to Saturday 2026-02-28: 2-14 (Sat, make-up) 1; 2-15..2-23 off;
    2-24, 2-25, 2-26, 2-27 2..5; 2-28 (Sat, make-up) 6: 6. And 6 working days after
    2-13 is 2-28."""
    assert working_days_between(cal, D(2026, 2, 13), D(2026, 2, 28)) == 6
    assert add_working_days(cal, D(2026, 2, 13), 6) == D(2026, 2, 28)
    assert working_days_between(cal, D(2026, 2, 28), D(2026, 2, 13)) == 0


def test_counted_days_give_the_walks_count(cal):
    """The prefix-sum counter (a page's many applications) answers as the day-by-day walk:
    the Spring Festival span above is 6 by both, asked late then early (the counter's
    origin moves back); and every span of 2025-2026 starting on the 1st or 15th of a
    month and ending up to 90 days later, with a pause falling back to the walk."""
    counted = CountedDays(cal.is_working)
    assert working_days_between(counted, D(2026, 2, 13), D(2026, 2, 28)) == 6
    assert working_days_between(counted, D(2025, 9, 30), D(2025, 10, 9)) == (
        working_days_between(cal, D(2025, 9, 30), D(2025, 10, 9))
    )
    assert working_days_between(counted, D(2026, 2, 28), D(2026, 2, 13)) == 0
    for year in (2025, 2026):
        for month in range(1, 13):
            for first in (1, 15):
                start = D(year, month, first)
                for length in range(0, 91, 7):
                    end = start + timedelta(length)
                    assert working_days_between(counted, start, end) == (
                        working_days_between(cal, start, end)
                    ), (start, end)
    pause = [(D(2026, 2, 24), D(2026, 2, 25))]  # two working days paused: 6 - 2
    assert working_days_between(counted, D(2026, 2, 13), D(2026, 2, 28), pause) == 4


def test_thirty_working_days_from_receipt():
    """POLICY ch. 14.5 on the weekday rule alone: 30 working days after Monday 2025-03-03
    are six weeks: Monday 2025-04-14."""
    assert add_working_days(weekday_rule, D(2025, 3, 3), 30) == D(2025, 4, 14)


def test_working_days_per_month(cal):
    """2026-02: 20 weekdays, minus the Spring Festival weekdays 2-16..2-20 and 2-23 (6),
    plus the make-up Saturdays 2-14 and 2-28 (2): 16. 2025 in all: 261 weekdays, 18 of them
    holidays, 5 make-up days: 248."""
    assert cal.working_days_in_month(2026, 2) == 16
    assert sum(cal.working_days_in_month(2025, m) for m in range(1, 13)) == 248


def test_days_added_to_the_seed_list_later_are_recorded():
    """An older ledger gets the days declared since; a day already marked is kept."""
    cal = WorkCalendar.open()
    assert add_missing_days(cal, SEED_DAYS[:3]) == 3
    cal.mark(SEED_DAYS[5].day, True, "the bureau's own mark", "admin-chen")
    assert add_missing_days(cal) == len(SEED_DAYS) - 4
    assert cal.marks[SEED_DAYS[5].day].basis == "the bureau's own mark"
    assert add_missing_days(cal) == 0
    extra = SeedDay(D(2027, 1, 1), False, "元旦", 2027)
    assert add_missing_days(cal, (*SEED_DAYS, extra)) == 1


def test_bad_input_names_the_field(cal):
    with pytest.raises(InvalidInputError) as error:
        add_working_days(cal, datetime(2025, 3, 3, 9), 1)
    assert error.value.field == "start"
    with pytest.raises(InvalidInputError) as error:
        add_working_days(cal, D(2025, 3, 3), -1)
    assert error.value.field == "n"
    with pytest.raises(InvalidInputError) as error:
        working_days_between(cal, D(2025, 3, 3), D(2025, 4, 1), [(D(2025, 3, 9), D(2025, 3, 8))])
    assert error.value.field == "pauses"
    with pytest.raises(InvalidInputError) as error:
        cal.mark(D(2025, 3, 3), False, "  ", "admin-chen")
    assert error.value.field == "basis"


def test_a_calendar_without_working_days_is_refused():
    with pytest.raises(InvalidInputError, match="no working day"):
        add_working_days(lambda d: False, D(2025, 1, 1), 1)
