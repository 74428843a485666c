"""Signed checkpoints without a database (docs/CHECKPOINTS.md): the Merkle root against
RFC 6962's recursive definition, the signature over the canonical document, and the
comparison of a checkpoint with the log's rows (deleted, rewritten, re-inserted and
inserted events, missing streams)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.calendar import WorkCalendar
from domain.checkpoint import (
    Leaf,
    Logged,
    compare,
    make_document,
    merkle_root,
    read_document,
)


def rfc6962(leaves: list[bytes]) -> bytes:
    """RFC 6962's Merkle Tree Hash as the RFC defines it: split at the largest power
    of two below n."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + rfc6962(leaves[:k]) + rfc6962(leaves[k:])).digest()


def leaf(n: int, version: int = 1) -> Leaf:
    return Leaf(str(UUID(int=n)), version, hashlib.sha256(str(n).encode()).hexdigest())


def encoded(item: Leaf) -> bytes:
    return json.dumps(item.as_dict(), sort_keys=True, separators=(",", ":")).encode()


@pytest.mark.parametrize("n", range(18))
def test_the_root_is_rfc_6962_s_tree_hash_odd_leaves_carried_up(n):
    """Level by level, a lone last node carried up unchanged: the same root as RFC 6962's
    recursive split, for every count from none to 17 (odd ones included)."""
    leaves = [leaf(i) for i in range(n)]
    assert merkle_root(leaves) == rfc6962([encoded(x) for x in leaves]).hex()


def test_three_leaves_by_hand():
    """Three leaves: root = H(0x01 || H(0x01 || h0 || h1) || h2), h2 carried up."""
    a, b, c = (leaf(i) for i in range(3))
    h = [hashlib.sha256(b"\x00" + encoded(x)).digest() for x in (a, b, c)]
    left = hashlib.sha256(b"\x01" + h[0] + h[1]).digest()
    assert merkle_root([a, b, c]) == hashlib.sha256(b"\x01" + left + h[2]).hexdigest()


KEY = Ed25519PrivateKey.generate()


def signed(leaves, position=10):
    return make_document(
        leaves,
        position=position,
        created_at=datetime(2025, 6, 1, tzinfo=UTC),
        backend="sqlite",
        private_key=KEY,
    )


def test_a_document_changed_after_signing_fails_its_signature():
    document = signed([leaf(2, 3), leaf(1, 5)])
    assert [x["stream_id"] for x in document["leaves"]] == [str(UUID(int=1)), str(UUID(int=2))]
    assert document["events"] == 8 and document["streams"] == 2
    assert read_document(document, KEY.public_key()).findings == []
    for change in (
        {"root": "0" * 64},
        {"position": 11},
        {"leaves": [{**document["leaves"][0], "version": 4}, document["leaves"][1]]},
    ):
        kinds = [f.kind for f in read_document({**document, **change}, None).findings]
        assert "signature" in kinds, change
    other = Ed25519PrivateKey.generate()
    [finding] = read_document(document, other.public_key()).findings
    assert finding.kind == "signature" and "not the auditors' key" in finding.reason


def calendar_rows(versions: int, start_id: int = 1, region: str = "330400") -> tuple[UUID, list]:
    """A real chained stream (a working-day calendar: opened, then days marked), as log
    rows from position `start_id` on."""
    calendar = WorkCalendar.open(region_code=region)
    for n in range(versions - 1):
        calendar.mark(date(2025, 6, 2 + n), False, "test", "auditor")
    events = calendar.collect_events()
    return calendar.id, [
        Logged(start_id + i, e.originator_version, e) for i, e in enumerate(events)
    ]


def test_compare_reports_each_change_with_its_stream_and_version():
    stream, rows = calendar_rows(6)
    head = rows[-1].event
    checkpoint = read_document(signed([Leaf(str(stream), 6, head.chain)], position=6), None)
    assert [f.kind for f in compare(checkpoint, {stream: rows})] == ["unrecorded"]

    def kinds(log):
        return sorted(
            (f.kind, f.version) for f in compare(checkpoint, log) if f.kind != "unrecorded"
        )

    # Versions 3 and 4 deleted: reported once as a range; the root no longer holds.
    gone = [r for r in rows if r.version not in (3, 4)]
    [deleted] = [f for f in compare(checkpoint, {stream: gone}) if f.kind == "deleted"]
    assert (deleted.version, deleted.to_version) == (3, 4)
    assert kinds({stream: gone}) == [("deleted", 3), ("root", None)]
    # The whole stream gone.
    assert kinds({}) == [("missing_stream", 1), ("root", None)]
    # Version 2's content changed, its stored chain kept.
    changed = replace(rows[1].event, basis="forged")
    log = {stream: [rows[0], replace(rows[1], event=changed), *rows[2:]]}
    assert kinds(log) == [("rewritten", 2), ("root", None)]
    # A row that no longer decodes.
    log = {stream: [rows[0], replace(rows[1], event=None), *rows[2:]]}
    assert kinds(log) == [("rewritten", 2), ("root", None)]
    # Version 5 removed and written again: it sits after the checkpoint's position.
    log = {stream: [*rows[:4], replace(rows[4], id=9), rows[5]]}
    assert kinds(log) == [("reinserted", 5)]
    # A stream the checkpoint does not cover, at a position it covers: inserted since.
    other, more = calendar_rows(1, start_id=4, region="330402")
    assert kinds({stream: rows, other: more}) == [("inserted", 1)]
    # Later events (after the position) are not covered and fail nothing.
    later, after = calendar_rows(2, start_id=7, region="330411")
    assert kinds({stream: rows, later: after}) == []
