"""Fixtures shared by the plan-item tests of tests/unit/policy/."""

import pytest

from domain.standards import StandardsBook, default_city_standards


@pytest.fixture
def book() -> StandardsBook:
    return StandardsBook(default_city_standards())
