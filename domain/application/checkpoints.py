"""The ledger's own record of the signed checkpoints made of it (domain.checkpoint)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from domain.application.base import LedgerBase
from domain.checkpoint import CheckpointLog, checkpoints_id


class CheckpointsLedger(LedgerBase):
    """Records that a checkpoint was made: its root, position and public key."""

    def record_checkpoint(self, document: Mapping[str, Any], *, actor: str, on: date) -> int:
        """Append a `CheckpointMade` for the signed document; the version it took. The
        event is recorded after the checkpoint's position, so the next checkpoint
        covers it."""

        def attempt() -> tuple[list[Any], int]:
            log = self._checkpoint_log() or CheckpointLog.open(actor, on)
            log.record(document, actor=actor, on=on)
            return [log], int(log.version)

        return self.retrying(attempt, "the checkpoint log")

    def _checkpoint_log(self) -> CheckpointLog | None:
        try:
            found: Any = self.repository.get(checkpoints_id())
        except AggregateNotFoundError:
            return None
        if not isinstance(found, CheckpointLog):
            raise TypeError(f"stream {checkpoints_id()} is not the checkpoint log")
        return found
