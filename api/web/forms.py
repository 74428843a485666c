"""The workspace's forms: every step a caseworker or an approver takes, in the browser.

Each form is an `Action`: its inputs, the roles that may take it, and the API route that
does it. A form is read into the API's own input schema and handed to the API's own route
function, so a page records exactly what the API records and refuses exactly what it
refuses (the same field and message, api/errors.py); a refused form is shown again with
what was typed and the field marked, and nothing is recorded.

Inputs are named as the schema's fields, dotted for a nested one (`means.annual_income`),
so pydantic's complaint names the input the page marks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from api.auth import User
from api.routers import applications as applications_routes
from api.routers import care as care_routes
from api.routers import households as household_routes
from api.routers import path as path_routes
from api.routers import payments as payment_routes
from api.routers import reviews as review_routes
from api.routers import workspace as workspace_routes
from api.routers.care import MajorChangeIn, VisitIn
from api.schemas import (
    AccountIn,
    AppealDecisionIn,
    AppealIn,
    ApplicationIn,
    CaseworkerIn,
    CheckAnswerIn,
    CheckIn,
    CheckReportIn,
    DeterminationIn,
    DocumentsIn,
    HouseholdIn,
    InvestigationIn,
    LifeEventDecisionIn,
    LifeEventIn,
    MemberChangeIn,
    MemberIn,
    ObjectionIn,
    ReasonIn,
    ResolutionIn,
    ReviewIn,
    StepIn,
)
from domain.household import Household
from domain.household.state import EMPLOYMENT, RELATIONS, RESIDENCES
from domain.policy.application_path import APPEAL_OUTCOMES, APPEALS, DEPARTMENTS
from domain.policy.registry import REGISTRY
from domain.policy.s11_education_aid import STAGES as SCHOOL_STAGES
from services.clock import beijing_today
from services.ledger import Ledger

HOUSEHOLD, APPLICATION, NEW = "household", "application", "new"
OPEN_STAGES = ("received", "checked", "investigated", "noticed")


@dataclass(frozen=True)
class Input:
    """One input: `kind` is text, textarea, date, yuan, select, checkbox, lines (one item a
    line: a list), member (a present member), consents (every present member's
    authorisation, with its date) or id_number (checked as one types)."""

    name: str
    label: str
    kind: str = "text"
    options: tuple[str, ...] = ()
    required: bool = True
    words: str = ""  # a select's options in the words of TEXT[words + option], not CODES


@dataclass
class Context:
    """What an action's call and its defaults need."""

    ledger: Ledger
    user: User
    household_id: UUID | None = None
    application_id: str | None = None
    household: Household | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Action:
    key: str
    title: str
    roles: tuple[str, ...]
    scope: str
    schema: type[BaseModel]
    inputs: tuple[Input, ...]
    call: Callable[[Context, Any], Any]
    stages: tuple[str, ...] = ()  # for an application's steps: the stages it is offered at
    defaults: Callable[[Context], dict[str, str]] = lambda ctx: {}
    preview: bool = False  # the approver sees what will be recorded before confirming


def _today(ctx: Context) -> dict[str, str]:
    return {"on": beijing_today().isoformat()}


def _path_of(ctx: Context) -> Any:
    """The application's path record (None off the path or without an application)."""
    household, application = ctx.household, ctx.application_id
    if household is None or application is None or application not in household.applications:
        return None
    return household.applications[application].path


def _next_id(prefix: str, taken: Any) -> str:
    """The next free id of an objection or appeal (o-1, o-2 …): the form offers one, so
    nobody has to invent it, and it stays the step's idempotency key."""
    n = len(taken) + 1
    while f"{prefix}-{n}" in taken:
        n += 1
    return f"{prefix}-{n}"


def _objection_defaults(ctx: Context) -> dict[str, str]:
    path = _path_of(ctx)
    return {**_today(ctx), "objection_id": _next_id("o", path.objections if path else {})}


def _resolution_defaults(ctx: Context) -> dict[str, str]:
    """The open objection (the first, if several), so it is not typed again."""
    path = _path_of(ctx)
    open_ = [o for o, v in (path.objections if path else {}).items() if v["outcome"] is None]
    return {**_today(ctx), **({"objection": open_[0]} if open_ else {})}


def _appeal_defaults(ctx: Context) -> dict[str, str]:
    path = _path_of(ctx)
    return {**_today(ctx), "appeal_id": _next_id("a", path.appeals if path else {})}


def _appeal_decision_defaults(ctx: Context) -> dict[str, str]:
    path = _path_of(ctx)
    open_ = [a for a, v in (path.appeals if path else {}).items() if v["outcome"] is None]
    return {**_today(ctx), **({"appeal": open_[0]} if open_ else {})}


def _means(prefix: str = "means", required: bool = True) -> tuple[Input, ...]:
    return (
        Input(f"{prefix}.annual_income", "f_annual_income", "yuan", required=required),
        Input(f"{prefix}.rigid_deductions", "f_rigid_deductions", "yuan", required=False),
        Input(f"{prefix}.car_insurance_value", "f_car_insurance_value", "yuan", required=False),
    )


def _call(route: Callable[..., Any], application: bool, **path: str) -> Callable[..., Any]:
    """Call an API route with the household (and the application, for a step of the
    path), then `path` ({the route's parameter: the context's key})."""

    def call(ctx: Context, body: Any) -> Any:
        extra = {name: ctx.extra[key] for name, key in path.items()}
        if application:
            extra["application_id"] = ctx.application_id
        return route(
            household_id=ctx.household_id, body=body, user=ctx.user, ledger=ctx.ledger, **extra
        )

    return call


def _step(route: Callable[..., Any], **path: str) -> Callable[[Context, Any], Any]:
    """A step of the path's route."""
    return _call(route, True, **path)


def _household_call(route: Callable[..., Any], **path: str) -> Callable[[Context, Any], Any]:
    """A household's route."""
    return _call(route, False, **path)


def _register(ctx: Context, body: Any) -> Any:
    return household_routes.register(body=body, user=ctx.user, ledger=ctx.ledger)


ON = Input("on", "f_on", "date")
PROGRAMMES = tuple(p.name for p in REGISTRY)

ACTIONS: dict[str, Action] = {
    a.key: a
    for a in (
        Action(
            "register",
            "a_register",
            ("caseworker",),
            NEW,
            HouseholdIn,
            (
                Input("region_code", "f_region_code"),
                Input("residence", "residence", "select", RESIDENCES),
                Input("address", "address"),
                Input("registered_on", "registered_on", "date"),
            ),
            _register,
            defaults=lambda ctx: {"registered_on": beijing_today().isoformat()},
        ),
        Action(
            "member",
            "a_member",
            ("caseworker",),
            HOUSEHOLD,
            MemberIn,
            (
                Input("name", "name"),
                Input("id_number", "id_number", "id_number"),
                Input("relation", "relation", "select", RELATIONS),
                Input("birth_on", "birth_on", "date"),
                Input("joined_on", "joined_on", "date", required=False),
                Input("severe_illness", "f_severe_illness", "checkbox", required=False),
                Input("severe_disability", "f_severe_disability", "checkbox", required=False),
                Input("employment", "f_employment", "select", ("", *EMPLOYMENT), required=False),
                Input(
                    "school_stage", "f_school_stage", "select", ("", *SCHOOL_STAGES), required=False
                ),
            ),
            _household_call(household_routes.add_member),
        ),
        Action(
            "member_change",
            "a_member_change",
            ("caseworker",),
            HOUSEHOLD,
            MemberChangeIn,
            (
                Input("member", "member", "member"),
                Input("effective_on", "f_effective_on", "date"),
                Input("employment", "f_employment", "select", ("", *EMPLOYMENT), required=False),
                Input(
                    "severe_illness",
                    "f_severe_illness",
                    "select",
                    ("", "true", "false"),
                    required=False,
                ),
                Input(
                    "severe_disability",
                    "f_severe_disability",
                    "select",
                    ("", "true", "false"),
                    required=False,
                ),
                Input("left_household", "f_left_household", "checkbox", required=False),
            ),
            _household_call(household_routes.change_member, member_id="member"),
            defaults=lambda ctx: {"effective_on": beijing_today().isoformat()},
        ),
        Action(
            "account",
            "a_account",
            ("caseworker",),
            HOUSEHOLD,
            AccountIn,
            (
                Input("member", "f_payee", "member"),
                Input("kind", "f_account_kind", "select", ("bank", "one_card")),
                Input("account_number", "f_account_number"),
                Input("bank_name", "f_bank_name", required=False),
            ),
            _household_call(payment_routes.set_account, member_id="member"),
        ),
        Action(
            "apply",
            "a_apply",
            ("caseworker",),
            HOUSEHOLD,
            ApplicationIn,
            (
                Input("programme", "programme", "select", PROGRAMMES),
                Input("member_id", "f_applicant_member", "member", required=False),
                Input("effective_from", "effective_from", "date"),
                Input("received_on", "f_received_on", "date", required=False),
                *_means(required=False),
                Input("consents", "f_consents", "consents", required=False),
            ),
            lambda ctx, body: applications_routes.submit(
                household_id=ctx.household_id, body=body, user=ctx.user, ledger=ctx.ledger
            ),
            defaults=lambda ctx: {
                "received_on": beijing_today().isoformat(),
                "effective_from": beijing_today().replace(day=1).isoformat(),
                "consents.signed_on": beijing_today().isoformat(),
            },
        ),
        Action(
            "visit",
            "record_visit",
            ("caseworker",),
            HOUSEHOLD,
            VisitIn,
            (
                Input("visited_on", "visited_on", "date"),
                Input("visitor", "visitor"),
                Input("findings", "findings", "textarea"),
                Input("needs", "needs", "textarea", required=False),
            ),
            _household_call(care_routes.record_visit),
            defaults=lambda ctx: {
                "visited_on": beijing_today().isoformat(),
                "visitor": ctx.user.name,
            },
        ),
        Action(
            "major_change",
            "a_major_change",
            ("caseworker",),
            HOUSEHOLD,
            MajorChangeIn,
            (
                Input("reported_on", "f_reported_on", "date"),
                Input("description", "f_description", "textarea"),
            ),
            _household_call(care_routes.report_major_change),
            defaults=lambda ctx: {"reported_on": beijing_today().isoformat()},
        ),
        Action(
            "life_event",
            "a_life_event",
            ("caseworker",),
            HOUSEHOLD,
            LifeEventIn,
            (
                Input("member", "member", "member"),
                Input("kind", "f_kind", "select", ("death", "residence_moved_out", "imprisonment")),
                ON,
                Input("source", "f_source"),
            ),
            _household_call(household_routes.report_life_event, member_id="member"),
            defaults=lambda ctx: {**_today(ctx), "source": ctx.user.name},
        ),
        Action(
            "life_event_decision",
            "a_life_event_decision",
            ("approver",),
            HOUSEHOLD,
            LifeEventDecisionIn,
            (
                Input("event", "f_event_id"),
                Input("decision", "f_decision", "select", ("confirm", "reject")),
                Input("reason", "f_reason", "textarea"),
            ),
            _household_call(household_routes.decide_life_event, event_id="event"),
        ),
        Action(
            "caseworker",
            "a_caseworker",
            ("approver",),
            HOUSEHOLD,
            CaseworkerIn,
            (
                Input("caseworker", "f_caseworker"),
                Input("on", "f_on", "date", required=False),
                Input("reason", "f_reason", "textarea", required=False),
            ),
            _household_call(workspace_routes.reassign),
            defaults=_today,
        ),
        Action(
            "review",
            "a_review",
            ("approver",),
            HOUSEHOLD,
            ReviewIn,
            (
                Input("member_id", "f_reviewed_member", "member", required=False),
                ON,
                *_means(),
                Input("irregular_income", "f_irregular_income", "checkbox", required=False),
                Input(
                    "outcome",
                    "f_outcome",
                    "select",
                    ("continue", "change", "stop", "phase_out"),
                ),
                Input("reason", "f_reason", "textarea"),
                Input("found_by", "f_found_by"),
            ),
            _household_call(review_routes.record_review),
            defaults=_today,
        ),
        # ------------------------------------------------ the path (POLICY ch. 14)
        Action(
            "documents",
            "a_documents",
            ("caseworker",),
            APPLICATION,
            DocumentsIn,
            (Input("documents", "f_documents", "textarea"), ON),
            _step(path_routes.request_documents),
            OPEN_STAGES,
            _today,
        ),
        Action(
            "documents_received",
            "a_documents_received",
            ("caseworker",),
            APPLICATION,
            StepIn,
            (ON,),
            _step(path_routes.receive_documents),
            OPEN_STAGES,
            _today,
        ),
        Action(
            "check",
            "a_check",
            ("caseworker",),
            APPLICATION,
            CheckIn,
            (
                Input("department", "f_department", "select", DEPARTMENTS),
                Input("request_id", "f_request_id"),
                ON,
            ),
            _step(path_routes.request_check),
            ("received", "checked"),
            _today,
        ),
        Action(
            "check_answer",
            "a_check_answer",
            ("caseworker",),
            APPLICATION,
            CheckAnswerIn,
            (
                Input("request", "f_request_id"),
                Input("finding", "f_finding"),
                Input("amount", "amount", "yuan", required=False),
                ON,
            ),
            _step(path_routes.record_check_answer, request_id="request"),
            ("received", "checked"),
            _today,
        ),
        Action(
            "check_report",
            "a_check_report",
            ("caseworker",),
            APPLICATION,
            CheckReportIn,
            (*_means(), ON),
            _step(path_routes.attach_check_report),
            ("received", "checked"),
            _today,
        ),
        Action(
            "investigation",
            "a_investigation",
            ("caseworker",),
            APPLICATION,
            InvestigationIn,
            (
                Input("staff", "f_staff", "lines"),
                Input("findings", "findings", "textarea"),
                ON,
            ),
            _step(path_routes.record_investigation),
            ("received", "checked", "investigated"),
            lambda ctx: {**_today(ctx), "staff": ctx.user.name},
        ),
        Action(
            "notice",
            "a_notice",
            ("caseworker",),
            APPLICATION,
            StepIn,
            (ON,),
            _step(path_routes.publish_notice),
            ("investigated",),
            _today,
        ),
        Action(
            "objection",
            "a_objection",
            ("caseworker",),
            APPLICATION,
            ObjectionIn,
            (
                Input("objection_id", "f_objection_id"),
                Input("raised_by", "f_raised_by"),
                Input("text", "f_text", "textarea"),
                ON,
            ),
            _step(path_routes.record_objection),
            ("noticed",),
            _objection_defaults,
        ),
        Action(
            "objection_resolution",
            "a_objection_resolution",
            ("approver",),
            APPLICATION,
            ResolutionIn,
            (
                Input("objection", "f_objection_id"),
                Input("outcome", "f_outcome", "select", ("dismissed", "upheld")),
                Input("reason", "f_reason", "textarea"),
                ON,
            ),
            _step(path_routes.resolve_objection, objection_id="objection"),
            ("noticed",),
            _resolution_defaults,
        ),
        Action(
            "extension",
            "a_extension",
            ("approver",),
            APPLICATION,
            ReasonIn,
            (Input("reason", "f_reason", "textarea"), ON),
            _step(path_routes.extend_deadline),
            OPEN_STAGES,
            _today,
        ),
        Action(
            "determination",
            "a_determination",
            ("approver",),
            APPLICATION,
            DeterminationIn,
            (
                Input("decision", "f_decision", "select", ("approve", "reject")),
                Input("reason", "f_reason", "textarea"),
                Input("on", "f_on", "date", required=False),
            ),
            _step(applications_routes.determine),
            ("noticed", "submitted"),
            _today,
            preview=True,
        ),
        Action(
            "withdrawal",
            "a_withdrawal",
            ("caseworker",),
            APPLICATION,
            ReasonIn,
            (Input("reason", "f_reason", "textarea"), ON),
            _step(path_routes.withdraw),
            OPEN_STAGES,
            _today,
        ),
        Action(
            "letter",
            "a_letter",
            ("caseworker",),
            APPLICATION,
            StepIn,
            (ON,),
            _step(path_routes.send_letter),
            ("decided",),
            _today,
        ),
        Action(
            "appeal",
            "a_appeal",
            ("caseworker",),
            APPLICATION,
            AppealIn,
            (
                Input("appeal_id", "f_appeal_id"),
                Input("kind", "f_appeal_kind", "select", APPEALS),
                Input("grounds", "f_grounds", "textarea"),
                ON,
            ),
            _step(path_routes.lodge_appeal),
            ("decided",),
            _appeal_defaults,
        ),
        Action(
            "appeal_decision",
            "a_appeal_decision",
            ("approver",),
            APPLICATION,
            AppealDecisionIn,
            (
                Input("appeal", "f_appeal_id"),
                Input("outcome", "f_outcome", "select", APPEAL_OUTCOMES, words="appeal_"),
                Input("reason", "f_reason", "textarea"),
                *_means(required=False),
                ON,
            ),
            _step(path_routes.decide_appeal, appeal_id="appeal"),
            ("decided",),
            _appeal_decision_defaults,
        ),
    )
}

# Inputs that name a path parameter, not a field of the body.
PATH_INPUTS = ("member", "request", "objection", "appeal", "event")


def body_of(action: Action, values: dict[str, str], household: Household | None) -> dict[str, Any]:
    """The form's values as the schema's input: checkboxes as booleans, lines as lists,
    dotted names nested, empty optional inputs left out, consents as the list the API
    takes (the members ticked, each signed on the date given)."""
    body: dict[str, Any] = {}
    for spec in action.inputs:
        if spec.name in PATH_INPUTS:
            continue
        raw = values.get(spec.name, "")
        value: Any
        if spec.kind == "checkbox":
            value = raw == "on"
        elif spec.kind == "lines":
            value = [line.strip() for line in raw.splitlines() if line.strip()]
        elif spec.kind == "consents":
            signed = values.get("consents.signed_on", "")
            ticked = [
                k.removeprefix("consent.")
                for k, v in values.items()
                if v and k != k.removeprefix("consent.")
            ]
            value = [{"member_id": m, "signed_on": signed} for m in ticked] or None
        elif spec.kind == "select" and raw in ("true", "false"):
            value = raw == "true"
        else:
            value = raw.strip()
        if value in ("", None) and not spec.required:
            continue
        _put(body, spec.name, value)
    if action.key == "apply" and "means" in body and "annual_income" not in body["means"]:
        del body["means"]  # deductions typed without the income: left to the income's rule
    return body


def _put(body: dict[str, Any], name: str, value: Any) -> None:
    head, _, rest = name.partition(".")
    if not rest:
        body[head] = value
        return
    _put(body.setdefault(head, {}), rest, value)


def offered(action: Action, role: str, stage: str | None) -> bool:
    """Whether the page offers the action to `role` at the application's `stage`."""
    if role not in action.roles:
        return False
    return action.scope != APPLICATION or stage in action.stages


def today() -> date:
    return beijing_today()
