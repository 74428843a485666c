"""`ledger bench`: each workload done the ledger's way beside the plain way, same run.

The plain way is what the library gives with no extra work: one save per command,
the stock per-event ProjectionRunner, no snapshots. Everything runs in a scratch
database (a temporary SQLite file, or a temporary PostgreSQL schema) on the
configured backend, so a benchmark never touches the ledger's own data.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from rich.console import Console
from rich.table import Table

from api.container import Ledger
from api.settings import Settings
from domain.application import LedgerApplication
from domain.household import Household
from domain.idnumber import check_character
from domain.medical import BillFigures
from domain.money import yuan
from domain.rules import Means
from domain.standards import StandardsBook
from projections.postgres import PostgresViewStore
from projections.runner import VIEWS, ViewSpec, stock_projection
from projections.sqlite import SQLiteViewStore

BATCH = 200


@dataclass
class Row:
    workload: str
    unit: str
    fast: float
    plain: float
    fast_n: int
    plain_n: int
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        if self.unit.endswith("/s"):
            return self.fast / self.plain if self.plain else 0.0
        return self.plain / self.fast if self.fast else 0.0


def _id_number(n: int) -> str:
    body = f"330402{date(1960 + n % 40, 1 + n % 12, 1 + n % 28):%Y%m%d}{n % 1000:03d}"
    return body + check_character(body)


def _new_household(n: int, members: int = 3) -> Household:
    household = Household.register(
        region_code="330402",
        residence="urban",
        address=f"bench {n}",
        registered_on=date(2025, 1, 1),
        actor="bench",
    )
    for m in range(members):
        household.add_member(
            name=f"成员{m}",
            id_number=_id_number(n * 7 + m),
            relation="head",
            birth_on=date(1980, 1, 1),
            joined_on=None,
            actor="bench",
        )
    return household


def _bill_figures(n: int) -> BillFigures:
    """Self-pay between 12,000 and 31,000: some bills go over the caps."""
    self_paid = yuan(12000 + n % 20 * 1000)
    return BillFigures(self_paid * 2, self_paid, self_paid, {}, ())


def _determine(household: Household, book: StandardsBook, n: int) -> None:
    application = household.submit_application(
        programme="dibao",
        effective_from=date(2025, 3, 1),
        means=Means(yuan(6000 + n % 20 * 100), yuan(1200), 0),
        member_id=None,
        details={},
        actor="bench",
    )
    household.determine(
        application, decision="approve", reason="bench", actor="bench-approver", book=book
    )


@contextmanager
def scratch(settings: Settings, label: str) -> Iterator[Settings]:
    """Settings pointing at a throw-away database of the same backend."""
    if settings.database_url.startswith("sqlite:///"):
        with tempfile.TemporaryDirectory(prefix=f"ledger-bench-{label}-") as folder:
            yield settings.model_copy(
                update={"database_url": f"sqlite:///{Path(folder) / 'bench.db'}"}
            )
        return
    import psycopg

    parsed = urlparse(settings.database_url)
    schema = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    conninfo = settings.database_url.split("?")[0]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        query = f"schema={schema}&pool_size=4"
        yield settings.model_copy(update={"database_url": parsed._replace(query=query).geturl()})
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_writes(settings: Settings, households: int, plain_households: int) -> list[Row]:
    """Registration (4 events each) and determination (about 6 events each)."""
    rows: list[Row] = []
    with scratch(settings, "w") as s:
        ledger = Ledger.open(s)
        try:
            app = ledger.app
            book = app.standards_book("330402")
            ids: list[Any] = []

            def register_batched() -> None:
                for start in range(0, households, BATCH):
                    batch = [
                        _new_household(n) for n in range(start, min(households, start + BATCH))
                    ]
                    app.save(*batch)
                    ids.extend(h.id for h in batch)

            fast_reg = _timed(register_batched)
            reg_events = households * 4

            plain_ids: list[Any] = []

            def register_plain() -> None:
                for n in range(plain_households):
                    hid = app.register_household(
                        region_code="330402",
                        residence="urban",
                        address=f"plain {n}",
                        registered_on=date(2025, 1, 1),
                        actor="bench",
                    )
                    for m in range(3):
                        app.add_member(
                            hid,
                            actor="bench",
                            name=f"成员{m}",
                            id_number=_id_number(10_000_000 + n * 7 + m),
                            relation="head",
                            birth_on=date(1980, 1, 1),
                            joined_on=None,
                        )
                    plain_ids.append(hid)

            plain_reg = _timed(register_plain)
            rows.append(
                Row(
                    "bulk registration",
                    "events/s",
                    reg_events / fast_reg,
                    plain_households * 4 / plain_reg,
                    households,
                    plain_households,
                    f"{BATCH} households per transaction vs one save per command",
                )
            )

            det_events = 0

            def determine_batched() -> None:
                nonlocal det_events
                for start in range(0, len(ids), BATCH):
                    batch = [app.household(hid) for hid in ids[start : start + BATCH]]
                    versions = [h.version for h in batch]
                    for n, household in enumerate(batch):
                        _determine(household, book, start + n)
                    app.save(*batch)
                    det_events += sum(h.version - v for h, v in zip(batch, versions, strict=True))

            fast_det = _timed(determine_batched)

            plain_det_events = 0

            def determine_plain() -> None:
                nonlocal plain_det_events
                for n, hid in enumerate(plain_ids):
                    before = app.household(hid).version
                    application = app.submit_application(
                        hid,
                        programme="dibao",
                        effective_from=date(2025, 3, 1),
                        means=Means(yuan(6000 + n % 20 * 100), yuan(1200), 0),
                        actor="bench",
                    )
                    app.determine(
                        hid, application, decision="approve", reason="bench", actor="bench-approver"
                    )
                    plain_det_events += app.household(hid).version - before

            plain_det = _timed(determine_plain)
            rows.append(
                Row(
                    "determinations",
                    "events/s",
                    det_events / fast_det,
                    plain_det_events / plain_det,
                    households,
                    plain_households,
                    "load a batch, decide, one save vs load-decide-save per command",
                )
            )

            # Medical bills with the §16/§17 checks: two per household (members 0 and 1).
            def bills_batched() -> None:
                for start in range(0, len(ids), BATCH):
                    batch = [app.household(hid) for hid in ids[start : start + BATCH]]
                    for n, household in enumerate(batch):
                        for member in list(household.members)[:2]:
                            household.record_medical_bill(
                                member_id=member,
                                service_on=date(2025, 4, 1),
                                figures=_bill_figures(start + n),
                                settlement_number=None,
                                actor="bench",
                                book=book,
                            )
                    app.save(*batch)

            fast_bills = _timed(bills_batched)

            def bills_plain() -> None:
                for n, hid in enumerate(plain_ids):
                    for member in list(app.household(hid).members)[:2]:
                        app.record_medical_bill(
                            hid,
                            member_id=member,
                            service_on=date(2025, 4, 1),
                            figures=_bill_figures(n),
                            actor="bench",
                        )

            plain_bills = _timed(bills_plain)
            rows.append(
                Row(
                    "medical bills (with cap checks)",
                    "bills/s",
                    households * 2 / fast_bills,
                    plain_households * 2 / plain_bills,
                    households * 2,
                    plain_households * 2,
                    "a batch of households per transaction vs load-record-save per bill",
                )
            )

            # Projection rebuild: batched runner vs the library's stock per-event runner.
            head = app.recorder.max_notification_id() or 0
            fast_all = _timed(lambda: ledger.runner.rebuild())
            plain_all = 0.0
            for name, view in VIEWS.items():
                fast_view = _timed(lambda name=name: ledger.runner.rebuild((name,)))
                plain_view = _stock_runner_time(s, head, view)
                plain_all += plain_view
                rows.append(
                    Row(
                        f"rebuild: {name} view",
                        "events/s",
                        head / fast_view,
                        head / plain_view,
                        head,
                        head,
                        "batched catch-up (1000 per transaction) vs stock runner, per event",
                    )
                )
            rows.append(
                Row(
                    "rebuild: all views",
                    "events/s",
                    head / fast_all,
                    head / plain_all,
                    head,
                    head,
                    "events in the log over the time to rebuild every view",
                )
            )
        finally:
            ledger.close()
    return rows


def _stock_runner_time(settings: Settings, head: int, view: ViewSpec) -> float:
    from eventsourcing.projection import ProjectionRunner

    env = settings.persistence_env()
    stock_env = dict(env)
    view_class: Any
    if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        import psycopg

        schema = env["POSTGRES_SCHEMA"] + "_stock"
        conninfo = settings.database_url.split("?")[0]
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        stock_env[f"{view.name.upper()}_STOCK_POSTGRES_SCHEMA"] = schema
        view_class = PostgresViewStore
    else:
        return _per_event_time(env, view)
    try:
        start = time.perf_counter()
        with ProjectionRunner(
            application_class=LedgerApplication,
            projection_class=stock_projection(view),
            view_class=view_class,
            env=stock_env,
        ) as runner:
            # The stock runner tracks only the events it is subscribed to (the view's
            # topics), so wait for the last of those, not for the head of the log.
            runner.wait(_last_of(runner.app, view.topics, head), timeout=600)
            return time.perf_counter() - start
    finally:
        with psycopg.connect(settings.database_url.split("?")[0], autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _last_of(app: Any, topics: tuple[str, ...], head: int) -> int:
    last = 0
    while True:
        page = app.recorder.select_notifications(
            start=last + 1, limit=1000, stop=head, topics=topics
        )
        if not page:
            return last
        last = page[-1].id


def _per_event_time(env: dict[str, str], view_spec: ViewSpec) -> float:
    """SQLite: the library offers no subscription there, so its stock runner cannot run.
    The baseline does what that runner does per event: the stock Projection's
    process_event, one transaction (rows + tracking) per event."""
    from eventsourcing.persistence import InfrastructureFactory, Tracking
    from eventsourcing.utils import Environment

    stock_env = {**env, "SQLITE_DBNAME": f"{env['SQLITE_DBNAME']}.{view_spec.name}.stock"}
    view = (
        InfrastructureFactory[Any]
        .construct(Environment(f"{view_spec.name}_stock", stock_env))
        .tracking_recorder(SQLiteViewStore)
    )
    projection = stock_projection(view_spec)(view)
    app = LedgerApplication(env)
    try:
        start = time.perf_counter()
        position = 0
        while True:
            page = app.recorder.select_notifications(
                start=position + 1, limit=100, topics=view_spec.topics
            )
            if not page:
                break
            for notification in page:
                projection.process_event(
                    app.mapper.to_domain_event(notification), Tracking(app.name, notification.id)
                )
            position = page[-1].id
        return time.perf_counter() - start
    finally:
        app.close()


def bench_replay(settings: Settings, events: int, repeats: int = 15) -> Row:
    """Load one household of `events` events: with snapshots every 100 vs none."""
    with scratch(settings, "r") as s:
        ledger = Ledger.open(s)
        try:
            app = ledger.app
            household = _new_household(0, members=1)
            app.save(household)
            member = next(iter(household.members))
            while household.version < events:
                for _ in range(min(100, events - household.version)):
                    household.change_member(
                        member,
                        effective_on=date(2025, 2, 1),
                        changes={"severe_illness": household.version % 2 == 0},
                        actor="bench",
                    )
                app.save(household)
            hid = household.id
            plain_env = {
                **s.persistence_env(),
                "IS_SNAPSHOTTING_ENABLED": "n",
                "LEDGER_SNAPSHOT_INTERVAL": "0",
            }
            plain_app = LedgerApplication(plain_env)
            try:
                assert plain_app.snapshots is None
                fast = statistics.median(_timed(lambda: app.household(hid)) for _ in range(repeats))
                plain = statistics.median(
                    _timed(lambda: plain_app.household(hid)) for _ in range(repeats)
                )
                past_fast = statistics.median(
                    _timed(lambda: app.household(hid, version=events // 2 + 1))
                    for _ in range(repeats)
                )
                past_plain = statistics.median(
                    _timed(lambda: plain_app.household(hid, version=events // 2 + 1))
                    for _ in range(repeats)
                )
                same = app.household(hid).__dict__ == plain_app.household(hid).__dict__
            finally:
                plain_app.close()
        finally:
            ledger.close()
    return Row(
        f"replay one household of {events} events",
        "ms",
        fast * 1000,
        plain * 1000,
        repeats,
        repeats,
        "median load; snapshots every 100 events vs none",
        {
            "as_of_half_ms_fast": past_fast * 1000,
            "as_of_half_ms_plain": past_plain * 1000,
            "same_state": same,
        },
    )


def _payment_city(ledger: Ledger, households: int) -> None:
    """Households of two on dibao with the head's bank account, built in batches."""
    app = ledger.app
    book = app.standards_book("330402")
    for start in range(0, households, BATCH):
        batch = [_new_household(n, members=2) for n in range(start, min(households, start + BATCH))]
        for n, household in enumerate(batch):
            _determine(household, book, start + n)
            household.set_account(
                next(iter(household.members)),
                kind="bank",
                account_number=f"62220202{start + n:011d}",
                bank_name="中国工商银行",
                actor="bench",
                on=date(2025, 1, 1),
            )
        app.save(*batch)
    ledger.runner.catch_up()


def _timed_run(
    settings: Settings, households: int, label: str, batch_size: int
) -> tuple[int, float, float]:
    """A run over a new city: payments, seconds to schedule, seconds for the feed view."""
    from api.payment_runs import run_payments

    with scratch(settings, label) as s:
        ledger = Ledger.open(s)
        try:
            _payment_city(ledger, households)
            started = time.perf_counter()
            summary = run_payments(ledger, "2025-03", "bench", batch_size=batch_size)
            seconds = time.perf_counter() - started
            feed = _timed(ledger.runner.catch_up)
        finally:
            ledger.close()
    return summary.payments, seconds, feed


def bench_payment_run(settings: Settings, households: int, plain_households: int) -> Row:
    """A month's run over `households` households on dibao (1,000 households' payments
    per transaction, one event each) beside the same run over `plain_households` others
    with one save per payment."""
    payments, seconds, feed = _timed_run(settings, households, "p", 1000)
    plain_payments, plain_seconds, _ = _timed_run(settings, plain_households, "q", 1)
    return Row(
        f"payment run ({households} households)",
        "payments/s",
        payments / seconds,
        plain_payments / plain_seconds,
        payments,
        plain_payments,
        "plan from the views, 1000 households per transaction vs one save per payment",
        {"run_seconds": round(seconds, 2), "feed_view_catch_up_seconds": round(feed, 2)},
    )


def run_bench(
    settings: Settings,
    *,
    households: int,
    replay_events: int,
    payment_households: int | None = None,
    report_path: str,
    console: Console,
) -> dict[str, Any]:
    plain_households = max(50, min(households, households // 4))
    backend = "postgresql" if settings.database_url.startswith("postgres") else "sqlite"
    console.print(
        f"ledger bench on {backend}: {households} households "
        f"({plain_households} the plain way), replay of {replay_events} events"
    )
    started = time.perf_counter()
    rows = bench_writes(settings, households, plain_households)
    rows.append(bench_payment_run(settings, payment_households or households, plain_households))
    rows.append(bench_replay(settings, replay_events))
    table = Table(title=f"ledger bench ({backend})")
    for column in ("workload", "ledger", "plain", "ratio", "how"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.workload,
            f"{row.fast:,.1f} {row.unit}",
            f"{row.plain:,.1f} {row.unit}",
            f"{row.ratio:.1f}x",
            row.notes,
        )
    console.print(table)
    replay = next(r for r in rows if r.workload.startswith("replay"))
    console.print(
        f"replay as of version {replay_events // 2 + 1}: "
        f"{replay.extra['as_of_half_ms_fast']:.1f} ms with snapshots, "
        f"{replay.extra['as_of_half_ms_plain']:.1f} ms without; "
        f"same state both ways: {replay.extra['same_state']}"
    )
    report = {
        "backend": backend,
        "households": households,
        "plain_households": plain_households,
        "replay_events": replay_events,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "seconds": round(time.perf_counter() - started, 2),
        "workloads": [
            {
                "workload": r.workload,
                "unit": r.unit,
                "ledger": round(r.fast, 2),
                "plain": round(r.plain, 2),
                "ratio": round(r.ratio, 2),
                "ledger_n": r.fast_n,
                "plain_n": r.plain_n,
                "how": r.notes,
                **r.extra,
            }
            for r in rows
        ],
    }
    Path(report_path).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    console.print(f"report written to {report_path} ({report['seconds']} s)")
    return report
