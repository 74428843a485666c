"""The docs stay true: every seeded standard is listed with its value and kind, the
generated parts match the code, and the docs cite only what the repository holds."""

import re
from pathlib import Path

from domain.standards import KEYS
from scripts.docs import API, GENERATED, POLICY, rendered, standards_table

ROOT = Path(__file__).resolve().parents[2]


def test_standards_doc_lists_every_default_and_marks_placeholders():
    """docs/STANDARDS.md ends with the table generated from the seeds (python -m scripts.docs)."""
    doc = (ROOT / "docs" / "STANDARDS.md").read_text()
    assert doc.endswith(standards_table())
    assert "PARAM (placeholder) | PARAM POLICY ch. 1: 1.5 x dibao |" in doc
    assert "| `medical_cap_individual_annual` | 30000.00 | 2023-01-01 | SEED |" in doc


def test_readme_gives_the_two_commands_and_postgres():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "LEDGER_DATABASE_URL=postgresql://" in readme
    assert "docker compose up" in readme


def test_readme_settings_table_lists_every_setting_with_its_default():
    """docs/API.md: every setting has a documented default: each field of
    services/settings.py appears in README's settings table as LEDGER_<NAME>, and the numeric
    defaults are the code's."""
    from services.settings import Settings

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


def _docs() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


LINK = re.compile(r"\]\(([^)\s]+)\)")
# A path in backticks that names a file of the repository (`docs/PAYMENTS.md`,
# `scripts/soak.py`), not a URL path or a command.
FILE = re.compile(r"`((?:\.\./|[\w.-]+/)*[\w.-]+\.(?:md|py|sh|toml|yml|json|txt))`")


def test_the_docs_cite_only_what_the_repository_holds():
    """A user who clones the repository has README.md and docs/: every link in them and
    every repository file they name in backticks must exist, and none may point outside
    the repository (`../shared`, `shared/design`), to a tracker's issue ("issue 3"), or
    to one machine ("this 2-core machine") that a reader cannot see."""
    problems = []
    for doc in _docs():
        text = doc.read_text()
        name = doc.relative_to(ROOT)
        for target in LINK.findall(text):
            if target.startswith(("http://", "https://", "mailto:", "#")):
                continue
            path = (doc.parent / target.split("#")[0]).resolve()
            if not path.exists() or not path.is_relative_to(ROOT):
                problems.append(f"{name}: link to {target}, not in the repository")
        for cited in FILE.findall(text):
            if "/" not in cited and not cited.endswith(".md"):
                continue  # a bare file name (`bench-report.json`, `ledger.db`) is an output
            candidates = [ROOT / cited, doc.parent / cited, ROOT / "docs" / cited]
            if not any(c.resolve().is_relative_to(ROOT) and c.exists() for c in candidates):
                problems.append(f"{name}: names {cited}, not in the repository")
        for pattern in (
            r"\.\./shared",
            r"\bshared/(design|seed)",
            r"\bissues? #?\d+",
            r"\bissues \d+(, \d+)*",
            r"\bthis (\d-core |development )?machine\b",
        ):
            for found in re.finditer(pattern, text, re.IGNORECASE):
                line = text.count("\n", 0, found.start()) + 1
                problems.append(f"{name}:{line}: {found.group(0)!r}")
    assert problems == []


def test_the_cited_policy_and_api_docs_are_in_the_repository():
    """The README cites docs/POLICY.md and docs/API.md; the chapters the code and the
    docs cite (POLICY ch. 9 roles, ch. 11 rounding, ch. 12 warnings ...) are its own."""
    readme = (ROOT / "README.md").read_text()
    assert "(docs/POLICY.md)" in readme and "(docs/API.md)" in readme
    policy = (ROOT / "docs" / "POLICY.md").read_text()
    sections = set(re.findall(r"^## (\d+)\. ", policy, re.MULTILINE))
    assert sections == {str(n) for n in range(1, 16)}
    assert "## 9. Roles" in policy and "## 11. Boundaries" in policy


def test_policy_and_api_docs_carry_the_generated_parts():
    """docs/POLICY.md's standards table and docs/API.md's operations and bodies are what
    `python -m scripts.docs` writes from domain/standards.py and the app's OpenAPI."""
    for path in GENERATED:
        assert path.read_text() == rendered(path), f"run python -m scripts.docs ({path.name})"
    policy = POLICY.read_text()
    for key in KEYS:
        assert f"| `{key}` |" in policy
    api = API.read_text()
    assert (
        "| POST | `/households/{household_id}/applications/{application_id}/determination` "
        "| approver |" in api
    )
    assert "| GET | `/health` | none (no token) |" in api
    assert "330402198001010022" in api  # the member example's valid ID number


def test_a_section_sign_is_the_plans_item_and_a_chapter_is_policy_ch():
    """A "§N" is only the plan's item N (1 to 32); the rulebook's chapters are "POLICY ch. N"
    (1 to 15). No text the repository holds writes "POLICY.md §N" or "POLICY §N", and
    every "POLICY ch. N" and "§N" names one that exists."""
    import subprocess

    files = subprocess.run(
        ["git", "ls-files", "*.py", "*.md", "*.html"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    problems = []
    for name in files:
        if name.startswith("tests/fixtures/make_pre"):
            continue  # written by and for an earlier release, kept as it was
        text = (ROOT / name).read_text()
        for found in re.finditer(r"POLICY(?:\.md)? ?§ ?\d+", text):
            problems.append(f"{name}: {found.group(0)!r}")
        for found in re.finditer(r"POLICY ch\. (\d+)", text):
            if not 1 <= int(found.group(1)) <= 15:
                problems.append(f"{name}: {found.group(0)!r}")
        for found in re.finditer(r"§(\d+)", text):
            if not 1 <= int(found.group(1)) <= 33:  # §33: the tests' fictitious item
                problems.append(f"{name}: {found.group(0)!r}")
    assert problems == []
