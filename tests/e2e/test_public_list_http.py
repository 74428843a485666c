"""The public list over HTTP (长期公示, 四(四)): `GET /supervision/public-list` as JSON and
CSV for those who post it (caseworker, approver, auditor), refused to others; a bad
month is 422 naming the field. A household of two in village 330402007003 (张0 head,
张1), dibao from 2025-02-01 with no income: §5/§6 (1,250 - 0) x 2 = 2,500.00."""

from __future__ import annotations

from tests.e2e.test_http import CW, approve_dibao, register

VILLAGE = "330402007003"


def test_the_public_list_over_http(server):
    hid, _ = register(server, members=2, region=VILLAGE)
    approve_dibao(server, hid, "2025-02-01", "0")
    cw = server.token(*CW)
    r = server.client.get(
        "/supervision/public-list", params={"region": VILLAGE, "month": "2025-02"}, headers=cw
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["hotline"] == "12345"
    assert body["rows"] == [
        {
            "region_code": VILLAGE,
            "name": "张*",
            "category": "dibao",
            "persons": 2,
            "monthly_amount": "2500.00",
        }
    ]
    csv = server.client.get(
        "/supervision/public-list",
        params={"region": VILLAGE, "month": "2025-02", "format": "csv"},
        headers=cw,
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert f"{VILLAGE},张*,低保,2,2500.00" in csv.text
    refused = server.client.get(
        "/supervision/public-list",
        params={"region": VILLAGE, "month": "2025-02"},
        headers=server.token("finance-zhou", "finance"),
    )
    assert refused.status_code == 403
    bad = server.client.get(
        "/supervision/public-list", params={"region": VILLAGE, "month": "2025-2x"}, headers=cw
    )
    assert bad.status_code == 422 and bad.json()["field"] == "month"
