"""The workspace shows every code in words (issue 17): Chinese first, English with
`?lang=en`. A code without words would show as itself (`MedicalBillRecorded`), so each
kind the pages show is checked here against the ledger's own lists."""

from __future__ import annotations

import inspect
from datetime import date, datetime

import pytest

from api.auth import ROLES
from api.web.forms import ACTIONS
from api.web.i18n import CODES, TEXT, translator
from domain.budgets import BUDGET_STATUSES
from domain.household import Household
from domain.household.state import EMPLOYMENT, RELATIONS, RESIDENCES, HouseholdEvent
from domain.policy.application_path import APPEAL_OUTCOMES, APPEALS, DEPARTMENTS, STAGES
from domain.policy.registry import REGISTRY
from domain.statements import EXCEPTION_KINDS

EVENT_BASES = {"Event", "Created", "BillFiguresEvent"}  # abstract: never recorded as such


def _household_events() -> set[str]:
    return {
        name
        for cls in Household.__mro__
        for name, value in vars(cls).items()
        if inspect.isclass(value) and issubclass(value, HouseholdEvent)
    } - EVENT_BASES


@pytest.mark.parametrize(
    "codes",
    [
        pytest.param(sorted(_household_events()), id="household events"),
        pytest.param(("submitted", *STAGES), id="stages of the path (POLICY ch. 14)"),
        pytest.param(DEPARTMENTS + APPEALS + APPEAL_OUTCOMES, id="checks and appeals"),
        pytest.param(RELATIONS + RESIDENCES + EMPLOYMENT, id="members"),
        pytest.param(ROLES, id="roles (POLICY ch. 9)"),
        pytest.param(("approved", "rejected", "paid", "failed", "returned"), id="outcomes"),
        pytest.param(BUDGET_STATUSES, id="budget statuses and the held line's kind"),
        pytest.param(EXCEPTION_KINDS, id="statement exceptions"),
    ],
)
def test_every_code_the_pages_show_has_words_in_both_languages(codes):
    zh, en = translator("zh"), translator("en")
    for code in codes:
        assert code in CODES, code
        assert zh.code(code) != code and en.code(code), code


def test_every_programme_has_a_chinese_and_an_english_title():
    zh, en = translator("zh"), translator("en")
    for programme in REGISTRY:
        assert zh.code(programme.name) == programme.title_zh != programme.name
        assert en.code(programme.name) == programme.title


def test_every_form_s_title_labels_and_choices_have_words():
    for action in ACTIONS.values():
        assert action.title in TEXT, action.key
        for spec in action.inputs:
            assert spec.label in TEXT, (action.key, spec.name)
            for option in spec.options:
                assert option == "" or option in CODES or option in REGISTRY, (
                    action.key,
                    option,
                )
                # an appeal's "upheld" is the decision's, not the appeal's (维持原决定)
                assert not spec.words or spec.words + option in TEXT, (action.key, option)


def test_dates_and_money_in_chinese_conventions():
    """Issue 17: money as 1,250.00 元 (thousands grouped, two decimals, from integer fen),
    CNY 1,250.00 in English; dates as 2025年9月1日, ISO in English; a payment period as
    2025年2月; a moment as 2025年1月6日 09:05."""
    zh, en = translator("zh"), translator("en")
    assert zh.day("2025-03-01") == "2025年3月1日" and en.day("2025-03-01") == "2025-03-01"
    assert (
        zh.day(date(2025, 9, 1)) == "2025年9月1日"
        and zh.day(date(2025, 12, 31)) == "2025年12月31日"
    )
    assert zh.day(None) == "" and zh.day("") == ""
    assert zh.money(125_000) == "1,250.00 元" and en.money(125_000) == "CNY 1,250.00"
    assert zh.money(75_000) == "750.00 元" and zh.money(0) == "0.00 元"
    assert zh.money(123_456_789) == "1,234,567.89 元"  # 1,234,567 yuan 89 fen
    assert zh.money(-5) == "-0.05 元" and en.money(-5) == "-CNY 0.05"
    assert zh.money(None) == "" and en.money(None) == ""
    assert zh.month("2025-02") == "2025年2月" and en.month("2025-02") == "2025-02"
    assert zh.month("2025-11") == "2025年11月" and zh.month(None) == ""
    moment = datetime(2025, 1, 6, 9, 5)
    assert zh.moment(moment) == "2025年1月6日 09:05" and en.moment(moment) == "2025-01-06 09:05"
    assert zh.join(["张三", "李四"]) == "张三、李四" and en.join(["a", "b"]) == "a, b"
