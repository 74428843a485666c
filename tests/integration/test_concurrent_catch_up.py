"""Many processes catching up the same views at once (issue 22): one writes at a time
(the views' write lock), none applies an event another applied, and the views stay
exactly what a clean rebuild gives, on both backends."""

from __future__ import annotations

import multiprocessing
from datetime import date
from typing import Any

from projections.runner import VIEWS, CatchUpRunner
from services.ledger import Ledger
from tests.helpers import household, means
from tests.path import app_consents, app_decide

TABLES = tuple(t for view in VIEWS.values() for t in view.tables)


def _catcher(url: str, secret: str, folder: str, stop: Any, out: Any) -> None:
    """Catch up in a loop until told to stop, then once more; report what it applied."""
    from services.ledger import Ledger
    from services.settings import Settings

    applied = rounds = 0
    try:
        ledger = Ledger.open(Settings(database_url=url, secret=secret, data_dir=folder))
        try:
            while not stop.is_set():
                applied += ledger.runner.catch_up()
                rounds += 1
            applied += ledger.runner.catch_up()
        finally:
            ledger.close()
    except Exception as error:
        out.put((applied, rounds, f"{type(error).__name__}: {error}"))
        return
    out.put((applied, rounds, None))


def _write_households(ledger: Ledger, count: int) -> None:
    for _ in range(count):
        hid, _ = household(ledger.app, 2, registered_on=date(2025, 1, 1))
        app_id = ledger.app.submit_application(
            hid,
            programme="dibao",
            effective_from=date(2025, 2, 1),
            means=means(0),
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 2, 1)),
        )
        app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")


def test_processes_catching_up_at_once_keep_the_views_exact(ledger, settings, tmp_path):
    """Three processes catch up in a loop while this one records households (and, half
    way, rebuilds every view under them): no process fails, every event is applied once
    across them (the views' rows are those of a clean rebuild afterwards)."""
    context = multiprocessing.get_context("spawn")
    stop, results = context.Event(), context.Queue()
    processes = [
        context.Process(
            target=_catcher,
            args=(
                settings.database_url,
                settings.secret.get_secret_value(),
                str(tmp_path),
                stop,
                results,
            ),
        )
        for _ in range(3)
    ]
    for p in processes:
        p.start()
    try:
        _write_households(ledger, 15)
        ledger.runner.rebuild()  # drops the views while the others catch up
        _write_households(ledger, 15)
    finally:
        stop.set()
        outcomes = [results.get(timeout=120) for _ in processes]
        for p in processes:
            p.join(timeout=60)
    assert [error for _, _, error in outcomes] == [None] * 3
    assert sum(applied for applied, _, _ in outcomes) > 0, "the other processes caught up"

    ledger.runner.catch_up()
    assert ledger.runner.lag() == dict.fromkeys(VIEWS, 0)
    assert ledger.views.count("ledger_households") == 30
    assert ledger.views.count("ledger_current_entitlements") == 30
    caught_up = ledger.views.dump(TABLES)
    ledger.runner.rebuild()
    assert ledger.views.dump(TABLES) == caught_up


def test_a_runner_whose_pages_went_stale_resumes_where_the_other_got_to(ledger):
    """Two runners on one ledger (as two processes have). The first writes a page, then
    (before its next page is written) the second catches everything up: the first's
    next page is found stale under the lock, is not written, and it carries on from the
    head the second reached. Every event is applied once in all: the two counts add up
    to what a rebuild applies, and the rows are the rebuild's."""
    _write_households(ledger, 12)
    other = Ledger.open(ledger.settings)
    try:
        key = ledger.settings.id_index_secret()
        first = CatchUpRunner(ledger.app, ledger.views, batch_size=7, id_key=key)
        second = CatchUpRunner(other.app, other.views, batch_size=7, id_key=key)
        by_second: list[int] = []

        def meanwhile(position: int, head: int) -> None:
            if not by_second and position < head:
                by_second.append(second.catch_up())

        by_first = first.catch_up(progress=meanwhile)
        assert by_second and by_second[0] > 0, "the second runner caught up meanwhile"
        assert by_first > 0
        assert first.lag() == second.lag() == dict.fromkeys(VIEWS, 0)
        caught_up = ledger.views.dump(TABLES)
        assert ledger.views.count("ledger_households") == 12
        assert by_first + by_second[0] == ledger.runner.rebuild()
        assert ledger.views.dump(TABLES) == caught_up
    finally:
        other.close()
