"""The monthly public list (长期公示, 四(四) supervision) read from the views is the list
the households' own records give: the implementation it replaced, which replayed every
household of the region, is kept here as the reference (`_replayed`) and both are
compared, on both backends, month by month on the demo city and on the cases where the
two ways of reading could part:

- a member who moves out and back (persons counted on the month's first day only while
  present: the head's household of two is one person from April to June);
- a suspended dibao (not listed in a month whose first day it is suspended, listed again
  from its resumption, POLICY ch. 9 suspension);
- a category that ends (dibao replaced by marginal from May: listed as dibao up to April
  at §5/§6 (1,250 - 0) x 2 = 2,500.00, as marginal with no amount from May);
- masked names (张小三 -> 张*三, 欧阳小明 -> 欧**明) and a one-person dibao of a member.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from domain.household.state import entitlement_key
from domain.policy.registry import REGISTRY
from scripts.demo import build_demo_city
from services.public_list import (
    PUBLISHED,
    PublicRow,
    mask_name,
    month_start,
    public_list,
)
from tests.helpers import id_number, means
from tests.path import app_consents, app_decide

CW, AP = "caseworker-li", "approver-wang"
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)] + ["2026-01"]


def _replayed(ledger, region: str, month: str) -> list[PublicRow]:
    """The list as the replaced implementation made it: every household of the ledger
    replayed, its members, categories and entitlements read from the aggregate."""
    on = month_start(month)
    ledger.runner.catch_up()
    rows: list[PublicRow] = []
    for found in ledger.views.query(
        "SELECT household_id, region_code FROM {s}.ledger_households", {}
    ):
        code = str(found["region_code"])
        if not code.startswith(region):
            continue
        household = ledger.app.household(UUID(str(found["household_id"])))
        amounts = {k: p for k, p in household.entitlements_on(on) if not p.suspended}
        present = [m for m in household.members.values() if m.present_on(on)]
        head = next((m for m in present if m.relation == "head"), present[0] if present else None)
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
                continue
            rows.append(
                PublicRow(
                    code,
                    mask_name(name),
                    span.category,
                    REGISTRY[span.category].title_zh,
                    persons,
                    monthly,
                )
            )
    # The replaced list sorted by region, name and category only (rows equal in those came
    # in the view's scan order); the new one orders them fully, by persons and amount too.
    return sorted(rows, key=lambda r: (r.region_code, r.name, r.category, r.persons, r.monthly_fen))


def _household(ledger, region, names, severe=()):
    app = ledger.app
    hid = app.register_household(
        region_code=region,
        residence="urban",
        address="南湖路9号",
        registered_on=date(2025, 1, 2),
        actor=CW,
    )
    members = [
        app.add_member(
            hid,
            actor=CW,
            name=name,
            id_number=id_number(),
            relation="head" if i == 0 else "spouse" if i == 1 else "child",
            birth_on=date(1980, 5, 17),
            joined_on=None,
            severe_illness=i in severe,
        )
        for i, name in enumerate(names)
    ]
    return hid, members


def _approve(ledger, hid, programme, on, income=None, member_id=None):
    app_id = ledger.app.submit_application(
        hid,
        programme=programme,
        effective_from=on,
        means=None if income is None else means(income),
        member_id=member_id,
        actor=CW,
        consents=app_consents(ledger.app, hid, on),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="核准", actor=AP)


@pytest.fixture
def village(ledger):
    app = ledger.app
    feb = date(2025, 2, 1)
    a, a_members = _household(ledger, "330402001001", ["张小三", "李四"])
    _approve(ledger, a, "dibao", feb, 0)
    b, b_members = _household(ledger, "330402001001", ["王五", "欧阳小明", "王七"], severe=(1,))
    _approve(ledger, b, "marginal", feb, 54000)
    _approve(ledger, b, "dibao_single", feb, member_id=b_members[1])
    c, _ = _household(ledger, "330402001002", ["赵六"])
    _approve(ledger, c, "dibao", feb, 0)
    # 李四 moves to 赵六's household for April to June, then back.
    app.move_member(a, a_members[1], to_household_id=c, effective_on=date(2025, 4, 1), actor=CW)
    app.move_member(c, a_members[1], to_household_id=a, effective_on=date(2025, 7, 1), actor=CW)
    # 赵六's dibao is suspended over March's and April's first days, and over mid-June.
    for command, on in (
        (app.suspend_entitlement, date(2025, 2, 20)),
        (app.resume_entitlement, date(2025, 4, 15)),
        (app.suspend_entitlement, date(2025, 6, 10)),
        (app.resume_entitlement, date(2025, 6, 20)),
    ):
        command(c, "dibao", None, effective_on=on, reason="待复核", actor=AP)
    # 钱八's household: dibao from February, marginal (two at 36,000 a year) from May.
    d, _ = _household(ledger, "330402001001", ["钱八", "孙九"])
    _approve(ledger, d, "dibao", feb, 0)
    _approve(ledger, d, "marginal", date(2025, 5, 1), 36000)
    # 周十 leaves her household (not by a recorded move) from August.
    e, e_members = _household(ledger, "330402001002", ["吴一", "周十"])
    _approve(ledger, e, "dibao", feb, 0)
    app.change_member(
        e,
        e_members[1],
        effective_on=date(2025, 8, 1),
        changes={"left_household": True},
        actor=CW,
    )
    return ledger


def test_the_tricky_cases_read_from_the_views_as_from_the_households(village):
    for region in ("330402001001", "330402001002", "330402001", "330402"):
        for month in MONTHS:
            assert public_list(village, region, month) == _replayed(village, region, month), (
                region,
                month,
            )
    by_month = {
        m: [
            (r.name, r.category, r.persons, r.monthly_fen)
            for r in public_list(village, "330402", m)
        ]
        for m in MONTHS
    }
    # 张小三's household of two: one person from April (李四 moved out) to June, two again
    # from July; two for dibao 2,500.00 a month (§5/§6 (1,250 - 0) x 2).
    assert [(n, p) for n, c, p, _ in by_month["2025-03"] if n == "张*三"] == [("张*三", 2)]
    assert [(n, p) for n, c, p, _ in by_month["2025-05"] if n == "张*三"] == [("张*三", 1)]
    assert [(n, p) for n, c, p, _ in by_month["2025-07"] if n == "张*三"] == [("张*三", 2)]
    assert ("欧**明", "dibao_single", 1, 125_000) in by_month["2025-03"]
    # 赵六's dibao: suspended on March's and April's first days (not listed), listed again
    # in May; mid-June's suspension covers no first day.
    assert [m for m in MONTHS if any(n == "赵*" for n, *_ in by_month[m])] == MONTHS[1:2] + MONTHS[
        4:
    ]
    # 钱八's household: dibao 2,500.00 up to April, marginal (no monthly amount) from May.
    assert [(c, a) for n, c, _, a in by_month["2025-04"] if n == "钱*"] == [("dibao", 250_000)]
    assert [(c, a) for n, c, _, a in by_month["2025-05"] if n == "钱*"] == [("marginal", 0)]
    # 周十 gone from August: 吴一's household counts one person.
    assert [p for n, _, p, _ in by_month["2025-08"] if n == "吴*"] == [1]


def test_the_demo_city_s_list_is_the_households_own(ledger):
    build_demo_city(ledger, households=120, seed=7)
    for region in ("330402", "330411", "330402001"):
        for month in ("2025-01", "2025-03", "2025-08", "2025-09", "2025-10", "2025-12"):
            listed = public_list(ledger, region, month)
            assert listed == _replayed(ledger, region, month), (region, month)
    assert public_list(ledger, "330402", "2025-10")  # the comparison is not of empty lists
