"""The view interface: what the projections write and what the API reads.

One implementation per backend (`sqlite.py`, `postgres.py`) behind this class,
as in the library's `searchabletimestamps` example. A view's rows and its tracking
position are written in one transaction (`apply`), so a crash never applies an
event twice or skips one.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking, TrackingRecorder

from domain.errors import ViewUnavailableError

# An Idempotency-Key claim still pending after this long is taken over by a retry
# (LEDGER_IDEMPOTENCY_PENDING_SECONDS; services/settings.py).
PENDING_SECONDS = 300.0


@dataclass(frozen=True)
class Op:
    """One change to a view's rows: `kind` names the statement, `row` its values."""

    kind: str
    row: dict[str, Any]


@dataclass(frozen=True)
class EntitlementRow:
    notification_id: int
    household_id: UUID
    region_code: str
    programme: str
    member_id: str | None
    monthly_fen: int
    ended: bool
    effective_from: date
    recorded_at: datetime
    reason: str
    standard_version: str
    cause: str
    actor: str


def grouped(ops: list[Op], order: tuple[str, ...]) -> list[tuple[str, list[dict[str, Any]]]]:
    """A batch's ops as one list of rows per kind, kinds in `order`, rows in batch order.

    Valid because every kind that updates a row comes after the kind that creates it,
    and two kinds never write the same column of a row in an order that matters."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for op in ops:
        rows.setdefault(op.kind, []).append(op.row)
    return [(kind, rows[kind]) for kind in order if kind in rows]


def coalesced(kind: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A batch's rows of one kind, with the upserts of one key merged into one row when
    applying the merged row gives what applying them in turn would.

    `ledger_version` (a payment ledger's version, written by every event of the ledger)
    is such an upsert: the last version and chain head win, and the household and the
    last run's period keep the last value that was given. `search_name` appends a name
    to its household's text row: the names of one household in a batch are appended as
    one (their grams space-separated, their normalised forms "|"-separated, as the
    statement joins them), one update a household instead of one a member."""
    if kind == "search_name" and len(rows) > 1:
        names: dict[Any, dict[str, Any]] = {}
        for row in rows:
            before = names.get(row["household_id"])
            if before is None:
                names[row["household_id"]] = dict(row)
                continue
            before["grams"] = f"{before['grams']} {row['grams']}"
            before["norm"] = f"{before['norm']}|{row['norm']}"
        return list(names.values())
    if kind != "ledger_version" or len(rows) < 2:
        return rows
    merged: dict[Any, dict[str, Any]] = {}
    for row in rows:
        before = merged.get(row["ledger_id"])
        if before is None:
            merged[row["ledger_id"]] = dict(row)
            continue
        before["version"] = row["version"]
        before["chain_head"] = row["chain_head"]
        for name in ("household_id", "last_run_period"):
            if row[name] is not None:
                before[name] = row[name]
    return list(merged.values())


def sorted_rows(rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows in a stable order whatever their column types (to compare two dumps)."""
    return sorted(rows, key=lambda row: tuple("" if v is None else str(v) for v in row))


class PositionMoved(Exception):
    """Another process moved a view on (or reset it) since the position a batch was
    worked out from was read: the batch is not written, and `found` holds the positions
    as they are now, for the caller to carry on from."""

    def __init__(self, found: dict[str, int]) -> None:
        super().__init__(f"view positions moved on meanwhile: {found}")
        self.found = found


class ViewStore(TrackingRecorder, ABC):
    """The views of the ledger in one database, each with its own tracking name.

    Every write to the views (`apply`, `apply_together`, `reset`) takes the views' write
    lock first, in its own transaction (PostgreSQL: a transaction advisory lock of the
    schema; SQLite: BEGIN IMMEDIATE), so that many processes may catch up the same views
    at once: one writes at a time, and each checks under the lock that the positions it
    worked from are still the views' positions."""

    dialect = ""  # "sqlite" or "postgres": which of a query's backend forms to run

    # The tables of the views that keep failing to catch up, by table (set by the
    # runner; always replaced, never changed in place): a read of one is refused.
    unavailable: dict[str, str] = {}  # noqa: RUF012

    def check_available(self, statement: str) -> None:
        """Refuse a read of a failing view's table (ViewUnavailableError naming it)."""
        for table, view in self.unavailable.items():
            if re.search(rf"\b{table}\b", statement):
                raise ViewUnavailableError(
                    f"the {view} view is failing to catch up and its data would be stale; "
                    "what reads it is unavailable until it recovers (see /health)",
                    view,
                )

    @abstractmethod
    def apply(self, ops: list[Op], tracking: Tracking) -> None:
        """Write the ops and the tracking position in one transaction."""

    @abstractmethod
    def apply_together(
        self,
        ops: list[Op],
        trackings: tuple[Tracking, ...],
        since: dict[str, int] | None = None,
    ) -> None:
        """Write the ops of several views and each view's position in one transaction
        (the ops of different views touch different tables). With `since` (tracking name:
        the position the ops were worked out from), the positions are read again under
        the lock first and, when any differs, nothing is written: PositionMoved."""

    @abstractmethod
    def reset(self, view_name: str, tables: tuple[str, ...]) -> None:
        """Delete a view's rows and its tracking position (before a rebuild)."""

    @abstractmethod
    def dump(self, tables: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of the tables, in a stable order (to compare rebuilds)."""

    @abstractmethod
    def entitlement_rows(
        self, household_id: UUID, known_at: datetime | None = None
    ) -> list[EntitlementRow]:
        """The household's entitlement changes recorded up to `known_at`, oldest first."""

    @abstractmethod
    def households_with(
        self,
        programmes: tuple[str, ...],
        region_prefix: str,
        since: date,
        *,
        paused: bool = False,
    ) -> list[UUID]:
        """Households with an entitlement of one of the programmes in force on some day
        from `since` on (one that has ended since, or ends later, included); with
        `paused`, every household that ever had one of them (a paused amount resumes)."""

    @abstractmethod
    def current_entitlements(self, household_id: UUID) -> list[dict[str, Any]]:
        """The latest recorded amount of each of the household's entitlements."""

    def analyze(self, tables: tuple[str, ...]) -> None:
        """Refresh the planner's statistics of these tables after a rebuild rewrote them
        (PostgreSQL; autovacuum would, later). SQLite plans the views' reads without."""

    @abstractmethod
    def count(self, table: str) -> int:
        """Rows in a view table."""

    @abstractmethod
    def query(
        self,
        statement: str,
        params: dict[str, Any],
        *,
        plan_each: bool = False,
        compile_plan: bool = True,
    ) -> list[dict[str, Any]]:
        """Run one of projections/sql.py's read queries; integers come back as int.
        `plan_each`: plan it for these parameters every time (PostgreSQL: never a
        prepared statement's generic plan, which for a search cannot tell a common name
        from a rare one and scans every row for the rare). `compile_plan` False:
        PostgreSQL's JIT off for this read (a large plan's estimated cost sets it off,
        and compiling takes longer than the warnings' reads themselves)."""

    # The PIPL trail of personal-data reads (not derived from events either).

    @abstractmethod
    def record_access(
        self, at: datetime, user: str, role: str, household_id: str | None, path: str
    ) -> None:
        """Note that `user` read personal data (of a household, or a feed) at `at`."""

    @abstractmethod
    def record_accesses(
        self, at: datetime, user: str, role: str, household_ids: Sequence[str | None], path: str
    ) -> None:
        """Note in one transaction that `user` read personal data of each of these
        households (a page of search results, a worklist) at `at`."""

    @abstractmethod
    def accesses(self, household_id: str | None, limit: int) -> list[dict[str, Any]]:
        """The latest personal-data reads, newest first (of one household if given)."""

    # The API's Idempotency-Key record lives beside the views: it is not derived from
    # events (it is a record of answers given), so a rebuild leaves it alone.

    @abstractmethod
    def idempotency_begin(
        self, scope: str, body_hash: str, *, pending_seconds: float = PENDING_SECONDS
    ) -> tuple[str, int | None, bytes]:
        """Claim `scope`: ("new", None, b"") for a first request; ("replay", status,
        body) for a finished one with the same body; ("mismatch" | "pending", ...). A
        claim left pending longer than `pending_seconds` is "in_doubt": its process died
        after the write may have committed and before it kept the answer, so running it
        again could record it twice; the caller must read the record and use a new key."""

    @abstractmethod
    def idempotency_finish(self, scope: str, status: int, body: bytes) -> None:
        """Keep the answer of a claimed scope."""

    @abstractmethod
    def idempotency_abort(self, scope: str) -> None:
        """Release a claim whose request failed, so it may be retried."""

    def positions(self, names: tuple[str, ...]) -> dict[str, int]:
        """The tracked position of each of these tracking names (0: none yet)."""
        return {name: self.max_tracking_id(name) or 0 for name in names}

    def head_and_positions(
        self, recorder: Any, names: tuple[str, ...]
    ) -> tuple[int, dict[str, int]]:
        """The head of the application's log and these positions (a read asks both)."""
        return recorder.max_notification_id() or 0, self.positions(names)
