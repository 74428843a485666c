"""Signed checkpoints (docs/CHECKPOINTS.md): a Merkle root over every stream's head and
the notification log's position, signed with an Ed25519 key that the database does not
hold, and the comparison of a checkpoint with the events themselves.

A checkpoint is a JSON document. Its leaves are the streams' heads (stream id, version,
chain hash) in stream-id order; the root is RFC 6962's Merkle Tree Hash over them; the
signature covers the canonical JSON of the whole document but its `signature`. What a
checkpoint covers is each stream's events up to its version, all of which sat at or
before `position` in the log: `compare` recomputes each stream's chain from the events
up to that version (never from the heads table, which a superuser can lower) and reports
what was deleted, rewritten, re-inserted or inserted since.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain.chain import GENESIS, Chained, ChainedEvent, digest
from domain.chain import event_content as chained_content

FORMAT = "jiaxing-ledger-checkpoint/1"
HASH = "sha256"
LEAF_PREFIX = b"\x00"  # RFC 6962, section 2.1: a leaf's hash input starts with 0x00
NODE_PREFIX = b"\x01"  # and an inner node's with 0x01


def canonical(value: Any) -> bytes:
    """The one serialisation that is hashed or signed: JSON with keys sorted, no
    whitespace, ASCII only (every value of a checkpoint is an ASCII string, an integer,
    a list or an object), which is also RFC 8785's output for such values."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text.encode("ascii")


@dataclass(frozen=True, order=True)
class Leaf:
    """One stream's head: its id (lowercase, hyphenated), its last version and the
    chain of the event at that version (64 lowercase hex digits)."""

    stream_id: str
    version: int
    chain: str

    def as_dict(self) -> dict[str, Any]:
        return {"stream_id": self.stream_id, "version": self.version, "chain": self.chain}

    def hash(self) -> bytes:
        return hashlib.sha256(LEAF_PREFIX + canonical(self.as_dict())).digest()


def merkle_root(leaves: Sequence[Leaf]) -> str:
    """RFC 6962's Merkle Tree Hash, built level by level: pairs are hashed as
    SHA-256(0x01 || left || right); a level's last node without a partner is carried up
    to the next level unchanged (never duplicated). No leaves: SHA-256 of nothing."""
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    level = [leaf.hash() for leaf in leaves]
    while len(level) > 1:
        paired = [
            hashlib.sha256(NODE_PREFIX + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()


def public_key_hex(key: Ed25519PublicKey) -> str:
    """The key's 32 raw bytes (RFC 8032) in lowercase hex."""
    return key.public_bytes_raw().hex()


def signed_bytes(document: Mapping[str, Any]) -> bytes:
    """What the signature covers: the document without its `signature`, canonical."""
    return canonical({k: v for k, v in document.items() if k != "signature"})


def make_document(
    leaves: Iterable[Leaf],
    *,
    position: int,
    created_at: datetime,
    backend: str,
    private_key: Ed25519PrivateKey,
) -> dict[str, Any]:
    ordered = sorted(leaves)
    document: dict[str, Any] = {
        "format": FORMAT,
        "hash": HASH,
        "created_at": created_at.isoformat(timespec="seconds"),
        "backend": backend,
        "position": position,
        "streams": len(ordered),
        "events": sum(leaf.version for leaf in ordered),
        "leaves": [leaf.as_dict() for leaf in ordered],
        "root": merkle_root(ordered),
        "public_key": public_key_hex(private_key.public_key()),
    }
    document["signature"] = private_key.sign(signed_bytes(document)).hex()
    return document


@dataclass(frozen=True)
class Finding:
    """What a checkpoint check found: `kind` is one of signature, file, missing_stream,
    deleted, rewritten, reinserted, inserted, root, unrecorded."""

    kind: str
    reason: str
    stream_id: str | None = None
    version: int | None = None
    to_version: int | None = None

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"kind": self.kind, "reason": self.reason}
        if self.stream_id is not None:
            found["stream_id"] = self.stream_id
        if self.version is not None:
            found["version"] = self.version
        if self.to_version is not None:
            found["to_version"] = self.to_version
        return found


@dataclass
class Checkpoint:
    """A checkpoint file read back, and what checking the file alone found."""

    document: dict[str, Any]
    leaves: list[Leaf] = field(default_factory=list)
    position: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def root(self) -> str:
        return str(self.document.get("root", ""))


def _leaves(document: Mapping[str, Any], findings: list[Finding]) -> list[Leaf]:
    leaves: list[Leaf] = []
    raw = document.get("leaves")
    if not isinstance(raw, list):
        findings.append(Finding("file", "the checkpoint has no list of leaves"))
        return leaves
    for n, item in enumerate(raw):
        try:
            leaf = Leaf(str(UUID(item["stream_id"])), item["version"], item["chain"])
            ok = (
                leaf.stream_id == item["stream_id"]
                and type(leaf.version) is int
                and leaf.version >= 1
                and len(leaf.chain) == 64
                and all(c in "0123456789abcdef" for c in leaf.chain)
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            ok = False
        if not ok:
            findings.append(Finding("file", f"leaf {n} is not a stream id, version and chain"))
            continue
        if leaves and leaf.stream_id <= leaves[-1].stream_id:
            findings.append(Finding("file", f"leaf {n} is out of stream-id order", leaf.stream_id))
        leaves.append(leaf)
    return leaves


def read_document(document: Any, public_key: Ed25519PublicKey | None) -> Checkpoint:
    """Check the file alone: its format, its leaves, that they give its root, and its
    signature, by `public_key` (the auditors' own copy) or else by the key the file
    names (which proves only that the file is whole, not who signed it)."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return Checkpoint({}, findings=[Finding("file", f"not a {FORMAT} document")])
    findings: list[Finding] = []
    leaves = _leaves(document, findings)
    position = document.get("position")
    if type(position) is not int or position < 0:
        findings.append(Finding("file", "position is not a whole number"))
        position = 0
    if merkle_root(leaves) != document.get("root"):
        findings.append(
            Finding(
                "file",
                f"the checkpoint's leaves give the root {merkle_root(leaves)}, "
                f"not its recorded root {document.get('root')}",
            )
        )
    findings += _signature(document, public_key)
    return Checkpoint(document, leaves, position, findings)


def _signature(document: Mapping[str, Any], public_key: Ed25519PublicKey | None) -> list[Finding]:
    named = str(document.get("public_key", ""))
    if public_key is not None and named != public_key_hex(public_key):
        return [
            Finding(
                "signature",
                f"the checkpoint names the key {named}, not the auditors' key "
                f"{public_key_hex(public_key)}",
            )
        ]
    try:
        key = public_key or Ed25519PublicKey.from_public_bytes(bytes.fromhex(named))
        key.verify(bytes.fromhex(str(document.get("signature", ""))), signed_bytes(document))
    except (InvalidSignature, ValueError):
        return [
            Finding(
                "signature",
                "the signature does not hold: the checkpoint was changed after it was signed",
            )
        ]
    return []


@dataclass(frozen=True)
class Logged:
    """One row of the notification log: its position, its stream's version, and the
    event decoded (None: the row no longer decodes)."""

    id: int
    version: int
    event: Any | None


def _ranges(versions: list[int]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for v in versions:
        if found and found[-1][1] == v - 1:
            found[-1] = (found[-1][0], v)
        else:
            found.append((v, v))
    return found


def _digest(previous: str, event: Any) -> str:
    return digest(previous, get_topic(type(event)), chained_content(event))


def _compare_stream(
    leaf: Leaf, rows: Sequence[Logged], position: int
) -> tuple[list[Finding], str | None]:
    """What changed in one stream up to the leaf's version, and its chain recomputed
    from the events (None when an event is missing or unreadable)."""
    sid, top = leaf.stream_id, leaf.version
    present = {r.version: r for r in rows if r.version <= top}
    if not present:
        reason = f"the stream is gone: the checkpoint covers its versions 1-{top}"
        return [Finding("missing_stream", reason, sid, 1, top)], None
    found: list[Finding] = []
    for first, last in _ranges([v for v in range(1, top + 1) if v not in present]):
        words = f"version {first}" if first == last else f"versions {first}-{last}"
        reason = f"{words} deleted (the checkpoint covers versions 1-{top})"
        found.append(Finding("deleted", reason, sid, first, last))
    recomputed: str | None = GENESIS  # None once an event is missing or unreadable
    previous: Any = None  # the event before, as stored (None: missing or unreadable)
    for version in sorted(present):
        row = present[version]
        if row.id > position:
            reason = (
                f"the event sits at position {row.id} of the log, after the checkpoint's "
                f"{position}: it was removed and written again"
            )
            found.append(Finding("reinserted", reason, sid, version))
        follows = version == 1 or (version - 1 in present and previous is not None)
        if row.event is None:
            found.append(Finding("rewritten", "the event can no longer be read", sid, version))
            recomputed = previous = None
            continue
        event = row.event
        stored = GENESIS if version == 1 else previous.chain if follows else None
        linked = None if stored is None else _digest(stored, event)
        if linked is not None and linked != event.chain:
            reason = "the event does not match its hash chain: changed after it was recorded"
            found.append(Finding("rewritten", reason, sid, version))
        if recomputed is not None and follows:
            # Only after a changed event does the chain recomputed from the first event
            # differ from the stored one; otherwise the link's digest is it.
            recomputed = linked if recomputed == stored else _digest(recomputed, event)
        else:
            recomputed = None
        previous = event
    if recomputed is not None and recomputed != leaf.chain and not found:
        reason = (
            f"the chain recomputed from the events at version {top} is not the checkpoint's: "
            f"events at or before version {top} were rewritten and their chain recomputed"
        )
        found.append(Finding("rewritten", reason, sid, top))
    return found, recomputed


def compare(checkpoint: Checkpoint, log: Mapping[UUID, Sequence[Logged]]) -> list[Finding]:
    """Every event the checkpoint covers against the events in the log now: deleted,
    rewritten, re-inserted or missing streams, events inserted before its position that
    it does not cover, the root recomputed from the events, and the ledger's own record
    of the checkpoint."""
    findings: list[Finding] = []
    recomputed: list[Leaf] = []
    covered: dict[str, int] = {}
    for leaf in checkpoint.leaves:
        covered[leaf.stream_id] = leaf.version
        found, chain = _compare_stream(leaf, log.get(UUID(leaf.stream_id), ()), checkpoint.position)
        findings += found
        if chain is not None:
            recomputed.append(Leaf(leaf.stream_id, leaf.version, chain))
    for stream, rows in log.items():
        top = covered.get(str(stream), 0)
        for row in rows:
            if row.id <= checkpoint.position and row.version > top:
                reason = (
                    f"the event sits at position {row.id} of the log, at or before the "
                    f"checkpoint's {checkpoint.position}, but the checkpoint does not cover it: "
                    "inserted since"
                )
                findings.append(Finding("inserted", reason, str(stream), row.version))
    root = merkle_root(recomputed)
    if checkpoint.leaves and root != checkpoint.root:
        reason = (
            f"the root recomputed from the ledger's events, {root}, is not the checkpoint's "
            f"{checkpoint.root} ({len(checkpoint.leaves) - len(recomputed)} streams could not "
            "be recomputed)"
        )
        findings.append(Finding("root", reason))
    if not _recorded(checkpoint, log.get(checkpoints_id(), ())):
        reason = "the ledger holds no record of this checkpoint (its CheckpointMade is gone)"
        findings.append(Finding("unrecorded", reason, str(checkpoints_id())))
    return findings


def _recorded(checkpoint: Checkpoint, rows: Sequence[Logged]) -> bool:
    return any(
        isinstance(row.event, CheckpointLog.CheckpointMade)
        and row.event.root == checkpoint.root
        and row.event.position == checkpoint.position
        for row in rows
    )


# ------------------------------------------------ the ledger's record of its checkpoints


def checkpoints_id() -> UUID:
    """The deterministic id of the stream that records the checkpoints made."""
    return uuid5(NAMESPACE_URL, "urn:jiaxing-ledger:checkpoints")


class CheckpointLog(Chained):
    """The checkpoints made of this ledger: root, position and the public key of each
    (never the private key, which the auditors keep)."""

    class Event(ChainedEvent):
        actor: str
        effective_on: date

    class Opened(Event, Aggregate.Created):
        pass

    class CheckpointMade(Event):
        root: str
        position: int
        streams: int
        events: int
        public_key: str
        created_at: str

        def apply(self, aggregate: CheckpointLog) -> None:
            aggregate.made += 1

    def __init__(self) -> None:
        self.made = 0

    @classmethod
    def open(cls, actor: str, on: date) -> CheckpointLog:
        created: CheckpointLog = cls._create(
            cls.Opened, id=checkpoints_id(), actor=actor, effective_on=on
        )
        return created

    def record(self, document: Mapping[str, Any], *, actor: str, on: date) -> None:
        self.trigger_event(
            self.CheckpointMade,
            root=document["root"],
            position=document["position"],
            streams=document["streams"],
            events=document["events"],
            public_key=document["public_key"],
            created_at=document["created_at"],
            actor=actor,
            effective_on=on,
        )
