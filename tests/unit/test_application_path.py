"""POLICY ch. 14, the application's statutory path, on the household aggregate: each step
in order with its date and actor; no approval before the notice has run or while an
objection is open; two different investigators; neither the receiver nor an
investigator decides; a withdrawn or decided application takes no more steps; the
decision uses the check report's means. Dates are worked by hand: received Monday
2025-03-03, the notice published 03-10 runs 7 days to 03-16, the first day for an
approval is 03-17."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import (
    ConflictError,
    InvalidInputError,
    PolicyRuleError,
    SeparationOfDutiesError,
)
from domain.household import Household
from domain.money import yuan
from domain.standards import StandardsBook, default_city_standards
from tests.helpers import id_number, means
from tests.path import STAFF, consents

RECEIVED = date(2025, 3, 3)
NOTICE = date(2025, 3, 10)


@pytest.fixture
def book():
    return StandardsBook(default_city_standards())


def received(declared=0):
    """A household of one, its dibao application received on 2025-03-03."""
    h = Household.register(
        region_code="330402",
        residence="urban",
        address="x",
        registered_on=date(2024, 1, 1),
        actor="cw",
    )
    h.add_member(
        name="户主",
        id_number=id_number(),
        relation="head",
        birth_on=date(1970, 1, 1),
        joined_on=None,
        actor="cw",
    )
    app_id = h.submit_application(
        programme="dibao",
        effective_from=RECEIVED,
        means=means(declared),
        member_id=None,
        details={},
        actor="cw",
        consents=consents(h, RECEIVED),
    )
    return h, app_id


def checked(h, app_id, book, income=0):
    h.request_check(app_id, request_id="t-1", department="tax", on=RECEIVED, actor="cw")
    h.record_check_answer(
        app_id,
        request_id="t-1",
        finding="工资收入",
        amount_fen=yuan(income),
        on=date(2025, 3, 7),
        actor="cw",
    )
    h.attach_check_report(app_id, means=means(income), on=date(2025, 3, 7), actor="cw")
    h.record_investigation(
        app_id, staff=list(STAFF), findings="属实", on=date(2025, 3, 8), actor="cw", book=book
    )


def test_every_member_signs_the_authorisation_at_receipt():
    h = Household.register(
        region_code="330402",
        residence="urban",
        address="x",
        registered_on=date(2024, 1, 1),
        actor="cw",
    )
    h.add_member(
        name="甲",
        id_number=id_number(),
        relation="head",
        birth_on=date(1970, 1, 1),
        joined_on=None,
        actor="cw",
    )
    second = h.add_member(
        name="乙",
        id_number=id_number(),
        relation="spouse",
        birth_on=date(1972, 1, 1),
        joined_on=None,
        actor="cw",
    )
    before = len(h.collect_events())
    only_head = [c for c in consents(h, RECEIVED) if c["member_id"] != second]
    with pytest.raises(PolicyRuleError) as missing:
        h.submit_application(
            programme="dibao",
            effective_from=RECEIVED,
            means=means(0),
            member_id=None,
            details={},
            actor="cw",
            consents=only_head,
        )
    assert missing.value.field == "consents" and "乙" in missing.value.message
    assert before > 0 and not h.collect_events()  # nothing recorded


def test_no_approval_before_the_notice_has_run(book):
    """Published 03-10 for 7 days it runs to 03-16: approving on 03-16 is refused (409,
    stage), on 03-17 it is the first allowed day."""
    h, app_id = received()
    with pytest.raises(ConflictError) as early:
        h.determine(app_id, decision="approve", reason="ok", actor="ap", book=book, on=NOTICE)
    assert early.value.field == "stage" and "received" in early.value.message
    checked(h, app_id, book)
    assert h.publish_notice(app_id, on=NOTICE, actor="cw", book=book) == date(2025, 3, 16)
    with pytest.raises(ConflictError) as running:
        h.determine(
            app_id, decision="approve", reason="ok", actor="ap", book=book, on=date(2025, 3, 16)
        )
    assert "runs to 2025-03-16" in running.value.message
    decided = h.determine(
        app_id, decision="approve", reason="ok", actor="ap", book=book, on=date(2025, 3, 17)
    )
    assert decided.entitlements[0]["monthly_fen"] == 125_000  # 15,000 / 12, no income
    assert h.applications[app_id].path.decided_on == date(2025, 3, 17)
    assert h.applications[app_id].path.stage() == "decided"


def test_the_decision_uses_the_check_reports_means_and_cites_it(book):
    """Declared 0, the tax answer finds 6,000 a year: (15,000 - 6,000) / 12 = 750.00."""
    h, app_id = received(declared=0)
    checked(h, app_id, book, income=6000)
    h.publish_notice(app_id, on=NOTICE, actor="cw", book=book)
    decided = h.determine(
        app_id, decision="approve", reason="核实", actor="ap", book=book, on=date(2025, 3, 17)
    )
    assert decided.entitlements[0]["monthly_fen"] == 75_000
    assert "check report of 2025-03-07 (answers: tax (2025-03-07))" in decided.explanation
    assert "Public notice 2025-03-10 to 2025-03-16, no objection." in decided.explanation
    assert h.applications[app_id].path.declared["annual_income_fen"] == 0


def test_an_open_objection_blocks_and_an_upheld_one_sends_it_back(book):
    """An objection on 03-12 blocks the decision; dismissed it no longer does. Upheld, the
    notice falls: a new investigation after it, a new notice 03-20 to 03-26, then 03-27."""
    h, app_id = received()
    checked(h, app_id, book)
    h.publish_notice(app_id, on=NOTICE, actor="cw", book=book)
    h.record_objection(
        app_id, objection_id="o-1", raised_by="村民", text="有车", on=date(2025, 3, 12), actor="cw"
    )
    with pytest.raises(ConflictError) as blocked:
        h.determine(
            app_id, decision="approve", reason="ok", actor="ap", book=book, on=date(2025, 3, 17)
        )
    assert "o-1" in blocked.value.message
    h.resolve_objection(
        app_id,
        objection_id="o-1",
        outcome="upheld",
        reason="车辆属实待核",
        on=date(2025, 3, 14),
        actor="ap",
    )
    assert h.applications[app_id].path.stage() == "checked"
    with pytest.raises(PolicyRuleError):
        h.publish_notice(app_id, on=date(2025, 3, 15), actor="cw", book=book)
    h.record_investigation(
        app_id,
        staff=list(STAFF),
        findings="车辆已过户",
        on=date(2025, 3, 18),
        actor="cw",
        book=book,
    )
    assert h.publish_notice(app_id, on=date(2025, 3, 20), actor="cw", book=book) == date(
        2025, 3, 26
    )
    decided = h.determine(
        app_id, decision="approve", reason="ok", actor="ap", book=book, on=date(2025, 3, 27)
    )
    assert decided.outcome == "approved"


def test_two_different_investigators_and_neither_decides(book):
    h, app_id = received()
    with pytest.raises(PolicyRuleError) as one:
        h.record_investigation(
            app_id, staff=["张", "张 "], findings="x", on=RECEIVED, actor="cw", book=book
        )
    assert one.value.field == "staff" and "at least 2" in one.value.message
    checked(h, app_id, book)
    h.publish_notice(app_id, on=NOTICE, actor="cw", book=book)
    with pytest.raises(SeparationOfDutiesError):
        h.determine(
            app_id, decision="approve", reason="ok", actor=STAFF[0], book=book, on=date(2025, 3, 17)
        )
    with pytest.raises(SeparationOfDutiesError):
        h.determine(
            app_id, decision="approve", reason="ok", actor="cw", book=book, on=date(2025, 3, 17)
        )


def test_a_withdrawn_application_takes_no_more_steps(book):
    h, app_id = received()
    h.withdraw_application(app_id, reason="申请人外出务工", on=date(2025, 3, 5), actor="cw")
    for step in (
        lambda: h.request_check(
            app_id, request_id="t", department="tax", on=date(2025, 3, 6), actor="cw"
        ),
        lambda: h.determine(
            app_id, decision="reject", reason="x", actor="ap", book=book, on=date(2025, 3, 6)
        ),
    ):
        with pytest.raises(ConflictError) as refused:
            step()
        assert "withdrawn" in refused.value.message


def test_check_answers_are_idempotent_and_the_report_needs_them_all(book):
    h, app_id = received()
    h.request_check(app_id, request_id="t-1", department="tax", on=RECEIVED, actor="cw")
    assert not h.request_check(app_id, request_id="t-1", department="tax", on=RECEIVED, actor="cw")
    h.request_check(app_id, request_id="b-1", department="bank_deposits", on=RECEIVED, actor="cw")
    h.record_check_answer(
        app_id, request_id="t-1", finding="无", amount_fen=0, on=date(2025, 3, 5), actor="cw"
    )
    assert not h.record_check_answer(
        app_id, request_id="t-1", finding="无", amount_fen=0, on=date(2025, 3, 6), actor="cw"
    )
    with pytest.raises(ConflictError):
        h.record_check_answer(
            app_id, request_id="t-1", finding="有", amount_fen=100, on=date(2025, 3, 6), actor="cw"
        )
    with pytest.raises(PolicyRuleError) as waiting:
        h.attach_check_report(app_id, means=means(0), on=date(2025, 3, 6), actor="cw")
    assert "b-1" in waiting.value.message
    with pytest.raises(InvalidInputError) as department:
        h.request_check(app_id, request_id="x", department="police", on=RECEIVED, actor="cw")
    assert department.value.field == "department"


def test_a_refusal_comes_with_its_letter_and_an_appeal_within_60_days(book):
    """Refused on 03-05 (no notice is needed for a refusal), the letter served 03-06: an
    appeal on 05-05 (60 days later) is in time, a second one on 05-06 (61 days) is not."""
    h, app_id = received()
    h.determine(
        app_id, decision="reject", reason="收入超过标准", actor="ap", book=book, on=date(2025, 3, 5)
    )
    assert h.send_letter(app_id, on=date(2025, 3, 6), actor="cw") == "refusal"
    assert h.lodge_appeal(
        app_id,
        appeal_id="a-1",
        kind="review",
        grounds="收入核算有误",
        on=date(2025, 5, 5),
        actor="cw",
        book=book,
    )
    with pytest.raises(PolicyRuleError) as late:
        h.lodge_appeal(
            app_id,
            appeal_id="a-2",
            kind="review",
            grounds="x",
            on=date(2025, 5, 6),
            actor="cw",
            book=book,
        )
    assert "61 days later" in late.value.message
    with pytest.raises(SeparationOfDutiesError):  # not the one who decided
        h.decide_appeal(
            app_id,
            appeal_id="a-1",
            outcome="upheld",
            reason="维持",
            on=date(2025, 5, 20),
            actor="ap",
        )
    decided = h.decide_appeal(
        app_id,
        appeal_id="a-1",
        outcome="upheld",
        reason="维持",
        on=date(2025, 5, 20),
        actor="reviewer",
    )
    assert decided["outcome"] == "upheld"


def test_an_appeal_decided_changed_reopens_it_for_a_new_decision(book):
    """Approved 03-17 at 1,250.00 (no income), the letter served 03-18; on appeal the
    review finds 3,000 a year and decides `changed` on 04-10: the application is reopened
    on its path with those means, and the new decision (by another approver, 04-11) gives
    (15,000 - 3,000) / 12 = 1,000.00 from 03-03, the latest recorded (POLICY ch. 13)."""
    h, app_id = received()
    checked(h, app_id, book)
    h.publish_notice(app_id, on=NOTICE, actor="cw", book=book)
    h.determine(
        app_id, decision="approve", reason="ok", actor="ap", book=book, on=date(2025, 3, 17)
    )
    h.send_letter(app_id, on=date(2025, 3, 18), actor="cw")
    h.lodge_appeal(
        app_id,
        appeal_id="a-1",
        kind="review",
        grounds="收入有误",
        on=date(2025, 3, 25),
        actor="cw",
        book=book,
    )
    decided = h.decide_appeal(
        app_id,
        appeal_id="a-1",
        outcome="changed",
        reason="重新核算",
        on=date(2025, 4, 10),
        actor="reviewer",
        means=means(3000),
    )
    again = decided["reopened_as"]
    assert h.applications[again].path.stage() == "noticed"
    assert h.applications[again].details["reopened_from"] == app_id
    new = h.determine(
        again, decision="approve", reason="复核变更", actor="ap-2", book=book, on=date(2025, 4, 11)
    )
    assert new.entitlements[0]["monthly_fen"] == 100_000
    assert dict(h.entitlements_on(date(2025, 3, 3)))["dibao"].monthly_fen == 100_000
