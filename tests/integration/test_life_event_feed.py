"""`ledger import-life-events` on both backends (POLICY ch. 15): a partner department's
feed of life events, found by ID number through the identity claims, becomes proposals an
approver confirms; idempotent by source and report id; bad rows listed by line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.errors import ConflictError
from scripts.cli import cli
from services.life_event_feed import ACTOR, HEADER, import_life_events
from tests.helpers import household, id_number

TODAY = date(2025, 12, 1)
SOURCE = "公安局户籍"


def write(tmp_path: Path, number: str, stranger: str) -> Path:
    path = tmp_path / "feed.csv"
    path.write_text(
        HEADER
        + f"P-1,{number},death,2025-05-10,{SOURCE}\n"  # line 2: good
        + f"P-1,{number},death,2025-05-10,{SOURCE}\n"  # line 3: the same report again
        + f"P-2,{stranger},death,2025-05-10,{SOURCE}\n"  # line 4: nobody of this ledger
        + f"P-3,{number},emigration,2025-05-10,{SOURCE}\n"  # line 5: no such kind
        + f"P-4,{number},death,2025-05-32,{SOURCE}\n"  # line 6: no such date
        + f"P-1,{number},death,2025-05-11,{SOURCE}\n",  # line 7: P-1 with another date
        encoding="utf-8",
    )
    return path


def _two_members(ledger):
    hid, members = household(ledger.app, 2)
    number = ledger.app.household(hid).members[members[1]].id_number
    return hid, members, number


def test_a_feed_death_is_a_proposal_on_the_person_s_household_recorded_once(ledger, tmp_path):
    """Line 2 records a death proposal for member 1 of the household holding the number,
    reported by the department (source) through the import (actor); line 3 repeats it
    (already recorded); lines 4-7 are refused with their columns, and a stranger's number
    says nothing more than that no household here holds it. A second import records
    nothing new."""
    hid, members, number = _two_members(ledger)
    stranger = id_number(county="330411")
    path = write(tmp_path, number, stranger)
    report = import_life_events(ledger, path, today=TODAY)
    assert (report.rows, report.recorded, report.already_recorded) == (6, 1, 1)
    assert [(line, field) for line, field, _ in report.errors] == [
        (4, "id_number"),
        (5, "kind"),
        (6, "event_on"),
        (7, "report_id"),
    ]
    assert "no household of this ledger holds this ID number" in report.errors[0][2]
    assert stranger not in report.errors[0][2]
    [proposal] = ledger.app.life_events(hid)
    assert (proposal["member_id"], proposal["kind"], proposal["on"]) == (
        members[1],
        "death",
        date(2025, 5, 10),
    )
    assert (proposal["source"], proposal["reported_by"], proposal["state"]) == (
        SOURCE,
        ACTOR,
        "reported",
    )
    again = import_life_events(ledger, path, today=TODAY)
    assert (again.recorded, again.already_recorded, len(again.errors)) == (0, 2, 4)
    assert len(ledger.app.life_events(hid)) == 1


def test_a_confirmed_death_is_not_proposed_again_by_another_department(ledger, tmp_path):
    """The approver confirms the feed's death (the claim is marked deceased, POLICY ch.
    15); the funeral service's report of the same death is refused (already confirmed),
    and nothing is recorded; a caseworker's report of it is refused the same way."""
    hid, members, number = _two_members(ledger)
    import_life_events(ledger, write(tmp_path, number, id_number()), today=TODAY)
    [proposal] = ledger.app.life_events(hid)
    ledger.app.decide_life_event(
        hid, proposal["event_id"], decision="confirm", reason="死亡证明", actor="approver-wang"
    )
    assert ledger.app.identity_claim(number).deceased
    other = tmp_path / "funeral.csv"
    other.write_text(HEADER + f"F-9,{number},death,2025-05-10,殡仪馆\n", encoding="utf-8")
    before = ledger.app.household(hid).version
    report = import_life_events(ledger, other, today=TODAY)
    assert report.recorded == 0
    [(line, field, message)] = report.errors
    assert (line, field) == (2, "member_id") and "death is confirmed already" in message
    with pytest.raises(ConflictError):
        ledger.app.report_life_event(
            hid, members[1], kind="death", on=date(2025, 5, 10), source="caseworker", actor="cw"
        )
    assert ledger.app.household(hid).version == before


@pytest.fixture
def env(settings, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    monkeypatch.setenv("LEDGER_DATA_DIR", str(settings.data_dir))
    return settings


def test_cli_prints_the_summary_and_exits_1_on_refusals(ledger, env, tmp_path):
    _, _, number = _two_members(ledger)
    path = write(tmp_path, number, id_number(county="330411"))
    first = CliRunner().invoke(cli, ["import-life-events", str(path)], catch_exceptions=False)
    assert first.exit_code == 1, first.output
    assert "6 rows: recorded 1, already recorded 1, refused 4" in first.output
    assert "line 5: kind: kind must be one of death" in first.output
    missing = CliRunner().invoke(cli, ["import-life-events", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2
