"""`ledger import-check-answers` on both backends (POLICY ch. 14): the partner
departments' answers from CSV; good rows are recorded by the path's own step, a repeated
answer counts as already recorded, bad rows are listed by line, and a second import of
the same file records nothing new."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scripts.cli import cli
from services.check_answers import HEADER, import_check_answers
from tests.helpers import household, means
from tests.path import app_consents

ON = date(2025, 3, 1)


def requested(ledger, requests=("tax", "bank_deposits")):
    """A dibao application received on ON with one check request per department."""
    hid, _ = household(ledger.app, 2)
    app_id = ledger.app.submit_application(
        hid,
        programme="dibao",
        effective_from=ON,
        means=means(10000),
        actor="caseworker-li",
        consents=app_consents(ledger.app, hid, ON),
    )
    for department in requests:
        ledger.app.path_step(
            hid,
            app_id,
            "request_check",
            actor="caseworker-li",
            request_id=f"R-{department}",
            department=department,
            on=ON,
        )
    return hid, app_id


def write(tmp_path: Path, hid, app_id) -> Path:
    path = tmp_path / "answers.csv"
    path.write_text(
        HEADER
        + f"{hid},{app_id},R-tax,2025-03-05,no taxable income,\n"  # line 2: good
        + f"{hid},{app_id},R-bank_deposits,2025-03-06,deposits,1234.50\n"  # line 3: good
        + f"{hid},{app_id},R-tax,2025-03-05,no taxable income,\n"  # line 4: repeated
        + f"{hid},{app_id},R-housing,2025-03-32,none,\n"  # line 5: bad date
        + f"{hid},{app_id},R-vehicles,2025-03-07,no car,\n",  # line 6: unknown request
        encoding="utf-8",
    )
    return path


def test_answers_recorded_once_and_bad_rows_listed_by_line(ledger, tmp_path):
    hid, app_id = requested(ledger)
    path = write(tmp_path, hid, app_id)
    report = import_check_answers(ledger, path)
    assert (report.rows, report.recorded, report.already_recorded) == (5, 2, 1)
    assert [(line, column) for line, column, _ in report.errors] == [
        (5, "answered_on"),
        (6, "request_id"),
    ]
    checks = ledger.app.household(hid).applications[app_id].path.checks
    assert checks["R-tax"]["finding"] == "no taxable income"
    assert checks["R-tax"]["answered_on"] == date(2025, 3, 5)
    assert checks["R-bank_deposits"]["amount_fen"] == 123450
    version = ledger.app.household(hid).version

    again = import_check_answers(ledger, path)
    assert (again.recorded, again.already_recorded, len(again.errors)) == (0, 3, 2)
    assert ledger.app.household(hid).version == version


def test_another_answer_unknown_household_and_application_are_refused(ledger, tmp_path):
    hid, app_id = requested(ledger, ("tax",))
    path = tmp_path / "answers.csv"
    path.write_text(
        HEADER
        + f"{hid},{app_id},R-tax,2025-03-05,no taxable income,\n"
        + f"{hid},{app_id},R-tax,2025-03-05,income 3000,3000\n"
        + f"00000000-0000-0000-0000-000000000001,{app_id},R-tax,2025-03-05,x,\n"
        + f"{hid},APP-NONE,R-tax,2025-03-05,x,\n"
        + f"not-a-uuid,{app_id},R-tax,2025-03-05,x,\n",
        encoding="utf-8",
    )
    report = import_check_answers(ledger, path)
    assert report.recorded == 1 and report.already_recorded == 0
    assert [(line, column) for line, column, _ in report.errors] == [
        (3, "request_id"),
        (4, "household_id"),
        (5, "application_id"),
        (6, "household_id"),
    ]
    assert "another finding" in report.errors[0][2]
    check = ledger.app.household(hid).applications[app_id].path.checks["R-tax"]
    assert check["finding"] == "no taxable income" and check["amount_fen"] is None


@pytest.fixture
def env(settings, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    monkeypatch.setenv("LEDGER_DATA_DIR", str(settings.data_dir))
    return settings


def test_cli_prints_the_summary_and_exits_1_on_refusals(ledger, env, tmp_path):
    hid, app_id = requested(ledger)
    path = write(tmp_path, hid, app_id)
    first = CliRunner().invoke(cli, ["import-check-answers", str(path)], catch_exceptions=False)
    assert first.exit_code == 1, first.output
    assert "5 rows: recorded 2, already recorded 1, refused 2" in first.output
    assert "line 5: answered_on:" in first.output
    assert "line 6: request_id: no check request R-vehicles" in first.output
    second = CliRunner().invoke(cli, ["import-check-answers", str(path)], catch_exceptions=False)
    assert "recorded 0, already recorded 3, refused 2" in second.output

    clean = tmp_path / "clean.csv"
    clean.write_text(HEADER + path.read_text().splitlines()[1] + "\n", encoding="utf-8")
    ok = CliRunner().invoke(cli, ["import-check-answers", str(clean)], catch_exceptions=False)
    assert ok.exit_code == 0 and "recorded 0, already recorded 1, refused 0" in ok.output
    missing = CliRunner().invoke(cli, ["import-check-answers", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2
