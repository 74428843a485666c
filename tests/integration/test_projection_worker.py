"""`ledger project` on both backends (issue 20): one worker keeps the views current, a
second waits as a standby and takes over; a process with LEDGER_PROJECTION_WORKER=true
catches nothing up itself, its reads wait for the worker (and still see their own
writes), and with no worker they answer ViewsBehindError (HTTP 503) naming the views."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date

import pytest

from domain.errors import ViewsBehindError
from services.ledger import Ledger
from services.projection_worker import run_worker


def _register(ledger: Ledger) -> None:
    ledger.app.register_household(
        region_code="330402",
        residence="urban",
        address="南湖路1号",
        registered_on=date(2025, 1, 1),
        actor="caseworker-li",
    )


@pytest.fixture
def worker_settings(settings):
    return settings.model_copy(
        update={
            "projection_worker": True,
            "projection_wait_seconds": 2.0,
            "projection_interval_seconds": 0.05,
        }
    )


class Worker:
    """A `ledger project` worker in a thread, with its own ledger connection."""

    def __init__(self, settings) -> None:
        self.ledger = Ledger.open(settings)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=run_worker, args=(self.ledger, settings, self.stop))

    def __enter__(self) -> Worker:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.ledger.close()


def _wait_for(predicate, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_without_a_worker_a_read_answers_views_behind_naming_them(worker_settings):
    served = Ledger.open(worker_settings.model_copy(update={"projection_wait_seconds": 0.3}))
    try:
        _register(served)
        with pytest.raises(ViewsBehindError) as behind:
            served.runner.catch_up()
        assert "entitlements" in behind.value.message and "ledger project" in behind.value.message
        assert served.views.count("ledger_households") == 0  # it caught up nothing itself
    finally:
        served.close()


def test_reads_wait_for_the_worker_and_see_their_own_writes(worker_settings):
    served = Ledger.open(worker_settings)
    try:
        with Worker(worker_settings):
            for n in range(1, 4):
                _register(served)
                served.runner.catch_up()  # returns once the worker has applied it
                assert served.views.count("ledger_households") == n
    finally:
        served.close()


def test_a_second_worker_waits_as_standby_and_takes_over(worker_settings, caplog):
    caplog.set_level(logging.INFO, logger="ledger.project")
    served = Ledger.open(worker_settings)
    second = Worker(worker_settings)
    try:
        with Worker(worker_settings):
            _wait_for(lambda: "active" in caplog.text)
            second.__enter__()
            _wait_for(lambda: "standby" in caplog.text)
            caplog.clear()
        # The first has stopped and freed the lock: the standby takes over.
        _register(served)
        _wait_for(lambda: "active" in caplog.text)
        served.runner.catch_up()
        assert served.views.count("ledger_households") == 1
    finally:
        second.__exit__()
        served.close()


def test_views_behind_is_a_503_with_its_code():
    from api.errors import status_of

    assert status_of(ViewsBehindError("the views are behind")) == 503
    assert ViewsBehindError.code == "views_behind"
