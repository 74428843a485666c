"""POLICY ch. 14, ch. 15 (domain/policy/application_path.py): the figures of the
application's path and of periodic review are PARAM standards with the rulebook's
defaults, and each is a whole count."""

from datetime import date
from fractions import Fraction

import pytest

from domain.errors import PolicyRuleError
from domain.policy import application_path
from domain.standards import KEYS, validate_change

DEFAULTS = {
    "check_answer_days": 5,
    "investigators_min": 2,
    "public_notice_days": 7,
    "decision_working_days": 30,
    "decision_working_days_max": 45,
    "appeal_days": 60,
    "review_months_stable": 12,
    "review_months_variable": 6,
    "phase_out_months": 6,
    "documents_followup_days": 10,
}


def test_the_defaults_are_the_rulebooks_params(book):
    assert [p.key for p in application_path.PARAMETERS] == list(DEFAULTS)
    for key, value in DEFAULTS.items():
        assert key in KEYS
        assert book.ratio(key, date(2025, 7, 1))[0] == value
        [default] = KEYS[key].defaults
        assert default.placeholder
        assert default.basis.startswith(("PARAM POLICY ch. 14:", "PARAM POLICY ch. 15:"))


@pytest.mark.parametrize("value", [Fraction(0), Fraction(-3), Fraction(61, 2)])
def test_a_count_is_a_whole_number_of_one_or_more(book, value):
    with pytest.raises(PolicyRuleError) as error:
        validate_change(
            book,
            key="decision_working_days",
            value=value,
            effective_from=date(2026, 1, 1),
            cited_income_growth=None,
            cited_urban_consumption_fen=None,
            override_reason=None,
        )
    assert error.value.field == "value"


def test_a_whole_count_is_accepted(book):
    validate_change(
        book,
        key="appeal_days",
        value=Fraction(90),
        effective_from=date(2026, 1, 1),
        cited_income_growth=None,
        cited_urban_consumption_fen=None,
        override_reason=None,
    )
