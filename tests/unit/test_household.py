"""The Household aggregate in memory (no database): categories and entitlement timelines."""

from dataclasses import replace
from datetime import date
from uuid import uuid4

import pytest

from domain.errors import (
    ConflictError,
    InvalidInputError,
    SeparationOfDutiesError,
)
from domain.household import Household
from domain.idnumber import check_character
from domain.money import yuan
from domain.standards import StandardsBook, default_city_standards
from tests.helpers import id_number, means
from tests.path import consents, decide, walk


def make(members: int, severe: tuple[int, ...] = ()) -> Household:
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


@pytest.fixture
def book() -> StandardsBook:
    return StandardsBook(default_city_standards())


def test_every_event_has_actor_and_effective_date(book):
    h = make(2)
    app_id = h.submit_application(
        programme="dibao",
        effective_from=date(2025, 3, 1),
        means=means(12000),
        member_id=None,
        details={},
        actor="cw",
        consents=consents(h, date(2025, 3, 1)),
    )
    decide(h, app_id, book)
    events = h.collect_events()
    assert len(events) >= 6
    for event in events:
        assert event.actor in ("cw", "ap")
        assert isinstance(event.effective_on, date)


def test_the_submitter_may_not_determine(book):
    """POLICY ch. 9 separation of duties."""
    h = make(1)
    app_id = h.submit_application(
        programme="dibao",
        effective_from=date(2025, 3, 1),
        means=means(0),
        member_id=None,
        details={},
        actor="same",
        consents=consents(h, date(2025, 3, 1)),
    )
    on = walk(h, app_id, book)
    with pytest.raises(SeparationOfDutiesError):
        h.determine(app_id, decision="approve", reason="ok", actor="same", book=book, on=on)


def test_an_application_is_determined_once(book):
    h = make(1)
    app_id = h.submit_application(
        programme="dibao",
        effective_from=date(2025, 3, 1),
        means=means(0),
        member_id=None,
        details={},
        actor="cw",
        consents=consents(h, date(2025, 3, 1)),
    )
    on = walk(h, app_id, book)
    h.determine(app_id, decision="reject", reason="材料不全", actor="ap", book=book, on=on)
    with pytest.raises(ConflictError):
        h.determine(app_id, decision="approve", reason="ok", actor="ap", book=book, on=on)


def test_adjust_entitlements_is_idempotent(book):
    h = make(4)
    app_id = h.submit_application(
        programme="dibao",
        effective_from=date(2025, 3, 1),
        means=means(24000, 4800),
        member_id=None,
        details={},
        actor="cw",
        consents=consents(h, date(2025, 3, 1)),
    )
    decide(h, app_id, book)
    assert h.adjust_entitlements(book, actor="sys", reason="again") == 0
    assert dict(h.entitlements_on(date(2025, 3, 1)))["dibao"].monthly_fen == yuan(3400)


def test_control_characters_are_refused_by_the_domain_naming_the_field():
    """Issue 8 (hostile input), for the CLI and import paths that skip the API: a NUL (or
    another C0 control) in any string of a new event is refused naming the field, and the
    aggregate records nothing; tab and line breaks in free text are kept."""
    with pytest.raises(InvalidInputError) as refused:
        Household.register(
            region_code="330402",
            residence="urban",
            address="南湖路\x001号",
            registered_on=date(2025, 1, 1),
            actor="cw",
        )
    assert refused.value.field == "address" and "U+0000" in refused.value.message
    h = make(1)
    before = len(h.collect_events())
    with pytest.raises(InvalidInputError) as refused:
        h.add_member(
            name="张\x1b三",
            id_number=id_number(),
            relation="spouse",
            birth_on=date(1980, 1, 1),
            joined_on=None,
            actor="cw",
        )
    assert refused.value.field == "name" and "U+001B" in refused.value.message
    assert len(h.members) == 1 and h.collect_events() == []
    assert before == 2
    h.record_visit(
        visited_on=date(2025, 2, 1),
        visitor="cw",
        findings="第一行\n\t第二行",
        needs=None,
        actor="cw",
    )
    assert len(h.collect_events()) == 1


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ("33040219800517001", "18-character"),  # 17 characters
        ("330402198002300012", "impossible birth date"),  # 30 February
        ("330402198005170010", "check digit"),  # wrong check character
    ],
)
def test_the_aggregate_refuses_a_bad_id_number_naming_the_field(book, bad, words):
    """GB 11643 in the aggregate itself, not only over HTTP: add_member and move_in refuse
    a malformed ID number with InvalidInputError naming `id_number`, and record nothing."""
    h = make(1)
    h.collect_events()  # as if saved
    version = h.version
    with pytest.raises(InvalidInputError) as caught:
        h.add_member(
            name="新成员",
            id_number=bad,
            relation="child",
            birth_on=date(2010, 1, 1),
            joined_on=None,
            actor="cw",
        )
    assert caught.value.field == "id_number" and words in caught.value.message
    mover = replace(next(iter(make(1).members.values())), id_number=bad)
    with pytest.raises(InvalidInputError) as caught:
        h.move_in(
            mover,
            from_household_id=uuid4(),
            carried={},
            effective_on=date(2025, 6, 1),
            actor="cw",
        )
    assert caught.value.field == "id_number"
    assert h.version == version and not h.collect_events()


def test_a_lower_case_check_x_is_stored_in_canonical_form(book):
    """GB 11643: the check character X is stored upper-case whatever the input."""
    body = "11010519491231002"
    assert check_character(body) == "X"
    h = make(0)
    member_id = h.add_member(
        name="张三",
        id_number=body + "x",
        relation="head",
        birth_on=date(1949, 12, 31),
        joined_on=None,
        actor="cw",
    )
    assert h.members[member_id].id_number == body + "X"
