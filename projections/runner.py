"""The catch-up runner: reads the notification log in batches and commits each
batch of view changes with one tracking update."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.projection import Projection

from projections import care, entitlements, medical, payments
from projections.interface import Op, ViewStore


@dataclass(frozen=True)
class ViewSpec:
    name: str
    tables: tuple[str, ...]
    topics: tuple[str, ...]
    ops_for: Callable[[Any, int], list[Op]]


VIEWS: dict[str, ViewSpec] = {
    entitlements.NAME: ViewSpec(
        entitlements.NAME, entitlements.TABLES, entitlements.TOPICS, entitlements.ops_for
    ),
    medical.NAME: ViewSpec(medical.NAME, medical.TABLES, medical.TOPICS, medical.ops_for),
    payments.NAME: ViewSpec(payments.NAME, payments.TABLES, payments.TOPICS, payments.ops_for),
    care.NAME: ViewSpec(care.NAME, care.TABLES, care.TOPICS, care.ops_for),
}


def stock_projection(view: ViewSpec) -> type[Projection[ViewStore]]:
    """The same view for the library's stock ProjectionRunner: one event at a time, one
    transaction each (the plain baseline `ledger bench` compares the batched runner with)."""

    class StockProjection(Projection[ViewStore]):
        name = f"{view.name}_stock"
        topics = view.topics

        def process_event(self, domain_event: Any, tracking: Tracking) -> None:
            self.view.apply(view.ops_for(domain_event, tracking.notification_id), tracking)

    return StockProjection


class CatchUpRunner:
    """Brings views up to the head of the application's notification log.

    `catch_up` is safe to call from many threads: one thread at a time does the
    work, the others wait for it, so a reader always sees its own writes.
    """

    def __init__(self, app: Application[Any], store: ViewStore, batch_size: int = 1000) -> None:
        self.app = app
        self.store = store
        self.batch_size = batch_size
        self._lock = threading.Lock()
        # Positions this runner has brought each view to (lower bounds: another process
        # may have moved them further). A read that finds the log's head no further than
        # these needs no more than one query to know its views are current.
        self._reached: dict[str, int] = {}

    def tracking_name(self, view: ViewSpec) -> str:
        return f"{self.app.name}/{view.name}"

    def position(self, view: ViewSpec) -> int:
        return self.store.max_tracking_id(self.tracking_name(view)) or 0

    def lag(self) -> dict[str, int]:
        head = self.app.recorder.max_notification_id() or 0
        return {name: head - self.position(view) for name, view in VIEWS.items()}

    def catch_up(
        self,
        names: tuple[str, ...] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Process everything recorded so far; return the number of events applied."""
        wanted = names or tuple(VIEWS)
        head = self.app.recorder.max_notification_id() or 0
        if all(self._reached.get(name, -1) >= head for name in wanted):
            return 0
        with self._lock:
            applied = 0
            for name in names or tuple(VIEWS):
                applied += self._catch_up_view(VIEWS[name], progress)
            return applied

    def _catch_up_view(self, view: ViewSpec, progress: Callable[[int, int], None] | None) -> int:
        name = self.tracking_name(view)
        position = self.store.max_tracking_id(name) or 0
        head = self.app.recorder.max_notification_id() or 0
        applied = 0
        while position < head:
            notifications = self.app.recorder.select_notifications(
                start=position + 1, limit=self.batch_size, stop=head, topics=view.topics
            )
            if not notifications:
                # Nothing of interest up to the head: record that we have seen it.
                self._advance(name, [], head)
                if progress:
                    progress(head, head)
                break
            ops: list[Op] = []
            for notification in notifications:
                event = self.app.mapper.to_domain_event(notification)
                ops.extend(view.ops_for(event, notification.id))
            last = notifications[-1].id
            # If this batch ended early because no more matching events exist up to
            # the head, the position can go straight to the head.
            new_position = head if len(notifications) < self.batch_size else last
            moved = self._advance(name, ops, new_position)
            if moved != new_position:
                position = moved
                continue
            applied += len(notifications)
            position = new_position
            if progress:
                progress(position, head)
        self._reached[view.name] = max(position, head)
        return applied

    def _advance(self, name: str, ops: list[Op], new_position: int) -> int:
        """Write a batch and its position; the position afterwards. When the tracking row
        is already at or past it (the position read was stale), nothing is written and
        the position found is returned, so the caller carries on from there."""
        try:
            self.store.apply(ops, Tracking(name, new_position))
        except IntegrityError:
            moved = self.store.max_tracking_id(name) or 0
            if moved < new_position:
                raise  # a real conflict in the rows, not the position
            return moved
        return new_position

    def rebuild(
        self,
        names: tuple[str, ...] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Drop the views' rows and tracking, then rebuild them from the log."""
        with self._lock:
            applied = 0
            for name in names or tuple(VIEWS):
                view = VIEWS[name]
                self._reached.pop(name, None)
                self.store.reset(self.tracking_name(view), view.tables)
                applied += self._catch_up_view(view, progress)
            return applied
