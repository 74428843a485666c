"""The caseworker's workspace over HTTP (docs/WORKSPACE.md): search, my households, my
worklist, and an approver's reassignment of a household's caseworker. A search or a
list shows personal data: each page is written to the PIPL access trail (one record per
household shown, the query in the path with an ID number masked) before it is
answered."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from api.auth import User
from api.deps import SEES_ID_NUMBERS, Approver, LedgerDep, Reader, require
from api.schemas import CaseworkerIn, CaseworkerOut, QueryDate
from services.clock import beijing_today
from services.worklist import worklist
from services.workspace import Filters, record_reads, search

router = APIRouter(tags=["workspace"])
# Who has households and a worklist: the caseworkers, and the approvers (whose worklist
# holds the decisions waiting for them).
WORKERS = ("caseworker", "approver")
Worker = Annotated[User, Depends(require(*WORKERS))]
Stage = Literal["received", "checked", "investigated", "noticed", "decided", "withdrawn"]
Page = Annotated[int, Query(ge=1, le=100, description="households per page")]
After = Annotated[str | None, Query(max_length=20, description="the `next` of the previous page")]
Region = Annotated[
    str | None,
    Query(
        max_length=12,
        description="a region code: the county's (6 digits), a township's (9) or a "
        "village's (12) households",
    ),
]


@router.get("/households/search")
def search_route(
    user: Reader,
    ledger: LedgerDep,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="an ID number (found whole), or a fragment of a member's name or "
            "of the address",
        ),
    ] = None,
    by: Literal["auto", "id_number", "name", "address"] = "auto",
    region: Region = None,
    category: str | None = None,
    programme: str | None = None,
    stage: Stage | None = None,
    on: QueryDate | None = None,
    after: After = None,
    limit: Page = 20,
) -> dict[str, Any]:
    """Find households by a member's ID number (exact, through a keyed-hash index), a
    fragment of a member's name or of the address (`by=auto`: an 18-character number is
    an ID number, anything else a name or address fragment); narrowed by region,
    category (in force on `on`, default today), programme (an application of it) and
    stage (an application on the statutory path at it). In the order registered, a page
    at a time (`next`: pass it as `after`). ID numbers whole for caseworkers and
    approvers, masked for the others."""
    filters = Filters(region=region, category=category, programme=programme, stage=stage)
    trail = {"by": by, "region": region, "category": category, "programme": programme}
    return _searched(
        user, ledger, "/households/search", filters, q, by, on, after, limit,
        {**trail, "stage": stage, "after": after},
    )  # fmt: skip


@router.get("/me/households")
def my_households(
    user: Worker,
    ledger: LedgerDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    by: Literal["auto", "id_number", "name", "address"] = "auto",
    region: Region = None,
    category: str | None = None,
    programme: str | None = None,
    stage: Stage | None = None,
    on: QueryDate | None = None,
    after: After = None,
    limit: Page = 20,
) -> dict[str, Any]:
    """The households I am the responsible caseworker of, with the search's filters, a
    page at a time, in the order registered."""
    filters = Filters(
        region=region, category=category, programme=programme, stage=stage, caseworker=user.name
    )
    trail = {"region": region, "category": category, "programme": programme, "stage": stage}
    return _searched(
        user, ledger, "/me/households", filters, q, by, on, after, limit,
        {**trail, "after": after},
    )  # fmt: skip


def _searched(
    user: User,
    ledger: Any,
    path: str,
    filters: Filters,
    q: str | None,
    by: str,
    on: Any,
    after: str | None,
    limit: int,
    trail: dict[str, Any],
) -> dict[str, Any]:
    """A search's page, written to the PIPL access trail (the query as shown, an ID
    number masked, then `trail`'s arguments) before it is answered."""
    found = search(
        ledger,
        q=q,
        by=by,
        filters=filters,
        on=on or beijing_today(),
        after=after,
        limit=limit,
        whole_ids=user.role in SEES_ID_NUMBERS,
    )
    shown = found.pop("shown")
    record_reads(
        ledger,
        user=user.name,
        role=user.role,
        path=path,
        args={"q": shown, **trail},
        household_ids=[i["household_id"] for i in found["items"]],
    )
    return found


@router.get("/me/worklist")
def my_worklist(
    user: Worker,
    ledger: LedgerDep,
    on: QueryDate | None = None,
    days: Annotated[
        int, Query(ge=0, le=366, description="visits and reviews due within this many days")
    ] = 30,
    region: Annotated[
        str, Query(max_length=12, description="an approver's decisions: in this region")
    ] = "330400",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """What I have to do for the households I am responsible for, each item with its due
    date, most urgent first (overdue, then the soonest due). Home visits (§30) and
    periodic reviews (POLICY ch. 15) due within `days`, applications waiting for my step
    and documents awaited (POLICY ch. 14), warnings not resolved (POLICY ch. 12); an
    approver's also holds the region's decisions and objections waiting."""
    found = worklist(
        ledger,
        user=user.name,
        approver=user.role == "approver",
        on=on or beijing_today(),
        days=days,
        region=region,
        limit=limit,
    )
    record_reads(
        ledger,
        user=user.name,
        role=user.role,
        path="/me/worklist",
        args={"on": on.isoformat() if on else None, "days": days},
        household_ids=[i["household_id"] for i in found["items"]],
    )
    return found


@router.post("/households/{household_id}/caseworker", response_model=CaseworkerOut)
def reassign(household_id: UUID, body: CaseworkerIn, user: Approver, ledger: LedgerDep) -> Any:
    """Make another caseworker responsible for the household from `on` (an event of the
    household); the same caseworker again records nothing (`recorded: false`)."""
    recorded, caseworker = ledger.app.assign_caseworker(
        household_id,
        body.caseworker,
        on=body.on or beijing_today(),
        reason=body.reason,
        actor=user.name,
    )
    return CaseworkerOut(household_id=str(household_id), caseworker=caseworker, recorded=recorded)
