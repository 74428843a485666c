"""Periodic review (定期核查) and phase-out (渐退期), POLICY ch. 15, on the aggregate.

The household: one member (born 1980-01-01), dibao from 2025-01-01 with no income. The
dibao standard is 15,000 a year from 2025-01-01, so the allowance is 15,000 / 12 =
1,250.00 a month; the marginal line is 1.5 x 1,250 = 1,875.00 per person a month."""

from datetime import date

import pytest

from domain.errors import PolicyRuleError, SeparationOfDutiesError
from domain.standards import StandardsBook, default_city_standards
from tests.helpers import means
from tests.unit.policy.builders import approve, make, monthly

START = date(2025, 1, 1)


@pytest.fixture
def book():
    return StandardsBook(default_city_standards())


def dibao_of_one(book, details=None, **member):
    h, ids = make(book, category=None, members=1, **member)
    approve(h, book, "dibao", START, means=means(0), details=details)
    return h, ids[0]


def review(h, book, on, income, outcome, **extra):
    return h.record_review(
        on=on,
        means=means(income),
        outcome=outcome,
        reason="periodic review",
        found_by="cw-wang",
        actor="ap-chen",
        book=book,
        **extra,
    )


def fen(h, on):
    point = monthly(h, "dibao", on)
    return None if point is None or point.ended else point.monthly_fen


def test_next_review_a_year_after_the_determination(book):
    """No income, no member able to work (employment not recorded): stable, 12 months
    from 2025-01-01 = 2026-01-01."""
    h, _ = dibao_of_one(book)
    assert fen(h, START) == 125000
    [row] = h.review_schedule(book, START)
    assert (row["category"], row["since"], row["by"]) == ("dibao", START, "determination")
    assert (row["interval"], row["months"]) == ("stable", 12)
    assert row["next_review_on"] == date(2026, 1, 1)


def test_member_able_to_work_or_irregular_income_every_six_months(book):
    """A registered job seeker aged 45 on 2025-01-01 is able to work: 6 months, due
    2025-07-01. An application recording irregular income: the same."""
    h, member = dibao_of_one(book, employment="unemployed_registered")
    [row] = h.review_schedule(book, START)
    assert (row["interval"], row["next_review_on"]) == ("variable", date(2025, 7, 1))
    assert member in row["why"]
    h2, _ = dibao_of_one(book, details={"income_type": "irregular"})
    [row2] = h2.review_schedule(book, START)
    assert (row2["interval"], row2["why"]) == ("variable", "irregular income")


def test_change_recomputes_from_the_review(book):
    """Reviewed 2025-07-01 with 6,000 a year: per person 500.00 a month, below 1,250:
    still dibao, (15,000 - 6,000) / 12 = 750.00 from 2025-07-01; June stays 1,250.00;
    the next review 12 months after the review, 2026-07-01."""
    h, _ = dibao_of_one(book)
    done = review(h, book, date(2025, 7, 1), 6000, "change")
    assert done["outcome"] == "change" and done["application_id"]
    assert fen(h, date(2025, 6, 30)) == 125000
    assert fen(h, date(2025, 7, 1)) == 75000
    assert h.household_category_on(date(2025, 7, 1)).category == "dibao"
    [row] = h.review_schedule(book, date(2025, 7, 1))
    assert row["since"] == date(2025, 7, 1)
    assert row["next_review_on"] == date(2026, 7, 1)


def test_change_to_marginal(book):
    """20,000 a year: 1,666.67 a person a month, at or above 1,250 and below 1,875:
    marginal from 2025-07-01, and dibao (no member took up work) ends then."""
    h, _ = dibao_of_one(book)
    review(h, book, date(2025, 7, 1), 20000, "change")
    assert h.household_category_on(date(2025, 7, 1)).category == "marginal"
    assert fen(h, date(2025, 7, 1)) is None
    assert fen(h, date(2025, 6, 30)) == 125000


def test_continue_changes_nothing_but_the_next_review(book):
    h, _ = dibao_of_one(book)
    events = len(h.collect_events())
    done = review(h, book, date(2025, 10, 1), 0, "continue")
    assert [type(e).__name__ for e in h.collect_events()] == ["ReviewRecorded"]
    assert events and done["outcome"] == "continue"
    assert fen(h, date(2025, 10, 1)) == 125000
    assert h.review_schedule(book, date(2025, 10, 1))[0]["next_review_on"] == date(2026, 10, 1)


def test_continue_refused_when_the_means_no_longer_give_the_category(book):
    h, _ = dibao_of_one(book)
    with pytest.raises(PolicyRuleError, match="no longer gives dibao"):
        review(h, book, date(2025, 7, 1), 20000, "continue")


def test_stop_ends_category_and_allowance(book):
    """Stopped 2025-09-01: 1,250.00 through August, nothing from September."""
    h, _ = dibao_of_one(book)
    review(h, book, date(2025, 9, 1), 40000, "stop")
    assert fen(h, date(2025, 8, 31)) == 125000
    assert fen(h, date(2025, 9, 1)) is None
    assert h.household_category_on(date(2025, 9, 1)) is None
    assert h.review_schedule(book, date(2025, 9, 1)) == []


def test_phase_out_after_a_member_took_up_work(book):
    """The member is employed from 2025-06-01; the review of 2025-07-01 finds 20,000 a
    year (marginal). A stop is recorded as phase-out: the household is marginal from
    2025-07-01, dibao 1,250.00 continues 6 months, to 2025-12-31, nothing from
    2026-01-01."""
    h, member = dibao_of_one(book)
    h.change_member(
        member, effective_on=date(2025, 6, 1), changes={"employment": "employed"}, actor="cw"
    )
    done = review(h, book, date(2025, 7, 1), 20000, "stop")
    assert done["outcome"] == "phase_out"
    assert done["phase_out_until"] == date(2026, 1, 1)
    assert "phase-out (渐退期) 6 months to 2025-12-31" in done["explanation"]
    assert h.household_category_on(date(2025, 7, 1)).category == "marginal"
    assert fen(h, date(2025, 7, 1)) == 125000
    assert fen(h, date(2025, 12, 31)) == 125000
    assert fen(h, date(2026, 1, 1)) is None
    [row] = h.review_schedule(book, date(2025, 7, 1))
    assert (row["category"], row["next_review_on"]) == ("marginal", date(2026, 7, 1))


def test_phase_out_needs_a_member_who_took_up_work(book):
    h, _ = dibao_of_one(book)
    with pytest.raises(PolicyRuleError, match="took up work"):
        review(h, book, date(2025, 7, 1), 20000, "phase_out")


def test_the_approver_is_not_the_caseworker_who_found_the_means(book):
    h, _ = dibao_of_one(book)
    with pytest.raises(SeparationOfDutiesError):
        h.record_review(
            on=date(2025, 7, 1),
            means=means(0),
            outcome="continue",
            reason="x",
            found_by="ap-chen",
            actor="ap-chen",
            book=book,
        )
