"""Payment runs on both backends (POLICY ch. 4, ch. 11; ARCHITECTURE.md "Money flow")."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from domain.errors import ConflictError, LedgerError, PolicyRuleError
from domain.money import yuan
from domain.payments import ledger_id
from projections import sql
from services.payment_runs import run_payments
from tests.helpers import household, means
from tests.path import app_consents, app_decide

AT = datetime(2025, 3, 5, 10, 0, tzinfo=UTC)


def dibao(ledger, members: int, income: int, start: date, account: bool = True):
    hid, ids = household(ledger.app, members, registered_on=date(2024, 1, 1))
    if account:
        ledger.app.set_account(
            hid,
            ids[0],
            kind="bank",
            account_number="6222020200112233445",
            bank_name="中国工商银行嘉兴分行",
            actor="caseworker-li",
            on=date(2025, 1, 1),
        )
    determine(ledger, hid, income, start)
    return hid, ids


def determine(ledger, hid, income, start):
    app_id = ledger.app.submit_application(
        hid,
        programme="dibao",
        effective_from=start,
        means=means(income),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, start),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")


def lines(ledger, period=None):
    ledger.runner.catch_up()
    rows = ledger.views.query(sql.FEED_PAGE, {"after": 0, "limit": 10_000})
    return [
        (
            r["run_period"],
            r["period"],
            r["kind"],
            r["gross_fen"],
            r["recovered_fen"],
            r["amount_fen"],
        )
        for r in rows
        if period is None or r["run_period"] == period
    ]


def test_full_month_and_mid_month_start_pro_rata(ledger):
    """§4/§11: one member with no income gets the full 1,250.00 for March; example 14:
    one member with 4,200 a year gets (15,000 - 4,200) / 12 = 900.00 a month from
    2025-02-11, paid for 18 of February's 28 days: 900 x 18 / 28 = 578.571... -> 578.57."""
    full, _ = dibao(ledger, 1, 0, date(2025, 2, 1))
    partial, _ = dibao(ledger, 1, 4200, date(2025, 2, 11))
    feb = run_payments(ledger, "2025-02", "finance-zhou")
    assert feb.created and feb.payments == 2
    assert feb.total_fen == 125_000 + 57_857
    assert sorted(lines(ledger, "2025-02")) == sorted(
        [
            ("2025-02", "2025-02", "regular", 125_000, 0, 125_000),
            ("2025-02", "2025-02", "regular", 57_857, 0, 57_857),
        ]
    )
    march = run_payments(ledger, "2025-03", "finance-zhou")
    assert march.total_fen == 125_000 + 90_000
    del full, partial


def test_a_run_repeated_schedules_nothing_new(ledger):
    dibao(ledger, 1, 0, date(2025, 2, 1))
    first = run_payments(ledger, "2025-02", "finance-zhou")
    again = run_payments(ledger, "2025-02", "finance-zhou")
    assert (again.run_id, again.payments, again.total_fen) == (
        first.run_id,
        first.payments,
        first.total_fen,
    )
    assert not again.created
    assert len(lines(ledger)) == 1


def test_runs_go_forward(ledger):
    dibao(ledger, 1, 0, date(2025, 2, 1))
    run_payments(ledger, "2025-03", "finance-zhou")
    with pytest.raises(PolicyRuleError) as caught:
        run_payments(ledger, "2025-02", "finance-zhou")
    assert caught.value.field == "period"


def test_retroactive_standard_rise_produces_arrears(ledger):
    """§3/§11: dibao 1,250.00 a month from January (one member, no income), paid by the
    January and February runs. The standard rises to 15,600 from 2025-01-01, recorded in
    March: the March run pays 1,300.00 for March and 50.00 arrears (补发) each for
    January and February. Months before the first run produce nothing."""
    dibao(ledger, 1, 0, date(2024, 11, 1))
    run_payments(ledger, "2025-01", "finance-zhou")
    run_payments(ledger, "2025-02", "finance-zhou")
    ledger.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(15600),
        effective_from=date(2025, 1, 1),
        basis="嘉政发〔2025〕9号",
        actor="admin",
        cited_income_growth=Fraction(4, 100),
    )
    march = run_payments(ledger, "2025-03", "finance-zhou")
    assert sorted(lines(ledger, "2025-03")) == [
        ("2025-03", "2025-01", "arrears", 5_000, 0, 5_000),
        ("2025-03", "2025-02", "arrears", 5_000, 0, 5_000),
        ("2025-03", "2025-03", "regular", 130_000, 0, 130_000),
    ]
    assert march.total_fen == 140_000
    # Nothing more for the same months next time.
    run_payments(ledger, "2025-04", "finance-zhou")
    assert lines(ledger, "2025-04") == [("2025-04", "2025-04", "regular", 130_000, 0, 130_000)]


def test_income_rise_found_late_is_recovered_at_the_share_limit(ledger):
    """§4, example 15: two members with 6,000 a year get (30,000 - 6,000) / 12 = 2,000.00.
    January and February are paid. Found late: in February the income was 18,000, so
    (30,000 - 18,000) / 12 = 1,000.00 was owed: 1,000 overpaid. From March the income is
    6,000 again. The March run deducts 30% (PARAM) of 2,000 = 600 (pays 1,400.00); April
    deducts the remaining 400 (pays 1,600.00); May pays 2,000.00."""
    hid, _ = dibao(ledger, 2, 6000, date(2025, 1, 1))
    run_payments(ledger, "2025-01", "finance-zhou")
    run_payments(ledger, "2025-02", "finance-zhou")
    determine(ledger, hid, 18000, date(2025, 2, 1))
    determine(ledger, hid, 6000, date(2025, 3, 1))
    run_payments(ledger, "2025-03", "finance-zhou")
    assert lines(ledger, "2025-03") == [("2025-03", "2025-03", "regular", 200_000, 60_000, 140_000)]
    run_payments(ledger, "2025-04", "finance-zhou")
    assert lines(ledger, "2025-04") == [("2025-04", "2025-04", "regular", 200_000, 40_000, 160_000)]
    run_payments(ledger, "2025-05", "finance-zhou")
    assert lines(ledger, "2025-05") == [("2025-05", "2025-05", "regular", 200_000, 0, 200_000)]


def test_failed_payment_is_offered_again_then_cancelled_after_three_failures(ledger):
    """A failed February payment (1,250.00) is offered again by the March run beside
    March's own; after three failures of the same payment the next run cancels it
    (PARAM payment_max_failures 3) and it stays visible, never lost. (A returned payment
    waits for a corrected account instead: test_returns.py.)"""
    hid, _ = dibao(ledger, 1, 0, date(2025, 2, 1))
    run_payments(ledger, "2025-02", "finance-zhou")
    ledger.runner.catch_up()
    [feb] = ledger.views.query(sql.FEED_RUN, {"period": "2025-02"})
    ack = {"status": "failed", "bank_reference": "B-1", "at": AT, "actor": "finance-zhou"}
    assert ledger.app.acknowledge_payment(hid, feb["payment_id"], **ack)
    assert not ledger.app.acknowledge_payment(hid, feb["payment_id"], **ack)  # same again
    with pytest.raises(ConflictError):
        ledger.app.acknowledge_payment(hid, feb["payment_id"], **{**ack, "status": "paid"})
    run_payments(ledger, "2025-03", "finance-zhou")
    ledger.runner.catch_up()
    march = ledger.views.query(sql.FEED_RUN, {"period": "2025-03"})
    retry = next(r for r in march if r["retry_of"] == feb["payment_id"])
    assert (retry["period"], retry["amount_fen"], retry["failures"]) == ("2025-02", 125_000, 1)
    ledger.app.acknowledge_payment(hid, retry["payment_id"], **{**ack, "bank_reference": "B-2"})
    run_payments(ledger, "2025-04", "finance-zhou")
    ledger.runner.catch_up()
    second = next(
        r
        for r in ledger.views.query(sql.FEED_RUN, {"period": "2025-04"})
        if r["retry_of"] == retry["payment_id"]
    )
    ledger.app.acknowledge_payment(hid, second["payment_id"], **{**ack, "bank_reference": "B-3"})
    run_payments(ledger, "2025-05", "finance-zhou")
    ledger.runner.catch_up()
    may = ledger.views.query(sql.FEED_RUN, {"period": "2025-05"})
    assert [r["period"] for r in may] == ["2025-05"]  # no fourth try
    [cancelled] = ledger.views.query(sql.PAYMENT_BY_ID, {"payment_id": second["payment_id"]})
    assert cancelled["status"] == "cancelled"


def test_feed_pages_of_any_size_give_every_payment_once_in_order(ledger):
    for n in range(7):
        dibao(ledger, 1 + n % 3, 1000 * n, date(2025, 2, 1))
    run_payments(ledger, "2025-02", "finance-zhou")
    run_payments(ledger, "2025-03", "finance-zhou")
    ledger.runner.catch_up()
    everything = ledger.views.query(sql.FEED_PAGE, {"after": 0, "limit": 10_000})
    assert len(everything) == 14
    for size in (1, 2, 3, 5, 13, 14, 100):
        seen, cursor = [], 0
        while True:
            page = ledger.views.query(sql.FEED_PAGE, {"after": cursor, "limit": size})
            if not page:
                break
            seen.extend(r["payment_id"] for r in page)
            cursor = page[-1]["feed_seq"]
        assert seen == [r["payment_id"] for r in everything]


def test_concurrent_runs_schedule_each_payment_once(ledger):
    """Four threads start the same month at once (and the payments are the same when
    asked again): each household is paid once, and every thread answers the same run."""
    for n in range(20):
        dibao(ledger, 1, 100 * n, date(2025, 2, 1))
    results, errors = [], []
    barrier = threading.Barrier(4)

    def start():
        try:
            barrier.wait()
            results.append(run_payments(ledger, "2025-02", "finance-zhou"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({(r.run_id, r.payments, r.total_fen) for r in results}) == 1
    assert results[0].payments == 20
    ledger.runner.catch_up()
    ids = [r["payment_id"] for r in ledger.views.query(sql.FEED_RUN, {"period": "2025-02"})]
    assert len(ids) == len(set(ids)) == 20


def test_a_member_who_left_is_no_longer_paid(ledger):
    """The head (with the account) moves to another household: from then on the
    household's dibao goes to the account of a member still in it."""
    hid, ids = dibao(ledger, 2, 0, date(2025, 2, 1))
    ledger.app.set_account(
        hid,
        ids[1],
        kind="one_card",
        account_number="330400998877",
        bank_name=None,
        actor="caseworker-li",
        on=date(2025, 1, 1),
    )
    other, _ = household(ledger.app, 1, registered_on=date(2024, 1, 1))
    run_payments(ledger, "2025-02", "finance-zhou")
    ledger.app.move_member(
        hid, ids[0], to_household_id=other, effective_on=date(2025, 2, 20), actor="caseworker-li"
    )
    run_payments(ledger, "2025-03", "finance-zhou")
    ledger.runner.catch_up()
    payees = {
        r["run_period"]: r["account_number"]
        for r in ledger.views.query(sql.FEED_PAGE, {"after": 0, "limit": 100})
    }
    assert payees == {"2025-02": "6222020200112233445", "2025-03": "330400998877"}


def test_retroactive_rise_reaches_an_ended_dibao_and_the_next_run_pays_its_arrears(ledger):
    """§3/§11 with an entitlement that ended before the change was recorded: dibao
    1,250.00 a month from January (one member, no income), paid by the January to March
    runs; from April the household is marginal (income 18,000: 1,500.00 a head, above
    1,250.00 and at most 1.5 x 1,250.00 = 1,875.00), which ends its dibao; April and May
    are run. The standard then rises to 15,600 from 2025-01-01 (15,600 / 12 = 1,300.00):
    the ended dibao is adjusted for January to March (1,300.00, still ended from April),
    and the June run pays 3 x 50.00 arrears and nothing regular."""
    hid, _ = dibao(ledger, 1, 0, date(2025, 1, 1))
    for period in ("2025-01", "2025-02", "2025-03"):
        run_payments(ledger, period, "finance-zhou")
    marginal = ledger.app.submit_application(
        hid,
        programme="marginal",
        effective_from=date(2025, 4, 1),
        means=means(18000),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, date(2025, 4, 1)),
    )
    app_decide(ledger.app, hid, marginal, decision="approve", reason="ok", actor="approver-wang")
    for period in ("2025-04", "2025-05"):
        run_payments(ledger, period, "finance-zhou")
    assert lines(ledger, "2025-04") == []
    _, propagation = ledger.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(15600),
        effective_from=date(2025, 1, 1),
        basis="嘉政发〔2025〕9号",
        actor="admin",
        cited_income_growth=Fraction(4, 100),
    )
    assert (propagation.adjusted, propagation.refused) == (1, [])
    history = [(r.effective_from, r.monthly_fen, r.ended) for r in ledger.entitlement_history(hid)]
    assert history == [
        (date(2025, 1, 1), 125_000, False),
        (date(2025, 4, 1), 0, True),
        (date(2025, 1, 1), 130_000, False),
    ]
    june = run_payments(ledger, "2025-06", "finance-zhou")
    assert sorted(lines(ledger, "2025-06")) == [
        ("2025-06", "2025-01", "arrears", 5_000, 0, 5_000),
        ("2025-06", "2025-02", "arrears", 5_000, 0, 5_000),
        ("2025-06", "2025-03", "arrears", 5_000, 0, 5_000),
    ]
    assert june.total_fen == 15_000


def test_a_late_determination_pays_the_months_already_run_as_arrears(ledger):
    """§4/§11 arrears (补发) from a late determination: one member with no income applies
    for dibao from 2025-01-01 (15,000 / 12 = 1,250.00 a month), but it is determined only
    after the January and February runs. The March run pays it 1,250.00 for March and
    1,250.00 arrears each for January and February (3,750.00), beside another household's
    regular (15,000 - 6,000) / 12 = 750.00: 4,500.00 in all."""
    other, _ = dibao(ledger, 1, 6000, date(2025, 1, 1))  # (15,000 - 6,000) / 12 = 750.00
    hid, ids = household(ledger.app, 1, registered_on=date(2024, 1, 1))
    ledger.app.set_account(
        hid,
        ids[0],
        kind="bank",
        account_number="6222020200112233445",
        bank_name="中国工商银行嘉兴分行",
        actor="caseworker-li",
        on=date(2025, 1, 1),
    )
    app_id = ledger.app.submit_application(
        hid,
        programme="dibao",
        effective_from=date(2025, 1, 1),
        means=means(0),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, date(2025, 1, 1)),
    )
    run_payments(ledger, "2025-01", "finance-zhou")
    run_payments(ledger, "2025-02", "finance-zhou")
    assert lines(ledger, "2025-02") == [("2025-02", "2025-02", "regular", 75_000, 0, 75_000)]
    app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    march = run_payments(ledger, "2025-03", "finance-zhou")
    assert sorted(lines(ledger, "2025-03")) == [
        ("2025-03", "2025-01", "arrears", 125_000, 0, 125_000),
        ("2025-03", "2025-02", "arrears", 125_000, 0, 125_000),
        ("2025-03", "2025-03", "regular", 75_000, 0, 75_000),
        ("2025-03", "2025-03", "regular", 125_000, 0, 125_000),
    ]
    assert march.total_fen == 3 * 125_000 + 75_000
    del other


def _rise(ledger, annual_yuan: int, growth: Fraction) -> None:
    ledger.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(annual_yuan),
        effective_from=date(2025, 1, 1),
        basis="嘉政发〔2025〕9号",
        actor="admin",
        cited_income_growth=growth,
    )


def test_two_failed_arrears_of_the_same_month_are_both_retried_with_distinct_ids(ledger):
    """Audit G1 (§4 arrears; a failed payment is offered again, never lost). One member,
    no income, dibao from 2024-11, paid by the January and February runs at
    15,000 / 12 = 1,250.00. The standard rises to 15,600 from 2025-01-01: the March run
    pays January arrears of 1,300.00 - 1,250.00 = 50.00. It rises again to 16,224 (4%):
    the April run pays January arrears of 1,352.00 - 1,300.00 = 52.00. Both January
    arrears lines fail. The May run offers both again, under two different ids, and the
    views keep up."""
    hid, _ = dibao(ledger, 1, 0, date(2024, 11, 1))
    run_payments(ledger, "2025-01", "finance-zhou")
    run_payments(ledger, "2025-02", "finance-zhou")
    _rise(ledger, 15600, Fraction(4, 100))
    run_payments(ledger, "2025-03", "finance-zhou")
    _rise(ledger, 16224, Fraction(4, 100))
    run_payments(ledger, "2025-04", "finance-zhou")
    ledger.runner.catch_up()
    failed = [
        r
        for period in ("2025-03", "2025-04")
        for r in ledger.views.query(sql.FEED_RUN, {"period": period})
        if r["kind"] == "arrears" and r["period"] == "2025-01"
    ]
    assert [r["amount_fen"] for r in failed] == [5_000, 5_200]
    for n, row in enumerate(failed):
        ack = {"status": "failed", "bank_reference": f"B-{n}", "at": AT, "actor": "finance-zhou"}
        assert ledger.app.acknowledge_payment(hid, row["payment_id"], **ack)
    may = run_payments(ledger, "2025-05", "finance-zhou")
    assert may.payments == 3 and may.total_fen == 135_200 + 5_000 + 5_200
    ledger.runner.catch_up()
    assert set(ledger.runner.lag().values()) == {0}
    retries = {
        r["retry_of"]: (r["period"], r["kind"], r["amount_fen"], r["payment_id"])
        for r in ledger.views.query(sql.FEED_RUN, {"period": "2025-05"})
        if r["retry_of"]
    }
    assert {k: v[:3] for k, v in retries.items()} == {
        failed[0]["payment_id"]: ("2025-01", "arrears", 5_000),
        failed[1]["payment_id"]: ("2025-01", "arrears", 5_200),
    }
    ids = [v[3] for v in retries.values()]
    assert len(set(ids)) == 2
    ledger_state = ledger.app.repository.get(ledger_id(hid))
    assert {ledger_state.payments[i].amount_fen for i in ids} == {5_000, 5_200}


def test_a_run_after_a_skipped_month_is_refused_and_records_nothing(ledger):
    """Audit G3 (§4: every month of an entitlement is paid): with January run, a run for
    March is refused naming `period` and saying February must be run first; nothing is
    recorded. After February, March runs and pays 1,250.00 (15,000 / 12, one member,
    no income)."""
    dibao(ledger, 1, 0, date(2025, 1, 1))
    run_payments(ledger, "2025-01", "finance-zhou")
    head = ledger.app.recorder.max_notification_id()
    with pytest.raises(PolicyRuleError) as caught:
        run_payments(ledger, "2025-03", "finance-zhou")
    assert caught.value.field == "period"
    assert "run 2025-02 first" in caught.value.message
    assert ledger.app.recorder.max_notification_id() == head
    ledger.runner.catch_up()
    assert [r["period"] for r in ledger.views.query(sql.RUN_PERIODS, {})] == ["2025-01"]
    assert run_payments(ledger, "2025-02", "finance-zhou").total_fen == 125_000
    assert run_payments(ledger, "2025-03", "finance-zhou").total_fen == 125_000
    # Across a year end too.
    for period in ("2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09"):
        run_payments(ledger, period, "finance-zhou")
    for period in ("2025-10", "2025-11", "2025-12"):
        run_payments(ledger, period, "finance-zhou")
    with pytest.raises(PolicyRuleError):
        run_payments(ledger, "2026-02", "finance-zhou")
    assert run_payments(ledger, "2026-01", "finance-zhou").total_fen == 125_000


def test_a_suspended_entitlement_is_not_paid_for_the_suspended_days(ledger):
    """Issue 3 "suspended entitlements are not paid", worked example 1's amount: four
    members with 19,200 a year: (1,250 - 19,200 / 4 / 12) x 4 = 3,400.00 a month from
    February. Suspended from 2025-03-11, resumed from 2025-03-21: March is paid for
    2025-03-01..10 (10 days) and 2025-03-21..31 (11 days), 21 of 31 days:
    3,400 x 21 / 31 = 2,303.2258... -> 2,303.23 (half-up once, §11). April: 3,400.00."""
    hid, _ = dibao(ledger, 4, 19200, date(2025, 2, 1))
    run_payments(ledger, "2025-02", "finance-zhou")
    assert lines(ledger, "2025-02") == [("2025-02", "2025-02", "regular", 340_000, 0, 340_000)]
    ledger.app.suspend_entitlement(
        hid,
        "dibao",
        None,
        effective_on=date(2025, 3, 11),
        reason="入户核查未见本人",
        actor="approver-wang",
    )
    ledger.app.resume_entitlement(
        hid,
        "dibao",
        None,
        effective_on=date(2025, 3, 21),
        reason="复核属实",
        actor="approver-wang",
    )
    [suspended] = ledger.entitlements(hid, date(2025, 3, 15))
    assert (suspended.row.monthly_fen, suspended.row.cause) == (0, "suspension")
    assert suspended.effective_to == date(2025, 3, 20)
    [resumed] = ledger.entitlements(hid, date(2025, 3, 21))
    assert (resumed.row.monthly_fen, resumed.row.cause) == (340_000, "resumption")
    assert [(r.effective_from, r.monthly_fen, r.cause) for r in ledger.entitlement_history(hid)][
        -2:
    ] == [
        (date(2025, 3, 11), 0, "suspension"),
        (date(2025, 3, 21), 340_000, "resumption"),
    ]
    march = run_payments(ledger, "2025-03", "finance-zhou")
    assert march.total_fen == 230_323  # 340,000 fen x 21 / 31 = 230,322.58 fen, half-up
    ledger.runner.catch_up()
    [line] = ledger.views.query(sql.FEED_RUN, {"period": "2025-03"})
    assert "suspended 10/31 days (2025-03-11 to 2025-03-20)" in line["explanation"]
    run_payments(ledger, "2025-04", "finance-zhou")
    assert lines(ledger, "2025-04") == [("2025-04", "2025-04", "regular", 340_000, 0, 340_000)]
    # `ledger verify` recomputes the suspension's change points from the recorded events.
    report = ledger.verify()
    assert (report.chain_breaks, report.recompute_mismatches) == ([], [])


def test_a_suspension_recorded_after_the_run_is_recovered(ledger):
    """A suspension from 2025-02-15 recorded after the February run paid the whole
    1,250.00 (one member, no income): February owed 1,250 x 14 / 28 = 625.00, so 625.00
    was overpaid. Resumed from 2025-03-01: the March run pays 1,250.00 less 30% (PARAM
    recovery_max_share) = 375.00 recovered; April recovers the remaining 250.00."""
    hid, _ = dibao(ledger, 1, 0, date(2025, 2, 1))
    run_payments(ledger, "2025-02", "finance-zhou")
    for command, on in (
        (ledger.app.suspend_entitlement, date(2025, 2, 15)),
        (ledger.app.resume_entitlement, date(2025, 3, 1)),
    ):
        command(hid, "dibao", None, effective_on=on, reason="核查", actor="approver-wang")
    run_payments(ledger, "2025-03", "finance-zhou")
    assert lines(ledger, "2025-03") == [("2025-03", "2025-03", "regular", 125_000, 37_500, 87_500)]
    run_payments(ledger, "2025-04", "finance-zhou")
    assert lines(ledger, "2025-04") == [("2025-04", "2025-04", "regular", 125_000, 25_000, 100_000)]


def test_suspension_refusals_record_nothing(ledger):
    """Only an entitlement in force can be suspended, once; only a suspended one resumed,
    after its first day; a reason is required. Each refusal names its field."""
    hid, _ = dibao(ledger, 1, 0, date(2025, 2, 1))
    before = len(ledger.app.household_events(hid))
    refusals = [
        (ledger.app.suspend_entitlement, "dibao", date(2025, 1, 15), "x", "effective_on"),
        (ledger.app.suspend_entitlement, "tekun", date(2025, 3, 1), "x", "programme"),
        (ledger.app.suspend_entitlement, "education_aid", date(2025, 3, 1), "x", "programme"),
        (ledger.app.suspend_entitlement, "dibao", date(2025, 3, 1), " ", "reason"),
        (ledger.app.resume_entitlement, "dibao", date(2025, 3, 1), "x", "programme"),
    ]
    for command, programme, on, reason, field in refusals:
        with pytest.raises(LedgerError) as caught:
            command(hid, programme, None, effective_on=on, reason=reason, actor="approver-wang")
        assert caught.value.field == field, (programme, on, caught.value.message)
    assert len(ledger.app.household_events(hid)) == before
    ledger.app.suspend_entitlement(
        hid, "dibao", None, effective_on=date(2025, 3, 1), reason="x", actor="approver-wang"
    )
    with pytest.raises(ConflictError):
        ledger.app.suspend_entitlement(
            hid, "dibao", None, effective_on=date(2025, 3, 5), reason="x", actor="approver-wang"
        )
    with pytest.raises(PolicyRuleError) as caught:
        ledger.app.resume_entitlement(
            hid, "dibao", None, effective_on=date(2025, 3, 1), reason="x", actor="approver-wang"
        )
    assert caught.value.field == "effective_on"


def _marginal_from_february(ledger, hid, members, single: bool):
    """Found late: from 2025-02-01 the household was marginal (54,000 for three members
    is 1,500 a head, above the 1,250 dibao line), which ends its dibao; with `single`,
    the severely ill member gets one-person dibao (example 5: 1,250.00) from then."""
    marginal = ledger.app.submit_application(
        hid,
        programme="marginal",
        effective_from=date(2025, 2, 1),
        means=means(54000),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, date(2025, 2, 1)),
    )
    app_decide(ledger.app, hid, marginal, decision="approve", reason="ok", actor="approver-wang")
    if single:
        app_id = ledger.app.submit_application(
            hid,
            programme="dibao_single",
            effective_from=date(2025, 2, 1),
            means=None,
            member_id=members[2],
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 2, 1)),
        )
        app_decide(
            ledger.app, hid, app_id, decision="approve", reason="重病", actor="approver-wang"
        )


def _three_on_dibao(ledger):
    """Three members (one severely ill) with 36,000 a year: 1,000 a head a month, so
    (1,250 - 1,000) x 3 = 750.00 a month of dibao from January; January and February
    paid."""
    hid, members = household(ledger.app, 3, registered_on=date(2024, 1, 1), severe=(2,))
    ledger.app.set_account(
        hid,
        members[0],
        kind="bank",
        account_number="6222020200112233445",
        bank_name=None,
        actor="caseworker-li",
        on=date(2025, 1, 1),
    )
    determine(ledger, hid, 36000, date(2025, 1, 1))
    run_payments(ledger, "2025-01", "finance-zhou")
    run_payments(ledger, "2025-02", "finance-zhou")
    assert [line[5] for line in lines(ledger)] == [75_000, 75_000]
    return hid, members


def test_an_ended_entitlements_recovery_moves_to_the_households_other_programme(ledger):
    """§4 recoveries "until settled" (audit G9). February's dibao (750.00) was overpaid:
    the household was marginal from 2025-02-01, so its dibao ended then. The severely
    ill member's one-person dibao (1,250.00 a month, example 5) from 2025-02-01 is paid
    by the March run: March 1,250.00 and February's arrears 1,250.00. The 750.00 dibao
    balance moves to it and is recovered at 30% (PARAM recovery_max_share) of each
    payment: 375.00 from March (875.00 paid) and 375.00 from February's arrears (875.00
    paid). Nothing is left to recover; April pays 1,250.00 whole."""
    hid, members = _three_on_dibao(ledger)
    _marginal_from_february(ledger, hid, members, single=True)
    run_payments(ledger, "2025-03", "finance-zhou")
    ledger.runner.catch_up()
    march = ledger.views.query(sql.FEED_RUN, {"period": "2025-03"})
    assert sorted(
        (r["programme"], r["period"], r["kind"], r["gross_fen"], r["recovered_fen"]) for r in march
    ) == [
        ("dibao_single", "2025-02", "arrears", 125_000, 37_500),
        ("dibao_single", "2025-03", "regular", 125_000, 37_500),
    ]
    assert ledger.recovery_balances() == {"entitlements": 0, "amount_fen": 0}
    [scheduled] = [
        e
        for e in ledger.app.events.get(ledger_id(hid))
        if getattr(e, "run_period", None) == "2025-03"
    ]
    assert sorted((o["programme"], o["amount_fen"]) for o in scheduled.overpayments) == [
        ("dibao", -75_000),  # moved away from the ended dibao ...
        ("dibao", 75_000),  # ... after February's overpayment was recognised
        ("dibao_single", 75_000),  # ... to the one-person dibao
    ]
    run_payments(ledger, "2025-04", "finance-zhou")
    assert [line[5] for line in lines(ledger, "2025-04")] == [125_000]


def test_an_ended_entitlements_recovery_with_nothing_else_paid_stays_visible(ledger):
    """Audit G9: the same overpaid February (750.00) with no other programme paid: the
    March run pays nothing, and the 750.00 stays to recover, shown by the run's
    reconciliation (one entitlement, 750.00), not dropped."""
    hid, members = _three_on_dibao(ledger)
    _marginal_from_february(ledger, hid, members, single=False)
    run_payments(ledger, "2025-03", "finance-zhou")
    assert lines(ledger, "2025-03") == []
    march = ledger.reconciliation("2025-03")
    assert march["to_recover"] == {"entitlements": 1, "amount_fen": 75_000}


def test_an_ended_entitlement_is_paid_to_the_day_before_its_end_and_not_after(ledger):
    """§4/§11 in a run: 750.00 a month of dibao ((1,250 - 36,000 / 3 / 12) x 3); the
    household is found marginal from 2025-03-16 (recorded before the March run), which
    ends the dibao that day. March pays 2025-03-01..15: 750 x 15 / 31 = 362.9032... ->
    362.90; April pays nothing."""
    hid, _ = _three_on_dibao(ledger)
    marginal = ledger.app.submit_application(
        hid,
        programme="marginal",
        effective_from=date(2025, 3, 16),
        means=means(54000),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, date(2025, 3, 16)),
    )
    app_decide(ledger.app, hid, marginal, decision="approve", reason="ok", actor="approver-wang")
    march = run_payments(ledger, "2025-03", "finance-zhou")
    assert lines(ledger, "2025-03") == [("2025-03", "2025-03", "regular", 36_290, 0, 36_290)]
    assert march.total_fen == 36_290
    ledger.runner.catch_up()
    [line] = ledger.views.query(sql.FEED_RUN, {"period": "2025-03"})
    assert "750.00 x 15/31 days (2025-03-01 to 2025-03-15)" in line["explanation"]
    april = run_payments(ledger, "2025-04", "finance-zhou")
    assert (april.payments, april.total_fen, lines(ledger, "2025-04")) == (0, 0, [])
