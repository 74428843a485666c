"""The statutory path (POLICY ch. 14) in the audit, on both backends: `ledger verify`
recomputes a walked decision from its check report, and the replay and the audit report
list the path's steps in Chinese and English words."""

from __future__ import annotations

from datetime import date, timedelta

from api.report import render_html, report_data
from services.audit import replay_household
from tests.helpers import household, means
from tests.path import app_consents, app_decide

ON = date(2025, 3, 3)
PATH_TYPES = (
    "ApplicationReceived",
    "CheckRequested",
    "CheckAnswered",
    "CheckReported",
    "HomeInvestigated",
    "NoticePublished",
    "PathDecided",
    "NoticeLetterSent",
    "AppealLodged",
    "AppealDecided",
)


def walked(ledger):
    """A dibao application walked, decided, notified by letter, appealed and upheld."""
    hid, _ = household(ledger.app, 2)
    app_id = ledger.app.submit_application(
        hid,
        programme="dibao",
        effective_from=ON,
        means=means(6000),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, ON),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    decided_on = ledger.app.household(hid).applications[app_id].path.decided_on
    step = ledger.app.path_step
    step(hid, app_id, "send_letter", actor="caseworker-li", on=decided_on)
    on = decided_on + timedelta(days=5)
    step(
        hid,
        app_id,
        "lodge_appeal",
        actor="caseworker-li",
        appeal_id="A-1",
        kind="review",
        grounds="the amount",
        on=on,
    )
    step(
        hid,
        app_id,
        "decide_appeal",
        actor="approver-sun",
        appeal_id="A-1",
        outcome="upheld",
        reason="as decided",
        on=on + timedelta(days=10),
    )
    ledger.runner.catch_up()
    return hid


def test_verify_recomputes_the_walked_decision_from_its_check_report(ledger):
    walked(ledger)
    report = ledger.verify()
    assert report.recompute_mismatches == [] and report.chain_breaks == []
    assert report.ok


def test_replay_and_report_show_the_path_in_words(ledger):
    hid = walked(ledger)
    replayed = replay_household(ledger, hid, date(2025, 12, 31), None)
    types = [e["type"] for e in replayed["events"]]
    assert {"ApplicationReceived", "NoticePublished"} <= set(types)
    assert set(PATH_TYPES) <= set(types)
    data = report_data(ledger, hid, date(2025, 12, 31))
    zh = render_html(data, "zh")
    for words in ("受理申请", "发起核对", "核对结果", "核对报告", "入户调查", "公示"):
        assert words in zh
    for words in ("作出决定", "送达告知书", "申请复核/复议", "复核/复议决定"):
        assert words in zh
    en = render_html(data, "en")
    assert "Application received" in en and "Notice published" in en
    assert not any(f">{t}<" in zh or f">{t}<" in en for t in PATH_TYPES)
