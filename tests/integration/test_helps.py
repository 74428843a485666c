"""Every programme in the entitlement history, and the monthly ones paid by the runs."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from projections import sql
from services.payment_runs import run_payments
from tests.helpers import id_number, means
from tests.path import app_consents, app_decide

CW, AP = "caseworker-li", "approver-wang"


def approve(app, hid, programme, on, member_id=None, details=None, income=None):
    app_id = app.submit_application(
        hid,
        programme=programme,
        effective_from=on,
        means=means(income) if income is not None else None,
        member_id=member_id,
        details=details,
        actor=CW,
        consents=app_consents(app, hid, on),
    )
    return app_decide(app, hid, app_id, decision="approve", reason="ok", actor=AP)


def test_every_programme_in_the_history_and_monthly_ones_in_the_run(ledger):
    """One urban dibao household of three (no income: (15,000 x 3) / 12 = 3,750.00): an
    elderly head, an unemployed parent, a student. March 2025 pays dibao 3,750.00,
    charity 100.00, virtual job 200.00 (the parent), eldercare 300.00, price 50.00, rent
    0.5 x 2,400 = 1,200.00 and the temporary subsidy 1,250.00. The one-off grants are in
    the history, not among the amounts in force: March's run pays renovation 25,000 (§14)
    and disaster relief 25,000 (§28, from 2024-07-10) as `grant` lines under their grant's
    id; education aid 5,000 (§11) takes effect 2025-09-01, so no March line pays it."""
    app = ledger.app
    hid = app.register_household(
        region_code="330402",
        residence="urban",
        address="x",
        registered_on=date(2024, 1, 1),
        actor=CW,
    )
    elder = app.add_member(
        hid,
        actor=CW,
        name="老人",
        id_number=id_number(date(1950, 1, 1)),
        relation="head",
        birth_on=date(1950, 1, 1),
        joined_on=None,
    )
    parent = app.add_member(
        hid,
        actor=CW,
        name="家长",
        id_number=id_number(),
        relation="child",
        birth_on=date(1980, 5, 17),
        joined_on=None,
        employment="unemployed_registered",
    )
    student = app.add_member(
        hid,
        actor=CW,
        name="学生",
        id_number=id_number(date(2006, 3, 1)),
        relation="child",
        birth_on=date(2006, 3, 1),
        joined_on=None,
        school_stage="university",
    )
    app.set_account(
        hid,
        elder,
        kind="bank",
        account_number="6222020200112233445",
        bank_name="工行",
        actor=CW,
        on=date(2024, 1, 1),
    )
    approve(app, hid, "dibao", date(2025, 1, 1), income=0)
    on = date(2025, 3, 1)
    approve(app, hid, "charity_living_subsidy", on, member_id=elder)
    approve(app, hid, "virtual_job_subsidy", on, member_id=parent)
    approve(
        app, hid, "eldercare_service_subsidy", on, member_id=elder, details={"care": "institution"}
    )
    ledger.record_standard_change(
        key="cpi_yoy", value=Fraction(4, 100), effective_from=on, basis="统计局", actor="bureau"
    )
    approve(app, hid, "price_subsidy", on, member_id=student)
    approve(
        app, hid, "rent_subsidy", on, details={"tier_ratio": "0.5", "average_market_rent": "2400"}
    )
    approve(app, hid, "unemployed_temporary_subsidy", on, member_id=parent)
    approve(
        app,
        hid,
        "education_aid",
        date(2025, 9, 1),
        member_id=student,
        details={"school_year": "2025-2026"},
    )
    approve(app, hid, "renovation_grant", on, details={"requested": "25000"})
    approve(
        app,
        hid,
        "disaster_relief",
        date(2024, 7, 10),
        details={"disaster_on": "2024-07-10", "loss": "house_collapsed"},
    )

    history = {(r.programme, r.monthly_fen, r.cause) for r in ledger.entitlement_history(hid)}
    assert {p for p, _, _ in history} == {
        "dibao",
        "charity_living_subsidy",
        "virtual_job_subsidy",
        "eldercare_service_subsidy",
        "price_subsidy",
        "rent_subsidy",
        "unemployed_temporary_subsidy",
        "education_aid",
        "renovation_grant",
        "disaster_relief",
    }
    assert ("education_aid", 500_000, "grant") in history
    assert ("renovation_grant", 2_500_000, "grant") in history
    assert ("disaster_relief", 2_500_000, "grant") in history
    in_force = {f.row.programme for f in ledger.entitlements(hid, date(2025, 9, 1))}
    assert "education_aid" not in in_force and "renovation_grant" not in in_force

    run_payments(ledger, "2025-03", "finance-zhou")
    ledger.runner.catch_up()
    march = ledger.views.query(sql.FEED_RUN, {"period": "2025-03"})
    paid = {r["programme"]: r["amount_fen"] for r in march if r["kind"] != "grant"}
    grants = {r["programme"]: (r["amount_fen"], r["period"]) for r in march if r["kind"] == "grant"}
    assert grants == {
        "renovation_grant": (2_500_000, "2025-03"),
        "disaster_relief": (2_500_000, "2024-07"),
    }
    assert paid == {
        "dibao": 375_000,
        "charity_living_subsidy": 10_000,
        "virtual_job_subsidy": 20_000,
        "eldercare_service_subsidy": 30_000,
        "price_subsidy": 5_000,
        "rent_subsidy": 120_000,
        "unemployed_temporary_subsidy": 125_000,
    }
    report = ledger.verify()
    assert report.ok, (report.chain_breaks, report.recompute_mismatches)


def test_the_temporary_subsidy_is_not_paid_after_its_sixth_month(ledger):
    """§21: approved from 2025-03-01 it is paid at the dibao standard, 1,250.00, in the
    runs of March to August 2025 (6 months) and not in September's; dibao (one member,
    no income: 1,250.00) goes on."""
    app = ledger.app
    hid = app.register_household(
        region_code="330402",
        residence="urban",
        address="x",
        registered_on=date(2025, 1, 1),
        actor=CW,
    )
    parent = app.add_member(
        hid,
        actor=CW,
        name="家长",
        id_number=id_number(),
        relation="head",
        birth_on=date(1980, 5, 17),
        joined_on=None,
        employment="unemployed_registered",
    )
    app.set_account(
        hid,
        parent,
        kind="bank",
        account_number="6222020200112233445",
        bank_name="工行",
        actor=CW,
        on=date(2025, 1, 1),
    )
    approve(app, hid, "dibao", date(2025, 3, 1), income=0)
    approve(app, hid, "unemployed_temporary_subsidy", date(2025, 3, 1), member_id=parent)
    paid = {}
    for month in range(3, 10):
        period = f"2025-{month:02d}"
        run_payments(ledger, period, "finance-zhou")
        ledger.runner.catch_up()
        paid[period] = {
            r["programme"]: r["amount_fen"]
            for r in ledger.views.query(sql.FEED_RUN, {"period": period})
        }
    for month in range(3, 9):
        assert paid[f"2025-{month:02d}"] == {
            "dibao": 125_000,
            "unemployed_temporary_subsidy": 125_000,
        }
    assert paid["2025-09"] == {"dibao": 125_000}


def test_the_price_subsidy_pays_nothing_in_a_month_cpi_is_below_the_trigger(ledger):
    """§6: CPI rises 4% from 2025-03-01, the price subsidy of 50.00 (PARAM) is paid in
    March; CPI 3% recorded for April (below the 3.5% trigger) pauses it: April's run pays
    dibao (one member, no income, 1,250.00) and no price subsidy; CPI 3.6% for May resumes
    it: May's run pays 50.00 again."""
    app = ledger.app
    hid = app.register_household(
        region_code="330402",
        residence="urban",
        address="x",
        registered_on=date(2025, 1, 1),
        actor=CW,
    )
    head = app.add_member(
        hid,
        actor=CW,
        name="户主",
        id_number=id_number(),
        relation="head",
        birth_on=date(1980, 5, 17),
        joined_on=None,
    )
    app.set_account(
        hid,
        head,
        kind="bank",
        account_number="6222020200112233445",
        bank_name="工行",
        actor=CW,
        on=date(2025, 1, 1),
    )
    approve(app, hid, "dibao", date(2025, 3, 1), income=0)

    def cpi(rise, on):
        return ledger.record_standard_change(
            key="cpi_yoy", value=Fraction(rise), effective_from=on, basis="统计局", actor="bureau"
        )[1].adjusted

    cpi("0.04", date(2025, 3, 1))
    approve(app, hid, "price_subsidy", date(2025, 3, 1), member_id=head)
    assert cpi("0.03", date(2025, 4, 1)) == 1  # the household's subsidy paused
    assert cpi("0.036", date(2025, 5, 1)) == 1  # found though paused, and resumed
    paid = {}
    for period in ("2025-03", "2025-04", "2025-05"):
        run_payments(ledger, period, "finance-zhou")
        ledger.runner.catch_up()
        paid[period] = {
            r["programme"]: r["amount_fen"]
            for r in ledger.views.query(sql.FEED_RUN, {"period": period})
        }
    assert paid == {
        "2025-03": {"dibao": 125_000, "price_subsidy": 5_000},
        "2025-04": {"dibao": 125_000},
        "2025-05": {"dibao": 125_000, "price_subsidy": 5_000},
    }
    report = ledger.verify()
    assert report.ok, (report.chain_breaks, report.recompute_mismatches)
