"""`ledger import-life-events FILE`: a partner department's feed of life events (POLICY
ch. 15): deaths from the civil registry or the funeral service, moves of registered
residence (户籍迁出) and imprisonments from the public security bureau.

Columns: report_id (the department's own id of the report), id_number, kind (death,
residence_moved_out or imprisonment), event_on (ISO date of the death, the move, the
imprisonment) and source (the department, e.g. 公安局户籍). A department knows people by
their ID numbers, not by households: the person is found through the identity claim on
the number (一人一户), and the report becomes a proposal on their household, as a
caseworker's report does, for an approver to confirm or reject.

Idempotent: the proposal's id is derived from the source and the report id, so the same
file again records nothing (counted as already recorded); the same report id with other
details is refused. Each bad row is refused with its line and column, and nothing is
recorded for it; a number no household of this ledger holds is refused without saying
anything more about it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.errors import LedgerError
from domain.household.life_events import LIFE_EVENT_KINDS
from domain.idnumber import validate_id_number
from services.ledger import Ledger
from services.rows import RowsReport, read_csv_rows

COLUMNS = ("report_id", "id_number", "kind", "event_on", "source")
ACTOR = "system:import-life-events"
HEADER = ",".join(COLUMNS) + "\n"


@dataclass(frozen=True)
class FeedRow:
    line: int
    report_id: str
    id_number: str
    kind: str
    event_on: date
    source: str

    @property
    def event_id(self) -> str:
        """The proposal's id: the same report of the same source, the same id."""
        return str(
            uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:life-event:{self.source}:{self.report_id}")
        )


class FeedReport(RowsReport):
    """Rows recorded, already recorded, and refused by line."""


def parse_row(line: int, raw: dict[str, str]) -> FeedRow:
    """One CSV row, or a LedgerError naming the column."""
    values = {name: (raw.get(name) or "").strip() for name in COLUMNS}
    for name in ("report_id", "source"):
        if not values[name]:
            raise LedgerError(f"{name} must not be empty", name)
    number = validate_id_number(values["id_number"])
    if values["kind"] not in LIFE_EVENT_KINDS:
        raise LedgerError(
            f"kind must be one of {', '.join(LIFE_EVENT_KINDS)}; got {values['kind']!r}", "kind"
        )
    try:
        event_on = date.fromisoformat(values["event_on"])
    except ValueError:
        raise LedgerError(
            f"event_on must be an ISO date such as 2025-05-10; got {values['event_on']!r}",
            "event_on",
        ) from None
    return FeedRow(line, values["report_id"], number, values["kind"], event_on, values["source"])


def import_life_events(ledger: Ledger, path: Path, *, today: date | None = None) -> FeedReport:
    """Record the feed's reports as proposals; the report counts recorded, already
    recorded and refused rows (each refusal with its line, column and message)."""
    report = FeedReport()
    for row in read_csv_rows(path, COLUMNS, parse_row, report):
        try:
            if _record(ledger, row, today):
                report.recorded += 1
            else:
                report.already_recorded += 1
        except LedgerError as error:
            report.error(row.line, error.field or "", error.message)
    report.errors.sort()
    ledger.runner.catch_up()
    return report


def _record(ledger: Ledger, row: FeedRow, today: date | None) -> bool:
    """True if the row's proposal was recorded now, False if it was already."""
    claim = ledger.app.identity_claim(row.id_number)
    if claim is None or claim.household_id is None:
        raise LedgerError(
            "no household of this ledger holds this ID number (a ledger recorded before "
            "identity claims needs `ledger claims` once)",
            "id_number",
        )
    household_id = UUID(claim.household_id)
    household = ledger.app.household(household_id)
    recorded = household.life_events.get(row.event_id)
    if recorded is not None:
        same = (recorded["member_id"], recorded["kind"], recorded["on"]) == (
            claim.member_id,
            row.kind,
            row.event_on,
        )
        if not same:
            raise LedgerError(
                f"report {row.report_id} of {row.source} is recorded already with other "
                "details; a correction needs a new report id",
                "report_id",
            )
        return False
    ledger.app.update(
        household_id,
        lambda h: h.report_life_event(
            claim.member_id,
            kind=row.kind,
            on=row.event_on,
            source=row.source,
            actor=ACTOR,
            today=today,
            event_id=row.event_id,
        ),
    )
    return True
