"""Events once recorded stay readable (issue 19, docs/UPGRADING.md).

Every event class's fields at its `class_version` are the ones recorded in
`tests/fixtures/event_schemas.json`: a change to them must raise the version and come
with an `upcast_vN_vN+1`. And an upcast that adds a field keeps the event's hash chain
as it was recorded (`domain.chain.add_field`): shown here with an event stored by a
"version 1" of a class whose version 2 added a field."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.chain import GENESIS, ChainBrokenError, Chained, ChainedEvent, add_field, digest
from domain.transcodings import DateAsISO
from tests.fixtures.event_schemas import FILE, current, event_classes


def test_every_event_class_has_the_recorded_shape_of_its_version():
    recorded = json.loads(FILE.read_text(encoding="utf-8"))
    for topic, versions in current().items():
        assert topic in recorded, (
            f"{topic} is new: record it with `python -m tests.fixtures.event_schemas`"
        )
        for version, names in versions.items():
            assert recorded[topic].get(version) == names, (
                f"{topic} v{version} changed its fields: raise its class_version and add an "
                "upcast_vN_vN+1 (docs/UPGRADING.md)"
            )


def test_every_version_step_has_its_upcaster():
    for topic, cls in event_classes().items():
        for version in range(1, getattr(cls, "class_version", 1)):
            assert hasattr(cls, f"upcast_v{version}_v{version + 1}"), topic


# A class whose version 2 added `visit_id` to an event that version 1 recorded without it.
class Visits(Chained):
    class Event(ChainedEvent):
        actor: str
        effective_on: date

    class Opened(Event, Chained.Created):
        pass

    class Visited(Event):
        findings: str
        visit_id: str | None

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            add_field(state, "visit_id", None)

        def apply(self, aggregate: Visits) -> None:
            aggregate.visits.append((self.findings, self.visit_id))

    def __init__(self) -> None:
        self.visits: list[tuple[str, str | None]] = []


class _Store(Application[Any]):
    def register_transcodings(self, transcoder: Any) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())


def _app() -> Application[Any]:
    return _Store(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def _store_version_1_visit(app: Application[Any]) -> Any:
    """What version 1 recorded: the event's state without `visit_id`, its chain over that
    state, no class_version in it."""
    opened = Visits._create(Visits.Opened, id=uuid4(), actor="cw", effective_on=date(2025, 1, 1))
    app.save(opened)
    previous = opened.chain_head
    timestamp = Visits.Visited.create_timestamp()
    content = {
        "actor": "cw",
        "effective_on": date(2025, 3, 1),
        "findings": "ok",
        "timestamp": timestamp,
        "originator_id": opened.id,
        "originator_version": 2,
    }
    state = {**content, "chain": digest(previous, get_topic(Visits.Visited), content)}
    stored = StoredEvent(
        originator_id=opened.id,
        originator_version=2,
        topic=get_topic(Visits.Visited),
        state=app.mapper.transcoder.encode(state),
    )
    app.recorder.insert_events([stored])
    return opened.id


def test_an_upcast_field_keeps_the_recorded_chain():
    app = _app()
    visits = app.repository.get(_store_version_1_visit(app))
    assert visits.visits == [("ok", None)]  # read as version 2, the chain intact
    assert visits.version == 2 and visits.chain_head != GENESIS


def test_an_upcast_without_add_field_breaks_the_chain(monkeypatch):
    """Setting the field plainly would make every older event fail its chain check: the
    reason `add_field` exists."""

    def plain(state: dict[str, Any]) -> None:
        state["visit_id"] = None

    app = _app()
    stream = _store_version_1_visit(app)
    monkeypatch.setattr(Visits.Visited, "upcast_v1_v2", staticmethod(plain))
    with pytest.raises(ChainBrokenError):
        app.repository.get(stream)
