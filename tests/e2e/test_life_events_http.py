"""POLICY ch. 15 over HTTP: one person, one place and life events as proposals."""

from __future__ import annotations

from tests.e2e.test_http import AP, CW, register
from tests.helpers import id_number

AP2 = ("approver-zhao", "approver")


def test_one_person_one_place_is_409_naming_the_county_only(server):
    """An ID number in a 南湖区 household is refused in another (409, field id_number,
    the county named, no household id, no number); nothing is recorded."""
    first, _ = register(server, members=0, region="330402")
    second, _ = register(server, members=0, region="330411")
    number = id_number()
    cw = server.token(*CW)
    body = {"name": "王五", "id_number": number, "relation": "head", "birth_on": "1980-05-17"}
    assert (
        server.client.post(f"/households/{first}/members", headers=cw, json=body).status_code == 201
    )
    r = server.client.post(f"/households/{second}/members", headers=cw, json=body)
    assert r.status_code == 409, r.text
    answer = r.json()
    assert answer["error"] == "conflict" and answer["field"] == "id_number"
    assert "南湖区 330402" in answer["message"]
    assert first not in r.text and number not in r.text
    assert server.client.get(f"/households/{second}", headers=cw).json()["members"] == []


def test_a_death_reported_then_confirmed_by_another_approver(server):
    """A caseworker reports a death on 2025-05-10; the reporter may not decide it (403);
    bad input is 422 naming the field; an approver confirms: the member leaves from
    2025-05-11; a second decision is 409 naming the state; the list and the history show
    the events."""
    hid, ids = register(server, members=2)
    cw, ap = server.token(*CW), server.token(*AP)
    url = f"/households/{hid}/members/{ids[1]}/life-events"
    bad = server.client.post(
        url, headers=cw, json={"kind": "divorce", "on": "2025-05-10", "source": "x"}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    bad = server.client.post(url, headers=cw, json={"kind": "death", "on": "2025-05-10"})
    assert bad.status_code == 422 and bad.json()["field"] == "source"
    assert server.client.get(f"/households/{hid}/life-events", headers=cw).json() == []
    r = server.client.post(
        url, headers=cw, json={"kind": "death", "on": "2025-05-10", "source": "民政局殡葬管理所"}
    )
    assert r.status_code == 201, r.text
    event_id = r.json()["event_id"]
    decision = f"/households/{hid}/life-events/{event_id}/decision"
    # The reporter as an approver (same name, another role) may not decide it.
    own = server.client.post(
        decision,
        headers=server.token(CW[0], "approver"),
        json={"decision": "confirm", "reason": "核实"},
    )
    assert own.status_code == 403, own.text
    assert own.json()["error"] == "separation_of_duties"
    assert (
        server.client.post(
            decision, headers=cw, json={"decision": "confirm", "reason": "x"}
        ).status_code
        == 403
    )
    bad = server.client.post(decision, headers=ap, json={"decision": "maybe", "reason": "x"})
    assert bad.status_code == 422 and bad.json()["field"] == "decision"
    r = server.client.post(
        decision, headers=ap, json={"decision": "confirm", "reason": "死亡证明核实"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "confirmed" and r.json()["effective_from"] == "2025-05-11"
    again = server.client.post(
        decision, headers=server.token(*AP2), json={"decision": "reject", "reason": "x"}
    )
    assert again.status_code == 409 and "confirmed" in again.json()["message"]
    household = server.client.get(f"/households/{hid}", headers=cw).json()
    left = {m["member_id"]: m["left_on"] for m in household["members"]}
    assert left == {ids[0]: None, ids[1]: "2025-05-11"}
    [listed] = server.client.get(f"/households/{hid}/life-events", headers=ap).json()
    assert (listed["kind"], listed["on"], listed["state"], listed["reported_by"]) == (
        "death",
        "2025-05-10",
        "confirmed",
        CW[0],
    )
    types = [e["type"] for e in server.client.get(f"/households/{hid}/events", headers=cw).json()]
    assert types[-3:] == ["LifeEventReported", "MemberChanged", "LifeEventConfirmed"]
