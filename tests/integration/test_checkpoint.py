"""Signed checkpoints on both backends (docs/CHECKPOINTS.md): `ledger checkpoint-key`,
`ledger checkpoint`, and `ledger verify --checkpoint` catching what the database's owner
did behind the ledger's back: as the PostgreSQL superuser, or by editing the SQLite file,
events deleted with the stream heads lowered to match, an event rewritten, a stream
rewritten and its chain recomputed, an event removed and written again. A checkpoint
file changed after signing fails its signature; events recorded after the checkpoint
fail nothing; and a small program of its own (hashlib and cryptography, from the
documented format alone) checks a checkpoint."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from typer.testing import CliRunner

from domain.checkpoint import CheckpointLog, checkpoints_id
from domain.household import Household
from scripts.cli import cli
from tests.conftest import behind_the_back
from tests.helpers import household, id_number
from tests.integration.test_audit import dibao_household, forge, remove, rewrite


@pytest.fixture
def run(settings, monkeypatch):
    """`ledger ...` on the test's ledger, as the command line runs it."""
    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    monkeypatch.setenv("LEDGER_DATA_DIR", str(settings.data_dir))

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def key(run, tmp_path) -> Path:
    """The auditors' key, kept outside the ledger's data directory."""
    folder = tmp_path / "auditors"
    folder.mkdir()
    made = run("checkpoint-key", "--out", str(folder / "ledger.key"))
    assert made.exit_code == 0, made.output
    return folder / "ledger.key"


def checkpoint(run, key, name="cp.json") -> Path:
    out = key.parent / name
    made = run("checkpoint", "--key", str(key), "--out", str(out))
    assert made.exit_code == 0, made.output
    return out


def verify(run, key, path):
    return run("verify", "--checkpoint", str(path), "--public-key", f"{key}.pub")


def findings(ledger, key, path):
    from services.checkpoint import load_public_key, read_checkpoint

    signed = read_checkpoint(path, load_public_key(Path(f"{key}.pub")))
    return sorted(
        (f["kind"], f.get("stream_id"), f.get("version")) for f in ledger.verify(signed).checkpoint
    )


def lower_head(settings, stream, version):
    """As the superuser (or in the SQLite file): lower a stream's recorded head, or
    remove it (version 0), to match events deleted."""
    sqlite = settings.database_url.startswith("sqlite")
    sid = f"'{stream.hex if sqlite else stream}'"
    where = f"WHERE originator_id = {sid}"
    statements = [] if sqlite else ["SET session_replication_role = replica"]
    if version:
        statements.append(f"UPDATE ledger_stream_heads SET originator_version = {version} {where}")
    else:
        statements.append(f"DELETE FROM ledger_stream_heads {where}")
    behind_the_back(settings, *statements)


def test_a_clean_ledger_verifies_and_later_events_are_not_covered(ledger, run, key):
    """The key files: the private key mode 0600, the public key beside it. A checkpoint
    of two households verifies, is recorded in the ledger (root, position, public key)
    and the private key is in no stored event. Events recorded after it (a new
    household, a member added to a covered one) fail nothing: they are not covered."""
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    public = serialization.load_pem_public_key(Path(f"{key}.pub").read_bytes())
    assert isinstance(public, Ed25519PublicKey)
    hid, _ = dibao_household(ledger)
    household(ledger.app, 2)
    path = checkpoint(run, key)
    document = json.loads(path.read_text())
    result = verify(run, key, path)
    assert result.exit_code == 0, result.output
    assert (
        f"its {document['streams']} streams and {document['events']} events up to position "
        f"{document['position']} are all there unchanged" in result.output
    )
    log = ledger.app.repository.get(checkpoints_id())
    assert isinstance(log, CheckpointLog) and log.made == 1
    made = ledger.app.events.get(checkpoints_id())
    [recorded] = [e for e in made if isinstance(e, CheckpointLog.CheckpointMade)]
    assert (recorded.root, recorded.position) == (document["root"], document["position"])
    assert recorded.public_key == document["public_key"]
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    secrets = [
        private.private_bytes_raw().hex().encode(),
        base64.b64encode(private.private_bytes_raw()),
        b"".join(key.read_bytes().splitlines()[1:-1]),
    ]
    rows = ledger.app.recorder.select_notifications(start=1, limit=100_000)
    assert rows and not any(s in row.state for row in rows for s in secrets)

    household(ledger.app, 1)
    ledger.app.add_member(
        hid,
        actor="caseworker-li",
        name="新成员",
        id_number=id_number(date(2015, 1, 1)),
        relation="child",
        birth_on=date(2015, 1, 1),
        joined_on=date(2025, 6, 1),
        severe_illness=False,
        severe_disability=False,
    )
    again = verify(run, key, path)
    assert again.exit_code == 0, again.output
    assert "all there unchanged" in again.output


def test_events_deleted_with_the_heads_lowered_are_reported(ledger, settings, run, key):
    """The last event of one household and every event of another deleted, and the heads
    table lowered to match: plain `ledger verify` has nothing to compare with and passes;
    `verify --checkpoint` reports the deleted version, the missing stream and the root,
    each with the stream and version, and exits 1."""
    cut, _ = dibao_household(ledger)
    gone, _ = household(ledger.app, 1)
    last = len(ledger.app.household_events(cut))
    gone_last = len(ledger.app.household_events(gone))
    path = checkpoint(run, key)
    remove(ledger, cut, last)
    lower_head(settings, cut, last - 1)
    remove(ledger, gone, 1)
    lower_head(settings, gone, 0)
    plain = ledger.verify()
    assert plain.chain_breaks == [] and plain.recompute_mismatches == []
    assert findings(ledger, key, path) == [
        ("deleted", str(cut), last),
        ("missing_stream", str(gone), 1),
        ("root", None, None),
    ]
    result = verify(run, key, path)
    assert result.exit_code == 1
    assert (
        f"CHECKPOINT DELETED stream {cut} version {last}: version {last} deleted "
        f"(the checkpoint covers versions 1-{last})" in result.output
    )
    assert (
        f"CHECKPOINT MISSING_STREAM stream {gone} version 1: the stream is gone: the "
        f"checkpoint covers its versions 1-{gone_last}" in result.output
    )
    assert "CHECKPOINT ROOT: the root recomputed from the ledger's events" in result.output
    assert "verification FAILED" in result.output


def test_a_rewritten_event_is_reported_with_its_version(ledger, run, key):
    """A member's name changed in the stored event (UPDATE of its state): reported as
    rewritten at that version."""
    hid, _ = dibao_household(ledger)
    path = checkpoint(run, key)
    added = next(
        e for e in ledger.app.household_events(hid) if isinstance(e, Household.MemberAdded)
    )
    rewrite(ledger, [replace(added, name="冒名")])
    assert findings(ledger, key, path) == [
        ("rewritten", str(hid), added.originator_version),
        ("root", None, None),
    ]
    result = verify(run, key, path)
    assert result.exit_code == 1
    assert (
        f"CHECKPOINT REWRITTEN stream {hid} version {added.originator_version}: the event "
        "does not match its hash chain" in result.output
    )


def test_a_stream_rewritten_with_its_chain_recomputed_is_reported(ledger, run, key):
    """Every member's name changed and the whole chain re-hashed, so every link holds
    and nothing recomputed from the inputs differs (names carry no amount): plain
    `ledger verify` passes; the checkpoint's chain at the stream's version does not
    match, and verify reports it with the stream and that version."""
    hid, _ = dibao_household(ledger)
    last = len(ledger.app.household_events(hid))
    path = checkpoint(run, key)

    def rename(event):
        return replace(event, name="冒名") if isinstance(event, Household.MemberAdded) else event

    forge(ledger, hid, rename)
    assert ledger.verify().ok
    assert findings(ledger, key, path) == [("rewritten", str(hid), last), ("root", None, None)]
    result = verify(run, key, path)
    assert result.exit_code == 1
    assert f"CHECKPOINT REWRITTEN stream {hid} version {last}: the chain recomputed" in (
        result.output
    )


def test_an_event_removed_and_written_again_is_reported(ledger, settings, run, key):
    """An event row deleted and inserted again unchanged (the way round an append-only
    table's refusal of UPDATE): its content still matches, but it now sits after the
    checkpoint's position in the log."""
    hid, _ = dibao_household(ledger)
    path = checkpoint(run, key)
    table = ledger.app.recorder.events_table_name
    sqlite = settings.database_url.startswith("sqlite")
    where = f"originator_id = '{hid.hex if sqlite else hid}' AND originator_version = 2"
    columns = "originator_id, originator_version, topic, state"
    behind_the_back(
        settings,
        *([] if sqlite else ["SET session_replication_role = replica"]),
        f"CREATE TEMP TABLE kept AS SELECT {columns} FROM {table} WHERE {where}",
        f"DELETE FROM {table} WHERE {where}",
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM kept",
    )
    assert ("reinserted", str(hid), 2) in findings(ledger, key, path)
    result = verify(run, key, path)
    assert result.exit_code == 1
    assert f"CHECKPOINT REINSERTED stream {hid} version 2" in result.output


def test_a_checkpoint_changed_after_signing_fails_its_signature(ledger, run, key, tmp_path):
    """The root changed, or one leaf's chain changed: the signature no longer holds (and
    the leaves no longer give the root). Signed with another key than the auditors':
    refused by --public-key."""
    dibao_household(ledger)
    path = checkpoint(run, key)
    document = json.loads(path.read_text())
    root_changed = {**document, "root": "0" * 64}
    leaf = {**document["leaves"][0], "chain": "f" * 64}
    leaf_changed = {**document, "leaves": [leaf, *document["leaves"][1:]]}
    for n, changed in enumerate((root_changed, leaf_changed)):
        forged = tmp_path / f"forged{n}.json"
        forged.write_text(json.dumps(changed))
        result = verify(run, key, forged)
        assert result.exit_code == 1
        assert "CHECKPOINT SIGNATURE: the signature does not hold" in result.output
        assert "CHECKPOINT FILE: the checkpoint's leaves give the root" in result.output
    other = tmp_path / "other"
    other.mkdir()
    assert run("checkpoint-key", "--out", str(other / "k")).exit_code == 0
    theirs = checkpoint(run, other / "k", "theirs.json")
    result = verify(run, key, theirs)
    assert result.exit_code == 1
    assert "CHECKPOINT SIGNATURE: the checkpoint names the key" in result.output


def test_a_ledger_that_does_not_verify_is_not_signed(ledger, settings, run, key):
    """A rewritten event, or events removed without the head lowered: `ledger checkpoint`
    refuses, names the stream and writes no file. A key others may read is refused."""
    hid, _ = dibao_household(ledger)
    added = next(
        e for e in ledger.app.household_events(hid) if isinstance(e, Household.MemberAdded)
    )
    rewrite(ledger, [replace(added, name="冒名")])
    out = key.parent / "cp.json"
    result = run("checkpoint", "--key", str(key), "--out", str(out))
    assert result.exit_code == 1 and not out.exists()
    assert f"stream {hid} at version {added.originator_version}" in result.output
    rewrite(ledger, [added])
    gone, _ = household(ledger.app, 1)
    remove(ledger, gone, 1)
    result = run("checkpoint", "--key", str(key), "--out", str(out))
    assert result.exit_code == 1 and not out.exists()
    assert f"stream {gone} ends at version 0, but version 2 was recorded" in result.output
    key.chmod(0o640)
    result = run("checkpoint", "--key", str(key), "--out", str(out))
    assert result.exit_code == 2 and "may be read by others (mode 0640)" in result.output
    again = run("checkpoint-key", "--out", str(key))
    assert again.exit_code == 1 and "exists; it is not replaced" in again.output


def rfc6962_root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + rfc6962_root(leaves[:k]) + rfc6962_root(leaves[k:])).digest()


def independent_check(document: dict, public_pem: bytes) -> bool:
    """Another program's check, from docs/CHECKPOINTS.md alone."""
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    message = json.dumps(unsigned, sort_keys=True, separators=(",", ":")).encode("ascii")
    key = serialization.load_pem_public_key(public_pem)
    assert isinstance(key, Ed25519PublicKey)
    assert key.public_bytes_raw().hex() == document["public_key"]
    key.verify(bytes.fromhex(document["signature"]), message)  # raises if it does not hold
    ids = [leaf["stream_id"] for leaf in document["leaves"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    encoded = [
        json.dumps(leaf, sort_keys=True, separators=(",", ":")).encode("ascii")
        for leaf in document["leaves"]
    ]
    assert document["events"] == sum(leaf["version"] for leaf in document["leaves"])
    return rfc6962_root(encoded).hex() == document["root"]


def test_another_program_can_check_a_checkpoint(ledger, run, key):
    """The signature, the root and the leaves checked by a program of its own; a leaf is
    the stream's version and the chain of its last event; the position is the log's."""
    hid, _ = dibao_household(ledger)
    for _ in range(2):  # an odd number of streams at least once
        household(ledger.app, 1)
    path = checkpoint(run, key)
    document = json.loads(path.read_text())
    assert independent_check(document, Path(f"{key}.pub").read_bytes())
    events = ledger.app.household_events(hid)
    assert {"stream_id": str(hid), "version": len(events), "chain": events[-1].chain} in (
        document["leaves"]
    )
    assert document["position"] == ledger.app.recorder.max_notification_id() - 2  # the record
    again = checkpoint(run, key, "second.json")  # covers the first one's record, odd or even
    assert independent_check(json.loads(again.read_text()), Path(f"{key}.pub").read_bytes())


def test_a_checkpoint_made_while_households_are_recorded_verifies(ledger, key):
    """Households registered by another thread all the while a checkpoint is made: the
    checkpoint covers exactly the events at or before its position (appends are
    serialised, so none below it commits later), and verifies clean afterwards."""
    import threading
    import time

    from services.checkpoint import load_private_key, load_public_key, make_checkpoint
    from services.checkpoint import read_checkpoint as read

    for _ in range(20):
        household(ledger.app, 1)
    stop = threading.Event()
    written = []

    def keep_writing():
        while not stop.is_set() and len(written) < 200:
            written.append(household(ledger.app, 1)[0])

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        out = key.parent / "busy.json"
        while not written:
            time.sleep(0.01)
        before = len(written)
        document = make_checkpoint(ledger, load_private_key(key), out, actor="auditor")
        during = len(written) - before
    finally:
        stop.set()
        writer.join()
    assert during > 0  # households were recorded while the checkpoint was made
    signed = read(out, load_public_key(Path(f"{key}.pub")))
    assert ledger.verify(signed).checkpoint == []
    assert document["position"] < ledger.app.recorder.max_notification_id()
