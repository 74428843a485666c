"""Properties on a real database (both backends, bounded): whatever the commands, the
views rebuilt from the log equal the live views, a household folded from its events
equals the household the application loads from its snapshots (a snapshot every 3
events here, so they are really used), and the audit replay gives the live views'
entitlements on any date."""

from __future__ import annotations

from datetime import UTC, date
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import LedgerError
from domain.money import format_yuan
from domain.policy.s17_medical_caps import BillFigures
from projections.runner import VIEWS
from services.audit import replay_household
from services.ledger import Ledger
from tests.helpers import household, means
from tests.path import app_consents, app_decide

SNAPSHOT_INTERVAL = 3
DATES = (date(2025, 1, 1), date(2025, 2, 28), date(2025, 6, 1), date(2025, 12, 31))

command = st.one_of(
    st.tuples(st.just("dibao"), st.integers(min_value=0, max_value=60_000)),
    st.tuples(st.just("marginal"), st.integers(min_value=0, max_value=80_000)),
    st.tuples(st.just("bill"), st.integers(min_value=1, max_value=4_000_000)),
    st.tuples(st.just("change"), st.booleans()),
)


@pytest.fixture
def snapshotting(settings):
    """A ledger taking a household snapshot every 3 events."""
    opened = Ledger.open(settings.model_copy(update={"snapshot_interval": SNAPSHOT_INTERVAL}))
    try:
        yield opened
    finally:
        opened.close()


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    members=st.integers(min_value=2, max_value=4),  # registration + 2 members: a snapshot
    commands=st.lists(command, min_size=1, max_size=12),
)
def test_rebuild_equals_live_views_and_replay_equals_live_state(snapshotting, members, commands):
    """Issue 8 (properties): rebuild = live views; the fold of every event = the load from
    the latest snapshot; `replay_household` (the audit's replay) = the entitlement view."""
    ledger = snapshotting
    hid, ids = household(ledger.app, members)
    for step, (kind, value) in enumerate(commands):
        try:
            if kind in ("dibao", "marginal"):
                app_id = ledger.app.submit_application(
                    hid,
                    programme=kind,
                    effective_from=date(2025, 1 + step % 12, 1),
                    means=means(value),
                    actor="caseworker-li",
                    consents=app_consents(ledger.app, hid, date(2025, 1 + step % 12, 1)),
                )
                app_decide(
                    ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang"
                )
            elif kind == "bill":
                ledger.app.record_medical_bill(
                    hid,
                    member_id=ids[step % len(ids)],
                    service_on=date(2025, 6, 1),
                    figures=BillFigures(value, 0, value, {}, ()),
                    actor="caseworker-li",
                )
            else:
                ledger.app.change_member(
                    hid,
                    ids[0],
                    effective_on=date(2025, 3, 1),
                    changes={"severe_illness": value},
                    actor="caseworker-li",
                )
        except LedgerError:
            pass  # a refused command records nothing; the properties must still hold
    ledger.runner.catch_up()
    tables = tuple(t for view in VIEWS.values() for t in view.tables)
    live = ledger.views.dump(tables)
    ledger.runner.rebuild()
    assert ledger.views.dump(tables) == live
    folded = None
    for event in ledger.app.household_events(hid):
        folded = event.mutate(folded)
    loaded = ledger.app.household(hid)
    assert loaded.version >= SNAPSHOT_INTERVAL
    assert list(ledger.app.snapshots.get(hid)), "no snapshot was taken"
    assert folded.__dict__ == loaded.__dict__
    for on in DATES:
        replayed = replay_household(ledger, hid, on, None)["state"]["entitlements"]
        live = ledger.entitlements(hid, on)
        assert sorted(
            (e["programme"], e["member_id"], e["monthly_amount"], e["effective_from"])
            for e in replayed
        ) == sorted(
            (
                f.row.programme,
                f.row.member_id,
                format_yuan(f.row.monthly_fen),
                f.row.effective_from.isoformat(),
            )
            for f in live
        ), on


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    answers=st.lists(st.sampled_from(["paid", "failed", "returned", None]), min_size=1, max_size=6)
)
def test_a_runs_payments_add_up_to_its_reconciliation(ledger, answers):
    """Whatever the bank answers, what a run recorded it scheduled equals paid + failed +
    returned + cancelled + outstanding, by count and by amount."""
    from datetime import datetime

    from projections import sql
    from services.payment_runs import run_payments

    runs = len(ledger.views.query(sql.RUN_PERIODS, {}))
    period = f"{2030 + runs // 12}-{runs % 12 + 1:02d}"  # runs go month by month
    for n in range(len(answers)):
        hid, _ = household(ledger.app, 1 + n % 3, registered_on=date(2024, 1, 1))
        app_id = ledger.app.submit_application(
            hid,
            programme="dibao",
            effective_from=date(2025, 1, 1),
            means=means(1000 * n),
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 1, 1)),
        )
        app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    run_payments(ledger, period, "finance-zhou")
    ledger.runner.catch_up()
    rows = ledger.views.query(sql.FEED_RUN, {"period": period})
    for row, answer in zip(rows, answers, strict=False):
        if answer is not None:
            ledger.app.acknowledge_payment(
                UUID(str(row["household_id"])),
                row["payment_id"],
                status=answer,
                bank_reference="B",
                at=datetime(2030, 1, 5, tzinfo=UTC),
                actor="finance-zhou",
            )
    found = ledger.reconciliation(period)
    assert found["balanced"]
    assert found["scheduled"]["payments"] == len(rows)
    assert found["scheduled"]["amount_fen"] == sum(int(r["amount_fen"]) for r in rows)
