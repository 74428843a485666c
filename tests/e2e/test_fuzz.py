"""A schema-driven fuzz run of the whole HTTP API (schemathesis, bounded): generated
requests for every operation, with a token of a role that may use it and, for half of
them, the ids of a real household, never get a 500."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.e2e.test_access_control import ALLOWED
from tests.e2e.test_http import approve_dibao, register


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
    assert calls > 200
    assert failures == []
