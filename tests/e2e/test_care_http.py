"""Visits, referrals, dividends, the transit feed and the care metrics over HTTP."""

from __future__ import annotations

from tests.e2e.test_http import AP, CW, approve_dibao, consents, decide, events, register
from tests.helpers import id_number


def dibao(server, region="330402"):
    hid, ids = register(server, members=2, region=region)
    approve_dibao(server, hid, "2025-01-01", "0")
    return hid, ids


def test_visits_overdue_transit_and_metrics(server):
    """A weekly-tier household (major change 2025-03-03, visit 2025-03-05): due 2025-03-12,
    overdue on 2025-03-20; a quarterly one visited 2025-03-01 is not. Visit rate in 330411:
    1 of 2 = 0.5000. Referrals: 3 for the one unemployed member = 3.00 (met)."""
    weekly, w_ids = dibao(server, "330411")
    quarterly, _ = dibao(server, "330411")
    cw = server.token(*CW)
    assert (
        server.client.post(
            f"/households/{weekly}/major-changes",
            headers=cw,
            json={"reported_on": "2025-03-03", "description": "家中失火"},
        ).status_code
        == 201
    )
    for hid, day in ((weekly, "2025-03-05"), (quarterly, "2025-03-01")):
        r = server.client.post(
            f"/households/{hid}/visits",
            headers=cw,
            json={"visited_on": day, "visitor": "李社工", "findings": "已入户", "needs": "棉被"},
        )
        assert r.status_code == 201, r.text
    overdue = server.client.get(
        "/visits/overdue", params={"on": "2025-03-20"}, headers=server.token(*AP)
    ).json()
    assert overdue == [
        {
            "household_id": weekly,
            "region_code": "330411",
            "tier": "weekly",
            "why": "a major adverse change is open (not yet stabilised)",
            "last_visit_on": "2025-03-05",
            "due_on": "2025-03-12",
        }
    ]
    assert (
        server.client.get("/visits/overdue", headers=server.token("bus", "transport")).status_code
        == 403
    )

    server.client.post(
        f"/households/{weekly}/members/{w_ids[0]}/changes",
        headers=cw,
        json={"effective_on": "2025-02-01", "employment": "unemployed_registered"},
    )
    for n in range(3):
        r = server.client.post(
            f"/households/{weekly}/members/{w_ids[0]}/job-referrals",
            headers=cw,
            json={"referred_on": f"2025-02-1{n}", "employer": f"嘉兴企业{n}"},
        )
    assert r.json()["referrals"] == 3

    metrics = server.client.get(
        "/supervision/metrics",
        params={"as_of": "2025-03-20"},
        headers=server.token("auditor-zhao", "auditor"),
    ).json()
    found = {(m["metric"], m["region_code"]): m for m in metrics["metrics"]}
    assert found[("visit_rate", "330411")]["actual"] == "0.5000"
    assert found[("visit_rate", "330411")]["met"] is False
    assert found[("job_referrals_per_unemployed_member", "330411")]["actual"] == "3.00"
    assert found[("job_referrals_per_unemployed_member", "330411")]["met"] is True

    transit = server.client.get(
        "/feeds/transit", params={"on": "2025-03-20"}, headers=server.token("bus", "transport")
    ).json()
    names = {p["name"] for p in transit["persons"]}
    assert {"张0", "张1"} <= names
    assert all("*" in p["id_number"] for p in transit["persons"])


def rural(server, region_code):
    cw = server.token(*CW)
    hid = server.client.post(
        "/households",
        headers=cw,
        json={
            "region_code": region_code,
            "residence": "rural",
            "address": "某村",
            "registered_on": "2025-01-01",
        },
    ).json()["household_id"]
    r = server.client.post(
        f"/households/{hid}/members",
        headers=cw,
        json={
            "name": "农户",
            "id_number": id_number(),
            "relation": "head",
            "birth_on": "1960-01-01",
        },
    )
    assert r.status_code == 201, r.text
    return hid


def test_dividends_for_rural_low_income_households(server):
    """§23: a rural dibao household's dividends 2,000.00 -> village subsidy 1,000.00; a
    rural household in no category and an urban dibao household are refused (400, nothing
    recorded). GET /dividends: village 330424101201 and county 330424, 2,000.00 and
    1,000.00 for one household in 2025, nothing for 2024."""
    cw = server.token(*CW)
    low_income = rural(server, "330424101201")
    approve_dibao(server, low_income, "2025-01-01", "0")
    body = {"year": 2025, "amount": "2000", "received_on": "2025-12-01"}
    r = server.client.post(f"/households/{low_income}/dividends", headers=cw, json=body)
    assert r.status_code == 201 and r.json()["village_subsidy"] == "1000.00"
    urban, _ = dibao(server)
    for hid in (rural(server, "330424101201"), urban):
        before = len(events(server, hid))
        r = server.client.post(f"/households/{hid}/dividends", headers=cw, json=body)
        assert r.status_code == 400 and r.json()["field"] == "household_id"
        assert len(events(server, hid)) == before
    shown = {"households": 1, "dividends": "2000.00", "village_subsidy": "1000.00"}
    r = server.client.get(
        "/dividends", params={"year": 2025}, headers=server.token("auditor-zhao", "auditor")
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "year": 2025,
        "region_code": "330400",
        "villages": [{"region_code": "330424101201", **shown}],
        "counties": [{"county_code": "330424", **shown}],
        "total": shown,
    }
    r = server.client.get("/dividends", params={"year": 2024}, headers=server.token(*AP))
    assert r.json()["villages"] == [] and r.json()["total"]["dividends"] == "0.00"
    assert server.client.get("/dividends", headers=server.token(*AP)).status_code == 422


def test_income_and_posts_metrics(server):
    """§2: a low-income household of four with 96,000 a year: 24,000 per head, below the
    32,000 target. §24: a rural household of two at 20,000 in 2024 and 23,000 in 2025:
    10,000 -> 11,500 per head, growth 0.1500 (met). §22: posts are null until the bureau
    records them, then 1,300 against 1,200 (met)."""
    cw = server.token(*CW)
    low, _ = register(server, members=4, region="330482")
    app_id = server.client.post(
        f"/households/{low}/applications",
        headers=cw,
        json={
            "programme": "low_income",
            "effective_from": "2025-01-01",
            "means": {"annual_income": "96000"},
            "consents": consents(server, low, "2025-01-01"),
        },
    ).json()["application_id"]
    assert decide(server, low, app_id).status_code == 200
    rural = server.client.post(
        "/households",
        headers=cw,
        json={
            "region_code": "330483",
            "residence": "rural",
            "address": "村",
            "registered_on": "2024-01-01",
        },
    ).json()["household_id"]
    for i in range(2):
        server.client.post(
            f"/households/{rural}/members",
            headers=cw,
            json={
                "name": f"农户{i}",
                "id_number": id_number(),
                "relation": "head" if i == 0 else "spouse",
                "birth_on": "1970-01-01",
            },
        )
    for on, income in (("2024-03-01", "20000"), ("2025-03-01", "23000")):
        app_id = server.client.post(
            f"/households/{rural}/applications",
            headers=cw,
            json={
                "programme": "dibao",
                "effective_from": on,
                "means": {"annual_income": income},
                "consents": consents(server, rural, on),
            },
        ).json()["application_id"]
        r = decide(server, rural, app_id)
        assert r.status_code == 200, r.text
    auditor = server.token("auditor-zhao", "auditor")
    metrics = server.client.get(
        "/supervision/metrics", params={"as_of": "2025-06-30"}, headers=auditor
    ).json()["metrics"]
    found = {(m["metric"], m["region_code"]): m for m in metrics}
    low_income = found[("low_income_per_capita_disposable_income", "330482")]
    assert (low_income["actual"], low_income["met"]) == ("24000.00", False)
    growth = found[("rural_low_income_income_growth", "330483")]
    assert (growth["actual"], growth["met"]) == ("0.1500", True)
    assert found[("public_welfare_posts", "330400")]["actual"] is None
    r = server.client.post(
        "/standards/changes",
        headers=server.token("admin", "standards_admin"),
        json={
            "key": "public_welfare_posts_reserved",
            "value": "1300",
            "effective_from": "2025-01-01",
            "basis": "嘉民〔2025〕20号",
        },
    )
    assert r.status_code == 201, r.text
    metrics = server.client.get(
        "/supervision/metrics", params={"as_of": "2025-06-30"}, headers=auditor
    ).json()["metrics"]
    posts = next(m for m in metrics if m["metric"] == "public_welfare_posts")
    assert (posts["actual"], posts["met"]) == ("1300", True)
