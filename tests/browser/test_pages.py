"""The web workspace in headless Chromium: each role signs in with an API token, opens
its pages, submits the forms (valid and invalid) and is refused what it may not see.
Screenshots go to test-artifacts/screenshots/ (git-ignored).

The city, made over HTTP: households A (1 member, income 0, dibao from 2025-02-01) and
C (1 member, 4,200 a year, dibao from 2025-02-11) in 330402 with bank accounts, paid
for 2025-02 (A paid, C failed); household B (1 member, no category) for medical bills."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from api.web.session import COOKIE
from domain.idnumber import mask_id_number
from tests.e2e.test_http import AP, CW, approve_dibao, events, register
from tests.e2e.test_payments_http import on_dibao

FIN = ("finance-zhou", "finance")
AUD = ("auditor-zhao", "auditor")


@dataclass
class City:
    a: str
    c: str
    b: str
    b_member: str
    run_id: str
    a_registered_at: str


@pytest.fixture(scope="module")
def city(web) -> City:
    s = web.server
    a = on_dibao(s, 1, "0", "2025-02-01")
    c = on_dibao(s, 1, "4200", "2025-02-11")
    b, [member] = register(s, members=1)
    run = s.client.post("/payment-runs", headers=s.token(*FIN), json={"period": "2025-02"})
    assert run.status_code == 201, run.text
    items = s.client.get("/feeds/payments", headers=s.token(*FIN)).json()["items"]
    for item in items:
        r = s.client.post(
            f"/payments/{item['payment_id']}/acknowledgements",
            headers=s.token(*FIN),
            json={
                "status": "paid" if item["household_id"] == a else "failed",
                "bank_reference": "ICBC-1",
                "at": "2025-03-03T10:00:00+08:00",
            },
        )
        assert r.status_code == 201, r.text
    return City(a, c, b, member, run.json()["run_id"], events(s, a)[0]["recorded_at"])


def texts(page, selector):
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def test_sign_in_keeps_the_token_in_an_httponly_strict_cookie_and_sign_out_drops_it(web):
    page = web.page()
    page.goto(f"{web.url}/ui/supervision")
    assert page.url.startswith(f"{web.url}/ui/login?next=")  # no cookie: sign in first
    web.shot(page, "login")
    # The help names the command as code, not as markdown with literal backticks.
    assert page.inner_text("#token-help code") == "ledger token --user 姓名 --role 角色"
    assert "`" not in page.inner_text("#token-help")
    page.fill("#token", "not-a-token")
    page.click("#sign-in")
    assert "not valid" in page.inner_text("#error")
    page.fill("#token", web.token(*AP))
    page.click("#sign-in")
    page.wait_for_url(f"{web.url}/ui/supervision")  # back where it was going
    [cookie] = [c for c in page.context.cookies() if c["name"] == COOKIE]
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/ui"
    assert page.inner_text("#who") == "approver-wang · 审批人"  # the role in words
    page.click("#sign-out")
    page.wait_for_url(f"{web.url}/ui/login")
    assert [c for c in page.context.cookies() if c["name"] == COOKIE] == []
    page.goto(f"{web.url}/ui")
    assert page.url.startswith(f"{web.url}/ui/login")
    page.context.close()


def test_each_role_is_refused_the_pages_it_may_not_see(web, city):
    """POLICY ch. 9 as the API applies it: 403 and a page that says so."""
    refused = [
        (CW, "/ui/supervision"),
        (CW, "/ui/payments"),
        (AP, "/ui/payments"),
        (FIN, "/ui/visits/overdue"),
        (AUD, f"/ui/households/{city.a}/visit"),
        (AP, f"/ui/households/{city.b}/medical-bill"),
        (FIN, f"/ui/audit/households/{city.a}"),
        (("transit-co", "transport"), f"/ui/households/{city.a}"),
    ]
    for who, path in refused:
        page = web.sign_in(*who)
        response = page.goto(web.url + path)
        assert response.status == 403, (who, path)
        assert who[1] in page.inner_text("#message"), (who, path)
        if who == CW:
            web.shot(page, "forbidden")
        page.context.close()
    page = web.sign_in("transit-co", "transport")
    assert page.locator("nav a").count() == 0
    assert "没有可用的页面" in page.inner_text("main")
    page.context.close()


def test_supervision_dashboard_charts_every_metric_and_links_the_shortfall(web, city):
    """§30 visit rate in 330402 on 2025-12-31: A and C are registered (dibao) and never
    visited, so 0 of 2 (0.0000 against 1.0000); the quarterly visit was due three months
    after registration: A on 2025-05-01, C on 2025-05-11. One click lists them."""
    api = web.server.client.get(
        "/supervision/metrics", params={"as_of": "2025-12-31"}, headers=web.server.token(*AP)
    ).json()["metrics"]
    page = web.sign_in(*AP)
    page.goto(f"{web.url}/ui/supervision?as_of=2025-12-31")
    for metric in {m["metric"] for m in api}:
        assert page.locator(f"#metric-{metric} svg.chart").count() == 1, metric
    visits = page.locator("#metric-visit_rate tr", has_text="330402")
    assert visits.locator("td").nth(1).inner_text() == "0.0000"
    assert visits.locator("td").nth(2).inner_text() == ">= 1.0000"
    web.shot(page, "supervision")
    visits.locator("a.shortfall").click()
    assert page.inner_text("#count") == "2"
    rows = {r.split("\t")[0]: r for r in texts(page, "tbody tr")}
    assert "2025-05-01" in rows[city.a] and "2025-05-11" in rows[city.c]
    web.shot(page, "shortfall")
    page.click(f"a[href='/ui/households/{city.a}']")
    page.wait_for_url(f"{web.url}/ui/households/{city.a}")
    assert page.locator("#entitlements td").first.inner_text() == "低保"  # words, not codes

    page.goto(f"{web.url}/ui/supervision?as_of=2025-12-31&lang=en")
    assert page.inner_text("h1") == "Supervision dashboard"
    page.goto(f"{web.url}/ui/visits/overdue")  # the language is kept in a cookie
    assert page.inner_text("h1") == "Overdue visits"
    web.shot(page, "overdue-en")
    page.goto(f"{web.url}/ui?lang=zh")
    assert page.inner_text("h1") == "首页"
    page.context.close()


def test_payment_runs_page_reconciles_the_run(web, city):
    """2025-02: A 1,250.00 for the whole month (15,000 / 12, no income) and C 900.00 a
    month from 2025-02-11, 18/28 of it: 578.57. Scheduled 2 / 1,828.57 = paid 1 /
    1,250.00 + failed 1 / 578.57, nothing outstanding."""
    for who in (FIN, AUD):
        page = web.sign_in(*who)
        page.goto(f"{web.url}/ui/payments")
        run = page.locator("#run-2025-02")
        assert texts(page, "#run-2025-02 tbody tr:nth-child(1) td") == [
            "2", "1", "1", "0", "0", "0", "",
        ]  # fmt: skip
        assert texts(page, "#run-2025-02 tbody tr:nth-child(2) td") == [
            "1828.57", "1250.00", "578.57", "0.00", "0.00", "0.00", "0.00",
        ]  # fmt: skip
        assert run.locator(".good").count() == 1  # balanced
        assert run.locator("svg rect.paid").count() == 1
        web.shot(page, f"payments-{who[1]}")
        page.context.close()
    api = web.server.client.get(
        f"/payment-runs/{city.run_id}/reconciliation", headers=web.server.token(*FIN)
    ).json()
    assert api["paid"] == {"payments": 1, "amount": "1250.00"} and api["balanced"] is True


def test_caseworker_overdue_visits_household_page_and_visit_form(web, city):
    """§30: A's quarterly visit was due 2025-05-01, 244 days before 2025-12-31. A visit
    recorded through the form on 2025-12-30 moves the next one to 2026-03-30, so A is no
    longer overdue; the invalid form says what the API says and records nothing."""
    page = web.sign_in(*CW)
    page.goto(f"{web.url}/ui/visits/overdue?on=2025-12-31&region=330402")
    row = page.locator("tr", has_text=city.a)
    assert row.locator("td.due").inner_text() == "2025-05-01"
    assert row.locator("td.num").inner_text() == "244"
    web.shot(page, "overdue")
    row.locator("a.household").click()
    page.wait_for_url(f"{web.url}/ui/households/{city.a}")
    real = web.server.client.get(f"/households/{city.a}", headers=web.server.token(*CW)).json()
    assert page.inner_text("#members td.id-number") == real["members"][0]["id_number"]
    assert texts(page, "#entitlements tbody tr:first-child td")[:4] == [
        "低保", "", "1,250.00 元", "2025年2月1日",
    ]  # fmt: skip
    timeline = texts(page, "#timeline tbody tr")
    assert any("家庭登记\t2025年1月1日\tcaseworker-li" in r for r in timeline)
    assert any("审批决定\t2025年2月1日\tapprover-wang" in r for r in timeline)
    web.shot(page, "household-caseworker")

    before = len(events(web.server, city.a))
    page.click("#record-visit")
    page.fill("#visited_on", "2025-12-30")
    page.fill("#findings", "")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#save")
    assert answer.value.status == 422
    api = web.server.client.post(
        f"/households/{city.a}/visits",
        headers=web.server.token(*CW),
        json={"visited_on": "2025-12-30", "visitor": "caseworker-li", "findings": ""},
    ).json()
    assert api["field"] == "findings"
    assert api["message"] in page.inner_text("#error")
    assert page.locator(".field-error[data-field=findings]").inner_text() == api["message"]
    assert len(events(web.server, city.a)) == before
    web.shot(page, "visit-invalid")

    page.fill("#findings", "家中整洁，老人身体尚可")
    page.click("#save")
    page.wait_for_url(f"{web.url}/ui/households/{city.a}?done=visit")
    assert page.inner_text("#done") == "走访已登记。"
    assert texts(page, "#timeline tbody tr:first-child td")[1:4] == [
        "走访登记", "2025年12月30日", "caseworker-li",
    ]  # fmt: skip
    page.goto(f"{web.url}/ui/visits/overdue?on=2025-12-31&region=330402")
    assert page.locator("tr", has_text=city.a).count() == 0
    assert page.locator("tr", has_text=city.c).count() == 1
    page.context.close()


def test_medical_bill_form_caps_gauges_and_fund_relief(web, city):
    """§17 example 8 through the form: 18,000 self-paid, then 15,000 in the same cap
    year: the second keeps 12,000.00 (the person's cap of 30,000 reached) and 3,000.00 is
    relief from the medical safety fund, in 2025-03 for 330402."""
    page = web.sign_in(*CW)
    url = f"{web.url}/ui/households/{city.b}/medical-bill"
    before = len(events(web.server, city.b))
    for total, self_paid, field in (("100", "150", "self_paid"), ("100.001", "100", "total")):
        page.goto(url)
        page.fill("#service_on", "2025-03-01")
        page.fill("#total", total)
        page.fill("#insurance_paid", "0")
        page.fill("#self_paid", self_paid)
        page.click("#save")
        body = {
            "member_id": city.b_member,
            "service_on": "2025-03-01",
            "total": total,
            "insurance_paid": "0",
            "self_paid": self_paid,
        }
        api = web.server.client.post(
            f"/households/{city.b}/medical-bills", headers=web.server.token(*CW), json=body
        ).json()
        assert api["field"] == field
        assert api["message"] in page.inner_text("#error")
        assert page.locator(f".field-error[data-field={field}]").count() == 1
    web.shot(page, "bill-invalid")
    assert len(events(web.server, city.b)) == before

    for amount, kept, relief in (
        ("18000", "18,000.00 元", "0.00 元"),
        ("15000", "12,000.00 元", "3,000.00 元"),
    ):
        page.goto(url)
        page.fill("#service_on", "2025-03-01")
        page.fill("#total", amount)
        page.fill("#insurance_paid", "0")
        page.fill("#self_paid", amount)
        page.click("#save")
        page.wait_for_url(f"{web.url}/ui/households/{city.b}?*")
        done = f"医疗费用已登记：计入封顶 {kept}，基金救助 {relief}。"
        assert page.inner_text("#done") == done
    caps = texts(page, "#caps tbody td.num")
    assert caps == ["30,000.00 元 / 50,000.00 元", "30,000.00 元 / 30,000.00 元"]
    assert page.inner_text("#relief-total") == "3,000.00 元"
    web.shot(page, "household-caps")
    # Without ?year= the page opens on the latest cap year with bills (2025 here, whatever
    # today's year), not on an empty current year reading 0.00.
    page.goto(f"{web.url}/ui/households/{city.b}")
    assert texts(page, "#caps tbody td.num") == caps
    assert page.inner_text("#cap-year") == "2025"
    page.context.close()

    page = web.sign_in(*AP)
    page.goto(f"{web.url}/ui/medical/relief?year=2025")
    assert texts(page, "tbody tr") == ["2025-03\t3000.00\t3000.00"]
    assert "南湖区 330402" in page.inner_text("thead")
    web.shot(page, "relief")
    page.context.close()


def test_finance_sees_id_numbers_masked_and_page_reads_are_logged(web, city):
    page = web.sign_in(*FIN)
    page.goto(f"{web.url}/ui/households/{city.c}")
    real = web.server.client.get(f"/households/{city.c}", headers=web.server.token(*AP)).json()
    number = real["members"][0]["id_number"]
    assert page.inner_text("#members td.id-number") == mask_id_number(number)
    assert number not in page.content()
    web.shot(page, "household-finance")
    page.context.close()
    trail = web.server.client.get(
        "/audit/data-access",
        params={"household_id": city.c},
        headers=web.server.token(*AUD),
    ).json()
    assert ("finance-zhou", "finance", f"/ui/households/{city.c}") in {
        (t["user_name"], t["role"], t["path"]) for t in trail
    }


def test_auditor_replays_a_household_beside_today_and_downloads_the_report(web, city):
    """A was registered on 2025-01-01 and is on dibao from 2025-02-01 at 1,250.00: on
    2025-01-31 nothing was in force; as known right after registration, not even on
    2025-03-01; today 1,250.00."""
    page = web.sign_in(*AUD)
    page.goto(f"{web.url}/ui/households/{city.a}")
    page.click(f"a[href='/ui/audit/households/{city.a}']")
    page.fill("#as_of", "2025-01-31")
    page.click("#replay")
    page.wait_for_url("**as_of=2025-01-31**")
    assert texts(page, "#side-then .entitlements tbody td") == ["–"]
    assert texts(page, "#side-today .entitlements tbody td")[:2] == ["低保", "1250.00"]
    web.shot(page, "audit-replay")

    page.goto(
        f"{web.url}/ui/audit/households/{city.a}?as_of=2025-03-01"
        f"&known_at={quote(city.a_registered_at)}"
    )
    assert texts(page, "#side-then .entitlements tbody td") == ["–"]
    assert "版本 1" in page.inner_text("#side-then h2")

    with page.expect_download() as pdf:
        page.click("#report-pdf")
    assert Path(pdf.value.path()).read_bytes()[:5] == b"%PDF-"
    with page.expect_download() as html:
        page.click("#report-html")
    assert city.a in Path(html.value.path()).read_text(encoding="utf-8")
    page.context.close()
    trail = web.server.client.get(
        "/audit/data-access", params={"household_id": city.a}, headers=web.server.token(*AUD)
    ).json()
    paths = {t["path"] for t in trail if t["user_name"] == "auditor-zhao"}
    assert {f"/ui/audit/households/{city.a}", f"/ui/audit/households/{city.a}/report"} <= paths


def test_caseworker_resolves_an_early_warning_and_the_auditor_only_reads(web, city):
    """§12 visit_overdue_long, §30 quarterly tier: C's dibao started 2025-02-11 and C was
    never visited, so twice the 3-month interval ends on 2025-08-11 and the warning is
    raised on 2025-08-12. A note over 2,000 characters is refused with the API's own
    message and records nothing; a resolution with a note is the API's command (the
    API then lists the warning as resolved with that note)."""
    s = web.server
    page = web.sign_in(*CW)
    page.goto(f"{web.url}/ui/warnings?on=2025-12-31&region=330402")
    listed = s.client.get("/warnings?region=330402&on=2025-12-31", headers=s.token(*CW)).json()
    assert page.inner_text("#total") == str(len(listed))
    assert page.locator("#warnings tbody tr").count() == len(listed)  # under 100: one page
    row = page.locator(f"tr[data-household='{city.c}'][data-rule='visit_overdue_long']")
    assert row.locator("td").nth(3).inner_text() == "2025-08-12"
    assert row.locator("td.reason").inner_text() == (
        "探访严重逾期 (visit long overdue): quarterly tier (§30), no visit since 2025-02-11; "
        "2 x the interval ends on 2025-08-11, and it is 2025-12-31."
    )
    assert row.locator("td.status").get_attribute("data-status") == "open"
    wid = row.get_attribute("id").removeprefix("w-")
    web.shot(page, "warnings")

    too_long = "长" * 2001
    api = s.client.post(
        f"/warnings/{wid}/resolution",
        headers=s.token(*CW),
        json={"status": "resolved", "note": too_long, "on": "2025-12-31"},
    )
    assert api.status_code == 422 and api.json()["field"] == "note"
    row.locator("select[name=status]").select_option("resolved")
    row.locator("input[name=note]").fill(too_long)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        row.locator("button[type=submit]").click()
    assert answer.value.status == 422
    assert api.json()["message"] in page.inner_text("#error")
    open_now = s.client.get(
        "/warnings?region=330402&status=open&on=2025-12-31", headers=s.token(*CW)
    ).json()
    assert wid in [w["warning_id"] for w in open_now]
    web.shot(page, "warning-invalid")

    row = page.locator(f"tr#w-{wid}")
    row.locator("select[name=status]").select_option("resolved")
    row.locator("input[name=note]").fill("已上门走访，老人身体尚可")
    row.locator("button[type=submit]").click()
    page.wait_for_url(f"{web.url}/ui/warnings?on=2025-12-31&region=330402&done={wid}")
    assert page.inner_text("#done") == "预警已更新。"
    assert page.locator(f"tr#w-{wid} td.status").get_attribute("data-status") == "resolved"
    resolved = s.client.get(
        "/warnings?region=330402&status=resolved&on=2025-12-31", headers=s.token(*CW)
    ).json()
    mine = next(w for w in resolved if w["warning_id"] == wid)
    assert (mine["note"], mine["resolved_on"]) == ("已上门走访，老人身体尚可", "2025-12-31")
    summary = page.locator("#summary tr[data-region='330402'] td")
    assert summary.nth(3).inner_text() != "0"  # resolved count
    assert summary.nth(4).inner_text() == "141.0"  # 2025-08-12 to 2025-12-31, the only one
    page.context.close()

    auditor = web.sign_in(*AUD)
    auditor.goto(f"{web.url}/ui/warnings?on=2025-12-31&region=330402&status=resolved")
    assert auditor.locator(f"tr#w-{wid} td.note").inner_text() == "已上门走访，老人身体尚可"
    assert auditor.locator("form.act").count() == 0
    web.shot(auditor, "warnings-auditor")
    auditor.context.close()


def test_the_payment_runs_page_lists_what_waits_for_an_account(web, city):
    """A dibao household of one with no payee account, granted 暖巢 renovation of
    8,000.00 (§14) from 2025-02-01: finance sees it waiting on the payment runs page, with
    its household, month and amount; once the account is recorded it is off the list."""
    s = web.server
    hid, [member] = register(s, members=1)
    approve_dibao(s, hid, "2025-02-01", "0")
    r = s.client.post(
        f"/households/{hid}/applications",
        headers=s.token(*CW),
        json={
            "programme": "renovation_grant",
            "effective_from": "2025-02-01",
            "details": {"requested": "8000"},
        },
    )
    assert r.status_code == 201, r.text
    grant_id = r.json()["application_id"]
    r = s.client.post(
        f"/households/{hid}/applications/{grant_id}/determination",
        headers=s.token(*AP),
        json={"decision": "approve", "reason": "核实"},
    )
    assert r.status_code == 200, r.text
    page = web.sign_in(*FIN)
    page.goto(f"{web.url}/ui/payments")
    assert texts(page, "#waiting tbody tr td")[:4] == [
        hid, "一次性救助：家庭无收款账户", "2025-02", "8000.00",
    ]  # fmt: skip
    web.shot(page, "payments-waiting")
    r = s.client.put(
        f"/households/{hid}/members/{member}/account",
        headers=s.token(*CW),
        json={"kind": "bank", "account_number": "6222020200112233999"},
    )
    assert r.status_code == 200, r.text
    page.goto(f"{web.url}/ui/payments")
    assert page.locator("#waiting").count() == 0
    page.context.close()
