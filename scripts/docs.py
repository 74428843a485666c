"""Generated parts of the docs, kept true by a test (tests/unit/test_docs.py).

Run `python -m scripts.docs` to rewrite the standards table in docs/STANDARDS.md.
"""

from __future__ import annotations

from pathlib import Path

from domain.standards import SEEDS, format_value

DOC = Path(__file__).resolve().parents[1] / "docs" / "STANDARDS.md"
HEADER = "| key | value | from | kind | basis |\n|---|---|---|---|---|\n"


def standards_table() -> str:
    rows = [
        f"| `{seed.key}` | {format_value(seed.key, seed.value)} | "
        f"{seed.effective_from.isoformat()} | "
        f"{'PARAM (placeholder)' if seed.placeholder else 'SEED'} | {seed.basis} |"
        for seed in SEEDS
    ]
    return HEADER + "\n".join(rows) + "\n"


def main() -> None:
    text = DOC.read_text()
    DOC.write_text(text[: text.index(HEADER)] + standards_table())


if __name__ == "__main__":
    main()
