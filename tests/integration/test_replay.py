"""The audit replay's light event list (issue 6, docs/AUDIT.md "Replay"), on both backends,
with and without LEDGER_CIPHER_KEY: the same answer as decoding every event whole."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from uuid import UUID

import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import SecretStr

from domain.application import KNOWN_AT_WINDOW, LedgerApplication
from domain.household import Household
from domain.payments import PaymentLedger
from scripts.bench import long_household
from scripts.demo import build_demo_city
from services.audit import replay_household
from services.ledger import Ledger


def without_snapshots(ledger: Ledger) -> Ledger:
    """The same database read the plain way: no snapshots, every event folded."""
    env = {
        **ledger.settings.persistence_env(),
        "IS_SNAPSHOTTING_ENABLED": "n",
        "LEDGER_SNAPSHOT_INTERVAL": "0",
    }
    return replace(ledger, app=LedgerApplication(env))


@pytest.mark.parametrize("ciphered", [False, True], ids=["clear", "cipher"])
def test_the_light_event_list_gives_the_same_replay_as_decoding_every_event(settings, ciphered):
    """Issue 6 (replay): the demo city (registrations, applications, determinations,
    helps and grants, medical bills with corrections and relief, dividends, moves,
    payment runs and the bank's answers) replayed the fast way (snapshots, the event list
    read from the stored JSON) and the plain way (no snapshots, every event decoded and
    folded from the first) gives the same JSON, now and as known half-way through each
    household's history, for every event type the demo records."""
    if ciphered:
        settings = settings.model_copy(update={"cipher_key": SecretStr(AESCipher.create_key(16))})
    ledger = Ledger.open(settings)
    plain = without_snapshots(ledger)
    try:
        build_demo_city(ledger, households=60, seed=7)
        app = ledger.app
        registered = app.recorder.select_notifications(
            start=1, limit=100_000, topics=[get_topic(Household.Registered)]
        )
        households = [UUID(str(n.originator_id)) for n in registered]
        assert len(households) == 60
        # With the key the stored rows are not JSON: the light listing decrypts them.
        stored = app.recorder.select_events(households[0], limit=1)[0].state
        assert stored.startswith(b'{"') is not ciphered
        listed: set[str] = set()
        from_a_snapshot = 0
        for hid in households:
            events = app.household_events(hid)
            middle = events[len(events) // 2].timestamp
            # A snapshot below the middle: the rows before it are listed, never decoded.
            snapshot_at = max(1, len(events) // 2 - 1)
            app.take_snapshot(hid, version=snapshot_at)
            known = app.household_known_at(hid, middle)
            assert len(known.rows) == len(events) // 2 + 1
            from_a_snapshot += len(known.folded) == len(known.rows) - snapshot_at
            for known_at in (None, middle):
                for as_of in (date(2025, 6, 30), date(2026, 12, 31)):
                    fast = replay_household(ledger, hid, as_of, known_at)
                    slow = replay_household(plain, hid, as_of, known_at, light=False)
                    assert json.dumps(fast, ensure_ascii=False) == json.dumps(
                        slow, ensure_ascii=False
                    )
                    listed |= {e["type"] for e in fast["events"]}
        assert from_a_snapshot == len(households)
        recorded = {
            resolve_topic(n.topic).__name__
            for n in app.recorder.select_notifications(start=1, limit=1_000_000)
            if issubclass(resolve_topic(n.topic), Household.Event | PaymentLedger.Event)
        }
        assert listed == recorded
        # The demo's variety, so that the comparison covers amounts of every kind.
        assert {
            "EntitlementChanged",
            "GrantAwarded",
            "MedicalBillRecorded",
            "MedicalReliefGranted",
            "DividendRecorded",
            "Opened",
            "PaymentAcknowledged",
        } <= listed
    finally:
        plain.app.close()
        ledger.close()


def test_known_at_finds_the_last_event_recorded_by_then_in_a_long_stream(ledger):
    """Issue 6 (replay as known at a time): in a stream of 3 x KNOWN_AT_WINDOW events the
    rows recorded by a time are exactly those whose timestamp is not after it, at every
    event's time and just before it (the search reads single rows while its window is
    wide, then the rows through the window's top); before the first event, none."""
    app = ledger.app
    hid, _ = long_household(app, 3 * KNOWN_AT_WINDOW)
    stamps = [e.timestamp for e in app.household_events(hid)]
    assert len(stamps) == 3 * KNOWN_AT_WINDOW
    for at in [*stamps, *(t - timedelta(microseconds=1) for t in stamps)]:
        expected = sum(1 for t in stamps if t <= at)
        rows = app.rows_known_at(hid, at)
        assert [r.originator_version for r in rows] == list(range(1, expected + 1))
    assert app.rows_known_at(hid, stamps[0] - timedelta(seconds=1)) == []
    assert len(app.rows_known_at(hid, None)) == len(stamps)
