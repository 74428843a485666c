"""The monthly public list (长期公示, 四(四) supervision) on both backends: masked names,
categories, persons and monthly amounts of a village's recipients; nothing else.

Village 330402001001 (南湖区): household A, dibao from 2025-02-01, head 张小三 and spouse
李四, no income: §5/§6 (1,250 - 0) x 2 = 2,500.00 a month. Household B, marginal (three
members at 54,000 a year, 1,500 a head), whose member 欧阳小明 is severely ill and takes
one-person dibao at the full 15,000 / 12 = 1,250.00 (§5). Household D, low-income: not
listed. Village 330402001002: household C, dibao for one with no income: 1,250.00."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidInputError
from services.public_list import as_csv, mask_name, public_list
from tests.helpers import id_number, means
from tests.path import app_consents, app_decide

ON = date(2025, 2, 1)
CW, AP = "caseworker-li", "approver-wang"


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


def _approve(ledger, hid, programme, income=None, member_id=None):
    app_id = ledger.app.submit_application(
        hid,
        programme=programme,
        effective_from=ON,
        means=None if income is None else means(income),
        member_id=member_id,
        actor=CW,
        consents=app_consents(ledger.app, hid, ON),
    )
    app_decide(ledger.app, hid, app_id, decision="approve", reason="核准", actor=AP)


@pytest.fixture
def village(ledger):
    a, _ = _household(ledger, "330402001001", ["张小三", "李四"])
    _approve(ledger, a, "dibao", 0)
    b, b_members = _household(ledger, "330402001001", ["王五", "欧阳小明", "王七"], severe=(1,))
    _approve(ledger, b, "marginal", 54000)
    _approve(ledger, b, "dibao_single", member_id=b_members[1])
    c, _ = _household(ledger, "330402001002", ["赵六"])
    _approve(ledger, c, "dibao", 0)
    d, _ = _household(ledger, "330402001001", ["钱八", "孙九", "周十", "吴一"])
    _approve(ledger, d, "low_income", 96000)
    return ledger


def test_the_village_s_list_shows_masked_names_categories_persons_and_amounts(village):
    rows = public_list(village, "330402001001", "2025-02")
    assert [(r.name, r.category, r.persons, r.monthly_fen) for r in rows] == [
        ("张*三", "dibao", 2, 250_000),
        ("欧**明", "dibao_single", 1, 125_000),
        ("王*", "marginal", 3, 0),
    ]
    # The township's list holds both villages; before the month of approval, nobody.
    township = public_list(village, "330402001", "2025-02")
    assert [(r.region_code, r.name) for r in township][-1] == ("330402001002", "赵*")
    assert public_list(village, "330402001001", "2025-01") == []


def test_the_csv_carries_the_hotline_and_nothing_private(village):
    text = as_csv(public_list(village, "330402001001", "2025-02"), "0573-12345")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "村（社区）,姓名,救助类别,保障人数,月保障金额（元）"
    assert lines[1] == "330402001001,张*三,低保,2,2500.00"
    assert lines[-1] == "监督电话,0573-12345"
    for secret in ("张小三", "欧阳小明", "南湖路", "1980"):
        assert secret not in text


def test_a_bad_month_or_region_is_refused_naming_the_field(village):
    with pytest.raises(InvalidInputError) as refused:
        public_list(village, "330402001001", "2025-13")
    assert refused.value.field == "month"
    with pytest.raises(InvalidInputError) as refused:
        public_list(village, "33x", "2025-02")
    assert refused.value.field == "region"


def test_names_are_masked_to_their_first_and_last_characters():
    assert [mask_name(n) for n in ("张三", "张小三", "欧阳小明", "李", " 王五 ")] == [
        "张*",
        "张*三",
        "欧**明",
        "*",
        "王*",
    ]
