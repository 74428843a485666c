"""What a bulk file's import reports, by line (the settlements of `ledger import-bills`,
the check answers of `ledger import-check-answers`, the life events of `ledger
import-life-events`), and the CSV reading they share: each row parsed on its own, a bad
one reported with its line (the header is line 1), column and message."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from domain.errors import LedgerError

T = TypeVar("T")


@dataclass
class RowsReport:
    rows: int = 0
    recorded: int = 0
    already_recorded: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # line, field, message

    def error(self, line: int, field_name: str, message: str) -> None:
        self.errors.append((line, field_name, message))


def read_csv_rows(
    path: Path,
    required: tuple[str, ...],
    parse: Callable[[int, dict[str, str]], T],
    report: RowsReport,
    aliases: dict[str, str] | None = None,
) -> list[T]:
    """The file's well-formed rows, each by `parse(line, row)` (which raises LedgerError
    naming the column); each bad one goes to the report with its line. A header lacking
    a required column refuses the file (line 1); `aliases` maps other names of a column
    to its own."""
    aliases = aliases or {}
    rows: list[T] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [aliases.get(h.strip(), h.strip()) for h in next(reader, [])]
        missing = [c for c in required if c not in header]
        if missing:
            report.error(1, missing[0], f"the header lacks the column {missing[0]}")
            return rows
        for line, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            report.rows += 1
            if len(values) != len(header):
                report.error(line, "", f"{len(values)} fields where the header has {len(header)}")
                continue
            try:
                rows.append(parse(line, dict(zip(header, values, strict=True))))
            except LedgerError as error:
                report.error(line, error.field or "", error.message)
    return rows
