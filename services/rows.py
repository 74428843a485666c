"""What a bulk file's import reports, by line (the settlements of `ledger import-bills`,
the check answers of `ledger import-check-answers`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RowsReport:
    rows: int = 0
    recorded: int = 0
    already_recorded: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # line, field, message

    def error(self, line: int, field_name: str, message: str) -> None:
        self.errors.append((line, field_name, message))
