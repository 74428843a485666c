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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from uuid import UUID

from rich.console import Console
from rich.table import Table

from domain.application import LedgerApplication
from domain.household import Household
from domain.idnumber import check_character
from domain.money import format_yuan, yuan
from domain.policy.s05_means_test import Means
from domain.policy.s17_medical_caps import BillFigures
from domain.standards import StandardsBook
from projections.postgres import PostgresViewStore
from projections.runner import VIEWS, ViewSpec, stock_projection
from projections.sqlite import SQLiteViewStore
from services.ledger import Ledger
from services.settings import Settings

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


STAFF = ["bench-zhao", "bench-qian"]  # the home investigation's two staff


def _consents(household: Household, on: date) -> list[dict[str, str]]:
    """Every member present on `on` signs the check's authorisation that day (POLICY ch. 14)."""
    return [
        {"member_id": m.member_id, "signed_on": on.isoformat()}
        for m in household.members.values()
        if m.present_on(on)
    ]


def _walk(household: Household, application_id: str, book: StandardsBook) -> date:
    """The statutory path (POLICY ch. 14) on the aggregate, every step on the receipt date:
    one check answered, the report, the investigation, the notice; returns the first day
    the decision may come."""
    application = household.applications[application_id]
    path = application.path
    if path is None:
        return application.effective_from
    on = path.received_on
    request = f"{application_id}-tax"
    household.request_check(
        application_id, request_id=request, department="tax", on=on, actor="bench"
    )
    household.record_check_answer(
        application_id,
        request_id=request,
        finding="as declared",
        amount_fen=None,
        on=on,
        actor="bench",
    )
    if application.means is not None:
        household.attach_check_report(application_id, means=application.means, on=on, actor="bench")
    household.record_investigation(
        application_id, staff=STAFF, findings="as declared", on=on, actor="bench", book=book
    )
    until = household.publish_notice(application_id, on=on, actor="bench", book=book)
    return until + timedelta(days=1)


def _app_walk(app: LedgerApplication, household_id: UUID, application_id: str) -> date:
    """`_walk` through the ledger's commands (`path_step`: each step saved)."""
    application = app.household(household_id).applications[application_id]
    path = application.path
    if path is None:
        return application.effective_from
    on = path.received_on
    request = f"{application_id}-tax"

    def step(name: str, **arguments: Any) -> Any:
        return app.path_step(household_id, application_id, name, actor="bench", **arguments)

    step("request_check", request_id=request, department="tax", on=on)
    step("record_check_answer", request_id=request, finding="as declared", amount_fen=None, on=on)
    if application.means is not None:
        step("attach_check_report", means=application.means, on=on)
    step("record_investigation", staff=STAFF, findings="as declared", on=on)
    return step("publish_notice", on=on) + timedelta(days=1)


def _determine(household: Household, book: StandardsBook, n: int) -> None:
    received = date(2025, 3, 1)
    application = household.submit_application(
        programme="dibao",
        effective_from=received,
        means=Means(yuan(6000 + n % 20 * 100), yuan(1200), 0),
        member_id=None,
        details={},
        actor="bench",
        consents=_consents(household, received),
    )
    household.determine(
        application,
        decision="approve",
        reason="bench",
        actor="bench-approver",
        book=book,
        on=_walk(household, application, book),
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
                        consents=_consents(app.household(hid), date(2025, 3, 1)),
                    )
                    app.determine(
                        hid,
                        application,
                        decision="approve",
                        reason="bench",
                        actor="bench-approver",
                        on=_app_walk(app, hid, application),
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
            for name, view in ledger.runner.views.items():  # the search view's key bound
                if view.topics and _last_of(app, view.topics, head) == 0:
                    continue  # none of its events in this data (payment_trail): nothing to time
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
                        "batched rebuild (5000 events per transaction) vs stock runner, per event",
                    )
                )
            tables = tuple(t for view in VIEWS.values() for t in view.tables)
            floor = _floor_rebuild(s, ledger.views.dump(tables))
            rows.append(
                Row(
                    "rebuild: all views",
                    "events/s",
                    head / fast_all,
                    head / plain_all,
                    head,
                    head,
                    "one pass over the log for every view vs the stock runner per view",
                    {
                        "floor": round(head / floor, 1),
                        "floor_how": "read every event row, write the same view rows plainly",
                    },
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


def long_household(app: LedgerApplication, events: int) -> tuple[UUID, datetime]:
    """One household of `events` events (a member's illness flag switched on and off,
    saved 100 at a time), and a time between its events `events // 2` and the next."""
    household = _new_household(0, members=1)
    app.save(household)
    member = next(iter(household.members))
    middle: datetime | None = None
    while household.version < events:
        for _ in range(min(100, events - household.version)):
            household.change_member(
                member,
                effective_on=date(2025, 2, 1),
                changes={"severe_illness": household.version % 2 == 0},
                actor="bench",
            )
            if household.version == events // 2:
                middle = household.pending_events[-1].timestamp
        app.save(household)
    assert middle is not None
    return household.id, middle


def bench_replay(settings: Settings, events: int, repeats: int = 31) -> list[Row]:
    """The audit replay (`ledger replay`, GET /audit/households/{id}/replay) of one
    household of `events` events, as of 2025-02-01 and as known at the middle of its
    history, with snapshots every 100 events and the light listing (the stored JSON read,
    no event objects built) vs the plain way: no snapshots, every event decoded whole and
    folded from the first; and the plain load beside it."""
    from services.audit import replay_household

    with scratch(settings, "r") as s:
        ledger = Ledger.open(s)
        try:
            app = ledger.app
            hid, middle = long_household(app, events)
            on = date(2025, 2, 1)
            plain_env = {
                **s.persistence_env(),
                "IS_SNAPSHOTTING_ENABLED": "n",
                "LEDGER_SNAPSHOT_INTERVAL": "0",
            }
            plain_app = LedgerApplication(plain_env)
            plain_ledger = replace(ledger, app=plain_app)
            try:
                assert plain_app.snapshots is None

                def median(fn: Callable[[], Any]) -> float:
                    return statistics.median(_timed(fn) for _ in range(repeats)) * 1000

                replay_fast = median(lambda: replay_household(ledger, hid, on, middle))
                replay_plain = median(
                    lambda: replay_household(plain_ledger, hid, on, middle, light=False)
                )
                replay_now = median(lambda: replay_household(ledger, hid, on, None))
                replay_now_plain = median(
                    lambda: replay_household(plain_ledger, hid, on, None, light=False)
                )
                same_replay = replay_household(ledger, hid, on, middle) == replay_household(
                    plain_ledger, hid, on, middle, light=False
                )
                fast = median(lambda: app.household(hid))
                plain = median(lambda: plain_app.household(hid))
                past_fast = median(lambda: app.household(hid, version=events // 2 + 1))
                past_plain = median(lambda: plain_app.household(hid, version=events // 2 + 1))
                same = app.household(hid).__dict__ == plain_app.household(hid).__dict__
                # The floor: the stream's rows read, not decoded nor applied.
                floor = median(lambda: app.recorder.select_events(hid))
                half_floor = median(lambda: app.recorder.select_events(hid, lte=events // 2))
            finally:
                plain_app.close()
        finally:
            ledger.close()
    return [
        Row(
            f"replay one household of {events} events",
            "ms",
            replay_fast,
            replay_plain,
            repeats,
            repeats,
            "median `ledger replay` as of 2025-02-01 known at the middle of the stream; "
            "snapshots every 100 events and the light listing vs none and every event decoded",
            {
                "known_now_ms_fast": replay_now,
                "known_now_ms_plain": replay_now_plain,
                "same_replay": same_replay,
                "floor": round(half_floor, 2),
                "floor_how": "the stream's first half of rows read, not decoded",
            },
        ),
        Row(
            f"load one household of {events} events",
            "ms",
            fast,
            plain,
            repeats,
            repeats,
            "median load of the aggregate; snapshots every 100 events vs none",
            {
                "as_of_half_ms_fast": past_fast,
                "as_of_half_ms_plain": past_plain,
                "same_state": same,
                "floor": round(floor, 2),
                "floor_how": "the stream's event rows read, not decoded",
            },
        ),
    ]


GRANT_EVERY = 10  # one household in ten of the payment city has a one-off grant to pay


def _payment_city(ledger: Ledger, households: int) -> None:
    """Households of two on dibao with the head's bank account, built in batches; one in
    ten is granted 暖巢 renovation of 8,000.00 (§14) from 2025-03-01, which the March run
    pays beside the dibao as a `grant` line."""
    app = ledger.app
    book = app.standards_book("330402")
    for start in range(0, households, BATCH):
        batch = [_new_household(n, members=2) for n in range(start, min(households, start + BATCH))]
        for n, household in enumerate(batch):
            _determine(household, book, start + n)
            if (start + n) % GRANT_EVERY == 0:
                grant = household.submit_application(
                    programme="renovation_grant",
                    effective_from=date(2025, 3, 1),
                    means=None,
                    member_id=None,
                    details={"requested": "8000"},
                    actor="bench",
                )
                household.determine(
                    grant, decision="approve", reason="bench", actor="bench-approver", book=book
                )
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
    settings: Settings,
    households: int,
    label: str,
    batch_size: int,
    budgets: dict[str, int] | None = None,
) -> tuple[int, float, float, float, int, list[dict[str, Any]]]:
    """A run over a new city: payments, seconds to schedule, seconds for the feed view,
    the floor (seconds to write the run's event rows plainly), the grant lines and the
    run's budget report. `budgets`: 南湖区's 2025 budget (fen) per programme, recorded
    before the run."""
    from services.budgets import set_budget
    from services.payment_runs import run_payments

    with scratch(settings, label) as s:
        ledger = Ledger.open(s)
        try:
            _payment_city(ledger, households)
            for programme, fen in (budgets or {}).items():
                set_budget(
                    ledger,
                    county="330402",
                    year=2025,
                    programme=programme,
                    amount=format_yuan(fen),
                    document="嘉民〔2025〕12号 (bench)",
                    actor="bench",
                    on=date(2025, 1, 2),
                )
            ledger.runner.catch_up()
            before = ledger.app.recorder.max_notification_id() or 0
            started = time.perf_counter()
            summary = run_payments(ledger, "2025-03", "bench", batch_size=batch_size)
            seconds = time.perf_counter() - started
            feed = _timed(ledger.runner.catch_up)
            written = [r for n, r in _event_rows_after(ledger.app, before)]
            floor = _floor_write(s, written) if written else 0.0
        finally:
            ledger.close()
    return summary.payments, seconds, feed, floor, summary.report.grants, summary.budgets


def _event_rows_after(app: Any, after: int) -> list[tuple[int, tuple[Any, ...]]]:
    rows: list[tuple[int, tuple[Any, ...]]] = []
    start = after + 1
    while page := app.recorder.select_notifications(start=start, limit=5000):
        rows.extend((n.id, (n.originator_id, n.originator_version, n.topic, n.state)) for n in page)
        start = page[-1].id + 1
    return rows


def bench_payment_run(settings: Settings, households: int, plain_households: int) -> Row:
    """A month's run over `households` households on dibao (1,000 households' payments
    per transaction, one event each) beside the same run over `plain_households` others
    with one save per payment."""
    payments, seconds, feed, floor, grants, _ = _timed_run(settings, households, "p", 1000)
    plain_payments, plain_seconds, *_ = _timed_run(settings, plain_households, "q", 1)
    return Row(
        f"payment run ({households} households)",
        "payments/s",
        payments / seconds,
        plain_payments / plain_seconds,
        payments,
        plain_payments,
        "plan from the views, 1000 households per transaction vs one save per payment; "
        f"one household in {GRANT_EVERY} also paid a one-off grant (§14)",
        {
            "grants": grants,
            "run_seconds": round(seconds, 2),
            "feed_view_catch_up_seconds": round(feed, 2),
            "floor": round(payments / floor, 1) if floor else None,
            "floor_how": "the run's event rows written plainly (per payment)",
        },
    )


def bench_budgets(settings: Settings, households: int) -> Row:
    """The same month's run (1,000 households per transaction) with 南湖区's dibao and
    renovation budgets recorded, each allowing about nine tenths of what the run would pay
    (so every batch commits to them and the last tenth waits), beside the run with none."""
    base = _timed_run(settings, households, "b0", 1000)
    allowed = {
        row["programme"]: row["this_run_fen"] * 9 // 10
        for row in base[5]
        if row["county"] == "330402" and row["this_run_fen"]
    }
    budgeted = _timed_run(settings, households, "b1", 1000, allowed)
    return Row(
        f"payment run with budgets ({households} households)",
        "payments/s",
        budgeted[0] / budgeted[1],
        base[0] / base[1],
        budgeted[0],
        base[0],
        "budgets for dibao and renovation at nine tenths of the run (every batch commits to "
        "them in its transaction; the rest waits) vs the same run with no budget recorded",
        {
            "released_with_budgets": budgeted[0],
            "released_without": base[0],
            "run_seconds_with_budgets": round(budgeted[1], 2),
            "run_seconds_without": round(base[1], 2),
            "held": {r["programme"]: r["held_lines"] for r in budgeted[5] if r["held_lines"]},
        },
    )


def bench_checkpoint(settings: Settings, households: int) -> Row:
    """`ledger checkpoint` over a city of `households` households on dibao with a month's
    payment run (it reads and decodes every event to recompute every chain), `ledger
    verify --checkpoint` and `ledger verify` alone over the same ledger; the floor is
    paging through the log's rows without decoding them."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from services.checkpoint import make_checkpoint, read_checkpoint
    from services.payment_runs import run_payments

    with scratch(settings, "c") as s, tempfile.TemporaryDirectory() as folder:
        ledger = Ledger.open(s)
        try:
            _payment_city(ledger, households)
            run_payments(ledger, "2025-03", "bench", batch_size=1000)
            key = Ed25519PrivateKey.generate()
            out = Path(folder) / "checkpoint.json"
            floor = _timed(lambda: _event_rows_after(ledger.app, 0))
            started = time.perf_counter()
            document = make_checkpoint(ledger, key, out, actor="bench")
            seconds = time.perf_counter() - started
            signed = read_checkpoint(out, key.public_key())
            alone = _timed(ledger.verify)
            started = time.perf_counter()
            findings = len(ledger.verify(signed).checkpoint)
            with_checkpoint = time.perf_counter() - started
            size = out.stat().st_size
        finally:
            ledger.close()
    events = int(document["events"])
    return Row(
        f"checkpoint ({households} households)",
        "events/s",
        events / seconds,
        0.0,
        events,
        0,
        "every event decoded and its chain recomputed, signed; floor: the log's rows read",
        {
            "streams": document["streams"],
            "events": events,
            "checkpoint_seconds": round(seconds, 2),
            "checkpoint_file_kb": round(size / 1024, 1),
            "verify_with_checkpoint_seconds": round(with_checkpoint, 2),
            "verify_seconds": round(alone, 2),
            "checkpoint_findings": findings,  # 0: the ledger is what it signed
            "floor": round(events / floor, 1) if floor else None,
            "floor_how": "the notification log paged through, rows not decoded",
        },
    )


# The workloads `ledger bench --only` can pick, in the order they run.
WORKLOADS = (
    "import", "writes", "payments", "replay", "memory", "api", "checkpoint", "search",
    "replication", "budgets", "warnings", "statements",
)  # fmt: skip
SEARCH_P99_MS = 50.0  # the workspace's search, on 100,000 households (docs/WORKSPACE.md)
WARNINGS_COUNTY_P99_MS = 200.0  # the goal of GET /warnings for a county (docs/WARNINGS.md)
# `ledger bench` with no --only: all but the search, the warnings and the statements,
# whose cities or files of 100,000 take minutes (`ledger bench --only search`, `--only
# warnings`, `--only statements`), the replication's, which makes PostgreSQL clusters of
# its own (`--only replication`), and the run with budgets, two more payment cities
# (`ledger bench --only budgets`).
DEFAULT_WORKLOADS = tuple(
    w for w in WORKLOADS if w not in ("search", "replication", "budgets", "warnings", "statements")
)


def run_bench(
    settings: Settings,
    *,
    households: int,
    replay_events: int,
    payment_households: int | None = None,
    import_households: int | None = None,
    api_seconds: float = 2.0,
    api_workers: int = 2,
    memory_households: tuple[int, int] | None = None,
    search_households: int = 100_000,
    warning_households: int = 100_000,
    statement_entries: int = 100_000,
    report_path: str,
    console: Console,
    only: Sequence[str] = DEFAULT_WORKLOADS,
) -> dict[str, Any]:
    plain_households = max(50, min(households, households // 4))
    backend = "postgresql" if settings.database_url.startswith("postgres") else "sqlite"
    console.print(
        f"ledger bench on {backend}: {households} households "
        f"({plain_households} the plain way), replay of {replay_events} events"
    )
    started = time.perf_counter()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    rows: list[Row] = []
    if "import" in only:
        rows.append(bench_import(settings, import_households or households, plain_households))
    if "writes" in only:
        rows.extend(bench_writes(settings, households, plain_households))
    if "payments" in only:
        rows.append(bench_payment_run(settings, payment_households or households, plain_households))
    if "budgets" in only:
        rows.append(bench_budgets(settings, payment_households or households))
    if "replay" in only:
        rows.extend(bench_replay(settings, replay_events))
    if "memory" in only:
        sizes = memory_households or (max(households // 4, 20), households)
        rows.append(bench_memory(settings, sizes))
    if "api" in only:
        rows.extend(bench_api(settings, households, seconds=api_seconds, workers=api_workers))
    if "checkpoint" in only:
        rows.append(bench_checkpoint(settings, households))
    if "search" in only:
        from scripts.bench_search import bench_search

        rows.extend(bench_search(settings, search_households)[0])
    if "replication" in only:
        from scripts.bench_replication import bench_replication

        rows.extend(bench_replication())
    if "warnings" in only:
        from scripts.bench_warnings import bench_warnings

        found = bench_warnings(settings, warning_households)
        rows.append(
            Row(
                f"warnings, whole city ({warning_households} households)",
                "households/s",
                warning_households / found["city_seconds"],
                0.0,
                found["warnings"],
                0,
                "every rule of POLICY ch. 12 for every household (set-based WARN_ queries)",
                found,
            )
        )
    if "statements" in only:
        from scripts.bench_statements import bench_statements

        rows.extend(bench_statements(settings, statement_entries))
    table = Table(title=f"ledger bench ({backend})")
    for column in ("workload", "ledger", "plain", "ratio", "floor", "how"):
        table.add_column(column)
    for row in rows:
        floor = row.extra.get("floor")
        table.add_row(
            row.workload,
            f"{row.fast:,.1f} {row.unit}",
            f"{row.plain:,.1f} {row.unit}" if row.plain else "-",
            f"{row.ratio:.1f}x" if row.plain and row.unit != "MB" else "-",
            (f"{floor:,.2f} {row.unit}" if row.unit == "ms" else f"{floor:,.0f} {row.unit}")
            if floor
            else "-",
            row.notes,
        )
    console.print(table)
    replay = next((r for r in rows if r.workload.startswith("replay")), None)
    load = next((r for r in rows if r.workload.startswith("load one household")), None)
    for row in rows:
        if row.workload.startswith("API:") and "p50_ms" in row.extra:
            console.print(
                f"{row.workload}: {row.extra['requests_per_s']:,.0f} requests/s, "
                f"p50 {row.extra['p50_ms']:.1f} ms, p99 {row.extra['p99_ms']:.1f} ms, "
                f"{row.extra['errors']} errors"
            )
    for row in rows:
        if row.workload.startswith("checkpoint"):
            console.print(
                f"ledger checkpoint: {row.extra['checkpoint_seconds']:.2f} s for "
                f"{row.extra['events']:,} events in {row.extra['streams']:,} streams (file "
                f"{row.extra['checkpoint_file_kb']:,.0f} KB); verify --checkpoint "
                f"{row.extra['verify_with_checkpoint_seconds']:.2f} s, verify alone "
                f"{row.extra['verify_seconds']:.2f} s"
            )
    searched = [r for r in rows if r.workload.startswith("search by")]
    if searched:
        console.print(
            f"search p99 on {search_households:,} households ({searched[0].extra['members']:,} "
            "members; query and page): "
            + ", ".join(
                f"{r.workload.split(' (')[0].removeprefix('search ')} {r.fast:.1f} ms "
                f"(p50 {r.extra['search_ms']['p50_ms']:.1f}; with the access trail's commit "
                f"{r.extra['with_access_trail_ms']['p99_ms']:.1f}; plainly {r.plain:.1f})"
                for r in searched
            )
            + f"; under {SEARCH_P99_MS:.0f} ms: "
            + ("yes" if all(r.fast < SEARCH_P99_MS for r in searched) else "NO")
        )
    for row in rows:
        if row.workload.startswith("warnings, whole city"):
            http = row.extra["county_http"]
            console.print(
                f"warnings on {row.extra['households']:,} households: the whole city in "
                f"{row.extra['city_seconds']:.2f} s ({row.extra['warnings']:,} warnings: "
                + ", ".join(f"{k} {v:,}" for k, v in row.extra["by_rule"].items())
                + f"); GET /warnings for county {row.extra['county']}: p50 {http['p50_ms']:.1f} "
                f"ms, p99 {http['p99_ms']:.1f} ms over {http['requests']} requests, "
                f"{http['errors']} errors; under {WARNINGS_COUNTY_P99_MS:.0f} ms: "
                + ("yes" if http["p99_ms"] < WARNINGS_COUNTY_P99_MS else "NO")
            )
            what_if = row.extra["what_if"]
            console.print(
                f"what-if of a dibao rise over the same city: {what_if['seconds']:.1f} s, "
                f"{what_if['households_considered']:,} households considered, "
                f"{what_if['households_changing_amount']:,} changing amount, "
                f"{what_if['annual_cost_difference']} a year more"
            )
    for row in rows:
        if row.workload.startswith("statement import"):
            steps = ", ".join(f"{k} {v:.2f} s" for k, v in row.extra["steps_seconds"].items())
            counts = row.extra["counts"]
            console.print(
                f"{row.workload}: {row.extra['seconds']:.2f} s ({steps}); {counts['paid']:,} "
                f"paid, {counts['returned']:,} returned, {counts['amount_mismatch']:,} amount "
                f"mismatches, {counts['unmatched']:,} unmatched; the same file again "
                f"{row.extra['re_import_seconds']:.2f} s, nothing recorded"
            )
    if replay is not None and load is not None:
        console.print(
            f"replay known now: {replay.extra['known_now_ms_fast']:.1f} ms the ledger's way, "
            f"{replay.extra['known_now_ms_plain']:.1f} ms the plain way; same answer both "
            f"ways: {replay.extra['same_replay']}. Load at version {replay_events // 2 + 1}: "
            f"{load.extra['as_of_half_ms_fast']:.1f} ms with snapshots, "
            f"{load.extra['as_of_half_ms_plain']:.1f} ms without; "
            f"same state both ways: {load.extra['same_state']}"
        )
    report = {
        "backend": backend,
        "households": households,
        "plain_households": plain_households,
        "replay_events": replay_events,
        "search_households": search_households if "search" in only else None,
        "warning_households": warning_households if "warnings" in only else None,
        "statement_entries": statement_entries if "statements" in only else None,
        "only": [w for w in WORKLOADS if w in only],
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "seconds": round(time.perf_counter() - started, 2),
        "load_average_at_start": load_at_start,
        "workloads": [
            {
                "workload": r.workload,
                "unit": r.unit,
                "ledger": round(r.fast, 2),
                "plain": round(r.plain, 2),
                "ratio": round(r.ratio, 2) if r.plain else None,
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


# --------------------------------------------------------------- import and floors


def _floor_write(settings: Settings, rows: list[tuple[Any, ...]]) -> float:
    """The physical floor of writing these event rows: plain COPY (PostgreSQL) or plain
    executemany (sqlite3) into a scratch table of the events table's shape, one
    transaction per 500 households' worth (5,000 rows), no encoding, no checks."""
    if settings.database_url.startswith("sqlite:///"):
        import sqlite3

        path = settings.database_url[len("sqlite:///") :] + ".floor"
        conn = sqlite3.connect(path)
        try:
            conn.execute(
                "CREATE TABLE floor_events (originator_id TEXT, originator_version INTEGER, "
                "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
            )
            start = time.perf_counter()
            for i in range(0, len(rows), 5000):
                with conn:
                    conn.executemany(
                        "INSERT INTO floor_events VALUES (?,?,?,?)",
                        [(r[0].hex, *r[1:]) for r in rows[i : i + 5000]],
                    )
            return time.perf_counter() - start
        finally:
            conn.close()
            Path(path).unlink(missing_ok=True)
    import psycopg

    conninfo = settings.database_url.split("?")[0]
    with psycopg.connect(conninfo) as conn:
        conn.execute(
            "CREATE TEMP TABLE floor_events (originator_id uuid NOT NULL, "
            "originator_version integer NOT NULL, topic text, state bytea, "
            "notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
        )
        conn.commit()
        start = time.perf_counter()
        for i in range(0, len(rows), 5000):
            with (
                conn.cursor() as cur,
                cur.copy(
                    "COPY floor_events (originator_id, originator_version, topic, state) FROM STDIN"
                ) as copy,
            ):
                for row in rows[i : i + 5000]:
                    copy.write_row(row)
            conn.commit()
        return time.perf_counter() - start


def _event_rows(app: Any) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    start = 1
    while page := app.recorder.select_notifications(start=start, limit=5000):
        rows.extend((n.originator_id, n.originator_version, n.topic, n.state) for n in page)
        start = page[-1].id + 1
    return rows


def bench_import(settings: Settings, households: int, plain_households: int) -> Row:
    """`ledger import` of a synthetic registry (three members, about 10 events a
    household) through its own code path, beside one save per household, beside the
    physical floor (the same event rows written plainly)."""
    from services.importer import Importer, import_parallel, import_registry, write_synthetic

    workers = 2 if settings.database_url.startswith("postgres") else 1
    with tempfile.TemporaryDirectory(prefix="ledger-bench-import-") as folder:
        path = Path(folder) / "registry.csv"
        write_synthetic(path, households)
        small = Path(folder) / "plain.csv"
        write_synthetic(small, plain_households, start=households)
        with scratch(settings, "i") as s:
            ledger = Ledger.open(s)
            try:
                if workers > 1:
                    started = time.perf_counter()
                    report = import_parallel(s, path, workers=workers)
                else:
                    started = time.perf_counter()
                    report = import_registry(ledger.app, path)
                seconds = time.perf_counter() - started
                assert report.ok and report.households_recorded == households, report.errors
                events = report.events_recorded
                rows = _event_rows(ledger.app)
                rows = [r for r in rows if r[2].startswith("domain.household:")]
                floor = _floor_write(s, rows)

                # Plain: the same file read, checked and built the same way, then one
                # save (one transaction) per household, in one process.
                from services.importer import HouseholdRows, read_households

                importer = Importer(ledger.app, system="plain", actor="bench", source="plain")
                plain_started = time.perf_counter()
                plain_events = 0
                with small.open(encoding="utf-8", newline="") as text:
                    for rows_of in read_households(text):  # type: ignore[arg-type]
                        assert isinstance(rows_of, HouseholdRows)
                        built = importer.build(rows_of)
                        plain_events += built.household.version
                        ledger.app.save(built.household)
                plain_seconds = time.perf_counter() - plain_started
            finally:
                ledger.close()
    return Row(
        f"bulk import ({households} households)",
        "events/s",
        events / seconds,
        plain_events / plain_seconds,
        events,
        plain_events,
        f"ledger import ({workers} process{'es' if workers > 1 else ''}, 500 households per "
        "transaction) vs one save per household",
        {
            "floor": round(len(rows) / floor, 1),
            "floor_how": "the same event rows by COPY"
            if workers > 1
            else "the same event rows by sqlite3 executemany",
            "seconds": round(seconds, 2),
        },
    )


def _floor_rebuild(settings: Settings, view_rows: dict[str, list[tuple[Any, ...]]]) -> float:
    """The physical floor of a rebuild: read every event row (pages of 1,000, as the
    runner does) and write the views' rows (the same rows, plainly) into scratch tables."""
    if settings.database_url.startswith("sqlite:///"):
        import sqlite3

        path = settings.database_url[len("sqlite:///") :]
        conn = sqlite3.connect(path)
        try:
            start = time.perf_counter()
            last = 0
            while True:
                page = conn.execute(
                    "SELECT rowid, topic, state FROM stored_events WHERE rowid > ? "
                    "ORDER BY rowid LIMIT 1000",
                    (last,),
                ).fetchall()
                if not page:
                    break
                last = page[-1][0]
            for table, rows in view_rows.items():
                if not rows:
                    continue
                width = len(rows[0])
                conn.execute(
                    f"CREATE TEMP TABLE floor_{table} ({', '.join(f'c{i}' for i in range(width))})"
                )
                with conn:
                    conn.executemany(
                        f"INSERT INTO floor_{table} VALUES ({','.join('?' * width)})", rows
                    )
            return time.perf_counter() - start
        finally:
            conn.close()
    import psycopg

    env = settings.persistence_env()
    schema = env["POSTGRES_SCHEMA"]
    conninfo = settings.database_url.split("?")[0]
    with psycopg.connect(conninfo) as conn:
        start = time.perf_counter()
        last = 0
        while True:
            page = conn.execute(
                f'SELECT notification_id, topic, state FROM "{schema}".ledger_events '
                "WHERE notification_id > %s ORDER BY notification_id LIMIT 1000",
                (last,),
            ).fetchall()
            if not page:
                break
            last = page[-1][0]
        for table, rows in view_rows.items():
            if not rows:
                continue
            conn.execute(
                f'CREATE TEMP TABLE "floor_{table}" (LIKE "{schema}"."{table}") ON COMMIT DROP'
            )
            with conn.cursor() as cur, cur.copy(f'COPY "floor_{table}" FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        conn.commit()
        return time.perf_counter() - start


# ------------------------------------------------------------- memory of a rebuild


def _get_from(queue: Any, processes: list[Any]) -> Any:
    """The next message from child processes; an error if one of them stopped without
    sending it (rather than waiting for ever)."""
    from queue import Empty

    while True:
        try:
            return queue.get(timeout=1)
        except Empty:
            failed = [p for p in processes if p.exitcode not in (None, 0)]
            stopped = failed or [p for p in processes if p.exitcode is not None]
            if failed or len(stopped) == len(processes):
                try:
                    return queue.get(timeout=5)  # its last message may still be on the way
                except Empty:
                    raise RuntimeError(
                        f"a bench process stopped (exit {stopped[0].exitcode})"
                    ) from None


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB. Not getrusage's ru_maxrss:
    Linux carries that over from the parent through fork and exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rebuild_child(database_url: str, queue: Any) -> None:
    from services.ledger import Ledger as ChildLedger
    from services.settings import Settings as ChildSettings

    settings = ChildSettings(database_url=database_url, secret="bench-" + "x" * 32)
    ledger = ChildLedger.open(settings, seed=False)
    try:
        before = _peak_rss_mb()
        started = time.perf_counter()
        events = ledger.runner.rebuild()
        seconds = time.perf_counter() - started
        after = _peak_rss_mb()
        queue.put((events, seconds, before, after))
    finally:
        ledger.close()


def rebuild_peak_memory(settings: Settings) -> dict[str, Any]:
    """Rebuild every view in a fresh child process; its peak resident memory before
    and after the rebuild, in MB."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_rebuild_child, args=(settings.database_url, queue))
    child.start()
    events, seconds, before, after = _get_from(queue, [child])
    child.join()
    return {
        "events": events,
        "seconds": round(seconds, 2),
        "peak_mb_at_start": round(before, 1),
        "peak_mb": round(after, 1),
    }


def bench_memory(settings: Settings, sizes: tuple[int, int]) -> Row:
    """Peak memory of a rebuild of all views at two sizes of the log: it stays flat
    (the runner holds one page of 1,000 events and its view rows at a time)."""
    from services.importer import import_parallel, import_registry, write_synthetic

    found = []
    for size in sizes:
        with (
            tempfile.TemporaryDirectory(prefix="ledger-bench-mem-") as folder,
            scratch(settings, "m") as s,
        ):
            path = Path(folder) / "registry.csv"
            write_synthetic(path, size)
            ledger = Ledger.open(s)
            try:
                if s.database_url.startswith("postgres"):
                    import_parallel(s, path, workers=2)
                else:
                    import_registry(ledger.app, path)
                head = ledger.app.recorder.max_notification_id() or 0
            finally:
                ledger.close()
            result = rebuild_peak_memory(s)
            result["head"] = head
            found.append(result)
    small, large = found
    return Row(
        "rebuild peak memory (all views)",
        "MB",
        large["peak_mb"],
        small["peak_mb"],
        large["head"],
        small["head"],
        f"peak RSS of a child rebuilding {large['head']} events vs {small['head']} events",
        {"sizes": found},
    )


# ----------------------------------------------------------------------- API reads


def bench_api(settings: Settings, households: int, *, seconds: float, workers: int) -> list[Row]:
    """A real `ledger serve` over a ledger of `households` imported households: current
    entitlements and their history under closed-loop load (max requests/s, p50, p99),
    and current entitlements at a fixed 200 requests/s (p99)."""
    from api.auth import issue_token
    from scripts.loadgen import closed_loop, fixed_rate, served
    from services.importer import household_id, import_registry, write_synthetic

    rows: list[Row] = []
    with (
        tempfile.TemporaryDirectory(prefix="ledger-bench-api-") as folder,
        scratch(settings, "a") as s,
    ):
        path = Path(folder) / "registry.csv"
        write_synthetic(path, households)
        ledger = Ledger.open(s)
        try:
            import_registry(ledger.app, path)
            ledger.runner.catch_up()
        finally:
            ledger.close()
        ids = [household_id("legacy", f"H{n:08d}") for n in range(households)]
        secret = "bench-secret-" + "x" * 40
        token = issue_token(secret, "bench", "caseworker", 3600)
        env = {
            "LEDGER_DATABASE_URL": s.database_url,
            "LEDGER_SECRET": secret,
            "LEDGER_DATA_DIR": folder,
        }
        current = [f"/households/{h}/entitlements" for h in ids]
        history = [f"/households/{h}/entitlements/history" for h in ids]
        with served(env, workers) as base:
            closed_loop(base, token, current, threads=4, requests=200, max_seconds=5)  # warm
            budget = int(seconds * 2000)
            for name, paths in (("current entitlements", current), ("history", history)):
                result = closed_loop(
                    base, token, paths, threads=16, requests=budget, max_seconds=seconds
                )
                rows.append(
                    Row(
                        f"API: {name}",
                        "requests/s",
                        result.rate,
                        0.0,
                        result.requests,
                        0,
                        f"16 keep-alive clients as fast as answered; {workers} server "
                        "process(es); p50/p99 in the report",
                        result.as_dict(),
                    )
                )
            steady = fixed_rate(base, token, current, rate=200, seconds=seconds)
            rows.append(
                Row(
                    "API: current entitlements at 200/s",
                    "ms p99",
                    steady.percentile(99),
                    0.0,
                    steady.requests,
                    0,
                    "a fixed schedule of 200 requests/s; latency from the scheduled time",
                    steady.as_dict(),
                )
            )
    return rows


# ------------------------------------------------------- jurisdictions side by side


def _jurisdiction(settings: Settings, index: int, households: int, start: Any, queue: Any) -> None:
    """One jurisdiction's ledger in its own database (schema or file): import, rebuild
    every view, a month's payment run; the seconds of each, timed after a common start."""
    from services.importer import import_registry, write_synthetic
    from services.payment_runs import run_payments

    try:
        with (
            tempfile.TemporaryDirectory(prefix="ledger-bench-j-") as folder,
            scratch(settings, f"j{index}") as s,
        ):
            path = Path(folder) / "registry.csv"
            write_synthetic(path, households, start=index * households)
            ledger = Ledger.open(s)
            try:
                start.wait()
                began = time.perf_counter()
                report = import_registry(ledger.app, path)
                imported = time.perf_counter()
                # Events in the log over the time to rebuild (as `ledger bench` counts).
                rebuilt_events = ledger.app.recorder.max_notification_id() or 0
                ledger.runner.rebuild()
                rebuilt = time.perf_counter()
                summary = run_payments(ledger, "2025-03", "bench", batch_size=1000)
                paid = time.perf_counter()
                head = ledger.app.recorder.max_notification_id() or 0
            finally:
                ledger.close()
        queue.put(
            (
                index,
                {
                    "events_imported": report.events_recorded,
                    "import_seconds": round(imported - began, 2),
                    "rebuild_events": rebuilt_events,
                    "rebuild_seconds": round(rebuilt - imported, 2),
                    "payments": summary.payments,
                    "payment_seconds": round(paid - rebuilt, 2),
                    "events_in_log": head,
                    "seconds": round(paid - began, 2),
                },
            )
        )
    except BaseException as error:
        queue.put((index, {"error": f"{type(error).__name__}: {error}"}))
        raise


def run_side_by_side(
    settings: Settings, *, ledgers: int, households: int, console: Console, report_path: str
) -> dict[str, Any]:
    """`ledgers` jurisdiction ledgers at once, one process and one database (schema) each,
    on this machine: each imports `households` households, rebuilds its views and runs a
    month's payments. Aggregate throughput = all their events over the longest wall time;
    the same run with one ledger alone is the reference."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    results: dict[int, dict[str, Any]] = {}
    for count in sorted({1, ledgers}):
        start = context.Event()
        queue = context.Queue()
        processes = [
            context.Process(target=_jurisdiction, args=(settings, i, households, start, queue))
            for i in range(count)
        ]
        for p in processes:
            p.start()
        time.sleep(0.5)
        wall_start = time.perf_counter()
        start.set()
        found = [_get_from(queue, processes) for _ in processes]
        wall = time.perf_counter() - wall_start
        for p in processes:
            p.join()
        errors = [r["error"] for _, r in found if "error" in r]
        if errors:
            raise RuntimeError(errors[0])
        parts = [r for _, r in sorted(found, key=lambda item: item[0])]
        results[count] = {
            "ledgers": count,
            "wall_seconds": round(wall, 2),
            "events_imported": sum(r["events_imported"] for r in parts),
            "import_events_per_s": round(
                sum(r["events_imported"] for r in parts) / max(r["import_seconds"] for r in parts),
                1,
            ),
            "rebuild_events_per_s": round(
                sum(r["rebuild_events"] for r in parts) / max(r["rebuild_seconds"] for r in parts),
                1,
            ),
            "payments_per_s": round(
                sum(r["payments"] for r in parts) / max(r["payment_seconds"] for r in parts), 1
            ),
            "per_ledger": parts,
        }
    table = Table(
        title=f"{ledgers} jurisdiction ledgers side by side ({households} households each)"
    )
    for column in (
        "ledgers at once",
        "import events/s",
        "rebuild events/s",
        "payments/s",
        "wall s",
    ):
        table.add_column(column)
    for r in results.values():
        table.add_row(
            str(r["ledgers"]),
            f"{r['import_events_per_s']:,.0f}",
            f"{r['rebuild_events_per_s']:,.0f}",
            f"{r['payments_per_s']:,.0f}",
            f"{r['wall_seconds']:.1f}",
        )
    console.print(table)
    report = {
        "backend": "postgresql" if settings.database_url.startswith("postgres") else "sqlite",
        "households_per_ledger": households,
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "runs": list(results.values()),
    }
    Path(report_path).write_text(json.dumps(report, indent=2))
    console.print(f"report written to {report_path}")
    return report
