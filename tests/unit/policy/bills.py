"""Builders for the medical tests (plan §16, §17 and the bill records of POLICY ch. 6) on
the Household aggregate, in memory: a household of members and a bill for one of them."""

from datetime import date

from domain.household import Household
from domain.money import yuan
from domain.policy.s17_medical_caps import BillFigures
from tests.helpers import id_number


def make(members: int) -> tuple[Household, list[str]]:
    h = Household.register(
        region_code="330402",
        residence="urban",
        address="x",
        registered_on=date(2025, 1, 1),
        actor="cw",
    )
    ids = [
        h.add_member(
            name=f"m{i}",
            id_number=id_number(),
            relation="head",
            birth_on=date(1970, 1, 1),
            joined_on=None,
            actor="cw",
        )
        for i in range(members)
    ]
    return h, ids


def bill(h, book, member, self_paid, on=date(2025, 3, 1), items=(), total=None, **kw):
    total = total if total is not None else self_paid
    return h.record_medical_bill(
        member_id=member,
        service_on=on,
        settlement_number=kw.get("settlement"),
        figures=BillFigures(
            yuan(total),
            yuan(total) - yuan(self_paid),
            yuan(self_paid),
            {},
            tuple((k, yuan(a)) for k, a in items),
        ),
        actor="cw",
        book=book,
    )
