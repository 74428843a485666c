"""The bank's statement read back (docs/PAYMENTS.md "Bank statements"), on both backends:
a camt.053 of a real run's feed is matched to its payments by end-to-end id and amount;
a booked debit records the payment as paid, a credit back with a return reason records
the return (owed again, re-issued once after a corrected account, POLICY ch. 11); an
unmatched entry, an amount mismatch and a payment with no entry after
LEDGER_STATEMENT_LATE_DAYS days are listed for finance; a re-import records nothing, a
changed re-send under the same id is refused, a bad file records nothing and names the
line and element."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import ConflictError
from projections.pain001 import end_to_end_id_for
from services.camt import NOTIFICATION, BankEntry, StatementError
from services.payment_runs import run_payments
from services.payouts import household_history, waiting_now
from services.statements import (
    find_payments,
    import_statement,
    statement_exceptions,
    statement_for_run,
)
from tests.integration.test_grants_paid import set_account
from tests.integration.test_returns import FIN, NEW_ACCOUNT, feed, one_on_dibao

FEB_END = date(2025, 2, 28)


def three_households(ledger):
    """Three one-member dibao households from 2025-02-01 (§6: (15,000 - annual income)
    / 12 a month): no income 1,250.00; 1,200 a year 1,150.00; 2,400 a year 1,050.00."""
    found = [one_on_dibao(ledger, income) for income in (0, 1200, 2400)]
    run_payments(ledger, "2025-02", FIN)
    rows = feed(ledger, "2025-02")
    by_household = {str(r["household_id"]): r for r in rows}
    return found, [by_household[str(hid)] for hid, _ in found]


def the_bank_answers(rows):
    """The bank's statement of February's run: the first paid as sent, the second
    booked at 1,105.00 instead of 1,150.00, the third credited back (AC04, the account
    closed), and one entry the ledger never sent (300.00)."""
    _, second, third = rows
    return statement_for_run(
        rows,
        "STMT-2025-02-28",
        FEB_END,
        amounts={second["payment_id"]: 110_500},
        returns={third["payment_id"]: ("AC04", "账户已销户")},
        extra=[BankEntry("STMT-2025-02-28-X", "NOTOURS-1", 30_000, FEB_END)],
    )


def test_a_run_s_statement_records_paid_and_returned_and_lists_the_rest(ledger):
    """February's feed: 1,250.00 + 1,150.00 + 1,050.00 = 3,450.00 sent. The statement
    records the 1,250.00 as paid and the 1,050.00 as returned (AC04 closed account);
    the 1,105.00 for the 1,150.00 payment and the unknown 300.00 entry are listed, and
    record nothing on any payment."""
    found, rows = three_households(ledger)
    assert [r["amount_fen"] for r in rows] == [125_000, 115_000, 105_000]
    result = import_statement(ledger, the_bank_answers(rows), FIN)
    counts = result.counts()
    assert counts == {
        "statement_id": "STMT-2025-02-28",
        "message": "camt.053.001.02",
        "recorded": True,
        "entries": 4,
        "paid": 1,
        "paid_amount": "1250.00",
        "returned": 1,
        "returned_amount": "1050.00",
        "already_recorded": 0,
        "pending": 0,
        "exceptions": 2,
        "unmatched": 1,
        "amount_mismatch": 1,
        "contradicts": 0,
    }
    statuses = {r["payment_id"]: r["status"] for r in feed(ledger, "2025-02")}
    assert [statuses[r["payment_id"]] for r in rows] == ["paid", "scheduled", "returned"]
    listed = statement_exceptions(ledger, date(2025, 3, 3), 5)
    by_kind = {e["kind"]: e for e in listed["exceptions"]}
    mismatch = by_kind["amount_mismatch"]
    assert (mismatch["payment_id"], mismatch["amount_fen"], mismatch["expected_fen"]) == (
        rows[1]["payment_id"],
        110_500,
        115_000,
    )
    assert "1105.00 is not the payment's 1150.00" in mismatch["why"]
    unmatched = by_kind["unmatched"]
    assert (unmatched["entry_id"], unmatched["amount_fen"], unmatched["payment_id"]) == (
        "STMT-2025-02-28-X",
        30_000,
        None,
    )
    [stmt] = listed["statements"]
    assert (stmt["entries"], stmt["paid_fen"], stmt["returned_fen"], stmt["exceptions"]) == (
        4,
        125_000,
        105_000,
        2,
    )
    # The return is the existing return path: the reason kept, owed again, waiting.
    history = household_history(ledger, found[2][0])
    [returned] = history["payments"]
    assert [(a["status"], a["bank_reference"]) for a in returned["answers"]] == [
        ("returned", "STMT-2025-02-28-3")
    ]
    assert returned["answers"][0]["reason"] == "AC04 closed account: 账户已销户"
    assert history["owed_again_fen"] == 105_000
    [waits] = waiting_now(ledger)
    assert (waits["kind"], waits["payment_id"], waits["amount_fen"]) == (
        "returned",
        rows[2]["payment_id"],
        105_000,
    )


def test_the_returned_payment_is_re_issued_once_after_a_corrected_account(ledger):
    """The 1,050.00 returned by February's statement: a caseworker records a new
    account on 2025-03-10; March's run re-issues the 1,050.00 to it (period 2025-02,
    `retry_of` the returned line) beside March's own 1,050.00; April's run re-issues
    nothing. March's statement pays the re-issue, and February reconciles to the fen."""
    found, rows = three_households(ledger)
    import_statement(ledger, the_bank_answers(rows), FIN)
    hid, head = found[2]
    set_account(ledger, hid, head, NEW_ACCOUNT, date(2025, 3, 10))
    march = run_payments(ledger, "2025-03", FIN)
    assert (march.report.reissued, march.report.reissued_fen) == (1, 105_000)
    lines = feed(ledger, "2025-03")
    [again] = [r for r in lines if r["retry_of"]]
    assert (again["retry_of"], again["period"], again["amount_fen"]) == (
        rows[2]["payment_id"],
        "2025-02",
        105_000,
    )
    assert again["account_number"] == NEW_ACCOUNT
    march_statement = statement_for_run(lines, "STMT-2025-03-31", date(2025, 3, 31))
    result = import_statement(ledger, march_statement, FIN)
    # March: 1,250.00 + 1,150.00 + 1,050.00 + the 1,050.00 re-issued = 4,500.00 paid.
    assert (result.paid, result.paid_fen, result.exceptions) == (4, 450_000, [])
    april = run_payments(ledger, "2025-04", FIN)
    assert april.report.reissued == 0
    recon = ledger.reconciliation("2025-02")
    assert recon["returned"] == {"payments": 1, "amount_fen": 105_000}
    assert recon["re_issued"] == {"payments": 1, "amount_fen": 105_000}
    assert recon["balanced"], recon["checks"]
    assert ledger.verify().ok  # the statement's answers are chained like any other


def test_a_re_import_records_nothing_and_a_changed_re_send_is_refused(ledger):
    """The same file again: nothing recorded (the event log's head does not move), the
    first import's counts answered. The same statement id with the second entry now
    1,150.00: refused, naming the id, nothing recorded. An entry answered already (by a
    camt.054 notification the day before) is counted, not recorded twice."""
    _, rows = three_households(ledger)
    first = rows[0]
    notice = statement_for_run(
        [first], "NTFCTN-2025-02-27", date(2025, 2, 27), message=NOTIFICATION
    )
    assert import_statement(ledger, notice, FIN).counts()["paid"] == 1
    data = the_bank_answers(rows)
    result = import_statement(ledger, data, FIN)
    assert (result.paid, result.already, result.returned) == (0, 1, 1)
    head = ledger.app.recorder.max_notification_id()
    again = import_statement(ledger, data, FIN)
    assert not again.recorded
    assert again.counts() == {**result.counts(), "recorded": False}
    assert ledger.app.recorder.max_notification_id() == head
    changed = statement_for_run(
        rows,
        "STMT-2025-02-28",
        FEB_END,
        returns={rows[2]["payment_id"]: ("AC04", "账户已销户")},
    )
    with pytest.raises(ConflictError, match="statement STMT-2025-02-28 was imported"):
        import_statement(ledger, changed, FIN)
    assert ledger.app.recorder.max_notification_id() == head
    # Each exception listed once, though the view saw the statement once only anyway.
    listed = statement_exceptions(ledger, date(2025, 3, 3), 5)
    assert sorted(e["kind"] for e in listed["exceptions"]) == ["amount_mismatch", "unmatched"]


def test_a_bad_file_records_nothing_and_names_the_line_and_element(ledger):
    """An amount written "1,250.00" fails the official schema; one of three decimals
    passes it (the schema allows five) but is no fen; an entry without the bank's
    reference cannot be imported once. Each is refused naming its line and element,
    and nothing is recorded."""
    _, rows = three_households(ledger)
    data = the_bank_answers(rows)
    head = ledger.app.recorder.max_notification_id()
    comma = data.replace(b">1250.00<", b">1,250.00<")
    with pytest.raises(StatementError) as refused:
        import_statement(ledger, comma, FIN)
    message = str(refused.value)
    assert "line 8, /Document/BkToCstmrStmt/Stmt/Ntry[1]/Amt" in message
    assert "'1,250.00' is not a valid value" in message
    fen = data.replace(b">1250.00<", b">1250.001<")
    with pytest.raises(StatementError, match=r"line 8, Stmt/Ntry\[1\]/Amt: the amount '1250.001'"):
        import_statement(ledger, fen, FIN)
    nameless = data.replace(b"<AcctSvcrRef>STMT-2025-02-28-2</AcctSvcrRef>", b"")
    with pytest.raises(StatementError, match=r"line 9, Stmt/Ntry\[2\]: the entry has neither"):
        import_statement(ledger, nameless, FIN)
    with pytest.raises(StatementError, match="not XML"):
        import_statement(ledger, data[:-40], FIN)
    assert ledger.app.recorder.max_notification_id() == head
    assert statement_exceptions(ledger, date(2025, 3, 3), 5)["statements"] == []


def test_payments_with_no_entry_are_late_after_the_set_days(ledger):
    """February's run executes on 2025-02-01. With 5 days set, its payments no entry
    answered are listed from 2025-02-07 (6 days after), not on 2025-02-06. After the
    statement only the 1,150.00 of the amount mismatch is still unanswered."""
    _, rows = three_households(ledger)
    assert statement_exceptions(ledger, date(2025, 2, 6), 5)["late"] == []
    late = statement_exceptions(ledger, date(2025, 2, 7), 5)["late"]
    assert sorted((r["payment_id"], r["amount_fen"], r["days"]) for r in late) == sorted(
        (r["payment_id"], r["amount_fen"], 6) for r in rows
    )
    import_statement(ledger, the_bank_answers(rows), FIN)
    [late] = statement_exceptions(ledger, date(2025, 3, 3), 5)["late"]
    assert (late["payment_id"], late["amount_fen"], late["days"]) == (
        rows[1]["payment_id"],
        115_000,
        30,
    )
    assert statement_exceptions(ledger, date(2025, 3, 3), 30)["late"] == []


def test_the_plain_lookup_finds_what_the_bulk_lookup_finds(ledger):
    """The baseline of `ledger bench` (one query per entry) and the bulk one (500 ids a
    query) find the same payments; an end-to-end id of no payment finds nothing."""
    _, rows = three_households(ledger)
    ids = [r["payment_id"] for r in rows] + ["NOTOURS-1"]
    bulk, plain = find_payments(ledger, ids), find_payments(ledger, ids, plain=True)
    assert set(bulk) == set(plain) == {r["payment_id"] for r in rows}
    assert {k: v["amount_fen"] for k, v in bulk.items()} == {
        k: v["amount_fen"] for k, v in plain.items()
    }
    assert end_to_end_id_for(rows[0]["payment_id"]) == rows[0]["payment_id"].replace("-", "")


@pytest.fixture
def env(settings, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    monkeypatch.setenv("LEDGER_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LEDGER_STATEMENT_LATE_DAYS", "5")
    return settings


def test_ledger_import_statement_prints_the_counts(env, tmp_path):
    """`ledger import-statement FILE` prints what the import recorded and what finance
    must look at; the same file again records nothing; a bad file exits 1 naming the
    element."""
    from typer.testing import CliRunner

    from scripts.cli import cli
    from services.ledger import Ledger

    ledger = Ledger.open(env)
    try:
        _, rows = three_households(ledger)
        data = the_bank_answers(rows)
    finally:
        ledger.close()
    path = tmp_path / "statement.xml"
    path.write_bytes(data)
    args = ["import-statement", str(path), "--as-of", "2025-03-03"]
    first = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert (
        "statement STMT-2025-02-28 (camt.053.001.02) imported: 4 entries; 1 paid (1250.00), "
        "1 returned (1050.00), 0 answered before, 0 pending; 1 unmatched, 1 amount "
        "mismatches, 0 contradicting"
    ) in first.output
    assert "payments with no entry 5 days after their run: 1 (1150.00)" in first.output
    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert "imported before: nothing recorded" in again.output
    path.write_bytes(data.replace(b">1250.00<", b">1,250.00<"))
    bad = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert bad.exit_code == 1
    assert "/Document/BkToCstmrStmt/Stmt/Ntry[1]/Amt" in bad.output.replace("\n", "")


def test_ledger_bench_only_statements(env, tmp_path):
    """`ledger bench --only statements` at 200 entries: the import and the matching
    beside the plain way; the 101st line credited back, the 151st of another amount,
    one entry unmatched, the other 198 paid."""
    import json

    from typer.testing import CliRunner

    from scripts.cli import cli

    report = tmp_path / "bench.json"
    args = ["bench", "--only", "statements", "--statement-entries", "200", "--report", str(report)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    found = {w["workload"]: w for w in json.loads(report.read_text())["workloads"]}
    imported = found["statement import (201 entries)"]
    assert imported["counts"]["paid"] == 198 and imported["counts"]["returned"] == 1
    assert (imported["counts"]["unmatched"], imported["counts"]["amount_mismatch"]) == (1, 1)
    assert found["statement matching (200 end-to-end ids)"]["plain_n"] == 200


def test_an_import_cut_short_is_finished_by_importing_the_file_again(ledger, monkeypatch):
    """One answer a transaction, and the process dies after the first (the event store
    refuses the second write): the 1,250.00 is recorded paid, the statement is not. The
    same file again finds it answered (`already_recorded` 1), records the return of the
    1,050.00 and the statement with its two exceptions; the chains verify."""
    import services.statements as statements

    _, rows = three_households(ledger)
    data = the_bank_answers(rows)
    monkeypatch.setattr(statements, "WRITE_BATCH", 1)
    put = ledger.app.events.put
    calls = []

    def dies_after_one(events):
        calls.append(len(events))
        if len(calls) > 1:
            raise RuntimeError("the process died")
        return put(events)

    monkeypatch.setattr(ledger.app.events, "put", dies_after_one)
    with pytest.raises(RuntimeError):
        import_statement(ledger, data, FIN)
    monkeypatch.setattr(ledger.app.events, "put", put)
    statuses = {r["payment_id"]: r["status"] for r in feed(ledger, "2025-02")}
    assert [statuses[r["payment_id"]] for r in rows] == ["paid", "scheduled", "scheduled"]
    assert statement_exceptions(ledger, date(2025, 3, 3), 5)["statements"] == []
    result = import_statement(ledger, data, FIN)
    assert (result.recorded, result.already, result.paid, result.returned) == (True, 1, 0, 1)
    assert len(result.exceptions) == 2
    statuses = {r["payment_id"]: r["status"] for r in feed(ledger, "2025-02")}
    assert [statuses[r["payment_id"]] for r in rows] == ["paid", "scheduled", "returned"]
    assert ledger.verify().ok
