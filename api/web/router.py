"""The web workspace at /ui: pages for supervisors, caseworkers and auditors, served by
the ledger itself (Jinja2 templates, one stylesheet, charts as inline SVG, no script).

Each page checks the role as the API does (POLICY ch. 9); forms call the same domain
commands and say the same validation messages as the API (api/errors.py)."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta, timezone
from fractions import Fraction
from importlib import resources
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode
from uuid import UUID

import jwt
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.auth import TokenError, read_token
from api.deps import CARE_READERS, FEED_READERS, OVERSEERS, READERS, SEES_ID_NUMBERS
from api.errors import status_of, validation_problem
from api.routers.medical import _figures
from api.routers.warnings import ResolutionIn
from api.routing import route_page
from api.schemas import MedicalBillIn
from api.web import charts
from api.web.data import BY_HOUSEHOLD, default_cap_year, households_behind, payment_runs
from api.web.i18n import LANGS, translator
from api.web.session import (
    ANYONE,
    COOKIE,
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    PATH,
    PageForbidden,
    SignInRequired,
    WebUser,
    csrf_ok,
    page,
    session_user,
)
from domain.errors import LedgerError, NotFoundError
from domain.household import Household
from domain.idnumber import mask_id_number
from domain.money import format_yuan, parse_yuan
from domain.policy.s17_medical_caps import cap_year_of
from domain.standards import CITY_CODE, COUNTIES, region_prefix
from projections import sql
from services.audit import replay_household
from services.budgets import override_budget, set_budget, spending
from services.clock import beijing_today
from services.ledger import Ledger
from services.payouts import waiting_now
from services.province import RegionUnknownError
from services.statements import statement_exceptions
from services.warnings import act, summarise
from services.warnings import warnings as warnings_on

BEIJING = timezone(timedelta(hours=8))

router = APIRouter(prefix=PATH, include_in_schema=False)
TEMPLATES = Environment(
    loader=PackageLoader("api.web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
CSS = resources.files("api.web").joinpath("static/web.css").read_bytes()
SCRIPTS = {
    name: resources.files("api.web").joinpath(f"static/{name}.js").read_bytes()
    for name in ("idnumber", "visits")
}

Anyone = Annotated[WebUser, Depends(page(*ANYONE))]
Overseer = Annotated[WebUser, Depends(page(*OVERSEERS))]
FeedReader = Annotated[WebUser, Depends(page(*FEED_READERS))]
CareReader = Annotated[WebUser, Depends(page(*CARE_READERS))]
Reader = Annotated[WebUser, Depends(page(*READERS))]
Caseworker = Annotated[WebUser, Depends(page("caseworker"))]
Finance = Annotated[WebUser, Depends(page("finance"))]
Auditor = Annotated[WebUser, Depends(page("auditor"))]


class PageError(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


# ------------------------------------------------------------------ rendering


def lang_of(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in LANGS else "zh"


NAV = (
    ("my_work", "/ui/me", ("caseworker", "approver")),
    ("search", "/ui/search", READERS),
    ("queue", "/ui/applications", READERS),
    ("supervision", "/ui/supervision", OVERSEERS),
    ("payments", "/ui/payments", FEED_READERS),
    ("budgets", "/ui/budgets", OVERSEERS),
    ("relief", "/ui/medical/relief", OVERSEERS),
    ("overdue", "/ui/visits/overdue", CARE_READERS),
    ("warnings", "/ui/warnings", CARE_READERS),
    ("public_list", "/ui/public-list", CARE_READERS),
)


def render(
    request: Request, name: str, who: WebUser | None, status: int = 200, **context: Any
) -> HTMLResponse:
    lang = lang_of(request)
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    switch = {
        other: request.url.path + "?" + urlencode({**query, "lang": other}) for other in LANGS
    }
    html = TEMPLATES.get_template(name).render(
        t=translator(lang),
        lang=lang,
        who=who,
        nav=[(key, href) for key, href, roles in NAV if who is not None and who.role in roles],
        path=request.url.path,
        switch=switch,
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=365 * 86400, path=PATH, httponly=True, samesite="strict"
        )
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: FastAPI) -> None:
    """Mount the pages and answer their refusals as pages (not JSON)."""
    from api.web.workspace import router as workspace

    app.include_router(workspace)  # first: /households/new before /households/{id}
    app.include_router(router)

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        target = request.url.path
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(f"{PATH}/login?" + urlencode({"next": target}), status_code=303)

    @app.exception_handler(PageForbidden)
    async def forbidden(request: Request, exc: PageForbidden) -> Response:
        t = translator(lang_of(request))
        return render(
            request,
            "message.html",
            _who(request),
            403,
            title=t("forbidden"),
            message=t("forbidden_text", role=exc.role, roles=", ".join(exc.roles)),
        )

    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> Response:
        t = translator(lang_of(request))
        title = {403: "forbidden", 404: "not_found"}.get(exc.status, "bad_request")
        return render(
            request, "message.html", _who(request), exc.status, title=t(title), message=exc.message
        )


def _who(request: Request) -> WebUser | None:
    try:
        return session_user(request)
    except SignInRequired:
        return None


def _uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise PageError(404, f"no household {value}") from None


def _date(request: Request, name: str, default: date) -> date:
    value = request.query_params.get(name)
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PageError(422, f'{name}: must be an ISO date such as "2025-07-01"') from None


def _region(value: str | None) -> str:
    """The city (the default) or one of its counties."""
    region = value or CITY_CODE
    if region != CITY_CODE and region not in COUNTIES:
        raise PageError(422, "region: must be Jiaxing (330400) or one of its counties")
    return region


def _year(request: Request, default: int) -> int:
    value = request.query_params.get("year", "")
    if not value:
        return default
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise PageError(422, "year: must be a year between 2000 and 2100")
    return int(value)


def _ledger(request: Request) -> Ledger:
    try:
        return route_page(request)
    except RegionUnknownError as error:
        raise PageError(422, str(error)) from None


def _household(ledger: Ledger, household_id: UUID) -> Household:
    try:
        return ledger.app.household(household_id)
    except NotFoundError as error:
        raise PageError(404, error.message) from None


def _log_access(request: Request, who: WebUser, household_id: UUID) -> None:
    """PIPL: a page showing a household's personal data is a read like the API's."""
    _ledger(request).views.record_access(
        datetime.now(UTC), who.name, who.role, str(household_id), request.url.path
    )


async def _form(request: Request, who: WebUser) -> dict[str, str]:
    body = (await request.body()).decode("utf-8", errors="replace")
    form = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
    if not csrf_ok(who, form.pop("csrf", None)):
        raise PageError(403, translator(lang_of(request))("csrf"))
    return form


def _cap_year(ledger: Ledger, on: date) -> int:
    book = ledger.app.standards_book(CITY_CODE)
    return cap_year_of(on, int(book.ratio("medical_cap_year_start_month", on)[0]))


# ------------------------------------------------------------- signing in/out


@router.get("/static/web.css")
def stylesheet() -> Response:
    return Response(CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/static/{name}.js")
def script(name: str) -> Response:
    """The pages' two small scripts: the ID number checked as one types, and visits kept
    on the device while offline (everything works without them but those two)."""
    if name not in SCRIPTS:
        raise PageError(404, f"no script {name}.js")
    return Response(
        SCRIPTS[name], media_type="text/javascript", headers={"Cache-Control": "max-age=3600"}
    )


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    nonce = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        None,
        csrf=nonce,
        next=request.query_params.get("next", PATH),
        error=None,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, nonce, max_age=3600, path=PATH, httponly=True, samesite="strict"
    )
    return response


def _safe_next(target: str) -> str:
    """Only a page of ours: no open redirect to another site."""
    return target if target.startswith(PATH) and not target.startswith("//") else PATH


@router.post("/login")
async def login(request: Request) -> Response:
    body = (await request.body()).decode("utf-8", errors="replace")
    form = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
    t = translator(lang_of(request))
    nonce = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    target = _safe_next(form.get("next", PATH))
    if not nonce or not secrets.compare_digest(nonce, form.get("csrf", "")):
        raise PageError(403, t("csrf"))
    token = form.get("token", "").strip()
    try:
        read_token(request.app.state.signing_key, token)
    except TokenError as error:
        return render(request, "login.html", None, 401, csrf=nonce, next=target, error=str(error))
    expires = int(jwt.decode(token, options={"verify_signature": False})["exp"])
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=max(expires - int(datetime.now(UTC).timestamp()), 1),
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PATH, httponly=True, samesite="strict")
    return response


@router.post("/logout")
async def logout(request: Request, who: Anyone) -> Response:
    await _form(request, who)
    response = RedirectResponse(f"{PATH}/login", status_code=303)
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict")
    return response


@router.get("")
def home(request: Request, who: Anyone) -> HTMLResponse:
    return render(request, "home.html", who, readers=who.role in READERS)


# ------------------------------------------------------------------ supervision


def _number(text: str | None) -> Fraction | None:
    return Fraction(text) if text is not None else None


@router.get("/supervision")
def supervision(request: Request, who: Overseer) -> HTMLResponse:
    from api.routers.supervision import metrics_of

    ledger = _ledger(request)
    on = _date(request, "as_of", date.today())
    t = translator(lang_of(request))
    found = metrics_of(ledger, on)
    groups: dict[str, list[dict[str, Any]]] = {}
    for m in found:
        m["shortfall"] = (
            f"{PATH}/supervision/shortfall?"
            + urlencode({"metric": m["metric"], "region": m["region_code"], "as_of": on})
            if m["met"] is False and m["metric"] in BY_HOUSEHOLD
            else None
        )
        groups.setdefault(m["metric"], []).append(m)
    drawn = [
        (
            metric,
            rows,
            charts.bars(
                [
                    charts.Bar(
                        t.region(m["region_code"]),
                        _number(m["actual"]),
                        m["actual"] if m["actual"] is not None else t("no_data"),
                        _number(m["target"]),
                        m["met"],
                        m["shortfall"],
                    )
                    for m in rows
                ],
                t.metric(metric),
            ),
        )
        for metric, rows in groups.items()
    ]
    return render(request, "supervision.html", who, on=on, groups=drawn)


@router.get("/supervision/shortfall")
def shortfall(request: Request, who: Overseer) -> HTMLResponse:
    ledger = _ledger(request)
    on = _date(request, "as_of", date.today())
    metric = request.query_params.get("metric", "")
    region = request.query_params.get("region", "")
    if region not in COUNTIES:
        raise PageError(422, "region: must be a county code of Jiaxing, e.g. 330402")
    behind = (
        households_behind(ledger, metric, region, on, _cap_year(ledger, on), lang_of(request))
        if metric in BY_HOUSEHOLD
        else None
    )
    return render(
        request, "shortfall.html", who, on=on, metric=metric, region=region, behind=behind
    )


@router.get("/payments")
def payments(request: Request, who: FeedReader) -> HTMLResponse:
    t = translator(lang_of(request))
    runs = payment_runs(_ledger(request))
    for run in runs:
        run["bar"] = charts.stacked(
            [
                (t(k), run[k]["amount_fen"], k)
                for k, _ in (
                    ("paid", 0),
                    ("failed", 0),
                    ("returned", 0),
                    ("cancelled", 0),
                    ("outstanding", 0),
                )
            ],
            run["scheduled"]["amount_fen"],
        )
    waiting = waiting_now(_ledger(request))
    statements = None
    if who.role == "finance":  # what the bank's statements left for finance (POLICY ch. 4)
        ledger = _ledger(request)
        statements = statement_exceptions(
            ledger, beijing_today(), ledger.settings.statement_late_days
        )
    return render(
        request,
        "payments.html",
        who,
        runs=runs,
        waiting=waiting,
        statements=statements,
        yuan=format_yuan,
    )


BUDGET_FIELDS = ("county", "year", "programme", "amount", "document")
OVERRIDE_FIELDS = ("county", "year", "programme", "run_period", "reason", "document")


def _budgets_page(
    request: Request,
    who: WebUser,
    year: int,
    status: int = 200,
    form: str | None = None,
    values: dict[str, str] | None = None,
    problem: tuple[str | None, str] | None = None,
) -> HTMLResponse:
    """Spending against budget by month, per county and programme (docs/PAYMENTS.md
    "Budgets"); finance also sees the forms that record a budget and an override."""
    found = spending(_ledger(request), year)
    for row in found["budgets"]:
        if row["budget_fen"]:
            spent = min(row["committed_fen"], row["budget_fen"])
            row["bar"] = charts.gauge(spent, row["budget_fen"])
    return render(
        request,
        "budgets.html",
        who,
        status,
        year=year,
        months=found["months"],
        budgets=found["budgets"],
        counties=COUNTIES,
        form=form,
        values=values or {"year": str(year)},
        field=problem[0] if problem else None,
        error=problem[1] if problem else None,
        done=request.query_params.get("done"),
    )


@router.get("/budgets")
def budgets_page(request: Request, who: Overseer) -> HTMLResponse:
    return _budgets_page(request, who, _year(request, date.today().year))


@router.post("/budgets")
async def budget_post(request: Request, who: Finance) -> Response:
    form = await _form(request, who)
    values = {k: form.get(k, "") for k in BUDGET_FIELDS}
    ledger = _ledger(request)
    try:
        await run_in_threadpool(
            lambda: set_budget(ledger, **values, actor=who.name, on=date.today())
        )
    except LedgerError as error:
        code, problem = _refusal(error)
        year = int(values["year"]) if values["year"].isdigit() else date.today().year
        return _budgets_page(request, who, year, code, "budget", values, problem)
    query = urlencode({"year": values["year"], "done": "budget"})
    return RedirectResponse(f"{PATH}/budgets?{query}", status_code=303)


@router.post("/budgets/overrides")
async def budget_override_post(request: Request, who: Finance) -> Response:
    form = await _form(request, who)
    values = {k: form.get(k, "") for k in OVERRIDE_FIELDS}
    ledger = _ledger(request)
    try:
        await run_in_threadpool(
            lambda: override_budget(ledger, **values, actor=who.name, on=date.today())
        )
    except LedgerError as error:
        code, problem = _refusal(error)
        year = int(values["year"]) if values["year"].isdigit() else date.today().year
        return _budgets_page(request, who, year, code, "override", values, problem)
    query = urlencode({"year": values["year"], "done": "override"})
    return RedirectResponse(f"{PATH}/budgets?{query}", status_code=303)


@router.get("/medical/relief")
def relief(request: Request, who: Overseer) -> HTMLResponse:
    ledger = _ledger(request)
    t = translator(lang_of(request))
    year = _year(request, _cap_year(ledger, date.today()))
    rows = ledger.fund_relief(year, "3304")
    months = sorted({str(r["month"]) for r in rows})
    counties = sorted({str(r["county"]) for r in rows})
    cells = {(str(r["month"]), str(r["county"])): int(r["relief_fen"]) for r in rows}
    totals = {m: sum(v for (month, _), v in cells.items() if month == m) for m in months}
    chart = charts.bars(
        [charts.Bar(m, Fraction(totals[m], 100), format_yuan(totals[m])) for m in months],
        t("relief"),
    )
    return render(
        request,
        "relief.html",
        who,
        year=year,
        months=months,
        counties=counties,
        cells=cells,
        totals=totals,
        chart=chart,
        yuan=format_yuan,
    )


# --------------------------------------------------------------- caseworkers


@router.get("/visits/overdue")
def overdue(request: Request, who: CareReader) -> HTMLResponse:
    on = _date(request, "on", date.today())
    region = _region(request.query_params.get("region"))
    prefix = region_prefix(region)
    statuses = sorted(
        (s for s in _ledger(request).care_statuses(on, prefix) if s.overdue),
        key=lambda s: (s.due_on, s.household_id),
    )
    return render(
        request,
        "overdue.html",
        who,
        on=on,
        region=region,
        counties=sorted(COUNTIES),
        statuses=statuses,
        days=lambda s: (on - s.due_on).days,
    )


@router.get("/households")
def find_household(request: Request, who: Reader) -> Response:
    wanted = request.query_params.get("household_id", "").strip()
    return RedirectResponse(f"{PATH}/households/{_uuid(wanted)}", status_code=303)


def _household_context(request: Request, who: WebUser, household_id: UUID) -> dict[str, Any]:
    ledger = _ledger(request)
    household = _household(ledger, household_id)
    today = date.today()
    year = _year(request, default_cap_year(household, _cap_year(ledger, today)))
    caps = ledger.medical_caps(household_id, year)
    names = {m.member_id: m.name for m in household.members.values()}
    members = [
        {
            "member_id": m.member_id,
            "name": m.name,
            "id_number": m.id_number
            if who.role in SEES_ID_NUMBERS
            else mask_id_number(m.id_number),
            "relation": m.relation,
            "birth_on": m.birth_on,
            "joined_on": m.joined_on,
            "left_on": m.left_on,
        }
        for m in household.members.values()
    ]
    timeline = [
        {
            "position": e.originator_version,
            "type": type(e).__qualname__.removeprefix(Household.__name__ + "."),
            "effective_on": e.effective_on,
            "recorded_at": e.timestamp.astimezone(BEIJING),
            "actor": e.actor,
        }
        for e in reversed(ledger.app.household_events(household_id))
    ]
    applications = [
        {
            "application_id": a.application_id,
            "programme": a.programme,
            "member_id": a.member_id,
            "effective_from": a.effective_from,
            "stage": a.path.stage() if a.path else ("decided" if a.decision else "submitted"),
            "decision": a.decision,
        }
        for a in reversed(household.applications.values())
    ]
    from api.web.forms import ACTIONS, HOUSEHOLD

    actions = [a for a in ACTIONS.values() if a.scope == HOUSEHOLD and who.role in a.roles]
    return {
        "household": household,
        "members": members,
        "names": names,
        "applications": applications,
        "actions": actions,
        "payments": ledger.views.query(sql.HOUSEHOLD_PAYMENTS, {"household_id": str(household_id)}),
        "categories": [c for c in household.categories if c.in_force(today)],
        "entitlements": ledger.entitlements(household_id, today),
        "caps": caps,
        "gauge": charts.gauge,
        "year": year,
        "timeline": timeline,
        "yuan": format_yuan,
    }


def _fen(text: str | None) -> int | None:
    """An amount handed back to the page in its address ("1250.00"), in fen; None if
    there is none or it is not one."""
    try:
        return parse_yuan(text, "amount") if text else None
    except LedgerError:
        return None


@router.get("/households/{household_id}")
def household_page(request: Request, household_id: str, who: Reader) -> HTMLResponse:
    hid = _uuid(household_id)
    context = _household_context(request, who, hid)
    _log_access(request, who, hid)
    return render(
        request,
        "household.html",
        who,
        done=request.query_params.get("done"),
        request_kept=_fen(request.query_params.get("kept")),
        request_relief=_fen(request.query_params.get("relief")),
        **context,
    )


BILL_FIELDS = (
    "member_id",
    "service_on",
    "total",
    "insurance_paid",
    "self_paid",
    "settlement_number",
)


def _refusal(error: ValidationError | LedgerError) -> tuple[int, tuple[str | None, str]]:
    """What the API answers to a refused form: its status, and the field and message the
    page shows (a household that does not exist is a 404 page)."""
    if isinstance(error, ValidationError):
        return 422, validation_problem(error.errors())
    if isinstance(error, NotFoundError) and error.field == "household_id":
        raise PageError(404, error.message) from None
    return status_of(error), (error.field, error.message)


def _form_page(
    request: Request,
    who: WebUser,
    hid: UUID,
    kind: str,
    values: dict[str, str],
    status: int = 200,
    problem: tuple[str | None, str] | None = None,
) -> HTMLResponse:
    household = _household(_ledger(request), hid)
    members = [m for m in household.members.values() if m.left_on is None]
    return render(
        request,
        "form.html",
        who,
        status,
        kind=kind,
        household=household,
        members=members,
        values=values,
        field=problem[0] if problem else None,
        error=problem[1] if problem else None,
    )


@router.get("/households/{household_id}/medical-bill")
def bill_form(request: Request, household_id: str, who: Caseworker) -> HTMLResponse:
    values = {"service_on": date.today().isoformat()}
    return _form_page(request, who, _uuid(household_id), "bill", values)


@router.post("/households/{household_id}/medical-bill")
async def bill_post(request: Request, household_id: str, who: Caseworker) -> Response:
    hid = _uuid(household_id)
    form = await _form(request, who)
    values = {k: form.get(k, "") for k in BILL_FIELDS}
    ledger = _ledger(request)
    try:
        body = MedicalBillIn.model_validate(
            {**values, "settlement_number": values["settlement_number"] or None}
        )
        bill = await run_in_threadpool(
            ledger.app.record_medical_bill,
            hid,
            member_id=body.member_id,
            service_on=body.service_on,
            figures=_figures(body),
            settlement_number=body.settlement_number,
            actor=who.name,
        )
    except (ValidationError, LedgerError) as error:
        code, problem = _refusal(error)
        return _form_page(request, who, hid, "bill", values, code, problem)
    query = urlencode(
        {
            "done": "bill",
            "kept": format_yuan(bill.kept_fen),
            "relief": format_yuan(bill.relief_fen),
            "year": bill.cap_year,
        }
    )
    return RedirectResponse(f"{PATH}/households/{hid}?{query}", status_code=303)


# -------------------------------------------------------------------- auditors


def _known_at(request: Request) -> datetime | None:
    value = request.query_params.get("known_at", "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PageError(
            422, 'known_at: must be a date and time such as "2025-06-30T18:00"'
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


@router.get("/audit/households/{household_id}")
def audit_page(request: Request, household_id: str, who: Auditor) -> HTMLResponse:
    hid = _uuid(household_id)
    ledger = _ledger(request)
    _household(ledger, hid)
    on = _date(request, "as_of", date.today())
    known_at = _known_at(request)
    then = replay_household(ledger, hid, on, known_at)
    now = replay_household(ledger, hid, date.today(), None)
    _log_access(request, who, hid)
    return render(
        request,
        "audit.html",
        who,
        hid=hid,
        on=on,
        known_at=request.query_params.get("known_at", ""),
        then=then,
        now=now,
        sides=(("then", then), ("today", now)),
    )


@router.get("/audit/households/{household_id}/report")
def audit_report(request: Request, household_id: str, who: Auditor) -> Response:
    from api.report import render_html, render_pdf, report_data

    hid = _uuid(household_id)
    ledger = _ledger(request)
    _household(ledger, hid)
    on = _date(request, "as_of", date.today())
    lang = lang_of(request)
    data = report_data(ledger, hid, on)
    _log_access(request, who, hid)
    if request.query_params.get("format") == "pdf":
        return Response(
            render_pdf(data, lang),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{hid}.pdf"'},
        )
    return Response(
        render_html(data, lang),
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{hid}.html"'},
    )


# ------------------------------------------------------------ the public list


@router.get("/public-list")
def public_list_page(request: Request, who: CareReader) -> Response:
    """The monthly public list (长期公示) of a village or community, to print and post:
    masked names, categories, persons and amounts, the supervision hotline; `format=csv`
    for the same as CSV (services/public_list.py says what is public)."""
    from services.public_list import as_csv, month_start, public_list

    ledger = _ledger(request)
    region = request.query_params.get("region", "").strip()
    month = request.query_params.get("month") or date.today().strftime("%Y-%m")
    rows = []
    try:
        first = month_start(month)
        if region:
            rows = public_list(ledger, region, month)
    except LedgerError as error:
        raise PageError(422, error.message) from None
    hotline = ledger.settings.supervision_hotline
    if region and request.query_params.get("format") == "csv":
        return Response(
            as_csv(rows, hotline),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="public-list-{region}-{month}.csv"'
            },
        )
    t = translator(lang_of(request))
    return render(
        request,
        "public_list.html",
        who,
        region=region,
        month=month,
        month_words=f"{first.year}年{first.month}月" if t.index == 0 else month,
        rows=rows,
        hotline=hotline,
        yuan=format_yuan,
        csv_query=urlencode({"region": region, "month": month, "format": "csv"}),
    )


# ------------------------------------------------------------ early warnings

WARNING_STATUSES = ("open", "acknowledged", "resolved")


WARNINGS_PER_PAGE = 100


def _warnings_page(
    request: Request,
    who: WebUser,
    on: date,
    region: str,
    status: str | None,
    code: int = 200,
    problem: tuple[str | None, str, str] | None = None,
) -> HTMLResponse:
    ledger = _ledger(request)
    prefix = region_prefix(region)
    every = warnings_on(ledger, on, prefix)  # evaluated once: the summary and the list
    listed = [w for w in every if status is None or w.status == status]
    pages = max(1, -(-len(listed) // WARNINGS_PER_PAGE))
    number = _page_number(request, pages)
    first = (number - 1) * WARNINGS_PER_PAGE
    query = {"on": on.isoformat(), "region": region, "status": status or ""}
    return render(
        request,
        "warnings.html",
        who,
        code,
        on=on,
        region=region,
        wanted=status or "",
        statuses=WARNING_STATUSES,
        counties=sorted(COUNTIES),
        summary=summarise(every),
        warnings=listed[first : first + WARNINGS_PER_PAGE],
        total=len(listed),
        first=first + 1,
        number=number,
        pages=pages,
        page_href=lambda n: f"{PATH}/warnings?" + urlencode({**query, "page": n}),
        acts=who.role == "caseworker",
        done=request.query_params.get("done", ""),
        problem=problem,
    )


def _page_number(request: Request, pages: int) -> int:
    value = request.query_params.get("page", "1")
    if not value.isdigit() or not 1 <= int(value) <= pages:
        raise PageError(422, f"page: must be a whole number from 1 to {pages}")
    return int(value)


@router.get("/warnings")
def warnings_page(request: Request, who: CareReader) -> HTMLResponse:
    """POLICY ch. 12: the early warnings of a region on a date, by county and one by one; a
    caseworker acknowledges or resolves each with a note (the API's own command)."""
    status = request.query_params.get("status") or None
    if status is not None and status not in WARNING_STATUSES:
        raise PageError(422, "status: must be one of open, acknowledged, resolved")
    return _warnings_page(
        request,
        who,
        _date(request, "on", date.today()),
        _region(request.query_params.get("region")),
        status,
    )


@router.post("/warnings/{warning_id}/resolution")
async def warning_resolution(request: Request, warning_id: str, who: Caseworker) -> Response:
    try:
        wid = UUID(warning_id)
    except ValueError:
        raise PageError(404, f"no warning {warning_id}") from None
    form = await _form(request, who)
    region = _region(form.get("region"))
    values = {k: form.get(k, "") for k in ("status", "note", "on")}
    ledger = _ledger(request)
    try:
        body = ResolutionIn.model_validate({**values, "on": values["on"] or None})
        await run_in_threadpool(
            act,
            ledger,
            wid,
            status=body.status,
            note=body.note,
            actor=who.name,
            on=body.on or date.today(),
        )
    except (ValidationError, LedgerError) as error:
        code, (field, message) = _refusal(error)
        on = _on_or_today(values["on"])
        return _warnings_page(request, who, on, region, None, code, (field, message, str(wid)))
    query = urlencode({"on": values["on"], "region": region, "done": str(wid)})
    return RedirectResponse(f"{PATH}/warnings?{query}", status_code=303)


def _on_or_today(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return date.today()
