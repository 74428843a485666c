"""`ledger import-bills FILE`: medical settlement records in bulk from the CSV a medical
insurance settlement system exports (one row per settlement; docs/examples/).

Each row is checked on its own and refused with its line number (the header is line 1);
good rows are recorded with the Household aggregate's own `record_medical_bill` (the same
§16 waiver and §17 cap split as a bill posted through the API), in file order within each
household, whole households per transaction, about `batch_rows` settlements each (one
transaction of thousands of events was seen to stall psycopg's pipeline on a loaded
server). A settlement number already recorded for the household is skipped, so
importing the same file again records nothing new."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.persistence import IntegrityError

from domain.errors import LedgerError
from domain.household import Household
from domain.idnumber import validate_id_number
from domain.money import format_yuan, parse_yuan
from domain.policy.s17_medical_caps import BillFigures
from domain.standards import StandardsBook, county_of
from services.ledger import Ledger
from services.rows import RowsReport, read_csv_rows

PAYER_COLUMNS = ("basic_insurance", "critical_illness_insurance", "medical_assistance", "charity")
COLUMNS = ("settlement_number", "id_number", "settled_on", "total", *PAYER_COLUMNS, "self_paid")
# The Chinese headers a settlement system writes, accepted for the English ones.
ALIASES = {
    "结算单号": "settlement_number",
    "身份证号": "id_number",
    "结算日期": "settled_on",
    "医疗总费用": "total",
    "基本医保支付": "basic_insurance",
    "大病保险支付": "critical_illness_insurance",
    "医疗救助支付": "medical_assistance",
    "慈善救助支付": "charity",
    "个人自付": "self_paid",
}
ACTOR = "system:import-bills"
HEADER = ",".join(COLUMNS) + "\n"


@dataclass(frozen=True)
class Row:
    line: int
    settlement_number: str
    id_number: str
    settled_on: date
    figures: BillFigures


@dataclass
class ImportReport(RowsReport):
    relief_fen: int = 0


def parse_row(line: int, raw: dict[str, str]) -> Row:
    """One CSV row, or a LedgerError naming the column."""
    number = (raw.get("settlement_number") or "").strip()
    if not number:
        raise LedgerError("settlement_number must not be empty", "settlement_number")
    id_number = validate_id_number(raw.get("id_number") or "", "id_number")
    text = (raw.get("settled_on") or "").strip()
    try:
        settled_on = date.fromisoformat(text)
    except ValueError:
        raise LedgerError(
            f"settled_on must be an ISO date such as 2025-07-01; got {text!r}", "settled_on"
        ) from None
    if settled_on > date.today() or settled_on.year < 2000:
        raise LedgerError(f"settled_on {text} is in the future or before 2000", "settled_on")
    money = {name: parse_yuan((raw.get(name) or "0").strip(), name) for name in COLUMNS[3:]}
    payers = {name: money[name] for name in PAYER_COLUMNS if money[name]}
    paid_by_others = sum(payers.values())
    if money["self_paid"] != money["total"] - paid_by_others:
        raise LedgerError(
            f"self_paid {format_yuan(money['self_paid'])} does not match total "
            f"{format_yuan(money['total'])} less the fund payments "
            f"{format_yuan(paid_by_others)} = {format_yuan(money['total'] - paid_by_others)}",
            "self_paid",
        )
    figures = BillFigures(money["total"], paid_by_others, money["self_paid"], payers, ())
    figures.check()
    return Row(line, number, id_number, settled_on, figures)


def read_rows(path: Path, report: ImportReport) -> list[Row]:
    """The file's good rows; each bad one goes to the report with its line number, and
    so does a settlement already on an earlier line."""
    required = tuple(c for c in COLUMNS if c not in PAYER_COLUMNS)
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for row in read_csv_rows(path, required, parse_row, report, ALIASES):
        if row.settlement_number in seen:
            report.error(
                row.line,
                "settlement_number",
                f"settlement {row.settlement_number} is also on line {seen[row.settlement_number]}",
            )
            continue
        seen[row.settlement_number] = row.line
        rows.append(row)
    return rows


def _people(ledger: Ledger) -> dict[str, list[tuple[UUID, str]]]:
    """Households and member ids by ID number (a person who moved is in two)."""
    found: dict[str, list[tuple[UUID, str]]] = {}
    for r in ledger.member_identity().values():
        found.setdefault(r["id_number"], []).append((UUID(str(r["household_id"])), r["member_id"]))
    return found


def import_bills(
    ledger: Ledger,
    path: Path,
    *,
    batch_rows: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    rows = read_rows(path, report)
    people = _people(ledger)
    by_household: dict[UUID, list[tuple[Row, str]]] = {}
    loaded: dict[UUID, Household] = {}
    for row in rows:
        place = None
        for hid, member_id in people.get(row.id_number, []):
            if hid not in loaded:
                loaded[hid] = ledger.app.household(hid)
            member = loaded[hid].members[member_id]
            if member.present_on(row.settled_on):
                place = (hid, member_id)
                break
        if place is None:
            report.error(
                row.line,
                "id_number",
                "no member of a household in the ledger has this ID number on "
                f"{row.settled_on.isoformat()}",
            )
            continue
        by_household.setdefault(place[0], []).append((row, place[1]))
    loaded.clear()  # reload inside the batches: the state they save against
    books: dict[str, StandardsBook] = {}
    done = 0
    batch: dict[UUID, list[tuple[Row, str]]] = {}
    for hid, posted in by_household.items():
        batch[hid] = posted
        last = hid == next(reversed(by_household))
        if sum(len(p) for p in batch.values()) >= batch_rows or last:
            _record_batch(ledger, batch, books, report)
            done += sum(len(p) for p in batch.values())
            batch = {}
            if progress:
                progress(done, len(rows))
    report.errors.sort()
    ledger.runner.catch_up()
    return report


Errors = list[tuple[int, str, str]]
Posted = tuple[int, int, int, Errors]


def _post(household: Household, rows: Iterable[tuple[Row, str]], book: StandardsBook) -> Posted:
    """Post a household's rows in file order: (recorded, already recorded, relief, errors)."""
    recorded = skipped = relief = 0
    errors: Errors = []
    numbers = {b.settlement_number for b in household.bills.values() if not b.cancelled}
    for row, member_id in rows:
        if row.settlement_number in numbers:
            skipped += 1
            continue
        try:
            bill = household.record_medical_bill(
                member_id=member_id,
                service_on=row.settled_on,
                figures=row.figures,
                settlement_number=row.settlement_number,
                actor=ACTOR,
                book=book,
                # From the household, the settlement and the bills before it: the same
                # bill id whenever the same file is imported into the same ledger.
                bill_id=str(
                    uuid5(
                        NAMESPACE_URL,
                        f"urn:jiaxing-ledger:{household.id}:settlement:"
                        f"{row.settlement_number}:{len(household.bills)}",
                    )
                ),
            )
        except LedgerError as error:
            errors.append((row.line, error.field or "", error.message))
            continue
        numbers.add(row.settlement_number)
        recorded += 1
        relief += bill.relief_fen
    return recorded, skipped, relief, errors


def _record_batch(
    ledger: Ledger,
    batch: dict[UUID, list[tuple[Row, str]]],
    books: dict[str, StandardsBook],
    report: ImportReport,
) -> None:
    def book_for(household: Household) -> StandardsBook:
        county = county_of(household.region_code)
        if county not in books:
            books[county] = ledger.app.standards_book(household.region_code)
        return books[county]

    changed: list[Household] = []
    results: list[Posted] = []
    for hid, rows in batch.items():
        household = ledger.app.household(hid)
        results.append(_post(household, rows, book_for(household)))
        if results[-1][0]:
            changed.append(household)
    try:
        if changed:
            ledger.app.save(*changed)
    except IntegrityError:
        # A household changed under us: post its rows again one household at a time,
        # each against its current state (the application's own retry loop).
        results = []
        for hid, rows in batch.items():

            def command(h: Household, rows: list[tuple[Row, str]] = rows) -> Posted:
                return _post(h, rows, book_for(h))

            results.append(ledger.app.update(hid, command))
    for recorded, skipped, relief, errors in results:
        report.recorded += recorded
        report.already_recorded += skipped
        report.relief_fen += relief
        report.errors += errors
