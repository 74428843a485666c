"""Medical self-pay and caps on both backends: the household stream and the views."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from eventsourcing.persistence import IntegrityError

from domain.errors import InvalidInputError
from domain.household import Household
from domain.money import yuan
from domain.policy.s17_medical_caps import BillFigures
from projections.medical import TABLES
from tests.helpers import household


def figures(self_paid: int, total: int | None = None) -> BillFigures:
    total = self_paid if total is None else total
    return BillFigures(yuan(total), yuan(total) - yuan(self_paid), yuan(self_paid), {}, ())


def post(ledger, hid, member, self_paid, on=date(2025, 3, 1)):
    return ledger.app.record_medical_bill(
        hid, member_id=member, service_on=on, figures=figures(self_paid), actor="caseworker-li"
    )


def test_caps_view_and_fund_relief(ledger):
    """§17 example 9 through the views: 20,000 + 20,000 + 15,000 in one household: the
    household has paid 50,000 (remaining 0), the third member 10,000 (remaining 20,000),
    relief 5,000, booked by the fund in the month of service (2025-04) for 南湖 330402."""
    hid, ids = household(ledger.app, 3)
    post(ledger, hid, ids[0], 20000)
    post(ledger, hid, ids[1], 20000)
    post(ledger, hid, ids[2], 15000, on=date(2025, 4, 9))
    caps = ledger.medical_caps(hid, 2025)
    assert caps["household"] == {
        "paid_fen": yuan(50000),
        "cap_fen": yuan(50000),
        "remaining_fen": 0,
    }
    third = next(m for m in caps["members"] if m["member_id"] == ids[2])
    assert (third["paid_fen"], third["remaining_fen"], third["relief_fen"]) == (
        yuan(10000),
        yuan(20000),
        yuan(5000),
    )
    assert caps["relief_total_fen"] == yuan(5000)
    assert ledger.fund_relief(2025, "3304") == [
        {"month": "2025-04", "county": "330402", "relief_fen": yuan(5000)}
    ]


def test_cancelling_nets_the_recovery_in_the_fund_ledger(ledger):
    """Bills 20,000 and 15,000 for one person (relief 5,000); cancelling the first
    recovers the 5,000: the fund's March total nets to 0 and the person has paid 15,000."""
    hid, [p] = household(ledger.app, 1)
    first = post(ledger, hid, p, 20000)
    post(ledger, hid, p, 15000)
    ledger.app.cancel_medical_bill(hid, first.bill_id, reason="重复结算", actor="caseworker-li")
    assert ledger.fund_relief(2025, "330402") == [
        {"month": "2025-03", "county": "330402", "relief_fen": 0}
    ]
    caps = ledger.medical_caps(hid, 2025)
    assert caps["members"][0]["paid_fen"] == yuan(15000)
    assert caps["relief_total_fen"] == 0


def test_mid_year_move_carries_the_person_and_not_the_household(ledger):
    """§6: A keeps 20,000 in household 1, then moves to household 2 on 2025-07-01, where B
    and C have kept 25,000 + 20,000 = 45,000. A's new bill of 15,000 keeps
    min(15,000, 30,000 - 20,000 carried, 50,000 - 45,000) = 5,000; relief 10,000.
    Household 1 still counts A's 20,000; household 2 counts only what was paid while in
    it (45,000 + 5,000)."""
    h1, [a] = household(ledger.app, 1)
    h2, [b, c] = household(ledger.app, 2)
    post(ledger, h1, a, 20000)
    post(ledger, h2, b, 25000)
    post(ledger, h2, c, 20000)
    carried = ledger.app.move_member(
        h1, a, to_household_id=h2, effective_on=date(2025, 7, 1), actor="caseworker-li"
    )
    assert carried == {"2025": yuan(20000)}
    moved = post(ledger, h2, a, 15000, on=date(2025, 8, 1))
    assert (moved.kept_fen, moved.relief_fen) == (yuan(5000), yuan(10000))
    caps1 = ledger.medical_caps(h1, 2025)
    caps2 = ledger.medical_caps(h2, 2025)
    assert caps1["household"]["paid_fen"] == yuan(20000)
    assert caps2["household"]["paid_fen"] == yuan(50000)
    a_in_2 = next(m for m in caps2["members"] if m["member_id"] == a)
    assert (a_in_2["paid_fen"], a_in_2["carried_fen"]) == (yuan(25000), yuan(20000))
    # The person keeps who they are; a bill dated before the move is refused in household 2.
    with pytest.raises(InvalidInputError):
        post(ledger, h2, a, 10, on=date(2025, 6, 30))


def test_rebuild_of_the_medical_view_gives_identical_rows(ledger):
    """§17 splits after a correction (28,000 corrected to 29,000, then 25,000 for another
    member) read the same from the live view and from a rebuild of it."""
    hid, ids = household(ledger.app, 2)
    first = post(ledger, hid, ids[0], 28000)
    post(ledger, hid, ids[1], 25000)
    ledger.app.correct_medical_bill(
        hid,
        first.bill_id,
        member_id=ids[0],
        service_on=date(2025, 3, 1),
        figures=figures(29000),
        actor="caseworker-li",
    )
    ledger.runner.catch_up()
    before = ledger.views.dump(TABLES)
    assert len(before["ledger_medical_bills"]) == 2
    ledger.runner.rebuild(("medical",))
    assert ledger.views.dump(TABLES) == before


def test_concurrent_bills_never_break_the_household_cap(ledger, monkeypatch):
    """§17 under a race (on both backends; PostgreSQL is the one that matters): in each
    of 12 rounds two members' bills of 30,000 each are posted at the same moment by two
    threads, and both threads load the household before either saves (a barrier before
    each thread's first save), so every round has a version conflict: 12 refused saves,
    counted. Whatever the order, the household keeps exactly 50,000 and the fund
    relieves exactly 10,000: the loser of the race is recomputed against the winner's
    save."""
    save = ledger.app.save
    conflicts = []
    first_save = threading.local()

    def counted_save(*aggregates, **kwargs):
        if getattr(first_save, "barrier", None) is not None:
            barrier, first_save.barrier = first_save.barrier, None
            barrier.wait()
        try:
            return save(*aggregates, **kwargs)
        except IntegrityError:
            conflicts.append(1)
            raise

    monkeypatch.setattr(ledger.app, "save", counted_save)
    for _ in range(12):
        hid, (a, b) = household(ledger.app, 2)
        start = threading.Barrier(2, timeout=30)
        saving = threading.Barrier(2, timeout=30)
        results = {}

        def post_bill(member, results=results, start=start, saving=saving, hid=hid):
            start.wait()
            first_save.barrier = saving
            results[member] = post(ledger, hid, member, 30000)

        threads = [threading.Thread(target=post_bill, args=(m,)) for m in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(r.kept_fen for r in results.values()) == yuan(50000)
        assert sum(r.relief_fen for r in results.values()) == yuan(10000)
        state = ledger.app.household(hid)
        assert state.household_paid(2025) == yuan(50000)
        assert len(state.bills) == 2
    assert len(conflicts) == 12


def test_caps_view_shows_the_caps_in_force_at_the_end_of_the_cap_year(ledger):
    """§17: the person cap raised to 40,000 from 2025-07-01: the 2025 view shows a cap of
    40,000 (in force at the end of 2025); a person who kept 35,000 in August has 5,000
    left; the 2024 view still shows 30,000."""
    ledger.record_standard_change(
        key="medical_cap_individual_annual",
        value=yuan(40000),
        effective_from=date(2025, 7, 1),
        basis="doc",
        actor="admin",
    )
    hid, [p] = household(ledger.app, 1, registered_on=date(2024, 1, 1))
    post(ledger, hid, p, 35000, on=date(2025, 8, 1))
    caps = ledger.medical_caps(hid, 2025)
    assert (caps["members"][0]["cap_fen"], caps["members"][0]["remaining_fen"]) == (
        yuan(40000),
        yuan(5000),
    )
    assert ledger.medical_caps(hid, 2024)["members"][0]["cap_fen"] == yuan(30000)


def test_supervision_figures_clear_the_excess_and_count_bills_as_of_the_date(ledger):
    """§15 / §17 supervision figures per county, as of 2025-04-30.

    - 南湖 330402, worked example 8: self-pay 18,000 then 15,000 for one person: kept
      30,000, relief 3,000; the excess over the caps worked out from the counted self-pay
      is 33,000 - min(50,000, min(33,000, 30,000)) = 3,000, all relieved: clearing
      3,000 / 3,000 = 1. A bill served on 2025-05-01 is after the date and not counted.
    - 秀洲 330411: total 10,000 with 2,000 self-pay: coverage (10,000 - 2,000) / 10,000
      = 0.8 (< 0.85); nobody over a cap, so no clearing rate (None).
    - 嘉善 330421: the same 18,000 + 15,000 (relief 3,000), then the county lowers the
      person cap to 25,000 from 2025-01-01 and the household is not recomputed: the
      excess is now 33,000 - min(50,000, 25,000) = 8,000, of which the fund relieved
      3,000: clearing 3,000 / 8,000 = 0.375, the household not cleared.
    """
    nanhu, [a] = household(ledger.app, 1, region_code="330402")
    post(ledger, nanhu, a, 18000)
    post(ledger, nanhu, a, 15000, on=date(2025, 4, 1))
    post(ledger, nanhu, a, 500, on=date(2025, 5, 1))
    xiuzhou, [b] = household(ledger.app, 1, region_code="330411")
    ledger.app.record_medical_bill(
        xiuzhou,
        member_id=b,
        service_on=date(2025, 3, 1),
        figures=figures(2000, total=10000),
        actor="caseworker-li",
    )
    jiashan, [c] = household(ledger.app, 1, region_code="330421")
    post(ledger, jiashan, c, 18000)
    post(ledger, jiashan, c, 15000, on=date(2025, 4, 1))
    ledger.app.record_standard_change(  # recorded, not yet carried to the household
        key="medical_cap_individual_annual",
        value=yuan(25000),
        effective_from=date(2025, 1, 1),
        basis="嘉善县文件",
        actor="admin",
        region_code="330421",
    )
    counties = ledger.medical_by_county(2025, date(2025, 4, 30))
    assert set(counties) == {"330402", "330411", "330421"}
    n = counties["330402"]
    assert (n.total_fen, n.kept_fen, n.excess_fen, n.relieved_fen) == (
        yuan(33000),
        yuan(30000),
        yuan(3000),
        yuan(3000),
    )
    assert (n.over_cap, n.cleared) == (1, 1)
    x = counties["330411"]
    assert (x.total_fen, x.kept_fen, x.excess_fen, x.over_cap) == (yuan(10000), yuan(2000), 0, 0)
    j = counties["330421"]
    assert (j.excess_fen, j.relieved_fen, j.over_cap, j.cleared) == (
        yuan(8000),
        yuan(3000),
        1,
        0,
    )
    # With the May bill (kept 0, relief 500): 33,500 total, 3,500 over, all relieved.
    may = ledger.medical_by_county(2025, date(2025, 5, 31))["330402"]
    assert (may.total_fen, may.excess_fen, may.relieved_fen) == (
        yuan(33500),
        yuan(3500),
        yuan(3500),
    )


def test_a_moved_members_corrected_and_cancelled_bill_reaches_their_new_household(ledger):
    """§6 (plan item 17), a mid-year move, then the old household's bill changes.

    A keeps 20,000 in household 1 (March), moves to household 2 on 2025-07-01 carrying
    20,000; an August bill of 15,000 there keeps min(15,000, 30,000 - 20,000) = 10,000,
    relief 5,000.
    - The March bill is corrected to 25,000: A now carries 25,000; the August bill keeps
      30,000 - 25,000 = 5,000, relief 10,000 (extra relief 5,000 from the fund).
    - The March bill is cancelled: A carries 0; the August bill keeps 15,000, relief 0
      (a recovery of 10,000 on the fund's side).
    """
    h1, [a] = household(ledger.app, 1)
    h2, _ = household(ledger.app, 1)
    march = post(ledger, h1, a, 20000)
    ledger.app.move_member(
        h1, a, to_household_id=h2, effective_on=date(2025, 7, 1), actor="caseworker-li"
    )
    august = post(ledger, h2, a, 15000, on=date(2025, 8, 1))
    assert (august.kept_fen, august.relief_fen) == (yuan(10000), yuan(5000))

    ledger.app.correct_medical_bill(
        h1,
        march.bill_id,
        member_id=a,
        service_on=date(2025, 3, 1),
        figures=figures(25000),
        actor="caseworker-li",
    )
    state = ledger.app.household(h2)
    assert state.carried[a] == {"2025": yuan(25000)}
    bill = state.bills[august.bill_id]
    assert (bill.kept_fen, bill.relief_fen) == (yuan(5000), yuan(10000))
    caps = ledger.medical_caps(h2, 2025)
    moved = next(m for m in caps["members"] if m["member_id"] == a)
    assert (moved["carried_fen"], moved["paid_fen"], moved["relief_fen"]) == (
        yuan(25000),
        yuan(30000),
        yuan(10000),
    )

    ledger.app.cancel_medical_bill(h1, march.bill_id, reason="重复结算", actor="caseworker-li")
    state = ledger.app.household(h2)
    assert state.carried[a] == {"2025": 0}
    bill = state.bills[august.bill_id]
    assert (bill.kept_fen, bill.relief_fen) == (yuan(15000), 0)
    adjusted = [
        (e.delta_fen, e.kind)
        for e in ledger.app.repository.event_store.get(h2)
        if type(e).__name__ == "MedicalReliefAdjusted"
    ]
    assert adjusted == [(yuan(5000), "extra_relief"), (-yuan(10000), "recovery")]
    # The fund's August relief for household 2's county nets to 5,000 + 5,000 - 10,000.
    assert ledger.fund_relief(2025, "330402") == [
        {"month": "2025-08", "county": "330402", "relief_fen": 0}
    ]
    report = ledger.verify()  # every split recomputes from the carried amounts recorded
    assert (report.chain_breaks, report.recompute_mismatches) == ([], [])


def test_a_member_may_move_back_to_a_household_they_left(ledger):
    """§6 (plan item 17), moving back: A keeps 10,000 in household 1 (March), moves to
    household 2 on 2025-05-01 (carrying 10,000) and keeps 8,000 there (June), then moves
    back on 2025-07-01 carrying 18,000, of which household 1 already counts its own
    10,000: 8,000 is carried in. An August bill of 15,000 in household 1 keeps
    min(15,000, 30,000 - (8,000 + 10,000), 50,000 - 10,000) = 12,000, relief 3,000;
    household 1 has paid 10,000 + 12,000 = 22,000. A bill served while A was away
    (2025-06-01) is refused in household 1; one of their first stay still counts."""
    h1, [a, _c] = household(ledger.app, 2)
    h2, _ = household(ledger.app, 1)
    post(ledger, h1, a, 10000)
    ledger.app.move_member(
        h1, a, to_household_id=h2, effective_on=date(2025, 5, 1), actor="caseworker-li"
    )
    post(ledger, h2, a, 8000, on=date(2025, 6, 1))
    carried = ledger.app.move_member(
        h2, a, to_household_id=h1, effective_on=date(2025, 7, 1), actor="caseworker-li"
    )
    assert carried == {"2025": yuan(18000)}
    state = ledger.app.household(h1)
    assert state.carried[a] == {"2025": yuan(8000)}
    august = post(ledger, h1, a, 15000, on=date(2025, 8, 1))
    assert (august.kept_fen, august.relief_fen) == (yuan(12000), yuan(3000))
    caps = ledger.medical_caps(h1, 2025)
    assert caps["household"]["paid_fen"] == yuan(22000)
    back = next(m for m in caps["members"] if m["member_id"] == a)
    assert (back["paid_fen"], back["carried_fen"]) == (yuan(30000), yuan(8000))
    with pytest.raises(InvalidInputError) as caught:
        post(ledger, h1, a, 10, on=date(2025, 6, 1))
    assert caught.value.field == "service_on"
    assert post(ledger, h1, a, 10, on=date(2025, 4, 1)).relief_fen == yuan(10)
    ledger.runner.catch_up()
    ledger.runner.rebuild(("care", "payments"))
    assert a in ledger.care_facts().present_members(str(h1), date(2025, 8, 1))


def test_a_retroactive_cap_change_recomputes_the_recorded_bills(ledger):
    """§17, a cap changed after the bills: a person's bill of 35,000 self-paid on
    2025-08-01 keeps 30,000 (the person cap) with 5,000 relief from the fund. The person
    cap is then raised to 40,000 from 2025-07-01 (recorded afterwards): the bill keeps
    35,000 with no relief, recorded as a relief adjustment of -5,000 (a recovery on the
    fund's side); the caps view agrees (paid 35,000, cap 40,000, remaining 5,000, relief
    0) and the fund's August relief nets to 0. Propagating again records nothing."""
    hid, [p] = household(ledger.app, 1, registered_on=date(2024, 1, 1))
    bill = post(ledger, hid, p, 35000, on=date(2025, 8, 1))
    assert (bill.kept_fen, bill.relief_fen) == (yuan(30000), yuan(5000))
    result, propagation = ledger.record_standard_change(
        key="medical_cap_individual_annual",
        value=yuan(40000),
        effective_from=date(2025, 7, 1),
        basis="嘉医保〔2025〕7号",
        actor="admin",
    )
    assert (propagation.adjusted, propagation.refused) == (1, [])
    state = ledger.app.household(hid)
    assert (state.bills[bill.bill_id].kept_fen, state.bills[bill.bill_id].relief_fen) == (
        yuan(35000),
        0,
    )
    [adjusted] = [
        e
        for e in ledger.app.household_events(hid)
        if isinstance(e, Household.MedicalReliefAdjusted)
    ]
    assert (adjusted.previous_kept_fen, adjusted.kept_fen, adjusted.delta_fen, adjusted.kind) == (
        yuan(30000),
        yuan(35000),
        -yuan(5000),
        "recovery",
    )
    assert "medical_cap_individual_annual" in adjusted.explanation
    member = ledger.medical_caps(hid, 2025)["members"][0]
    assert (
        member["paid_fen"],
        member["cap_fen"],
        member["remaining_fen"],
        member["relief_fen"],
    ) == (yuan(35000), yuan(40000), yuan(5000), 0)
    assert ledger.fund_relief(2025, "3304") == [
        {"month": "2025-08", "county": "330402", "relief_fen": 0}
    ]
    assert ledger.propagate("330400", result.version, actor="admin").adjusted == 0
    assert ledger.verify().ok


def test_the_household_page_opens_on_the_latest_cap_year_with_bills(ledger):
    """Issue 22: without ?year= the household page shows the current cap year when the
    household has bills in it or none at all, else the latest cap year it has bills in (a
    cancelled bill does not count), so bills of an earlier year do not read 0.00."""
    from api.web.data import default_cap_year

    hid, [a, b] = household(ledger.app, 2, registered_on=date(2024, 1, 1))
    assert default_cap_year(ledger.app.household(hid), 2026) == 2026  # no bills at all
    post(ledger, hid, a, 100, on=date(2024, 6, 1))
    post(ledger, hid, b, 200, on=date(2025, 3, 1))
    later = post(ledger, hid, a, 300, on=date(2026, 2, 1))
    assert default_cap_year(ledger.app.household(hid), 2026) == 2026  # bills this year
    assert default_cap_year(ledger.app.household(hid), 2027) == 2026  # none this year
    ledger.app.cancel_medical_bill(hid, later.bill_id, reason="重复", actor="caseworker-li")
    assert default_cap_year(ledger.app.household(hid), 2027) == 2025  # the cancelled left out
    assert default_cap_year(ledger.app.household(hid), 2025) == 2025
    assert ledger.medical_caps(hid, 2025)["household"]["paid_fen"] == yuan(200)
