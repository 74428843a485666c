"""Periodic review (定期核查, POLICY ch. 15) over HTTP: the due list by county, an
approver's review (a caseworker may not decide one; the approver may not decide on means
they found), and what the change does to the allowance.

A household of one in 南湖区 330402, dibao from 2025-01-01 with no income: 15,000 / 12 =
1,250.00 a month, due for review 12 months later, 2026-01-01. Reviewed 2025-07-01 with
6,000 a year: (15,000 - 6,000) / 12 = 750.00 from 2025-07-01; the next review 2026-07-01."""

from __future__ import annotations

from tests.e2e.test_http import AP, CW, approve_dibao, events, register

BODY = {
    "on": "2025-07-01",
    "means": {"annual_income": "6000.00"},
    "outcome": "change",
    "reason": "年度核查：收入变化",
    "found_by": "caseworker-li",
}


def _due(server, on):
    r = server.client.get(
        "/reviews/due", params={"region": "330400", "on": on}, headers=server.token(*CW)
    )
    assert r.status_code == 200, r.text
    return r.json()["counties"]


def test_due_list_and_a_review_over_http(server):
    hid, _ = register(server, members=1)
    approve_dibao(server, hid, "2025-01-01", "0")
    assert _due(server, "2025-12-31") == []
    [county] = _due(server, "2026-01-01")
    [item] = county["due"]
    assert county["county"] == "330402" and item["household_id"] == hid
    assert (item["category"], item["last_examined_on"], item["interval"]) == (
        "dibao",
        "2025-01-01",
        "stable",
    )

    before = len(events(server, hid))
    url = f"/households/{hid}/reviews"
    assert server.client.post(url, headers=server.token(*CW), json=BODY).status_code == 403
    same = server.client.post(url, headers=server.token(*AP), json={**BODY, "found_by": AP[0]})
    assert same.status_code == 403, same.text
    assert "separation of duties" in same.json()["message"]
    bad = server.client.post(url, headers=server.token(*AP), json={**BODY, "outcome": "maybe"})
    assert bad.status_code == 422 and bad.json()["field"] == "outcome"
    assert len(events(server, hid)) == before

    r = server.client.post(url, headers=server.token(*AP), json=BODY)
    assert r.status_code == 201, r.text
    assert r.json()["outcome"] == "change" and r.json()["means_category"] == "dibao"
    r = server.client.get(
        f"/households/{hid}/entitlements", params={"as_of": "2025-07-01"}, headers=server.token(*AP)
    )
    assert r.status_code == 200, r.text
    [ent] = r.json()
    assert (ent["monthly_amount"], ent["effective_from"]) == ("750.00", "2025-07-01")
    assert _due(server, "2026-01-01") == []
    r = server.client.get(url, params={"on": "2026-01-01"}, headers=server.token(*AP))
    assert r.status_code == 200, r.text
    [schedule] = r.json()["schedule"]
    assert schedule["next_review_on"] == "2026-07-01"
    assert r.json()["reviews"][0]["outcome"] == "change"
    review_id = r.json()["reviews"][0]["review_id"]
    letter = server.client.get(f"{url}/{review_id}/letter", headers=server.token(*AP))
    assert letter.status_code == 200
    assert "定期核查结果告知书（变更）" in letter.text and "经 2025年7月1日 定期核查" in letter.text
    assert "60 日内（至 2025年8月30日）" in letter.text  # 2025-07-01 + 60 days
    pdf = server.client.get(f"{url}/{review_id}/letter.pdf", headers=server.token(*AP))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
