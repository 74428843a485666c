"""The docs stay true: every seeded standard is listed with its value and kind."""

from pathlib import Path

from scripts.docs import standards_table

ROOT = Path(__file__).resolve().parents[2]


def test_standards_doc_lists_every_default_and_marks_placeholders():
    """docs/STANDARDS.md ends with the table generated from the seeds (python -m scripts.docs)."""
    doc = (ROOT / "docs" / "STANDARDS.md").read_text()
    assert doc.endswith(standards_table())
    assert "PARAM (placeholder) | PARAM §1: 1.5 x dibao |" in doc
    assert "| `medical_cap_individual_annual` | 30000.00 | 2023-01-01 | SEED |" in doc


def test_readme_gives_the_two_commands_and_postgres():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "LEDGER_DATABASE_URL=postgresql://" in readme
    assert "docker compose up" in readme


def test_readme_settings_table_lists_every_setting_with_its_default():
    """API.md asks that every setting's default be documented: each field of
    api/settings.py appears in README's settings table as LEDGER_<NAME>, and the numeric
    defaults are the code's."""
    from api.settings import Settings

    readme = (ROOT / "README.md").read_text()
    rows = {
        line.split("|")[1].strip().strip("`"): line.split("|")[2].strip().strip("`")
        for line in readme.splitlines()
        if line.startswith("| `LEDGER_")
    }
    for name, field in Settings.model_fields.items():
        variable = f"LEDGER_{name.upper()}"
        assert variable in rows, f"{variable} is missing from README's settings table"
        if isinstance(field.default, int | float) and not isinstance(field.default, bool):
            assert rows[variable] == str(field.default), variable
