"""The working-day calendar over HTTP (POLICY ch. 14) against a running server: the
standards administrator marks a day, other roles may not, bad input names its field,
and the year's listing shows the mark and the working days per month."""

from __future__ import annotations

ADMIN = ("admin-chen", "standards_admin")
CW = ("caseworker-li", "caseworker")
BASIS = "嘉政办发〔2027〕1号 补充安排"


def test_mark_a_day_and_list_the_year(server):
    """Saturday 2027-02-06 marked a make-up working day (201), the same again (200);
    2027-02 then has 20 weekdays + 1 = 21 working days (2027 has no seeded days)."""
    admin = server.token(*ADMIN)
    body = {"day": "2027-02-06", "working": True, "basis": BASIS}
    r = server.client.post("/calendar/days", headers=admin, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["recorded"] is True and r.json()["actor"] == "admin-chen"
    assert r.json()["weekday"] == "Saturday"
    again = server.client.post("/calendar/days", headers=admin, json=body)
    assert again.status_code == 200, again.text
    assert again.json()["recorded"] is False
    assert again.json()["version"] == r.json()["version"]

    r = server.client.get("/calendar", params={"year": 2027}, headers=server.token(*CW))
    assert r.status_code == 200, r.text
    listed = r.json()
    assert [d["day"] for d in listed["days"]] == ["2027-02-06"]
    assert listed["days"][0]["basis"] == BASIS and listed["days"][0]["actor"] == "admin-chen"
    assert listed["working_days"]["2027-02"] == 21


def test_the_seeded_year_is_listed(server):
    """2026: the State Council's days are seeded; February has 16 working days (20
    weekdays, 6 of them Spring Festival holidays, 2 make-up Saturdays)."""
    r = server.client.get("/calendar", params={"year": 2026}, headers=server.token(*CW))
    assert r.status_code == 200, r.text
    days = {d["day"]: d for d in r.json()["days"]}
    assert days["2026-02-14"]["working"] is True
    assert days["2026-02-16"]["working"] is False
    assert days["2026-02-16"]["actor"] == "system:seed"
    assert days["2026-02-16"]["basis"].startswith("PARAM:")
    assert r.json()["working_days"]["2026-02"] == 16


def test_only_the_standards_administrator_marks_days(server):
    body = {"day": "2027-02-06", "working": True, "basis": BASIS}
    r = server.client.post("/calendar/days", headers=server.token(*CW), json=body)
    assert r.status_code == 403, r.text


def test_bad_input_names_the_field(server):
    admin = server.token(*ADMIN)
    for body, field in (
        ({"day": "2027-02-30", "working": True, "basis": BASIS}, "day"),
        ({"day": "2027-02-06", "working": "yes", "basis": BASIS}, "working"),
        ({"day": "2027-02-06", "working": True, "basis": ""}, "basis"),
        ({"day": "2027-02-06", "working": True, "basis": "   "}, "basis"),
        ({"working": True, "basis": BASIS}, "day"),
    ):
        r = server.client.post("/calendar/days", headers=admin, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["field"] == field, (body, r.text)
    r = server.client.get("/calendar", params={"year": 1800}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "year"
