"""The rebuild's write shortcuts: merged version upserts and the COPY plans."""

from __future__ import annotations

from projections.interface import coalesced
from projections.postgres import copy_plan
from projections.sql import WRITES


def test_version_upserts_of_one_ledger_merge_as_applied_in_turn():
    """Applied in turn, the upsert keeps the last version and chain head, and the last
    household and run period given (COALESCE keeps the old one when a row has none)."""
    rows = [
        {
            "ledger_id": "a",
            "household_id": "h",
            "version": 1,
            "chain_head": "c1",
            "last_run_period": None,
        },
        {
            "ledger_id": "b",
            "household_id": "k",
            "version": 1,
            "chain_head": "d1",
            "last_run_period": None,
        },
        {
            "ledger_id": "a",
            "household_id": None,
            "version": 2,
            "chain_head": "c2",
            "last_run_period": "2025-01",
        },
        {
            "ledger_id": "a",
            "household_id": None,
            "version": 3,
            "chain_head": "c3",
            "last_run_period": None,
        },
    ]
    assert coalesced("ledger_version", rows) == [
        {
            "ledger_id": "a",
            "household_id": "h",
            "version": 3,
            "chain_head": "c3",
            "last_run_period": "2025-01",
        },
        {
            "ledger_id": "b",
            "household_id": "k",
            "version": 1,
            "chain_head": "d1",
            "last_run_period": None,
        },
    ]
    other = [{"payment_id": "p"}, {"payment_id": "p"}]
    assert coalesced("payment_ack", other) is other  # updates that add up stay as they are


def test_copy_plans_only_for_plain_inserts():
    plans = {kind: copy_plan(sqls) for kind, sqls in WRITES.items()}
    assert plans["payment"] is not None and plans["member_fact"] is not None
    # An upsert, an update, and an insert that looks up the region are left to executemany.
    assert plans["ledger_version"] is None
    assert plans["payment_ack"] is None
    assert plans["entitlement"] is None
    table, columns, values = plans["payment"]
    assert table == "ledger_payments"
    row = {c: f"<{c}>" for c in columns}
    got = dict(zip(columns, (value(row) for value in values), strict=True))
    assert got["status"] == "scheduled" and got["bank_reference"] is None
    assert got["payment_id"] == "<payment_id>"
