from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.auth import User
from api.deps import DEPARTMENTS, LedgerDep, require
from domain.errors import InvalidInputError
from services.exchange import event_feed

router = APIRouter(tags=["data exchange"])
Department = Annotated[User, Depends(require(*DEPARTMENTS))]


@router.get("/feeds/events")
def events_feed(
    user: Department,
    ledger: LedgerDep,
    after: str = Query(default="0", max_length=30, description="a cursor from a previous page"),
    limit: int = Query(default=100, ge=1, le=500),
) -> dict[str, Any]:
    """The ledger's events another department's role may see (docs/EXCHANGE.md), in order,
    after a cursor: the medical insurance bureau gets the subsidised-enrolment list
    (资助参保) and the medical-cap state with full ID numbers; the transit operator gets
    the transit eligibility list with ID numbers masked; auditors read both, masked.
    `next_cursor` is never null: pass it as `after`; with nothing new it equals `after`."""
    if not after.isdigit():
        raise InvalidInputError("after must be a cursor from this feed", "after")
    return event_feed(ledger, user.role, int(after), limit)
