"""Recording medical bills on the Household aggregate, in memory (POLICY ch. 6): bad
figures, members and dates refused naming the field, a settlement number once. The
plan's rules for bills are in tests/unit/policy/: §16 waivers in test_s16_hospital_waiver.py,
§17 caps in test_s17_medical_caps.py."""

from datetime import date

import pytest

from domain.errors import ConflictError, InvalidInputError, NotFoundError
from domain.money import yuan
from domain.policy.s17_medical_caps import BillFigures
from domain.standards import StandardsBook, default_city_standards
from tests.unit.policy.bills import bill, make


@pytest.fixture
def book() -> StandardsBook:
    return StandardsBook(default_city_standards())


@pytest.mark.parametrize(
    ("figures", "field"),
    [
        (BillFigures(yuan(100), yuan(50), yuan(150), {}, ()), "self_paid"),
        (BillFigures(yuan(100), yuan(60), yuan(50), {}, ()), "total"),
        (BillFigures(yuan(100), -1, yuan(100) + 1, {}, ()), "insurance_paid"),
        (BillFigures(yuan(100), yuan(50), yuan(50), {"basic_insurance": yuan(40)}, ()), "payers"),
        (BillFigures(yuan(100), 0, yuan(100), {}, (("drugs", yuan(101)),)), "items"),
    ],
)
def test_bad_bills_are_refused_naming_the_field_and_record_nothing(book, figures, field):
    h, [p] = make(1)
    h.collect_events()
    with pytest.raises(InvalidInputError) as caught:
        h.record_medical_bill(
            member_id=p,
            service_on=date(2025, 3, 1),
            figures=figures,
            settlement_number=None,
            actor="cw",
            book=book,
        )
    assert caught.value.field == field
    assert h.collect_events() == []


@pytest.mark.parametrize(
    ("member", "service_on", "error", "field"),
    [
        ("nobody", date(2025, 3, 1), NotFoundError, "member_id"),
        (None, date(2024, 12, 31), InvalidInputError, "service_on"),  # before joining
        (None, date(2025, 6, 1), InvalidInputError, "service_on"),  # the day they left
        (None, date(2025, 7, 1), InvalidInputError, "service_on"),  # after they left
    ],
)
def test_unknown_member_and_dates_outside_membership_are_refused(
    book, member, service_on, error, field
):
    """A bill for an unknown member, or served outside the member's time in the
    household (joined 2025-01-01, left 2025-06-01), is refused naming the field, and
    nothing is recorded."""
    h, [p] = make(1)
    h.change_member(p, effective_on=date(2025, 6, 1), changes={"left_household": True}, actor="cw")
    h.collect_events()
    with pytest.raises(error) as caught:
        h.record_medical_bill(
            member_id=member or p,
            service_on=service_on,
            figures=BillFigures(yuan(100), 0, yuan(100), {}, ()),
            settlement_number=None,
            actor="cw",
            book=book,
        )
    assert caught.value.field == field
    assert h.collect_events() == []
    assert h.bills == {}


def test_a_settlement_number_is_recorded_once(book):
    h, [p] = make(1)
    bill(h, book, p, 100, settlement="JX2025-0001")
    with pytest.raises(ConflictError):
        bill(h, book, p, 100, settlement="JX2025-0001")
