"""The monthly public list (长期公示) of a village's or community's recipients: what the
notice board outside the village office shows, and nothing more.

The plan's supervision (四(四)) and the dibao rules ask for the recipients to be made
public so that neighbours can object. What is public, and only that: the village or
community (its region code and the county's name), the name of the household's head (or
of the member, for a person's category) masked to its first and last characters
(张*三; a two-character name 张*), the category in words, the persons it covers and the
monthly amount in force on the month's first day. Never an ID number, an address, an
income, a reason (a one-person dibao's illness is not shown) or a member's details.

Categories listed: dibao (低保), tekun (特困), one-person dibao (单人户低保) and marginal
(低保边缘); low-income households are not listed (a wider group whose help is not a
monthly allowance of the same kind). A suspended entitlement is not listed for the
month. The supervision hotline is the bureau's (setting `LEDGER_SUPERVISION_HOTLINE`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.errors import InvalidInputError
from domain.household.state import SUSPENSION
from domain.money import format_yuan
from domain.policy.registry import REGISTRY
from domain.standards import validate_region_code
from projections import sql
from services.ledger import Ledger

PUBLISHED = ("dibao", "tekun", "dibao_single", "marginal")


@dataclass(frozen=True)
class PublicRow:
    region_code: str
    name: str  # masked
    category: str
    category_zh: str
    persons: int
    monthly_fen: int


def mask_name(name: str) -> str:
    """张三 -> 张*, 张小三 -> 张*三, 欧阳小明 -> 欧**明 (first and last kept)."""
    text = name.strip()
    if len(text) <= 1:
        return "*"
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]


def month_start(month: str) -> date:
    try:
        year, number = (int(p) for p in month.split("-"))
        return date(year, number, 1)
    except ValueError:
        raise InvalidInputError(
            f"month must be YYYY-MM such as 2025-06; got {month!r}", "month"
        ) from None


def public_list(ledger: Ledger, region: str, month: str) -> list[PublicRow]:
    """The list of `region` (a village or community code, or any prefix of one: a
    township, a county) for `month`, ordered by region, name, category, persons and
    amount. Read from the views (five queries, however many households): the categories
    in force on the month's first day, each entitlement's change point in force then
    (the latest on or before it, of two on one date the later recorded, as the
    household's timeline keeps them), the members present then (the care view's facts:
    arrived and not left) and their names and relations (the search view's rows)."""
    validate_region_code(region, "region")
    on = month_start(month)
    ledger.runner.catch_up()
    params = {"prefix": region + "%", "on": on}
    views = ledger.views
    regions = {
        str(r["household_id"]): str(r["region_code"])
        for r in views.query(sql.PUBLIC_HOUSEHOLDS, params)
    }
    in_force: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in views.query(sql.PUBLIC_ENTITLEMENTS, params):  # by date, then as recorded
        in_force[(str(row["household_id"]), row["programme"], row["member_id"])] = row
    members: dict[str, dict[str, tuple[str, str]]] = {}
    for row in views.query(sql.PUBLIC_MEMBERS, params):  # in the order first added
        members.setdefault(str(row["household_id"]), {})[row["member_id"]] = (
            row["name"],
            row["relation"],
        )
    left: dict[tuple[str, str], bool] = {}
    for row in views.query(sql.PUBLIC_LEFT, params):  # the last value on `on` wins
        key = (str(row["household_id"]), row["member_id"])
        gone = left.get(key, False)
        left[key] = (row["value"] == "True") if row["fact"] == "left_household" else gone
    rows: list[PublicRow] = []
    for span in views.query(sql.PUBLIC_CATEGORIES, params):
        category, member_id = span["category"], span["member_id"]
        hid = str(span["household_id"])
        if category not in PUBLISHED or hid not in regions:
            continue
        point = in_force.get((hid, category, member_id))
        if point is not None and (_truth(point["ended"]) or point["cause"] == SUSPENSION):
            point = None  # ended, or suspended (not paid that month)
        if category != "marginal" and point is None:
            continue  # no allowance in force that month (suspended, or not yet)
        people = members.get(hid, {})
        if member_id:
            name, persons = people.get(member_id, ("", ""))[0], 1
        else:
            present = [(n, r) for m, (n, r) in people.items() if left.get((hid, m)) is False]
            head = next((p for p in present if p[1] == "head"), present[0] if present else None)
            name, persons = (head[0] if head else ""), len(present)
        monthly = int(point["monthly_fen"]) if point is not None else 0
        rows.append(
            PublicRow(
                regions[hid],
                mask_name(name),
                category,
                REGISTRY[category].title_zh,
                persons,
                monthly,
            )
        )
    return sorted(rows, key=lambda r: (r.region_code, r.name, r.category, r.persons, r.monthly_fen))


def _truth(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def as_csv(rows: list[PublicRow], hotline: str) -> str:
    """The list as CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["村（社区）", "姓名", "救助类别", "保障人数", "月保障金额（元）"])
    for r in rows:
        writer.writerow(
            [r.region_code, r.name, r.category_zh, r.persons, format_yuan(r.monthly_fen)]
        )
    writer.writerow([])
    writer.writerow(["监督电话", hotline])
    return out.getvalue()
