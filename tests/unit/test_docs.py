"""The docs stay true: every seeded standard is listed with its value and kind."""

from pathlib import Path

from domain.standards import SEEDS, format_value

ROOT = Path(__file__).resolve().parents[2]


def test_standards_doc_lists_every_default_and_marks_placeholders():
    doc = (ROOT / "docs" / "STANDARDS.md").read_text()
    for seed in SEEDS:
        kind = "PARAM (placeholder)" if seed.placeholder else "SEED"
        row = (
            f"| `{seed.key}` | {format_value(seed.key, seed.value)} | "
            f"{seed.effective_from.isoformat()} | {kind} | {seed.basis} |"
        )
        assert row in doc, row


def test_readme_gives_the_two_commands_and_postgres():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "LEDGER_DATABASE_URL=postgresql://" in readme
    assert "docker compose up" in readme
