"""Subsidy and grant applications over HTTP (POLICY ch. 4, ch. 5): exact amounts, and bad
details refused naming the field with nothing recorded."""

from __future__ import annotations

from tests.e2e.test_http import AP, CW, approve_dibao, events, register


def submit(server, hid, programme, effective_from, details=None, member_id=None):
    return server.client.post(
        f"/households/{hid}/applications",
        headers=server.token(*CW),
        json={
            "programme": programme,
            "effective_from": effective_from,
            "member_id": member_id,
            "details": details or {},
        },
    )


def determine(server, hid, app_id):
    return server.client.post(
        f"/households/{hid}/applications/{app_id}/determination",
        headers=server.token(*AP),
        json={"decision": "approve", "reason": "核实"},
    )


def granted(server, hid, programme, effective_from, details=None, member_id=None):
    r = submit(server, hid, programme, effective_from, details, member_id)
    assert r.status_code == 201, r.text
    r = determine(server, hid, r.json()["application_id"])
    assert r.status_code == 200, r.text
    return r.json()["entitlements"][0]


def test_bad_disaster_details_are_422_naming_the_field_and_record_nothing(server):
    """§28: persons and days must be whole numbers of 1 or more (a negative count once
    recorded a grant of -50,000.00, text gave a 500): 422 naming the field, no event."""
    hid, _ = register(server, members=1)
    before = len(events(server, hid))
    for details, field in (
        ({"loss": "death_or_missing", "persons": -2}, "details.persons"),
        ({"loss": "death_or_missing", "persons": "abc"}, "details.persons"),
        ({"loss": "death_or_missing", "persons": 2.7}, "details.persons"),
        ({"loss": "transitional_living", "persons": 2, "days": 0}, "details.days"),
        ({"loss": "house_damaged", "disaster_on": "2030-01-01"}, "details.disaster_on"),
    ):
        r = submit(
            server, hid, "disaster_relief", "2025-07-21", {"disaster_on": "2025-07-20", **details}
        )
        assert r.status_code == 422, (details, r.text)
        assert r.json()["error"] == "invalid_input"
        assert r.json()["field"] == field
    r = submit(server, hid, "renovation_grant", "2025-07-21", {"requested": "0"})
    assert r.status_code == 422 and r.json()["field"] == "details.requested"
    assert len(events(server, hid)) == before


def test_subsidies_and_grants_over_http(server):
    """An urban dibao household (2025-01-01) over HTTP: §12 rent 0.5 x 2,400 = 1200.00 a
    month, 0.35 refused 400 (below 40%) and 1.5 refused 422 (more than the rent), neither
    recorded; §11 education aid for the child named in details.member_id, university
    5000.00; §28 death or missing of 2 persons on 2025-07-20: 2 x 25,000 = 50000.00, the
    same again 409. In the history a grant's figure is its one-off `amount`, with
    `monthly_amount` null."""
    hid, [_, child] = register(server, members=2)
    approve_dibao(server, hid, "2025-01-01", "0")
    rent = granted(
        server,
        hid,
        "rent_subsidy",
        "2025-02-01",
        {"tier_ratio": "0.5", "average_market_rent": "2400"},
    )
    assert rent == {"programme": "rent_subsidy", "monthly_amount": "1200.00"}

    r = submit(
        server,
        hid,
        "rent_subsidy",
        "2025-03-01",
        {"tier_ratio": "1.5", "average_market_rent": "2400"},
    )
    assert r.status_code == 422 and r.json()["field"] == "details.tier_ratio"
    r = submit(
        server,
        hid,
        "rent_subsidy",
        "2025-03-01",
        {"tier_ratio": "0.35", "average_market_rent": "2400"},
    )
    assert r.status_code == 201
    before = len(events(server, hid))
    r = determine(server, hid, r.json()["application_id"])
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "details.tier_ratio" and r.json()["error"] == "policy_rule"
    assert len(events(server, hid)) == before

    aid = granted(
        server,
        hid,
        "education_aid",
        "2025-09-01",
        {"school_year": "2025-2026", "stage": "university", "member_id": child},
    )
    assert aid["member_id"] == child and aid["amount"] == "5000.00"

    details = {"disaster_on": "2025-07-20", "loss": "death_or_missing", "persons": 2}
    relief = granted(server, hid, "disaster_relief", "2025-07-21", details)
    assert relief["amount"] == "50000.00" and "monthly_amount" not in relief
    r = submit(server, hid, "disaster_relief", "2025-07-22", details)
    before = len(events(server, hid))
    r = determine(server, hid, r.json()["application_id"])
    assert r.status_code == 409 and r.json()["field"] == "details.loss"
    assert len(events(server, hid)) == before

    history = server.client.get(
        f"/households/{hid}/entitlements/history", headers=server.token(*AP)
    ).json()
    amounts = {
        (row["programme"], row["monthly_amount"], row["amount"], row["cause"])
        for row in history
        if row["programme"] != "dibao"
    }
    assert amounts == {
        ("rent_subsidy", "1200.00", None, "determination"),
        ("education_aid", None, "5000.00", "grant"),
        ("disaster_relief", None, "50000.00", "grant"),
    }
