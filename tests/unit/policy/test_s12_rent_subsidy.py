"""Plan §12 rent subsidy (domain/policy/s12_rent_subsidy.py): the tier ratio of the
average market rent, at least 40%; worked example 19. One test covers §12 with a §27 refusal."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidInputError, PolicyRuleError
from domain.money import yuan
from tests.unit.policy.builders import approve, make


def test_s12_rent_subsidy_and_its_floor(book):
    """Worked example 19 (§12): tier ratio 0.5 of an average market rent of 2,400 -> 1,200.00 a
    month; a tier ratio of 0.35 is refused (below 40%)."""
    h, _ = make(book, "dibao")
    result = approve(
        h,
        book,
        "rent_subsidy",
        date(2025, 1, 1),
        details={"tier_ratio": "0.5", "average_market_rent": "2400"},
    )
    assert result.entitlements[0]["monthly_fen"] == yuan(1200)
    other, _ = make(book, "dibao")
    with pytest.raises(PolicyRuleError) as caught:
        approve(
            other,
            book,
            "rent_subsidy",
            date(2025, 1, 1),
            details={"tier_ratio": "0.35", "average_market_rent": "2400"},
        )
    assert caught.value.field == "details.tier_ratio"


@pytest.mark.parametrize(
    ("programme", "details", "elder"),
    [
        ("rent_subsidy", {"tier_ratio": "0.35", "average_market_rent": "2400"}, False),
        ("eldercare_service_subsidy", {"care": "home_community"}, False),
    ],
)
def test_s12_s27_refused_subsidies_record_nothing(book, programme, details, elder):
    """§12 a tier ratio of 0.35 is below 40%; §27 a member of 17 is under 60: the
    approval is refused and records nothing (no determination, no entitlement)."""
    h, [head, child] = make(book, "dibao")
    app_id = h.submit_application(
        programme=programme,
        effective_from=date(2025, 1, 1),
        means=None,
        member_id=head if elder else child,
        details=details,
        actor="cw",
    )
    h.collect_events()
    with pytest.raises(PolicyRuleError):
        h.determine(app_id, decision="approve", reason="ok", actor="ap", book=book)
    assert h.collect_events() == []
    assert h.applications[app_id].decision is None
    assert [key for key, _ in h.entitlements_on(date(2025, 1, 1))] == ["dibao"]


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"tier_ratio": "1.5", "average_market_rent": "2400"}, "details.tier_ratio"),
        ({"tier_ratio": "abc", "average_market_rent": "2400"}, "details.tier_ratio"),
        ({"tier_ratio": 0.5, "average_market_rent": "2400"}, "details.tier_ratio"),
        ({"tier_ratio": "0.5", "average_market_rent": "0"}, "details.average_market_rent"),
        ({"tier_ratio": "0.5"}, "details.average_market_rent"),
    ],
)
def test_s12_malformed_rent_details_are_refused_at_submission(book, details, field):
    """§12: the tier ratio is a share of the rent, at most 1 (1.5 once gave 3,600.00 a
    month on a rent of 2,400); the rent is more than 0; nothing is recorded."""
    h, _ = make(book, "dibao")
    h.collect_events()
    with pytest.raises(InvalidInputError) as caught:
        approve(h, book, "rent_subsidy", date(2025, 1, 1), details=details)
    assert caught.value.field == field
    assert h.collect_events() == []
