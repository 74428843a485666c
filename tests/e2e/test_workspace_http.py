"""The caseworker's workspace over HTTP (docs/WORKSPACE.md), on SQLite and PostgreSQL:
search by ID number, name and address, masked by role and in the PIPL access trail;
the responsible caseworker, reassigned by an approver only; my households and my
worklist."""

from __future__ import annotations

from tests.e2e.test_http import AP, CW, approve_dibao
from tests.helpers import id_number

AUDITOR = ("auditor-zhao", "auditor")
FINANCE = ("finance-zhou", "finance")


def _household(server, address, names, *, caseworker=None, region="330402001002"):
    body = {
        "region_code": region,
        "residence": "urban",
        "address": address,
        "registered_on": "2025-01-01",
    }
    if caseworker is not None:
        body["caseworker"] = caseworker
    r = server.client.post("/households", headers=server.token(*CW), json=body)
    assert r.status_code == 201, r.text
    hid = r.json()["household_id"]
    numbers = []
    for i, name in enumerate(names):
        numbers.append(id_number())
        r = server.client.post(
            f"/households/{hid}/members",
            headers=server.token(*CW),
            json={
                "name": name,
                "id_number": numbers[-1],
                "relation": "head" if i == 0 else "spouse",
                "birth_on": "1980-05-17",
            },
        )
        assert r.status_code == 201, r.text
    return hid, numbers


def _search(server, who, **params):
    r = server.client.get("/households/search", params=params, headers=server.token(*who))
    assert r.status_code == 200, r.text
    return r.json()


def test_search_masked_by_role_and_every_search_in_the_access_trail(server):
    h1, numbers = _household(server, "南湖路12号", ["张三", "李四"])
    h2, _ = _household(server, "中山路3号", ["张三丰"], region="330411")
    found = _search(server, CW, q=numbers[1])
    assert [i["household_id"] for i in found["items"]] == [h1]
    assert found["by"] == "id_number" and found["next"] is None
    [item] = found["items"]
    assert [m["id_number"] for m in item["members"]] == numbers  # whole for a caseworker
    assert item["matched"] == ["id_number"] and item["caseworker"] == CW[0]
    for who in (AUDITOR, FINANCE):
        [masked] = _search(server, who, q=numbers[1])["items"]
        assert [m["id_number"] for m in masked["members"]] == [
            n[:6] + "********" + n[-4:] for n in numbers
        ]
    assert [i["household_id"] for i in _search(server, AP, q="张三")["items"]] == [h1, h2]
    assert [i["household_id"] for i in _search(server, AP, q="张", region="330411")["items"]] == [
        h2
    ]
    assert [i["household_id"] for i in _search(server, CW, q="12号", by="address")["items"]] == [h1]
    page = _search(server, CW, q="张", limit=1)
    assert [i["household_id"] for i in page["items"]] == [h1] and page["next"]
    rest = _search(server, CW, q="张", limit=1, after=page["next"])
    assert [i["household_id"] for i in rest["items"]] == [h2] and rest["next"] is None
    assert _search(server, CW, q="王")["items"] == []

    trail = server.client.get(
        "/audit/data-access", params={"limit": 50}, headers=server.token(*AUDITOR)
    ).json()
    searches = [t for t in trail if t["path"].startswith("/households/search")]
    # Newest first: the search of 王 found nothing (a record without a household), the
    # ID number is recorded masked, never whole.
    assert (searches[0]["user_name"], searches[0]["household_id"]) == (CW[0], None)
    assert "q=%E7%8E%8B" in searches[0]["path"]  # 王
    by_id = [t for t in searches if "by=auto" in t["path"] and "%2A" in t["path"]]
    assert {(t["user_name"], t["role"], t["household_id"]) for t in by_id} == {
        (CW[0], "caseworker", h1),
        (AUDITOR[0], "auditor", h1),
        (FINANCE[0], "finance", h1),
    }
    assert not [t for t in trail if numbers[1] in t["path"]]
    mine = server.client.get(
        "/audit/data-access", params={"household_id": h2}, headers=server.token(*AUDITOR)
    ).json()
    assert {t["user_name"] for t in mine} == {AP[0], CW[0]}  # whoever saw it in a result


def test_bad_searches_answer_422_naming_the_field(server):
    cases = [
        ({"q": "330402198001010023"}, "q"),  # the check digit should be another
        ({"q": "张三", "by": "id_number"}, "q"),
        ({"q": "·"}, "q"),
        ({}, "q"),  # nothing asked
        ({"q": "张", "category": "rich"}, "category"),
        ({"q": "张", "programme": "lottery"}, "programme"),
        ({"q": "张", "stage": "late"}, "stage"),
        ({"q": "张", "region": "12345"}, "region"),
        ({"q": "张", "after": "abc"}, "after"),
        ({"q": "张", "limit": "0"}, "limit"),
        ({"q": "张" * 101}, "q"),
    ]
    for params, field in cases:
        r = server.client.get("/households/search", params=params, headers=server.token(*CW))
        assert r.status_code == 422, (params, r.text)
        assert r.json()["field"] == field, (params, r.json())
    r = server.client.get("/households/search", params={"q": "张"}, headers=server.token(*CW))
    assert r.status_code == 200 and r.json()["items"] == []


def test_only_an_approver_reassigns_and_my_households_and_worklist_follow(server):
    h1, _ = _household(server, "禾兴路1号", ["钱一"])
    h2, _ = _household(server, "禾兴路2号", ["孙二"], caseworker="caseworker-zhao")
    approve_dibao(server, h1, "2025-01-01", "0")
    zhao = ("caseworker-zhao", "caseworker")

    def mine(who):
        r = server.client.get("/me/households", headers=server.token(*who))
        assert r.status_code == 200, r.text
        return [i["household_id"] for i in r.json()["items"]]

    assert mine(CW) == [h1] and mine(zhao) == [h2]
    url = f"/households/{h1}/caseworker"
    body = {"caseworker": "caseworker-zhao", "on": "2025-06-01", "reason": "片区调整"}
    refused = server.client.post(url, headers=server.token(*CW), json=body)
    assert refused.status_code == 403, refused.text
    assert mine(CW) == [h1]
    bad = server.client.post(url, headers=server.token(*AP), json={**body, "caseworker": ""})
    assert bad.status_code == 422 and bad.json()["field"] == "caseworker"
    done = server.client.post(url, headers=server.token(*AP), json=body)
    assert done.status_code == 200, done.text
    assert done.json() == {"household_id": h1, "caseworker": "caseworker-zhao", "recorded": True}
    again = server.client.post(url, headers=server.token(*AP), json=body)
    assert again.json()["recorded"] is False
    earlier = server.client.post(
        url, headers=server.token(*AP), json={**body, "caseworker": CW[0], "on": "2025-05-01"}
    )
    assert earlier.status_code == 409 and earlier.json()["field"] == "on"
    assert mine(CW) == [] and mine(zhao) == [h1, h2]
    household = server.client.get(f"/households/{h1}", headers=server.token(*AUDITOR)).json()
    assert household["caseworker"] == "caseworker-zhao"
    events = server.client.get(f"/households/{h1}/events", headers=server.token(*AP)).json()
    assert events[-1]["type"] == "CaseworkerAssigned" and events[-1]["actor"] == AP[0]
    data = events[-1]["data"]
    assert (data["caseworker"], data["previous"], data["reason"]) == (
        "caseworker-zhao",
        CW[0],
        "片区调整",
    )

    # h1 is dibao from 2025-01-01 without a visit: its quarterly §30 visit was due on
    # 2025-04-01, three months after; on 2025-12-15 it is overdue and heads the list.
    r = server.client.get("/me/worklist", params={"on": "2025-12-15"}, headers=server.token(*zhao))
    assert r.status_code == 200, r.text
    work = r.json()
    assert work["households"] == 2 and work["items"]
    first = work["items"][0]
    assert (first["kind"], first["household_id"], first["due_on"], first["overdue"]) == (
        "visit",
        h1,
        "2025-04-01",
        True,
    )
    assert first["head"] == "钱一"
    dues = [i["due_on"] for i in work["items"]]
    assert dues == sorted(dues)
    assert server.client.get("/me/worklist", headers=server.token(*AUDITOR)).status_code == 403
    assert server.client.get("/me/households", headers=server.token(*FINANCE)).status_code == 403
    trail = server.client.get(
        "/audit/data-access", params={"household_id": h1}, headers=server.token(*AUDITOR)
    ).json()
    assert ("caseworker-zhao", "/me/worklist?on=2025-12-15&days=30") in {
        (t["user_name"], t["path"]) for t in trail
    }
