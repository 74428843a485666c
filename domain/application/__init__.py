"""The ledger application (`LedgerApplication`), in parts over `base` (storage, loading
as known at any time, snapshots, the retry helper): `standards` (seeds, changes,
propagation), `path` (the statutory path's steps), `reviews` (periodic reviews),
`members` (members, identity claims, life events), `calendar` (the working-day
calendar) and `commands` (the other household commands)."""

from domain.application.base import (
    KNOWN_AT_WINDOW,
    MAX_RETRIES,
    PROPAGATION_BATCH,
    KnownAt,
    LedgerBase,
    Propagation,
    StandardChangeResult,
)
from domain.application.calendar import CalendarLedger, CalendarMarkResult
from domain.application.commands import LedgerApplication
from domain.application.path import PathLedger
from domain.application.standards import StandardsLedger

__all__ = [
    "KNOWN_AT_WINDOW",
    "MAX_RETRIES",
    "PROPAGATION_BATCH",
    "CalendarLedger",
    "CalendarMarkResult",
    "KnownAt",
    "LedgerApplication",
    "LedgerBase",
    "PathLedger",
    "Propagation",
    "StandardChangeResult",
    "StandardsLedger",
]
