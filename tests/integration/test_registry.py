"""Adding a programme is one module and one registry line (domain/policy/registry.py):
the fictitious §33 winter heating subsidy (tests/fixtures/policy/s33_heating_subsidy.py)
is seeded, submitted, refused where its rules say so, determined, paid by the run,
recomputed when its standard changes and verified, with nothing else edited."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidInputError, PolicyRuleError
from domain.money import yuan
from domain.policy.registry import REGISTRY
from domain.standards import KEYS
from projections import sql
from services.payment_runs import run_payments
from tests.fixtures.policy import s33_heating_subsidy
from tests.helpers import household, means, rural_household
from tests.path import app_consents, app_decide

CW, AP = "caseworker-li", "approver-wang"


def test_a_new_programme_needs_one_module_and_one_registry_line(ledger):
    """§33 (fictitious): 80.00 a month (PARAM) for a rural registered household. Approved
    from 2025-03-01, the March run pays 80.00. The bureau then sets 100.00 from
    2025-03-01 (retroactive): the April run pays 100.00 and 20.00 of arrears for March
    (100.00 - 80.00). `verify` recomputes every figure from the module's rule."""
    assert "heating_subsidy" not in REGISTRY and "heating_subsidy_monthly" not in KEYS
    with REGISTRY.extended(s33_heating_subsidy):
        ledger.app.seed_standards()  # an existing ledger records the new default
        book = ledger.app.standards_book("330402")
        assert book.money("heating_subsidy_monthly", date(2025, 3, 1))[0] == yuan(80)
        app = ledger.app
        hid = rural_household(ledger, "330402", category="dibao", income=0)
        before = len(app.household_events(hid))
        with pytest.raises(InvalidInputError) as bad:
            app.submit_application(
                hid,
                programme="heating_subsidy",
                effective_from=date(2025, 3, 1),
                means=None,
                details={"fuel": "wood"},
                actor=CW,
            )
        assert bad.value.field == "details.fuel"
        assert len(app.household_events(hid)) == before  # nothing recorded

        app_id = app.submit_application(
            hid,
            programme="heating_subsidy",
            effective_from=date(2025, 3, 1),
            means=None,
            details={"fuel": "electric"},
            actor=CW,
        )
        decided = app.determine(hid, app_id, decision="approve", reason="核实", actor=AP)
        assert decided.entitlements[0]["monthly_fen"] == 8_000
        assert "Winter heating subsidy (§33): 80.00 a month from 2025-03-01" in (
            decided.explanation
        )

        urban, _ = household(app, 1)  # urban, in dibao
        dibao = app.submit_application(
            urban,
            programme="dibao",
            effective_from=date(2025, 1, 1),
            means=means(0),
            actor=CW,
            consents=app_consents(app, urban, date(2025, 1, 1)),
        )
        app_decide(app, urban, dibao, decision="approve", reason="核实", actor=AP)
        refused = app.submit_application(
            urban,
            programme="heating_subsidy",
            effective_from=date(2025, 3, 1),
            means=None,
            details={"fuel": "coal"},
            actor=CW,
        )
        with pytest.raises(PolicyRuleError) as rule:
            app.determine(urban, refused, decision="approve", reason="核实", actor=AP)
        assert rule.value.field == "programme"
        assert "for rural households (§33)" in rule.value.message

        run_payments(ledger, "2025-03", "finance-zhou")
        ledger.runner.catch_up()
        march = [
            (r["programme"], r["kind"], r["amount_fen"])
            for r in ledger.views.query(sql.FEED_RUN, {"period": "2025-03"})
            if str(r["household_id"]) == str(hid)
        ]
        assert ("heating_subsidy", "regular", 8_000) in march

        ledger.record_standard_change(
            key="heating_subsidy_monthly",
            value=yuan(100),
            effective_from=date(2025, 3, 1),
            basis="市民政局 2025 年取暖补贴通知 (fictitious)",
            actor="bureau-chen",
        )
        run_payments(ledger, "2025-04", "finance-zhou")
        ledger.runner.catch_up()
        april = sorted(
            (r["kind"], r["period"], r["amount_fen"])
            for r in ledger.views.query(sql.FEED_RUN, {"period": "2025-04"})
            if str(r["household_id"]) == str(hid) and r["programme"] == "heating_subsidy"
        )
        assert april == [("arrears", "2025-03", 2_000), ("regular", "2025-04", 10_000)]
        report = ledger.verify()
        assert report.ok, (report.recompute_mismatches, report.drifted)
    assert "heating_subsidy" not in REGISTRY and "heating_subsidy_monthly" not in KEYS
