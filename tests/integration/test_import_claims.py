"""`ledger import` claims each imported member's ID number (一人一户, POLICY ch. 15), on
both backends: a person already in a household of the ledger is refused by line naming
the county, the rest go in; a number twice in the file: the second refused."""

from __future__ import annotations

import csv
from pathlib import Path

from services.importer import COLUMNS, import_registry, write_synthetic
from services.ledger import Ledger


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_person_in_the_ledger_is_refused_and_the_rest_go_in(ledger: Ledger, tmp_path):
    first = tmp_path / "first.csv"
    write_synthetic(first, 3)
    report = import_registry(ledger.app, first)
    assert report.ok and report.households_recorded == 3, report.errors
    taken = _rows(first)[4]  # household H00000001's spouse, in 330411
    before = ledger.app.identity_claim(taken["id_number"])
    assert before is not None
    held = (before.household_id, before.version)

    second = tmp_path / "second.csv"
    write_synthetic(second, 3, start=10)
    rows = _rows(second)
    rows[1]["id_number"] = taken["id_number"]  # line 3: in household H00000010
    rows[1]["birth_on"] = ""
    dup = rows[0]["id_number"]
    rows[7]["id_number"] = dup  # line 9: household H00000012 lists H00000010's head
    rows[7]["birth_on"] = ""
    report = import_registry(ledger.app, _write(second, rows))
    assert report.households_recorded == 1 and report.households_rejected == 2
    reasons = dict(report.errors)
    assert "already belongs to a household in" in reasons[3]
    assert "330411" in reasons[3] and taken["id_number"] not in reasons[3]
    assert "already in household H00000010" in reasons[9]
    after = ledger.app.identity_claim(taken["id_number"])
    assert after is not None and (after.household_id, after.version) == held
    # The imported one's members are claimed; again: nothing new, the same refusals.
    assert ledger.app.identity_claim(rows[3]["id_number"]) is not None
    again = import_registry(ledger.app, second)
    assert again.households_recorded == 0 and again.households_already == 1
    assert dict(again.errors).keys() == reasons.keys()
    found = ledger.claims(actor="test")
    assert found["created"] == 0 and found["duplicates"] == []
