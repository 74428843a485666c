"""The caseworker's workspace (docs/WORKSPACE.md): finding a household by a member's ID
number, a member's name or its address, filtered by region, category, programme and
stage, and "my households"; answered from the search view (projections/search.py) a
page at a time, masked by role, each page of personal data in the PIPL access trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from uuid import UUID

from domain.errors import InvalidInputError
from domain.idnumber import mask_id_number, validate_id_number
from domain.policy.application_path import STAGES
from domain.policy.registry import REGISTRY
from domain.standards import region_prefix, validate_region_code
from projections import search as view

if TYPE_CHECKING:
    from services.ledger import Ledger

BY = ("auto", "id_number", "name", "address")
PAGE_MAX = 100


@dataclass(frozen=True)
class Filters:
    """What narrows a search besides `q` (each None: not narrowed)."""

    region: str | None = None  # a region code: its households (county, township, village)
    category: str | None = None  # a category in force on the day of the search
    programme: str | None = None  # an application of the programme (any kind, any stage)
    stage: str | None = None  # an application on the statutory path at this stage
    caseworker: str | None = None  # the responsible caseworker

    def check(self) -> None:
        if self.region is not None:
            validate_region_code(self.region, "region")
        categories = REGISTRY.categories()
        if self.category is not None and self.category not in categories:
            raise InvalidInputError(f"category must be one of {', '.join(categories)}", "category")
        if self.programme is not None and self.programme not in REGISTRY:
            raise InvalidInputError(
                f"programme must be one of {', '.join(REGISTRY.names())}", "programme"
            )
        if self.stage is not None and self.stage not in STAGES:
            raise InvalidInputError(f"stage must be one of {', '.join(STAGES)}", "stage")

    def any(self) -> bool:
        return any(v is not None for v in (self.region, self.category, self.programme, self.stage))


@dataclass(frozen=True)
class Query:
    """A search as the view runs it: what `q` is matched against and its parameters."""

    by: str | None  # one of projections.search.BY, or None (the filters alone)
    shown: str  # q as the access trail records it (an ID number masked)
    params: dict[str, Any]
    norm: str = ""  # a name or address fragment, normalised
    id_hash: str = ""


def parse_query(q: str | None, by: str, key: bytes) -> Query:
    """What `q` asks: an ID number (by=id_number, or an 18-character number when
    by=auto), found whole through its keyed hash; otherwise a fragment of a name and/or
    an address. Refused naming `q` when it cannot be what `by` says."""
    if by not in BY:
        raise InvalidInputError(f"by must be one of {', '.join(BY)}", "by")
    text = (q or "").strip()
    if not text:
        if by != "auto":
            raise InvalidInputError(f"q must be given to search by {by}", "q")
        return Query(None, "", {})
    if by == "id_number" or (by == "auto" and view.ID_NUMBER.match(text)):
        number = validate_id_number(text, "q")
        hashed = view.id_hash(key, number)
        return Query("id_number", mask_id_number(number), {"id_hash": hashed}, id_hash=hashed)
    norm = view.normalise(text)
    if not norm:
        raise InvalidInputError("q must hold a letter or a digit (of a name or an address)", "q")
    kind = "text" if by == "auto" else by
    params = {
        "match": view.fts_query(kind, norm),
        "gram_list": " ".join(view.fragment_grams(norm)),
        "norm": norm,
    }
    return Query(kind, text, params, norm=norm)


def _cursor(after: str | None) -> int:
    if after is None or after == "":
        return 0
    if not after.isdigit() or len(after) > 18:
        raise InvalidInputError("after must be the `next` of a previous page", "after")
    return int(after)


def search(
    ledger: Ledger,
    *,
    q: str | None,
    by: str = "auto",
    filters: Filters = Filters(),
    on: date,
    after: str | None = None,
    limit: int = 20,
    whole_ids: bool = False,
) -> dict[str, Any]:
    """A page of the households matching `q` and the filters, in the order they were
    registered; `next` is the cursor of the next page (None: this is the last). Each
    household with its members (ID numbers whole when `whole_ids`, else masked), its
    categories in force on `on` and what matched (`matched`: id_number, name,
    address)."""
    query = parse_query(q, by, ledger.settings.id_index_secret())
    filters.check()
    if query.by is None and not filters.any() and filters.caseworker is None:
        raise InvalidInputError(
            "q must be given (an ID number, or a fragment of a name or an address), or a "
            "filter (region, category, programme, stage)",
            "q",
        )
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidInputError(f"limit must be from 1 to {PAGE_MAX}", "limit")
    params: dict[str, Any] = {**query.params, "after": _cursor(after), "limit": limit + 1}
    if filters.region is not None:
        params["region_lo"], params["region_hi"] = view.region_range(region_prefix(filters.region))
    for name in ("caseworker", "category", "programme", "stage"):
        if getattr(filters, name) is not None:
            params[name] = getattr(filters, name)
    params["on"] = on
    statements = view.search_statements(
        ledger.views.dialect,
        by=query.by,
        region=filters.region is not None,
        caseworker=filters.caseworker is not None,
        category=filters.category is not None,
        programme=filters.programme is not None,
        stage=filters.stage is not None,
    )
    ledger.runner.catch_up()
    for statement in statements:  # the first that fills the page, or the last
        rows = ledger.views.query(statement, params, plan_each=True)
        if len(rows) > limit:
            break
    more = len(rows) > limit
    rows = rows[:limit]
    items = page(ledger, rows, on, whole_ids=whole_ids, query=query)
    return {
        "items": items,
        "next": str(rows[-1]["hkey"]) if more else None,
        "by": query.by,
        "shown": query.shown,  # q as the access trail records it (not answered)
    }


def _day(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def page(
    ledger: Ledger,
    rows: list[dict[str, Any]],
    on: date,
    *,
    whole_ids: bool,
    query: Query | None = None,
) -> list[dict[str, Any]]:
    """The households of a page of the search view's rows, as the API answers them."""
    if not rows:
        return []
    ids = {f"h{i}": UUID(str(row["household_id"])) for i, row in enumerate(rows)}
    members: dict[str, list[dict[str, Any]]] = {}
    found = ledger.views.query(view.page_members(len(ids)), ids)
    for m in sorted(found, key=lambda m: int(m["added_nid"])):
        members.setdefault(str(m["household_id"]), []).append(m)
    whole: dict[tuple[str, str], str] = {}
    if whole_ids:
        for m in ledger.views.query(view.page_id_numbers(len(ids)), ids):
            whole[str(m["household_id"]), str(m["member_id"])] = str(m["id_number"])
    categories: dict[str, list[dict[str, Any]]] = {}
    for c in ledger.views.query(view.page_categories(len(ids)), {**ids, "on": on}):
        categories.setdefault(str(c["household_id"]), []).append(
            {"category": c["category"], "member_id": c["member_id"] or None}
        )
    items = []
    for row in rows:
        hid = str(row["household_id"])
        found = [_member(m, whole, query) for m in members.get(hid, [])]
        matched = {
            "id_number" if query is not None and query.by == "id_number" else "name"
            for m in found
            if m["matched"]
        }
        if (
            query is not None
            and query.by in ("address", "text")
            and query.norm in (view.normalise(str(row["address"])))
        ):
            matched.add("address")
        items.append(
            {
                "household_id": hid,
                "region_code": row["region_code"],
                "residence": row["residence"],
                "address": row["address"],
                "registered_on": _day(row["registered_on"]),
                "caseworker": row["caseworker"],
                "caseworker_since": _day(row["assigned_on"]),
                "members": found,
                "categories": categories.get(hid, []),
                "matched": sorted(matched),
            }
        )
    return items


def _member(
    row: dict[str, Any], whole: dict[tuple[str, str], str], query: Query | None
) -> dict[str, Any]:
    """A member as a search answers it: the ID number whole when `whole` has it (the
    roles that see them), else masked; whether this member is what matched."""
    hid, member_id = str(row["household_id"]), str(row["member_id"])
    hit = query is not None and (
        (query.by == "id_number" and row["id_hash"] == query.id_hash)
        or (query.by in ("name", "text") and query.norm in view.normalise(str(row["name"])))
    )
    return {
        "member_id": member_id,
        "name": row["name"],
        "id_number": whole.get((hid, member_id), str(row["id_masked"])),
        "relation": row["relation"],
        "left_on": _day(row["left_on"]),
        "matched": hit,
    }


def record_reads(
    ledger: Ledger,
    *,
    user: str,
    role: str,
    path: str,
    args: dict[str, Any],
    household_ids: Sequence[str],
) -> None:
    """The PIPL access trail of a search or a list: one record per household shown (the
    query in the path, an ID number masked), or one without a household when none was."""
    given = {k: v for k, v in args.items() if v not in (None, "")}
    shown = f"{path}?{urlencode(given)}" if given else path
    ids: list[str | None] = list(dict.fromkeys(household_ids)) or [None]
    ledger.views.record_accesses(datetime.now(UTC), user, role, ids, shown)
