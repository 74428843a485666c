"""The ledger application (`LedgerApplication`), in four layers: `base` (storage,
loading as known at any time, snapshots, the retry helper), `standards` (seeds, changes,
propagation), `path` (the statutory path's steps) and `commands` (every household
command)."""

from domain.application.base import (
    KNOWN_AT_WINDOW,
    MAX_RETRIES,
    PROPAGATION_BATCH,
    KnownAt,
    LedgerBase,
    Propagation,
    StandardChangeResult,
)
from domain.application.commands import LedgerApplication
from domain.application.path import PathLedger
from domain.application.standards import StandardsLedger

__all__ = [
    "KNOWN_AT_WINDOW",
    "MAX_RETRIES",
    "PROPAGATION_BATCH",
    "KnownAt",
    "LedgerApplication",
    "LedgerBase",
    "PathLedger",
    "Propagation",
    "StandardChangeResult",
    "StandardsLedger",
]
