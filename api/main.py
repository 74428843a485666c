"""The FastAPI application: routers combined in one place, errors mapped in one place,
the projections kept caught up by a background thread."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from api import docs_ui, errors
from api.access_log import AccessLogMiddleware
from api.idempotency import IdempotencyMiddleware
from api.outage import DatabaseGuard, OutageMiddleware
from api.replica import PositionMiddleware, close_replicas, open_replicas
from api.routers import (
    applications,
    audit,
    budgets,
    calendar,
    care,
    entitlements,
    exchange,
    health,
    households,
    medical,
    path,
    payments,
    reviews,
    simulations,
    standards,
    statements,
    supervision,
    warnings,
    workspace,
)
from api.web import router as web
from projections.runner import first_line
from services.ledger import Ledger
from services.province import Province, read_ledgers_file
from services.settings import Settings, load_settings
from services.startup import complete_propagations_on_start

log = logging.getLogger("ledger.api")

# The API's routers, in the order of /docs (scripts/docs.py lists their routes' roles).
ROUTERS = (
    path.worklists,
    *(
        module.router
        for module in (
            health,
            standards,
            calendar,
            simulations,
            workspace,  # before households: /households/search is not a household's id
            households,
            applications,
            path,
            reviews,
            entitlements,
            medical,
            payments,
            budgets,
            statements,
            supervision,
            audit,
            care,
            warnings,
            exchange,
        )
    ),
)


def _ledgers(state: Any) -> list[Ledger]:
    """The ledgers of the moment (one may have been reopened): the one, or a province's."""
    province: Province | None = getattr(state, "province", None)
    if province is None:
        return [state.ledger]
    return [ledger for _, ledger in province]


def _keep_caught_up(state: Any, stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        if state.guard.down.is_set():
            continue
        for ledger in _ledgers(state):
            try:
                ledger.runner.catch_up()
            except Exception as error:
                # The class and the first line of the message: what is wrong, never the
                # rows (a database's detail lines may quote values; they are left out).
                log.warning(
                    "projection catch-up failed: %s: %s", type(error).__name__, first_line(error)
                )


def _complete_propagations(ledger: Ledger) -> None:
    """Standard changes whose propagation a dead process cut short are completed before
    serving (logged); a failure is logged and the server starts anyway (`ledger verify`
    still lists them, and the next start or `ledger propagate` completes them)."""
    try:
        complete_propagations_on_start(ledger, log)
    except Exception as error:
        log.warning(
            "unfinished propagations not completed on start: %s: %s; run `ledger propagate`",
            type(error).__name__,
            first_line(error),
        )


# The collector's first threshold for a serving process: a city-wide page builds some
# hundred thousand short-lived rows and dicts, and at Python's default (700 allocations)
# the collector ran over the whole heap dozens of times in one page (measured with
# `python -m scripts.pagetimes`: the supervision page's p95 beside its median).
GC_GEN0_THRESHOLD = 50_000


def tune_gc() -> None:
    """For `ledger serve` (never a test's app): collect less often, and leave the
    modules and settings loaded at start out of every collection."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, *gc.get_threshold()[1:])


def served_app() -> FastAPI:
    """The app of each process of `ledger serve --workers N` (uvicorn's factory)."""
    tune_gc()
    return create_app()


def create_app(settings: Settings | None = None, ledger: Ledger | None = None) -> FastAPI:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = ledger is None
        guarded = settings
        if ledger is None and settings.ledgers_file is not None:  # a province
            app.state.province = Province.open(read_ledgers_file(settings.ledgers_file, settings))
            app.state.ledger = app.state.province.default
            guarded = app.state.province.specs[0].settings
        else:
            app.state.province = None
            app.state.ledger = ledger or Ledger.open(settings)
        if not settings.projection_worker:  # else `ledger project` keeps the views
            for each in _ledgers(app.state):
                each.runner.catch_up()  # serve nothing stale after a restart
                # ... and complete what a dead process left unpropagated (with a
                # projection worker, the worker does when it becomes active).
                _complete_propagations(each)
        app.state.guard = DatabaseGuard(app.state, guarded)
        open_replicas(app.state)  # replica-safe reads go to the replicas configured
        stop = threading.Event()
        worker = threading.Thread(
            target=_keep_caught_up,
            args=(app.state, stop, settings.projection_interval_seconds),
            name="projections",
            daemon=True,
        )
        if not settings.projection_worker:
            worker.start()
        try:
            yield
        finally:
            stop.set()
            if worker.ident is not None:
                worker.join(timeout=10)
            close_replicas(app.state)
            if own and app.state.province is not None:
                app.state.province.close()
            elif own:
                app.state.ledger.close()

    app = FastAPI(
        title="Jiaxing benefits ledger (共富十助)",
        version="0.1.0",
        description=(
            "An event-sourced ledger of social assistance. Money is a decimal string in yuan "
            '("1250.00"); dates are ISO; every request but /health needs a bearer token from '
            "`ledger token`. Errors are `{error, message, field?}`."
        ),
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc with local assets: api/docs_ui.py
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.signing_key = settings.signing_key()
    if ledger is not None:
        app.state.ledger = ledger
    errors.install(app)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(AccessLogMiddleware)
    app.add_middleware(PositionMiddleware)  # a write's answer carries its log position
    app.add_middleware(OutageMiddleware)  # the outermost: refuses at once while down
    for router in ROUTERS:
        app.include_router(router)
    docs_ui.install(app)  # /docs and /redoc, offline
    web.install(app)  # the pages at /ui (docs/WEB.md)
    return app
