"""A schema-driven fuzz run of the whole HTTP API (schemathesis, bounded): generated
requests for every operation, with a token of a role that may use it and, for half of
them, the ids of a real household, never get a 500. One call in three has a NUL put into
one string of its body, and so has each string of a few valid writes in turn (schemathesis
may draw a NUL, but ten examples rarely do, and a generated body is nearly always refused
for something else first). Afterwards /health must still say the views are fine and a
household still reads: an accepted NUL used to stop every view on PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.e2e.test_access_control import ALLOWED
from tests.e2e.test_http import CW, approve_dibao, register
from tests.helpers import id_number

# Writes that pass validation as they are, so a NUL put into one of their strings is the
# only thing wrong with them (generated bodies nearly always fail on something else first).
VALID = {
    "/households": {
        "region_code": "330402",
        "residence": "urban",
        "address": "南湖路1号",
        "registered_on": "2025-01-01",
    },
    "/households/{household_id}/members": {
        "name": "张三",
        "id_number": "",
        "relation": "spouse",
        "birth_on": "1980-05-17",
    },
}


def with_nul(value: Any, which: int) -> Any:
    """`value` with a NUL in the middle of its `which`-th string (counting round)."""
    strings: list[str] = []

    def walk(item: Any, put: bool) -> Any:
        if isinstance(item, str):
            strings.append(item)
            if put and len(strings) - 1 == which % count:
                return item[: len(item) // 2] + "\x00" + item[len(item) // 2 :]
            return item
        if isinstance(item, dict):
            return {key: walk(inner, put) for key, inner in item.items()}
        if isinstance(item, list):
            return [walk(inner, put) for inner in item]
        return item

    walk(value, False)
    count = len(strings)
    if count == 0:
        return value
    strings.clear()
    return walk(value, True)


def fuzz(
    server: Any, operation: Any, headers: dict[str, str], known: dict[str, str], failures: list[Any]
) -> int:
    calls = 0

    @settings(
        max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy())
    def call(case: Any) -> None:
        nonlocal calls
        calls += 1
        if case.path_parameters and calls % 2 == 0:
            for name in list(case.path_parameters):
                if name in known:
                    case.path_parameters[name] = known[name]
        body = case.body if isinstance(case.body, dict | list) else None
        if calls % 3 == 0:
            body = with_nul(body, calls // 3)
        response = server.client.request(
            case.method, case.formatted_path, params=case.query, json=body, headers=headers
        )
        if response.status_code >= 500:
            failures.append(
                (case.method, case.formatted_path, body, response.status_code, response.text[:200])
            )

    call()
    return calls


def test_no_operation_answers_500(server):
    hid, ids = register(server, members=2)
    app_id = approve_dibao(server, hid, "2025-01-01", "0")
    known = {"household_id": hid, "member_id": ids[0], "application_id": app_id}
    schema = schemathesis.openapi.from_dict(server.client.get("/openapi.json").json())
    failures: list[Any] = []
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        roles = ALLOWED.get((operation.method.upper(), operation.path), {"auditor"})
        calls += fuzz(server, operation, server.token("fuzzer", sorted(roles)[0]), known, failures)
    for path, valid in VALID.items():
        strings = [k for k, v in valid.items() if isinstance(v, str)]
        for which in range(len(strings)):
            body = with_nul(valid | {"id_number": id_number()}, which)
            r = server.client.post(path.format(**known), json=body, headers=server.token(*CW))
            calls += 1
            if r.status_code >= 500 or r.status_code < 300:
                failures.append(("POST", path, body, r.status_code, r.text[:200]))
    assert calls > 200
    assert failures == []
    time.sleep(2)  # the background catch-up has had its turn at whatever was recorded
    health = server.client.get("/health").json()
    assert health["status"] == "ok", health
    r = server.client.get(f"/households/{hid}/entitlements", headers=server.token(*CW))
    assert r.status_code == 200
