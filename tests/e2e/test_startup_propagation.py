"""`ledger serve` completes on start the standard changes whose propagation was cut short,
and says so in its log (§3, "standard changes reach households")."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from domain.money import yuan
from services.ledger import Ledger
from tests.e2e.conftest import running_server
from tests.helpers import household, means
from tests.path import app_consents, app_decide


def test_serve_completes_an_unfinished_propagation_on_start(settings, tmp_path):
    """§3: two households of one on dibao from 2025-03-01 with no income (15,000 / 12 =
    1,250.00 a month). The rise to 15,600 from 2025-03-01 is recorded and the process
    stops before propagating it (the change is saved, no household adjusted, no
    completion recorded). `ledger serve` starts: before it answers, its log says it
    completed that propagation with 2 changes recorded, and both households get 1,300.00
    (15,600 / 12); `ledger verify` then lists nothing unfinished. A second start has
    nothing to complete and says nothing of it."""
    ledger = Ledger.open(settings)
    try:
        hids = []
        for _ in range(2):
            hid, _ = household(ledger.app, 1)
            app_id = ledger.app.submit_application(
                hid,
                programme="dibao",
                effective_from=date(2025, 3, 1),
                means=means(0),
                actor="caseworker-li",
                consents=app_consents(ledger.app, hid, date(2025, 3, 1)),
            )
            app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="ap-wang")
            hids.append(hid)
        change = ledger.app.record_standard_change(  # recorded, never propagated
            key="dibao_standard_annual",
            value=yuan(15600),
            effective_from=date(2025, 3, 1),
            basis="嘉政发〔2025〕9号",
            actor="admin",
            cited_income_growth=Fraction(4, 100),
        )
        [(region, unfinished)] = ledger.app.unfinished_propagations()
        assert (region, unfinished.version) == (change.region_code, change.version)

        def monthly():
            return [
                [f.row.monthly_fen for f in ledger.entitlements(h, date(2025, 3, 1))] for h in hids
            ]

        assert monthly() == [[125_000], [125_000]]
    finally:
        ledger.close()

    with running_server(settings.database_url, tmp_path) as server:
        assert server.log is not None
        started = server.log.read_text()
    assert (
        "completed on start the unfinished propagation of dibao_standard_annual "
        f"{change.region_code}/v{change.version}: 2 changes recorded, 0 households refused"
    ) in started
    ledger = Ledger.open(settings)
    try:
        assert monthly() == [[130_000], [130_000]]
        assert ledger.verify().unfinished_propagations == []
    finally:
        ledger.close()
    with running_server(settings.database_url, tmp_path) as server:
        assert server.log is not None
        again = server.log.read_text()
    assert "propagation" not in again
