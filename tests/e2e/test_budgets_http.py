"""Budgets over HTTP (docs/PAYMENTS.md "Budgets"), on both backends: finance records
a budget (`POST /budgets`), a run holds the line past it and reports committed and
remaining, an override (`POST /budgets/overrides`) lets the next run pay it, overseers
read spending by month (`GET /budgets`, `/ui/budgets`), bad input is 422 naming the
field with nothing recorded, and the page's forms need finance and the CSRF token.

Two 南湖区 households of two, dibao from 2025-02-01 with no income: §5/§6
(1,250 - 0) x 2 = 2,500.00 a month each."""

from __future__ import annotations

from api.auth import issue_token
from api.web.session import COOKIE, csrf_for
from tests.e2e.conftest import SECRET
from tests.e2e.test_http import CW, FIN, approve_dibao, register

AUDITOR = ("auditor-sun", "auditor")
BUDGET = {
    "county": "南湖区",
    "year": 2025,
    "programme": "dibao",
    "amount": "2500.00",
    "document": "嘉民〔2025〕12号",
}


def test_a_budget_holds_a_line_an_override_lets_the_next_run_pay_it_over_http(server):
    for _ in range(2):
        hid, _ = register(server, members=2)
        approve_dibao(server, hid, "2025-02-01", "0")
    fin = server.token(*FIN)
    assert server.client.post("/budgets", json=BUDGET, headers=server.token(*CW)).status_code == 403
    r = server.client.post("/budgets", json=BUDGET, headers=fin)
    assert r.status_code == 200, r.text
    assert (r.json()["county"], r.json()["budget"], r.json()["remaining"]) == (
        "330402",
        "2500.00",
        "2500.00",
    )
    r = server.client.post("/payment-runs", json={"period": "2025-02"}, headers=fin)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["payments"], body["total"]) == (1, "2500.00")
    [held] = body["waiting"]
    assert (held["kind"], held["amount"], held["period"]) == ("budget", "2500.00", "2025-02")
    [row] = body["budgets"]
    assert {k: row[k] for k in ("budget", "earlier", "this_run", "committed", "remaining")} == {
        "budget": "2500.00",
        "earlier": "0.00",
        "this_run": "2500.00",
        "committed": "2500.00",
        "remaining": "0.00",
    }
    assert (row["held_lines"], row["held"], row["status"]) == (1, "2500.00", "held")
    override = {k: BUDGET[k] for k in ("county", "year", "programme")}
    r = server.client.post(
        "/budgets/overrides",
        json={**override, "run_period": "2025-03", "reason": "追加预算已报批"},
        headers=fin,
    )
    assert r.status_code == 200, r.text
    r = server.client.post("/payment-runs", json={"period": "2025-03"}, headers=fin)
    body = r.json()
    assert (body["payments"], body["total"], body["waiting"]) == (3, "7500.00", [])
    [row] = body["budgets"]
    assert (row["committed"], row["remaining"], row["status"]) == (
        "10000.00",
        "-7500.00",
        "overridden",
    )
    assert row["override"]["actor"] == FIN[0]
    r = server.client.get("/budgets", params={"year": 2025}, headers=server.token(*AUDITOR))
    assert r.status_code == 200, r.text
    [shown] = r.json()["budgets"]
    assert [m["spent"] for m in shown["months"][1:3]] == ["2500.00", "7500.00"]
    assert [m["to_date"] for m in shown["months"][1:4]] == ["2500.00", "10000.00", "10000.00"]
    assert shown["overrides"][0]["reason"] == "追加预算已报批"
    page = server.client.get(
        "/ui/budgets?year=2025&lang=en",
        headers={"Cookie": f"{COOKIE}={issue_token(SECRET, 'auditor-sun', 'auditor', 600)}"},
    )
    assert page.status_code == 200
    assert "Over budget" in page.text and "CNY 10,000.00" in page.text
    assert "Override 2025-03: finance-zhou" in page.text
    assert 'id="record-budget"' not in page.text  # the forms are finance's
    supervision = server.client.get(
        "/ui/supervision?as_of=2025-03-31",
        headers={"Cookie": f"{COOKIE}={issue_token(SECRET, 'auditor-sun', 'auditor', 600)}"},
    )
    assert 'href="/ui/budgets?year=2025"' in supervision.text


def test_bad_budgets_are_422_naming_the_field_and_record_nothing_over_http(server):
    fin = server.token(*FIN)
    for change, field in (
        ({"amount": "12.345"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"programme": "nope"}, "programme"),
        ({"county": "杭州市"}, "county"),
        ({"document": ""}, "document"),
    ):
        r = server.client.post("/budgets", json={**BUDGET, **change}, headers=fin)
        assert r.status_code == 422, (change, r.text)
        assert r.json()["field"] == field, r.json()
    r = server.client.get("/budgets", params={"year": 2025}, headers=fin)
    assert r.json()["budgets"] == []
    bad_year = server.client.get("/budgets", params={"year": 1900}, headers=fin)
    assert bad_year.status_code == 422 and bad_year.json()["field"] == "year"


def test_the_budget_page_s_forms_need_finance_and_the_csrf_token(server):
    token = issue_token(SECRET, "finance-zhou", "finance", 600)
    cookie = {"Cookie": f"{COOKIE}={token}"}
    form = {**BUDGET, "year": "2025"}
    forged = server.client.post("/ui/budgets", headers=cookie, data={**form, "csrf": "forged"})
    assert forged.status_code == 403
    csrf = csrf_for(SECRET, token)
    bad = server.client.post(
        "/ui/budgets", headers=cookie, data={**form, "amount": "1e5", "csrf": csrf}
    )
    assert bad.status_code == 422 and "amount" in bad.text
    assert (
        server.client.get("/budgets?year=2025", headers=server.token(*FIN)).json()["budgets"] == []
    )
    done = server.client.post("/ui/budgets", headers=cookie, data={**form, "csrf": csrf})
    assert done.status_code == 303, done.text
    page = server.client.get(done.headers["location"], headers=cookie)
    assert 'id="record-budget"' in page.text and "嘉民〔2025〕12号" in page.text
    assert "2,500.00 元" in page.text
