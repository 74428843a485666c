"""`ledger serve` completes on start the standard changes whose propagation was cut short,
and says so in its log; with a projection worker (`ledger project`), the worker does when
it becomes active (§3, "standard changes reach households")."""

from __future__ import annotations

import time
from datetime import date
from fractions import Fraction

from domain.money import yuan
from services.ledger import Ledger
from tests.e2e.conftest import running_server
from tests.helpers import household, means
from tests.integration.test_projection_worker import Worker
from tests.path import app_consents, app_decide

LINE = (
    "completed on start the unfinished propagation of dibao_standard_annual {region}/v{version}"
    ": 2 changes recorded, 0 households refused"
)


def unpropagated(settings):
    """§3: two households of one on dibao from 2025-03-01 with no income (15,000 / 12 =
    1,250.00 a month), and the rise to 15,600 from 2025-03-01 recorded by a process that
    stopped before propagating it: the change saved, no household adjusted, no
    completion recorded."""
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
        assert monthly(ledger, hids) == [[125_000], [125_000]]
    finally:
        ledger.close()
    return hids, LINE.format(region=change.region_code, version=change.version)


def monthly(ledger, hids):
    return [[f.row.monthly_fen for f in ledger.entitlements(h, date(2025, 3, 1))] for h in hids]


def adjusted(settings, hids):
    """Both households at 1,300.00 (15,600 / 12) and nothing left unfinished."""
    ledger = Ledger.open(settings)
    try:
        assert monthly(ledger, hids) == [[130_000], [130_000]]
        assert ledger.verify().unfinished_propagations == []
    finally:
        ledger.close()


def test_serve_completes_an_unfinished_propagation_on_start(settings, tmp_path):
    """§3: `ledger serve` starts on a ledger with a propagation cut short: before it
    answers, its log says it completed it with 2 changes recorded, and both households
    get 1,300.00. A second start has nothing to complete and says nothing of it."""
    hids, line = unpropagated(settings)
    with running_server(settings.database_url, tmp_path) as server:
        assert server.log is not None
        started = server.log.read_text()
    assert line in started
    adjusted(settings, hids)
    with running_server(settings.database_url, tmp_path) as server:
        assert server.log is not None
        again = server.log.read_text()
    assert "propagation" not in again


def test_the_projection_worker_completes_it_when_it_becomes_active(settings, caplog):
    """§3: with LEDGER_PROJECTION_WORKER=true `ledger serve` catches nothing up, so
    `ledger project` completes the propagation once it holds the lock and has caught
    up, and logs it; the households get 1,300.00."""
    hids, line = unpropagated(settings)
    worker_settings = settings.model_copy(
        update={"projection_worker": True, "projection_interval_seconds": 0.05}
    )
    with Worker(worker_settings):
        deadline = time.monotonic() + 20
        while line not in caplog.text:
            assert time.monotonic() < deadline, caplog.text
            time.sleep(0.05)
    adjusted(settings, hids)
