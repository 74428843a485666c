"""Plan §8 charity living subsidy (domain/policy/s08_charity_living.py): dibao members in full,
marginal members a share of at least 50%; worked example 18. The floors and caps of §8, §12 and §14
on a standards change are checked together here."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from domain.errors import PolicyRuleError
from domain.money import yuan
from tests.unit.policy.builders import _change, approve, make


def test_s08_charity_living_subsidy(book):
    """Worked example 18 (§8): dibao member 100.00 (PARAM); marginal member 50% = 50.00."""
    dibao, [a, _] = make(book, "dibao")
    marginal, [b, _, _] = make(book, "marginal", members=3, income=54000)
    assert approve(
        dibao, book, "charity_living_subsidy", date(2025, 1, 1), member_id=a
    ).entitlements[0]["monthly_fen"] == yuan(100)
    assert approve(
        marginal, book, "charity_living_subsidy", date(2025, 1, 1), member_id=b
    ).entitlements[0]["monthly_fen"] == yuan(50)


@pytest.mark.parametrize(
    ("key", "refused", "allowed", "item"),
    [
        # §8: marginal members get at least 50% of the dibao members' charity subsidy.
        ("charity_subsidy_marginal_share", Fraction(49, 100), Fraction(1, 2), "§8"),
        # §12: the rent subsidy tier ratio is at least 40%.
        ("rent_subsidy_min_ratio", Fraction(39, 100), Fraction(2, 5), "§12"),
        # §14: renovation grants total at most 30,000 yuan per household.
        ("renovation_household_cap", yuan(30000) + 1, yuan(30000), "§14"),
    ],
)
def test_s08_s12_s14_a_change_beyond_the_plans_floor_or_cap_is_refused(
    book, key, refused, allowed, item
):
    """SEED §8 (share >= 50%), §12 (rent ratio floor >= 40%), §14 (renovation cap at most
    30,000.00): a value a hair beyond the bound is refused naming `value` and the item;
    the bound itself, and any value on the allowed side, is accepted."""
    with pytest.raises(PolicyRuleError) as caught:
        _change(book, key, refused)
    assert caught.value.field == "value"
    assert item in caught.value.message and key in caught.value.message
    _change(book, key, allowed)
    _change(book, key, Fraction(3, 5) if key != "renovation_household_cap" else yuan(20000))
