"""Plan §5 one-person dibao (domain/policy/s05_dibao_single.py): a severely ill or
severely disabled member of a marginal household; worked example 5."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import PolicyRuleError
from domain.household import Household
from domain.policy.registry import REGISTRY
from tests.helpers import id_number, means
from tests.path import consents, decide, walk

ON = date(2025, 7, 1)  # dibao 15,000 a year (1,250 a month) is in force


def make(members: int, severe: tuple[int, ...] = ()) -> Household:
    """A household of `members` members, those in `severe` severely disabled (the builder of
    tests/unit/test_household.py)."""
    h = Household.register(
        region_code="330402",
        residence="urban",
        address="x",
        registered_on=date(2025, 1, 1),
        actor="cw",
    )
    for i in range(members):
        h.add_member(
            name=f"m{i}",
            id_number=id_number(),
            relation="head",
            birth_on=date(1980, 1, 1),
            joined_on=None,
            actor="cw",
            severe_disability=i in severe,
        )
    return h


def test_s05_one_person_dibao_gets_the_full_standard(book):
    """Worked example 5 (§5/§6): 15,000 / 12 = 1,250.00 a month."""
    assert REGISTRY["dibao_single"].amount({}, book, ON).monthly_fen == 125_000


def test_s05_marginal_to_dibao_ends_one_person_dibao(book):
    """§5: one-person dibao needs a marginal household; when the household itself becomes
    dibao the one-person dibao ends from that date and the household allowance starts."""
    h = make(3, severe=(1,))
    member = list(h.members)[1]
    marginal = h.submit_application(
        programme="marginal",
        effective_from=date(2025, 2, 1),
        means=means(54000),
        member_id=None,
        details={},
        actor="cw",
        consents=consents(h, date(2025, 2, 1)),
    )
    decide(h, marginal, book)
    single = h.submit_application(
        programme="dibao_single",
        effective_from=date(2025, 2, 1),
        means=None,
        member_id=member,
        details={},
        actor="cw",
        consents=consents(h, date(2025, 2, 1)),
    )
    decide(h, single, book, reason="重残")
    dibao = h.submit_application(
        programme="dibao",
        effective_from=date(2025, 6, 1),
        means=means(18000),
        member_id=None,
        details={},
        actor="cw",
        consents=consents(h, date(2025, 6, 1)),
    )
    decide(h, dibao, book, reason="收入下降")
    may = dict(h.entitlements_on(date(2025, 5, 31)))
    june = dict(h.entitlements_on(date(2025, 6, 1)))
    assert may == {f"dibao_single/{member}": may[f"dibao_single/{member}"]}
    assert may[f"dibao_single/{member}"].monthly_fen == 125_000
    # (15,000 x 3 - 18,000) / 12 = 2,250.00
    assert {k: p.monthly_fen for k, p in june.items()} == {"dibao": 225_000}
    assert [c.category for c in h.categories_on(date(2025, 6, 1))] == ["dibao"]


def test_s05_one_person_dibao_is_refused_outside_a_marginal_household(book):
    h = make(2, severe=(0,))
    member = next(iter(h.members))
    app_id = h.submit_application(
        programme="dibao_single",
        effective_from=date(2025, 2, 1),
        means=None,
        member_id=member,
        details={},
        actor="cw",
        consents=consents(h, date(2025, 2, 1)),
    )
    on = walk(h, app_id, book)
    with pytest.raises(PolicyRuleError) as caught:
        h.determine(app_id, decision="approve", reason="ok", actor="ap", book=book, on=on)
    assert "marginal" in caught.value.message
