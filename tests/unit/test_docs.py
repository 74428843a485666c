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


def test_readme_lists_every_setting():
    """Every setting of api/settings.py (LEDGER_ + its name) is in the README's table."""
    from api.settings import Settings

    readme = (ROOT / "README.md").read_text()
    missing = [
        f"LEDGER_{name.upper()}"
        for name in Settings.model_fields
        if f"`LEDGER_{name.upper()}`" not in readme
    ]
    assert missing == []
