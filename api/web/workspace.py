"""The caseworker's and approver's workspace pages (issue 17): register a household and
its members, a payee account, an application and every step of its path, the approver's
queue and a decision shown before it is recorded, the notice letter to print, and home
visits that wait on the device while there is no network.

Every form is an `Action` of api/web/forms.py, done by the API's own route function."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.letter import letter_data, render_html, render_pdf
from api.web.forms import (
    ACTIONS,
    APPLICATION,
    OPEN_STAGES,
    PATH_INPUTS,
    Action,
    Context,
    body_of,
    offered,
)
from api.web.i18n import Words, translator
from api.web.router import (
    PATH,
    Anyone,
    Caseworker,
    PageError,
    Reader,
    _form,
    _household,
    _ledger,
    _log_access,
    _refusal,
    _uuid,
    lang_of,
    render,
)
from api.web.session import WebUser, csrf_ok
from domain.errors import LedgerError, NotFoundError
from domain.household import Household
from domain.standards import CITY_CODE, COUNTIES, region_prefix
from services.applications import application_state, worklist
from services.clock import beijing_today

router = APIRouter(prefix=PATH, include_in_schema=False)

QUEUE_STAGES = ("received", "checked", "investigated", "noticed", "decided", "withdrawn")
CATEGORY_CHOICES = ("dibao", "tekun", "dibao_single", "marginal", "low_income")


def _action(key: str, who: WebUser) -> Action:
    action = ACTIONS.get(key)
    if action is None:
        raise PageError(404, f"no form {key}")
    if who.role not in action.roles:
        raise PageError(
            403, f"{key}: the role {who.role} may not do this; it needs {', '.join(action.roles)}"
        )
    return action


def _context(request: Request, who: WebUser, hid: UUID | None) -> Context:
    ledger = _ledger(request)
    household = _household(ledger, hid) if hid is not None else None
    extra = {k: v for k, v in request.query_params.items() if k not in ("lang", "done")}
    return Context(
        ledger,
        who.user,
        hid,
        request.query_params.get("application"),
        household,
        extra,
    )


def _form_page(
    request: Request,
    who: WebUser,
    action: Action,
    ctx: Context,
    values: dict[str, str],
    status: int = 200,
    problem: tuple[str | None, str] | None = None,
    preview: dict[str, Any] | None = None,
) -> HTMLResponse:
    household = ctx.household
    members = [m for m in household.members.values() if m.left_on is None] if household else []
    field = _marked(problem[0], action) if problem else None  # the input to mark
    return render(
        request,
        "action.html",
        who,
        status,
        action=action,
        household=household,
        application_id=ctx.application_id,
        members=members,
        values=values,
        field=field,
        field_label=next((spec.label for spec in action.inputs if spec.name == field), None),
        error=problem[1] if problem else None,
        preview=preview,
        query=urlencode(ctx.extra),
    )


def _marked(field: str | None, action: Action) -> str | None:
    """The input a refusal names: the field itself, or the input it sits in (a path
    parameter's `member_id` is the `member` select; `consents.0.member_id` the consents)."""
    if field is None:
        return None
    names = {spec.name for spec in action.inputs}
    if field in names:
        return field
    for name in PATH_INPUTS:
        if field.startswith(name) and name in names:
            return name
    head = field.split(".")[0]
    return head if head in names else field


def _values(action: Action, form: dict[str, str]) -> dict[str, str]:
    keep = {spec.name for spec in action.inputs} | {"consents.signed_on"}
    return {k: v for k, v in form.items() if k in keep or k.startswith("consent.")}


@router.get("/households/new")
def register_form(request: Request, who: Anyone) -> HTMLResponse:
    action = _action("register", who)
    ctx = _context(request, who, None)
    return _form_page(request, who, action, ctx, action.defaults(ctx))


@router.post("/households/new")
async def register_post(request: Request, who: Anyone) -> Response:
    return await _submit(request, who, _action("register", who), None)


@router.get("/households/{household_id}/do/{key}")
def action_form(request: Request, household_id: str, key: str, who: Anyone) -> HTMLResponse:
    action = _action(key, who)
    ctx = _context(request, who, _uuid(household_id))
    _check_application(action, ctx)
    values = {**action.defaults(ctx), **{k: v for k, v in ctx.extra.items() if k != "application"}}
    return _form_page(request, who, action, ctx, values)


@router.post("/households/{household_id}/do/{key}")
async def action_post(request: Request, household_id: str, key: str, who: Anyone) -> Response:
    return await _submit(request, who, _action(key, who), _uuid(household_id))


@router.get("/households/{household_id}/visit")
def visit_form(request: Request, household_id: str, who: Anyone) -> HTMLResponse:
    """A home visit (§30): the visit form, which keeps visits on the device offline."""
    return action_form(request, household_id, "visit", who)


@router.post("/households/{household_id}/visit")
async def visit_post(request: Request, household_id: str, who: Anyone) -> Response:
    return await action_post(request, household_id, "visit", who)


def _check_application(action: Action, ctx: Context) -> None:
    if action.scope != APPLICATION:
        return
    household = ctx.household
    if household is None or ctx.application_id not in household.applications:
        raise PageError(404, f"no application {ctx.application_id} in this household")


async def _submit(request: Request, who: WebUser, action: Action, hid: UUID | None) -> Response:
    ctx = _context(request, who, hid)
    _check_application(action, ctx)
    form = await _form(request, who)
    values = _values(action, form)
    ctx.extra.update({k: form[k] for k in PATH_INPUTS if k in form})
    try:
        body = action.schema.model_validate(body_of(action, values, ctx.household))
        seen = _digest(values, ctx.household)
        if action.preview and form.get("confirm") != seen:
            # Shown first, and again if anything was changed after it was shown, in the
            # form or in the household (another step recorded meanwhile): what is
            # confirmed is what was seen.
            shown = await run_in_threadpool(_preview, ctx, body)
            shown["confirm"] = seen
            return _form_page(request, who, action, ctx, values, preview=shown)
        result = await run_in_threadpool(action.call, ctx, body)
    except (ValidationError, LedgerError) as error:
        code, problem = _refusal(error)
        return _form_page(request, who, action, ctx, values, code, problem)
    return RedirectResponse(_after(action, ctx, result), status_code=303)


def _digest(values: dict[str, str], household: Household | None) -> str:
    version = household.version if household is not None else 0
    shown = json.dumps([values, version], sort_keys=True)
    return hashlib.sha256(shown.encode()).hexdigest()[:32]


def _preview(ctx: Context, body: Any) -> dict[str, Any]:
    """What the decision will record, worked out on the household as loaded and not
    saved (the domain's own determination, so the amounts and explanation are the ones
    that will be recorded if nothing else is recorded meanwhile)."""
    if ctx.household_id is None or ctx.application_id is None:
        raise PageError(404, "a decision needs its household and application")
    found = ctx.ledger.app.determine(
        ctx.household_id,
        ctx.application_id,
        decision=body.decision,
        reason=body.reason,
        actor=ctx.user.name,
        on=body.on or beijing_today(),
        preview=True,
    )
    return {
        "outcome": found.outcome,
        "category": found.category,
        "entitlements": [
            {
                "programme": e["programme"],
                "member_id": e["member_id"],
                "amount_fen": e.get("monthly_fen", e.get("amount_fen", 0)),
                "monthly": "monthly_fen" in e,
            }
            for e in found.entitlements
        ],
        "explanation": found.explanation,
    }


def _after(action: Action, ctx: Context, result: Any) -> str:
    done = urlencode({"done": action.key})
    if action.key == "register":
        return f"{PATH}/households/{result.household_id}?{done}"
    if action.key == "apply":
        return f"{PATH}/households/{ctx.household_id}/applications/{result.application_id}?{done}"
    if action.scope == APPLICATION:
        reopened = getattr(result, "reopened_as", None)
        target = reopened or ctx.application_id
        return f"{PATH}/households/{ctx.household_id}/applications/{target}?{done}"
    return f"{PATH}/households/{ctx.household_id}?{done}"


# ------------------------------------------------------------- the application


@router.get("/households/{household_id}/applications/{application_id}")
def application_page(
    request: Request, household_id: str, application_id: str, who: Reader
) -> HTMLResponse:
    hid = _uuid(household_id)
    ledger = _ledger(request)
    household = _household(ledger, hid)
    try:
        state = application_state(ledger, hid, application_id, beijing_today())
    except NotFoundError as error:
        raise PageError(404, error.message) from None
    record = household.applications[application_id]
    stage = state["stage"]
    actions = [
        a
        for a in ACTIONS.values()
        if a.scope == APPLICATION and offered(a, who.role, stage) and _open_for(a, record)
    ]
    _log_access(request, who, hid)
    return render(
        request,
        "application.html",
        who,
        household=household,
        state=state,
        record=record,
        steps=_path_steps(record, translator(lang_of(request))),
        actions=actions,
        names=_names(household),
        done=request.query_params.get("done", ""),
        has_letter=record.decision is not None,
    )


def _open_for(action: Action, record: Any) -> bool:
    """Whether the step has something to act on: a resolution an open objection, an
    appeal's decision an open appeal, an appeal a letter served (POLICY ch. 14)."""
    path = record.path
    if path is None:
        return True
    if action.key == "objection_resolution":
        return any(o["outcome"] is None for o in path.objections.values())
    if action.key == "appeal_decision":
        return any(a["outcome"] is None for a in path.appeals.values())
    if action.key == "appeal":
        return bool(path.letters)
    return True


def _path_steps(record: Any, t: Words) -> list[tuple[str, dict[str, str]]]:
    """The path so far (receipt, check report, investigation, notice) in the page's
    language, its dates and money as that language writes them: the words of the lines
    the decision's explanation records (Household.path_lines), which are English."""
    path = record.path
    if path is None:
        return []
    steps = [("pl_received", {"on": t.day(path.received_on)})]
    if path.report is not None:
        answers = t.join(
            t(
                "pl_answer",
                department=t.code(path.checks[r]["department"]),
                on=t.day(path.checks[r]["answered_on"]),
            )
            for r in path.report["answers"]
        )
        income = t.money(path.report["means"]["annual_income_fen"])
        steps.append(
            ("pl_report", {"on": t.day(path.report["on"]), "answers": answers, "income": income})
        )
    if path.investigations:
        last = path.investigations[-1]
        steps.append(
            ("pl_investigation", {"on": t.day(last["on"]), "staff": t.join(last["staff"])})
        )
    if path.notice is not None:
        objections = len(path.objections)
        steps.append(
            (
                "pl_notice" if not objections else "pl_notice_objections",
                {
                    "start": t.day(path.notice["from"]),
                    "until": t.day(path.notice["until"]),
                    "n": str(objections),
                },
            )
        )
    return steps


def _names(household: Household) -> dict[str, str]:
    return {m.member_id: m.name for m in household.members.values()}


@router.get("/households/{household_id}/applications/{application_id}/letter")
def letter_page(request: Request, household_id: str, application_id: str, who: Reader) -> Response:
    """The notice letter (告知书) to print: HTML, or PDF with `?format=pdf`."""
    hid = _uuid(household_id)
    ledger = _ledger(request)
    _household(ledger, hid)
    try:
        data = letter_data(ledger, hid, application_id)
    except LedgerError as error:
        raise PageError(404 if isinstance(error, NotFoundError) else 409, error.message) from None
    _log_access(request, who, hid)
    if request.query_params.get("format") == "pdf":
        return Response(
            render_pdf(data),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{application_id}.pdf"'},
        )
    return HTMLResponse(render_html(data))


# ------------------------------------------------------------- the queue


@router.get("/applications")
def queue_page(request: Request, who: Reader) -> HTMLResponse:
    """The applications of a region on the path, the soonest due first (the approver's
    queue by days left); filtered by stage and by late ones."""
    region = request.query_params.get("region") or CITY_CODE
    if region != CITY_CODE and region not in COUNTIES:
        raise PageError(422, "region: must be Jiaxing (330400) or one of its counties")
    stage = request.query_params.get("stage") or None
    overdue = request.query_params.get("overdue") == "yes" or None
    on = beijing_today()
    ledger = _ledger(request)
    try:
        found = worklist(ledger, region=region, on=on, stage=stage, overdue=overdue, limit=500)
    except LedgerError as error:
        raise PageError(422, error.message) from None
    items = sorted(
        (a for a in found["items"] if stage is not None or a["stage"] in OPEN_STAGES),
        key=lambda a: (a["working_days_left"], a["received_on"]),
    )
    return render(
        request,
        "queue.html",
        who,
        items=items,
        region=region,
        stage=stage or "",
        stages=QUEUE_STAGES,
        overdue=bool(overdue),
        counties=sorted(COUNTIES),
        on=on,
        prefix=region_prefix(region),
    )


# ------------------------------------------------------------- visits kept offline


@router.post("/sync/visits")
async def sync_visit(request: Request, who: Caseworker) -> Response:
    """A visit the device kept while offline (static/visits.js), sent once the network is
    back: JSON with the household id and the visit's fields, the CSRF token in the
    `X-CSRF-Token` header and the device's key in `Idempotency-Key`, so a visit sent twice
    (the answer lost on the way back) is recorded once."""
    if not request.headers.get("idempotency-key"):
        return JSONResponse(
            {"field": "Idempotency-Key", "error": "Idempotency-Key is required"}, status_code=422
        )
    if not csrf_ok(who, request.headers.get("x-csrf-token")):
        return JSONResponse({"field": "X-CSRF-Token", "error": "csrf"}, status_code=403)
    try:
        raw = await request.json()
    except ValueError:
        return JSONResponse({"field": None, "error": "the body must be JSON"}, status_code=422)
    if not isinstance(raw, dict):
        return JSONResponse({"field": None, "error": "the body must be an object"}, 422)
    try:
        hid = UUID(str(raw.get("household_id", "")))
    except ValueError:
        return JSONResponse({"field": "household_id", "error": "not a household id"}, 422)
    action = ACTIONS["visit"]
    ctx = _context(request, who, hid)
    values = {k: str(raw.get(k) or "") for k in ("visited_on", "visitor", "findings", "needs")}
    try:
        body = action.schema.model_validate(body_of(action, values, ctx.household))
        await run_in_threadpool(action.call, ctx, body)
    except (ValidationError, LedgerError) as error:
        code, (field, message) = _refusal(error)
        return JSONResponse({"field": field, "error": message}, status_code=code)
    return JSONResponse(
        {"household_id": str(hid), "visited_on": values["visited_on"], "recorded": True},
        status_code=201,
    )


# ------------------------------------------------------------- search and my work


SEARCH_ARGS = ("q", "region", "category", "stage", "programme")


def _search_values(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip() for k in SEARCH_ARGS}


def _search_args(request: Request, values: dict[str, str]) -> dict[str, Any]:
    """The search's arguments from the page's query (the API's own, a page of 20)."""
    return {
        "q": values["q"] or None,
        "by": "auto",
        "region": values["region"] or None,
        "category": values["category"] or None,
        "programme": values["programme"] or None,
        "stage": values["stage"] or None,
        "on": None,
        "after": request.query_params.get("after") or None,
        "limit": 20,
    }


def _next_query(values: dict[str, str], after: str | None) -> str | None:
    if not after:
        return None
    return urlencode({**{k: v for k, v in values.items() if v}, "after": after})


@router.get("/search")
def search_page(request: Request, who: Reader) -> Response:
    """Find a household by a member's ID number (exact), a fragment of a name or of the
    address, narrowed by region, category and stage: the API's own search (its masking
    by role and its PIPL access trail)."""
    from api.routers.workspace import search_route

    values = _search_values(request)
    try:  # a household's id typed in the box: that household
        return RedirectResponse(f"{PATH}/households/{UUID(values['q'])}", status_code=303)
    except ValueError:
        pass
    items, after, error = None, None, None
    if any(values.values()):
        try:
            found = search_route(who.user, _ledger(request), **_search_args(request, values))
            items, after = found["items"], found.get("next")
        except LedgerError as error_:
            error = error_.message
    return render(
        request,
        "search.html",
        who,
        mine=False,
        values=values,
        items=items,
        worklist=None,
        next=_next_query(values, after),
        error=error,
        categories=CATEGORY_CHOICES,
        stages=QUEUE_STAGES,
    )


@router.get("/me")
def my_work_page(request: Request, who: Reader) -> HTMLResponse:
    """My worklist (visits, reviews, applications waiting for my step, documents awaited,
    warnings; an approver's decisions), most urgent first, and my households: the
    services of `GET /me/worklist` and `GET /me/households`, and one write of the PIPL
    access trail for the page (every household it shows, under `/ui/me` and its query),
    not one durable commit for each half of it."""
    from api.deps import SEES_ID_NUMBERS
    from services.worklist import worklist as my_worklist
    from services.workspace import Filters, record_reads, search

    if who.role not in ("caseworker", "approver"):
        raise PageError(403, "only caseworkers and approvers have households and a worklist")
    ledger = _ledger(request)
    values = _search_values(request)
    args = _search_args(request, values)
    try:
        work = my_worklist(
            ledger,
            user=who.name,
            approver=who.role == "approver",
            on=beijing_today(),
            days=30,
            region=CITY_CODE,
            limit=100,
        )
        filters = Filters(
            region=args["region"],
            category=args["category"],
            programme=args["programme"],
            stage=args["stage"],
            caseworker=who.name,
        )
        found = search(
            ledger,
            q=args["q"],
            by="auto",
            filters=filters,
            on=beijing_today(),
            after=args["after"],
            limit=args["limit"],
            whole_ids=who.role in SEES_ID_NUMBERS,
        )
    except LedgerError as error_:
        raise PageError(422, error_.message) from None
    shown = found.pop("shown")
    record_reads(
        ledger,
        user=who.name,
        role=who.role,
        path=f"{PATH}/me",
        args={**{k: v for k, v in args.items() if k not in ("by", "limit", "on")}, "q": shown},
        household_ids=[i["household_id"] for i in work["items"]]
        + [i["household_id"] for i in found["items"]],
    )
    return render(
        request,
        "search.html",
        who,
        mine=True,
        values=values,
        items=found["items"],
        worklist=work["items"],
        next=_next_query(values, found.get("next")),
        error=None,
        categories=CATEGORY_CHOICES,
        stages=QUEUE_STAGES,
    )
