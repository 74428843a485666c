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
from uuid import UUID

from domain.errors import InvalidInputError
from domain.household.state import entitlement_key
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
    township, a county) for `month`, ordered by region and name."""
    validate_region_code(region, "region")
    on = month_start(month)
    ledger.runner.catch_up()
    rows: list[PublicRow] = []
    for found in ledger.views.query(sql.RUN_REGIONS, {}):
        code = str(found["region_code"])
        if not code.startswith(region):
            continue
        rows.extend(_rows_of(ledger, UUID(str(found["household_id"])), code, on))
    return sorted(rows, key=lambda r: (r.region_code, r.name, r.category))


def _rows_of(ledger: Ledger, household_id: UUID, code: str, on: date) -> list[PublicRow]:
    household = ledger.app.household(household_id)
    amounts = {key: point for key, point in household.entitlements_on(on) if not point.suspended}
    present = [m for m in household.members.values() if m.present_on(on)]
    head = next((m for m in present if m.relation == "head"), present[0] if present else None)
    rows = []
    for span in household.categories_on(on):
        if span.category not in PUBLISHED:
            continue
        point = amounts.get(entitlement_key(span.category, span.member_id))
        monthly = point.monthly_fen if point is not None else 0
        if span.member_id is not None:
            person = household.members.get(span.member_id)
            name, persons = (person.name if person else ""), 1
        else:
            name, persons = (head.name if head else ""), len(present)
        if span.category != "marginal" and point is None:
            continue  # no allowance in force that month (suspended, or not yet)
        programme = REGISTRY[span.category]
        rows.append(
            PublicRow(code, mask_name(name), span.category, programme.title_zh, persons, monthly)
        )
    return rows


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
