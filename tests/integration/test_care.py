"""Visits (§30), job referrals (§21), dividends (§23) and the transit list (§18)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import PolicyRuleError
from domain.policy.s30_visit_tiers import visit_due
from tests.helpers import household, means, rural_household
from tests.path import app_consents, app_decide

CW = "caseworker-li"


def registered(ledger, severe=(), region="330402", residence="urban", employment=None):
    hid, ids = household(
        ledger.app, 2, registered_on=date(2024, 1, 1), severe=severe, region_code=region
    )
    app_id = ledger.app.submit_application(
        hid,
        programme="dibao",
        effective_from=date(2025, 1, 1),
        means=means(0),
        actor=CW,
        consents=app_consents(ledger.app, hid, date(2025, 1, 1)),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    return hid, ids


def test_dividends_only_for_rural_low_income_households(ledger):
    """§23 低收入农户: a rural household that is dibao, marginal or low-income on the day.
    A rural household in no category (or before its category starts) and an urban dibao
    household are refused naming household_id, and nothing is recorded."""
    unregistered = rural_household(ledger, "330424", category=None)
    urban, _ = registered(ledger)
    rural = rural_household(ledger, "330424")
    for hid, on in (
        (unregistered, date(2025, 12, 1)),
        (urban, date(2025, 12, 1)),
        (rural, date(2024, 12, 1)),
    ):
        before = len(ledger.app.household_events(hid))
        with pytest.raises(PolicyRuleError) as caught:
            ledger.app.record_dividend(hid, year=2025, amount_fen=100, actor=CW, on=on)
        assert caught.value.field == "household_id"
        assert len(ledger.app.household_events(hid)) == before


def test_dividends_and_village_subsidies_per_village_and_county(ledger):
    """§23 per village and year: in village 330424101201 two rural dibao households get
    1,000.00 and 1,234.57 (subsidies 500.00 and 617.29: 1,117.29 with 2,234.57 of
    dividends); in 330481102003 a low-income one (income 90,000: above the marginal line
    of 15,000 x 1.5 = 22,500 a head) gets 300.01 (150.01, half-up). 2024's dividends are
    not in 2025's figures. 海盐 county (330424) totals the first village."""
    first = rural_household(ledger, "330424101201")
    second = rural_household(ledger, "330424101201")
    third = rural_household(ledger, "330481102003", category="low_income", income=90_000)
    record = ledger.app.record_dividend
    record(first, year=2025, amount_fen=100_000, actor=CW, on=date(2025, 12, 1))
    record(second, year=2025, amount_fen=123_457, actor=CW, on=date(2025, 12, 2))
    record(third, year=2025, amount_fen=30_001, actor=CW, on=date(2025, 12, 3))
    record(third, year=2024, amount_fen=50_000, actor=CW, on=date(2025, 1, 5))
    assert ledger.dividends(2025, "3304") == [
        {
            "region_code": "330424101201",
            "households": 2,
            "dividends_fen": 223_457,
            "village_subsidy_fen": 111_729,
        },
        {
            "region_code": "330481102003",
            "households": 1,
            "dividends_fen": 30_001,
            "village_subsidy_fen": 15_001,
        },
    ]
    assert [r["region_code"] for r in ledger.dividends(2025, "330481")] == ["330481102003"]
    assert ledger.dividends(2024, "3304")[0]["village_subsidy_fen"] == 25_000


def test_example_16_weekly_tier_after_a_major_change():
    """§30: major change reported 2025-03-03, last visit 2025-03-05: due 2025-03-12."""
    assert visit_due("weekly", date(2025, 3, 5), date(2025, 3, 3)) == date(2025, 3, 12)
    assert visit_due("weekly", None, date(2025, 3, 3)) == date(2025, 3, 10)
    assert visit_due("monthly", date(2025, 1, 31), date(2025, 1, 1)) == date(2025, 2, 28)
    assert visit_due("quarterly", date(2025, 1, 15), date(2025, 1, 1)) == date(2025, 4, 15)


def test_overdue_list_on_a_date_for_each_tier(ledger):
    """On 2025-04-20: a quarterly household visited 2025-01-10 was due 2025-04-10 (overdue);
    a monthly one (severely ill member) visited 2025-04-01 is due 2025-05-01 (not yet);
    a weekly one (major change 2025-04-01, visited 2025-04-05) was due 2025-04-12
    (overdue); after it is stabilised on 2025-04-15 it falls back to quarterly (due
    2025-07-05). A household in no category is never listed."""
    quarterly, _ = registered(ledger)
    monthly, _ = registered(ledger, severe=(1,))
    weekly, _ = registered(ledger)
    household(ledger.app, 1)  # not registered: no category
    visit = ledger.app.record_visit
    visit(quarterly, visited_on=date(2025, 1, 10), visitor=CW, findings="ok", needs=None, actor=CW)
    visit(monthly, visited_on=date(2025, 4, 1), visitor=CW, findings="ok", needs=None, actor=CW)
    ledger.app.report_major_change(
        weekly, reported_on=date(2025, 4, 1), description="火灾", actor=CW
    )
    visit(weekly, visited_on=date(2025, 4, 5), visitor=CW, findings="安置", needs="衣物", actor=CW)
    statuses = {s.household_id: s for s in ledger.care_statuses(date(2025, 4, 20))}
    assert {k: (s.tier, s.due_on, s.overdue) for k, s in statuses.items()} == {
        str(quarterly): ("quarterly", date(2025, 4, 10), True),
        str(monthly): ("monthly", date(2025, 5, 1), False),
        str(weekly): ("weekly", date(2025, 4, 12), True),
    }
    ledger.app.stabilise(weekly, on=date(2025, 4, 15), actor=CW)
    after = {s.household_id: s for s in ledger.care_statuses(date(2025, 4, 20))}
    assert (after[str(weekly)].tier, after[str(weekly)].due_on) == ("quarterly", date(2025, 7, 5))


def test_referrals_dividends_and_transit(ledger):
    """§21 referrals counted per registered unemployed member; §23 dividends of 1,234.57
    give the village 617.285 -> 617.29 (half-up); §18 the transit list holds the persons
    of registered households."""
    hid, ids = registered(ledger)
    ledger.app.change_member(
        hid,
        ids[0],
        effective_on=date(2025, 2, 1),
        changes={"employment": "unemployed_registered"},
        actor=CW,
    )
    for n in range(3):
        count = ledger.app.refer_to_job(
            hid,
            ids[0],
            referred_on=date(2025, 2, 10 + n),
            employer=f"企业{n}",
            position=None,
            actor=CW,
        )
    assert count == 3
    with pytest.raises(PolicyRuleError):
        ledger.app.refer_to_job(
            hid, ids[1], referred_on=date(2025, 2, 10), employer="x", position=None, actor=CW
        )
    assert ledger.referral_counts(date(2025, 12, 31)) == {(str(hid), ids[0]): 3}
    rural, _ = household(ledger.app, 1, region_code="330424")
    rural_id = rural_household(ledger, "330424")
    assert (
        ledger.app.record_dividend(
            rural_id, year=2025, amount_fen=123_457, actor=CW, on=date(2025, 12, 1)
        )
        == 61_729
    )
    with pytest.raises(PolicyRuleError):
        ledger.app.record_dividend(hid, year=2025, amount_fen=100, actor=CW, on=date(2025, 12, 1))
    facts = ledger.care_facts()
    assert facts.registered(str(hid), date(2025, 3, 1))
    assert not facts.registered(str(rural), date(2025, 3, 1))
    assert set(facts.present_members(str(hid), date(2025, 3, 1))) == set(ids)


def test_the_care_view_reads_member_facts_by_effective_date(ledger):
    """§30 tiers from the member's facts as the aggregate reads them: severely ill from
    2025-02-01, then a back-dated correction recorded later says not ill from 2025-01-15.
    On 2025-03-01 the fact of 2025-02-01 (the later effective date) still holds: monthly,
    due one month after the start of registration (2025-01-01 -> 2025-02-01)."""
    hid, [head, _] = registered(ledger)
    change = ledger.app.change_member
    change(hid, head, effective_on=date(2025, 2, 1), changes={"severe_illness": True}, actor=CW)
    change(hid, head, effective_on=date(2025, 1, 15), changes={"severe_illness": False}, actor=CW)
    assert ledger.app.household(hid).visit_tier(date(2025, 3, 1))[0] == "monthly"
    statuses = {s.household_id: s for s in ledger.care_statuses(date(2025, 3, 1))}
    assert (statuses[str(hid)].tier, statuses[str(hid)].due_on) == ("monthly", date(2025, 2, 1))
