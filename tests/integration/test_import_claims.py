"""`ledger import` claims each imported member's ID number (一人一户, POLICY ch. 15), on
both backends: a person already in a household of the ledger is refused by line naming
the county, the rest go in; a number twice in the file: the second refused."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

from services import importer
from services.importer import COLUMNS, import_registry, write_synthetic
from services.ledger import Ledger
from tests.helpers import household


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


def test_a_claim_made_while_a_batch_is_saved_refuses_only_that_household(
    ledger: Ledger, tmp_path, monkeypatch
):
    """The race the import's fallback is for (POLICY ch. 15): after the batch's claims are
    looked up and before they are saved, a caseworker adds the head of the file's second
    household (H00000002) to a household of 南湖区 already in the ledger. The batch's
    transaction fails as a whole (the claim's first version is taken); the households are
    then built again and saved one by one: that one is refused by its line, naming the
    county, and the other two go in with their claims."""
    path = tmp_path / "three.csv"
    write_synthetic(path, 3)
    rows = _rows(path)
    contested = next(r for r in rows if r["household_no"] == "H00000002")
    contested_line = rows.index(contested) + 2
    rival, _ = household(ledger.app, 1, region_code="330402")
    looked_up = importer._with_claims
    raced = []

    def then_a_caseworker_adds_them(app, batch, actor):
        found = looked_up(app, batch, actor)
        if not raced:
            raced.append(
                app.add_member(
                    rival,
                    actor="caseworker-li",
                    name=contested["name"],
                    id_number=contested["id_number"],
                    relation="other",
                    birth_on=datetime.strptime(contested["id_number"][6:14], "%Y%m%d").date(),
                    joined_on=None,
                )
            )
        return found

    monkeypatch.setattr(importer, "_with_claims", then_a_caseworker_adds_them)
    report = importer.import_registry(ledger.app, path)
    assert raced, "the rival add ran between the look-up and the save"
    assert (report.households_recorded, report.households_rejected) == (2, 1)
    (line, message), *others = report.errors
    assert line == contested_line
    assert "already belongs to a household in 南湖区 330402" in message
    assert {m for _, m in others} == {
        f"not imported: household H00000002 has a bad row (line {contested_line})"
    }
    claim = ledger.app.identity_claim(contested["id_number"])
    assert claim is not None and claim.household_id == str(rival)
    for row in rows:
        if row["household_no"] != "H00000002":
            held = ledger.app.identity_claim(row["id_number"])
            assert held is not None and held.household_id != str(rival)
