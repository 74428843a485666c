"""The standards book itself (domain/standards.py, POLICY ch. 3), across plan items: the
defaults in force on either side of their dates, and the seeding of keys added since a
ledger was opened. Each item's own bounds are tested in tests/unit/policy/."""

from datetime import date
from fractions import Fraction

import pytest

from domain.money import yuan
from domain.standards import (
    CITY_CODE,
    Standards,
    StandardsBook,
    add_missing_seeds,
    default_city_standards,
    seeds,
)

ON = date(2025, 7, 1)  # dibao 15,000 a year (1,250 a month) is in force


@pytest.fixture
def book() -> StandardsBook:
    return StandardsBook(default_city_standards())


def test_defaults_follow_the_policy(book):
    """POLICY ch. 3: dibao 13,800 before 2025 (PARAM), 15,000 from 2025-01-01 (SEED §2)."""
    assert book.money("dibao_standard_annual", date(2024, 12, 31))[0] == yuan(13800)
    assert book.money("dibao_standard_annual", date(2025, 1, 1))[0] == yuan(15000)
    assert book.ratio("marginal_multiplier", ON)[0] == Fraction(3, 2)
    assert book.money("medical_cap_individual_annual", ON)[0] == yuan(30000)
    assert book.money("medical_cap_household_annual", ON)[0] == yuan(50000)
    assert book.money("disaster_house_collapsed", date(2023, 12, 12))[0] == yuan(20000)
    assert book.money("disaster_house_collapsed", date(2023, 12, 13))[0] == yuan(25000)


def test_an_older_ledger_gets_the_defaults_of_keys_added_since():
    """A city stream opened before `cpi_yoy` and `eldercare_min_age` existed gets their
    defaults (CPI rise 0, age 60) recorded when the ledger opens, once; a key with a value
    of its own (the dibao standard) is left alone."""
    city = Standards.open(CITY_CODE, "system:seed", date(2023, 1, 1))
    for seed in seeds():
        if seed.key not in ("cpi_yoy", "eldercare_min_age"):
            city.record_change(
                key=seed.key,
                value=seed.value,
                effective_from=seed.effective_from,
                basis="old",
                actor="system:seed",
            )
    versions = len(city.changes)
    assert add_missing_seeds(city) == 2 and add_missing_seeds(city) == 0
    book = StandardsBook(city)
    assert book.ratio("cpi_yoy", date(2025, 1, 1))[0] == 0
    assert book.ratio("eldercare_min_age", date(2025, 1, 1))[0] == 60
    assert len(city.changes) == versions + 2
    assert [c.key for c in city.changes[versions:]] == ["eldercare_min_age", "cpi_yoy"]
