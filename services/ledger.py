"""The composition root: builds the application, its views and their runner from
the settings. The API and the command line get a `Ledger` from here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from functools import partial
from typing import TYPE_CHECKING, Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from domain.application import LedgerApplication, Propagation, StandardChangeResult
from domain.audit import StandardsHistory, VerifyReport, check_chain, recompute_household
from domain.checkpoint import Checkpoint, Logged, compare
from domain.errors import NotFoundError
from domain.household import Household
from domain.policy.base import StandardValue
from domain.policy.registry import REGISTRY
from domain.policy.s17_medical_caps import CAP_KEYS, excess_over_caps
from domain.standards import Standards, StandardsBook, county_of, region_prefix
from projections import sql
from projections.interface import EntitlementRow, ViewStore
from projections.postgres import (
    PostgresViewStore,
    binary_event_inserts,
    grant_application_role,
    make_append_only,
    track_stream_heads,
)
from projections.queries import CareFacts, CareStatus, InForce, as_day, in_force
from projections.runner import CatchUpRunner
from services.settings import Settings

if TYPE_CHECKING:
    from services.province import Province


def build_views(env: dict[str, str]) -> ViewStore:
    """The view store on the same database as the events."""
    factory = InfrastructureFactory[Any].construct(Environment("views", env))
    if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        return factory.tracking_recorder(PostgresViewStore)
    from projections.sqlite import SQLiteViewStore

    return factory.tracking_recorder(SQLiteViewStore)


@contextmanager
def startup_lock(env: dict[str, str]) -> Iterator[None]:
    """On PostgreSQL, one process at a time creates tables, functions and triggers:
    the library's and ours use CREATE OR REPLACE FUNCTION, which fails with "tuple
    concurrently updated" when two processes start at once. A session advisory lock
    on its own connection serialises the start-up; SQLite needs none."""
    if env["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        yield
        return
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
        autocommit=True,
    ) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext('ledger-startup'))")
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext('ledger-startup'))")


@dataclass(frozen=True)
class MedicalHousehold:
    household_id: str
    region_code: str
    total_fen: int
    kept_fen: int
    excess_fen: int  # over the caps, from the counted self-pay (excess_over_caps)
    relieved_fen: int  # the fund's relief ledger for the same bills, net of adjustments

    @property
    def cleared(self) -> bool:
        return self.relieved_fen >= self.excess_fen


@dataclass
class MedicalCounty:
    total_fen: int = 0
    kept_fen: int = 0
    over_cap: int = 0  # households whose counted self-pay went over a cap
    cleared: int = 0  # of those, the ones whose whole excess the fund relieved
    excess_fen: int = 0
    relieved_fen: int = 0  # of the excess


@dataclass
class Ledger:
    settings: Settings
    app: LedgerApplication
    views: ViewStore
    runner: CatchUpRunner
    # The review bases of households by stream version (services/worklist.py): a
    # household's are worked out again only when its stream has moved on.
    review_bases: dict[str, tuple[int, list[dict[str, Any]]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # In a province (services/province.py): the province this ledger is one of, and its
    # name there. None: one ledger alone.
    province: Province | None = field(default=None, repr=False, compare=False)
    name: str = field(default="", compare=False)

    @classmethod
    def open(cls, settings: Settings, *, seed: bool = True) -> Ledger:
        env = settings.persistence_env()
        with startup_lock(env):
            return cls._open(settings, env, seed=seed)

    @classmethod
    def _open(cls, settings: Settings, env: dict[str, str], *, seed: bool) -> Ledger:
        app = LedgerApplication(env)
        migrate = settings.migrate_on_start
        if seed and migrate:
            app.seed_standards()
            app.seed_calendar()
        views = build_views(env)
        recorder: Any = app.recorder
        if isinstance(views, PostgresViewStore):
            binary_event_inserts(recorder)
            if app.snapshots is not None:
                binary_event_inserts(app.snapshots.recorder)
        # Without migrate_on_start the owner created all this (`ledger migrate`): this
        # role may not.
        if migrate and isinstance(views, PostgresViewStore):
            tables = [recorder.events_table_name]
            if app.snapshots is not None:
                tables.append(app.snapshots.recorder.events_table_name)  # type: ignore[attr-defined]
            make_append_only(recorder.datastore, tuple(tables))
            track_stream_heads(recorder.datastore, recorder.events_table_name)
        elif migrate:
            from projections.sqlite import track_stream_heads as track_sqlite_heads

            track_sqlite_heads(recorder.datastore, recorder.events_table_name)
        runner = CatchUpRunner(app, views, id_key=settings.id_index_secret())
        if settings.projection_worker:
            runner.wait_for_worker = settings.projection_wait_seconds
        return cls(settings, app, views, runner)

    @classmethod
    def open_replica(cls, settings: Settings) -> Ledger:
        """The ledger as a hot standby of its PostgreSQL server (LEDGER_REPLICA_URL)
        holds it: events and views both come by streaming replication, in the primary's
        commit order. It is only read: nothing is migrated or seeded, and its runner
        never catches up (the primary's views arrive as the primary wrote them)."""
        if settings.replica_url is None:
            raise ValueError("LEDGER_REPLICA_URL is not set")
        on_replica = settings.model_copy(
            update={"database_url": settings.replica_url, "migrate_on_start": False}
        )
        replica = cls._open(on_replica, on_replica.persistence_env(), seed=False)
        replica.runner.read_only = True
        replica.runner.wait_for_worker = None
        return replica

    def grant_to(self, role: str) -> None:
        """PostgreSQL: grant an application role what the ledger needs and no more (see
        `projections.postgres.grant_application_role`)."""
        if not isinstance(self.views, PostgresViewStore):
            raise ValueError("roles and grants are PostgreSQL's; SQLite has none")
        recorder: Any = self.app.recorder
        snapshots: Any = self.app.snapshots
        grant_application_role(
            recorder.datastore,
            role,
            events=recorder.events_table_name,
            snapshots=snapshots.recorder.events_table_name if snapshots else None,
        )

    def close(self) -> None:
        self.app.close()
        datastore = getattr(self.views, "datastore", None)
        if datastore is not None and hasattr(datastore, "close"):
            datastore.close()

    @property
    def backend(self) -> str:
        return "postgresql" if isinstance(self.views, PostgresViewStore) else "sqlite"

    # -------------------------------------------------- commands across the views

    def record_standard_change(
        self,
        *,
        key: str,
        value: StandardValue,
        effective_from: date,
        basis: str,
        actor: str,
        region_code: str | None = None,
        cited_income_growth: Fraction | None = None,
        cited_urban_consumption_fen: int | None = None,
        override_reason: str | None = None,
    ) -> tuple[StandardChangeResult, Propagation]:
        """Record the change, then bring every household it can affect in line, then
        record that the propagation completed (`ledger propagate` completes one cut
        short)."""
        result = self.app.record_standard_change(
            key=key,
            value=value,
            effective_from=effective_from,
            basis=basis,
            actor=actor,
            region_code=region_code,
            cited_income_growth=cited_income_growth,
            cited_urban_consumption_fen=cited_urban_consumption_fen,
            override_reason=override_reason,
        )
        return result, self.propagate(result.region_code, result.version, actor=actor)

    def propagate(self, region_code: str, version: int, *, actor: str) -> Propagation:
        """Propagate the change of `version` in the region's standards and record its
        completion. Idempotent: running it again records no household change."""
        change = self.app.standard_change(region_code, version)
        propagation = Propagation()
        if change.key in REGISTRY.propagated_keys():
            self.runner.catch_up()
            ids = self.affected_households(region_code, change.key, change.effective_from)
            propagation = self.app.propagate_change(
                ids,
                key=change.key,
                effective_from=change.effective_from,
                actor=actor,
                reason=f"standard change {change.key} {region_code}/v{version}",
            )
            self.app.complete_propagation(region_code, version, propagation, actor=actor)
            self.runner.catch_up()
        return propagation

    def affected_households(self, region_code: str, key: str, since: date) -> list[UUID]:
        """Households a change of `key` from `since` in the region can affect: an
        entitlement of a programme whose amount uses the key in force on any day from
        `since` on (ended since, or ending later, included), or for a §17 cap a bill
        served on or after `since`. From the views; each household's stream decides."""
        prefix = region_prefix(region_code)
        found: set[UUID] = set()
        using = [p for p in REGISTRY if key in (p.amount_keys or ())]
        programmes = tuple(p.name for p in using)
        if programmes:
            # A paused price subsidy (CPI below the trigger) resumes when CPI or the trigger
            # changes: its households are found whatever their latest amount.
            paused = any(p.pausable for p in using)
            found |= set(self.views.households_with(programmes, prefix, since, paused=paused))
        if key in CAP_KEYS:
            rows = self.views.query(
                sql.MEDICAL_HOUSEHOLDS_SINCE, {"since": since, "prefix": prefix + "%"}
            )
            found |= {UUID(str(r["household_id"])) for r in rows}
        return sorted(found, key=str)

    def complete_propagations(self, *, actor: str) -> list[tuple[str, int, Propagation]]:
        """Complete every change whose propagation was cut short (oldest first)."""
        done = []
        for region, change in self.app.unfinished_propagations():
            done.append(
                (region, change.version, self.propagate(region, change.version, actor=actor))
            )
        return done

    def correct(self, *, actor: str) -> list[tuple[UUID, list[str]]]:
        """Bring every household recorded before the POLICY ch. 13 fix in line (`ledger
        correct`): the households corrected and what was corrected in each. Idempotent.
        The next payment run recovers (or pays as arrears) what the corrected months
        were paid wrongly."""
        self.runner.catch_up()
        done = []
        for row in self.views.query(sql.ALL_HOUSEHOLDS, {}):
            hid = UUID(str(row["household_id"]))
            corrected = self.app.correct_household(hid, actor=actor)
            if corrected:
                done.append((hid, corrected))
        self.runner.catch_up()
        return done

    def replace_stale_snapshots(self) -> int:
        """Every household snapshot written under older rules replaced by a current one
        (`ledger migrate`, docs/UPGRADING.md); how many were replaced."""
        self.runner.catch_up()
        rows = self.views.query(sql.ALL_HOUSEHOLDS, {})
        return sum(self.app.replace_stale_snapshot(UUID(str(r["household_id"]))) for r in rows)

    def claims(self, *, actor: str) -> dict[str, Any]:
        """One person, one place for a ledger recorded before identity claims (`ledger
        claims`, POLICY ch. 15): a claim for every present member's ID number that has
        none; a number present in two households is reported, not claimed. Idempotent."""
        self.runner.catch_up()
        ids = [UUID(str(r["household_id"])) for r in self.views.query(sql.ALL_HOUSEHOLDS, {})]
        return self.app.backfill_claims(ids, actor=actor)

    # ----------------------------------------------------------------- payments

    def reconciliation(self, period: str) -> dict[str, Any]:
        """A run's reconciliation to the fen (services/reconciliation.py)."""
        from services.reconciliation import reconcile

        return reconcile(self, period)

    def recovery_balances(self) -> dict[str, int]:
        """Overpayments recognised and not yet recovered, across every household now (as
        the views have them): how many entitlements owe something back, and how much.
        A balance whose entitlement has ended stays here until a programme of the same
        household is paid again."""
        self.runner.catch_up()
        owed: dict[tuple[str, str, str], int] = {}
        for row in self.views.query(sql.RUN_OVERPAID, {}):
            key = (str(row["household_id"]), row["programme"], row["member_id"] or "")
            owed[key] = owed.get(key, 0) + int(row["amount_fen"])
        for row in self.views.query(sql.RUN_RECOVERED, {}):
            key = (str(row["household_id"]), row["programme"], row["member_id"] or "")
            if key in owed:
                owed[key] -= int(row["recovered_fen"])
        left = [fen for fen in owed.values() if fen > 0]
        return {"entitlements": len(left), "amount_fen": sum(left)}

    # --------------------------------------------------------------------- care

    def care_facts(self, region_prefix: str | None = None) -> CareFacts:
        """The care view's rows of every household, or of those whose region code starts
        with `region_prefix` (a county's page reads its own)."""
        self.runner.catch_up()
        whole = region_prefix is None
        params = {} if whole else {"prefix": f"{region_prefix}%"}

        def rows(city: str, region: str) -> list[dict[str, Any]]:
            return self.views.query(city if whole else region, params)

        regions = {
            str(r["household_id"]): r["region_code"]
            for r in rows(sql.RUN_REGIONS, sql.CARE_REGIONS_IN)
        }
        categories: dict[str, list[dict[str, Any]]] = {}
        for row in rows(sql.CARE_CATEGORIES, sql.CARE_CATEGORIES_IN):
            categories.setdefault(str(row["household_id"]), []).append(row)
        facts: dict[str, list[dict[str, Any]]] = {}
        for row in rows(sql.CARE_FACTS, sql.CARE_FACTS_IN):
            facts.setdefault(str(row["household_id"]), []).append(row)
        visits: dict[str, list[date]] = {}
        for row in rows(sql.CARE_VISITS, sql.CARE_VISITS_IN):
            visits.setdefault(str(row["household_id"]), []).append(as_day(row["visited_on"]))
        majors: dict[str, list[tuple[date, date | None]]] = {}
        for row in rows(sql.CARE_MAJOR, sql.CARE_MAJOR_IN):
            majors.setdefault(str(row["household_id"]), []).append(
                (
                    as_day(row["reported_on"]),
                    as_day(row["stabilised_on"]) if row["stabilised_on"] else None,
                )
            )
        return CareFacts(regions, categories, facts, visits, majors)

    def member_identity(self) -> dict[tuple[str, str], dict[str, Any]]:
        self.runner.catch_up()
        return {
            (str(r["household_id"]), r["member_id"]): r
            for r in self.views.query(sql.CARE_IDENTITY, {})
        }

    def referral_counts(self, on: date) -> dict[tuple[str, str], int]:
        self.runner.catch_up()
        return {
            (str(r["household_id"]), r["member_id"]): int(r["referrals"])
            for r in self.views.query(sql.CARE_REFERRALS, {"on": on})
        }

    def care_statuses(self, on: date, region_prefix: str = "3304") -> list[CareStatus]:
        facts = self.care_facts(region_prefix)
        found = []
        for household in sorted(facts.categories):
            if not facts.regions.get(household, "").startswith(region_prefix):
                continue
            status = facts.status(household, on)
            if status is not None:
                found.append(status)
        return found

    # -------------------------------------------------------------------- audit

    def verify(self, checkpoint: Checkpoint | None = None) -> VerifyReport:
        """Walk every stream's hash chain; recompute every determination, entitlement
        change and cap split from its recorded inputs and the standards then in force;
        list the standard changes whose propagation is unfinished. With a `checkpoint`
        (read and its signature checked by `services.checkpoint.read_checkpoint`),
        compare every event it covers with the events as they are now."""
        report = VerifyReport()
        streams: dict[UUID, list[Any]] = {}
        logged: dict[UUID, list[Logged]] = {}
        unreadable: set[UUID] = set()
        start = 1
        while True:
            page = self.app.recorder.select_notifications(start=start, limit=1000)
            if not page:
                break
            for notification in page:
                stream = UUID(str(notification.originator_id))
                try:
                    event = self.app.mapper.to_domain_event(notification)
                except Exception as error:
                    unreadable.add(stream)
                    if checkpoint is not None:
                        logged.setdefault(stream, []).append(
                            Logged(notification.id, notification.originator_version, None)
                        )
                    report.chain_breaks.append(
                        {
                            "stream_id": str(stream),
                            "version": notification.originator_version,
                            "reason": f"the event cannot be read ({type(error).__name__})",
                        }
                    )
                    continue
                streams.setdefault(stream, []).append(event)
                if checkpoint is not None:
                    logged.setdefault(stream, []).append(
                        Logged(notification.id, notification.originator_version, event)
                    )
            start = page[-1].id + 1
        standards: dict[str, list[Any]] = {}
        for events in streams.values():
            if isinstance(events[0], Standards.Opened):
                standards[events[0].region_code] = events
        for row in self.views.query(sql.STREAM_HEADS, {}):
            stream = UUID(str(row["originator_id"]))
            recorded = int(row["originator_version"])
            if len(streams.get(stream, [])) < recorded and stream not in unreadable:
                report.chain_breaks.append(
                    {
                        "stream_id": str(stream),
                        "version": recorded,
                        "reason": f"the stream ends at version {len(streams.get(stream, []))}"
                        f", but version {recorded} was recorded (events removed)",
                    }
                )
        history = StandardsHistory(standards)
        for stream, events in streams.items():
            report.streams_checked += 1
            if stream in unreadable:
                continue
            if check_chain(stream, events, report) and isinstance(events[0], Household.Registered):
                recompute_household(events, history.book_at, report, self._snapshots(stream))
        report.unfinished_propagations = [
            {
                "version": f"{region}/v{change.version}",
                "key": change.key,
                "effective_from": change.effective_from.isoformat(),
            }
            for region, change in self.app.unfinished_propagations()
        ]
        if checkpoint is not None:
            found = checkpoint.findings + compare(checkpoint, logged)
            report.checkpoint = [f.as_dict() for f in found]
            report.checkpoint_checked = True
        return report

    def _snapshots(self, stream: UUID) -> dict[int, Callable[[], Any]]:
        """The stream's stored snapshots by version, each decoded when called (a row that
        no longer decodes then fails the comparison)."""
        store = self.app.snapshots
        if store is None:
            return {}
        return {
            row.originator_version: partial(
                lambda r: store.mapper.to_domain_event(r).mutate(None), row
            )
            for row in store.recorder.select_events(stream)
        }

    # ------------------------------------------------------------------ queries

    def entitlements(
        self, household_id: UUID, as_of: date, known_at: datetime | None = None
    ) -> list[InForce]:
        self.runner.catch_up()
        rows = self.views.entitlement_rows(household_id, known_at)
        if not rows:
            self.require_household(household_id)  # 404 for an unknown household
        return in_force(rows, as_of)

    def require_household(self, household_id: UUID) -> None:
        """NotFoundError unless a household stream has this id (one indexed read; no
        load of the aggregate)."""
        first = self.app.recorder.select_events(household_id, limit=1)
        if not first or not first[0].topic.startswith("domain.household:Household."):
            raise NotFoundError(f"no household {household_id}", "household_id")

    def medical_caps(self, household_id: UUID, cap_year: int) -> dict[str, Any]:
        """Paid, cap and remaining per member and for the household, and the relief, in
        one cap year (from the medical view). The caps are those in force at the end
        of the cap year, or today while it runs."""
        household = self.app.household(household_id)
        self.runner.catch_up()
        params = {"household_id": household_id, "cap_year": cap_year}
        totals = {r["member_id"]: r for r in self.views.query(sql.MEDICAL_MEMBER_TOTALS, params)}
        carried = {
            r["member_id"]: r["carried_fen"] for r in self.views.query(sql.MEDICAL_CARRIED, params)
        }
        book = self.app.standards_book(household.region_code)
        start_month = int(book.ratio("medical_cap_year_start_month", date(cap_year, 12, 31))[0])
        year_end = date(cap_year + 1, start_month, 1) - timedelta(days=1)
        on = min(date.today(), year_end)
        person_cap = book.money("medical_cap_individual_annual", on)[0]
        household_cap = book.money("medical_cap_household_annual", on)[0]
        member_ids = [
            m
            for m in household.members
            if m in totals or m in carried or household.members[m].left_on is None
        ]
        members = []
        for member_id in member_ids:
            paid = int(totals.get(member_id, {}).get("kept_fen", 0)) + int(
                carried.get(member_id, 0)
            )
            members.append(
                {
                    "member_id": member_id,
                    "paid_fen": paid,
                    "carried_fen": int(carried.get(member_id, 0)),
                    "cap_fen": person_cap,
                    "remaining_fen": max(person_cap - paid, 0),
                    "relief_fen": int(totals.get(member_id, {}).get("relief_fen", 0)),
                }
            )
        household_paid = sum(int(r["kept_fen"]) for r in totals.values())
        return {
            "year": cap_year,
            "household": {
                "paid_fen": household_paid,
                "cap_fen": household_cap,
                "remaining_fen": max(household_cap - household_paid, 0),
            },
            "members": members,
            "relief_total_fen": sum(int(r["relief_fen"]) for r in totals.values()),
        }

    def fund_relief(self, cap_year: int, region_prefix: str) -> list[dict[str, Any]]:
        self.runner.catch_up()
        return self.views.query(
            sql.FUND_RELIEF, {"cap_year": cap_year, "prefix": region_prefix + "%"}
        )

    def dividends(self, year: int, region_prefix: str) -> list[dict[str, Any]]:
        """§23 per village and year: rural low-income households, dividends, subsidy."""
        self.runner.catch_up()
        return self.views.query(
            sql.DIVIDENDS_BY_VILLAGE, {"year": year, "prefix": region_prefix + "%"}
        )

    def medical_households(
        self,
        cap_year: int,
        on: date,
        region_prefix: str = "3304",
        books: dict[str, StandardsBook] | None = None,
    ) -> list[MedicalHousehold]:
        """Each household's figures of a cap year as of `on` (bills served on or before
        it, not cancelled): total, kept, the excess over the caps worked out from the
        counted self-pay alone (`excess_over_caps`, with the highest caps in force on the
        bills' service dates) and what the fund's relief ledger holds for those bills."""
        self.runner.catch_up()
        params = {"cap_year": cap_year, "on": on, "prefix": region_prefix + "%"}
        bills: dict[str, list[dict[str, Any]]] = {}
        for row in self.views.query(sql.MEDICAL_BILLS_AS_OF, params):
            bills.setdefault(str(row["household_id"]), []).append(row)
        carried: dict[str, dict[str, int]] = {}
        for row in self.views.query(sql.MEDICAL_CARRIED_IN_YEAR, params):
            carried.setdefault(str(row["household_id"]), {})[row["member_id"]] = int(
                row["carried_fen"]
            )
        relieved = {
            str(r["household_id"]): int(r["relief_fen"])
            for r in self.views.query(sql.MEDICAL_RELIEVED_AS_OF, params)
        }
        caps: dict[tuple[str, date], tuple[int, int]] = {}
        # One book a county (a book is the city's standards and the county's own, and
        # each load folds their streams: once a village, it was 400 folds a page).
        books = {} if books is None else books  # the counties' books a caller read already
        found = []
        for household, rows in sorted(bills.items()):
            region = str(rows[0]["region_code"])
            counted: dict[str, int] = {}
            person_cap = household_cap = 0
            for row in rows:
                counted[row["member_id"]] = counted.get(row["member_id"], 0) + int(
                    row["counted_fen"]
                )
                served = as_day(row["service_on"])
                if (region, served) not in caps:
                    county = county_of(region)
                    if county not in books:
                        books[county] = self.app.standards_book(county)
                    book = books[county]
                    caps[region, served] = (
                        book.money("medical_cap_individual_annual", served)[0],
                        book.money("medical_cap_household_annual", served)[0],
                    )
                person_cap = max(person_cap, caps[region, served][0])
                household_cap = max(household_cap, caps[region, served][1])
            found.append(
                MedicalHousehold(
                    household,
                    region,
                    total_fen=sum(int(r["total_fen"]) for r in rows),
                    kept_fen=sum(int(r["kept_fen"]) for r in rows),
                    excess_fen=excess_over_caps(
                        counted,
                        carried.get(household, {}),
                        person_cap_fen=person_cap,
                        household_cap_fen=household_cap,
                    ),
                    relieved_fen=relieved.get(household, 0),
                )
            )
        return found

    def medical_by_county(
        self, cap_year: int, on: date, books: dict[str, StandardsBook] | None = None
    ) -> dict[str, MedicalCounty]:
        """§15 figures per county: coverage (total, kept) and over-cap clearing (the
        excess over the caps, and how much of it the fund relieved, household by
        household: relief beyond one household's excess clears no other's)."""
        counties: dict[str, MedicalCounty] = {}
        for h in self.medical_households(cap_year, on, books=books):
            county = counties.setdefault(h.region_code[:6], MedicalCounty())
            county.total_fen += h.total_fen
            county.kept_fen += h.kept_fen
            if h.excess_fen > 0:
                county.over_cap += 1
                county.excess_fen += h.excess_fen
                county.relieved_fen += min(h.relieved_fen, h.excess_fen)
                county.cleared += h.cleared
        return dict(sorted(counties.items()))

    def entitlement_history(self, household_id: UUID) -> list[EntitlementRow]:
        self.runner.catch_up()
        rows = self.views.entitlement_rows(household_id)
        if not rows:
            self.require_household(household_id)
        return rows
