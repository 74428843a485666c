"""Returned payments (退票) on both backends (docs/PAYMENTS.md "Returned payments"): the
bank's return makes the amount owed to the household again; it waits until a caseworker
records a payee account, then the next run re-issues it exactly once, and the chain of
tries (the line, its return, the re-issue) shows in the household's payment history and
in the audit replay."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.errors import InvalidInputError
from projections import sql
from services.audit import replay_household
from services.payment_runs import run_payments
from services.payouts import household_history, waiting_now
from tests.helpers import household, means
from tests.integration.test_grants_paid import HEAD_ACCOUNT, family, grant, set_account
from tests.path import app_consents, app_decide

CW, AP, FIN = "caseworker-li", "approver-wang", "finance-zhou"
NEW_ACCOUNT = "6228480402564890018"
AT = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


def one_on_dibao(ledger, income=0, start=date(2025, 2, 1)):
    """One member, dibao from `start`: (15,000 - income) / 12 a month (§6)."""
    hid, ids = household(ledger.app, 1, registered_on=date(2024, 1, 1))
    set_account(ledger, hid, ids[0], HEAD_ACCOUNT, date(2025, 1, 1))
    determine(ledger, hid, income, start)
    return hid, ids[0]


def determine(ledger, hid, income, start):
    app_id = ledger.app.submit_application(
        hid,
        programme="dibao",
        effective_from=start,
        means=means(income),
        actor=CW,
        consents=app_consents(ledger.app, hid, start),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor=AP)


def feed(ledger, period):
    ledger.runner.catch_up()
    return ledger.views.query(sql.FEED_RUN, {"period": period})


def answer(ledger, hid, payment_id, status, reference, reason="", at=AT):
    return ledger.app.acknowledge_payment(
        hid,
        payment_id,
        status=status,
        bank_reference=reference,
        at=at,
        actor=FIN,
        reason=reason,
    )


def test_a_return_waits_for_a_corrected_account_and_is_re_issued_once(ledger):
    """February's 1,250.00 (one member, no income, §6) is paid, then returned on
    2025-03-03: AC04, the account closed. March's run pays March only and lists the
    February line as waiting; the February reconciliation has it returned and owed
    again. The caseworker records a new account on 2025-03-10; April's run re-issues
    the 1,250.00 to it (period 2025-02, `retry_of` the returned line) beside April's
    own; May's run re-issues nothing. Each run balances to the fen."""
    hid, head = one_on_dibao(ledger)
    run_payments(ledger, "2025-02", FIN)
    [feb] = feed(ledger, "2025-02")
    assert answer(ledger, hid, feb["payment_id"], "paid", "ICBC-1")
    assert answer(ledger, hid, feb["payment_id"], "returned", "ICBC-R1", "AC04 account closed")
    assert not answer(ledger, hid, feb["payment_id"], "returned", "ICBC-R1", "AC04 account closed")
    march = run_payments(ledger, "2025-03", FIN)
    assert [(r["period"], r["amount_fen"]) for r in feed(ledger, "2025-03")] == [
        ("2025-03", 125_000)
    ]
    [waiting] = march.report.waiting
    assert (waiting["kind"], waiting["payment_id"], waiting["amount_fen"]) == (
        "returned",
        feb["payment_id"],
        125_000,
    )
    assert "ICBC-R1: AC04 account closed" in waiting["why"]
    recon = ledger.reconciliation("2025-02")
    assert recon["returned"] == {"payments": 1, "amount_fen": 125_000}
    assert recon["owed_again"] == {"payments": 1, "amount_fen": 125_000}
    assert recon["re_issued"] == {"payments": 0, "amount_fen": 0} and recon["balanced"]
    # The head's account recorded before the return did not count (March re-issued
    # nothing); one recorded after it does.
    set_account(ledger, hid, head, NEW_ACCOUNT, date(2025, 3, 10))
    assert waiting_now(ledger) == []
    april = run_payments(ledger, "2025-04", FIN)
    lines = feed(ledger, "2025-04")
    [again] = [r for r in lines if r["retry_of"]]
    assert (again["retry_of"], again["period"], again["kind"], again["amount_fen"]) == (
        feb["payment_id"],
        "2025-02",
        "regular",
        125_000,
    )
    assert again["account_number"] == NEW_ACCOUNT
    assert (
        "re-issued after the bank returned it (ICBC-R1: AC04 account closed)"
        in (again["explanation"])
    )
    assert (april.payments, april.total_fen) == (2, 250_000)
    assert (april.report.reissued, april.report.reissued_fen, april.report.waiting) == (
        1,
        125_000,
        [],
    )
    may = run_payments(ledger, "2025-05", FIN)
    assert (may.payments, may.report.reissued) == (1, 0)
    feb_recon = ledger.reconciliation("2025-02")
    assert feb_recon["re_issued"] == {"payments": 1, "amount_fen": 125_000}
    assert feb_recon["owed_again"] == {"payments": 0, "amount_fen": 0}
    assert feb_recon["balanced"], feb_recon["checks"]
    april_recon = ledger.reconciliation("2025-04")
    assert april_recon["re_issues"] == {"payments": 1, "amount_fen": 125_000}
    assert april_recon["balanced"], april_recon["checks"]
    report = ledger.verify()  # the return's event is chained like any other
    assert report.ok, (report.chain_breaks, report.recompute_mismatches)


def test_the_chain_of_tries_shows_in_the_payment_history_and_the_replay(ledger):
    """The returned February line and its re-issue in the household's history: the
    original (try 1) with the bank's answers paid then returned (the reason kept) and
    `re_issued_by` the April line; the re-issue (try 2) `retry_of` it; the two account
    records. The audit replay as of 2025-04-30 lists both lines with their status, and
    as known before the return the February line as paid."""
    hid, head = one_on_dibao(ledger)
    run_payments(ledger, "2025-02", FIN)
    [feb] = feed(ledger, "2025-02")
    answer(ledger, hid, feb["payment_id"], "paid", "ICBC-1")
    before_return = datetime.now(UTC)
    answer(ledger, hid, feb["payment_id"], "returned", "ICBC-R1", "BE01 name does not match")
    run_payments(ledger, "2025-03", FIN)
    assert household_history(ledger, hid)["owed_again_fen"] == 125_000
    set_account(ledger, hid, head, NEW_ACCOUNT, date(2025, 3, 10))
    run_payments(ledger, "2025-04", FIN)
    [again] = [r for r in feed(ledger, "2025-04") if r["retry_of"]]
    answer(ledger, hid, again["payment_id"], "paid", "ICBC-2", at=datetime(2025, 4, 3, tzinfo=UTC))
    history = household_history(ledger, hid)
    by_id = {p["payment_id"]: p for p in history["payments"]}
    original = by_id[feb["payment_id"]]
    assert (original["try"], original["original"], original["re_issued_by"]) == (
        1,
        feb["payment_id"],
        again["payment_id"],
    )
    assert [(a["status"], a["bank_reference"], a["reason"]) for a in original["answers"]] == [
        ("paid", "ICBC-1", ""),
        ("returned", "ICBC-R1", "BE01 name does not match"),
    ]
    reissue = by_id[again["payment_id"]]
    assert (reissue["try"], reissue["original"], reissue["retry_of"], reissue["status"]) == (
        2,
        feb["payment_id"],
        feb["payment_id"],
        "paid",
    )
    assert [a["account_number"] for a in history["accounts"]] == [HEAD_ACCOUNT, NEW_ACCOUNT]
    assert history["owed_again_fen"] == 0 and history["waiting"] == []
    state = replay_household(ledger, hid, date(2025, 4, 30), None)["state"]
    replayed = {p["payment_id"]: p for p in state["payments"]}
    assert replayed[feb["payment_id"]]["status"] == "returned"
    assert replayed[feb["payment_id"]]["answers"][-1]["reason"] == "BE01 name does not match"
    assert replayed[again["payment_id"]]["retry_of"] == feb["payment_id"]
    assert replayed[again["payment_id"]]["status"] == "paid"
    earlier = replay_household(ledger, hid, date(2025, 2, 28), before_return)["state"]
    assert [(p["payment_id"], p["status"]) for p in earlier["payments"]] == [
        (feb["payment_id"], "paid")
    ]


def test_a_returned_grant_is_re_issued_to_the_account_recorded_after_the_return(ledger):
    """Renovation 8,000.00 (§14) paid by March's run to the head, returned (AC04). The
    caseworker records an account for the child instead (the head's is closed): April's
    run re-issues the 8,000.00 to the child's account, kind `grant`, `retry_of` the
    grant's line; the head's old account, recorded before the return, is not used."""
    hid, head, child = family(ledger)
    grant_id = grant(ledger, hid, "renovation_grant", date(2025, 3, 1), None, {"requested": "8000"})
    run_payments(ledger, "2025-03", FIN)
    [paid] = [r for r in feed(ledger, "2025-03") if r["kind"] == "grant"]
    assert (paid["payment_id"], paid["payee_member_id"]) == (grant_id, head)
    answer(ledger, hid, grant_id, "returned", "ICBC-R2", "AC04 account closed")
    set_account(ledger, hid, child, "330412345678", date(2025, 3, 20), kind="one_card")
    run_payments(ledger, "2025-04", FIN)
    [again] = [r for r in feed(ledger, "2025-04") if r["retry_of"]]
    assert (again["retry_of"], again["kind"], again["amount_fen"]) == (grant_id, "grant", 800_000)
    assert (again["payee_member_id"], again["account_number"]) == (child, "330412345678")
    assert ledger.reconciliation("2025-03")["re_issued"] == {"payments": 1, "amount_fen": 800_000}
    history = household_history(ledger, hid)
    [recorded] = history["grants"]
    assert recorded["paid_by"]["payment_id"] == again["payment_id"]


def test_a_returned_line_with_a_recovery_is_re_issued_at_what_was_transferred(ledger):
    """§4 and POLICY ch. 11: two members with 6,000 a year get (30,000 - 6,000) / 12 =
    2,000.00. February was owed (30,000 - 18,000) / 12 = 1,000.00 (found late): 1,000
    overpaid. March's line is 2,000.00 gross, 600.00 recovered (30%), 1,400.00
    transferred; it is returned. Re-issued in April at 1,400.00 (nothing recovered
    twice); April's own line recovers the 400.00 left: 1,600.00."""
    hid, ids = household(ledger.app, 2, registered_on=date(2024, 1, 1))
    set_account(ledger, hid, ids[0], HEAD_ACCOUNT, date(2025, 1, 1))
    determine(ledger, hid, 6000, date(2025, 1, 1))
    run_payments(ledger, "2025-01", FIN)
    run_payments(ledger, "2025-02", FIN)
    determine(ledger, hid, 18000, date(2025, 2, 1))
    determine(ledger, hid, 6000, date(2025, 3, 1))
    run_payments(ledger, "2025-03", FIN)
    [march] = feed(ledger, "2025-03")
    assert (march["gross_fen"], march["recovered_fen"], march["amount_fen"]) == (
        200_000,
        60_000,
        140_000,
    )
    answer(ledger, hid, march["payment_id"], "returned", "ICBC-R3", "AC04 account closed")
    set_account(ledger, hid, ids[0], NEW_ACCOUNT, date(2025, 3, 20))
    run_payments(ledger, "2025-04", FIN)
    lines = {bool(r["retry_of"]): r for r in feed(ledger, "2025-04")}
    assert (lines[True]["gross_fen"], lines[True]["recovered_fen"], lines[True]["amount_fen"]) == (
        140_000,
        0,
        140_000,
    )
    assert (lines[False]["gross_fen"], lines[False]["recovered_fen"]) == (200_000, 40_000)
    recon = ledger.reconciliation("2025-03")
    assert (recon["gross_fen"], recon["recovered_fen"]) == (200_000, 60_000)
    assert recon["balanced"], recon["checks"]
    assert ledger.recovery_balances() == {"entitlements": 0, "amount_fen": 0}


def test_a_failed_payment_is_still_offered_again_to_the_same_account(ledger):
    """A failure (not a return) needs no new account: the next run offers it again."""
    hid, _ = one_on_dibao(ledger)
    run_payments(ledger, "2025-02", FIN)
    [feb] = feed(ledger, "2025-02")
    answer(ledger, hid, feb["payment_id"], "failed", "ICBC-F1")
    march = run_payments(ledger, "2025-03", FIN)
    assert march.report.waiting == [] and march.report.reissued == 1
    [again] = [r for r in feed(ledger, "2025-03") if r["retry_of"]]
    assert again["account_number"] == HEAD_ACCOUNT


def test_a_reason_only_with_a_return_and_not_too_long(ledger):
    hid, _ = one_on_dibao(ledger)
    run_payments(ledger, "2025-02", FIN)
    [feb] = feed(ledger, "2025-02")
    with pytest.raises(InvalidInputError) as caught:
        answer(ledger, hid, feb["payment_id"], "paid", "ICBC-1", "AC04")
    assert caught.value.field == "reason"
    with pytest.raises(InvalidInputError) as caught:
        answer(ledger, hid, feb["payment_id"], "returned", "ICBC-1", "x" * 201)
    assert caught.value.field == "reason"
    ledger.runner.catch_up()
    [row] = ledger.views.query(sql.PAYMENT_BY_ID, {"payment_id": feb["payment_id"]})
    assert row["status"] == "scheduled"  # nothing recorded
