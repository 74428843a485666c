"""The application's statutory path over HTTP (POLICY ch. 14): the caseworker's steps
(documents, checks, the report, the investigation, the notice, objections, withdrawal,
the letter, appeals) and the approver's (resolutions, the extension, appeal decisions);
the decision itself is POST .../determination. A step out of order is 409 naming the
stage; bad input 422 naming the field; either way nothing is recorded."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from api.deps import Approver, Caseworker, LedgerDep, Reader
from api.letter import letter_data, render_html, render_pdf
from api.schemas import (
    AppealDecisionIn,
    AppealIn,
    CheckAnswerIn,
    CheckIn,
    CheckReportIn,
    DocumentsIn,
    InvestigationIn,
    ObjectionIn,
    QueryDate,
    ReasonIn,
    ResolutionIn,
    StepIn,
    StepOut,
)
from domain.money import parse_yuan
from domain.policy.s05_means_test import Means
from domain.standards import validate_region_code
from services.applications import application_state, worklist
from services.clock import beijing_today


def _means(body: Any) -> Means:
    return Means(
        parse_yuan(body.annual_income, "means.annual_income"),
        parse_yuan(body.rigid_deductions, "means.rigid_deductions"),
        parse_yuan(body.car_insurance_value, "means.car_insurance_value"),
    )


router = APIRouter(
    prefix="/households/{household_id}/applications/{application_id}", tags=["applications"]
)


def _step(
    ledger: Any, household_id: UUID, application_id: str, step: str, actor: str, **args: Any
) -> StepOut:
    done = ledger.app.path_step(household_id, application_id, step, actor=actor, **args)
    path = ledger.app.household(household_id).applications[application_id].path
    return StepOut(
        recorded=done is not False,
        stage=path.stage(),
        notice_until=path.notice["until"].isoformat() if path.notice else None,
        reopened_as=done.get("reopened_as") if isinstance(done, dict) else None,
    )


@router.post("/documents", response_model=StepOut)
def request_documents(
    household_id: UUID, application_id: str, body: DocumentsIn, user: Caseworker, ledger: LedgerDep
) -> Any:
    """Documents awaited from the applicant: the decision clock pauses until they come."""
    return _step(
        ledger,
        household_id,
        application_id,
        "request_documents",
        user.name,
        documents=body.documents,
        on=body.on,
    )


@router.post("/documents/received", response_model=StepOut)
def receive_documents(
    household_id: UUID, application_id: str, body: StepIn, user: Caseworker, ledger: LedgerDep
) -> Any:
    """The documents arrived: the clock runs again."""
    return _step(ledger, household_id, application_id, "receive_documents", user.name, on=body.on)


@router.post("/checks", response_model=StepOut)
def request_check(
    household_id: UUID, application_id: str, body: CheckIn, user: Caseworker, ledger: LedgerDep
) -> Any:
    """A request to a partner department (idempotent by request_id)."""
    return _step(
        ledger,
        household_id,
        application_id,
        "request_check",
        user.name,
        request_id=body.request_id,
        department=body.department,
        on=body.on,
    )


@router.post("/checks/{request_id}/answer", response_model=StepOut)
def record_check_answer(
    household_id: UUID,
    application_id: str,
    request_id: str,
    body: CheckAnswerIn,
    user: Caseworker,
    ledger: LedgerDep,
) -> Any:
    """The department's answer (idempotent: the same answer again records nothing)."""
    amount = parse_yuan(body.amount, "amount") if body.amount is not None else None
    return _step(
        ledger,
        household_id,
        application_id,
        "record_check_answer",
        user.name,
        request_id=request_id,
        finding=body.finding,
        amount_fen=amount,
        on=body.on,
    )


@router.post("/check-report", response_model=StepOut)
def attach_check_report(
    household_id: UUID,
    application_id: str,
    body: CheckReportIn,
    user: Caseworker,
    ledger: LedgerDep,
) -> Any:
    """The check report: its means are the means the decision uses."""
    return _step(
        ledger,
        household_id,
        application_id,
        "attach_check_report",
        user.name,
        means=_means(body.means),
        on=body.on,
    )


@router.post("/investigations", response_model=StepOut)
def record_investigation(
    household_id: UUID,
    application_id: str,
    body: InvestigationIn,
    user: Caseworker,
    ledger: LedgerDep,
) -> Any:
    """The home investigation (入户调查) by at least `investigators_min` staff."""
    return _step(
        ledger,
        household_id,
        application_id,
        "record_investigation",
        user.name,
        staff=list(body.staff),
        findings=body.findings,
        on=body.on,
    )


@router.post("/notice", response_model=StepOut)
def publish_notice(
    household_id: UUID, application_id: str, body: StepIn, user: Caseworker, ledger: LedgerDep
) -> Any:
    """The public notice (公示) from `on` for `public_notice_days`."""
    return _step(ledger, household_id, application_id, "publish_notice", user.name, on=body.on)


@router.post("/objections", response_model=StepOut)
def record_objection(
    household_id: UUID, application_id: str, body: ObjectionIn, user: Caseworker, ledger: LedgerDep
) -> Any:
    """An objection (异议) to the notice; it must be resolved before the decision."""
    return _step(
        ledger,
        household_id,
        application_id,
        "record_objection",
        user.name,
        objection_id=body.objection_id,
        raised_by=body.raised_by,
        text=body.text,
        on=body.on,
    )


@router.post("/objections/{objection_id}/resolution", response_model=StepOut)
def resolve_objection(
    household_id: UUID,
    application_id: str,
    objection_id: str,
    body: ResolutionIn,
    user: Approver,
    ledger: LedgerDep,
) -> Any:
    """Dismissed with reasons, or upheld: a new investigation and notice follow."""
    return _step(
        ledger,
        household_id,
        application_id,
        "resolve_objection",
        user.name,
        objection_id=objection_id,
        outcome=body.outcome,
        reason=body.reason,
        on=body.on,
    )


@router.post("/extension", response_model=StepOut)
def extend_deadline(
    household_id: UUID, application_id: str, body: ReasonIn, user: Approver, ledger: LedgerDep
) -> Any:
    """The one extension of the decision deadline, with its reason."""
    return _step(
        ledger,
        household_id,
        application_id,
        "extend_deadline",
        user.name,
        reason=body.reason,
        on=body.on,
    )


@router.post("/withdrawal", response_model=StepOut)
def withdraw(
    household_id: UUID, application_id: str, body: ReasonIn, user: Caseworker, ledger: LedgerDep
) -> Any:
    """The applicant withdraws; the application takes no more steps."""
    return _step(
        ledger,
        household_id,
        application_id,
        "withdraw_application",
        user.name,
        reason=body.reason,
        on=body.on,
    )


@router.post("/letter", response_model=StepOut)
def send_letter(
    household_id: UUID, application_id: str, body: StepIn, user: Caseworker, ledger: LedgerDep
) -> Any:
    """The notice letter (告知书) delivered to the applicant."""
    return _step(ledger, household_id, application_id, "send_letter", user.name, on=body.on)


@router.post("/appeals", response_model=StepOut)
def lodge_appeal(
    household_id: UUID, application_id: str, body: AppealIn, user: Caseworker, ledger: LedgerDep
) -> Any:
    """A request for review (复核) or reconsideration (行政复议), within `appeal_days`."""
    return _step(
        ledger,
        household_id,
        application_id,
        "lodge_appeal",
        user.name,
        appeal_id=body.appeal_id,
        kind=body.kind,
        grounds=body.grounds,
        on=body.on,
    )


@router.post("/appeals/{appeal_id}/decision", response_model=StepOut)
def decide_appeal(
    household_id: UUID,
    application_id: str,
    appeal_id: str,
    body: AppealDecisionIn,
    user: Approver,
    ledger: LedgerDep,
) -> Any:
    """The appeal's outcome: upheld, changed (a new determination follows) or withdrawn."""
    return _step(
        ledger,
        household_id,
        application_id,
        "decide_appeal",
        user.name,
        appeal_id=appeal_id,
        outcome=body.outcome,
        reason=body.reason,
        on=body.on,
        means=_means(body.means) if body.means is not None else None,
    )


@router.get("")
def application(
    household_id: UUID,
    application_id: str,
    user: Reader,
    ledger: LedgerDep,
    on: QueryDate | None = None,
) -> Any:
    """The application and its path: stage, every step with its date and actor, and the
    decision clock on `on` (default today): working days used, left, the due date."""
    return application_state(ledger, household_id, application_id, on or beijing_today())


worklists = APIRouter(prefix="/applications", tags=["applications"])


@worklists.get("")
def worklist_route(
    user: Reader,
    ledger: LedgerDep,
    region: str = "330400",
    stage: str | None = None,
    overdue: bool | None = None,
    on: QueryDate | None = None,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    """The worklist: applications on the statutory path in a region (the city's code for
    all), oldest receipt first, each with its stage, working days used and left and its
    due date on `on` (default today); `overdue=true` for the late ones; paged by `after`
    (the previous page's `next`)."""
    validate_region_code(region, "region")
    return worklist(
        ledger,
        region=region,
        on=on or beijing_today(),
        stage=stage,
        overdue=overdue,
        after=after,
        limit=limit,
    )


@router.get("/letter", response_class=HTMLResponse)
def letter_html(household_id: UUID, application_id: str, user: Reader, ledger: LedgerDep) -> Any:
    """The notice letter (告知书) to print, in Chinese."""
    return HTMLResponse(render_html(letter_data(ledger, household_id, application_id)))


@router.get("/letter.pdf")
def letter_pdf(household_id: UUID, application_id: str, user: Reader, ledger: LedgerDep) -> Any:
    """The notice letter (告知书) as PDF."""
    body = render_pdf(letter_data(ledger, household_id, application_id))
    return Response(body, media_type="application/pdf")
