"""Tamper evidence: every stream is hash-chained.

Each event carries `chain` = SHA-256 of the previous event's chain and of the event's own
content (its topic and every field but `chain`, as canonical JSON). New events are
refused if a string in them holds a control character (`domain.text`). The chain head is
checked each time a stream is loaded, and `ledger verify` walks every stream. A row
changed behind the application's back no longer matches its chain.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain.errors import LedgerError
from domain.text import check_fields, might_hold_control

GENESIS = ""


class ChainBrokenError(LedgerError):
    """A stream's hash chain does not hold: an event was changed after it was recorded."""

    code = "chain_broken"


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID | Decimal | Fraction):
        return str(value)
    raise TypeError(f"cannot chain a {type(value).__name__}")


def canonical_text(content: dict[str, Any]) -> str:
    return json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_canonical
    )


def digest(previous: str, topic: str, content: dict[str, Any]) -> str:
    return _hash(previous, topic, canonical_text(content))


def _hash(previous: str, topic: str, text: str) -> str:
    return hashlib.sha256(f"{previous}\n{topic}\n{text}".encode()).hexdigest()


def new_chain(previous: str, event_class: Any, content: dict[str, Any], given: Any) -> str:
    """The chain of an event being created. Its text is checked for control characters
    first (`domain.text`): the canonical JSON is scanned, and only a suspect one has its
    given fields checked one by one, which names the field."""
    text = canonical_text(content)
    if might_hold_control(text):
        check_fields(given)
    return _hash(previous, get_topic(event_class), text)


# The fields an upcaster added to an event recorded under an older class version: the
# event's chain was computed without them, so they are left out when it is checked.
UPCAST_ADDED = "_upcast_added"


def add_field(state: dict[str, Any], name: str, value: Any) -> None:
    """For an `upcast_vN_vN+1`: give an older event's stored state a field its class
    version lacked, keeping its hash chain as recorded (docs/UPGRADING.md)."""
    state[name] = value
    state[UPCAST_ADDED] = [*state.get(UPCAST_ADDED, ()), name]


def event_content(event: Any) -> dict[str, Any]:
    added = event.__dict__.get(UPCAST_ADDED, ())
    return {
        f.name: getattr(event, f.name)
        for f in fields(event)
        if f.name != "chain" and f.name not in added
    }


def check(previous: str, event: Any) -> None:
    expected = digest(previous, get_topic(type(event)), event_content(event))
    if event.chain != expected:
        raise ChainBrokenError(
            f"stream {event.originator_id} is broken at version {event.originator_version}: "
            "the event does not match its hash chain (changed after it was recorded)"
        )


# The chain of the event this thread is creating at the moment: computed from the very
# fields the event is built from, so applying it needs no second check. Reset at once.
_creating = threading.local()


class ChainedEvent(Aggregate.Event):
    """Checks the chain when it mutates an aggregate (that is, on every load)."""

    chain: str

    def mutate(self, aggregate: Any) -> Any:
        if getattr(_creating, "chain", None) != self.chain:
            check(
                getattr(aggregate, "chain_head", GENESIS) if aggregate is not None else GENESIS,
                self,
            )
        _creating.chain = None
        mutated = super().mutate(aggregate)
        if mutated is None:  # the library returns the aggregate it mutated
            raise TypeError(f"{type(self).__name__} did not return the aggregate it mutated")
        mutated.chain_head = self.chain
        return mutated


class Chained(Aggregate):
    """An aggregate whose new events are chained to its head."""

    chain_head = GENESIS

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:
        # The library's explicit-creation hook: the created event's fields are known
        # here, so its chain can be computed before it is constructed.
        check_fields(kwargs)
        kwargs.setdefault("timestamp", event_class.create_timestamp())
        content = {
            **kwargs,
            "originator_id": id,
            "originator_version": cls.INITIAL_VERSION,
            "originator_topic": get_topic(cls),
        }
        kwargs["chain"] = digest(GENESIS, get_topic(event_class), content)
        _creating.chain = kwargs["chain"]
        try:
            return super()._create(event_class, id=id, **kwargs)
        finally:
            _creating.chain = None

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs.setdefault("timestamp", event_class.create_timestamp())
        content = {**kwargs, "originator_id": self.id, "originator_version": self.version + 1}
        kwargs["chain"] = new_chain(self.chain_head, event_class, content, kwargs)
        _creating.chain = kwargs["chain"]
        try:
            super().trigger_event(event_class, **kwargs)
        finally:
            _creating.chain = None


def next_event(
    event_class: Any, *, originator_id: UUID, version: int, previous: str, **kwargs: Any
) -> Any:
    """An event appended to a stream that is not loaded (the payment run), chained to the
    head the caller knows; a stale head comes with a stale version, which the store
    refuses."""
    kwargs.setdefault("timestamp", event_class.create_timestamp())
    content = {**kwargs, "originator_id": originator_id, "originator_version": version}
    return event_class(
        originator_id=originator_id,
        originator_version=version,
        chain=new_chain(previous, event_class, content, kwargs),
        **kwargs,
    )
