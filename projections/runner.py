"""The catch-up runner: reads the notification log once for all the views, in pages,
and commits each page's view changes with every view's tracking position in one
transaction."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.errors import ViewsBehindError
from projections import (
    applications,
    care,
    entitlements,
    medical,
    payment_trail,
    payments,
    search,
    statements,
    warnings,
)
from projections.interface import Op, PositionMoved, ViewStore

log = logging.getLogger("ledger.projections")


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
    warnings.NAME: ViewSpec(warnings.NAME, warnings.TABLES, warnings.TOPICS, warnings.ops_for),
    applications.NAME: ViewSpec(
        applications.NAME, applications.TABLES, applications.TOPICS, applications.ops_for
    ),
    payment_trail.NAME: ViewSpec(
        payment_trail.NAME, payment_trail.TABLES, payment_trail.TOPICS, payment_trail.ops_for
    ),
    statements.NAME: ViewSpec(
        statements.NAME, statements.TABLES, statements.TOPICS, statements.ops_for
    ),
    # Indexes ID numbers under a key: this spec refuses to (`bound_views` binds the key).
    search.NAME: ViewSpec(search.NAME, search.TABLES, search.TOPICS, search.unbound),
}


def bound_views(id_key: bytes | None) -> dict[str, ViewSpec]:
    """The views with the search view's ID index key bound (LEDGER_ID_INDEX_KEY)."""
    if id_key is None:
        return dict(VIEWS)
    return {
        **VIEWS,
        search.NAME: replace(VIEWS[search.NAME], ops_for=search.bound(id_key)),
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


@dataclass(frozen=True)
class CatchUpFailure:
    """The latest catch-up failed, and every one since `since` (`failures` in a row): the
    views it was bringing on stay where they are until one succeeds."""

    views: tuple[str, ...]
    error: str  # the exception's class
    message: str  # its first line (a database's detail lines may quote row values)
    failures: int
    since: datetime


def first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else ""


class CatchUpRunner:
    """Brings views up to the head of the application's notification log.

    `catch_up` is safe to call from many threads: one thread at a time does the
    work, the others wait for it, so a reader always sees its own writes. And from
    many processes on one ledger: each page is written under the views' write lock
    only if the views are still at the positions it was worked out from; a page
    another process wrote first is dropped and the catch-up carries on from there.
    """

    def __init__(
        self,
        app: Application[Any],
        store: ViewStore,
        batch_size: int = 1000,
        rebuild_batch_size: int = 5000,
        *,
        id_key: bytes | None = None,
    ) -> None:
        self.app = app
        self.store = store
        self._id_key = id_key
        self.batch_size = batch_size
        # A rebuild reads the whole log: bigger pages, fewer transactions (the memory
        # held is one page of events and its rows, whatever the size of the log).
        self.rebuild_batch_size = rebuild_batch_size
        self._lock = threading.Lock()
        self.failure: CatchUpFailure | None = None
        self._working_on: tuple[str, ...] = ()
        # With a projection worker (`ledger project`), a process does not catch the
        # views up itself: `catch_up` waits up to this long for the worker to bring them
        # to the head seen when it was called (so a reader still sees its own writes),
        # then raises ViewsBehindError. None: catch up here (the default).
        self.wait_for_worker: float | None = None
        # A runner over a streaming replica's copy of the views (LEDGER_REPLICA_URL):
        # the primary writes them and replication brings them; here they are only read.
        self.read_only = False
        # Events applied since the views' statistics were last refreshed (`_analyze_as_grown`).
        self._since_analyze = 0
        self._analyzed_at = 0

    @property
    def views(self) -> dict[str, ViewSpec]:
        """The views this runner writes (`VIEWS` as it is now), the search view's ID
        index key bound: a runner without it stops at the first member's ID number,
        naming the setting."""
        return bound_views(self._id_key)

    def tracking_name(self, view: ViewSpec) -> str:
        return f"{self.app.name}/{view.name}"

    def position(self, view: ViewSpec) -> int:
        return self.store.max_tracking_id(self.tracking_name(view)) or 0

    def reached(self, position: int) -> bool:
        """Every view has applied the log up to `position` (one round trip)."""
        names = tuple(self.tracking_name(view) for view in self.views.values())
        return all(tracked >= position for tracked in self.store.positions(names).values())

    def lag(self) -> dict[str, int]:
        head = self.app.recorder.max_notification_id() or 0
        return {name: head - self.position(view) for name, view in self.views.items()}

    def catch_up(
        self,
        names: tuple[str, ...] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Process everything recorded so far; return the number of events applied (an
        event applied to two views counts twice)."""
        if self.read_only:
            return 0
        wanted = names or tuple(self.views)
        # The common case of a read: nothing new. One round trip on PostgreSQL (the head
        # and every view's position at once) tells it, without taking the lock.
        head, tracked = self.store.head_and_positions(
            self.app.recorder, tuple(self.tracking_name(self.views[n]) for n in wanted)
        )
        if all(position >= head for position in tracked.values()):
            return 0
        if self.wait_for_worker is not None:
            return self._wait_for_worker(wanted, head, self.wait_for_worker)
        with self._lock:
            self._working_on = wanted
            broken: dict[str, Exception] = {}
            try:
                applied = self._catch_up_views(
                    [self.views[name] for name in wanted], progress, broken=broken
                )
            except Exception as error:
                self._failed(error)
                raise
            if broken:
                # The others moved on; the failing ones are named by /health and what
                # reads them is refused (ViewUnavailableError) until they recover.
                self._working_on = tuple(broken)
                self._failed(next(iter(broken.values())))
                for name, problem in broken.items():
                    log.warning(
                        "projection catch-up failed: view %s: %s: %s",
                        name,
                        type(problem).__name__,
                        first_line(problem),
                    )
                self.store.unavailable = {
                    table: name for name in broken for table in self.views[name].tables
                }
                return applied
            self.failure = None
            self.store.unavailable = {}
            self._analyze_as_grown(applied, head)
            return applied

    # The planner's statistics are refreshed once the events applied since the last time
    # reach a fifth of the log then plus this many (autovacuum's own rule of thumb, which a
    # server may not run: with none, a demo city's warnings were planned as if its tables
    # held one row, and read 1.2 million pairs for a 1,207-row answer).
    ANALYZE_AFTER_EVENTS = 5_000

    def _analyze_as_grown(self, applied: int, head: int) -> None:
        self._since_analyze += applied
        if self._since_analyze < self.ANALYZE_AFTER_EVENTS + self._analyzed_at // 5:
            return
        self.store.analyze(tuple(dict.fromkeys(t for v in self.views.values() for t in v.tables)))
        self._since_analyze = 0
        self._analyzed_at = head

    def _wait_for_worker(self, wanted: tuple[str, ...], head: int, seconds: float) -> int:
        """Wait for the projection worker to bring `wanted` to `head`; 0 events applied
        here. Polled every few milliseconds, backing off to 50 ms."""
        names = tuple(self.tracking_name(self.views[n]) for n in wanted)
        deadline = time.monotonic() + seconds
        pause = 0.002
        while True:
            tracked = self.store.positions(names)
            behind = [n for n, name in zip(wanted, names, strict=True) if tracked[name] < head]
            if not behind:
                return 0
            if time.monotonic() >= deadline:
                raise ViewsBehindError(
                    f"the views {', '.join(behind)} have not reached position {head} within "
                    f"{seconds:g} s: is the projection worker (`ledger project`) running?"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    def _failed(self, error: Exception) -> None:
        """Keep what failed for /health: the views being worked on, the error, how often."""
        before = self.failure
        repeated = before is not None and before.views == self._working_on
        self.failure = CatchUpFailure(
            views=self._working_on,
            error=type(error).__name__,
            message=first_line(error),
            failures=before.failures + 1 if before is not None and repeated else 1,
            since=before.since if before is not None and repeated else datetime.now(UTC),
        )

    def _catch_up_views(
        self,
        views: list[ViewSpec],
        progress: Callable[[int, int], None] | None,
        batch_size: int | None = None,
        broken: dict[str, Exception] | None = None,
    ) -> int:
        """One pass over the log for all the views behind: each page of notifications is
        read once and each event decoded once, then every view's rows and position are
        written in one transaction. With `broken`, a view whose code fails on an event
        or whose rows the database refuses is left where it is (in `broken`, with the
        error) and the others go on; without it, the error is raised."""
        head = self.app.recorder.max_notification_id() or 0
        tracked = self.store.positions(tuple(self.tracking_name(v) for v in views))
        positions = {v.name: tracked[self.tracking_name(v)] for v in views}
        topic_sets = {v.name: frozenset(v.topics) for v in views}
        limit = batch_size or self.batch_size
        applied = 0
        failed: dict[str, Exception] = {} if broken is None else broken
        while True:
            behind = [v for v in views if positions[v.name] < head and v.name not in failed]
            if not behind:
                break
            start = min(positions[v.name] for v in behind)
            topics: tuple[str, ...] = ()
            if all(v.topics for v in behind):
                topics = tuple(sorted({t for v in behind for t in v.topics}))
            notifications = self.app.recorder.select_notifications(
                start=start + 1, limit=limit, stop=head, topics=topics
            )
            # A short page means nothing more of interest up to the head: every view
            # can go straight there.
            new_position = head if len(notifications) < limit else notifications[-1].id
            ops: dict[str, list[Op]] = {v.name: [] for v in behind}
            events: dict[str, int] = {v.name: 0 for v in behind}  # applied once written
            for notification in notifications:
                event: Any = None
                for view in behind:
                    if notification.id <= positions[view.name]:
                        continue
                    if view.topics and notification.topic not in topic_sets[view.name]:
                        continue
                    if view.name in failed:
                        continue
                    self._working_on = (view.name,)
                    if event is None:
                        event = self.app.mapper.to_domain_event(notification)
                    try:
                        ops[view.name].extend(view.ops_for(event, notification.id))
                    except Exception as error:
                        if broken is None:
                            raise
                        failed[view.name] = error  # the view's own code: a defect
                        continue
                    events[view.name] += 1
            moving = [
                v for v in behind if positions[v.name] < new_position and v.name not in failed
            ]
            self._working_on = tuple(v.name for v in moving)
            try:
                # Every view's rows and position in one transaction, written only when
                # the views are still where these ops were worked out from (checked
                # under the views' write lock: another process may be catching up too).
                self.store.apply_together(
                    [op for v in moving for op in ops[v.name]],
                    tuple(Tracking(self.tracking_name(v), new_position) for v in moving),
                    since={self.tracking_name(v): positions[v.name] for v in moving},
                )
                for view in moving:
                    positions[view.name] = new_position
                applied += sum(events[v.name] for v in moving)
            except PositionMoved as moved:
                # Another process applied (some of) these events first, or a rebuild
                # reset a view: nothing was written; carry on from where the views are.
                for view in moving:
                    name = self.tracking_name(view)
                    positions[view.name] = moved.found.get(name, positions[view.name])
                continue
            except Exception:
                # The database refused some view's rows: view by view, each carrying on
                # from where it is, so the others move on and the refused one is named.
                refused: tuple[str, Exception] | None = None
                for view in moving:
                    self._working_on = (view.name,)
                    try:
                        positions[view.name] = self._advance(
                            self.tracking_name(view),
                            ops[view.name],
                            positions[view.name],
                            new_position,
                        )
                        if positions[view.name] == new_position:
                            applied += events[view.name]
                    except Exception as error:
                        refused = refused or (view.name, error)
                        if broken is not None:
                            failed[view.name] = error
                if refused is not None:
                    if broken is None:
                        self._working_on = (refused[0],)
                        raise refused[1] from None
                    # A view's refusal, or the database gone? If the event store does
                    # not answer either, it is an outage: raised as before (503).
                    self.app.recorder.max_notification_id()
            if progress:
                progress(min(positions[v.name] for v in views), head)
        return applied

    def _advance(self, name: str, ops: list[Op], since: int, new_position: int) -> int:
        """Write one view's batch and its position; the position afterwards. When the
        view has moved on from `since` meanwhile (another process), nothing is written
        and the position found is returned, so the caller carries on from there."""
        try:
            self.store.apply_together(ops, (Tracking(name, new_position),), since={name: since})
        except PositionMoved as moved:
            return moved.found.get(name, since)
        return new_position

    def rebuild(
        self,
        names: tuple[str, ...] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Drop the views' rows and tracking, then rebuild them from the log."""
        with self._lock:
            views = [self.views[name] for name in names or tuple(self.views)]
            for view in views:
                self.store.reset(self.tracking_name(view), view.tables)
            applied = self._catch_up_views(views, progress, self.rebuild_batch_size)
            # Every row is new: the planner's statistics of the old ones mislead it (a
            # search of a common name planned as a rare one).
            self.store.analyze(tuple(t for view in views for t in view.tables))
            return applied
