"""Access control over HTTP: every route answers 401 without a token, 403 to each role
that may not use it, and auditors change nothing; tokens expire; a token signed with
another key is refused; personal-data reads are logged for the PIPL trail."""

from __future__ import annotations

import time
import uuid

import jwt

from api.auth import ROLES, issue_token
from tests.e2e.conftest import SECRET
from tests.e2e.test_http import AP, CW, register

OPEN = {"/health", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
INTERNAL = {"caseworker", "approver", "finance", "standards_admin", "auditor"}
READERS = {"caseworker", "approver", "finance", "auditor"}
OVERSEERS = {"auditor", "finance", "approver"}
# Who may use each route (POLICY ch. 9), written out so that a change shows here.
ALLOWED = {
    ("POST", "/standards/changes"): {"standards_admin"},
    ("GET", "/standards"): INTERNAL,
    ("POST", "/standards/simulations"): {"standards_admin", "finance"},
    ("GET", "/calendar"): INTERNAL,
    ("POST", "/calendar/days"): {"standards_admin"},
    ("POST", "/households"): {"caseworker"},
    ("GET", "/households/{household_id}"): READERS,
    ("POST", "/households/{household_id}/members"): {"caseworker"},
    ("POST", "/households/{household_id}/members/{member_id}/changes"): {"caseworker"},
    ("GET", "/households/{household_id}/events"): READERS,
    ("POST", "/households/{household_id}/applications"): {"caseworker"},
    ("POST", "/households/{household_id}/applications/{application_id}/determination"): {
        "approver"
    },
    ("POST", "/households/{household_id}/applications/{application_id}/documents"): {"caseworker"},
    ("POST", "/households/{household_id}/applications/{application_id}/documents/received"): {
        "caseworker"
    },
    ("POST", "/households/{household_id}/applications/{application_id}/checks"): {"caseworker"},
    (
        "POST",
        "/households/{household_id}/applications/{application_id}/checks/{request_id}/answer",
    ): {"caseworker"},
    ("POST", "/households/{household_id}/applications/{application_id}/check-report"): {
        "caseworker"
    },
    ("POST", "/households/{household_id}/applications/{application_id}/investigations"): {
        "caseworker"
    },
    ("POST", "/households/{household_id}/applications/{application_id}/notice"): {"caseworker"},
    ("POST", "/households/{household_id}/applications/{application_id}/objections"): {"caseworker"},
    (
        "POST",
        "/households/{household_id}/applications/{application_id}/objections/{objection_id}/resolution",
    ): {"approver"},
    ("POST", "/households/{household_id}/applications/{application_id}/extension"): {"approver"},
    ("POST", "/households/{household_id}/applications/{application_id}/withdrawal"): {"caseworker"},
    ("POST", "/households/{household_id}/applications/{application_id}/letter"): {"caseworker"},
    ("POST", "/households/{household_id}/applications/{application_id}/appeals"): {"caseworker"},
    (
        "POST",
        "/households/{household_id}/applications/{application_id}/appeals/{appeal_id}/decision",
    ): {"approver"},
    ("GET", "/households/{household_id}/applications/{application_id}"): READERS,
    ("GET", "/households/{household_id}/applications/{application_id}/letter"): READERS,
    ("GET", "/households/{household_id}/applications/{application_id}/letter.pdf"): READERS,
    ("GET", "/applications"): READERS,
    ("POST", "/households/{household_id}/members/{member_id}/life-events"): {"caseworker"},
    ("POST", "/households/{household_id}/life-events/{event_id}/decision"): {"approver"},
    ("GET", "/households/{household_id}/life-events"): READERS,
    ("GET", "/reviews/due"): READERS,
    ("GET", "/households/{household_id}/reviews"): READERS,
    ("POST", "/households/{household_id}/reviews"): {"approver"},
    ("GET", "/households/{household_id}/reviews/{review_id}/letter"): READERS,
    ("GET", "/households/{household_id}/reviews/{review_id}/letter.pdf"): READERS,
    ("GET", "/households/{household_id}/entitlements"): READERS,
    ("GET", "/households/{household_id}/entitlements/history"): READERS,
    ("POST", "/households/{household_id}/entitlements/{programme}/suspension"): {"approver"},
    ("POST", "/households/{household_id}/entitlements/{programme}/resumption"): {"approver"},
    ("POST", "/households/{household_id}/medical-bills"): {"caseworker"},
    ("PUT", "/households/{household_id}/medical-bills/{bill_id}"): {"caseworker"},
    ("DELETE", "/households/{household_id}/medical-bills/{bill_id}"): {"caseworker"},
    ("GET", "/households/{household_id}/medical-caps"): READERS,
    ("POST", "/households/{household_id}/members/{member_id}/move"): {"caseworker"},
    ("GET", "/medical/fund/relief"): OVERSEERS,
    ("GET", "/supervision/metrics"): OVERSEERS,
    ("GET", "/supervision/public-list"): {"caseworker", "approver", "auditor"},
    ("PUT", "/households/{household_id}/members/{member_id}/account"): {"caseworker"},
    ("POST", "/payment-runs"): {"finance"},
    ("GET", "/payment-runs/{run_id}/reconciliation"): {"finance", "auditor"},
    ("GET", "/feeds/payments"): {"finance", "auditor"},
    ("GET", "/feeds/payments.csv"): {"finance"},
    ("GET", "/feeds/payments.xml"): {"finance"},
    ("POST", "/payments/{payment_id}/acknowledgements"): {"finance"},
    ("GET", "/payments/waiting"): {"finance", "auditor"},
    ("POST", "/budgets"): {"finance"},
    ("POST", "/budgets/overrides"): {"finance"},
    ("GET", "/budgets"): OVERSEERS,
    ("GET", "/households/{household_id}/payments"): READERS,
    ("GET", "/audit/households/{household_id}/replay"): {"auditor"},
    ("GET", "/audit/households/{household_id}/report"): {"auditor"},
    ("GET", "/audit/verify"): {"auditor"},
    ("GET", "/audit/data-access"): {"auditor"},
    ("POST", "/households/{household_id}/visits"): {"caseworker"},
    ("POST", "/households/{household_id}/major-changes"): {"caseworker"},
    ("POST", "/households/{household_id}/major-changes/stabilised"): {"caseworker"},
    ("GET", "/visits/overdue"): {"caseworker", "approver", "auditor"},
    ("POST", "/households/{household_id}/members/{member_id}/job-referrals"): {"caseworker"},
    ("POST", "/households/{household_id}/dividends"): {"caseworker"},
    ("GET", "/feeds/transit"): {"transport", "auditor"},
    ("GET", "/dividends"): {"caseworker", "approver", "auditor"},
    ("GET", "/feeds/events"): {"medical_insurance", "transport", "auditor"},
    ("GET", "/warnings"): {"caseworker", "approver", "auditor"},
    ("GET", "/warnings/summary"): {"caseworker", "approver", "auditor"},
    ("POST", "/warnings/{warning_id}/resolution"): {"caseworker"},
    ("GET", "/households/search"): READERS,
    ("GET", "/me/households"): {"caseworker", "approver"},
    ("GET", "/me/worklist"): {"caseworker", "approver"},
    ("POST", "/households/{household_id}/caseworker"): {"approver"},
    ("POST", "/statements"): {"finance"},
    ("GET", "/statements/exceptions"): {"finance"},
}


def routes(server):
    schema = server.client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method in operations:
            yield method.upper(), path


def concrete(path: str) -> str:
    for name in (
        "household_id",
        "member_id",
        "application_id",
        "bill_id",
        "run_id",
        "payment_id",
        "warning_id",
        "event_id",
        "programme",
    ):
        path = path.replace("{" + name + "}", str(uuid.uuid4()))
    return path


def test_every_route_refuses_the_wrong_callers(server):
    seen = set(routes(server)) - {("GET", p) for p in OPEN}
    assert seen == set(ALLOWED), seen ^ set(ALLOWED)
    for (method, path), allowed in sorted(ALLOWED.items()):
        url = concrete(path)
        assert server.client.request(method, url, json={}).status_code == 401, (method, path)
        for role in ROLES:
            r = server.client.request(method, url, json={}, headers=server.token("x", role))
            if role in allowed:
                assert r.status_code not in (401, 403), (method, path, role, r.text)
            else:
                assert r.status_code == 403, (method, path, role, r.status_code)
            if role == "auditor" and method != "GET":
                assert r.status_code == 403, (method, path)  # auditors change nothing


def test_expired_and_foreign_tokens_are_refused(server):
    hid, _ = register(server, members=0)
    expired = issue_token(SECRET, "li", "caseworker", 1)
    time.sleep(2)
    r = server.client.get(f"/households/{hid}", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and "expired" in r.json()["message"]
    foreign = issue_token("another-key-" + "z" * 40, "li", "caseworker", 600)
    r = server.client.get(f"/households/{hid}", headers={"Authorization": f"Bearer {foreign}"})
    assert r.status_code == 401
    unsigned = jwt.encode(
        {
            "sub": "li",
            "role": "caseworker",
            "exp": int(time.time()) + 60,
            "iss": "jiaxing-benefits-ledger",
        },
        key="",
        algorithm="none",
    )
    r = server.client.get(f"/households/{hid}", headers={"Authorization": f"Bearer {unsigned}"})
    assert r.status_code == 401


def test_personal_data_reads_are_logged_and_auditors_list_them(server):
    hid, _ = register(server, members=1)
    server.client.get(f"/households/{hid}", headers=server.token(*AP))
    server.client.get(f"/households/{hid}/events", headers=server.token("finance-qian", "finance"))
    server.client.get(f"/households/{hid}/entitlements", headers=server.token(*CW))  # no PII
    trail = server.client.get(
        "/audit/data-access",
        params={"household_id": hid},
        headers=server.token("auditor-zhao", "auditor"),
    ).json()
    assert [(t["user_name"], t["role"], t["path"]) for t in trail] == [
        ("finance-qian", "finance", f"/households/{hid}/events"),
        ("approver-wang", "approver", f"/households/{hid}"),
    ]
    assert all(t["household_id"] == hid and t["at"] for t in trail)
    assert server.client.get("/audit/data-access", headers=server.token(*CW)).status_code == 403


# The web workspace (/ui, docs/WEB.md) is not part of the API's OpenAPI contract: its
# pages are listed here, with the same roles as the API routes they show.
WEB_OPEN = {
    ("GET", "/ui/login"),
    ("POST", "/ui/login"),
    ("GET", "/ui/static/web.css"),
    ("GET", "/ui/static/{name}.js"),
}
WEB_ALLOWED = {
    ("GET", "/ui"): set(ROLES),
    ("POST", "/ui/logout"): set(ROLES),
    ("GET", "/ui/supervision"): OVERSEERS,
    ("GET", "/ui/supervision/shortfall"): OVERSEERS,
    ("GET", "/ui/payments"): {"finance", "auditor"},
    ("GET", "/ui/budgets"): OVERSEERS,
    ("POST", "/ui/budgets"): {"finance"},
    ("POST", "/ui/budgets/overrides"): {"finance"},
    ("GET", "/ui/medical/relief"): OVERSEERS,
    ("GET", "/ui/visits/overdue"): {"caseworker", "approver", "auditor"},
    ("GET", "/ui/households"): READERS,
    ("GET", "/ui/households/{household_id}"): READERS,
    ("GET", "/ui/households/{household_id}/visit"): {"caseworker"},
    ("POST", "/ui/households/{household_id}/visit"): {"caseworker"},
    ("GET", "/ui/households/{household_id}/medical-bill"): {"caseworker"},
    ("POST", "/ui/households/{household_id}/medical-bill"): {"caseworker"},
    ("GET", "/ui/audit/households/{household_id}"): {"auditor"},
    ("GET", "/ui/warnings"): {"caseworker", "approver", "auditor"},
    ("POST", "/ui/warnings/{warning_id}/resolution"): {"caseworker"},
    ("GET", "/ui/audit/households/{household_id}/report"): {"auditor"},
    # the workspace (api/web/workspace.py)
    ("GET", "/ui/households/new"): {"caseworker"},
    ("POST", "/ui/households/new"): {"caseworker"},
    ("GET", "/ui/households/{household_id}/applications/{application_id}"): READERS,
    ("GET", "/ui/households/{household_id}/applications/{application_id}/letter"): READERS,
    ("GET", "/ui/applications"): READERS,
    ("POST", "/ui/sync/visits"): {"caseworker"},
    ("GET", "/ui/public-list"): {"caseworker", "approver", "auditor"},
    ("GET", "/ui/search"): READERS,
    ("GET", "/ui/me"): {"caseworker", "approver"},
}
# Each form of api/web/forms.py at /ui/households/{id}/do/{key}, with its action's roles.
DO = "/ui/households/{household_id}/do/{key}"


def _web_allowed() -> dict[tuple[str, str], set[str]]:
    from api.web.forms import ACTIONS, NEW

    found = dict(WEB_ALLOWED)
    for key, action in ACTIONS.items():
        if action.scope != NEW:
            for method in ("GET", "POST"):
                found[(method, DO.replace("{key}", key))] = set(action.roles)
    return found


def test_every_page_sends_strangers_to_sign_in_and_refuses_the_wrong_roles(server):
    from api.web.router import router
    from api.web.session import COOKIE, csrf_for
    from api.web.workspace import router as workspace

    pages = {(m, r.path) for r in (*router.routes, *workspace.routes) for m in r.methods}
    listed = set(WEB_ALLOWED) | WEB_OPEN | {("GET", DO), ("POST", DO)}
    assert pages == listed, pages ^ listed
    for (method, path), allowed in sorted(_web_allowed().items()):
        url = concrete(path)
        r = server.client.request(method, url)
        assert r.status_code == 303, (method, path, r.status_code)
        assert r.headers["location"].startswith("/ui/login?next="), (method, path)
        for role in ROLES:
            token = issue_token(SECRET, "x", role, 600)
            r = server.client.request(
                method,
                url,
                headers={"Cookie": f"{COOKIE}={token}"},
                data={"csrf": csrf_for(SECRET, token)} if method == "POST" else None,
            )
            if role in allowed:
                assert r.status_code not in (401, 403), (method, path, role, r.status_code)
                assert not r.headers.get("location", "").startswith("/ui/login?"), (path, role)
            else:
                assert r.status_code == 403, (method, path, role, r.status_code)
                assert "text/html" in r.headers["content-type"]
    # A form post without the CSRF token tied to the session cookie changes nothing.
    token = issue_token(SECRET, "x", "caseworker", 600)
    hid, _ = register(server, members=1)
    r = server.client.post(
        f"/ui/households/{hid}/visit",
        headers={"Cookie": f"{COOKIE}={token}"},
        data={"csrf": "forged", "visited_on": "2025-06-01", "visitor": "x", "findings": "ok"},
    )
    assert r.status_code == 403
    r = server.client.post("/ui/login", data={"token": token, "csrf": "no-cookie"})
    assert r.status_code == 403 and COOKIE not in r.cookies
    events = server.client.get(f"/households/{hid}/events", headers=server.token(*CW)).json()
    assert "VisitRecorded" not in [e["type"] for e in events]
