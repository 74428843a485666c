"""`ledger checkpoint-key`, `ledger checkpoint` and the file side of `ledger verify
--checkpoint` (docs/CHECKPOINTS.md): the auditors' Ed25519 key in files of their own,
the checkpoint made from every stream's events, and a checkpoint file read back."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from eventsourcing.utils import get_topic

from domain.chain import GENESIS, digest, event_content
from domain.checkpoint import Checkpoint, Leaf, make_document, public_key_hex, read_document
from projections import sql
from services.clock import beijing_today
from services.ledger import Ledger

PAGE = 1000


class CheckpointError(Exception):
    """A key or checkpoint file that cannot be used, or a ledger that cannot be signed."""


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """A new file with `mode` from its creation (never an existing one replaced)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise CheckpointError(f"{path} exists; it is not replaced") from None
    try:
        os.fchmod(fd, mode)  # whatever the umask
        os.write(fd, data)
    finally:
        os.close(fd)


def public_key_path(key_path: Path) -> Path:
    return key_path.with_name(key_path.name + ".pub")


def new_key(path: Path) -> tuple[Path, str]:
    """A new Ed25519 key: the private key in `path` (PKCS#8 PEM, mode 0600) and the
    public key beside it in `path`.pub (SubjectPublicKeyInfo PEM); the public key's
    path and its raw 32 bytes in hex."""
    public_path = public_key_path(path)
    if public_path.exists():
        raise CheckpointError(f"{public_path} exists; it is not replaced")
    key = Ed25519PrivateKey.generate()
    _write_new(
        path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        0o600,
    )
    public = key.public_key()
    _write_new(
        public_path,
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        0o644,
    )
    return public_path, public_key_hex(public)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The auditors' private key; refused when others than its owner may read it."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as error:
        raise CheckpointError(f"cannot read the key {path}: {error.strerror}") from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CheckpointError(
            f"the key {path} may be read by others (mode {stat.S_IMODE(mode):04o}); "
            f"chmod 600 {path}"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{path} is not an unencrypted PEM private key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key file: PEM (SubjectPublicKeyInfo), or the raw key's 64 hex digits."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CheckpointError(f"cannot read the public key {path}: {error.strerror}") from None
    text = data.decode("ascii", "replace").strip()
    try:
        if len(text) == 64:
            return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
        key = serialization.load_pem_public_key(data)
    except ValueError as error:
        raise CheckpointError(f"{path} is not an Ed25519 public key: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path} is not an Ed25519 public key")
    return key


@dataclass
class Heads:
    """Every stream's head recomputed from its events, up to `position` of the log."""

    position: int = 0
    events: int = 0
    heads: dict[UUID, tuple[int, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def leaves(self) -> list[Leaf]:
        return [Leaf(str(s), v, c) for s, (v, c) in self.heads.items()]


def read_heads(ledger: Ledger) -> Heads:
    """Walk the whole log once, recomputing each stream's chain from its events' content
    (and checking it against each event's stored chain); compare with the heads table
    read first (a head above the events means events were removed)."""
    noted = {
        UUID(str(r["originator_id"])): int(r["originator_version"])
        for r in ledger.views.query(sql.STREAM_HEADS, {})
    }
    found = Heads()
    broken: set[UUID] = set()
    start = 1
    while page := ledger.app.recorder.select_notifications(start=start, limit=PAGE):
        for row in page:
            found.position, found.events = row.id, found.events + 1
            stream = UUID(str(row.originator_id))
            if stream in broken:
                continue
            version, chain = found.heads.get(stream, (0, GENESIS))
            chain, problem = _link(ledger, row, version, chain)
            if problem:
                broken.add(stream)
                found.problems.append(
                    f"stream {stream} at version {row.originator_version}: {problem}"
                )
                continue
            found.heads[stream] = (row.originator_version, chain)
        start = page[-1].id + 1
    for stream, version in sorted(noted.items(), key=lambda item: str(item[0])):
        if stream not in broken and found.heads.get(stream, (0, ""))[0] < version:
            found.problems.append(
                f"stream {stream} ends at version {found.heads.get(stream, (0, ''))[0]}, "
                f"but version {version} was recorded (events removed)"
            )
    return found


def _link(ledger: Ledger, row: Any, version: int, chain: str) -> tuple[str, str]:
    """The stream's chain after `row` recomputed from its content, and why the row
    breaks the stream ("" when it does not)."""
    if row.originator_version != version + 1:
        return chain, f"version {version + 1} expected"
    try:
        event: Any = ledger.app.mapper.to_domain_event(row)
    except Exception as error:
        return chain, f"the event cannot be read ({type(error).__name__})"
    recomputed = digest(chain, get_topic(type(event)), event_content(event))
    if event.chain != recomputed:
        return chain, "the event does not match its hash chain (changed after it was recorded)"
    return recomputed, ""


def make_checkpoint(
    ledger: Ledger, key: Ed25519PrivateKey, out: Path, *, actor: str
) -> dict[str, Any]:
    """Sign every stream's head as recomputed from its events, record in the ledger that
    the checkpoint was made (root, position, public key; never the private key) and
    write the file `out` (a new file). Refused when a chain does not hold or events
    were removed: a checkpoint vouches for the events as they are."""
    if out.exists():
        raise CheckpointError(f"{out} exists; it is not replaced")
    heads = read_heads(ledger)
    if heads.problems:
        raise CheckpointError(
            "the ledger does not verify, so it is not signed (run `ledger verify`): "
            + "; ".join(heads.problems[:5])
            + (f"; and {len(heads.problems) - 5} more" if len(heads.problems) > 5 else "")
        )
    document = make_document(
        heads.leaves(),
        position=heads.position,
        created_at=datetime.now(UTC),
        backend=ledger.backend,
        private_key=key,
    )
    ledger.app.record_checkpoint(document, actor=actor, on=beijing_today())
    _write_new(out, serialise(document), 0o644)
    return document


def serialise(document: dict[str, Any]) -> bytes:
    """The file: one member a line, one leaf a line (any JSON reader reads it; what is
    signed is the canonical form, not this layout)."""
    lines = []
    for name, value in document.items():
        if name == "leaves":
            leaves = ",\n  ".join(json.dumps(leaf, separators=(", ", ": ")) for leaf in value)
            lines.append(f' "leaves": [\n  {leaves}\n ]' if value else ' "leaves": []')
        else:
            lines.append(f" {json.dumps(name)}: {json.dumps(value)}")
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("ascii")


def read_checkpoint(path: Path, public_key: Ed25519PublicKey | None) -> Checkpoint:
    """A checkpoint file, checked alone (format, leaves, root, signature)."""
    try:
        document = json.loads(path.read_bytes())
    except OSError as error:
        raise CheckpointError(f"cannot read the checkpoint {path}: {error.strerror}") from None
    except ValueError as error:
        raise CheckpointError(f"{path} is not JSON: {error}") from None
    return read_document(document, public_key)
