"""The application's statutory path over HTTP (POLICY ch. 14), with the working-day
calendar: every step a route; a step out of order 409 naming the stage, bad input 422
naming the field, the wrong role 403, each recording nothing; the worklist's clock.

Dates worked by hand on the seeded 2025 calendar (the National Day and Mid-Autumn
holiday 10-01..10-08 is off; Sunday 09-28 and Saturday 10-11 are make-up working days):
- received Friday 2025-09-26; documents awaited 09-29 to 09-30 (the clock stands still).
  On 10-10 it has used 3 working days (09-28, 10-09, 10-10; without the pause 5), 27 are
  left of 30, and its deadline is 2025-11-17: 09-28, 10-09, 10-10, 10-11 (4), 10-13..17
  (9), 10-20..24 (14), 10-27..31 (19), 11-03..07 (24), 11-10..14 (29), 11-17 (30).
- received Friday 2025-08-01, never decided: 30 working days end 2025-09-12 (the four
  weeks of August and two of September); on 10-10 it has used 45 (20 in August, 20 in
  September to 09-26, 09-28, 09-29, 09-30, 10-09, 10-10): late.
- The notice published 10-09 runs 7 days to 10-15; the approval comes on 10-16 (with
  4,200 a year for one member: 1,250.00 - 350.00 = 900.00 a month, POLICY ch. 4); the
  letter served 10-17 allows 60 days to ask for review, to 2025-12-16."""

from __future__ import annotations

from tests.e2e.test_http import AP, CW, STAFF, consents, events, register

AUDITOR = ("auditor-zhao", "auditor")


def received(server, hid, on, income="4200"):
    r = server.client.post(
        f"/households/{hid}/applications",
        headers=server.token(*CW),
        json={
            "programme": "dibao",
            "effective_from": on,
            "means": {"annual_income": income},
            "consents": consents(server, hid, on),
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["application_id"]


def post(server, who, hid, app_id, path, body):
    return server.client.post(
        f"/households/{hid}/applications/{app_id}{path}", headers=server.token(*who), json=body
    )


def worklist(server, **params):
    r = server.client.get("/applications", params=params, headers=server.token(*AUDITOR))
    assert r.status_code == 200, r.text
    return {i["application_id"]: i for i in r.json()["items"]}


def test_the_path_step_by_step_with_its_clock_and_letter(server):
    hid, _ = register(server, members=1)
    app_id = received(server, hid, "2025-09-26")
    late_hid, _ = register(server, members=1)
    late_id = received(server, late_hid, "2025-08-01")
    before = len(events(server, hid))

    early = post(
        server,
        AP,
        hid,
        app_id,
        "/determination",
        {"decision": "approve", "reason": "ok", "on": "2025-09-30"},
    )
    assert early.status_code == 409 and early.json()["field"] == "stage"
    assert "received" in early.json()["message"]
    bad = post(
        server,
        CW,
        hid,
        app_id,
        "/checks",
        {"request_id": "x", "department": "police", "on": "2025-09-26"},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "department"
    wrong_role = post(
        server,
        AP,
        hid,
        app_id,
        "/checks",
        {"request_id": "x", "department": "tax", "on": "2025-09-26"},
    )
    assert wrong_role.status_code == 403
    assert len(events(server, hid)) == before  # nothing recorded

    assert (
        post(
            server, CW, hid, app_id, "/documents", {"documents": "户口簿", "on": "2025-09-29"}
        ).status_code
        == 200
    )
    assert (
        post(server, CW, hid, app_id, "/documents/received", {"on": "2025-09-30"}).status_code
        == 200
    )
    listed = worklist(server, region="330402", on="2025-10-10")
    assert (listed[app_id]["stage"], listed[app_id]["working_days_used"]) == ("received", 3)
    assert listed[app_id]["working_days_left"] == 27
    assert listed[app_id]["due_on"] == "2025-11-17" and not listed[app_id]["late"]
    assert listed[late_id]["working_days_used"] == 45 and listed[late_id]["late"]
    assert set(worklist(server, region="330402", on="2025-10-10", overdue="true")) >= {late_id}
    assert app_id not in worklist(server, region="330402", on="2025-10-10", overdue="true")

    for path, body in (
        ("/checks", {"request_id": "tax-1", "department": "tax", "on": "2025-09-30"}),
        ("/checks/tax-1/answer", {"finding": "工资 4200", "amount": "4200", "on": "2025-10-09"}),
        ("/check-report", {"means": {"annual_income": "4200"}, "on": "2025-10-09"}),
        ("/investigations", {"staff": STAFF, "findings": "属实", "on": "2025-10-09"}),
    ):
        r = post(server, CW, hid, app_id, path, body)
        assert r.status_code == 200, (path, r.text)
    r = post(server, CW, hid, app_id, "/notice", {"on": "2025-10-09"})
    assert r.json() == {
        "recorded": True,
        "stage": "noticed",
        "notice_until": "2025-10-15",
        "reopened_as": None,
    }
    assert (
        post(
            server,
            CW,
            hid,
            app_id,
            "/objections",
            {"objection_id": "o-1", "raised_by": "村民", "text": "有车", "on": "2025-10-10"},
        ).status_code
        == 200
    )
    blocked = post(
        server,
        AP,
        hid,
        app_id,
        "/determination",
        {"decision": "approve", "reason": "ok", "on": "2025-10-16"},
    )
    assert blocked.status_code == 409 and "o-1" in blocked.json()["message"]
    assert (
        post(
            server,
            CW,
            hid,
            app_id,
            "/objections/o-1/resolution",
            {"outcome": "dismissed", "reason": "x", "on": "2025-10-11"},
        ).status_code
        == 403
    )
    assert (
        post(
            server,
            AP,
            hid,
            app_id,
            "/objections/o-1/resolution",
            {"outcome": "dismissed", "reason": "车辆已过户", "on": "2025-10-11"},
        ).status_code
        == 200
    )
    investigator = server.token(STAFF[0], "approver")
    r = server.client.post(
        f"/households/{hid}/applications/{app_id}/determination",
        headers=investigator,
        json={"decision": "approve", "reason": "ok", "on": "2025-10-16"},
    )
    assert r.status_code == 403 and r.json()["error"] == "separation_of_duties"
    r = post(
        server,
        AP,
        hid,
        app_id,
        "/determination",
        {"decision": "approve", "reason": "家计核查属实", "on": "2025-10-16"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["entitlements"][0]["monthly_amount"] == "900.00"
    assert "check report of 2025-10-09" in r.json()["explanation"]
    again = post(
        server,
        CW,
        hid,
        app_id,
        "/checks",
        {"request_id": "tax-2", "department": "tax", "on": "2025-10-17"},
    )
    assert again.status_code == 409 and "decided" in again.json()["message"]

    assert post(server, CW, hid, app_id, "/letter", {"on": "2025-10-17"}).status_code == 200
    letter = server.client.get(
        f"/households/{hid}/applications/{app_id}/letter", headers=server.token(*AUDITOR)
    )
    assert letter.status_code == 200 and "予以批准" in letter.text
    assert "900.00 元/月" in letter.text and "60 日内（至 2025年12月16日）" in letter.text
    pdf = server.client.get(
        f"/households/{hid}/applications/{app_id}/letter.pdf", headers=server.token(*AUDITOR)
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    decided = worklist(server, region="330402", on="2025-10-20", stage="decided")[app_id]
    assert (decided["outcome"], decided["decided_on"], decided["late"]) == (
        "approved",
        "2025-10-16",
        False,
    )
    state = server.client.get(
        f"/households/{hid}/applications/{app_id}",
        params={"on": "2025-10-20"},
        headers=server.token(*AUDITOR),
    ).json()
    # decided on 10-16: 09-28, 10-09..10-11, 10-13..10-16 = 8 working days, paused ones out
    assert (state["clock"]["working_days_used"], state["clock"]["late"]) == (8, False)
    assert state["stage"] == "decided"
    assert state["path"]["checks"]["tax-1"]["amount"] == "4200.00"
    assert [p["from"] for p in state["path"]["pauses"]] == ["2025-09-29"]
