"""The search view (docs/WORKSPACE.md): households found by a member's ID number, a
member's name or the address, and each household's responsible caseworker.

**ID numbers** are indexed by a keyed hash only: HMAC-SHA256 under the ledger's ID
index key (LEDGER_ID_INDEX_KEY, services/settings.py) of the number in its canonical
form (`validate_id_number`: 18 characters, upper-case X). The view holds that hash and
the masked number (`mask_id_number`), never the number: without the key a stolen copy
of the view cannot be searched by trying numbers. A number is found whole only.

**Names and addresses** are found by any fragment (Chinese names are two to four
characters, and a caseworker types one or two): each text is normalised (NFKC, case
folded, only letters and digits kept) and indexed by its bigrams, with its single
characters for a one-character fragment, in one row a household (its members' names
and its address; `rowid` its `hkey`, the order it was registered in) of each backend's
own full-text index. SQLite: an FTS5 table, its `ascii` tokenizer keeping every
non-ASCII character; a fragment is the phrase of its bigrams, and FTS5 gives the
matching rows in rowid order, so a page of a common fragment (王, 南湖路) reads only its
first rows. PostgreSQL: the grams as text arrays under GIN indexes, a fragment's grams
all contained. Both then check the fragment is a substring of the normalised text, so
both answer the same. A trigram index (FTS5 `trigram`, `pg_trgm`) finds nothing
shorter than three characters: most name searches.

`ops_for` needs the key: the runner binds it (`bound`); the spec in `VIEWS` refuses to
hash without one."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from eventsourcing.utils import get_topic

from domain.household import Household
from domain.idnumber import mask_id_number
from projections.interface import Op

NAME = "search"
TABLES = (
    "ledger_search_households",
    "ledger_search_text",
    "ledger_search_members",
    "ledger_search_applications",
)
TOPICS = tuple(
    get_topic(cls)
    for cls in (
        Household.Registered,
        Household.CaseworkerAssigned,
        Household.MemberAdded,
        Household.MemberMovedIn,
        Household.MemberMovedOut,
        Household.MemberChanged,
        Household.ApplicationSubmitted,
        Household.ApplicationReceived,
    )
)

# An ID number as typed into a search box (its check digit is checked after).
ID_NUMBER = re.compile(r"^\s*\d{17}[\dXx]\s*$")


class MissingIndexKey(RuntimeError):
    """The search view was asked to index an ID number without the index key."""


def normalise(text: str) -> str:
    """What a name, an address or a fragment is compared as: NFKC (full-width digits and
    letters become the common ones), case folded, only letters and digits kept (spaces,
    the middle dot of a transcribed name and punctuation go)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def grams(text: str) -> str:
    """The index's tokens of a normalised text, space-separated: its bigrams in order
    (consecutive positions, so a fragment's bigrams are a phrase), then each character
    once (for one-character fragments)."""
    pairs = [text[i : i + 2] for i in range(len(text) - 1)]
    return " ".join([*pairs, *dict.fromkeys(text)])


def fragment_grams(fragment: str) -> list[str]:
    """The grams a normalised fragment must find: its bigrams, or its one character."""
    if len(fragment) < 2:
        return [fragment]
    return [fragment[i : i + 2] for i in range(len(fragment) - 1)]


def fts_phrase(fragment: str) -> str:
    """The FTS5 query of a normalised fragment: the phrase of its grams. Grams hold
    letters and digits only, so nothing in them needs quoting."""
    return '"' + " ".join(fragment_grams(fragment)) + '"'


def id_hash(key: bytes, id_number: str) -> str:
    """The index's keyed hash of an ID number in canonical form."""
    return hmac.new(key, id_number.strip().upper().encode(), hashlib.sha256).hexdigest()


def bound(key: bytes | None) -> Callable[[Any, int], list[Op]]:
    """`ops_for` with the index key (None: refuse to index an ID number)."""

    def ops(event: Any, notification_id: int) -> list[Op]:
        return ops_for(event, notification_id, key)

    return ops


def unbound(event: Any, notification_id: int) -> list[Op]:
    return ops_for(event, notification_id, None)


def ops_for(event: Any, notification_id: int, key: bytes | None) -> list[Op]:
    hid = event.originator_id
    if isinstance(event, Household.Registered):
        address = normalise(event.address)
        return [
            Op(
                "search_household",
                {
                    "household_id": hid,
                    "hkey": notification_id,
                    "region_code": event.region_code,
                    "residence": event.residence,
                    "address": event.address,
                    "registered_on": event.effective_on,
                    "caseworker": event.actor,
                    "assigned_on": event.effective_on,
                },
            ),
            Op(
                "search_text",
                {
                    "hkey": notification_id,
                    "household_id": hid,
                    "norm": address,
                    "grams": grams(address),
                },
            ),
        ]
    if isinstance(event, Household.CaseworkerAssigned):
        return [
            Op(
                "search_assign",
                {
                    "household_id": hid,
                    "caseworker": event.caseworker,
                    "assigned_on": event.effective_on,
                },
            )
        ]
    if isinstance(event, Household.MemberAdded | Household.MemberMovedIn):
        if key is None:
            raise MissingIndexKey(
                "the search view indexes ID numbers under LEDGER_ID_INDEX_KEY: its runner "
                "needs the key (projections.runner.bound_views)"
            )
        name = normalise(event.name)
        return [
            Op(
                "search_member",
                {
                    "household_id": hid,
                    "member_id": event.member_id,
                    "name": event.name,
                    "id_hash": id_hash(key, event.id_number),
                    "id_masked": mask_id_number(event.id_number.strip().upper()),
                    "relation": event.relation,
                    "nid": notification_id,
                },
            ),
            Op("search_name", {"household_id": hid, "norm": name, "grams": grams(name)}),
        ]
    if isinstance(event, Household.MemberMovedOut) or (
        isinstance(event, Household.MemberChanged) and event.changes.get("left_household")
    ):
        return [
            Op(
                "search_left",
                {
                    "household_id": hid,
                    "member_id": event.member_id,
                    "left_on": event.effective_on,
                    "nid": notification_id,
                },
            )
        ]
    if isinstance(event, Household.ApplicationSubmitted | Household.ApplicationReceived):
        return [
            Op(
                "search_application",
                {
                    "application_id": event.application_id,
                    "household_id": hid,
                    "programme": event.programme,
                },
            )
        ]
    return []


# ------------------------------------------------------------------ the queries

# An application's stage from the applications view's row: the rule of
# `PathRecord.stage` (services/applications.py `row_stage` reads the same row).
STAGE_OF_ROW = (
    "CASE WHEN a.withdrawn_on IS NOT NULL THEN 'withdrawn' "
    "WHEN a.decided_on IS NOT NULL THEN 'decided' "
    "WHEN a.notice_until IS NOT NULL THEN 'noticed' "
    "WHEN a.investigated_on IS NOT NULL AND (a.reopened_on IS NULL "
    "OR a.investigated_on >= a.reopened_on) THEN 'investigated' "
    "WHEN a.report_on IS NOT NULL THEN 'checked' ELSE 'received' END"
)
COLUMNS = (
    "h.household_id, h.hkey, h.region_code, h.residence, h.address, h.registered_on, "
    "h.caseworker, h.assigned_on"
)
BY = ("id_number", "name", "address", "text")  # text: a name or an address
_COLUMNS = {"name": ("name",), "address": ("address",), "text": ("name", "address")}


def fts_query(by: str, fragment: str) -> str:
    """SQLite: the FTS5 query of a normalised fragment, the phrase of its grams in the
    columns `by` names. Grams hold letters and digits only: nothing needs quoting."""
    columns = " ".join(f"{c}_grams" for c in _COLUMNS[by])
    return "{" + columns + "} : " + fts_phrase(fragment)


def _text_match(by: str, dialect: str, *, indexed: bool = True) -> str:
    """The fragment's grams found (`:match` on SQLite, `:gram_list` on PostgreSQL), and
    the fragment (`:norm`) a substring of the normalised text, in the columns of `by`
    (not `indexed`: the substring alone, for rows read in order without the index)."""
    if dialect == "sqlite":
        found = " OR ".join(f"instr({c}_norm, :norm) > 0" for c in _COLUMNS[by])
        return f"ledger_search_text MATCH :match AND ({found})"
    grams = "{c}_set @> string_to_array(:gram_list, ' ') AND " if indexed else ""
    return (
        "("
        + " OR ".join(f"({grams.format(c=c)}strpos({c}_norm, :norm) > 0)" for c in _COLUMNS[by])
        + ")"
    )


# PostgreSQL: the text rows a first look reads in order after the cursor (see
# `search_statements`).
WINDOW = 3000


def search_statements(
    dialect: str,
    *,
    by: str | None,
    region: bool = False,
    caseworker: bool = False,
    category: bool = False,
    programme: bool = False,
    stage: bool = False,
) -> list[str]:
    """The households matching, after the cursor `:after` (an `hkey`), in `hkey` order
    (the order they were registered in), `:limit` of them. `by`: what `q` is matched
    against (None: the filters alone); each filter named True takes its parameter
    (`:region_lo` and `:region_hi`, `:caseworker`, `:category` with `:on`,
    `:programme`, `:stage`).

    One statement, or two to try in turn: the first answers when it fills the page
    (`:limit` rows), else the next. A fragment is looked for in the households' text
    rows in their order, so that a page of a common one (王, 解放东路) reads only the
    first rows: SQLite's FTS5 hands its matches over in that order. PostgreSQL's GIN
    index cannot, and its planner, which takes a fragment's bigrams as independent,
    reckons a common street a rare one and sorts thousands of rows; so it first reads
    the next `WINDOW` rows in order (a common fragment fills the page there), and only
    when they do not fill it asks the index (which then finds few)."""
    if by is not None and by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    where = _filters(region, caseworker, category, programme, stage)
    if by in _COLUMNS:
        # PostgreSQL: the cursor as a filter (`+ 0`), not an index range that its
        # planner would AND with the GIN index's rows (all of the table's on page one).
        after = "ledger_search_text.rowid" + ("" if dialect == "sqlite" else " + 0")
        match = [_text_match(by, dialect), f"{after} > :after", *where]
        tail = " AND ".join(match) + " ORDER BY ledger_search_text.rowid LIMIT :limit"
        join = " JOIN {s}.ledger_search_households h ON h.hkey = ledger_search_text.rowid WHERE "
        full = f"SELECT {COLUMNS} FROM {{s}}.ledger_search_text" + join + tail
        if dialect == "sqlite":
            return [full]
        first = [
            _text_match(by, dialect, indexed=False),
            "ledger_search_text.rowid > :after",
            *where,
        ]
        window = (
            f"SELECT {COLUMNS} FROM (SELECT rowid, name_norm, address_norm FROM "
            f"{{s}}.ledger_search_text WHERE rowid > :after ORDER BY rowid LIMIT {WINDOW}) "
            "AS ledger_search_text"
            + join.replace("{s}.ledger_search_text", "ledger_search_text")
            + " AND ".join(first)
            + " ORDER BY ledger_search_text.rowid LIMIT :limit"
        )
        return [window, full]
    where.insert(0, "h.hkey > :after")
    if by == "id_number":
        # The number's member rows (an index), then their households by id: PostgreSQL
        # reads the few ids first (an array), whatever its statistics say.
        found = "SELECT household_id FROM {s}.ledger_search_members WHERE id_hash = :id_hash"
        if dialect == "sqlite":
            where.append(f"h.household_id IN ({found})")
        else:
            where.append(f"h.household_id = ANY (ARRAY({found}))")
    return [
        f"SELECT {COLUMNS} FROM {{s}}.ledger_search_households h WHERE "
        + " AND ".join(where)
        + " ORDER BY h.hkey LIMIT :limit"
    ]


def _filters(
    region: bool, caseworker: bool, category: bool, programme: bool, stage: bool
) -> list[str]:
    where = []
    if region:
        where.append("h.region_code >= :region_lo AND h.region_code < :region_hi")
    if caseworker:
        where.append("h.caseworker = :caseworker")
    if category:
        where.append(
            "EXISTS (SELECT 1 FROM {s}.ledger_categories c WHERE c.household_id = h.household_id "
            "AND c.category = :category AND c.effective_from <= :on "
            "AND (c.effective_to IS NULL OR c.effective_to > :on))"
        )
    if stage:
        where.append(
            "EXISTS (SELECT 1 FROM {s}.ledger_applications a WHERE a.household_id = "
            f"h.household_id AND {STAGE_OF_ROW} = :stage"
            + (" AND a.programme = :programme)" if programme else ")")
        )
    elif programme:
        where.append(
            "EXISTS (SELECT 1 FROM {s}.ledger_search_applications p WHERE p.household_id = "
            "h.household_id AND p.programme = :programme)"
        )
    return where


def region_range(prefix: str) -> tuple[str, str]:
    """The codes a region's households have, as a range of text (`lo <= code < hi`), which
    an index serves on both backends: the prefix, and the prefix's number plus one."""
    return prefix, f"{int(prefix) + 1:0{len(prefix)}d}"


def listed(name: str, count: int) -> str:
    """`:name0, :name1, ...`: the parameters of an IN list."""
    return ", ".join(f":{name}{i}" for i in range(count))


def page_members(count: int) -> str:
    """The members of a page's households (the caller puts them in `added_nid` order:
    sorted here, PostgreSQL without statistics scans the whole table)."""
    return (
        "SELECT household_id, member_id, name, id_hash, id_masked, relation, left_on, "
        "added_nid FROM {s}.ledger_search_members WHERE household_id IN ("
        + listed("h", count)
        + ")"
    )


def page_id_numbers(count: int) -> str:
    """The whole ID numbers, for the roles that see them: from the care view (the search
    view holds none)."""
    return (
        "SELECT household_id, member_id, id_number FROM {s}.ledger_member_identity "
        "WHERE household_id IN (" + listed("h", count) + ")"
    )


def page_categories(count: int) -> str:
    return (
        "SELECT household_id, category, member_id FROM {s}.ledger_categories "
        "WHERE household_id IN (" + listed("h", count) + ") AND effective_from <= :on "
        "AND (effective_to IS NULL OR effective_to > :on) ORDER BY household_id, category"
    )


# The worklist's reads (services/worklist.py): the care and applications views' rows of
# the households a caseworker is responsible for.
MINE = (
    "household_id IN (SELECT household_id FROM {s}.ledger_search_households "
    "WHERE caseworker = :caseworker)"
)
MY_HOUSEHOLDS = (
    "SELECT household_id, region_code FROM {s}.ledger_search_households "
    "WHERE caseworker = :caseworker"
)
MY_CATEGORIES = (
    "SELECT household_id, category, member_id, effective_from, effective_to "
    f"FROM {{s}}.ledger_categories WHERE {MINE}"
)
MY_FACTS = (
    "SELECT household_id, member_id, effective_on, fact, value, notification_id, idx "
    f"FROM {{s}}.ledger_member_facts WHERE {MINE} ORDER BY effective_on, notification_id, idx"
)
MY_VISITS = f"SELECT household_id, visited_on FROM {{s}}.ledger_visits WHERE {MINE}"
MY_MAJOR = (
    f"SELECT household_id, reported_on, stabilised_on FROM {{s}}.ledger_major_changes WHERE {MINE}"
)
MY_APPLICATIONS = (
    "SELECT a.*, h.region_code FROM {s}.ledger_applications a "
    "JOIN {s}.ledger_search_households h ON h.household_id = a.household_id "
    "WHERE h.caseworker = :caseworker ORDER BY a.received_on, a.application_id"
)
MY_PAUSES = (
    "SELECT p.application_id, p.from_on, p.to_on FROM {s}.ledger_application_pauses p "
    "JOIN {s}.ledger_applications a ON a.application_id = p.application_id "
    "JOIN {s}.ledger_search_households h ON h.household_id = a.household_id "
    "WHERE h.caseworker = :caseworker ORDER BY p.notification_id"
)


def page_heads(count: int) -> str:
    """Each household's address and the head's name (present members, first added)."""
    return (
        "SELECT h.household_id, h.region_code, h.address, m.name FROM "
        "{s}.ledger_search_households h LEFT JOIN {s}.ledger_search_members m "
        "ON m.household_id = h.household_id AND m.relation = 'head' AND m.left_on IS NULL "
        "WHERE h.household_id IN (" + listed("h", count) + ") ORDER BY m.added_nid"
    )


def stream_versions(count: int) -> str:
    """The last version of each of these streams (the trigger-kept heads). Their ids as
    the event store keeps them: a UUID on PostgreSQL, its hex on SQLite."""
    return (
        "SELECT originator_id, originator_version FROM {s}.ledger_stream_heads "
        "WHERE originator_id IN (" + listed("h", count) + ")"
    )
