"""The workspace in headless Chromium (issue 17): a caseworker and an approver take a
dibao household from registration to its first payment with the pages alone, and a home
visit recorded without a network is sent once when the network returns.

The household: one urban member in 南湖区 330402 declaring 6,000 a year. §5/§6: the
dibao standard is 15,000 a year, so the allowance is (15,000 - 6,000) / 12 = 750.00 a
month. The path (POLICY ch. 14): received 2025-01-06, checked and investigated that day,
the notice published 2025-01-06 runs 7 days to 2025-01-12, so the decision may come on
2025-01-13 and not on 2025-01-10."""

from __future__ import annotations

import re

from tests.e2e.test_http import events
from tests.helpers import id_number

CW = ("caseworker-li", "caseworker")
AP = ("approver-wang", "approver")
FIN = ("finance-zhou", "finance")


def _stage(page) -> str:
    return page.inner_text("#stage").strip()


def _step(page, key: str, fields: dict[str, str], *, select: dict[str, str] | None = None):
    page.click(f"#do-{key}")
    for name, value in fields.items():
        page.fill(f"[id='{name}']", value)
    for name, value in (select or {}).items():
        page.select_option(f"[id='{name}']", value)
    page.click("#save")
    page.wait_for_selector("#done")


def test_a_household_from_registration_to_its_first_payment_in_the_browser(web):
    page = web.sign_in(*CW)
    # Register: a bad region code is refused naming the field, and what was typed stays.
    page.click("#register")
    page.fill("[id='region_code']", "12345")
    page.fill("[id='address']", "南湖路8号")
    page.fill("[id='registered_on']", "2025-01-02")
    page.click("#save")
    assert "region_code" in page.inner_text("#error")
    assert page.input_value("[id='address']") == "南湖路8号"
    assert page.get_attribute("[id='region_code']", "aria-invalid") == "true"
    web.shot(page, "workspace-register-invalid")
    page.fill("[id='region_code']", "330402")
    page.click("#save")
    page.wait_for_selector("#done")
    hid = re.search(r"/ui/households/([0-9a-f-]{36})", page.url).group(1)

    # A member: the ID number is checked as it is typed, with the reason shown.
    number = id_number(county="330402")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    page.click("#do-member")
    page.fill("[id='name']", "王秀英")
    page.fill("[id='id_number']", wrong)
    assert f"最后一位应为 {number[17]}" in page.inner_text("#id-check")
    page.fill("[id='id_number']", number[:10])
    assert "还差 8 位" in page.inner_text("#id-check")
    page.fill("[id='id_number']", number)
    assert page.inner_text("#id-check") == "号码有效"
    assert page.input_value("[id='birth_on']") == "1980-05-17"  # read off the number
    web.shot(page, "workspace-member")
    page.select_option("[id='relation']", "head")
    page.click("#save")
    page.wait_for_selector("#done")
    assert "王秀英" in page.inner_text("#members")
    assert "户主" in page.inner_text("#members")  # the relation in words

    _step(
        page,
        "account",
        {"account_number": "6222020000012345678", "bank_name": "嘉兴银行"},
        select={"kind": "bank"},
    )

    # The application with the member's authorisation: the application page opens.
    page.click("#do-apply")
    page.select_option("[id='programme']", "dibao")
    page.fill("[id='effective_from']", "2025-02-01")
    page.fill("[id='received_on']", "2025-01-06")
    page.fill("[id='means.annual_income']", "6000")
    page.check("#consent-1")
    page.fill("[id='consents.signed_on']", "2025-01-06")
    web.shot(page, "workspace-apply")
    page.click("#save")
    page.wait_for_selector("#done")
    assert _stage(page) == "已受理"
    app_url = page.url.split("?")[0]

    on = {"on": "2025-01-06"}
    _step(page, "check", {"request_id": "R-tax", **on}, select={"department": "tax"})
    _step(page, "check_answer", {"request": "R-tax", "finding": "无应税收入", **on})
    _step(page, "check_report", {"means.annual_income": "6000", **on})
    assert _stage(page) == "已核对"
    _step(
        page,
        "investigation",
        {"staff": "caseworker-li\ncaseworker-zhou", "findings": "家庭情况属实", **on},
    )
    assert _stage(page) == "已入户调查"
    _step(page, "notice", on)
    assert _stage(page) == "公示中"
    assert "公示 2025年1月6日 至 2025年1月12日，无异议。" in page.inner_text("#path-lines")
    web.shot(page, "workspace-application-noticed")

    # The approver's queue, by days left; the decision shown before it is recorded.
    approver = web.sign_in(*AP)
    approver.click("#queue")
    assert app_url.removeprefix(web.url) in [
        a.get_attribute("href") for a in approver.locator("#queue a").all()
    ]
    web.shot(approver, "workspace-queue")
    approver.goto(app_url)
    approver.click("#do-determination")
    approver.select_option("[id='decision']", "approve")
    approver.fill("[id='reason']", "经核对，符合低保条件")
    approver.fill("[id='on']", "2025-01-10")  # the notice runs to 2025-01-12
    approver.click("#save")
    assert "notice" in approver.inner_text("#error")
    before = len(events(web.server, hid))
    approver.fill("[id='on']", "2025-01-13")
    approver.click("#save")  # the preview: nothing recorded yet
    assert approver.inner_text("#preview-outcome") == "批准"
    assert "750.00 元 / " in approver.inner_text("#preview-amounts")
    assert "750.00" in approver.inner_text("#preview-explanation")
    assert len(events(web.server, hid)) == before
    web.shot(approver, "workspace-decision-preview")
    approver.fill("[id='reason']", "经核对，符合低保条件（复核无误）")
    approver.click("#save")  # changed after it was shown: shown again, not recorded
    assert "750.00" in approver.inner_text("#preview-amounts")
    assert len(events(web.server, hid)) == before
    approver.click("#save")  # confirm
    approver.wait_for_selector("#done")
    assert _stage(approver) == "已决定"
    assert approver.inner_text("#decision") == "批准"
    letter = approver.request.get(web.url + approver.get_attribute("#letter", "href"))
    assert letter.status == 200 and "750.00" in letter.text()
    web.shot(approver, "workspace-decided")

    # The next payment run pays it, and the household page shows the payment.
    run = web.server.client.post(
        "/payment-runs", headers=web.server.token(*FIN), json={"period": "2025-02"}
    )
    assert run.status_code == 201, run.text
    page.goto(f"{web.url}/ui/households/{hid}")
    [row] = [r for r in page.locator("#payments tbody tr").all_inner_texts() if "2025年2月" in r]
    assert row.split("\t")[:2] == ["2025年2月", "低保"] and "750.00 元" in row
    web.shot(page, "workspace-household-paid")


def test_a_visit_recorded_offline_is_sent_once_when_the_network_returns(web):
    """§30: the tablet has no network; the visit waits on the device, listed; when the
    network returns it is sent and recorded once, and sending it again (the answer lost
    on the way back) records nothing more."""
    from tests.e2e.test_http import register

    hid, _ = register(web.server, members=1)
    page = web.sign_in(*CW)
    page.goto(f"{web.url}/ui/households/{hid}/visit")
    page.context.set_offline(True)
    page.fill("[id='visited_on']", "2025-06-03")
    page.fill("[id='findings']", "老人独居，身体尚可")
    page.click("#save")
    page.wait_for_selector("#waiting li")
    assert page.locator("#waiting li").count() == 1
    assert "已保存在本设备" in page.inner_text("#waiting")
    web.shot(page, "workspace-visit-offline")
    kept = page.evaluate("localStorage.getItem('ledger.visits.waiting')")
    assert [e["type"] for e in events(web.server, hid)].count("VisitRecorded") == 0

    page.context.set_offline(False)
    page.evaluate("window.ledgerVisits.flush()")
    page.wait_for_selector("#offline", state="hidden")
    assert [e["type"] for e in events(web.server, hid)].count("VisitRecorded") == 1

    # The same visit, with the same key, sent again: recorded once.
    page.evaluate(f"localStorage.setItem('ledger.visits.waiting', {kept!r})")
    page.evaluate("window.ledgerVisits.flush()")
    page.wait_for_selector("#offline", state="hidden")
    visits = [e for e in events(web.server, hid) if e["type"] == "VisitRecorded"]
    assert len(visits) == 1 and visits[0]["effective_on"] == "2025-06-03"


def test_a_tablet_registers_a_household_with_the_keyboard_alone(web):
    """A caseworker at a home visit: a tablet's width (768 px, nothing wider than the
    screen) and the keyboard alone (Tab between the inputs, Enter to save)."""
    page = web.sign_in(*CW, width=768, height=1024)
    page.goto(f"{web.url}/ui/households/new")
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    page.focus("[id='region_code']")
    page.keyboard.type("330411")
    page.keyboard.press("Tab")  # residence: a select, chosen with the arrow keys
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.type("秀洲路12号")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "registered_on"
    page.keyboard.press("Enter")  # the date is filled in: today
    page.wait_for_selector("#done")
    assert "秀洲区 330411" in page.inner_text(".facts")
    assert "农村" in page.inner_text(".facts")  # the second residence, by the arrow key
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    web.shot(page, "workspace-tablet-household")


def test_a_caseworker_finds_a_household_by_name_and_sees_it_among_mine(web):
    """Issue 17: the search box on the home page finds a household by a fragment of a
    member's name (Chinese, partial) and by the whole ID number; the caseworker who
    registered it is its responsible caseworker, so it is on "my work"; an approver
    reassigns it, and it leaves the first caseworker's list."""
    from tests.e2e.test_http import register

    hid, _ = register(web.server, members=2)  # 张0 and 张1, by caseworker-li
    member = web.server.client.get(f"/households/{hid}", headers=web.server.token(*CW)).json()
    number = member["members"][1]["id_number"]
    page = web.sign_in(*CW)
    page.fill("#q", "张1")
    page.click("#find")
    page.wait_for_selector("#results")
    assert f"/ui/households/{hid}" in [
        a.get_attribute("href") for a in page.locator("#results a").all()
    ]
    web.shot(page, "workspace-search")
    page.goto(f"{web.url}/ui/search?q={number}")
    [row] = page.locator("#results tbody tr").all_inner_texts()
    assert number in row and "caseworker-li" in row  # whole for a caseworker
    page.goto(f"{web.url}/ui/me")
    assert f"/ui/households/{hid}" in [
        a.get_attribute("href") for a in page.locator("#results a").all()
    ]
    web.shot(page, "workspace-my-work")

    approver = web.sign_in(*AP)
    approver.goto(f"{web.url}/ui/households/{hid}/do/caseworker")
    approver.fill("[id='caseworker']", "caseworker-zhou")
    approver.fill("[id='reason']", "片区调整")
    approver.click("#save")
    approver.wait_for_selector("#done")
    page.goto(f"{web.url}/ui/me")
    assert f"/ui/households/{hid}" not in [
        a.get_attribute("href") for a in page.locator("#results a").all()
    ]


def _to_notice(web, page, hid: str) -> str:
    """A dibao application from the application form to its published notice, with the
    pages alone (as in the first walk): received, checked, investigated 2025-01-06, the
    notice 2025-01-06 to 2025-01-12. Returns the application page's address."""
    page.goto(f"{web.url}/ui/households/{hid}")
    page.click("#do-apply")
    page.select_option("[id='programme']", "dibao")
    page.fill("[id='effective_from']", "2025-02-01")
    page.fill("[id='received_on']", "2025-01-06")
    page.fill("[id='means.annual_income']", "6000")
    page.check("#consent-1")
    page.fill("[id='consents.signed_on']", "2025-01-06")
    page.click("#save")
    page.wait_for_selector("#done")
    on = {"on": "2025-01-06"}
    _step(page, "check", {"request_id": "R-tax", **on}, select={"department": "tax"})
    _step(page, "check_answer", {"request": "R-tax", "finding": "无应税收入", **on})
    _step(page, "check_report", {"means.annual_income": "6000", **on})
    _step(
        page, "investigation", {"staff": "caseworker-li\ncaseworker-zhou", "findings": "属实", **on}
    )
    _step(page, "notice", on)
    assert _stage(page) == "公示中"
    return page.url.split("?")[0]


def test_an_objection_a_refusal_and_its_review_with_the_pages_alone(web):
    """POLICY ch. 14 in the browser: during the notice a villager's objection is recorded
    (the form offers its id, o-1) and an approver dismisses it; the application is refused
    after the notice; the letter is served on 2025-01-14; the household asks for review
    (复核, a-1) and a second approver (not the one who decided) changes the decision,
    which reopens the application. An appeal lodged after the 60 days the letter allows is
    refused naming the date, keeping the grounds typed, and records nothing."""
    from tests.e2e.test_http import register

    hid, _ = register(web.server, members=1)
    page = web.sign_in(*CW)
    app_url = _to_notice(web, page, hid)

    page.click("#do-objection")
    assert page.input_value("[id='objection_id']") == "o-1"  # offered, not invented
    page.fill("[id='raised_by']", "村民李某")
    page.fill("[id='text']", "该户有一辆小汽车")
    page.fill("[id='on']", "2025-01-08")
    web.shot(page, "workspace-objection")
    page.click("#save")
    page.wait_for_selector("#done")
    assert (
        page.inner_text("#objections li")
        == "o-1 · 2025年1月8日 · 村民李某：该户有一辆小汽车 · 待处理"
    )
    assert "异议 1 件" in page.inner_text("#path-lines")

    approver = web.sign_in(*AP)
    approver.goto(app_url)
    approver.click("#objections a")  # the open objection's resolution, o-1 filled in
    assert approver.input_value("[id='objection']") == "o-1"
    approver.select_option("[id='outcome']", "dismissed")
    approver.fill("[id='reason']", "车辆已于2024年过户，经核实不属实")
    approver.fill("[id='on']", "2025-01-09")
    approver.click("#save")
    approver.wait_for_selector("#done")
    assert "不成立（车辆已于2024年过户，经核实不属实）" in approver.inner_text("#objections")

    approver.click("#do-determination")
    approver.select_option("[id='decision']", "reject")
    approver.fill("[id='reason']", "家庭收入核算后超过低保标准")
    approver.fill("[id='on']", "2025-01-13")
    approver.click("#save")
    assert approver.inner_text("#preview-outcome") == "不予批准"
    approver.click("#save")
    approver.wait_for_selector("#done")
    assert approver.inner_text("#decision") == "不予批准"

    page.goto(app_url)
    _step(page, "letter", {"on": "2025-01-14"})
    # Too late: the letter of 2025-01-14 allows 60 days (to 2025-03-15).
    page.click("#do-appeal")
    assert page.input_value("[id='appeal_id']") == "a-1"
    page.select_option("[id='kind']", "review")
    page.fill("[id='grounds']", "收入核算有误：其中 3,000 元为一次性补助")
    page.fill("[id='on']", "2025-03-20")
    before = len(events(web.server, hid))
    page.click("#save")
    assert page.get_attribute("[id='on']", "aria-invalid") == "true"
    assert "60 days" in page.inner_text("#error") and "日期" in page.inner_text("#error")
    assert page.input_value("[id='grounds']") == "收入核算有误：其中 3,000 元为一次性补助"
    assert len(events(web.server, hid)) == before
    web.shot(page, "workspace-appeal-too-late")
    page.fill("[id='on']", "2025-01-20")
    page.click("#save")
    page.wait_for_selector("#done")
    assert page.inner_text("#appeals li").startswith("a-1 · 复核 · 2025年1月20日 · 收入核算有误")
    assert "待决定" in page.inner_text("#appeals li")

    # The approver who refused may not decide the review; another approver does.
    approver.goto(app_url)
    approver.click("#appeals a")
    approver.select_option("[id='outcome']", "upheld")
    approver.fill("[id='reason']", "维持")
    approver.fill("[id='on']", "2025-01-27")
    approver.click("#save")
    assert "someone other than" in approver.inner_text("#error")
    second = web.sign_in("approver-zhao", "approver")
    second.goto(app_url)
    second.click("#appeals a")
    assert second.input_value("[id='appeal']") == "a-1"
    assert [o.inner_text() for o in second.locator("[id='outcome'] option").all()] == [
        "维持原决定",
        "变更原决定，重新办理",
        "申请人撤回",
    ]
    second.select_option("[id='outcome']", "changed")
    second.fill("[id='reason']", "一次性补助不计入家庭收入，重新核定")
    second.fill("[id='means.annual_income']", "3000")
    second.fill("[id='on']", "2025-01-27")
    web.shot(second, "workspace-appeal-decision")
    second.click("#save")
    second.wait_for_selector("#done")
    assert second.url.split("?")[0] != app_url  # the reopened application's page
    second.goto(app_url)
    assert "变更原决定，重新办理（一次性补助不计入家庭收入，重新核定，2025年1月27日）" in (
        second.inner_text("#appeals li")
    )
    web.shot(second, "workspace-appeal-decided")
    kinds = [e["type"] for e in events(web.server, hid)]
    for kind in ("ObjectionRaised", "ObjectionResolved", "AppealLodged", "AppealDecided"):
        assert kinds.count(kind) == 1, kind


def test_an_application_withdrawn_with_the_pages_alone(web):
    """POLICY ch. 14: the applicant withdraws during the notice; a withdrawal without the
    applicant's reason is refused naming the reason and records nothing; with it, the
    application is withdrawn and no step is offered any more."""
    from tests.e2e.test_http import register

    hid, _ = register(web.server, members=1)
    page = web.sign_in(*CW)
    app_url = _to_notice(web, page, hid)
    page.click("#do-withdrawal")
    page.fill("[id='on']", "2025-01-09")
    before = len(events(web.server, hid))
    page.click("#save")
    assert page.get_attribute("[id='reason']", "aria-invalid") == "true"
    assert page.input_value("[id='on']") == "2025-01-09"
    assert len(events(web.server, hid)) == before
    page.fill("[id='reason']", "申请人已就业，自愿撤回")
    page.click("#save")
    page.wait_for_selector("#done")
    assert _stage(page) == "已撤回"
    assert page.locator("#steps a").count() == 0
    web.shot(page, "workspace-withdrawn")
    assert page.url.split("?")[0] == app_url
    assert [e["type"] for e in events(web.server, hid)].count("ApplicationWithdrawn") == 1
