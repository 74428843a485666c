"""Periodic review (定期核查) and phase-out (渐退期), POLICY ch. 15, on both backends.

Each household: one member born 1960-01-01 (65, not of working age), rural, in 南湖区
330402, dibao from 2025-01-01 with no income. The dibao standard is 15,000 a year from
2025-01-01: 15,000 / 12 = 1,250.00 a month."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import PolicyRuleError, SeparationOfDutiesError
from domain.payments import PaymentLedger, ledger_id
from services.payment_runs import run_payments
from services.reviews import due
from tests.helpers import household, means, rural_household
from tests.path import app_consents, app_decide

CW, AP, FIN = "caseworker-li", "approver-wang", "finance-zhou"


def _review(ledger, hid, on, income, outcome):
    return ledger.app.record_review(
        hid,
        on=on,
        means=means(income),
        outcome=outcome,
        reason="年度核查",
        found_by=CW,
        actor=AP,
    )


def _scheduled(ledger, hid, period):
    [found] = [
        e
        for e in ledger.app.events.get(ledger_id(hid))
        if isinstance(e, PaymentLedger.PaymentsScheduled) and e.run_period == period
    ]
    return found


def test_due_for_review_a_year_after_approval(ledger):
    """Approved 2025-01-01, stable: due 2026-01-01. On 2025-12-31 the list is empty; on
    2026-01-01 it lists the household under 330402 with the determination's date."""
    hid = rural_household(ledger, "330402")
    assert due(ledger, region="330402", on=date(2025, 12, 31))["counties"] == []
    [county] = due(ledger, region="330400", on=date(2026, 1, 1))["counties"]
    assert county["county"] == "330402"
    [item] = county["due"]
    assert item["household_id"] == str(hid)
    assert (item["category"], item["last_examined_on"], item["last_examined_by"]) == (
        "dibao",
        "2025-01-01",
        "determination",
    )
    assert (item["interval"], item["next_review_on"]) == ("stable", "2026-01-01")
    # another county's household is not in 330411's list
    assert due(ledger, region="330411", on=date(2026, 1, 1))["counties"] == []


def test_change_recomputes_from_the_review_date(ledger):
    """Reviewed 2025-07-01 with 6,000 a year: (15,000 - 6,000) / 12 = 750.00 from
    2025-07-01. The June run pays 1,250.00, the July run 750.00; the next review is
    2026-07-01 (not due on 2026-01-01)."""
    hid = rural_household(ledger, "330402")
    assert run_payments(ledger, "2025-06", FIN).total_fen == 125_000
    done = _review(ledger, hid, date(2025, 7, 1), 6000, "change")
    assert done["outcome"] == "change"
    assert run_payments(ledger, "2025-07", FIN).total_fen == 75_000
    assert due(ledger, region="330402", on=date(2026, 1, 1))["counties"] == []
    [row] = ledger.app.review_schedule(hid, date(2026, 1, 1))
    assert row["next_review_on"] == date(2026, 7, 1)
    assert ledger.verify().ok


def test_stop_from_september_pays_nothing_for_it(ledger):
    """Stopped 2025-09-01 before the September run: August 1,250.00, September nothing."""
    hid = rural_household(ledger, "330402")
    assert run_payments(ledger, "2025-08", FIN).total_fen == 125_000
    _review(ledger, hid, date(2025, 9, 1), 40000, "stop")
    assert run_payments(ledger, "2025-09", FIN).total_fen == 0


def test_stop_after_september_was_paid_is_recovered_by_the_next_run(ledger):
    """September paid 1,250.00; the review then stops dibao from 2025-09-01: the October
    run pays nothing and recovers September's 1,250.00 (POLICY ch. 11)."""
    hid = rural_household(ledger, "330402")
    assert run_payments(ledger, "2025-09", FIN).total_fen == 125_000
    _review(ledger, hid, date(2025, 9, 1), 40000, "stop")
    assert run_payments(ledger, "2025-10", FIN).total_fen == 0
    october = _scheduled(ledger, hid, "2025-10")
    [over] = [o for o in october.overpayments if o["period"] == "2025-09"]
    assert (over["programme"], over["amount_fen"]) == ("dibao", 125_000)


def test_phase_out_keeps_the_allowance_six_months(ledger):
    """The member takes up work from 2025-06-01 (employed); the review of 2025-07-01 finds
    20,000 a year: 1,666.67 a month, at or above 1,250 and below the marginal line
    1,875: marginal. Asked to stop, the ledger records phase-out: marginal from
    2025-07-01, dibao 1,250.00 to 2025-12-31 (the December run pays it), nothing from
    2026-01-01 (the January run pays nothing)."""
    hid = rural_household(ledger, "330402")
    [member] = ledger.app.household(hid).members
    ledger.app.change_member(
        hid, member, effective_on=date(2025, 6, 1), changes={"employment": "employed"}, actor=CW
    )
    done = _review(ledger, hid, date(2025, 7, 1), 20000, "stop")
    assert done["outcome"] == "phase_out"
    assert "phase-out (渐退期) 6 months to 2025-12-31" in done["explanation"]
    household = ledger.app.household(hid)
    assert household.household_category_on(date(2025, 7, 1)).category == "marginal"
    assert run_payments(ledger, "2025-12", FIN).total_fen == 125_000
    assert run_payments(ledger, "2026-01", FIN).total_fen == 0
    report = ledger.verify()  # the review's determination and amounts recompute
    assert report.ok, report


def test_the_reviewer_is_not_the_caseworker_and_nothing_is_recorded(ledger):
    hid = rural_household(ledger, "330402")
    before = ledger.app.household(hid).version
    with pytest.raises(SeparationOfDutiesError):
        ledger.app.record_review(
            hid,
            on=date(2025, 7, 1),
            means=means(0),
            outcome="continue",
            reason="x",
            found_by=AP,
            actor=AP,
        )
    assert ledger.app.household(hid).version == before


def _one_person_dibao(ledger):
    """§5, example 5: three urban members at 54,000 a year, 1,500 a head: marginal from
    2025-02-01; member 2 severely ill takes one-person dibao from 2025-02-01 at the full
    15,000 / 12 = 1,250.00 a month."""
    hid, members = household(ledger.app, 3, severe=(2,))
    on = date(2025, 2, 1)
    for programme, member_id, found in (("marginal", None, 54000), ("dibao_single", 2, None)):
        app_id = ledger.app.submit_application(
            hid,
            programme=programme,
            effective_from=on,
            means=None if found is None else means(found),
            member_id=None if member_id is None else members[member_id],
            actor=CW,
            consents=app_consents(ledger.app, hid, on),
        )
        app_decide(ledger.app, hid, app_id, decision="approve", reason="核准", actor=AP)
    return hid, members


def test_one_person_dibao_is_reviewed_a_year_after_its_determination(ledger):
    """POLICY ch. 15 with §5: the one-person dibao of 2025-02-01 is on the schedule (stable,
    12 months) for 2026-02-01, beside its marginal household's own review."""
    hid, members = _one_person_dibao(ledger)
    rows = ledger.app.review_schedule(hid, date(2025, 6, 1))
    found = {(r["category"], r["member_id"]): r["next_review_on"] for r in rows}
    assert found == {
        ("marginal", None): date(2026, 2, 1),
        ("dibao_single", members[2]): date(2026, 2, 1),
    }


def test_stopping_the_marginal_household_ends_its_one_person_dibao(ledger):
    """§5: one-person dibao needs a marginal household. The review of 2025-09-01 stops
    marginal after September was paid: the one-person dibao ends the same day, and the
    October run pays nothing and recovers September's 1,250.00 (POLICY ch. 11)."""
    hid, _ = _one_person_dibao(ledger)
    run_payments(ledger, "2025-09", FIN)
    _review(ledger, hid, date(2025, 9, 1), 90000, "stop")
    household = ledger.app.household(hid)
    assert household.categories_on(date(2025, 9, 1)) == []
    assert [c.category for c in household.categories_on(date(2025, 8, 31))] == [
        "marginal",
        "dibao_single",
    ]
    assert run_payments(ledger, "2025-10", FIN).total_fen == 0
    [over] = [o for o in _scheduled(ledger, hid, "2025-10").overpayments]
    assert (over["programme"], over["period"], over["amount_fen"]) == (
        "dibao_single",
        "2025-09",
        125_000,
    )
    assert ledger.verify().ok


def test_one_person_dibao_continues_only_while_the_illness_is_recorded(ledger):
    """§5: a review continues one-person dibao while the member is severely ill; once
    the illness is recorded as ended (2025-08-01) a `continue` on 2025-09-01 is refused
    naming the rule, and nothing is recorded; `stop` ends it from that day."""
    hid, members = _one_person_dibao(ledger)
    done = ledger.app.record_review(
        hid,
        on=date(2025, 7, 1),
        means=means(54000),
        outcome="continue",
        reason="仍重病",
        found_by=CW,
        actor=AP,
        member_id=members[2],
    )
    assert done["outcome"] == "continue"
    ledger.app.change_member(
        hid,
        members[2],
        effective_on=date(2025, 8, 1),
        changes={"severe_illness": False},
        actor=CW,
    )
    before = ledger.app.household(hid).version
    with pytest.raises(PolicyRuleError, match="severe illness") as refused:
        ledger.app.record_review(
            hid,
            on=date(2025, 9, 1),
            means=means(54000),
            outcome="continue",
            reason="复查",
            found_by=CW,
            actor=AP,
            member_id=members[2],
        )
    assert refused.value.field == "member_id"
    assert ledger.app.household(hid).version == before
    ledger.app.record_review(
        hid,
        on=date(2025, 9, 1),
        means=means(54000),
        outcome="stop",
        reason="病愈",
        found_by=CW,
        actor=AP,
        member_id=members[2],
    )
    categories = ledger.app.household(hid).categories_on(date(2025, 9, 1))
    assert [c.category for c in categories] == ["marginal"]
