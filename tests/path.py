"""Walking an application along its statutory path (POLICY ch. 14) in tests: every
member's authorisation at receipt, one partner department's answer, the check report
(the declared means, unless a test says otherwise), a home investigation by two staff
and the 7-day public notice. A test that is about the path itself takes the steps one
by one instead; these helpers are for tests about what a decision grants."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

STAFF = ("investigator-zhao", "investigator-qian")


def consents(household: Any, on: date) -> list[dict[str, str]]:
    """Every member present on `on`, signed that day."""
    return [
        {"member_id": m.member_id, "signed_on": on.isoformat()}
        for m in household.members.values()
        if m.present_on(on)
    ]


def walk(household: Any, application_id: str, book: Any, actor: str = "cw") -> date:
    """Take an application received on the aggregate through the check, the
    investigation and the notice, all on its receipt date; returns the first day it may
    be decided (the day after the notice ends). One not on the path: its own date."""
    application = household.applications[application_id]
    path = application.path
    if path is None:
        return application.effective_from
    on = path.received_on
    request = f"{application_id}-tax"
    household.request_check(
        application_id, request_id=request, department="tax", on=on, actor=actor
    )
    household.record_check_answer(
        application_id,
        request_id=request,
        finding="as declared",
        amount_fen=None,
        on=on,
        actor=actor,
    )
    if application.means is not None:
        household.attach_check_report(application_id, means=application.means, on=on, actor=actor)
    household.record_investigation(
        application_id, staff=list(STAFF), findings="as declared", on=on, actor=actor, book=book
    )
    until = household.publish_notice(application_id, on=on, actor=actor, book=book)
    return until + timedelta(days=1)


def decide(
    household: Any,
    application_id: str,
    book: Any,
    *,
    decision: str = "approve",
    reason: str = "ok",
    actor: str = "ap",
) -> Any:
    """`walk`, then the decision on the first day it may come."""
    on = walk(household, application_id, book)
    return household.determine(
        application_id, decision=decision, reason=reason, actor=actor, book=book, on=on
    )


def app_consents(app: Any, household_id: UUID, on: date) -> list[dict[str, str]]:
    return consents(app.household(household_id), on)


def app_walk(
    app: Any, household_id: UUID, application_id: str, actor: str = "caseworker-li"
) -> date:
    """`walk` through the ledger's commands (each step saved)."""
    household = app.household(household_id)
    application = household.applications[application_id]
    path = application.path
    if path is None:
        return application.effective_from
    on = path.received_on
    request = f"{application_id}-tax"
    step = app.path_step
    step(
        household_id,
        application_id,
        "request_check",
        actor=actor,
        request_id=request,
        department="tax",
        on=on,
    )
    step(
        household_id,
        application_id,
        "record_check_answer",
        actor=actor,
        request_id=request,
        finding="as declared",
        amount_fen=None,
        on=on,
    )
    if application.means is not None:
        step(
            household_id,
            application_id,
            "attach_check_report",
            actor=actor,
            means=application.means,
            on=on,
        )
    step(
        household_id,
        application_id,
        "record_investigation",
        actor=actor,
        staff=list(STAFF),
        findings="as declared",
        on=on,
    )
    until = step(household_id, application_id, "publish_notice", actor=actor, on=on)
    return until + timedelta(days=1)


def app_decide(
    app: Any,
    household_id: UUID,
    application_id: str,
    *,
    decision: str = "approve",
    reason: str = "ok",
    actor: str = "approver-wang",
) -> Any:
    """`app_walk`, then the decision on the first day it may come."""
    on = app_walk(app, household_id, application_id)
    return app.determine(
        household_id, application_id, decision=decision, reason=reason, actor=actor, on=on
    )
