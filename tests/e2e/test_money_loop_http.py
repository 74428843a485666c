"""The money loop over HTTP, on both backends (docs/PAYMENTS.md): a one-off grant (§14)
waits for a payee account and is listed, then is paid once under its grant's id (JSON,
CSV, pain.001 valid against the official XSD); a returned payment (退票) is owed again,
re-issued once after a caseworker records a corrected account, with the chain of tries in
the household's payment history; the runs reconcile to the fen."""

from __future__ import annotations

import csv
import importlib.resources
import io
import xml.etree.ElementTree as ET
from uuid import UUID

import xmlschema

from tests.e2e.test_helps_http import determine, submit
from tests.e2e.test_http import CW, approve_dibao, register
from tests.e2e.test_payments_http import FIN, NS

AUDITOR = ("auditor-zhao", "auditor")


def run(server, period, status=201):
    r = server.client.post("/payment-runs", headers=server.token(*FIN), json={"period": period})
    assert r.status_code == status, r.text
    return r.json()


def account(server, hid, member, number):
    r = server.client.put(
        f"/households/{hid}/members/{member}/account",
        headers=server.token(*CW),
        json={"kind": "bank", "account_number": number, "bank_name": "中国工商银行"},
    )
    assert r.status_code == 200, r.text


def lines(server, run_id):
    text = server.client.get(
        "/feeds/payments.csv", params={"run_id": run_id}, headers=server.token(*FIN)
    ).text
    return list(csv.DictReader(io.StringIO(text)))


def test_a_grant_waits_for_an_account_and_a_return_is_re_issued_over_http(server):
    """A dibao household of one with no income, 1,250.00 a month from 2025-02-01 (§6), and
    no payee account; 暖巢 renovation asked 8,000.00 from 2025-02-01 (§14, under the
    30,000 cap). February: the dibao line has no account and the grant waits (in the
    run's answer and in /payments/waiting). An account is recorded; March pays 1,250.00
    and the grant 8,000.00 (kind grant, its id the grant's, EndToEndId in pain.001):
    9,250.00. The bank returns the grant (AC04, account closed): April pays April only and
    lists the return as waiting; a corrected account is recorded; May re-issues the
    8,000.00 once to it beside May's 1,250.00: 9,250.00; June: 1,250.00."""
    hid, ids = register(server, members=1)
    approve_dibao(server, hid, "2025-02-01", "0")
    r = submit(server, hid, "renovation_grant", "2025-02-01", {"requested": "8000"})
    assert r.status_code == 201, r.text
    grant_id = r.json()["application_id"]
    assert determine(server, hid, grant_id).status_code == 200

    feb = run(server, "2025-02")
    assert (feb["payments"], feb["total"], feb["grants"]) == (1, "1250.00", 0)
    [waiting] = feb["waiting"]
    assert (waiting["kind"], waiting["payment_id"], waiting["amount"]) == (
        "grant",
        grant_id,
        "8000.00",
    )
    assert run(server, "2025-02", status=200) == feb  # the same answer again
    listed = server.client.get("/payments/waiting", headers=server.token(*FIN))
    assert listed.status_code == 200 and [w["payment_id"] for w in listed.json()] == [grant_id]
    assert server.client.get("/payments/waiting", headers=server.token(*CW)).status_code == 403

    account(server, hid, ids[0], "6222020200112233445")
    march = run(server, "2025-03")
    assert (march["payments"], march["total"]) == (2, "9250.00")
    assert (march["grants"], march["grants_total"], march["waiting"]) == (1, "8000.00", [])
    [paid] = [row for row in lines(server, march["run_id"]) if row["kind"] == "grant"]
    assert (paid["payment_id"], paid["amount"], paid["programme"]) == (
        grant_id,
        "8000.00",
        "renovation_grant",
    )
    xml = server.client.get(
        "/feeds/payments.xml", params={"run_id": march["run_id"]}, headers=server.token(*FIN)
    )
    xsd = importlib.resources.files("sepaxml").joinpath("schemas", "pain.001.001.09.xsd")
    xmlschema.XMLSchema(str(xsd)).validate(xml.content)
    e2e = {e.text for e in ET.fromstring(xml.content).iter(f"{{{NS['p']}}}EndToEndId")}
    assert UUID(grant_id).hex in e2e

    r = server.client.post(
        f"/payments/{grant_id}/acknowledgements",
        headers=server.token(*FIN),
        json={
            "status": "returned",
            "bank_reference": "ICBC-R-1",
            "at": "2025-03-06T10:00:00+08:00",
            "reason": "AC04 account closed",
        },
    )
    assert r.status_code == 201, r.text
    bad = server.client.post(
        f"/payments/{grant_id}/acknowledgements",
        headers=server.token(*FIN),
        json={"status": "paid", "bank_reference": "X", "at": "2025-03-06T10:00:00+08:00"},
    )
    assert bad.status_code == 409
    april = run(server, "2025-04")
    assert (april["total"], april["re_issued"]) == ("1250.00", 0)
    [back] = april["waiting"]
    assert (back["kind"], back["payment_id"], back["amount"]) == ("returned", grant_id, "8000.00")
    assert "AC04 account closed" in back["why"]

    account(server, hid, ids[0], "6228480402564890018")
    may = run(server, "2025-05")
    assert (may["payments"], may["total"]) == (2, "9250.00")
    assert (may["re_issued"], may["re_issued_total"], may["waiting"]) == (1, "8000.00", [])
    [again] = [row for row in lines(server, may["run_id"]) if row["retry_of"]]
    assert (again["retry_of"], again["kind"], again["amount"]) == (grant_id, "grant", "8000.00")
    assert again["account_number"] == "6228480402564890018"
    june = run(server, "2025-06")
    assert (june["total"], june["re_issued"]) == ("1250.00", 0)

    history = server.client.get(f"/households/{hid}/payments", headers=server.token(*CW))
    assert history.status_code == 200, history.text
    body = history.json()
    by_id = {p["payment_id"]: p for p in body["payments"]}
    original = by_id[grant_id]
    assert (original["kind"], original["try"], original["status"]) == ("grant", 1, "returned")
    assert original["re_issued_by"] == again["payment_id"]
    assert [(a["status"], a["reason"]) for a in original["answers"]] == [
        ("returned", "AC04 account closed")
    ]
    reissue = by_id[again["payment_id"]]
    assert (reissue["try"], reissue["original"], reissue["retry_of"]) == (2, grant_id, grant_id)
    assert "account_number" not in reissue and reissue["account_masked"].endswith("0018")
    [grant] = body["grants"]
    assert (grant["grant_id"], grant["amount"], grant["paid_by"]) == (
        grant_id,
        "8000.00",
        again["payment_id"],
    )
    assert [a["account_masked"][-4:] for a in body["accounts"]] == ["3445", "0018"]
    assert (body["owed_again"], body["waiting"]) == ("0.00", [])
    whole = server.client.get(f"/households/{hid}/payments", headers=server.token(*FIN)).json()
    assert whole["accounts"][-1]["account_number"] == "6228480402564890018"
    trail = server.client.get(
        "/audit/data-access", params={"household_id": hid}, headers=server.token(*AUDITOR)
    ).json()
    assert [(t["role"], t["path"]) for t in trail][:2] == [
        ("finance", f"/households/{hid}/payments"),
        ("caseworker", f"/households/{hid}/payments"),
    ]  # a personal-data read (PIPL), logged

    for report in (feb, march, april, may, june):
        rec = server.client.get(
            f"/payment-runs/{report['run_id']}/reconciliation", headers=server.token(*AUDITOR)
        ).json()
        assert rec["balanced"] and all(rec["checks"].values()), rec
    rec = server.client.get(
        f"/payment-runs/{march['run_id']}/reconciliation", headers=server.token(*FIN)
    ).json()
    assert rec["grants"] == {"payments": 1, "amount": "8000.00"}
    assert rec["returned"] == {"payments": 1, "amount": "8000.00"}
    assert rec["re_issued"] == {"payments": 1, "amount": "8000.00"}
    assert rec["owed_again"] == {"payments": 0, "amount": "0.00"}
    assert rec["outstanding"] == {"payments": 1, "amount": "1250.00"}
    assert rec["gross"] == "9250.00" and rec["recovered"] == "0.00"


def test_a_reason_is_only_for_a_return_and_nothing_is_recorded_otherwise(server):
    """A reason with a `paid` answer, or one over 200 characters, is refused naming
    `reason` (422); the payment stays scheduled."""
    hid, ids = register(server, members=1)
    account(server, hid, ids[0], "6222020200112233445")
    approve_dibao(server, hid, "2025-02-01", "0")
    feb = run(server, "2025-02")
    [line] = lines(server, feb["run_id"])
    url = f"/payments/{line['payment_id']}/acknowledgements"
    body = {"status": "paid", "bank_reference": "B", "at": "2025-02-06T10:00:00+08:00"}
    r = server.client.post(url, headers=server.token(*FIN), json={**body, "reason": "AC04"})
    assert r.status_code == 422 and r.json()["field"] == "reason", r.text
    r = server.client.post(
        url, headers=server.token(*FIN), json={**body, "status": "returned", "reason": "x" * 201}
    )
    assert r.status_code == 422 and r.json()["field"] == "reason", r.text
    [after] = lines(server, feb["run_id"])
    assert after["status"] == "scheduled"
