"""Early warnings, what-if simulations and the partner departments' event feed over HTTP
(POLICY ch. 12, ch. 3 standards changes, ch. 8-9 data exchange)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import pg_database_url
from tests.e2e.conftest import SECRET
from tests.e2e.test_http import CW, approve_dibao, register
from tests.e2e.test_medical_http import post_bill

ADMIN = ("standards-admin-chen", "standards_admin")


def test_a_caseworker_resolves_a_warning_and_supervisors_see_it(server):
    """§12 visit_overdue_long: a dibao household (quarterly tier, §30) last visited on
    2025-02-10 is past twice its interval (2025-08-10) on 2025-08-11; resolved on
    2025-08-15 with a note it is listed as resolved, 4 days after it was raised."""
    hid, _ = register(server, members=1)
    approve_dibao(server, hid, "2025-01-01", "0")
    cw = server.token(*CW)
    r = server.client.post(
        f"/households/{hid}/visits",
        headers=cw,
        json={"visited_on": "2025-02-10", "visitor": "李", "findings": "ok"},
    )
    assert r.status_code == 201, r.text
    before = server.client.get("/warnings", params={"on": "2025-08-10"}, headers=cw).json()
    assert [w for w in before if w["household_id"] == hid] == []
    r = server.client.get(
        "/warnings", params={"on": "2025-08-11", "status": "open", "region": "330402"}, headers=cw
    )
    assert r.status_code == 200, r.text
    [warning] = [w for w in r.json() if w["household_id"] == hid]
    assert (warning["rule"], warning["raised_on"], warning["status"]) == (
        "visit_overdue_long",
        "2025-08-11",
        "open",
    )
    assert "2025-08-10" in warning["reason"]
    url = f"/warnings/{warning['warning_id']}/resolution"
    missing = server.client.post(url, headers=cw, json={"status": "resolved", "on": "2025-08-15"})
    assert missing.status_code == 422 and missing.json()["field"] == "note"
    r = server.client.post(
        url,
        headers=cw,
        json={"status": "resolved", "note": "visited, all well", "on": "2025-08-15"},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["resolved_on"]) == ("resolved", "2025-08-15")
    again = server.client.post(
        url, headers=cw, json={"status": "resolved", "note": "again", "on": "2025-08-16"}
    )
    assert again.status_code == 409
    auditor = server.token("auditor-zhao", "auditor")
    resolved = server.client.get(
        "/warnings", params={"on": "2025-08-20", "status": "resolved"}, headers=auditor
    ).json()
    assert [w["warning_id"] for w in resolved] == [warning["warning_id"]]
    [county] = server.client.get(
        "/warnings/summary", params={"on": "2025-08-20"}, headers=auditor
    ).json()
    assert (county["region_code"], county["resolved"], county["max_days_to_resolution"]) == (
        "330402",
        1,
        4,
    )
    bad = server.client.get("/warnings", params={"region": "110000"}, headers=cw)
    assert bad.status_code == 422 and bad.json()["field"] == "region"


def test_simulation_over_http_records_nothing_and_names_bad_fields(server):
    """§4: a 3-member dibao household with 18,000 a year gets (1,250 - 500) x 3 = 2,250.00;
    with the standard at 16,200 (1,350.00 a month) from 2025-07-01, 2,550.00: 300.00 more a
    month, 3,600.00 over 12 months. A rise to 15,500 (3.33%) below the cited 5% is refused
    (400, field changes[0].value); an unknown key is 422 (changes[0].key)."""
    hid, _ = register(server, members=3)
    approve_dibao(server, hid, "2025-01-01", "18000")
    admin = server.token(*ADMIN)
    body = {
        "changes": [
            {"key": "dibao_standard_annual", "value": "16200", "cited_income_growth": "0.05"}
        ],
        "effective_from": "2025-07-01",
    }
    r = server.client.post("/standards/simulations", headers=admin, json=body)
    assert r.status_code == 200, r.text
    result = r.json()
    assert (result["monthly_cost_difference"], result["annual_cost_difference"]) == (
        "300.00",
        "3600.00",
    )
    [sample] = result["sample"]
    assert sample["amounts"][0]["old_monthly_amount"] == "2250.00"
    assert sample["amounts"][0]["new_monthly_amount"] == "2550.00"
    history = server.client.get(
        f"/households/{hid}/entitlements/history", headers=server.token(*CW)
    )
    assert len(history.json()) == 1  # nothing recorded
    low = {**body, "changes": [{**body["changes"][0], "value": "15500"}]}
    r = server.client.post("/standards/simulations", headers=admin, json=low)
    assert r.status_code == 400 and r.json()["field"] == "changes[0].value", r.text
    unknown = {**body, "changes": [{"key": "no_such_standard", "value": "1"}]}
    r = server.client.post("/standards/simulations", headers=admin, json=unknown)
    assert r.status_code == 422 and r.json()["field"] == "changes[0].key", r.text


def test_event_feed_per_department(server):
    """§8-§9: the medical insurance bureau sees the subsidised-enrolment list with full ID
    numbers and the medical-cap state (§17: a 18,000.00 bill leaves 12,000.00 of the person's
    30,000.00); the transit operator only the transit list, ID numbers masked. Pages follow
    the cursor; with nothing new next_cursor equals `after`."""
    hid, [member] = register(server, members=1)
    approve_dibao(server, hid, "2025-01-01", "0")
    assert post_bill(server, hid, member, "18000").status_code == 201
    medical = server.token("yibao-wu", "medical_insurance")
    r = server.client.get("/feeds/events", headers=medical)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    kinds = [i["kind"] for i in items]
    # The member's joining is not sent (the household was not yet registered, so nobody
    # of it is on a list); the category is, then the bill.
    assert kinds == ["eligibility", "medical_cap"]
    person = items[0]["persons"][0]
    assert person["premium_subsidised"] is True and "*" not in person["id_number"]
    cap = items[1]
    assert (cap["member_id"], cap["kept"], cap["relief"]) == (member, "18000.00", "0.00")
    assert cap["person"] == {"paid": "18000.00", "cap": "30000.00", "remaining": "12000.00"}
    transport = server.token("bus-ma", "transport")
    pages, after = [], "0"
    while True:
        page = server.client.get(
            "/feeds/events", params={"after": after, "limit": 1}, headers=transport
        ).json()
        if page["next_cursor"] == after:
            assert page["items"] == []
            break
        pages += page["items"]
        after = page["next_cursor"]
    assert [i["kind"] for i in pages] == ["eligibility"]
    assert pages[0]["persons"][0]["transit_eligible"] is True
    assert "premium_subsidised" not in pages[0]["persons"][0]
    assert "*" in pages[0]["persons"][0]["id_number"]
    bad = server.client.get("/feeds/events", params={"after": "x"}, headers=transport)
    assert bad.status_code == 422 and bad.json()["field"] == "after"


def test_a_resolution_survives_ledger_rebuild(server, request, tmp_path):
    """The resolution is an event: `ledger rebuild warnings` (another process, same
    database) drops and rebuilds the view, and the warning is still resolved."""
    hid, _ = register(server, members=1)
    approve_dibao(server, hid, "2025-01-01", "0")
    cw = server.token(*CW)
    [warning] = [
        w
        for w in server.client.get("/warnings", params={"on": "2025-07-02"}, headers=cw).json()
        if w["household_id"] == hid
    ]
    assert (warning["rule"], warning["raised_on"]) == ("visit_overdue_long", "2025-07-02")
    r = server.client.post(
        f"/warnings/{warning['warning_id']}/resolution",
        headers=cw,
        json={"status": "resolved", "note": "visited on 2025-07-03", "on": "2025-07-03"},
    )
    assert r.status_code == 200, r.text
    if request.node.callspec.params["server"] == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = pg_database_url(request.getfixturevalue("pg_schema"))
    rebuilt = subprocess.run(
        [sys.executable, "-m", "scripts.cli", "rebuild", "warnings"],
        env={**os.environ, "LEDGER_DATABASE_URL": url, "LEDGER_SECRET": SECRET},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "ledger_warning_cases: 1 rows" in rebuilt.stdout
    after = server.client.get("/warnings", params={"on": "2025-07-10"}, headers=cw).json()
    assert [
        (w["warning_id"], w["status"], w["note"]) for w in after if w["household_id"] == hid
    ] == [(warning["warning_id"], "resolved", "visited on 2025-07-03")]
