"""Races: many processes writing to one household, and concurrent acknowledgements."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, date, datetime

from domain.errors import ConflictError
from projections import sql
from services.payment_runs import run_payments
from tests.helpers import household, means
from tests.path import app_consents, app_decide


def _writer(url: str, secret: str, folder: str, hid: str, n: int, out: object) -> None:
    from uuid import UUID

    from services.ledger import Ledger
    from services.settings import Settings
    from tests.helpers import id_number

    applied = refused = 0
    try:
        ledger = Ledger.open(Settings(database_url=url, secret=secret, data_dir=folder))
    except Exception as error:
        out.put((0, 0, repr(error)))  # type: ignore[attr-defined]
        return
    try:
        for i in range(5):
            try:
                ledger.app.add_member(
                    UUID(hid),
                    actor=f"proc{n}",
                    name=f"p{n}-{i}",
                    id_number=id_number(),
                    relation="child",
                    birth_on=date(2010, 1, 1),
                    joined_on=None,
                )
                applied += 1
            except ConflictError:
                refused += 1
    finally:
        ledger.close()
    out.put((applied, refused, None))  # type: ignore[attr-defined]


def test_processes_writing_to_one_household_lose_nothing(ledger, settings, tmp_path):
    """Four processes add five members each to one household at once: every request is
    applied once or refused with a conflict, and the stream holds exactly the applied
    ones, versions without a gap."""
    hid, _ = household(ledger.app, 0)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [
        context.Process(
            target=_writer,
            args=(
                settings.database_url,
                settings.secret.get_secret_value(),
                str(tmp_path),
                str(hid),
                n,
                results,
            ),
        )
        for n in range(4)
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
    outcomes = [results.get(timeout=10) for _ in processes]
    assert [error for _, _, error in outcomes] == [None] * 4
    applied = sum(a for a, _, _ in outcomes)
    assert applied + sum(r for _, r, _ in outcomes) == 20
    state = ledger.app.household(hid)
    assert len(state.members) == applied
    versions = [e.originator_version for e in ledger.app.household_events(hid)]
    assert versions == list(range(1, applied + 2))


def test_concurrent_acknowledgements_record_once(ledger):
    """Six threads send the same bank answer for one payment at once: it is recorded
    once; the others are told it was already recorded."""
    hid, _ = household(ledger.app, 1, registered_on=date(2024, 1, 1))
    app_id = ledger.app.submit_application(
        hid,
        programme="dibao",
        effective_from=date(2025, 2, 1),
        means=means(0),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, date(2025, 2, 1)),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
    run_payments(ledger, "2025-02", "finance-zhou")
    ledger.runner.catch_up()
    [payment] = ledger.views.query(sql.FEED_RUN, {"period": "2025-02"})
    at = datetime(2025, 3, 5, tzinfo=UTC)
    answers, barrier = [], threading.Barrier(6)

    def ack():
        barrier.wait()
        answers.append(
            ledger.app.acknowledge_payment(
                hid,
                payment["payment_id"],
                status="paid",
                bank_reference="B-1",
                at=at,
                actor="finance-zhou",
            )
        )

    threads = [threading.Thread(target=ack) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [False] * 5 + [True]
    ledger.runner.catch_up()
    [after] = ledger.views.query(sql.PAYMENT_BY_ID, {"payment_id": payment["payment_id"]})
    assert after["status"] == "paid"
