from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends

from api.auth import User
from api.deps import LedgerDep, require
from api.schemas import QueryDate
from domain.errors import InvalidInputError
from scripts.audit import replay_household

router = APIRouter(prefix="/audit", tags=["audit"])
Auditor = Annotated[User, Depends(require("auditor"))]


@router.get("/households/{household_id}/replay")
def replay(
    household_id: UUID,
    _: Auditor,
    ledger: LedgerDep,
    as_of: QueryDate | None = None,
    known_at: datetime | None = None,
) -> dict[str, Any]:
    """The household's state in force on `as_of`, as recorded up to `known_at`, and the
    events that made it (household and payment streams), each with actor, effective date
    and recorded time."""
    if known_at is not None and known_at.tzinfo is None:
        raise InvalidInputError("known_at must carry a UTC offset, e.g. +08:00", "known_at")
    return replay_household(ledger, household_id, as_of or date.today(), known_at)


@router.get("/verify")
def verify(_: Auditor, ledger: LedgerDep) -> dict[str, Any]:
    """Every stream's hash chain, and every determination, entitlement change and cap
    split recomputed from its recorded inputs and the standards then in force."""
    report = ledger.verify()
    return {
        "ok": report.ok,
        "streams_checked": report.streams_checked,
        "events_checked": report.events_checked,
        "chain_breaks": report.chain_breaks,
        "recompute_mismatches": report.recompute_mismatches,
    }
