"""POLICY ch. 15 on both backends: one person, one place (一人一户) across households, and
life events (death, 户籍迁出, imprisonment) as proposals an approver confirms."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from domain.errors import (
    ConflictError,
    InvalidInputError,
    LedgerError,
    SeparationOfDutiesError,
)
from domain.household import Household
from domain.identity import IdentityClaim, claim_id
from domain.payments import PaymentLedger, ledger_id
from services.payment_runs import run_payments
from tests.helpers import household, id_number, means
from tests.path import app_consents, app_decide

CW, AP, AP2 = "caseworker-li", "approver-wang", "approver-zhao"


def _member(number: str, name: str = "王五") -> dict:
    return {
        "name": name,
        "id_number": number,
        "relation": "other",
        "birth_on": date(1980, 5, 17),
        "joined_on": None,
    }


def _stream(ledger, hid):
    return [type(e).__name__ for e in ledger.app.household_events(hid)]


def test_the_same_id_number_is_refused_in_a_second_household_naming_the_county(ledger):
    """POLICY ch. 15: an ID number in a 南湖区 household is refused in a 秀洲区 one; the
    refusal names the county (南湖区 330402) and says to record a move; it names no
    household, address or person, nor the number; nothing is recorded."""
    first, _ = household(ledger.app, 1, region_code="330402")
    second, _ = household(ledger.app, 1, region_code="330411")
    number = id_number()
    ledger.app.add_member(first, actor=CW, **_member(number))
    before = ledger.app.household(second).version
    with pytest.raises(ConflictError) as refused:
        ledger.app.add_member(second, actor=CW, **_member(number, "王五二"))
    message = refused.value.message
    assert refused.value.field == "id_number"
    assert "南湖区 330402" in message and "move" in message
    assert str(first) not in message and number not in message
    assert "南湖路" not in message and "王五" not in message
    assert ledger.app.household(second).version == before
    claim = ledger.app.identity_claim(number)
    assert claim is not None and claim.household_id == str(first)
    # The same household twice is the household's own rule (unchanged).
    with pytest.raises(ConflictError):
        ledger.app.add_member(first, actor=CW, **_member(number))


def test_a_recorded_move_keeps_one_claim(ledger):
    """POLICY ch. 15 "unless it is a recorded move": the claim goes with the person, so
    the household they left may not add them again, and the one they joined holds them."""
    source, ids = household(ledger.app, 2, registered_on=date(2024, 1, 1))
    target, _ = household(ledger.app, 1, region_code="330411", registered_on=date(2024, 1, 1))
    number = ledger.app.household(source).members[ids[1]].id_number
    ledger.app.move_member(
        source, ids[1], to_household_id=target, effective_on=date(2025, 3, 1), actor=CW
    )
    claim = ledger.app.identity_claim(number)
    assert claim is not None and (claim.household_id, claim.county) == (
        str(target),
        "秀洲区 330411",
    )
    claim_events = [type(e).__name__ for e in ledger.app.events.get(claim_id(number))]
    assert claim_events == ["Claimed", "Moved"]
    with pytest.raises(ConflictError, match="秀洲区 330411"):
        ledger.app.add_member(source, actor=CW, **_member(number))


def test_a_member_who_left_frees_their_number(ledger):
    """Leaving (not by death) releases the claim: another household may add them."""
    first, ids = household(ledger.app, 2)
    second, _ = household(ledger.app, 1)
    number = ledger.app.household(first).members[ids[1]].id_number
    ledger.app.change_member(
        first, ids[1], effective_on=date(2025, 2, 1), changes={"left_household": True}, actor=CW
    )
    ledger.app.add_member(second, actor=CW, **_member(number))
    claim = ledger.app.identity_claim(number)
    assert claim is not None and claim.household_id == str(second)


def test_two_threads_adding_one_id_number_to_two_households_one_succeeds(ledger):
    """The claim's first version is written in the household's transaction: of two
    concurrent adds of one number in two households exactly one is recorded, the other
    is refused as a conflict (409) naming the county."""
    households = [household(ledger.app, 0)[0] for _ in range(2)]
    number = id_number()
    barrier = threading.Barrier(2)
    results: list[object] = []

    def add(hid):
        barrier.wait()
        try:
            results.append(ledger.app.add_member(hid, actor=CW, **_member(number)))
        except LedgerError as error:
            results.append(error)

    threads = [threading.Thread(target=add, args=(hid,)) for hid in households]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = [r for r in results if isinstance(r, LedgerError)]
    assert len(results) == 2 and len(errors) == 1
    assert isinstance(errors[0], ConflictError) and "南湖区 330402" in errors[0].message
    holding = [
        hid
        for hid in households
        if any(m.id_number == number for m in ledger.app.household(hid).members.values())
    ]
    claim = ledger.app.identity_claim(number)
    assert claim is not None and [str(h) for h in holding] == [claim.household_id]


def test_backfill_claims_a_ledger_from_before_claims_and_reports_a_number_in_two(ledger):
    """`ledger claims`: members recorded without claims (a bulk import builds households
    directly) are claimed once; a number found in two households is reported by county
    and claimed for neither. A second run records nothing."""
    number, twice = id_number(), id_number()
    made = []
    for region, numbers in (("330402", [number, twice]), ("330411", [twice])):
        h = Household.register(
            region_code=region,
            residence="urban",
            address="南湖路1号",
            registered_on=date(2025, 1, 1),
            actor=CW,
        )
        for n in numbers:
            h.add_member(actor=CW, **_member(n))
        ledger.app.save(h)
        made.append(h.id)
    done = ledger.claims(actor="system:claims")
    assert done["created"] == 1
    assert done["duplicates"] == [
        {"households": sorted(str(h) for h in made), "counties": ["南湖区 330402", "秀洲区 330411"]}
    ]
    assert ledger.app.identity_claim(twice) is None
    assert ledger.app.identity_claim(number) is not None
    assert ledger.claims(actor="system:claims")["created"] == 0


def _tekun(ledger):
    """One person in tekun from 2025-01-01: 26,000 / 12 = 2,166.67 a month (PARAM)."""
    hid, ids = household(ledger.app, 1, registered_on=date(2024, 1, 1))
    ledger.app.set_account(
        hid,
        ids[0],
        kind="bank",
        account_number="6222020200112233445",
        bank_name="中国工商银行嘉兴分行",
        actor=CW,
        on=date(2025, 1, 1),
    )
    app_id = ledger.app.submit_application(
        hid,
        programme="tekun",
        effective_from=date(2025, 1, 1),
        means=None,
        member_id=ids[0],
        actor=CW,
        consents=app_consents(ledger.app, hid, date(2025, 1, 1)),
    )
    app_decide(ledger.app, hid, app_id, actor=AP)
    return hid, ids[0]


def _scheduled(ledger, hid, period):
    found = [
        e
        for e in ledger.app.events.get(ledger_id(hid))
        if isinstance(e, PaymentLedger.PaymentsScheduled) and e.run_period == period
    ]
    return found[0] if found else None


def test_a_confirmed_death_ends_tekun_the_next_day_and_june_recovers_what_may_overpaid(ledger):
    """POLICY ch. 15, ch. 11. Tekun 2,166.67 a month; May is paid in full (2,166.67). The
    member dies on 2025-05-10, reported by the funeral office, confirmed by an approver
    who did not report it: tekun ends 2025-05-11 and May owes 2,166.67 x 10/31 days
    (05-01 to 05-10) = 698.9258... -> 698.93. The June run pays nothing and recovers
    2,166.67 - 698.93 = 1,467.74 for May. The member leaves from 05-11, the claim on their
    number stays (deceased), and re-adding them anywhere is refused."""
    hid, member = _tekun(ledger)
    may = run_payments(ledger, "2025-05", "finance-zhou")
    assert may.total_fen == 216_667
    number = ledger.app.household(hid).members[member].id_number
    event_id = ledger.app.report_life_event(
        hid, member, kind="death", on=date(2025, 5, 10), source="民政局殡葬管理所", actor=CW
    )
    # A proposal changes nothing.
    assert ledger.app.household(hid).members[member].left_on is None
    with pytest.raises(SeparationOfDutiesError):
        ledger.app.decide_life_event(hid, event_id, decision="confirm", reason="核实", actor=CW)
    decided = ledger.app.decide_life_event(
        hid, event_id, decision="confirm", reason="死亡证明核实", actor=AP
    )
    assert decided["state"] == "confirmed"
    assert decided["effective_from"] == date(2025, 5, 11)
    assert decided["ended"] == [f"tekun/{member}"]
    assert decided["reassess"] == []
    household_now = ledger.app.household(hid)
    assert household_now.members[member].left_on == date(2025, 5, 11)
    assert [c.effective_to for c in household_now.categories if c.member_id == member] == [
        date(2025, 5, 11)
    ]
    [change] = [
        e
        for e in ledger.app.household_events(hid)
        if isinstance(e, Household.EntitlementChanged) and e.effective_on == date(2025, 5, 11)
    ]
    assert (
        change.ended and "died on 2025-05-10" in change.reason and "POLICY ch. 15" in change.reason
    )
    june = run_payments(ledger, "2025-06", "finance-zhou")
    assert june.total_fen == 0
    scheduled = _scheduled(ledger, hid, "2025-06")
    assert scheduled is not None and not scheduled.lines
    [over] = [o for o in scheduled.overpayments if o["period"] == "2025-05"]
    assert (over["programme"], over["member_id"], over["amount_fen"]) == ("tekun", member, 146_774)
    assert "x 10/31 days (2025-05-01 to 2025-05-10) = 698.93" in over["explanation"]
    claim = ledger.app.identity_claim(number)
    assert claim is not None and claim.deceased and claim.household_id == str(hid)
    other, _ = household(ledger.app, 0)
    with pytest.raises(ConflictError, match="deceased"):
        ledger.app.add_member(other, actor=CW, **_member(number))


def test_a_death_in_a_dibao_household_lists_dibao_for_re_assessment(ledger):
    """POLICY ch. 15: a member of a two-person dibao household (no income: 15,000 x 2 / 12
    = 2,500.00 a month) dies on 2025-03-20; the household's amount counts its size, so
    it is not recomputed silently: it stays 2,500.00 and the confirmation lists it."""
    hid, ids = household(ledger.app, 2, registered_on=date(2024, 1, 1))
    app_id = ledger.app.submit_application(
        hid,
        programme="dibao",
        effective_from=date(2025, 1, 1),
        means=means(0),
        actor=CW,
        consents=app_consents(ledger.app, hid, date(2025, 1, 1)),
    )
    app_decide(ledger.app, hid, app_id, actor=AP)
    event_id = ledger.app.report_life_event(
        hid, ids[1], kind="death", on=date(2025, 3, 20), source=CW, actor=CW
    )
    decided = ledger.app.decide_life_event(
        hid, event_id, decision="confirm", reason="核实", actor=AP
    )
    assert decided["reassess"] == ["dibao"] and decided["ended"] == []
    [confirmed] = [
        e for e in ledger.app.household_events(hid) if isinstance(e, Household.LifeEventConfirmed)
    ]
    assert confirmed.reassess == ["dibao"] and "re-assessment of dibao" in confirmed.explanation
    household_now = ledger.app.household(hid)
    assert dict(household_now.entitlements_on(date(2025, 4, 1)))["dibao"].monthly_fen == 250_000


def test_imprisonment_suspends_and_a_residence_moved_out_ends(ledger):
    """POLICY ch. 15: imprisonment on 2025-04-16 confirmed suspends the member's tekun
    from that day (April paid 2,166.67 x 15/30 days = 1,083.335 -> 1,083.34); the member
    stays. A move of registered residence on 2025-04-16 ends it from that day and the
    member leaves, their number free for another household."""
    hid, member = _tekun(ledger)
    event_id = ledger.app.report_life_event(
        hid, member, kind="imprisonment", on=date(2025, 4, 16), source="市监狱管理局", actor=CW
    )
    decided = ledger.app.decide_life_event(
        hid, event_id, decision="confirm", reason="判决书核实", actor=AP
    )
    assert decided["suspended"] == [f"tekun/{member}"] and decided["ended"] == []
    household_now = ledger.app.household(hid)
    assert household_now.members[member].left_on is None
    assert dict(household_now.entitlements_on(date(2025, 4, 16)))[f"tekun/{member}"].suspended
    april = run_payments(ledger, "2025-04", "finance-zhou")
    assert april.total_fen == 108_334

    other, other_member = _tekun(ledger)
    number = ledger.app.household(other).members[other_member].id_number
    moved = ledger.app.report_life_event(
        other,
        other_member,
        kind="residence_moved_out",
        on=date(2025, 4, 16),
        source="公安户籍",
        actor=CW,
    )
    decided = ledger.app.decide_life_event(
        other, moved, decision="confirm", reason="核实", actor=AP
    )
    assert decided["ended"] == [f"tekun/{other_member}"]
    assert ledger.app.household(other).members[other_member].left_on == date(2025, 4, 16)
    claim = ledger.app.identity_claim(number)
    assert claim is not None and claim.household_id is None and not claim.deceased


def test_a_decided_life_event_takes_no_more_decisions_and_a_rejection_changes_nothing(ledger):
    hid, member = _tekun(ledger)
    event_id = ledger.app.report_life_event(
        hid, member, kind="death", on=date(2025, 5, 10), source=CW, actor=CW
    )
    version = ledger.app.household(hid).version
    decided = ledger.app.decide_life_event(
        hid, event_id, decision="reject", reason="人员健在", actor=AP
    )
    assert decided["state"] == "rejected"
    household_now = ledger.app.household(hid)
    assert household_now.version == version + 1
    assert household_now.members[member].left_on is None
    with pytest.raises(ConflictError, match="rejected already") as refused:
        ledger.app.decide_life_event(hid, event_id, decision="confirm", reason="x", actor=AP2)
    assert refused.value.field == "event_id"


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"kind": "divorce"}, "kind"),
        ({"source": " "}, "source"),
        ({"on": date(2024, 6, 1)}, "on"),
    ],
)
def test_bad_life_event_input_names_the_field_and_records_nothing(ledger, given, field):
    hid, ids = household(ledger.app, 1, registered_on=date(2025, 1, 1))
    version = ledger.app.household(hid).version
    report = {"kind": "death", "on": date(2025, 5, 10), "source": CW, **given}
    with pytest.raises(InvalidInputError) as refused:
        ledger.app.report_life_event(hid, ids[0], actor=CW, **report)
    assert refused.value.field == field
    assert ledger.app.household(hid).version == version
    assert "LifeEventReported" not in _stream(ledger, hid)


def test_claims_hold_no_id_number():
    """PIPL: a claim's events hold the household and county, never the number."""
    number = id_number()
    claim = IdentityClaim.claim_new(
        number,
        household_id=claim_id(number),
        county="南湖区 330402",
        member_id="m",
        actor=CW,
        on=date(2025, 1, 1),
    )
    for event in claim.collect_events():
        assert number not in repr(event)
