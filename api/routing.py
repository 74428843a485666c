"""Which ledger a request is for (services/province.py, LEDGER_LEDGERS_FILE).

One ledger (the default, and SQLite's only way): every request goes to it. Several: a
request about a household goes to the ledger holding the household's stream; one that
names a region (`?region=`, `?region_code=`, `?county=`, or a body's `region_code`) to the
ledger covering it; `?ledger=NAME` names one outright. A request that says none of these,
where there are several ledgers, is refused naming `region`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from services.ledger import Ledger
from services.province import Province, RegionUnknownError

DEFAULT = ""  # the name of the one ledger of a deployment without a ledgers file
REGION_PARAMS = ("region", "region_code", "county")


def province_of(request: Request) -> Province | None:
    province: Province | None = getattr(request.app.state, "province", None)
    return province


async def route(request: Request) -> tuple[str, Ledger]:
    """(the ledger's name, the ledger) this request is for."""
    province = province_of(request)
    if province is None:
        ledger: Ledger = request.app.state.ledger
        return DEFAULT, ledger
    try:
        return await _route(request, province)
    except RegionUnknownError as error:
        raise HTTPException(422, str(error)) from None


async def _route(request: Request, province: Province) -> tuple[str, Ledger]:
    named = request.query_params.get("ledger")
    if named:
        return named, province.named(named)
    household = request.path_params.get("household_id")
    if household is not None:
        try:
            household_id = UUID(str(household))
        except ValueError:
            household_id = None  # the route's own validation answers 422
        if household_id is not None:
            found = await run_in_threadpool(province.for_household, household_id)
            if found is not None:
                return province.name_of(found), found
            return province.specs[0].name, province.default  # the route answers 404
    region = _region(request) or await _body_region(request)
    if region is not None:
        found = province.for_region(region)
        return province.name_of(found), found
    if len(province.specs) == 1:
        return province.specs[0].name, province.default
    raise RegionUnknownError(
        f"region: this service holds {len(province.specs)} ledgers ({province.describe()}); "
        "say which with ?region=CODE or ?ledger=NAME"
    )


def ledgers_in(request: Request) -> list[tuple[str, Ledger]]:
    """The ledgers whose figures a region's answer adds up: the one; or in a province
    ?ledger='s, or those with regions in ?region= (or ?county=), or all."""
    province = province_of(request)
    if province is None:
        return [(DEFAULT, request.app.state.ledger)]
    try:
        named = request.query_params.get("ledger")
        if named:
            return [(named, province.named(named))]
        region = _region(request)
        found = province.within(region) if region else list(province)
    except RegionUnknownError as error:
        raise HTTPException(422, str(error)) from None
    if not found:
        raise HTTPException(
            422, f"region: no ledger of this deployment covers {region} ({province.describe()})"
        )
    return [(spec.name, ledger) for spec, ledger in found]


def covers(request: Request, name: str, region_code: str) -> bool | None:
    """Whether ledger `name` holds `region_code` (None: one ledger, or no ledger does)."""
    province = province_of(request)
    if province is None:
        return None
    owners = [s.name for s in province.specs if s.covers(region_code)]
    return (name in owners) if owners else None


def route_page(request: Request) -> Ledger:
    """The web pages' ledger (from a worker thread): a household's page follows its
    household, a list takes ?ledger= or ?region=, else the first ledger."""
    province = province_of(request)
    if province is None:
        ledger: Ledger = request.app.state.ledger
        return ledger
    named = request.query_params.get("ledger")
    if named:
        return province.named(named)
    household = request.path_params.get("household_id")
    if household is not None:
        try:
            found = province.for_household(UUID(str(household)))
        except ValueError:
            found = None
        return found or province.default
    region = _region(request)
    return province.for_region(region) if region else province.default


def _region(request: Request) -> str | None:
    for name in REGION_PARAMS:
        value = request.query_params.get(name) or request.path_params.get(name)
        if value:
            return str(value).strip()
    return None


async def _body_region(request: Request) -> str | None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if not request.headers.get("content-type", "").startswith("application/json"):
        return None
    try:
        body: Any = await request.json()  # FastAPI has read it already: cached
    except ValueError:
        return None
    for name in ("region_code", "county"):  # county: a budget's (services/budgets.py)
        if isinstance(body, dict) and isinstance(body.get(name), str):
            return str(body[name]).strip()
    return None
