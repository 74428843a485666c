"""Dependencies: the ledger, the current user and role checks."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import TokenError, User, read_token
from api.routing import route
from services.ledger import Ledger

bearer = HTTPBearer(auto_error=False, description="a token from `ledger token`")


# The dependencies below do no I/O: `async def` keeps them on the event loop (a plain
# `def` dependency costs a hop to the thread pool and back on every request).


async def get_ledger(request: Request) -> Ledger:
    """The request's ledger: the one, or in a province its household's or region's
    (api/routing.py); kept on the request for the write's log position."""
    _, ledger = await route(request)
    request.state.ledger = ledger
    return ledger


LedgerDep = Annotated[Ledger, Depends(get_ledger)]


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "a bearer token is required", {"WWW-Authenticate": "Bearer"})
    try:
        return read_token(request.app.state.signing_key, credentials.credentials)
    except TokenError as error:
        raise HTTPException(401, str(error), {"WWW-Authenticate": "Bearer"}) from None


def require(*roles: str) -> Callable[[User], Coroutine[Any, Any, User]]:
    async def check(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise HTTPException(
                403, f"role {user.role} may not do this; it needs one of: {', '.join(roles)}"
            )
        return user

    check.roles = roles  # type: ignore[attr-defined]  # read by scripts/docs.py (docs/API.md)
    return check


# Who may do what (POLICY ch. 9), each set once: the API's dependencies below and the
# web pages (api/web/router.py) use these.
INTERNAL = ("caseworker", "approver", "finance", "standards_admin", "auditor")
READERS = ("caseworker", "approver", "finance", "auditor")
OVERSEERS = ("auditor", "finance", "approver")  # supervision figures, relief, reports
CARE_READERS = ("caseworker", "approver", "auditor")  # visits, warnings
FEED_READERS = ("finance", "auditor")  # the disbursement feed
PLANNERS = ("standards_admin", "finance")  # what-if simulations
DEPARTMENTS = ("medical_insurance", "transport", "auditor")  # data-exchange feeds
SEES_ID_NUMBERS = ("caseworker", "approver")
SEES_ACCOUNTS = ("finance",)  # whole account numbers; everyone else sees them masked

Caseworker = Annotated[User, Depends(require("caseworker"))]
Approver = Annotated[User, Depends(require("approver"))]
StandardsAdmin = Annotated[User, Depends(require("standards_admin"))]
Reader = Annotated[User, Depends(require(*READERS))]
Internal = Annotated[User, Depends(require(*INTERNAL))]
Overseer = Annotated[User, Depends(require(*OVERSEERS))]
CareReader = Annotated[User, Depends(require(*CARE_READERS))]
FeedReader = Annotated[User, Depends(require(*FEED_READERS))]
Auditor = Annotated[User, Depends(require("auditor"))]
Finance = Annotated[User, Depends(require("finance"))]
