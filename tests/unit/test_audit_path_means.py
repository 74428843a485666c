"""`ledger verify` recomputes a decision on the statutory path (POLICY ch. 14) from its
check report: the means the determination records must be the report's."""

from __future__ import annotations

import copy
from types import SimpleNamespace

from domain.audit import _determination
from domain.household import Household
from domain.standards import StandardsBook, default_city_standards
from tests.path import walk
from tests.unit.test_application_path import received


def decided():
    """A dibao application walked along the path (its report: the declared means), the
    household as it was before the decision, and the recorded ApplicationDetermined."""
    book = StandardsBook(default_city_standards())
    h, app_id = received(declared=1000)
    h.collect_events()
    on = walk(h, app_id, book)
    before = copy.deepcopy(h)
    h.collect_events()
    h.determine(app_id, decision="approve", reason="ok", actor="ap", book=book, on=on)
    (event,) = [e for e in h.collect_events() if isinstance(e, Household.ApplicationDetermined)]
    return before, event, book


def test_the_recorded_decision_recomputes_from_its_check_report():
    before, event, book = decided()
    report = before.applications[event.application_id].path.report
    assert {k: event.inputs[k] for k in report["means"]} == report["means"]
    assert list(_determination(before, event, book)) == []


def test_means_other_than_the_reports_are_a_mismatch():
    before, event, book = decided()
    on = before.applications[event.application_id].path.report["on"].isoformat()
    for key in ("annual_income_fen", "rigid_deductions_fen", "car_insurance_value_fen"):
        inputs = {**event.inputs, key: int(event.inputs[key]) + 100}
        tampered = SimpleNamespace(**{**vars(event), "inputs": inputs})
        found = list(_determination(before, tampered, book))
        assert f"decision means differ from the check report of {on}" in found, key
    missing = {k: v for k, v in event.inputs.items() if k != "annual_income_fen"}
    tampered = SimpleNamespace(**{**vars(event), "inputs": missing})
    assert any("check report" in m for m in _determination(before, tampered, book))
