"""Medical bills and caps over HTTP (POLICY ch. 6, plan items 15-17)."""

from __future__ import annotations

from tests.e2e.test_http import AP, CW, approve_dibao, events, register


def post_bill(server, hid, member, self_paid, total=None, **extra):
    body = {
        "member_id": member,
        "service_on": "2025-03-01",
        "total": total or self_paid,
        "insurance_paid": "0",
        "self_paid": self_paid,
        **extra,
    }
    if total:
        body["insurance_paid"] = extra.pop("insurance_paid", None) or str(
            int(total) - int(self_paid)
        )
    return server.client.post(
        f"/households/{hid}/medical-bills", headers=server.token(*CW), json=body
    )


def test_person_cap_over_http_with_caps_view_and_fund(server):
    """§17 example 8: 18,000 then 15,000: the second keeps 12,000.00, relief 3,000.00; the
    caps view shows the person at 30,000.00 with 0.00 remaining, the household at
    30,000.00 of 50,000.00."""
    hid, [p] = register(server, members=1)
    first = post_bill(server, hid, p, "18000")
    assert first.status_code == 201, first.text
    assert (first.json()["kept"], first.json()["relief"]) == ("18000.00", "0.00")
    second = post_bill(server, hid, p, "15000")
    assert (second.json()["kept"], second.json()["relief"]) == ("12000.00", "3000.00")
    caps = server.client.get(
        f"/households/{hid}/medical-caps", params={"year": 2025}, headers=server.token(*AP)
    ).json()
    assert caps["household"] == {"paid": "30000.00", "cap": "50000.00", "remaining": "20000.00"}
    assert caps["members"][0]["paid"] == "30000.00"
    assert caps["members"][0]["remaining"] == "0.00"
    assert caps["relief_total"] == "3000.00"
    fund = server.client.get(
        "/medical/fund/relief",
        params={"year": 2025},
        headers=server.token("auditor-zhao", "auditor"),
    ).json()
    assert {"month": "2025-03", "region_code": "330402", "relief": "3000.00"} in fund
    types = [e["type"] for e in events(server, hid)]
    assert types.count("MedicalBillRecorded") == 2 and types.count("MedicalReliefGranted") == 1


def test_waiver_correction_and_cancellation_over_http(server):
    """§16 example 10 for a dibao member (1,950.00 waived off a 3,000 self-pay: 1,050.00
    counted), then a correction of the self-pay to 4,000 (2,050.00 counted) and a
    cancellation (nothing kept)."""
    hid, [p] = register(server, members=1)
    approve_dibao(server, hid, "2025-01-01", "0")
    items = [
        {"kind": "consultation", "amount": "50"},
        {"kind": "bed", "amount": "600"},
        {"kind": "nursing", "amount": "200"},
        {"kind": "surgery", "amount": "3000"},
        {"kind": "drugs", "amount": "2000"},
    ]
    body = {
        "member_id": p,
        "service_on": "2025-03-01",
        "total": "5850",
        "insurance_paid": "2850",
        "self_paid": "3000",
        "items": items,
        "payers": {"basic_insurance": "2000", "critical_illness_insurance": "850"},
        "settlement_number": "JX-2025-000123",
    }
    r = server.client.post(f"/households/{hid}/medical-bills", headers=server.token(*CW), json=body)
    assert r.status_code == 201, r.text
    assert (r.json()["waived"], r.json()["counted"], r.json()["kept"]) == (
        "1950.00",
        "1050.00",
        "1050.00",
    )
    bill_id = r.json()["bill_id"]
    again = server.client.post(
        f"/households/{hid}/medical-bills", headers=server.token(*CW), json=body
    )
    assert again.status_code == 409 and again.json()["field"] == "settlement_number"
    corrected = {
        **body,
        "insurance_paid": "1850",
        "self_paid": "4000",
        "payers": {"basic_insurance": "1850"},
        "reason": "结算更正",
    }
    r = server.client.put(
        f"/households/{hid}/medical-bills/{bill_id}", headers=server.token(*CW), json=corrected
    )
    assert r.status_code == 200, r.text
    assert (r.json()["counted"], r.json()["kept"]) == ("2050.00", "2050.00")
    r = server.client.delete(
        f"/households/{hid}/medical-bills/{bill_id}",
        headers=server.token(*CW),
        params={"reason": "误录"},
    )
    assert r.status_code == 200 and r.json()["cancelled"] is True
    assert r.json()["kept"] == "0.00"
    caps = server.client.get(
        f"/households/{hid}/medical-caps", params={"year": 2025}, headers=server.token(*AP)
    ).json()
    assert caps["household"]["paid"] == "0.00"


def test_bad_bills_are_refused_over_http_and_record_nothing(server):
    hid, [p] = register(server, members=1)
    before = len(events(server, hid))
    cases = [
        ({"total": "-1", "self_paid": "0"}, "total"),
        ({"total": "100", "self_paid": "150", "insurance_paid": "0"}, "self_paid"),
        ({"member_id": "no-such-member"}, "member_id"),
        ({"service_on": "2024-06-01"}, "service_on"),
        ({"total": "100.001"}, "total"),
    ]
    for change, field in cases:
        body = {
            "member_id": p,
            "service_on": "2025-03-01",
            "total": "100",
            "insurance_paid": "0",
            "self_paid": "100",
            **change,
        }
        r = server.client.post(
            f"/households/{hid}/medical-bills", headers=server.token(*CW), json=body
        )
        assert r.status_code in (404, 422), (change, r.text)
        assert r.json()["field"] == field, (change, r.json())
    assert len(events(server, hid)) == before


def test_move_over_http(server):
    """§6 (plan item 17), moving household: a person who kept 20,000 in household 1 moves
    on 2025-07-01 and carries {"2025": "20000.00"} (their kept self-pay of the cap year)
    into household 2, where they are now a member."""
    h1, [a] = register(server, members=1)
    h2, _ = register(server, members=1)
    assert post_bill(server, h1, a, "20000").status_code == 201
    r = server.client.post(
        f"/households/{h1}/members/{a}/move",
        headers=server.token(*CW),
        json={"to_household_id": h2, "effective_on": "2025-07-01"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["carried"] == {"2025": "20000.00"}
    r = server.client.get(f"/households/{h2}", headers=server.token(*AP))
    assert a in [m["member_id"] for m in r.json()["members"]]


def test_supervision_metrics(server):
    """METRIC §2 and §15 as of 2025-06-30, per county.

    - §2: the dibao standard is 15,000 in every county, met.
    - §15 coverage, 海盐 330424: total 10,000 with self-pay 1,000 -> (10,000 - 1,000) /
      10,000 = 0.9000, met; a bill served on 2025-07-01 is after the date and not counted;
      nobody there is over a cap, so no clearing rate (null).
    - §15 coverage not met, 平湖 330482: total 10,000 with self-pay 2,000 -> 0.8000.
    - §17 clearing, 海宁 330481, worked example 8: self-pay 18,000 then 15,000 -> relief
      3,000 of an excess of 3,000: 1.0000, met.
    - §15 subsidised enrolment: the one person of the dibao household in 330481 is due it;
      the enrolment is recorded by the bureau, not here -> actual null, with that basis.
    """
    hid, [p] = register(server, members=1, region="330424")
    assert post_bill(server, hid, p, "1000", total="10000").status_code == 201
    later = post_bill(server, hid, p, "9000", total="9000", service_on="2025-07-01")
    assert later.status_code == 201
    low, [q] = register(server, members=1, region="330482")
    assert post_bill(server, low, q, "2000", total="10000").status_code == 201
    over, [r8] = register(server, members=1, region="330481")
    approve_dibao(server, over, "2025-01-01", "0")  # no items: no §16 waiver
    assert post_bill(server, over, r8, "18000").status_code == 201
    assert post_bill(server, over, r8, "15000").json()["relief"] == "3000.00"
    r = server.client.get(
        "/supervision/metrics",
        params={"as_of": "2025-06-30"},
        headers=server.token("auditor-zhao", "auditor"),
    )
    assert r.status_code == 200
    found = {(m["metric"], m["region_code"]): m for m in r.json()["metrics"]}
    assert found[("dibao_standard_annual", "330424")]["met"] is True
    coverage = found[("medical_comprehensive_coverage_rate", "330424")]
    assert (coverage["actual"], coverage["met"]) == ("0.9000", True)
    clearing = found[("medical_over_cap_clearing_rate", "330424")]
    assert (clearing["actual"], clearing["met"]) == (None, None)
    coverage = found[("medical_comprehensive_coverage_rate", "330482")]
    assert (coverage["actual"], coverage["met"]) == ("0.8000", False)
    clearing = found[("medical_over_cap_clearing_rate", "330481")]
    assert (clearing["actual"], clearing["met"]) == ("1.0000", True)
    assert clearing["basis"].startswith("3000.00 of 3000.00 over the caps relieved")
    enrolment = found[("medical_subsidised_enrolment_rate", "330481")]
    assert (enrolment["actual"], enrolment["target"], enrolment["met"]) == (None, "1.0000", None)
    assert enrolment["basis"].startswith("1 persons of registered difficulty households")
    assert found[("medical_subsidised_enrolment_rate", "330482")]["basis"].startswith("0 persons")
    assert server.client.get("/supervision/metrics", headers=server.token(*CW)).status_code == 403


def test_reads_of_the_medical_caps_are_in_the_access_trail(server):
    """A household's medical caps are health data (sensitive personal information under
    PIPL): a read answered 200 is in the data-access trail with who, role and path."""
    hid, [p] = register(server, members=1)
    assert post_bill(server, hid, p, "100").status_code == 201
    path = f"/households/{hid}/medical-caps"
    assert (
        server.client.get(path, params={"year": 2025}, headers=server.token(*AP)).status_code == 200
    )
    trail = server.client.get(
        "/audit/data-access",
        params={"household_id": hid},
        headers=server.token("auditor-zhao", "auditor"),
    ).json()
    assert [(t["user_name"], t["role"], t["path"]) for t in trail] == [
        ("approver-wang", "approver", path)
    ]
