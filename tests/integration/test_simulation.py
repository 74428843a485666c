"""What-if for standard changes (§6) on both backends: the simulation records nothing and
gives the same per-household amounts as recording the change afterwards."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from domain.errors import InvalidInputError, PolicyRuleError
from domain.money import format_yuan, yuan
from domain.policy.counting import months_later
from domain.policy.s05_means_test import Means
from services.simulation import Proposal, simulate
from tests.helpers import household
from tests.path import app_consents, app_decide

CW, AP = "caseworker-li", "approver-wang"
RAISE = Proposal(
    key="dibao_standard_annual",
    value=yuan(16200),
    region_code="330400",
    cited_income_growth=Fraction(5, 100),
)


def approve(ledger, hid, programme, income):
    app_id = ledger.app.submit_application(
        hid,
        programme=programme,
        effective_from=date(2025, 1, 1),
        means=Means(income, 0, 0),
        actor=CW,
        consents=app_consents(ledger.app, hid, date(2025, 1, 1)),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor=AP)


def city(ledger):
    """A small demo-like city: dibao households of 1 to 4 members (6,000 a head a year, so
    500.00 a head a month) in three counties, one marginal and one low-income household."""
    dibao = []
    for size, region in ((1, "330402"), (2, "330411"), (3, "330481"), (4, "330402")):
        hid, _ = household(ledger.app, size, region_code=region)
        approve(ledger, hid, "dibao", yuan(6000) * size)
        dibao.append(hid)
    marginal, _ = household(ledger.app, 2, region_code="330411")
    approve(ledger, marginal, "marginal", yuan(31200))  # 1,300.00 a head a month
    low, _ = household(ledger.app, 2, region_code="330483")
    approve(ledger, low, "low_income", yuan(48000))  # 2,000.00 a head a month
    return dibao, marginal, low


def amounts(ledger, hid, on):
    return {
        (e.row.programme, e.row.member_id): e.row.monthly_fen for e in ledger.entitlements(hid, on)
    }


def test_simulating_a_raise_of_the_dibao_standard_equals_recording_it(ledger):
    """§4 dibao: (monthly standard - 500.00) x size. From 15,000 (1,250.00 a month) to
    16,200 (1,350.00) from 2025-07-01, each household gets 100.00 more a head: 1,000.00 a
    month for 1 + 2 + 3 + 4 members, 12,000.00 over the 12 months (no other change of the
    standard in them). The 3-member household goes from (1,250 - 500) x 3 = 2,250.00 to
    (1,350 - 500) x 3 = 2,550.00. Categories: the marginal household's 1,300.00 a head
    would test dibao (below 1,350.00); the low-income household's 2,000.00 would test
    marginal (below 1.5 x 1,350.00 = 2,025.00)."""
    dibao, marginal, low = city(ledger)
    on = date(2025, 7, 1)
    head = ledger.app.recorder.max_notification_id()
    result = simulate(ledger, [RAISE], on, sample_size=100)
    assert ledger.app.recorder.max_notification_id() == head  # nothing recorded
    assert result["households_changing_amount"] == 4
    assert result["monthly_cost_difference"] == "1000.00"
    assert result["annual_cost_difference"] == "12000.00"
    by_region = {
        (c["programme"], c["region_code"]): c["monthly_difference"]
        for c in result["cost_by_programme_and_region"]
    }
    assert by_region == {
        ("dibao", "330402"): "500.00",
        ("dibao", "330411"): "200.00",
        ("dibao", "330481"): "300.00",
    }
    simulated = {
        s["household_id"]: {a["programme"]: a["new_monthly_amount"] for a in s["amounts"]}
        for s in result["sample"]
    }
    three = next(s for s in result["sample"] if s["household_id"] == str(dibao[2]))
    assert three["amounts"] == [
        {
            "programme": "dibao",
            "member_id": None,
            "old_monthly_amount": "2250.00",
            "new_monthly_amount": "2550.00",
        }
    ]
    assert {
        (c["household_id"], c["category"], c["would_test"]) for c in result["category_changes"]
    } == {
        (str(marginal), "marginal", "dibao"),
        (str(low), "low_income", "marginal"),
    }
    assert result["households_changing_category"] == 2

    ledger.record_standard_change(
        key=RAISE.key,
        value=RAISE.value,
        effective_from=on,
        basis="嘉民〔2025〕1号",
        actor="standards-admin-chen",
        cited_income_growth=RAISE.cited_income_growth,
    )
    recorded = {
        str(hid): {p: format_yuan(fen) for (p, _), fen in amounts(ledger, hid, on).items()}
        for hid in dibao
    }
    assert recorded == simulated
    assert recorded[str(dibao[2])] == {"dibao": "2550.00"}
    # And simulating the same change again now changes nothing.
    again = simulate(ledger, [RAISE], on)
    assert (again["households_changing_amount"], again["monthly_cost_difference"]) == (0, "0.00")


def test_a_simulated_change_is_validated_as_a_real_one(ledger):
    """§6: 15,000 -> 15,500 is a rise of 3.33%, below the cited 5%: refused, naming the
    field of the change it concerns; nothing recorded."""
    head = ledger.app.recorder.max_notification_id()
    low = Proposal("dibao_standard_annual", yuan(15500), "330400", Fraction(5, 100))
    with pytest.raises(PolicyRuleError) as refused:
        simulate(ledger, [RAISE, low], date(2025, 7, 1))
    # The second change is checked against the first (16,200 -> 15,500 is a fall).
    assert refused.value.field == "changes[1].value"
    with pytest.raises(PolicyRuleError) as refused:
        simulate(ledger, [low], date(2025, 7, 1))
    assert refused.value.field == "changes[0].value" and "3.33%" in refused.value.message
    assert ledger.app.recorder.max_notification_id() == head


def test_a_county_change_reaches_only_that_countys_households(ledger):
    """§10: a 海宁市 (330481) dibao standard of 16,200 overrides the city's for its own
    households only: the 3-member household there gets (1,350 - 500) x 3 = 2,550.00, the
    others keep theirs; a change in an unknown county is refused naming the field."""
    dibao, _, _ = city(ledger)
    county = Proposal("dibao_standard_annual", yuan(16200), "330481", Fraction(5, 100))
    result = simulate(ledger, [county], date(2025, 7, 1))
    assert [s["household_id"] for s in result["sample"]] == [str(dibao[2])]
    assert result["sample"][0]["amounts"][0]["new_monthly_amount"] == "2550.00"
    assert result["cost_by_programme_and_region"] == [
        {
            "programme": "dibao",
            "region_code": "330481",
            "monthly_difference": "300.00",
            "annual_difference": "3600.00",
            "arrears_difference": "0.00",  # no run yet: nothing to pay as arrears
        }
    ]
    with pytest.raises(InvalidInputError) as refused:
        simulate(
            ledger, [Proposal("dibao_standard_annual", yuan(16200), "330499")], date(2025, 7, 1)
        )
    assert refused.value.field == "changes[0].region_code"
    with pytest.raises(InvalidInputError) as refused:  # §17 caps: relief is not priced here
        simulate(
            ledger,
            [Proposal("medical_cap_individual_annual", yuan(40000), "330400")],
            date(2025, 7, 1),
        )
    assert refused.value.field == "changes[0].key" and "§17" in refused.value.message


def test_simulation_considers_an_entitlement_that_ended_after_the_date(ledger):
    """§3 retroactive what-if: dibao 1,250.00 a month from January (one member, no
    income); from April the household is marginal (income 18,000: 1,500.00 a head), which
    ends its dibao. A rise to 15,600 from 2025-01-01 (1,300.00 a month) would add 50.00 a
    month for January to March: 50.00 on the date, 3 x 50.00 = 150.00 over the 12 months."""
    hid, _ = household(ledger.app, 1)
    approve(ledger, hid, "dibao", 0)
    app_id = ledger.app.submit_application(
        hid,
        programme="marginal",
        effective_from=date(2025, 4, 1),
        means=Means(yuan(18000), 0, 0),
        actor=CW,
        consents=app_consents(ledger.app, hid, date(2025, 4, 1)),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor=AP)
    raise_ = Proposal(
        key="dibao_standard_annual",
        value=yuan(15600),
        region_code="330400",
        cited_income_growth=Fraction(4, 100),
    )
    result = simulate(ledger, [raise_], date(2025, 1, 1))
    assert result["households_changing_amount"] == 1
    assert result["monthly_cost_difference"] == "50.00"
    assert result["annual_cost_difference"] == "150.00"


def test_the_what_if_follows_the_latest_recorded_determination(ledger):
    """POLICY ch. 13 in the what-if. Two members: marginal from 2025-01-01 at 31,200
    (1,300.00 a head a month), then a re-assessment from 2025-05-01 at 36,000 (1,500.00
    a head), then one from 2025-03-01 at 31,200 again, recorded last: it rules from 03-01
    on. Raising dibao to 16,200 (1,350.00 a month) from 07-01, the recorded-last means
    (1,300.00 a head, below 1,350.00) would test dibao; the later-dated 36,000 one
    (1,500.00, within 1.5 x 1,350.00 = 2,025.00) would have kept it marginal."""
    hid, _ = household(ledger.app, 2, region_code="330411")
    for start, income in ((date(2025, 1, 1), 31200), (date(2025, 5, 1), 36000)):
        app_id = ledger.app.submit_application(
            hid,
            programme="marginal",
            effective_from=start,
            means=Means(yuan(income), 0, 0),
            actor=CW,
            consents=app_consents(ledger.app, hid, start),
        )
        app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor=AP)
    app_id = ledger.app.submit_application(
        hid,
        programme="marginal",
        effective_from=date(2025, 3, 1),
        means=Means(yuan(31200), 0, 0),
        actor=CW,
        consents=app_consents(ledger.app, hid, date(2025, 3, 1)),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor=AP)
    result = simulate(ledger, [RAISE], date(2025, 7, 1))
    assert [
        (c["household_id"], c["category"], c["would_test"]) for c in result["category_changes"]
    ] == [(str(hid), "marginal", "dibao")]


def test_a_retroactive_mid_month_rise_is_priced_as_the_runs_pay_it(ledger):
    """§3/§6 dynamic adjustment, priced by the payment runs' rules (POLICY ch. 4, §11):
    two dibao households from 2024-11-01, one member with no income (15,000 / 12 =
    1,250.00 a month) and two members with 6,000 a year ((30,000 - 6,000) / 12 =
    2,000.00), paid by the runs of January, February and March 2025. The standard rises
    to 15,600 (4%, 1,300.00 a month a head) from 2025-02-11, a Tuesday in a month of 28
    days, tried in April:
    - February (run, so arrears): 10 days at the old amount and 18 at the new, pro rata:
      1,250 x 10/28 + 1,300 x 18/28 = 1,282.142... -> 1,282.14 (32.14 more) and
      2,000 x 10/28 + 2,100 x 18/28 = 2,064.285... -> 2,064.29 (64.29 more);
    - March (run, so arrears): 50.00 and 100.00 more;
    - April 2025 to January 2026 (10 runs to come): 150.00 more a month, 1,500.00.
    Arrears 32.14 + 64.29 + 150.00 = 246.43; the 12 months 246.43 + 1,500.00 = 1,746.43.
    Then the change is recorded and the runs of April 2025 to January 2026 made: April
    pays exactly those arrears (补发) for February and March, and the runs pay, over
    February to January, exactly 1,746.43 more than the 12 x 3,250.00 they paid or
    would have paid at the old amounts."""
    from services.payment_runs import run_payments
    from tests.integration.test_payments import dibao as paid_dibao
    from tests.integration.test_payments import lines

    one, _ = paid_dibao(ledger, 1, 0, date(2024, 11, 1))
    two, _ = paid_dibao(ledger, 2, 6000, date(2024, 11, 1))
    for period in ("2025-01", "2025-02", "2025-03"):
        run_payments(ledger, period, "finance-zhou")
    rise = Proposal("dibao_standard_annual", yuan(15600), "330400", Fraction(4, 100))
    on = date(2025, 2, 11)
    head = ledger.app.recorder.max_notification_id()
    result = simulate(ledger, [rise], on)
    assert ledger.app.recorder.max_notification_id() == head  # nothing recorded
    assert result["monthly_cost_difference"] == "150.00"
    assert result["first_month_difference"] == "96.43"  # 32.14 + 64.29, pro rata
    assert result["arrears_periods"] == ["2025-02", "2025-03"]
    assert result["arrears_paid_by_run"] == "2025-04"
    assert result["arrears_difference"] == "246.43"
    assert result["annual_cost_difference"] == "1746.43"

    ledger.record_standard_change(
        key=rise.key,
        value=rise.value,
        effective_from=on,
        basis="嘉政发〔2025〕9号",
        actor="admin",
        cited_income_growth=rise.cited_income_growth,
    )
    months = [f"{months_later(date(2025, 4, 1), n):%Y-%m}" for n in range(10)]
    for period in months:
        run_payments(ledger, period, "finance-zhou")
    april_arrears = [
        (period, gross)
        for _, period, kind, gross, _, _ in lines(ledger, "2025-04")
        if kind == "arrears"
    ]
    assert sorted(april_arrears) == [
        ("2025-02", 3_214),
        ("2025-02", 6_429),
        ("2025-03", 5_000),
        ("2025-03", 10_000),
    ]
    assert format_yuan(sum(g for _, g in april_arrears)) == result["arrears_difference"]
    window = {"2025-02", "2025-03", *months}
    paid = sum(gross for _, period, _, gross, _, _ in lines(ledger) if period in window)
    assert format_yuan(paid - 12 * yuan(3250)) == result["annual_cost_difference"]
    del one, two
