"""Payments over HTTP: accounts, runs, the feed in JSON, CSV and pain.001, the bank's
acknowledgements and the reconciliation of a run."""

from __future__ import annotations

import csv
import importlib.resources
import io
import xml.etree.ElementTree as ET

import xmlschema

from domain.money import format_yuan, parse_yuan
from tests.e2e.test_http import AP, CW, approve_dibao, events, register

FIN = ("finance-zhou", "finance")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


def on_dibao(server, members, income, start):
    hid, ids = register(server, members=members)
    r = server.client.put(
        f"/households/{hid}/members/{ids[0]}/account",
        headers=server.token(*CW),
        json={
            "kind": "bank",
            "account_number": "6222 0202 0011 2233 445",
            "bank_name": "中国工商银行",
        },
    )
    assert r.status_code == 200 and r.json()["account_masked"] == "***************3445"
    approve_dibao(server, hid, start, income)
    return hid


def test_a_month_from_run_to_bank_and_back(server):
    """Two households: 1,250.00 for the whole of February and 900.00 a month from
    2025-02-11 (18/28 days: 578.57). Run (201, then 200 with the same body), feed pages,
    CSV, pain.001 valid against the official XSD, acknowledgements, reconciliation."""
    on_dibao(server, 1, "0", "2025-02-01")
    on_dibao(server, 1, "4200", "2025-02-11")
    assert (
        server.client.post(
            "/payment-runs", headers=server.token(*CW), json={"period": "2025-02"}
        ).status_code
        == 403
    )
    bad = server.client.post(
        "/payment-runs", headers=server.token(*FIN), json={"period": "2025-13"}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "period"
    first = server.client.post(
        "/payment-runs", headers=server.token(*FIN), json={"period": "2025-02"}
    )
    assert first.status_code == 201, first.text
    assert (first.json()["payments"], first.json()["total"]) == (2, "1828.57")
    again = server.client.post(
        "/payment-runs", headers=server.token(*FIN), json={"period": "2025-02"}
    )
    assert again.status_code == 200 and again.json() == first.json()
    run_id = first.json()["run_id"]

    page1 = server.client.get(
        "/feeds/payments", params={"limit": 1}, headers=server.token(*FIN)
    ).json()
    page2 = server.client.get(
        "/feeds/payments",
        params={"after": page1["next_cursor"], "limit": 1},
        headers=server.token(*FIN),
    ).json()
    page3 = server.client.get(
        "/feeds/payments", params={"after": page2["next_cursor"]}, headers=server.token(*FIN)
    ).json()
    assert page3 == {"items": [], "next_cursor": page2["next_cursor"]}
    items = page1["items"] + page2["items"]
    assert sorted(i["amount"] for i in items) == ["1250.00", "578.57"]
    assert all(i["account_number"] == "6222020200112233445" for i in items)
    masked = server.client.get(
        "/feeds/payments", headers=server.token("auditor-zhao", "auditor")
    ).json()
    assert "account_number" not in masked["items"][0]
    assert masked["items"][0]["account_masked"].endswith("3445")

    rows = list(
        csv.DictReader(
            io.StringIO(
                server.client.get(
                    "/feeds/payments.csv", params={"run_id": run_id}, headers=server.token(*FIN)
                ).text
            )
        )
    )
    assert sorted(r["amount"] for r in rows) == ["1250.00", "578.57"]

    xml = server.client.get(
        "/feeds/payments.xml", params={"run_id": run_id}, headers=server.token(*FIN)
    )
    assert xml.status_code == 200
    xsd = importlib.resources.files("sepaxml").joinpath("schemas", "pain.001.001.09.xsd")
    xmlschema.XMLSchema(str(xsd)).validate(xml.content)
    root = ET.fromstring(xml.content)
    assert root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", NS).text == "1828.57"
    e2e = {e.text for e in root.iter(f"{{{NS['p']}}}EndToEndId")}
    assert e2e == {i["payment_id"].replace("-", "") for i in items}

    paid, failed = items
    for item, status in ((paid, "paid"), (failed, "failed")):
        r = server.client.post(
            f"/payments/{item['payment_id']}/acknowledgements",
            headers=server.token(*FIN),
            json={
                "status": status,
                "bank_reference": f"ICBC-{status}",
                "at": "2025-03-03T10:00:00+08:00",
            },
        )
        assert r.status_code == 201, r.text
    same = server.client.post(
        f"/payments/{paid['payment_id']}/acknowledgements",
        headers=server.token(*FIN),
        json={"status": "paid", "bank_reference": "ICBC-paid", "at": "2025-03-03T10:00:00+08:00"},
    )
    assert same.status_code == 200 and same.json()["recorded"] is False
    contra = server.client.post(
        f"/payments/{failed['payment_id']}/acknowledgements",
        headers=server.token(*FIN),
        json={"status": "paid", "bank_reference": "X", "at": "2025-03-03T10:00:00+08:00"},
    )
    assert contra.status_code == 409

    rec = server.client.get(
        f"/payment-runs/{run_id}/reconciliation", headers=server.token(*FIN)
    ).json()
    assert rec["scheduled"] == {"payments": 2, "amount": "1828.57"}
    assert (
        rec["paid"]["payments"]
        + rec["failed"]["payments"]
        + rec["returned"]["payments"]
        + rec["cancelled"]["payments"]
        + rec["outstanding"]["payments"]
        == 2
    )
    assert {rec["paid"]["amount"], rec["failed"]["amount"]} == {paid["amount"], failed["amount"]}
    assert rec["outstanding"] == {"payments": 0, "amount": "0.00"}

    march = server.client.post(
        "/payment-runs", headers=server.token(*FIN), json={"period": "2025-03"}
    ).json()
    # March: 1,250.00 + 900.00, and the failed February payment offered again.
    assert march["total"] == format_yuan(125_000 + 90_000 + parse_yuan(failed["amount"], "amount"))


def test_household_events_show_the_account_whole_only_to_finance(server):
    """Issue 3 "Payee accounts ... always shown masked except to finance" (audit G4):
    the PayeeAccountSet event read through /events carries the account number masked
    for caseworkers, approvers and auditors, and whole for finance."""
    hid = on_dibao(server, 1, "0", "2025-02-01")
    seen = {}
    for who in (CW, ("approver-wang", "approver"), ("auditor-zhao", "auditor"), FIN):
        r = server.client.get(f"/households/{hid}/events", headers=server.token(*who))
        assert r.status_code == 200, r.text
        [account] = [e["data"] for e in r.json() if e["type"] == "PayeeAccountSet"]
        seen[who[1]] = account["account_number"]
    assert seen == {
        "caseworker": "***************3445",
        "approver": "***************3445",
        "auditor": "***************3445",
        "finance": "6222020200112233445",
    }


def test_suspension_and_resumption_over_http(server):
    """Issue 3 "suspended entitlements are not paid": worked example 1's 3,400.00 a month
    (four members, 19,200 a year), suspended by an approver from 2025-03-11 and resumed
    from 2025-03-21: March pays 21 of 31 days, 3,400 x 21 / 31 = 2,303.2258... ->
    2,303.23. A bad request names its field and records nothing; a caseworker may not
    suspend (403). A run that would skip a month is refused naming `period` (audit G3)."""
    hid = on_dibao(server, 4, "19200", "2025-02-01")
    feb = server.client.post(
        "/payment-runs", headers=server.token(*FIN), json={"period": "2025-02"}
    )
    assert feb.json()["total"] == "3400.00"
    url = f"/households/{hid}/entitlements/dibao"
    before = len(events(server, hid))
    body = {"effective_on": "2025-03-11", "reason": "入户核查未见本人"}
    assert (
        server.client.post(f"{url}/suspension", headers=server.token(*CW), json=body).status_code
        == 403
    )
    for bad, field in (
        ({"effective_on": "2025-03-11"}, "reason"),
        ({**body, "effective_on": "2025-02-30"}, "effective_on"),
        ({**body, "effective_on": "2025-01-05"}, "effective_on"),  # not yet in force
    ):
        r = server.client.post(f"{url}/suspension", headers=server.token(*AP), json=bad)
        assert r.status_code in (400, 422) and r.json()["field"] == field, r.text
    r = server.client.post(
        f"/households/{hid}/entitlements/tekun/suspension", headers=server.token(*AP), json=body
    )
    assert r.status_code == 404 and r.json()["field"] == "programme", r.text
    assert len(events(server, hid)) == before
    r = server.client.post(f"{url}/suspension", headers=server.token(*AP), json=body)
    assert r.status_code == 201, r.text
    again = server.client.post(f"{url}/suspension", headers=server.token(*AP), json=body)
    assert again.status_code == 409
    in_force = server.client.get(
        f"/households/{hid}/entitlements", params={"as_of": "2025-03-15"}, headers=server.token(*CW)
    ).json()
    assert [(e["monthly_amount"], e["suspended"], e["effective_to"]) for e in in_force] == [
        ("0.00", True, None)  # open until resumed
    ]
    r = server.client.post(
        f"{url}/resumption",
        headers=server.token(*AP),
        json={"effective_on": "2025-03-21", "reason": "复核属实"},
    )
    assert r.status_code == 201, r.text
    history = server.client.get(f"{url.rsplit('/', 1)[0]}/history", headers=server.token(*CW))
    assert [(h["cause"], h["monthly_amount"]) for h in history.json()][-2:] == [
        ("suspension", "0.00"),
        ("resumption", "3400.00"),
    ]
    skip = server.client.post(
        "/payment-runs", headers=server.token(*FIN), json={"period": "2025-04"}
    )
    assert skip.status_code == 400 and skip.json()["field"] == "period"
    assert "run 2025-03 first" in skip.json()["message"]
    march = server.client.post(
        "/payment-runs", headers=server.token(*FIN), json={"period": "2025-03"}
    )
    assert march.status_code == 201 and march.json()["total"] == "2303.23"


def test_an_invalid_account_is_422_naming_the_field_and_records_nothing(server):
    """Issue 3 "Payee accounts ... validated (digits, length)": a bank account of 11
    digits, or with letters, is refused (422, field account_number); nothing recorded."""
    hid, ids = register(server, members=1)
    before = len(events(server, hid))
    for number in ("62220202001", "6222O20200112233445"):
        r = server.client.put(
            f"/households/{hid}/members/{ids[0]}/account",
            headers=server.token(*CW),
            json={"kind": "bank", "account_number": number},
        )
        assert r.status_code == 422 and r.json()["field"] == "account_number", r.text
        assert "12 to 30 digits" in r.json()["message"]
    assert len(events(server, hid)) == before
