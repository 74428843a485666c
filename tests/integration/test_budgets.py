"""Programme budgets (docs/PAYMENTS.md "Budgets"; the plan's supervision, 四(四)), on
both backends: a run releases lines while they fit the county's budget for the
programme and holds the rest (listed); an override for a run lets its lines through;
committed and remaining to the fen; two writers at once never release past a budget;
bad input names the field and records nothing.

Every household here is `family` of tests/integration/test_grants_paid.py: a 南湖区
(330402) dibao household of two with no income from 2025-01-01, (15,000 x 2) / 12 =
2,500.00 a month (§6), paid to the head's account."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from eventsourcing.persistence import IntegrityError

from domain.budgets import budget_id
from domain.errors import InvalidInputError, NotFoundError, PolicyRuleError
from domain.payments import PaymentRun
from projections import sql
from services.budgets import BudgetBook, override_budget, set_budget, spending
from services.payment_runs import run_payments
from tests.integration.test_grants_paid import family, feed

FIN = "finance-zhou"
ON = date(2025, 1, 2)
DOC = "嘉民〔2025〕12号"


def budget(ledger, amount, document=DOC, programme="dibao", county="330402", year=2025):
    return set_budget(
        ledger,
        county=county,
        year=year,
        programme=programme,
        amount=amount,
        document=document,
        actor=FIN,
        on=ON,
    )


def households(ledger, n):
    return sorted(str(family(ledger)[0]) for _ in range(n))


def nanhu_dibao(summary):
    [row] = [b for b in summary.budgets if (b["county"], b["programme"]) == ("330402", "dibao")]
    return row


def test_a_budget_that_allows_two_lines_releases_two_and_holds_the_third(ledger):
    """Budget 5,000.00 (嘉民〔2025〕12号) for 南湖区 dibao in 2025; three households of
    2,500.00 (§6). January's run releases the first two in household order: committed
    5,000.00, remaining 0.00; the third's 2,500.00 waits, listed with its reason."""
    hids = households(ledger, 3)
    recorded = budget(ledger, "5000.00")
    assert (recorded["budget"], recorded["committed"], recorded["remaining"]) == (
        "5000.00",
        "0.00",
        "5000.00",
    )
    jan = run_payments(ledger, "2025-01", FIN)
    assert (jan.payments, jan.total_fen, jan.households) == (2, 500_000, 2)
    assert sorted(str(r["household_id"]) for r in feed(ledger, "2025-01")) == hids[:2]
    row = nanhu_dibao(jan)
    assert (row["budget_fen"], row["earlier_fen"], row["this_run_fen"]) == (500_000, 0, 500_000)
    assert (row["committed_fen"], row["remaining_fen"]) == (500_000, 0)
    assert (row["held_lines"], row["held_fen"], row["status"]) == (1, 250_000, "held")
    [held] = jan.report.waiting
    assert (held["kind"], held["household_id"], held["amount_fen"]) == ("budget", hids[2], 250_000)
    assert "5000.00" in held["why"] and "0.00 remaining" in held["why"]
    shown = spending(ledger, 2025)["budgets"]
    [nanhu] = [b for b in shown if b["county"] == "330402"]
    assert (nanhu["committed"], nanhu["remaining"], nanhu["status"]) == ("5000.00", "0.00", "spent")
    assert nanhu["months"][0] == {
        "month": "2025-01",
        "spent": "5000.00",
        "spent_fen": 500_000,
        "to_date": "5000.00",
    }
    assert nanhu["months"][1]["spent"] == "0.00" and nanhu["months"][1]["to_date"] == "5000.00"
    assert nanhu["revisions"] == [
        {"amount": "5000.00", "document": DOC, "actor": FIN, "on": "2025-01-02"}
    ]
    again = run_payments(ledger, "2025-01", FIN)  # asked again: the same answer
    assert not again.created and again.report.waiting == jan.report.waiting
    assert nanhu_dibao(again)["committed_fen"] == 500_000
    assert ledger.verify().ok


def test_an_override_releases_the_held_line_and_a_raised_budget_is_met_to_the_fen(ledger):
    """After January (two released, one held, as above) finance overrides the February
    run for 南湖区 dibao (who and why recorded): February releases all three regular
    lines (3 x 2,500.00) and the held household's January as arrears (2,500.00): this run
    10,000.00, committed 15,000.00, remaining -10,000.00. Then the budget is raised to
    22,500.00 (嘉民〔2025〕30号): March's three lines (7,500.00) fit exactly: committed
    22,500.00, remaining 0.00, and January is never paid twice."""
    hids = households(ledger, 3)
    budget(ledger, "5000.00")
    run_payments(ledger, "2025-01", FIN)
    with pytest.raises(PolicyRuleError) as refused:  # January is complete
        override_budget(
            ledger,
            county="南湖区",
            year=2025,
            programme="dibao",
            run_period="2025-01",
            reason="x",
            actor=FIN,
            on=ON,
        )
    assert refused.value.field == "run_period"
    shown = override_budget(
        ledger,
        county="南湖区",
        year=2025,
        programme="dibao",
        run_period="2025-02",
        reason="追加预算待批，先行发放",
        document="嘉财〔2025〕3号",
        actor=FIN,
        on=date(2025, 2, 1),
    )
    assert shown["overrides"][0]["reason"] == "追加预算待批，先行发放"
    feb = run_payments(ledger, "2025-02", FIN)
    assert (feb.payments, feb.total_fen, feb.report.waiting) == (4, 1_000_000, [])
    arrears = [r for r in feed(ledger, "2025-02") if r["kind"] == "arrears"]
    assert [(str(r["household_id"]), r["period"], r["amount_fen"]) for r in arrears] == [
        (hids[2], "2025-01", 250_000)
    ]
    row = nanhu_dibao(feb)
    assert (row["earlier_fen"], row["this_run_fen"], row["committed_fen"]) == (
        500_000,
        1_000_000,
        1_500_000,
    )
    assert (row["remaining_fen"], row["status"]) == (-1_000_000, "overridden")
    assert row["override"] == {
        "reason": "追加预算待批，先行发放",
        "document": "嘉财〔2025〕3号",
        "actor": FIN,
    }
    raised = budget(ledger, "22500.00", "嘉民〔2025〕30号")
    assert [r["amount"] for r in raised["revisions"]] == ["5000.00", "22500.00"]
    march = run_payments(ledger, "2025-03", FIN)
    assert (march.payments, march.total_fen, march.report.waiting) == (3, 750_000, [])
    assert all(r["kind"] == "regular" for r in feed(ledger, "2025-03"))
    row = nanhu_dibao(march)
    assert (row["committed_fen"], row["remaining_fen"], row["status"]) == (
        2_250_000,
        0,
        "within budget",
    )
    april = run_payments(ledger, "2025-04", FIN)  # nothing left: all three wait
    assert (april.payments, len(april.report.waiting)) == (0, 3)
    assert nanhu_dibao(april)["held_fen"] == 750_000
    assert ledger.verify().ok


def test_without_a_budget_nothing_is_held_and_the_run_says_so(ledger):
    """No budget recorded for 南湖区 dibao: January pays all three (7,500.00) and
    reports "no budget recorded" with committed 7,500.00; a budget of another county
    (嘉善县 330421) does not limit it."""
    households(ledger, 3)
    budget(ledger, "100.00", county="嘉善县")
    jan = run_payments(ledger, "2025-01", FIN)
    assert (jan.payments, jan.total_fen) == (3, 750_000)
    row = nanhu_dibao(jan)
    assert (row["status"], row["budget_fen"], row["committed_fen"]) == (
        "no budget recorded",
        None,
        750_000,
    )
    [jiashan] = [b for b in jan.budgets if b["county"] == "330421"]
    assert (jiashan["budget_fen"], jiashan["committed_fen"], jiashan["remaining_fen"]) == (
        10_000,
        0,
        10_000,
    )


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ({"amount": "12.345"}, "amount", "at most two places"),
        ({"amount": "0.00"}, "amount", "more than 0.00"),
        ({"amount": "-5.00"}, "amount", "negative"),
        ({"amount": 5000}, "amount", "decimal string"),
        ({"programme": "dibaoo"}, "programme", "programme of the registry"),
        ({"county": "杭州市"}, "county", "Jiaxing's counties"),
        ({"county": "330100"}, "county", "Jiaxing's counties"),
        ({"year": "25"}, "year", "between 2000 and 2100"),
        ({"document": "  "}, "document", "must be given"),
    ],
)
def test_bad_input_names_the_field_and_the_rule_and_records_nothing(ledger, given, field, words):
    args = {
        "county": "330402",
        "year": 2025,
        "programme": "dibao",
        "amount": "5000.00",
        "document": DOC,
        **given,
    }
    head = ledger.app.recorder.max_notification_id() or 0
    with pytest.raises(InvalidInputError) as bad:
        set_budget(ledger, **args, actor=FIN, on=ON)
    assert bad.value.field == field and words in bad.value.message
    assert (ledger.app.recorder.max_notification_id() or 0) == head
    ledger.runner.catch_up()
    assert ledger.views.query(sql.BUDGETS_OF_YEAR, {"year": 2025}) == []


def test_an_override_needs_a_budget_and_a_reason(ledger):
    with pytest.raises(NotFoundError) as missing:
        override_budget(
            ledger,
            county="330402",
            year=2025,
            programme="dibao",
            run_period="2025-02",
            reason="急需",
            actor=FIN,
            on=ON,
        )
    assert missing.value.field == "programme"
    budget(ledger, "5000.00")
    with pytest.raises(InvalidInputError) as no_reason:
        override_budget(
            ledger,
            county="330402",
            year=2025,
            programme="dibao",
            run_period="2025-02",
            reason="",
            actor=FIN,
            on=ON,
        )
    assert no_reason.value.field == "reason"
    with pytest.raises(PolicyRuleError) as other_year:
        override_budget(
            ledger,
            county="330402",
            year=2025,
            programme="dibao",
            run_period="2026-01",
            reason="急需",
            actor=FIN,
            on=ON,
        )
    assert other_year.value.field == "run_period"


def test_two_commitments_at_the_same_version_cannot_both_be_written(ledger):
    """Two runs' books read at the same moment, each releasing 2,500.00 of the last
    2,500.00 of a 5,000.00 budget after one line: the first batch's commitment is
    written, the second is refused by the store (the same next version), so it re-plans
    and finds nothing left."""
    households(ledger, 1)
    budget(ledger, "5000.00")
    run_payments(ledger, "2025-01", FIN)  # 2,500.00 committed
    ledger.runner.catch_up()
    line = dict(feed(ledger, "2025-01")[0])
    line["payment_id"] = "another"
    first, second = BudgetBook(ledger.views, "2025-02"), BudgetBook(ledger.views, "2025-02")
    assert first.admit("330402", [line])[0] == [line]
    assert second.admit("330402", [line])[0] == [line]
    ledger.app.events.put(first.commitments(FIN, date(2025, 2, 1)))
    with pytest.raises(IntegrityError):
        ledger.app.events.put(second.commitments(FIN, date(2025, 2, 1)))
    ledger.runner.catch_up()
    again = BudgetBook(ledger.views, "2025-02")
    account = again.accounts[("330402", "dibao")]
    assert account.version == 3  # Set, January's commitment, the first book's
    found = ledger.app.repository.get(budget_id("330402", 2025, "dibao"))
    assert found.committed_fen == 500_000  # 2,500.00 by January, 2,500.00 by the first


def test_two_writers_of_one_run_at_once_never_release_past_the_budget(ledger):
    """Six households; the budget 22,500.00 for 2025 allows nine lines of 2,500.00.
    January releases six (15,000.00). February's run was started and died; two
    processes resume it at once, one household per batch: together they release
    exactly three more (7,500.00: committed 22,500.00, remaining 0.00) and hold three."""
    households(ledger, 6)
    budget(ledger, "22500.00")
    assert run_payments(ledger, "2025-01", FIN).total_fen == 1_500_000
    ledger.app.save(PaymentRun.start("2025-02", FIN, ledger.app.recorder.max_notification_id()))
    answers, failures = [], []

    def resume():
        try:
            answers.append(run_payments(ledger, "2025-02", FIN, batch_size=1))
        except Exception as error:
            failures.append(error)

    threads = [threading.Thread(target=resume) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    rows = feed(ledger, "2025-02")
    assert (len(rows), sum(r["amount_fen"] for r in rows)) == (3, 750_000)
    [nanhu] = [b for b in spending(ledger, 2025)["budgets"] if b["county"] == "330402"]
    assert (nanhu["committed"], nanhu["remaining"]) == ("22500.00", "0.00")
    final = run_payments(ledger, "2025-02", FIN)
    assert len([w for w in final.report.waiting if w["kind"] == "budget"]) == 3
    assert ledger.verify().ok
