"""Early warnings (POLICY ch. 12) on both backends: for each rule one household that
triggers it and one just below its threshold, figures worked out from the policy; a
caseworker's resolution survives `rebuild`."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from domain.errors import ConflictError, InvalidInputError, NotFoundError
from domain.money import yuan
from domain.policy.s05_means_test import Means
from domain.policy.s17_medical_caps import BillFigures
from projections import sql
from services import warnings as service
from services.payment_runs import run_payments
from tests.helpers import household, id_number
from tests.integration.test_warnings_set_based import reference_findings
from tests.path import app_consents, app_decide

CW, AP = "caseworker-li", "approver-wang"


def approve(ledger, hid, programme, income, start, deductions=0, member_id=None):
    app_id = ledger.app.submit_application(
        hid,
        programme=programme,
        effective_from=start,
        means=Means(income, deductions, 0)
        if programme in ("dibao", "marginal", "low_income")
        else None,
        member_id=member_id,
        actor=CW,
        consents=app_consents(ledger.app, hid, start),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor=AP)


def fired(ledger, on, rule):
    """{household_id: warning} of one rule firing on `on` (the set-based evaluation
    checked against the per-household reference on the way)."""
    assert Counter(service.findings(ledger, on)) == Counter(reference_findings(ledger, on))
    return {
        w.household_id: w
        for w in service.warnings(ledger, on)
        if w.rule == rule and w.finding is not None
    }


def bill(ledger, hid, member, on, self_paid):
    ledger.app.record_medical_bill(
        hid,
        member_id=member,
        service_on=on,
        figures=BillFigures(self_paid, 0, self_paid, {}, ()),
        actor=CW,
    )


def test_illness_poverty_counts_the_self_pay_borne_after_cap_relief(ledger):
    """§12 illness_poverty with §17 caps: a one-person low-income household with 60,000.00
    a year and a 40,000.00 self-paid bill keeps 30,000.00 (person cap; 10,000.00 relieved):
    30,000.00 is not more than 50% x 60,000.00 = 30,000.00 (超过 excludes it). With
    59,999.98 a year the line is 29,999.99 and the same bill raises the warning."""
    at_line, [a] = household(ledger.app, 1, registered_on=date(2025, 1, 1))
    over, [b] = household(ledger.app, 1, registered_on=date(2025, 1, 1))
    approve(ledger, at_line, "low_income", yuan(60000), date(2025, 1, 1))
    approve(ledger, over, "low_income", yuan(60000) - 2, date(2025, 1, 1))
    bill(ledger, at_line, a, date(2025, 5, 1), yuan(40000))
    bill(ledger, over, b, date(2025, 5, 1), yuan(40000))
    found = fired(ledger, date(2025, 6, 1), "illness_poverty")
    assert set(found) == {str(over)}
    warning = found[str(over)]
    assert warning.raised_on == date(2025, 5, 1) and warning.status == "open"
    assert "30000.00" in warning.reason and "29999.99" in warning.reason
    # 12 months on, the bill of 2025-05-01 is out of the window (2025-05-01, 2026-05-01].
    assert str(over) not in fired(ledger, date(2026, 5, 1), "illness_poverty")
    assert str(over) in fired(ledger, date(2026, 4, 30), "illness_poverty")


def test_marginal_household_below_the_raised_dibao_line_is_eligible_for_more(ledger):
    """§12 eligible_for_more with §5 deductions: two members, marginal in 2024 (dibao line
    13,800 / 12 = 1,150.00 a month, marginal line 1,725.00). 31,200.00 a year less 2,400.00
    rigid deductions = 28,800 / 2 / 12 = 1,200.00 a head: marginal in 2024, below the
    2025 line of 1,250.00 (fires from 2025-01-01). 30,000.00 / 2 / 12 = 1,250.00 is not
    below it (低于 excludes it)."""
    below, _ = household(ledger.app, 2, registered_on=date(2024, 1, 1))
    at_line, _ = household(ledger.app, 2, registered_on=date(2024, 1, 1))
    approve(ledger, below, "marginal", yuan(31200), date(2024, 7, 1), deductions=yuan(2400))
    approve(ledger, at_line, "marginal", yuan(30000), date(2024, 7, 1))
    assert fired(ledger, date(2024, 12, 31), "eligible_for_more") == {}
    found = fired(ledger, date(2025, 2, 1), "eligible_for_more")
    assert set(found) == {str(below)}
    assert found[str(below)].raised_on == date(2025, 1, 1)
    assert "1200.00" in found[str(below)].reason


def test_unemployed_member_with_fewer_than_three_referrals_after_30_days(ledger):
    """§12 referrals_missing (§21: 3 referrals each; PARAM 30 days): registered unemployed
    on 2025-01-01, the 30 days end on 2025-01-31. Two referrals: a warning on 2025-01-31,
    not on 2025-01-30; three referrals: none."""
    hids = []
    for referrals in (2, 3):
        hid, _ = household(ledger.app, 1, registered_on=date(2025, 1, 1))
        member = ledger.app.add_member(
            hid,
            actor=CW,
            name="待业者",
            id_number=id_number(),
            relation="spouse",
            birth_on=date(1985, 1, 1),
            joined_on=None,
            employment="unemployed_registered",
        )
        for day in range(referrals):
            ledger.app.refer_to_job(
                hid,
                member,
                referred_on=date(2025, 1, 10 + day),
                employer="嘉兴纺织厂",
                position=None,
                actor=CW,
            )
        hids.append(hid)
    assert fired(ledger, date(2025, 1, 30), "referrals_missing") == {}
    found = fired(ledger, date(2025, 1, 31), "referrals_missing")
    assert set(found) == {str(hids[0])}
    assert found[str(hids[0])].raised_on == date(2025, 1, 31)


def test_visit_overdue_past_twice_the_interval_and_major_change_unvisited(ledger):
    """§12 with §30: quarterly tier, visited 2025-02-10: twice the interval (6 months) ends
    2025-08-10, so on 2025-08-11 it fires; visited 2025-02-11, it does not yet.
    A major change reported 2025-03-01 with its first visit on 2025-03-09 (day 8) fires
    from 2025-03-09; visited on 2025-03-08 (day 7) it does not."""
    late, _ = household(ledger.app, 1, registered_on=date(2025, 1, 1))
    in_time, _ = household(ledger.app, 1, registered_on=date(2025, 1, 1))
    for hid, visited in ((late, date(2025, 2, 10)), (in_time, date(2025, 2, 11))):
        approve(ledger, hid, "dibao", 0, date(2025, 1, 1))
        ledger.app.record_visit(
            hid, visited_on=visited, visitor="李", findings="ok", needs=None, actor=CW
        )
    assert fired(ledger, date(2025, 8, 10), "visit_overdue_long") == {}
    found = fired(ledger, date(2025, 8, 11), "visit_overdue_long")
    assert set(found) == {str(late)} and found[str(late)].raised_on == date(2025, 8, 11)

    day8, _ = household(ledger.app, 1, registered_on=date(2025, 1, 1))
    day7, _ = household(ledger.app, 1, registered_on=date(2025, 1, 1))
    for hid, visited in ((day8, date(2025, 3, 9)), (day7, date(2025, 3, 8))):
        approve(ledger, hid, "dibao", 0, date(2025, 1, 1))
        ledger.app.report_major_change(
            hid, reported_on=date(2025, 3, 1), description="火灾", actor=CW
        )
        ledger.app.record_visit(
            hid, visited_on=visited, visitor="李", findings="ok", needs=None, actor=CW
        )
    assert str(day8) not in fired(ledger, date(2025, 3, 8), "major_change_unvisited")
    found = fired(ledger, date(2025, 3, 20), "major_change_unvisited")
    assert set(found) == {str(day8)} and found[str(day8)].raised_on == date(2025, 3, 9)


def test_rural_low_income_household_whose_per_capita_income_fell(ledger):
    """§12 rural_income_fall (§3 返贫预警): two members, 60,000.00 in 2024 = 30,000.00 a head;
    59,999.98 in 2025 = 29,999.99 a head fell (fires from the 2025 record's date);
    60,000.00 again did not fall. An urban household with the same fall is not rural."""
    found_ids = []
    for residence, income_2025 in (
        ("rural", yuan(60000) - 2),
        ("rural", yuan(60000)),
        ("urban", yuan(60000) - 2),
    ):
        hid = ledger.app.register_household(
            region_code="330424",
            residence=residence,
            address="海盐县某村",
            registered_on=date(2024, 1, 1),
            actor=CW,
        )
        for i in range(2):
            ledger.app.add_member(
                hid,
                actor=CW,
                name=f"农户{i}",
                id_number=id_number(),
                relation="head" if i == 0 else "spouse",
                birth_on=date(1970, 1, 1),
                joined_on=None,
            )
        approve(ledger, hid, "low_income", yuan(60000), date(2024, 3, 1))
        approve(ledger, hid, "low_income", income_2025, date(2025, 3, 1))
        found_ids.append(str(hid))
    found = fired(ledger, date(2025, 4, 1), "rural_income_fall")
    assert set(found) == {found_ids[0]}
    assert found[found_ids[0]].raised_on == date(2025, 3, 1)
    assert fired(ledger, date(2025, 2, 28), "rural_income_fall") == {}


AT = datetime(2025, 3, 5, 10, 0, tzinfo=UTC)


def test_payment_failing_twice_in_a_row(ledger):
    """§12 payment_failing (PARAM 2): February's 1,250.00 failed on 2025-03-05, its retry in
    the March run failed on 2025-04-05: the warning is raised on 2025-04-05, once for the
    chain. A household whose payment failed once has none."""
    twice, ids = household(ledger.app, 1, registered_on=date(2025, 1, 1))
    once, ids2 = household(ledger.app, 1, registered_on=date(2025, 1, 1))
    for hid, member in ((twice, ids[0]), (once, ids2[0])):
        ledger.app.set_account(
            hid,
            member,
            kind="bank",
            account_number="6222020200112233445",
            bank_name="工行",
            actor=CW,
            on=date(2025, 1, 1),
        )
        approve(ledger, hid, "dibao", 0, date(2025, 2, 1))
    run_payments(ledger, "2025-02", "finance-zhou")
    ledger.runner.catch_up()
    for row in ledger.views.query(sql.FEED_RUN, {"period": "2025-02"}):
        ledger.app.acknowledge_payment(
            UUID(str(row["household_id"])),
            row["payment_id"],
            status="failed",
            bank_reference="B-1",
            at=AT,
            actor="finance-zhou",
        )
    assert fired(ledger, date(2025, 3, 31), "payment_failing") == {}
    run_payments(ledger, "2025-03", "finance-zhou")
    ledger.runner.catch_up()
    retry = next(
        r
        for r in ledger.views.query(sql.FEED_RUN, {"period": "2025-03"})
        if r["retry_of"] and str(r["household_id"]) == str(twice)
    )
    ledger.app.acknowledge_payment(
        twice,
        retry["payment_id"],
        status="failed",
        bank_reference="B-2",
        at=datetime(2025, 4, 5, 9, 0, tzinfo=UTC),
        actor="finance-zhou",
    )
    found = fired(ledger, date(2025, 4, 30), "payment_failing")
    assert set(found) == {str(twice)}
    assert found[str(twice)].raised_on == date(2025, 4, 5)
    assert retry["payment_id"] in found[str(twice)].reason


def test_a_resolved_warning_stays_resolved_after_a_rebuild(ledger):
    """A caseworker acknowledges, then resolves with a note (events of the warning's own
    stream); after `rebuild` the warning is still resolved, on its dates, and the
    summary counts it with its days to resolution (2025-08-11 -> 2025-08-20: 9)."""
    hid, _ = household(ledger.app, 1, registered_on=date(2025, 1, 1))
    approve(ledger, hid, "dibao", 0, date(2025, 1, 1))
    ledger.app.record_visit(
        hid, visited_on=date(2025, 2, 10), visitor="李", findings="ok", needs=None, actor=CW
    )
    [warning] = [
        w for w in service.warnings(ledger, date(2025, 8, 11)) if w.rule == "visit_overdue_long"
    ]
    wid = UUID(warning.warning_id)
    with pytest.raises(InvalidInputError):
        service.act(ledger, wid, status="resolved", note=" ", actor=CW, on=date(2025, 8, 12))
    with pytest.raises(NotFoundError):
        service.act(ledger, uuid4(), status="acknowledged", note="", actor=CW, on=date(2025, 8, 12))
    service.act(ledger, wid, status="acknowledged", note="", actor=CW, on=date(2025, 8, 12))
    with pytest.raises(ConflictError):
        service.act(ledger, wid, status="acknowledged", note="", actor=CW, on=date(2025, 8, 13))
    resolved = service.act(
        ledger,
        wid,
        status="resolved",
        note="visited on 2025-08-20, all well",
        actor=CW,
        on=date(2025, 8, 20),
    )
    assert (resolved.status, resolved.acknowledged_on, resolved.resolved_on) == (
        "resolved",
        date(2025, 8, 12),
        date(2025, 8, 20),
    )
    ledger.runner.rebuild()
    after = [w for w in service.warnings(ledger, date(2025, 8, 21)) if w.warning_id == str(wid)]
    assert [(w.status, w.note, w.raised_on) for w in after] == [
        ("resolved", "visited on 2025-08-20, all well", date(2025, 8, 11))
    ]
    assert service.warnings(ledger, date(2025, 8, 21), status="open") == []
    [county] = service.summary(ledger, date(2025, 8, 21))
    assert county["region_code"] == "330402"
    assert (county["open"], county["resolved"], county["max_days_to_resolution"]) == (0, 1, 9)
    assert county["mean_days_to_resolution"] == "9.0"
