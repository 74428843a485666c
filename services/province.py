"""Many ledgers behind one service: a province's counties or cities, each its own
PostgreSQL database (possibly each on its own server), one deployment in front
(LEDGER_LEDGERS_FILE, docs/SCALING.md).

The file maps region codes to databases:

    [[ledger]]
    name = "nanhu"                     # letters, digits, - and _
    regions = ["330402"]               # county (6 digits) or city (4) codes
    database_url = "postgresql://ledger_app:...@db-nanhu:5432/ledger"
    replica_url = "postgresql://ledger_app:...@db-nanhu-replica:5432/ledger"  # optional

Every ledger keeps its own standards, runs, chain and backups: the domain is unchanged
(every rule is evaluated within one household against its own jurisdiction's
standards). A request goes to the ledger that holds its household, or to the one whose
regions cover its region code; figures for a wider region add the ledgers up. SQLite
stays the one-ledger default: the file takes PostgreSQL URLs only.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from services.ledger import Ledger
from services.settings import Settings

log = logging.getLogger("ledger.project")

_NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")
_REGION = re.compile(r"\d{2}(\d{2}){0,5}")


class ProvinceConfigError(ValueError):
    """The ledgers file is wrong; the message names the ledger and the key."""


class RegionUnknownError(LookupError):
    """No ledger of this deployment covers the region (or no ledger was named)."""


@dataclass(frozen=True)
class LedgerSpec:
    name: str
    regions: tuple[str, ...]
    settings: Settings

    def covers(self, region_code: str) -> bool:
        return any(region_code.startswith(r) for r in self.regions)

    def within(self, prefix: str) -> bool:
        """Some of this ledger's regions lie in `prefix` (or `prefix` in one of them)."""
        return any(r.startswith(prefix) or prefix.startswith(r) for r in self.regions)


def _expand(value: Any, where: str, key: str) -> Any:
    """A URL's ${VARIABLE}s from the environment (so that passwords stay out of the
    file); one that is not set is refused, named."""
    if not isinstance(value, str):
        return value
    expanded = os.path.expandvars(value)
    left = re.search(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", expanded)
    if left:
        raise ProvinceConfigError(f"{where}: {key} names ${{{left.group(1)}}}, which is not set")
    return expanded


def read_ledgers_file(path: Path, base: Settings) -> list[LedgerSpec]:
    """The ledgers of the file, each with `base`'s settings but its own database (URLs
    may name ${VARIABLES} of the environment)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProvinceConfigError(f"LEDGER_LEDGERS_FILE: cannot read {path}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ProvinceConfigError(f"LEDGER_LEDGERS_FILE: {path} is not TOML: {error}") from None
    entries = data.get("ledger")
    if not isinstance(entries, list) or not entries:
        raise ProvinceConfigError(
            f"LEDGER_LEDGERS_FILE: {path} has no [[ledger]] tables (name, regions, database_url)"
        )
    specs: list[LedgerSpec] = []
    for n, entry in enumerate(entries, 1):
        where = f"LEDGER_LEDGERS_FILE: ledger {n}"
        if not isinstance(entry, dict):
            raise ProvinceConfigError(f"{where}: must be a table")
        unknown = sorted(set(entry) - {"name", "regions", "database_url", "replica_url"})
        if unknown:
            raise ProvinceConfigError(f"{where}: unknown key {', '.join(unknown)}")
        name = entry.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ProvinceConfigError(f"{where}: name must be 1-40 letters, digits, - or _")
        where = f"LEDGER_LEDGERS_FILE: ledger {name}"
        regions = entry.get("regions")
        if (
            not isinstance(regions, list)
            or not regions
            or not all(isinstance(r, str) and _REGION.fullmatch(r) for r in regions)
        ):
            raise ProvinceConfigError(
                f"{where}: regions must be a list of region codes (2 to 12 digits, pairs)"
            )
        url = _expand(entry.get("database_url"), where, "database_url")
        if not isinstance(url, str) or not url.startswith(("postgresql://", "postgres://")):
            raise ProvinceConfigError(
                f"{where}: database_url must be postgresql://... (SQLite is one ledger alone)"
            )
        replica = _expand(entry.get("replica_url"), where, "replica_url")
        if replica is not None and not isinstance(replica, str):
            raise ProvinceConfigError(f"{where}: replica_url must be a postgresql:// URL")
        try:
            own = Settings(
                **{
                    **base.model_dump(exclude={"database_url", "replica_url", "ledgers_file"}),
                    "database_url": url,
                    "replica_url": replica,
                }
            )
        except ValueError as error:
            raise ProvinceConfigError(f"{where}: {error}") from None
        specs.append(LedgerSpec(name, tuple(regions), own))
    names = [s.name for s in specs]
    for name in names:
        if names.count(name) > 1:
            raise ProvinceConfigError(f"LEDGER_LEDGERS_FILE: ledger {name} appears twice")
    for a in specs:
        for b in specs:
            if a is b:
                continue
            for r in a.regions:
                if b.within(r):
                    raise ProvinceConfigError(
                        f"LEDGER_LEDGERS_FILE: region {r} of ledger {a.name} overlaps "
                        f"ledger {b.name}'s regions {', '.join(b.regions)}: a household "
                        "must have one ledger"
                    )
    return specs


@dataclass
class Province:
    """The open ledgers of a deployment, in the file's order (the first is the default:
    the service's own records, such as idempotency keys and the PIPL trail, go there)."""

    specs: list[LedgerSpec]
    ledgers: dict[str, Ledger]
    _homes: dict[UUID, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, specs: list[LedgerSpec]) -> Province:
        ledgers: dict[str, Ledger] = {}
        try:
            for spec in specs:
                ledgers[spec.name] = Ledger.open(spec.settings)
        except Exception:
            for opened in ledgers.values():
                opened.close()
            raise
        province = cls(specs, ledgers)
        if specs[0].settings.migrate_on_start:  # else the owner made it (`ledger migrate`)
            create_index(province)
        for spec, ledger in province:
            ledger.province, ledger.name = province, spec.name
        return province

    def close(self) -> None:
        for ledger in self.ledgers.values():
            ledger.close()

    @property
    def default(self) -> Ledger:
        return self.ledgers[self.specs[0].name]

    def __iter__(self) -> Iterator[tuple[LedgerSpec, Ledger]]:
        for spec in self.specs:
            yield spec, self.ledgers[spec.name]

    def describe(self) -> str:
        return "; ".join(f"{s.name}: {', '.join(s.regions)}" for s in self.specs)

    def name_of(self, ledger: Ledger) -> str:
        return next(name for name, held in self.ledgers.items() if held is ledger)

    def named(self, name: str) -> Ledger:
        if name not in self.ledgers:
            raise RegionUnknownError(
                f"ledger: no ledger {name!r} in this deployment ({self.describe()})"
            )
        return self.ledgers[name]

    def for_region(self, region_code: str) -> Ledger:
        """The ledger whose regions cover `region_code` (a county, township or village
        code); a code wider than one ledger (a city over several counties' ledgers) is
        not one ledger's."""
        covering = [s for s in self.specs if s.covers(region_code)]
        if len(covering) == 1:
            return self.ledgers[covering[0].name]
        within = [s for s in self.specs if s.within(region_code)]
        if len(within) == 1:
            return self.ledgers[within[0].name]
        if within:
            raise RegionUnknownError(
                f"region: {region_code} spans the ledgers {', '.join(s.name for s in within)}; "
                "give a county's code or ?ledger=NAME"
            )
        raise RegionUnknownError(
            f"region: no ledger of this deployment covers {region_code} ({self.describe()})"
        )

    def within(self, prefix: str) -> list[tuple[LedgerSpec, Ledger]]:
        """Every ledger with regions in `prefix`: what figures for that region add up."""
        return [(s, ledger) for s, ledger in self if s.within(prefix)]

    def for_household(self, household_id: UUID) -> Ledger | None:
        """The ledger whose event store holds the household's stream (one indexed read
        per ledger the first time, then remembered: a stream never changes ledger)."""
        with self._lock:
            name = self._homes.get(household_id)
        if name is None:
            for spec, ledger in self:
                recorder: Any = ledger.app.recorder
                if recorder.select_events(household_id, limit=1):
                    name = spec.name
                    break
            if name is None:
                return None
            with self._lock:
                self._homes[household_id] = name
        return self.ledgers[name]


# ------------------------------------------------------------ one person, one place

INDEX_TABLE = "ledger_province_identity"


def create_index(province: Province) -> None:
    """The province-wide index of ID numbers to ledger, in the default ledger's database:
    the keyed hash of each number (HMAC-SHA256 under the ID index key, as the search view
    holds them: no plain number) and the ledger that holds the person."""
    with _datastore(province).transaction(commit=True) as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {_table(province)} ("
            " id_key text PRIMARY KEY, ledger text NOT NULL,"
            " updated_at timestamptz NOT NULL DEFAULT now())"
        )


def grant_index(province: Province, role: str) -> None:
    """PostgreSQL: the application role may read and write the index (not drop it)."""
    from psycopg import sql as pgsql

    with _datastore(province).transaction(commit=True) as cursor:
        cursor.execute(
            pgsql.SQL("GRANT SELECT, INSERT, UPDATE ON {} TO {}").format(
                pgsql.SQL(_table(province)), pgsql.Identifier(role)
            )
        )


def _datastore(province: Province) -> Any:
    return province.default.views.datastore  # type: ignore[attr-defined]


def _table(province: Province) -> str:
    return f'"{_datastore(province).schema}".{INDEX_TABLE}'


def _held_in(ledger: Ledger, id_number: str) -> bool:
    """The person is in a household of `ledger`, or is recorded dead there."""
    from domain.identity import IdentityClaim, claim_id

    try:
        claim = ledger.app.repository.get(claim_id(id_number))
    except Exception as error:  # AggregateNotFoundError: never claimed there
        if type(error).__name__ == "AggregateNotFoundError":
            return False
        raise
    assert isinstance(claim, IdentityClaim)
    return claim.household_id is not None or bool(claim.deceased)


def claim_in_province(province: Province, name: str, id_number: str) -> None:
    """Before ledger `name` adds the person: the index names the ledger that holds them.
    If another ledger does, and the person is still in a household there (or dead), this
    is refused (ConflictError naming `id_number` and that ledger, nothing about the
    household); if the other ledger no longer holds them (moved out, released), the index
    passes to `name`. The index row is locked meanwhile, so two ledgers adding the same
    person at once take turns and the second is refused."""
    from domain.errors import ConflictError
    from projections.search import id_hash

    key = id_hash(province.default.settings.id_index_secret(), id_number)
    refused_by: str | None = None
    table = _table(province)
    with _datastore(province).transaction(commit=True) as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id_key, ledger) VALUES (%s, %s) "
            "ON CONFLICT (id_key) DO NOTHING RETURNING id_key",
            (key, name),
        )
        if cursor.fetchone() is not None:
            # First seen by the index: a person recorded before it (or never) -- ask
            # the other ledgers themselves, and keep the answer.
            holders = [
                other
                for other, ledger in province.ledgers.items()
                if other != name and _held_in(ledger, id_number)
            ]
            if holders:
                refused_by = holders[0]
                cursor.execute(
                    f"UPDATE {table} SET ledger = %s WHERE id_key = %s", (refused_by, key)
                )
        else:
            cursor.execute(f"SELECT ledger FROM {table} WHERE id_key = %s FOR UPDATE", (key,))
            row = cursor.fetchone()
            holder = str(row["ledger"]) if row else name
            if holder != name:
                if holder in province.ledgers and _held_in(province.ledgers[holder], id_number):
                    refused_by = holder
                else:  # moved out or released there: the person may come here
                    cursor.execute(
                        f"UPDATE {table} SET ledger = %s, updated_at = now() WHERE id_key = %s",
                        (name, key),
                    )
    if refused_by is not None:
        raise ConflictError(
            f"id_number: this person is registered in ledger {refused_by} of the province "
            "(one person, one place, POLICY ch. 15); move them between ledgers instead",
            field="id_number",
        )


# ------------------------------------------------------ moves between two ledgers


@dataclass(frozen=True)
class MoveResult:
    move_id: UUID
    from_ledger: str
    to_ledger: str
    carried: dict[str, int]
    completed: bool


def move_between(
    province: Province,
    *,
    from_household_id: UUID,
    member_id: str,
    to_household_id: UUID,
    effective_on: date,
    actor: str,
) -> MoveResult:
    """The person leaves one ledger's household for another ledger's (domain/transfer.py:
    out, in, completed; ids derived from the move, so a retry records nothing twice).
    Whatever the target refuses is checked before the person leaves; if the process dies
    between the halves, `resume_moves` finishes the move."""
    from domain.errors import InvalidInputError, NotFoundError

    source = province.for_household(from_household_id)
    target = province.for_household(to_household_id)
    if source is None:
        raise NotFoundError(f"no household {from_household_id}", "household_id")
    if target is None:
        raise NotFoundError(f"no household {to_household_id}", "to_household_id")
    source_name, target_name = province.name_of(source), province.name_of(target)
    if source is target:
        raise InvalidInputError(
            "to_household_id is in the same ledger: move the member within it "
            "(POST /households/{id}/members/{member_id}/move)",
            "to_household_id",
        )
    joined = target.app.household(to_household_id)
    if effective_on < joined.registered_on:
        raise InvalidInputError(
            "effective_on is before the household was registered", "effective_on"
        )
    person = source.app.household(from_household_id).member(member_id)
    claim = target.app.identity_claim(person.id_number)
    if claim is not None:
        claim.refuse_elsewhere(to_household_id)  # held in another household there, or dead
    left = source.app.transfer_out(
        from_household_id,
        member_id,
        to_ledger=target_name,
        to_household_id=to_household_id,
        effective_on=effective_on,
        actor=actor,
    )
    return _finish(province, source_name, left, actor)


def _finish(province: Province, source_name: str, left: Any, actor: str) -> MoveResult:
    """The second half and the completion of a move whose first half is recorded."""
    details = left.details
    target_name = details["to_ledger"]
    target = province.named(target_name)
    target.app.transfer_in(left, from_ledger=source_name, actor=actor)
    source = province.named(source_name)
    move = UUID(details["move_id"])
    done = source.app.complete_transfer(move, actor=actor)
    _index_moves_to(province, details["person"]["id_number"], target_name)
    return MoveResult(move, source_name, target_name, dict(details["carried"]), done.completed)


def _index_moves_to(province: Province, id_number: str, name: str) -> None:
    from projections.search import id_hash

    key = id_hash(province.default.settings.id_index_secret(), id_number)
    with _datastore(province).transaction(commit=True) as cursor:
        cursor.execute(
            f"INSERT INTO {_table(province)} (id_key, ledger) VALUES (%s, %s) "
            "ON CONFLICT (id_key) DO UPDATE SET ledger = EXCLUDED.ledger, updated_at = now()",
            (key, name),
        )


def unfinished_moves(province: Province) -> list[tuple[str, Any]]:
    """(ledger left, its Transfer) for every move whose first half is recorded and whose
    completion is not: read from each ledger's log by the Transfer's topic."""
    from eventsourcing.utils import get_topic

    from domain.transfer import Transfer

    topic = get_topic(Transfer.Left)
    found: list[tuple[str, Any]] = []
    for spec, ledger in province:
        recorder: Any = ledger.app.recorder
        start = 1
        while True:
            page = recorder.select_notifications(start, 1000, topics=[topic])
            for notification in page:
                left = ledger.app.repository.get(notification.originator_id)
                if not left.completed:
                    found.append((spec.name, left))
            if len(page) < 1000:
                break
            start = page[-1].id + 1
    return found


def resume_moves(province: Province, *, actor: str = "province-worker") -> list[MoveResult]:
    """Finish every move a dead process left between its halves."""
    return [_finish(province, name, left, actor) for name, left in unfinished_moves(province)]


def run_province_worker(province: Province, stop: threading.Event) -> None:
    """`ledger project` for a province: one worker per ledger (each with its ledger's own
    lock, so a second `ledger project` waits as a standby for each), the first ledger's
    also finishing the moves a dead process left between their halves."""
    from services.projection_worker import run_worker

    def finish_moves() -> None:
        for done in resume_moves(province):
            log.info(
                "move %s from %s to %s finished", done.move_id, done.from_ledger, done.to_ledger
            )

    threads = [
        threading.Thread(
            target=run_worker,
            args=(ledger, spec.settings, stop, finish_moves if n == 0 else None),
            name=f"project-{spec.name}",
            daemon=True,
        )
        for n, (spec, ledger) in enumerate(province)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=1.0)
