"""POLICY ch. 13 on both backends: for each day the amount in force is that of the most
recently *recorded* determination whose effective date is on or before that day; a
backdated re-assessment replaces, from its date on and whole, every determination
recorded before it (category span included), and months already paid are recovered at
`recovery_max_share` (§11) or paid as arrears.

The amounts: dibao = (15,000 x members - countable income) / 12 a month in 2025 (§2);
recoveries take at most 30% of a payment (PARAM `recovery_max_share`)."""

from __future__ import annotations

from datetime import date

from services.payment_runs import run_payments
from tests.helpers import household, means
from tests.integration.test_payments import determine, dibao, lines
from tests.path import app_consents, app_decide


def _in_force(ledger, hid, on):
    return [
        (e.row.programme, e.row.monthly_fen, e.effective_to)
        for e in ledger.entitlements(hid, as_of=on)
    ]


def _categories(ledger, hid):
    return [
        (s.category, s.effective_from, s.effective_to) for s in ledger.app.household(hid).categories
    ]


def test_a_backdated_reassessment_replaces_the_later_determination_and_recovers(ledger):
    """The defect as found. Two members, dibao from 2025-06-20 at an income of 6,000:
    (30,000 - 6,000) / 12 = 2,000.00; the July and August runs pay it. A re-assessment
    from 2025-03-01 at 18,000: (30,000 - 18,000) / 12 = 1,000.00 from 03-01 with no end,
    the category from 03-01. July and August were overpaid 2 x 1,000.00 = 2,000.00:
    September pays 1,000.00 less 30% (300.00) = 700.00, and so does every month to
    February 2026 (6 x 300.00 = 1,800.00); March 2026 recovers the last 200.00 (pays
    800.00); April pays 1,000.00. March to June 2025 were covered by no
    run and are not paid as arrears (runs pay arrears for the months they covered)."""
    hid, _ = dibao(ledger, 2, 6000, date(2025, 6, 20))
    run_payments(ledger, "2025-07", "finance-zhou")
    run_payments(ledger, "2025-08", "finance-zhou")
    assert lines(ledger, "2025-08") == [("2025-08", "2025-08", "regular", 200_000, 0, 200_000)]
    app_id = ledger.app.submit_application(
        hid,
        programme="dibao",
        effective_from=date(2025, 3, 1),
        means=means(18000),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, date(2025, 3, 1)),
    )
    answer = app_decide(
        ledger.app, hid, app_id, decision="approve", reason="re-assessed", actor="approver-wang"
    )
    assert [(e["monthly_fen"], e["effective_from"]) for e in answer.entitlements] == [
        (100_000, "2025-03-01")
    ]
    for on in (date(2025, 3, 1), date(2025, 6, 19), date(2025, 6, 20), date(2025, 9, 1)):
        assert _in_force(ledger, hid, on) == [("dibao", 100_000, None)]
    assert _categories(ledger, hid) == [("dibao", date(2025, 3, 1), None)]
    months = ["2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02"]
    for month in months:
        run_payments(ledger, month, "finance-zhou")
        assert lines(ledger, month) == [(month, month, "regular", 100_000, 30_000, 70_000)]
    run_payments(ledger, "2026-03", "finance-zhou")
    assert lines(ledger, "2026-03") == [("2026-03", "2026-03", "regular", 100_000, 20_000, 80_000)]
    run_payments(ledger, "2026-04", "finance-zhou")
    assert lines(ledger, "2026-04") == [("2026-04", "2026-04", "regular", 100_000, 0, 100_000)]
    assert ledger.verify().ok


def test_reassessments_recorded_out_of_date_order_follow_the_recording_order(ledger):
    """Two members, dibao from 2025-01-01 at 6,000 (2,000.00). R1 from 05-01 at 12,000:
    (30,000 - 12,000) / 12 = 1,500.00. Then R2 from 03-01 at 18,000: 1,000.00. R2 is
    recorded last, so it rules from 03-01 on: R1 never takes effect (before the fix it
    did, from 05-01). January and February stay 2,000.00."""
    hid, _ = dibao(ledger, 2, 6000, date(2025, 1, 1))
    determine(ledger, hid, 12000, date(2025, 5, 1))
    assert _in_force(ledger, hid, date(2025, 5, 1)) == [("dibao", 150_000, None)]
    determine(ledger, hid, 18000, date(2025, 3, 1))
    assert _in_force(ledger, hid, date(2025, 2, 28)) == [("dibao", 200_000, date(2025, 2, 28))]
    for on in (date(2025, 3, 1), date(2025, 5, 1), date(2025, 12, 31)):
        assert _in_force(ledger, hid, on) == [("dibao", 100_000, None)]
    assert _categories(ledger, hid) == [("dibao", date(2025, 1, 1), None)]
    assert ledger.verify().ok


def test_a_backdated_reassessment_after_several_runs_pays_the_difference_as_arrears(ledger):
    """Two members. A: dibao from 2025-01-01 at 18,000: 1,000.00. B, recorded in
    February for 04-01 at 12,000: 1,500.00. Runs January to May pay 1,000, 1,000, 1,000,
    1,500, 1,500. Then C from 02-01 at 6,000 (2,000.00) is recorded: it rules from
    February on, B included. The June run pays 2,000.00 for June and the arrears
    February +1,000.00, March +1,000.00, April +500.00, May +500.00 (3,000.00). Before
    the fix B came back from April: 1,500.00 in June and 2,000.00 of arrears."""
    hid, _ = dibao(ledger, 2, 18000, date(2025, 1, 1))
    for month in ("2025-01", "2025-02"):
        run_payments(ledger, month, "finance-zhou")
    determine(ledger, hid, 12000, date(2025, 4, 1))
    for month in ("2025-03", "2025-04", "2025-05"):
        run_payments(ledger, month, "finance-zhou")
    assert [line[3] for line in lines(ledger) if line[2] == "regular"] == [
        100_000,
        100_000,
        100_000,
        150_000,
        150_000,
    ]
    determine(ledger, hid, 6000, date(2025, 2, 1))
    run_payments(ledger, "2025-06", "finance-zhou")
    assert sorted(lines(ledger, "2025-06")) == [
        ("2025-06", "2025-02", "arrears", 100_000, 0, 100_000),
        ("2025-06", "2025-03", "arrears", 100_000, 0, 100_000),
        ("2025-06", "2025-04", "arrears", 50_000, 0, 50_000),
        ("2025-06", "2025-05", "arrears", 50_000, 0, 50_000),
        ("2025-06", "2025-06", "regular", 200_000, 0, 200_000),
    ]


def test_a_backdated_determination_of_another_category_supersedes_the_later_one(ledger):
    """§13 across the household's exclusive categories: marginal (边缘) from 2025-06-01 at
    an income of 36,000 for two (above 30,000 dibao, within 1.5 x 30,000 = 45,000), then
    a re-assessment finds dibao from 2025-03-01 at 18,000: 1,000.00. The dibao span starts
    on 03-01 and the marginal span, recorded before it and starting later, is gone
    (before the fix the ledger refused the re-assessment)."""
    hid, _ = household(ledger.app, 2, registered_on=date(2024, 1, 1))
    app_id = ledger.app.submit_application(
        hid,
        programme="marginal",
        effective_from=date(2025, 6, 1),
        means=means(36000),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, date(2025, 6, 1)),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    assert _categories(ledger, hid) == [("marginal", date(2025, 6, 1), None)]
    determine(ledger, hid, 18000, date(2025, 3, 1))
    assert _categories(ledger, hid) == [("dibao", date(2025, 3, 1), None)]
    assert _in_force(ledger, hid, date(2025, 7, 1)) == [("dibao", 100_000, None)]
    ledger.runner.catch_up()
    rows = ledger.views.query(
        "SELECT category, effective_from, effective_to FROM {s}.ledger_categories "
        "WHERE household_id = :household_id",
        {"household_id": hid},
    )
    assert [(r["category"], str(r["effective_from"]), r["effective_to"]) for r in rows] == [
        ("dibao", "2025-03-01", None)
    ]
    assert ledger.verify().ok


def test_a_backdated_person_level_determination_moves_that_members_span(ledger):
    """§13 for a person's programme: member 1 is 特困 from 2025-06-01 (26,000 / 12 =
    2,166.67 a month, PARAM tekun standard); a re-determination from 2025-03-01 is
    recorded later: the member's tekun runs from 03-01, one span, one amount with no end;
    member 0 is untouched (nothing of theirs)."""
    hid, ids = household(ledger.app, 2, registered_on=date(2024, 1, 1))
    for start in (date(2025, 6, 1), date(2025, 3, 1)):
        app_id = ledger.app.submit_application(
            hid,
            programme="tekun",
            effective_from=start,
            means=None,
            member_id=ids[1],
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, start),
        )
        app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    spans = ledger.app.household(hid).categories
    assert [(s.category, s.member_id, s.effective_from, s.effective_to) for s in spans] == [
        ("tekun", ids[1], date(2025, 3, 1), None)
    ]
    for on in (date(2025, 3, 1), date(2025, 6, 1)):
        assert [
            (e.row.programme, e.row.member_id, e.row.monthly_fen, e.effective_to)
            for e in ledger.entitlements(hid, as_of=on)
        ] == [("tekun", ids[1], 216_667, None)]
    assert ledger.entitlements(hid, as_of=date(2025, 2, 28)) == []
    assert ledger.verify().ok


def test_replay_as_known_before_and_after_the_backdated_reassessment(ledger):
    """§13 in the audit replay: the household of the first test on 2025-07-01 as known
    before the re-assessment was recorded (2,000.00 from 06-20, decided by the first
    approver, dibao from 06-20) and as known after it (1,000.00 in force, decided by the
    re-assessment's approver, dibao from 03-01); the entitlement view answers the same."""
    from datetime import UTC, datetime

    from services.audit import replay_household

    hid, _ = dibao(ledger, 2, 6000, date(2025, 6, 20))
    before = datetime.now(UTC)
    app_id = ledger.app.submit_application(
        hid,
        programme="dibao",
        effective_from=date(2025, 3, 1),
        means=means(18000),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, date(2025, 3, 1)),
    )
    app_decide(
        ledger.app, hid, app_id, decision="approve", reason="re-assessed", actor="approver-he"
    )
    on = date(2025, 7, 1)
    then = replay_household(ledger, hid, on, before)
    now = replay_household(ledger, hid, on, None)
    assert [(e["monthly_amount"], e["decided_by"]) for e in then["state"]["entitlements"]] == [
        ("2000.00", "approver-wang")
    ]
    assert [c["effective_from"] for c in then["state"]["categories"]] == ["2025-06-20"]
    assert [(e["monthly_amount"], e["decided_by"]) for e in now["state"]["entitlements"]] == [
        ("1000.00", "approver-he")
    ]
    assert [c["effective_from"] for c in now["state"]["categories"]] == ["2025-03-01"]
    assert [e.row.monthly_fen for e in ledger.entitlements(hid, on, known_at=before)] == [200_000]
    assert [e.row.monthly_fen for e in ledger.entitlements(hid, on)] == [100_000]


def test_the_imported_twin_a_migrated_amount_is_replaced_from_the_reassessment_on(ledger, tmp_path):
    """The defect's imported twin: `ledger import` brings a two-member dibao household
    with the old system's 2,100.00 a month from 2025-06-20 and no income (held as
    migrated); the July and August runs pay 2,100.00. A re-assessment from 2025-03-01 at
    18,000 gives 1,000.00 from 03-01 on, the migrated amount never again; September
    recovers 30% of 1,000.00 (300.00) of the 2 x 1,100.00 overpaid and pays 700.00."""
    import csv

    from services.importer import COLUMNS, household_id, import_registry
    from tests.helpers import id_number

    path = tmp_path / "registry.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for i, name in enumerate(("迁移户主", "迁移配偶")):
            writer.writerow(
                {
                    **dict.fromkeys(COLUMNS, ""),
                    "household_no": "JX-2019-000300",
                    "region_code": "330402",
                    "residence": "urban",
                    "address": "南湖路3号",
                    "registered_on": "2024-01-01",
                    "category": "dibao",
                    "category_from": "2025-06-20",
                    "monthly_amount": "2100.00",
                    "name": name,
                    "id_number": id_number(),
                    "relation": "head" if i == 0 else "spouse",
                    "severe_disability": "no",
                    "severe_illness": "no",
                    **(
                        {
                            "account_kind": "bank",
                            "account_number": "6222020200112200003",
                            "bank_name": "中国工商银行嘉兴分行",
                        }
                        if i == 0
                        else {}
                    ),
                }
            )
    report = import_registry(ledger.app, path, system="legacy")
    assert (report.households_recorded, report.amounts_migrated) == (1, 1), report
    hid = household_id("legacy", "JX-2019-000300")
    run_payments(ledger, "2025-07", "finance-zhou")
    run_payments(ledger, "2025-08", "finance-zhou")
    assert lines(ledger, "2025-08") == [("2025-08", "2025-08", "regular", 210_000, 0, 210_000)]
    determine(ledger, hid, 18000, date(2025, 3, 1))
    for on in (date(2025, 3, 1), date(2025, 6, 20), date(2025, 9, 1)):
        assert _in_force(ledger, hid, on) == [("dibao", 100_000, None)]
    assert _categories(ledger, hid) == [("dibao", date(2025, 3, 1), None)]
    run_payments(ledger, "2025-09", "finance-zhou")
    assert lines(ledger, "2025-09") == [("2025-09", "2025-09", "regular", 100_000, 30_000, 70_000)]
    assert ledger.verify().ok


def test_the_amount_in_force_is_answered_from_its_first_day(ledger):
    """After the backdated re-assessment of the first test, the amount in force on
    2025-09-01 is 1,000.00 from 2025-03-01 (the re-assessment's own point), not from the
    correction point recorded at 06-20 with the same amount; that point stays in the
    history ("was 2000.00")."""
    hid, _ = dibao(ledger, 2, 6000, date(2025, 6, 20))
    determine(ledger, hid, 18000, date(2025, 3, 1))
    [entry] = ledger.entitlements(hid, as_of=date(2025, 9, 1))
    assert (entry.row.monthly_fen, entry.row.effective_from, entry.effective_to) == (
        100_000,
        date(2025, 3, 1),
        None,
    )
    history = [
        (r.effective_from, r.monthly_fen)
        for r in ledger.entitlement_history(hid)
        if r.programme == "dibao"
    ]
    assert history == [
        (date(2025, 6, 20), 200_000),
        (date(2025, 3, 1), 100_000),
        (date(2025, 6, 20), 100_000),
    ]
