"""`ledger import`: a registry from the old system, on both backends.

Good rows go in, bad rows are reported by line with nothing of their household recorded,
a second run records nothing, an interrupted run resumed ends as one clean run, and the
amounts are exact (those agreeing with the rules follow standard changes, migrated ones
are held) with `ledger verify` clean."""

from __future__ import annotations

import csv
import uuid
from datetime import date
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from domain.idnumber import check_character
from domain.money import yuan
from scripts.cli import cli
from services.importer import COLUMNS, household_id, import_registry, write_synthetic
from services.ledger import Ledger
from services.settings import Settings
from tests.conftest import _pg_conninfo, pg_database_url

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "registry.csv"


@pytest.fixture
def env(settings, monkeypatch):
    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    monkeypatch.setenv("LEDGER_DATA_DIR", str(settings.data_dir))
    return settings


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _streams(ledger: Ledger) -> dict[uuid.UUID, list[str]]:
    """Every household stream's event types in order (what a clean run must equal)."""
    found: dict[uuid.UUID, list[str]] = {}
    start = 1
    while page := ledger.app.recorder.select_notifications(start=start, limit=1000):
        for n in page:
            if n.topic.startswith("domain.household:"):
                found.setdefault(n.originator_id, []).append(n.topic.rsplit(".", 1)[1])
        start = page[-1].id + 1
    return found


def _amounts(ledger: Ledger, hid: uuid.UUID, on: date) -> dict[str, tuple[int, str]]:
    return {
        f.row.programme: (f.row.monthly_fen, f.row.standard_version)
        for f in ledger.entitlements(hid, on)
    }


def test_the_example_registry_imports_with_exact_amounts(ledger):
    """docs/examples/registry.csv: four households. JX-2019-000117 is dibao of three with
    a countable income of 6,000: (15,000 x 3 - 6,000) / 12 = 3,250.00, the old amount, so
    it rests on the rule and follows the standard: at 16,200 from 2025-07-01 it becomes
    (48,600 - 6,000) / 12 = 3,550.00. JX-2020-000342's 1,980.00 has no income to recompute
    from: kept as migrated, and the standard change leaves it. The tekun member's
    26,000 / 12 = 2,166.67 agrees with the rule."""
    report = import_registry(ledger.app, EXAMPLE)
    assert report.ok, report.errors
    assert (report.households_recorded, report.members_recorded) == (4, 8)
    assert (report.amounts_as_rule, report.amounts_migrated) == (2, 1)
    agree = household_id("legacy", "JX-2019-000117")
    held = household_id("legacy", "JX-2020-000342")
    marginal = household_id("legacy", "JX-2021-001008")
    on = date(2025, 3, 1)
    assert _amounts(ledger, agree, on)["dibao"][0] == yuan(3250)
    assert _amounts(ledger, held, on)["dibao"] == (yuan(1980), "migrated")
    assert _amounts(ledger, marginal, on)["tekun"][0] == 216667
    household = ledger.app.household(agree)
    assert [m.name for m in household.members.values()] == ["王建国", "李秀英", "王小明"]
    head = next(iter(household.members))
    assert household.accounts[head]["account_number"] == "6222021204001234567"
    assert {c.category for c in household.categories} == {"dibao"}

    ledger.record_standard_change(
        key="dibao_standard_annual",
        value=yuan(16200),
        effective_from=date(2025, 7, 1),
        basis="test",
        actor="admin",
        override_reason="test of a migrated amount",
    )
    later = date(2025, 8, 1)
    assert _amounts(ledger, agree, later)["dibao"][0] == yuan(3550)
    assert _amounts(ledger, held, later)["dibao"] == (yuan(1980), "migrated")
    assert ledger.verify().ok


def test_bad_rows_are_reported_by_line_and_the_good_rows_go_in(ledger, tmp_path):
    rows = _rows(EXAMPLE)
    bad = [dict(r) for r in rows]
    # line 2: a wrong check digit (the household's other rows, lines 3-4, stay out too)
    bad[0]["id_number"] = bad[0]["id_number"][:17] + (
        "0" if bad[0]["id_number"][17] != "0" else "1"
    )
    bad[3]["monthly_amount"] = "1980.123"  # line 5: money with three places
    bad[4]["category"] = bad[5]["category"] = "poor"  # lines 6-7: an unknown category
    bad[6]["account_kind"], bad[6]["account_number"] = "bank", "6222-abc"  # line 8
    good = [dict(r) for r in rows[6:8]]
    for r in good:
        r["household_no"] = "JX-OK-1"
    good[0]["account_kind"] = good[0]["account_number"] = ""
    good[1]["address"] = "another address"  # line 10: the household's rows disagree
    fine = dict(rows[4])  # line 12: a marginal household of one, new person
    body = "33042119580808099"
    fine["household_no"], fine["id_number"] = "JX-OK-2", body + check_character(body)
    path = _write(tmp_path / "bad.csv", [*bad, *good, fine])

    report = import_registry(ledger.app, path)
    reasons = dict(report.errors)
    assert "check digit" in reasons[2]
    assert (
        reasons[3] == reasons[4] == "not imported: household JX-2019-000117 has a bad row (line 2)"
    )
    assert "monthly_amount" in reasons[5] and "two places" in reasons[5]
    assert "category must be one of" in reasons[6]
    assert "account_number of a bank account must be 12 to 30 digits" in reasons[8]
    assert reasons[10] == "not imported: household JX-OK-1 has a bad row (line 11)"
    assert "disagree on address" in reasons[11]
    assert 12 not in reasons
    assert (report.households_recorded, report.households_rejected) == (1, 5)
    streams = _streams(ledger)
    assert list(streams) == [household_id("legacy", "JX-OK-2")]
    assert ledger.verify().ok


def test_a_second_run_records_nothing(env):
    output = CliRunner().invoke(cli, ["import", str(EXAMPLE)], catch_exceptions=False)
    assert output.exit_code == 0, output.output
    assert "4 households recorded (8 members, 36 events)" in output.output
    again = CliRunner().invoke(cli, ["import", str(EXAMPLE)], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert "0 households recorded" in again.output and "4 already recorded" in again.output
    assert "nothing new" in again.output
    ledger = Ledger.open(env)
    try:
        assert len(_streams(ledger)) == 4
        assert sum(len(e) for e in _streams(ledger).values()) == 36
    finally:
        ledger.close()


def _other_settings(settings: Settings, tmp_path: Path) -> tuple[Settings, str | None]:
    """A second, empty ledger on the same backend (for the clean run)."""
    if settings.database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'clean.db'}"
        return settings.model_copy(update={"database_url": url}), None
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return settings.model_copy(update={"database_url": pg_database_url(schema)}), schema


def test_an_interrupted_run_resumed_equals_one_clean_run(settings, tmp_path):
    """60 households in batches of 8: stopped after 3 batches, then run again (and once
    more in two processes): the same streams, events and amounts as one clean run."""
    path = tmp_path / "registry.csv"
    write_synthetic(path, 60)

    class Stop(Exception):
        pass

    def stop_after_three(batches: int) -> None:
        if batches == 3:
            raise Stop

    ledger = Ledger.open(settings)
    try:
        with pytest.raises(Stop):
            import_registry(ledger.app, path, batch_size=8, after_batch=stop_after_three)
        assert len(_streams(ledger)) == 24
        resumed = import_registry(ledger.app, path, batch_size=8)
        assert (resumed.households_already, resumed.households_recorded) == (24, 36)
        interrupted = _streams(ledger)
        ids = sorted(interrupted)
        interrupted_amounts = [_amounts(ledger, h, date(2025, 3, 1)) for h in ids]
        assert ledger.verify().ok
    finally:
        ledger.close()

    from services.importer import import_parallel

    again = import_parallel(settings, path, workers=2, batch_size=8)
    assert (again.households_recorded, again.households_already) == (0, 60)

    other, schema = _other_settings(settings, tmp_path)
    try:
        clean_ledger = Ledger.open(other)
        try:
            clean = import_registry(clean_ledger.app, path)
            assert clean.households_recorded == 60
            assert _streams(clean_ledger) == interrupted
            assert [_amounts(clean_ledger, h, date(2025, 3, 1)) for h in ids] == (
                interrupted_amounts
            )
        finally:
            clean_ledger.close()
    finally:
        if schema is not None:
            with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_import_in_two_processes_with_a_rejected_row(env, tmp_path):
    """`ledger import --workers 2`: the households are shared between two processes; the
    report is one, the rejected row is reported once with its line, exit status 1."""
    path = tmp_path / "registry.csv"
    rows_written = write_synthetic(path, 40)
    rows = _rows(path)
    rows[4]["id_number"] = rows[0]["id_number"]  # line 6: a person already in H00000000
    _write(path, rows)
    errors = tmp_path / "errors.csv"
    result = CliRunner().invoke(
        cli, ["import", str(path), "--workers", "2", "--batch", "5", "--errors", str(errors)]
    )
    assert result.exit_code == 1, result.output
    assert f"{rows_written} rows; 39 households recorded" in result.output
    assert "line 6: ID number" in result.output and "already in household H00000000" in (
        result.output
    )
    assert _rows(errors)[0]["line"] == "5" and "not imported" in _rows(errors)[0]["reason"]
    ledger = Ledger.open(env)
    try:
        assert len(_streams(ledger)) == 39
        assert household_id("legacy", "H00000001") not in _streams(ledger)
        assert ledger.verify().ok
    finally:
        ledger.close()


def test_a_row_with_more_fields_than_the_header_refuses_its_household(ledger, tmp_path):
    """Line 3 (the second member of JX-2019-000117) has a stray comma: that household is
    left out whole (its size would be wrong), the others go in."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    lines[2] += ",stray"
    path = tmp_path / "extra.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = import_registry(ledger.app, path)
    reasons = dict(report.errors)
    assert reasons[3] == "the row has more fields than the header's 21"
    assert (
        reasons[2]
        == reasons[4]
        == ("not imported: household JX-2019-000117 has a bad row (line 3)")
    )
    assert report.households_recorded == 3
    assert household_id("legacy", "JX-2019-000117") not in _streams(ledger)
