"""`ledger import-check-answers FILE`: the partner departments' answers to the
economic-status check (核对, POLICY ch. 14) in bulk from CSV.

Columns: household_id, application_id, request_id, answered_on (ISO date), finding,
amount (yuan, optional). Each row is checked on its own and refused with its line number
(the header is line 1); a good row is recorded by the path's own step
`record_check_answer`, one household transaction per row. The step is idempotent by
request id: the same answer again records nothing (counted as already recorded), so
importing the same file again records nothing new; another answer to an answered
request is refused (a conflict), and nothing is recorded for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

from domain.errors import LedgerError, NotFoundError
from domain.household import Household
from domain.money import parse_yuan
from services.ledger import Ledger
from services.rows import RowsReport, read_csv_rows

COLUMNS = ("household_id", "application_id", "request_id", "answered_on", "finding", "amount")
REQUIRED = COLUMNS[:-1]
ACTOR = "system:import-check-answers"
HEADER = ",".join(COLUMNS) + "\n"


@dataclass(frozen=True)
class AnswerRow:
    line: int
    household_id: UUID
    application_id: str
    request_id: str
    answered_on: date
    finding: str
    amount_fen: int | None


class AnswersReport(RowsReport):
    """Rows recorded, already recorded, and refused by line."""


def parse_row(line: int, raw: dict[str, str]) -> AnswerRow:
    """One CSV row, or a LedgerError naming the column."""
    text = (raw.get("household_id") or "").strip()
    try:
        household_id = UUID(text)
    except ValueError:
        raise LedgerError(f"household_id must be a UUID; got {text!r}", "household_id") from None
    values = {}
    for name in ("application_id", "request_id", "finding"):
        values[name] = (raw.get(name) or "").strip()
        if not values[name]:
            raise LedgerError(f"{name} must not be empty", name)
    text = (raw.get("answered_on") or "").strip()
    try:
        answered_on = date.fromisoformat(text)
    except ValueError:
        raise LedgerError(
            f"answered_on must be an ISO date such as 2025-07-01; got {text!r}", "answered_on"
        ) from None
    amount_text = (raw.get("amount") or "").strip()
    amount_fen = parse_yuan(amount_text, "amount") if amount_text else None
    return AnswerRow(
        line,
        household_id,
        values["application_id"],
        values["request_id"],
        answered_on,
        values["finding"],
        amount_fen,
    )


def import_check_answers(ledger: Ledger, path: Path) -> AnswersReport:
    """Record the file's answers; the report counts recorded, already recorded and
    refused rows (each refusal with its line, column and message)."""
    report = AnswersReport()
    households: dict[UUID, Household | None] = {}
    for row in read_csv_rows(path, REQUIRED, parse_row, report):
        if row.household_id not in households:
            try:
                ledger.require_household(row.household_id)
                households[row.household_id] = ledger.app.household(row.household_id)
            except NotFoundError:
                households[row.household_id] = None
        household = households[row.household_id]
        if household is None:
            report.error(row.line, "household_id", f"no household {row.household_id}")
            continue
        if row.application_id not in household.applications:
            report.error(
                row.line,
                "application_id",
                f"no application {row.application_id} in household {row.household_id}",
            )
            continue
        try:
            recorded = ledger.app.path_step(
                row.household_id,
                row.application_id,
                "record_check_answer",
                actor=ACTOR,
                request_id=row.request_id,
                finding=row.finding,
                amount_fen=row.amount_fen,
                on=row.answered_on,
            )
        except LedgerError as error:
            report.error(row.line, error.field or "", error.message)
            continue
        if recorded:
            report.recorded += 1
        else:
            report.already_recorded += 1
    report.errors.sort()
    ledger.runner.catch_up()
    return report
