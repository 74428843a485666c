"""Properties on a real database (both backends, bounded): whatever the commands, the
views rebuilt from the log equal the live views, and a household replayed from its
events equals the household the application loads (snapshots included)."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import LedgerError
from domain.medical import BillFigures
from projections.runner import VIEWS
from tests.helpers import household, means

command = st.one_of(
    st.tuples(st.just("dibao"), st.integers(min_value=0, max_value=60_000)),
    st.tuples(st.just("marginal"), st.integers(min_value=0, max_value=80_000)),
    st.tuples(st.just("bill"), st.integers(min_value=1, max_value=4_000_000)),
    st.tuples(st.just("change"), st.booleans()),
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    members=st.integers(min_value=1, max_value=4),
    commands=st.lists(command, min_size=1, max_size=12),
)
def test_rebuild_equals_live_views_and_replay_equals_live_state(ledger, members, commands):
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
                )
                ledger.app.determine(
                    hid, app_id, decision="approve", reason="ok", actor="approver-wang"
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
    assert folded.__dict__ == ledger.app.household(hid).__dict__
