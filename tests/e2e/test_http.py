"""The API over HTTP against a running server, on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
import uuid
from datetime import date

from tests.helpers import id_number

CW = ("caseworker-li", "caseworker")
AP = ("approver-wang", "approver")
FIN = ("finance-zhou", "finance")


def register(server, members=4, region="330402"):
    cw = server.token(*CW)
    r = server.client.post(
        "/households",
        headers=cw,
        json={
            "region_code": region,
            "residence": "urban",
            "address": "南湖路1号",
            "registered_on": "2025-01-01",
        },
    )
    assert r.status_code == 201, r.text
    hid = r.json()["household_id"]
    ids = []
    for i in range(members):
        r = server.client.post(
            f"/households/{hid}/members",
            headers=cw,
            json={
                "name": f"张{i}",
                "id_number": id_number(),
                "relation": "head" if i == 0 else "child",
                "birth_on": "1980-05-17",
            },
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["member_id"])
    return hid, ids


STAFF = ["investigator-zhao", "investigator-qian"]


def consents(server, hid, on):
    """Every member present on `on` signs the authorisation that day (POLICY ch. 14)."""
    r = server.client.get(f"/households/{hid}", headers=server.token(*CW))
    assert r.status_code == 200, r.text
    return [
        {"member_id": m["member_id"], "signed_on": on}
        for m in r.json()["members"]
        if m["joined_on"] <= on and (m["left_on"] is None or m["left_on"] > on)
    ]


def walk(server, hid, app_id):
    """Take a received application through the check, the investigation and the 7-day
    notice on its receipt date (POLICY ch. 14); returns the first day it may be decided."""
    from datetime import date, timedelta

    cw = server.token(*CW)
    base = f"/households/{hid}/applications/{app_id}"
    state = server.client.get(base, headers=cw).json()
    on = state["path"]["received_on"]
    steps = [
        ("/checks", {"request_id": f"{app_id}-tax", "department": "tax", "on": on}),
        (f"/checks/{app_id}-tax/answer", {"finding": "as declared", "on": on}),
    ]
    if state["means"] is not None:
        means = state["means"]
        steps.append(
            (
                "/check-report",
                {
                    "on": on,
                    "means": {
                        "annual_income": means["annual_income"],
                        "rigid_deductions": means["rigid_deductions"],
                        "car_insurance_value": means["car_insurance_value"],
                    },
                },
            )
        )
    steps += [
        ("/investigations", {"staff": STAFF, "findings": "属实", "on": on}),
        ("/notice", {"on": on}),
    ]
    for path, body in steps:
        r = server.client.post(base + path, headers=cw, json=body)
        assert r.status_code == 200, (path, r.text)
    until = date.fromisoformat(r.json()["notice_until"])
    return (until + timedelta(days=1)).isoformat()


def decide(server, hid, app_id, decision="approve", reason="ok"):
    """`walk`, then the approver's decision on the first day it may come."""
    on = walk(server, hid, app_id)
    return server.client.post(
        f"/households/{hid}/applications/{app_id}/determination",
        headers=server.token(*AP),
        json={"decision": decision, "reason": reason, "on": on},
    )


def approve_dibao(server, hid, effective_from, annual_income):
    """Receive a dibao application (caseworker), walk its path and approve it (approver)."""
    r = server.client.post(
        f"/households/{hid}/applications",
        headers=server.token(*CW),
        json={
            "programme": "dibao",
            "effective_from": effective_from,
            "means": {"annual_income": annual_income},
            "consents": consents(server, hid, effective_from),
        },
    )
    assert r.status_code == 201, r.text
    app_id = r.json()["application_id"]
    r = decide(server, hid, app_id)
    assert r.status_code == 200, r.text
    return app_id


def events(server, hid):
    r = server.client.get(f"/households/{hid}/events", headers=server.token(*AP))
    assert r.status_code == 200
    return r.json()


def test_dibao_household_from_registration_to_entitlement(server):
    """§5 example 1 over HTTP: (1,250 - 19,200 / 4 / 12) x 4 = 3,400.00 a month, seen by a
    GET right after the POST (read your writes), with actor and effective date on events."""
    hid, _ = register(server)
    r = server.client.post(
        f"/households/{hid}/applications",
        headers=server.token(*CW),
        json={
            "programme": "dibao",
            "effective_from": "2025-03-01",
            "means": {"annual_income": "24000", "rigid_deductions": "4800.00"},
            "consents": consents(server, hid, "2025-03-01"),
        },
    )
    assert r.status_code == 201, r.text
    app_id = r.json()["application_id"]
    r = decide(server, hid, app_id, reason="入户核查属实")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["outcome"] == "approved" and body["category"] == "dibao"
    assert body["entitlements"] == [{"programme": "dibao", "monthly_amount": "3400.00"}]
    assert "1250.00" in body["explanation"] and "19200.00" in body["explanation"]

    r = server.client.get(
        f"/households/{hid}/entitlements",
        params={"as_of": "2025-03-01"},
        headers=server.token("auditor-zhao", "auditor"),
    )
    assert r.status_code == 200
    [ent] = r.json()
    assert ent["monthly_amount"] == "3400.00" and ent["effective_from"] == "2025-03-01"
    assert ent["standard_version"] == "330400/v3"
    r = server.client.get(
        f"/households/{hid}/entitlements", params={"as_of": "2025-02-28"}, headers=server.token(*AP)
    )
    assert r.json() == []

    stream = events(server, hid)
    assert [e["position"] for e in stream] == list(range(1, len(stream) + 1))
    assert stream[0]["type"] == "Registered" and stream[0]["actor"] == "caseworker-li"
    determined = next(e for e in stream if e["type"] == "ApplicationDetermined")
    assert determined["actor"] == "approver-wang"
    assert determined["effective_on"] == "2025-03-01"

    r = server.client.get(f"/households/{hid}", headers=server.token("finance-qian", "finance"))
    assert r.status_code == 200
    member = r.json()["members"][0]
    assert "*" in member["id_number"]  # finance sees ID numbers masked (§9, PIPL)
    assert r.json()["categories"][0]["category"] == "dibao"


def test_bad_id_number_is_422_naming_the_field_and_records_nothing(server):
    hid, _ = register(server, members=1)
    before = len(events(server, hid))
    r = server.client.post(
        f"/households/{hid}/members",
        headers=server.token(*CW),
        json={
            "name": "李四",
            "id_number": "110105194912310021",
            "relation": "spouse",
            "birth_on": "1949-12-31",
        },
    )
    assert r.status_code == 422
    assert r.json()["field"] == "id_number" and "GB 11643" in r.json()["message"]
    assert len(events(server, hid)) == before


def test_id_numbers_never_reach_the_server_log(server):
    """Personal data (issue 6, PIPL): after a member is posted with an ID number, read
    back whole and masked, and refused requests that carry ID numbers in their bodies (a
    wrong check character, a missing name, a malformed token), neither number appears in
    the server's log, which does hold those requests."""
    hid, _ = register(server, members=0)
    good, bad = id_number(date(1975, 3, 9)), "110105194912310021"
    cw = server.token(*CW)
    member = {"name": "王五", "id_number": good, "relation": "head", "birth_on": "1975-03-09"}
    r = server.client.post(f"/households/{hid}/members", headers=cw, json=member)
    assert r.status_code == 201, r.text
    assert server.client.get(f"/households/{hid}", headers=server.token(*AP)).status_code == 200
    assert server.client.get(f"/households/{hid}", headers=server.token(*FIN)).status_code == 200
    refused = [
        server.client.post(
            f"/households/{hid}/members", headers=cw, json={**member, "id_number": bad}
        ),
        server.client.post(f"/households/{hid}/members", headers=cw, json={**member, "name": None}),
        server.client.post(
            f"/households/{hid}/members",
            headers={"Authorization": f"Bearer {good}"},
            json=member,
        ),
        server.client.post(
            f"/households/{hid}/members",
            headers={**cw, "content-type": "application/json"},
            content=f'{{"id_number": "{good}", '.encode(),
        ),
    ]
    assert [r.status_code for r in refused] == [422, 422, 401, 422]
    time.sleep(0.2)  # the log lines of the last requests
    log = server.log.read_text()
    assert f"POST /households/{hid}/members" in log and " 422" in log
    assert good not in log and bad not in log
    assert good[:-1] not in log and bad[:-1] not in log


def test_bad_amounts_are_refused_naming_the_field_and_record_nothing(server):
    """Issue 8 (absurd dates and amounts): a malformed amount, one over the ceiling of
    100,000,000.00 yuan (domain/money.py MAX_AMOUNT_FEN) and a date in 9999 are each refused
    with 422 naming the field, and nothing is recorded."""
    hid, [member] = register(server, members=1)
    before = len(events(server, hid))
    for bad in ("24000.001", "1e3", "NaN", "Infinity", 24000, "-1"):
        r = server.client.post(
            f"/households/{hid}/applications",
            headers=server.token(*CW),
            json={
                "programme": "dibao",
                "effective_from": "2025-03-01",
                "means": {"annual_income": bad},
            },
        )
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["field"] == "means.annual_income"
        assert r.json()["error"] == "invalid_input"
    for absurd in ("100000000.01", "999999999999999"):  # over MAX_AMOUNT_FEN
        r = server.client.post(
            f"/households/{hid}/medical-bills",
            headers=server.token(*CW),
            json={
                "member_id": member,
                "service_on": "2025-03-01",
                "total": "1000.00",
                "insurance_paid": "0",
                "self_paid": absurd,
            },
        )
        assert r.status_code == 422, (absurd, r.text)
        assert r.json()["field"] == "self_paid"
        assert "at most 100000000.00 yuan" in r.json()["message"]
    r = server.client.post(
        f"/households/{hid}/applications",
        headers=server.token(*CW),
        json={
            "programme": "dibao",
            "effective_from": "9999-01-01",
            "means": {"annual_income": "1"},
        },
    )
    assert r.status_code == 422 and r.json()["field"] == "effective_from"
    assert len(events(server, hid)) == before


def test_idempotent_retry_returns_the_first_answer_and_records_once(server):
    cw = server.token(*CW)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {
        "region_code": "330411",
        "residence": "rural",
        "address": "王江泾镇",
        "registered_on": "2025-02-01",
    }
    first = server.client.post("/households", headers={**cw, **key}, json=body)
    again = server.client.post("/households", headers={**cw, **key}, json=body)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    hid = first.json()["household_id"]
    assert len(events(server, hid)) == 1
    other = server.client.post(
        "/households", headers={**cw, **key}, json={**body, "address": "别处"}
    )
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
    # The key is scoped to the user: another caseworker's same key is a new request.
    r = server.client.post(
        "/households", headers={**server.token("caseworker-sun", "caseworker"), **key}, json=body
    )
    assert r.status_code == 201 and r.json()["household_id"] != hid


def test_tokens_and_roles(server):
    hid, _ = register(server, members=1)
    assert server.client.get(f"/households/{hid}").status_code == 401
    forged = {"Authorization": "Bearer " + server.token(*CW)["Authorization"][7:-4] + "abcd"}
    assert server.client.get(f"/households/{hid}", headers=forged).status_code == 401
    r = server.client.post(
        "/households",
        headers=server.token("auditor-zhao", "auditor"),
        json={
            "region_code": "330402",
            "residence": "urban",
            "address": "x",
            "registered_on": "2025-01-01",
        },
    )
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    r = server.client.get(f"/households/{hid}", headers=server.token("bus", "transport"))
    assert r.status_code == 403


def test_separation_of_duties_over_http(server):
    """§9: one person holding both roles may not determine what they submitted (403)."""
    hid, _ = register(server, members=1)
    r = server.client.post(
        f"/households/{hid}/applications",
        headers=server.token("zhang", "caseworker"),
        json={
            "programme": "dibao",
            "effective_from": "2025-03-01",
            "means": {"annual_income": "0"},
            "consents": consents(server, hid, "2025-03-01"),
        },
    )
    app_id = r.json()["application_id"]
    before = len(events(server, hid))
    r = server.client.post(
        f"/households/{hid}/applications/{app_id}/determination",
        headers=server.token("zhang", "approver"),
        json={"decision": "approve", "reason": "ok"},
    )
    assert r.status_code == 403 and r.json()["error"] == "separation_of_duties"
    assert len(events(server, hid)) == before


def test_standard_changes_over_http_with_known_at(server):
    """§6 example 7 and §3: a 3% rise citing 4% is 400; with override 201. A one-member
    dibao household with no income goes from 1,250.00 to 15,450 / 12 = 1,287.50 from
    2025-06-01, the change recorded afterwards (retroactive), and known_at before it
    still shows 1,250.00."""
    hid, _ = register(server, members=1)
    approve_dibao(server, hid, "2025-03-01", "0")
    before = server.client.get(
        f"/households/{hid}/entitlements/history", headers=server.token(*AP)
    ).json()[-1]["recorded_at"]
    admin = server.token("admin-chen", "standards_admin")
    change = {
        "key": "dibao_standard_annual",
        "value": "15450.00",
        "effective_from": "2025-06-01",
        "basis": "嘉政发〔2025〕3号",
        "cited_income_growth": "0.04",
    }
    r = server.client.post("/standards/changes", headers=admin, json=change)
    assert r.status_code == 400 and r.json()["error"] == "policy_rule"
    assert r.json()["field"] == "value"
    r = server.client.post(
        "/standards/changes", headers=server.token(*CW), json={**change, "override_reason": "x"}
    )
    assert r.status_code == 403
    r = server.client.post(
        "/standards/changes", headers=admin, json={**change, "override_reason": "财政承受能力"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["households_adjusted"] == 1
    assert r.json()["households_refused"] == []
    r = server.client.get(
        f"/households/{hid}/entitlements", headers=server.token(*AP), params={"as_of": "2025-06-01"}
    )
    assert r.json()[0]["monthly_amount"] == "1287.50"
    r = server.client.get(
        f"/households/{hid}/entitlements",
        headers=server.token(*AP),
        params={"as_of": "2025-06-01", "known_at": before},
    )
    assert r.json()[0]["monthly_amount"] == "1250.00"
    r = server.client.get("/standards", headers=server.token(*AP), params={"as_of": "2025-06-01"})
    assert r.json()["dibao_standard_annual"]["value"] == "15450.00"
    history = server.client.get(
        f"/households/{hid}/entitlements/history", headers=server.token(*AP)
    ).json()
    assert [h["monthly_amount"] for h in history] == ["1250.00", "1287.50"]
    assert history[1]["cause"] == "standard_change" and "1250.00" in history[1]["reason"]


def test_standard_changes_beyond_the_plans_bounds_are_refused_over_http(server):
    """SEED §14 (renovation at most 30,000 yuan per household), §12 (rent ratio floor at
    least 40%) and §17 (the cap year starts in a month 1..12): 80,000.00 and 0.3 are 400,
    month 13 is 422, each naming `value`; the standards in force do not change, and
    `/audit/verify` shows no unfinished propagation."""
    admin = server.token("admin-chen", "standards_admin")
    before = server.client.get(
        "/standards", headers=server.token(*AP), params={"as_of": "2026-02-01"}
    ).json()
    for key, value, status in (
        ("renovation_household_cap", "80000.00", 400),
        ("rent_subsidy_min_ratio", "0.3", 400),
        ("medical_cap_year_start_month", "13", 422),
    ):
        r = server.client.post(
            "/standards/changes",
            headers=admin,
            json={"key": key, "value": value, "effective_from": "2026-01-01", "basis": "doc"},
        )
        assert r.status_code == status, r.text
        assert r.json()["field"] == "value"
    after = server.client.get(
        "/standards", headers=server.token(*AP), params={"as_of": "2026-02-01"}
    ).json()
    assert after == before
    assert after["renovation_household_cap"]["value"] == "30000.00"
    verify = server.client.get("/audit/verify", headers=server.token("audit-sun", "auditor"))
    assert verify.json()["unfinished_propagations"] == []


def test_docs_health_and_oversize_bodies(server):
    assert server.client.get("/docs").status_code == 200
    schema = server.client.get("/openapi.json").json()
    assert "/households/{household_id}/entitlements" in schema["paths"]
    health = server.client.get("/health").json()
    assert health["status"] == "ok" and health["database"] == "up"
    assert health["views"] == dict.fromkeys(health["projections_lag"], "ok")
    assert health["projections_lag"] == {
        "entitlements": 0,
        "medical": 0,
        "payments": 0,
        "care": 0,
        "applications": 0,
        "warnings": 0,
        "search": 0,
        "payment_trail": 0,
        "statements": 0,
    }
    r = server.client.post(
        "/households",
        headers=server.token(*CW),
        json={
            "region_code": "330402",
            "residence": "urban",
            "address": "x" * 30000,
            "registered_on": "2025-01-01",
        },
    )
    assert r.status_code == 413


def test_any_unicode_name_is_stored_exactly(server):
    hid, _ = register(server, members=0)
    name = "欧阳𠮷 María-José 👪"
    r = server.client.post(
        f"/households/{hid}/members",
        headers=server.token(*CW),
        json={"name": name, "id_number": id_number(), "relation": "head", "birth_on": "1990-01-01"},
    )
    assert r.status_code == 201
    r = server.client.get(f"/households/{hid}", headers=server.token(*CW))
    assert r.json()["members"][0]["name"] == name


def test_control_characters_are_refused_naming_the_field_and_other_households_still_read(server):
    """Issue 8 (hostile input): a NUL or another C0 control in any string is refused with
    422 naming the field, and nothing is recorded, so the views (which on PostgreSQL cannot
    store a NUL) keep serving every household: the other household's §5 dibao stays
    1,250.00 x 2 members - 0 income = 2,500.00 a month."""
    other, _ = register(server, members=2)
    approve_dibao(server, other, "2025-01-01", "0")
    hid, [head] = register(server, members=1)
    before = len(events(server, hid))
    cw = server.token(*CW)
    member = {"id_number": id_number(), "relation": "spouse", "birth_on": "1990-01-01"}
    household = {"region_code": "330402", "residence": "urban", "registered_on": "2025-01-01"}
    application = {"programme": "education_aid", "effective_from": "2025-03-01"}
    refused = [
        (f"/households/{hid}/members", member | {"name": "张\u0000三"}, "name"),
        ("/households", household | {"address": "南湖路\u00071号"}, "address"),
        (
            f"/households/{hid}/applications",
            application | {"member_id": head, "details": {"school": "a\u0000"}},
            "details",
        ),
    ]
    for path, body, field in refused:
        r = server.client.post(path, headers=cw, json=body)
        assert r.status_code == 422, r.text
        assert r.json()["field"] == field and "U+00" in r.json()["message"]
    assert len(events(server, hid)) == before
    r = server.client.get(
        f"/households/{other}/entitlements", params={"as_of": "2025-03-01"}, headers=cw
    )
    assert r.status_code == 200 and [e["monthly_amount"] for e in r.json()] == ["2500.00"]
    assert server.client.get("/visits/overdue", headers=cw).status_code == 200
    assert server.client.get(f"/households/{other}/medical-caps", headers=cw).status_code == 200
    assert server.client.get("/health").json()["status"] == "ok"


def test_a_chunked_body_over_the_limit_is_refused_before_it_ends(server):
    """Issue 8 (oversize bodies): a chunked body (no Content-Length) is counted as it comes:
    once past LEDGER_MAX_BODY_BYTES (20,000 here) it is answered 413 without the server
    waiting for, or holding, the rest; the body here never ends."""
    import socket
    from urllib.parse import urlparse

    url = urlparse(server.url)
    head = (
        "POST /households HTTP/1.1\r\n"
        f"Host: {url.hostname}\r\n"
        f"Authorization: {server.token(*CW)['Authorization']}\r\n"
        "Content-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"x" * 8000
    with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
        conn.sendall(head.encode())
        for _ in range(3):  # 24,000 bytes, and no closing chunk
            conn.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        answer = b""
        while b"}" not in answer:  # the head, then the JSON body
            part = conn.recv(4096)
            if not part:
                break
            answer += part
    answer = answer.decode()
    assert answer.startswith("HTTP/1.1 413"), answer
    assert "larger than 20000 bytes" in answer
