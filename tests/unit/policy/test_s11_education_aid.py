"""Plan §11 education aid (domain/policy/s11_education_aid.py): per child and school
year, by stage, half for a marginal household's child; worked example 12."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import ConflictError, InvalidInputError, PolicyRuleError
from domain.money import yuan
from tests.helpers import id_number
from tests.unit.policy.builders import approve, make


def test_s11_education_aid(book):
    """Worked example 12 (§11): a dibao child at university 5,000 (PARAM); a marginal-household
    child in senior high half of 2,000 = 1,000; one grant per child and school year."""
    dibao, [_, child] = make(book, "dibao")
    result = approve(
        dibao,
        book,
        "education_aid",
        date(2025, 9, 1),
        member_id=child,
        details={"school_year": "2025-2026", "stage": "university"},
    )
    assert result.entitlements[0]["amount_fen"] == yuan(5000)
    with pytest.raises(ConflictError):
        approve(
            dibao,
            book,
            "education_aid",
            date(2025, 9, 2),
            member_id=child,
            details={"school_year": "2025-2026", "stage": "university"},
        )
    marginal, [_, kid, _] = make(book, "marginal", members=3, income=54000)
    assert approve(
        marginal,
        book,
        "education_aid",
        date(2025, 9, 1),
        member_id=kid,
        details={"school_year": "2025-2026", "stage": "senior"},
    ).entitlements[0]["amount_fen"] == yuan(1000)


def education(h, book, member_id, **details):
    return approve(h, book, "education_aid", date(2025, 9, 1), member_id=member_id, details=details)


def test_s11_an_orphan_in_a_marginal_household_gets_the_full_education_aid(book):
    """§11 低保家庭子女(孤儿): an orphaned grandchild (relation other, senior high recorded)
    in a marginal household gets the full 2,000.00, not half."""
    h, _ = make(book, "marginal", members=3, income=54000)
    orphan = h.add_member(
        name="孤儿",
        id_number=id_number(),
        relation="other",
        birth_on=date(2009, 3, 1),
        joined_on=date(2025, 1, 1),
        actor="cw",
        school_stage="senior",
    )
    result = education(h, book, orphan, school_year="2025-2026", orphan=True)
    assert result.entitlements[0]["amount_fen"] == yuan(2000)


def test_s11_a_marginal_preschool_child_gets_half_the_education_aid(book):
    """§11: a marginal-household child in preschool: 50% of 1,000.00 = 500.00."""
    h, [_, kid, _] = make(book, "marginal", members=3, income=54000)
    result = education(h, book, kid, school_year="2025-2026", stage="preschool")
    assert result.entitlements[0]["amount_fen"] == yuan(500)


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({}, "details.school_year"),
        ({"school_year": "whenever"}, "details.school_year"),
        ({"school_year": "2025-2027"}, "details.school_year"),
        ({"school_year": 2025}, "details.school_year"),
        ({"school_year": "2025-2026", "stage": "kindergarten"}, "details.stage"),
    ],
)
def test_s11_education_aid_needs_a_school_year(book, details, field):
    """§11 is per school year: "YYYY-YYYY" of two consecutive years; refused at
    submission naming the field, nothing recorded."""
    h, [_, child] = make(book, "dibao")
    h.collect_events()
    with pytest.raises(InvalidInputError) as caught:
        education(h, book, child, **details)
    assert caught.value.field == field
    assert h.collect_events() == []


def test_s11_education_aid_is_per_child(book):
    """§11 子女: the dibao household's head with a stage in the details is refused; a
    child with no school stage recorded gets it by the stage in the details (5,000)."""
    h, [head, child] = make(book, "dibao")
    with pytest.raises(PolicyRuleError) as caught:
        education(h, book, head, school_year="2025-2026", stage="university")
    assert caught.value.field == "member_id"
    result = education(h, book, child, school_year="2025-2026", stage="university")
    assert result.entitlements[0]["amount_fen"] == yuan(5000)
