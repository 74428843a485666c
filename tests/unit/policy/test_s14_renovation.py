"""Plan §14 renovation grants (domain/policy/s14_renovation.py): at most 30,000 per
household across its grants; worked example 13."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidInputError, PolicyRuleError
from domain.money import yuan
from tests.unit.policy.builders import approve, make


def test_s14_renovation_cap_across_grants(book):
    """Worked example 13 (§14): 25,000 then 10,000 requested: the second is cut to 5,000; a third is
    refused."""
    h, _ = make(book, "dibao")
    first = approve(h, book, "renovation_grant", date(2025, 3, 1), details={"requested": "25000"})
    second = approve(h, book, "renovation_grant", date(2025, 6, 1), details={"requested": "10000"})
    assert [first.entitlements[0]["amount_fen"], second.entitlements[0]["amount_fen"]] == [
        yuan(25000),
        yuan(5000),
    ]
    with pytest.raises(PolicyRuleError):
        approve(h, book, "renovation_grant", date(2025, 9, 1), details={"requested": "1"})


def test_s14_renovation_request_of_zero_is_refused(book):
    """§14: a renovation grant asks for more than 0.00; nothing is recorded."""
    h, _ = make(book, "dibao")
    h.collect_events()
    with pytest.raises(InvalidInputError) as caught:
        approve(h, book, "renovation_grant", date(2025, 3, 1), details={"requested": "0"})
    assert caught.value.field == "details.requested"
    assert h.collect_events() == [] and h.grants == []


def test_s14_a_renovation_refused_once_the_cap_is_used_records_nothing(book):
    """§14: after 30,000 of grants a further request of 1.00 is refused; no event."""
    h, _ = make(book, "dibao")
    approve(h, book, "renovation_grant", date(2025, 3, 1), details={"requested": "30000"})
    app_id = h.submit_application(
        programme="renovation_grant",
        effective_from=date(2025, 6, 1),
        means=None,
        member_id=None,
        details={"requested": "1"},
        actor="cw",
    )
    h.collect_events()
    with pytest.raises(PolicyRuleError) as caught:
        h.determine(app_id, decision="approve", reason="ok", actor="ap", book=book)
    assert caught.value.field == "details.requested"
    assert h.collect_events() == []
    assert [g["amount_fen"] for g in h.grants] == [yuan(30000)]
