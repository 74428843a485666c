"""Small builders for tests: households and members through the real commands."""

from __future__ import annotations

import itertools
from datetime import date
from uuid import UUID

from domain.application import LedgerApplication
from domain.idnumber import check_character
from domain.money import yuan
from domain.policy.s05_means_test import Means
from tests.path import app_consents, app_decide

_SEQ = itertools.count(100)


def id_number(birth_on: date = date(1980, 5, 17), county: str = "330402") -> str:
    body = f"{county}{birth_on:%Y%m%d}{next(_SEQ) % 1000:03d}"
    return body + check_character(body)


def household(
    app: LedgerApplication,
    members: int,
    *,
    region_code: str = "330402",
    registered_on: date = date(2025, 1, 1),
    actor: str = "caseworker-li",
    severe: tuple[int, ...] = (),
    disabled: tuple[int, ...] = (),
) -> tuple[UUID, list[str]]:
    """Members 0.. (head first); those in `severe` are severely ill, in `disabled`
    severely disabled."""
    hid = app.register_household(
        region_code=region_code,
        residence="urban",
        address="南湖路1号",
        registered_on=registered_on,
        actor=actor,
    )
    ids = [
        app.add_member(
            hid,
            actor=actor,
            name=f"成员{i}",
            id_number=id_number(),
            relation="head" if i == 0 else "child",
            birth_on=date(1980, 5, 17),
            joined_on=None,
            severe_illness=i in severe,
            severe_disability=i in disabled,
        )
        for i in range(members)
    ]
    return hid, ids


def means(income: int, deductions: int = 0, car: int = 0) -> Means:
    return Means(yuan(income), yuan(deductions), yuan(car))


def rural_household(ledger, region_code, category="dibao", income=0):
    """A rural household of one, in `category` from 2025-01-01 (None: in no category)."""
    hid = ledger.app.register_household(
        region_code=region_code,
        residence="rural",
        address="村",
        registered_on=date(2024, 1, 1),
        actor="caseworker-li",
    )
    ledger.app.add_member(
        hid,
        actor="caseworker-li",
        name="农户",
        id_number=id_number(),
        relation="head",
        birth_on=date(1960, 1, 1),
        joined_on=None,
    )
    if category is not None:
        app_id = ledger.app.submit_application(
            hid,
            programme=category,
            effective_from=date(2025, 1, 1),
            means=means(income),
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 1, 1)),
        )
        app_decide(ledger.app, hid, app_id)
    return hid
