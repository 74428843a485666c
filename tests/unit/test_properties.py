"""Property-based tests (hypothesis, bounded) of the money rules: whatever the bills and
their corrections, the §17 caps hold and every yuan of self-pay is either kept or
relieved; recoveries never take more than their share; pro rata never pays more than a
month."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.household import Household, _step
from domain.money import yuan
from domain.payments import Segment, owed_for_period, recovery_deduction
from domain.policy.s05_means_test import Means
from domain.policy.s17_medical_caps import BillFigures
from domain.standards import StandardsBook, default_city_standards
from tests.helpers import id_number
from tests.path import consents, decide

BOOK = StandardsBook(default_city_standards())
bill = st.tuples(
    st.integers(min_value=0, max_value=3),  # which member
    st.integers(min_value=1, max_value=4_000_000),  # self-pay in fen (up to 40,000)
    st.integers(min_value=0, max_value=330),  # day of the year
)
action = st.one_of(
    st.tuples(st.just("bill"), bill),
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=30)),
    st.tuples(
        st.just("correct"),
        st.tuples(
            st.integers(min_value=0, max_value=30), st.integers(min_value=1, max_value=4_000_000)
        ),
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(action, min_size=1, max_size=25))
def test_caps_hold_whatever_the_bills_corrections_and_cancellations(actions):
    h = Household.register(
        region_code="330402",
        residence="urban",
        address="x",
        registered_on=date(2025, 1, 1),
        actor="cw",
    )
    members = [
        h.add_member(
            name=f"m{i}",
            id_number=id_number(),
            relation="head",
            birth_on=date(1970, 1, 1),
            joined_on=None,
            actor="cw",
        )
        for i in range(4)
    ]
    for kind, args in actions:
        live = [b for b in h.bills.values() if not b.cancelled]
        if kind == "bill":
            who, fen, day = args
            h.record_medical_bill(
                member_id=members[who],
                service_on=date(2025, 1, 1) + timedelta(days=day),
                figures=BillFigures(fen, 0, fen, {}, ()),
                settlement_number=None,
                actor="cw",
                book=BOOK,
            )
        elif live and kind == "cancel":
            target = live[args % len(live)]
            h.cancel_medical_bill(target.bill_id, reason="x", actor="cw", book=BOOK)
        elif live and kind == "correct":
            index, fen = args
            target = live[index % len(live)]
            h.correct_medical_bill(
                target.bill_id,
                member_id=target.member_id,
                service_on=target.service_on,
                figures=BillFigures(fen, 0, fen, {}, ()),
                settlement_number=None,
                reason="x",
                actor="cw",
                book=BOOK,
            )
    live = [b for b in h.bills.values() if not b.cancelled]
    assert h.household_paid(2025) <= yuan(50000)
    for member in members:
        assert h.person_paid(member, 2025) <= yuan(30000)
    for b in live:
        assert b.kept_fen >= 0 and b.relief_fen >= 0
        assert b.kept_fen + b.relief_fen == b.counted_fen
    for b in h.bills.values():
        if b.cancelled:
            assert (b.kept_fen, b.relief_fen) == (0, 0)
    # Relief is only ever given where a cap binds.
    total = sum(b.counted_fen for b in live)
    if total <= yuan(30000):
        assert all(b.relief_fen == 0 for b in live)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=0, max_value=10**9),
    st.fractions(min_value=0, max_value=1, max_denominator=1000),
)
def test_a_recovery_takes_at_most_its_share_and_what_is_owed(balance, gross, share):
    taken = recovery_deduction(balance, gross, share)
    assert 0 <= taken <= balance
    assert taken <= share * gross + Fraction(1, 2)
    assert gross - taken >= 0


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**8),
    st.integers(min_value=1, max_value=28),
    st.integers(min_value=1, max_value=12),
)
def test_pro_rata_never_pays_more_than_the_month(monthly, day, month):
    period = f"2025-{month:02d}"
    owed, _ = owed_for_period([Segment(date(2025, month, day), monthly, False)], period)
    assert 0 <= owed <= monthly
    if day == 1:
        assert owed == monthly


determination = st.tuples(
    st.integers(min_value=0, max_value=330),  # effective date: day of 2025
    st.integers(min_value=0, max_value=29_999),  # countable income, whole yuan, for two
    st.booleans(),  # approved (a rejected application decides nothing)
)


@settings(max_examples=60, deadline=None)
@given(st.lists(determination, min_size=1, max_size=8))
def test_the_latest_recorded_determination_rules_every_day(determinations):
    """POLICY ch. 13: for each day D of 2025 the dibao in force is that of the most
    recently recorded approved determination whose date is on or before D, computed here
    independently as (15,000 x 2 - income) / 12 rounded half up (§2, §4); before every
    such date nothing is in force. The category spans from the first day any
    determination is in force, open. Folding the recorded events again gives the same."""
    h = Household.register(
        region_code="330402",
        residence="urban",
        address="x",
        registered_on=date(2025, 1, 1),
        actor="cw",
    )
    for i in range(2):
        h.add_member(
            name=f"m{i}",
            id_number=id_number(),
            relation="head" if i == 0 else "spouse",
            birth_on=date(1980, 1, 1),
            joined_on=None,
            actor="cw",
        )
    recorded: list[tuple[date, int]] = []  # approved ones, in recording order
    for day, income, approved in determinations:
        on = date(2025, 1, 1) + timedelta(days=day)
        app_id = h.submit_application(
            programme="dibao",
            effective_from=on,
            means=Means(yuan(income), 0, 0),
            member_id=None,
            details={},
            actor="cw",
            consents=consents(h, on),
        )
        decide(h, app_id, BOOK, decision="approve" if approved else "reject", reason="r")
        if approved:
            recorded.append((on, yuan(income)))
    replayed = None
    for event in h.collect_events():
        replayed = event.mutate(replayed)
    assert replayed is not None
    for day in range(365):
        on = date(2025, 1, 1) + timedelta(days=day)
        ruling = [income for start, income in recorded if start <= on]
        point = _step(h.timelines.get("dibao", {}), on)
        if not ruling:
            assert point is None or point.ended, on
            continue
        numerator, denominator = 2 * yuan(15_000) - ruling[-1], 12
        expected = (2 * numerator + denominator) // (2 * denominator)  # half up
        assert point is not None and (point.monthly_fen, point.ended) == (expected, False), on
        assert _step(replayed.timelines["dibao"], on) == point
    if recorded:
        first = min(start for start, _ in recorded)
        assert [(c.category, c.effective_from, c.effective_to) for c in h.categories] == [
            ("dibao", first, None)
        ]
        assert [(c.category, c.effective_from) for c in replayed.categories] == [("dibao", first)]
    else:
        assert h.categories == []
