"""Audit over HTTP: replay, verify, and the household report in a real browser and PDF."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import pypdf

from tests.e2e.test_http import AP, CW, approve_dibao, events, register

AUDITOR = ("auditor-zhao", "auditor")


def dibao(server):
    hid, _ = register(server, members=2)
    approve_dibao(server, hid, "2025-03-01", "6000")
    return hid


def test_replay_and_verify_are_for_auditors(server):
    """(15,000 x 2 - 6,000) / 12 = 2,000.00 from March; nothing in force in February."""
    hid = dibao(server)
    r = server.client.get(
        f"/audit/households/{hid}/replay",
        params={"as_of": "2025-03-31"},
        headers=server.token(*AUDITOR),
    )
    assert r.status_code == 200
    assert [e["monthly_amount"] for e in r.json()["state"]["entitlements"]] == ["2000.00"]
    assert len(r.json()["events"]) == len(events(server, hid))
    feb = server.client.get(
        f"/audit/households/{hid}/replay",
        params={"as_of": "2025-02-28"},
        headers=server.token(*AUDITOR),
    ).json()
    assert feb["state"]["entitlements"] == []
    assert (
        server.client.get(f"/audit/households/{hid}/replay", headers=server.token(*CW)).status_code
        == 403
    )
    v = server.client.get("/audit/verify", headers=server.token(*AUDITOR)).json()
    assert v["ok"] is True and v["chain_breaks"] == [] and v["recompute_mismatches"] == []
    assert v["streams_checked"] >= 2


def test_replay_known_at_before_and_after_a_change_over_http(server):
    """§3/§6: one member, no income: 15,000 / 12 = 1,250.00 from March. The standard is
    then raised to 15,450 from 2025-06-01 (override of the 3% rule): 15,450 / 12 =
    1,287.50. Replayed as of 2025-06-30 as known before the change: 1,250.00 and the
    events up to then; as known after it: 1,287.50, one more event, the adjustment by the
    standards admin. Known before the household existed: 404 naming known_at."""
    hid, _ = register(server, members=1)
    approve_dibao(server, hid, "2025-03-01", "0")
    auditor = server.token(*AUDITOR)
    before = server.client.get(
        f"/households/{hid}/entitlements/history", headers=server.token(*AP)
    ).json()[-1]["recorded_at"]
    r = server.client.post(
        "/standards/changes",
        headers=server.token("admin-chen", "standards_admin"),
        json={
            "key": "dibao_standard_annual",
            "value": "15450.00",
            "effective_from": "2025-06-01",
            "basis": "嘉政发〔2025〕3号",
            "cited_income_growth": "0.04",
            "override_reason": "财政承受能力",
        },
    )
    assert r.status_code == 201, r.text
    after = server.client.get(
        f"/households/{hid}/entitlements/history", headers=server.token(*AP)
    ).json()[-1]["recorded_at"]

    def replay(known_at):
        r = server.client.get(
            f"/audit/households/{hid}/replay",
            params={"as_of": "2025-06-30", "known_at": known_at},
            headers=auditor,
        )
        assert r.status_code == 200, r.text
        return r.json()

    then, now = replay(before), replay(after)
    assert [e["monthly_amount"] for e in then["state"]["entitlements"]] == ["1250.00"]
    assert [e["monthly_amount"] for e in now["state"]["entitlements"]] == ["1287.50"]
    assert len(now["events"]) == len(then["events"]) + 1
    assert (now["events"][-1]["type"], now["events"][-1]["actor"]) == (
        "EntitlementChanged",
        "admin-chen",
    )
    r = server.client.get(
        f"/audit/households/{hid}/replay",
        params={"as_of": "2025-06-30", "known_at": "2020-01-01T00:00:00+08:00"},
        headers=auditor,
    )
    assert r.status_code == 404 and r.json()["field"] == "known_at"


def test_the_report_opens_in_chromium_and_the_pdf_holds_the_events(server):
    hid = dibao(server)
    html = server.client.get(f"/audit/households/{hid}/report", headers=server.token(*AUDITOR))
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "report.html"
        page.write_text(html.text, encoding="utf-8")
        dom = subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={folder}/profile",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
    assert "困难家庭审计报告" in dom and "2000.00" in dom and "审批决定" in dom
    assert "approver-wang" in dom and "ApplicationDetermined" not in dom

    pdf = server.client.get(
        f"/audit/households/{hid}/report",
        params={"format": "pdf", "lang": "en"},
        headers=server.token(*AUDITOR),
    )
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())  # text extraction may double the spaces
    assert "Household audit report" in text
    for event_type in (
        "Household registered",
        "Member added",
        "Application determined",
        "Entitlement changed",
    ):
        assert event_type in text
    zh = server.client.get(
        f"/audit/households/{hid}/report", params={"format": "pdf"}, headers=server.token(*AUDITOR)
    )
    zh_text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(zh.content)).pages)
    assert "事件时间线" in zh_text and "张0" in zh_text
