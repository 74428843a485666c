"""What a starting server does before it serves: complete every standard change whose
propagation to households was cut short (the process died half-way), as `ledger
propagate` does, and say so in its log."""

from __future__ import annotations

import logging

from domain.application import Propagation
from services.ledger import Ledger, startup_lock

START_ACTOR = "system:start"


def complete_propagations_on_start(
    ledger: Ledger, log: logging.Logger, *, actor: str = START_ACTOR
) -> list[tuple[str, int, Propagation]]:
    """`Ledger.complete_propagations`, one process at a time on PostgreSQL (the start-up
    lock: with `serve --workers N` the first completes them, the others find none), each
    completion logged with what it recorded. Idempotent."""
    with startup_lock(ledger.settings.persistence_env()):
        unfinished = {
            (region, change.version): change.key
            for region, change in ledger.app.unfinished_propagations()
        }
        if not unfinished:
            return []
        log.warning(
            "%d standard changes were not propagated to every household (cut short): "
            "completing them before serving",
            len(unfinished),
        )
        done = ledger.complete_propagations(actor=actor)
    for region, version, result in done:
        log.warning(
            "completed on start the unfinished propagation of %s %s/v%d: %d changes "
            "recorded, %d households refused",
            unfinished.get((region, version), "?"),
            region,
            version,
            result.adjusted,
            len(result.refused),
        )
        for item in result.refused:
            log.warning(
                "  refused household %s (%s): %s",
                item["household_id"],
                item["field"],
                item["message"],
            )
    return done
