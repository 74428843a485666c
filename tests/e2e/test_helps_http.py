"""Subsidy and grant applications over HTTP (POLICY.md §4, §5): exact amounts, and bad
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
