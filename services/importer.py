"""`ledger import FILE`: an existing registry from the system a bureau migrates from.

The CSV format is in docs/IMPORT.md (one row per member, the household's fields repeated
on each of its rows). Each household becomes a `Household` stream built by the same
aggregate commands the API uses (`register`, `add_member`, `set_account`, and `migrate`
for its categories and current amounts), so imported households carry the same events
and hash chains, and `ledger verify` checks them like any other.

Row by row: a bad row is reported with its line number and the reason, and its
household is not recorded at all (a household without one of its members would be
wrong: its size and so its dibao would be); the other households go in. Ids are
derived from the old system's household numbers (uuid5), so a second run, or a run
resumed after an interruption, finds the households already recorded and records
nothing new for them. Many households are saved per transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from queue import Empty
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.persistence import IntegrityError

from domain.application import LedgerApplication
from domain.errors import LedgerError
from domain.household import RELATIONS, RESIDENCES, Household
from domain.identity import claim_id
from domain.idnumber import validate_id_number
from domain.money import parse_yuan
from domain.payments import ACCOUNT_KINDS, validate_account
from domain.policy.registry import REGISTRY
from domain.standards import StandardsBook, validate_region_code

# Fixed: ids derived from it must not change between runs or releases.
IMPORT_NAMESPACE = UUID("5b0f6c2e-2f0a-4c1e-9d57-6a1f3e0c7b21")
BATCH = 500  # households per transaction

HOUSEHOLD_FIELDS = (
    "household_no",
    "region_code",
    "residence",
    "address",
    "registered_on",
    "category",
    "category_from",
    "monthly_amount",
    "countable_income",
)
MEMBER_FIELDS = (
    "name",
    "id_number",
    "relation",
    "birth_on",
    "severe_disability",
    "severe_illness",
    "member_category",
    "member_category_from",
    "member_monthly_amount",
    "account_kind",
    "account_number",
    "bank_name",
)
COLUMNS = HOUSEHOLD_FIELDS + MEMBER_FIELDS
REQUIRED = ("household_no", "region_code", "residence", "address", "registered_on", "name")
HOUSEHOLD_CATEGORIES = REGISTRY.exclusive_categories()  # the means-tested, one at a time
MEMBER_CATEGORIES = ("tekun", "dibao_single")
YES = ("yes", "y", "true", "1", "是")
NO = ("", "no", "n", "false", "0", "否")


def household_id(system: str, household_no: str) -> UUID:
    """The ledger's id of an imported household: the same for the same old number."""
    return uuid5(IMPORT_NAMESPACE, f"{system}/{household_no}")


class RowError(ValueError):
    """A row that cannot be imported; the message says why (`line`: which row, when it is
    not the household's first)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class MemberRow:
    line: int
    name: str
    id_number: str
    relation: str
    birth_on: date
    severe_disability: bool
    severe_illness: bool
    category: str | None
    category_from: date | None
    monthly_fen: int | None
    account: tuple[str, str, str | None] | None  # kind, number, bank name


@dataclass
class HouseholdRows:
    household_no: str
    lines: list[int] = field(default_factory=list)
    values: dict[str, tuple[str, int]] = field(default_factory=dict)  # field -> value, line
    members: list[MemberRow] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class ImportReport:
    source: str
    rows: int = 0
    households_recorded: int = 0
    households_already: int = 0
    members_recorded: int = 0
    events_recorded: int = 0
    households_rejected: int = 0
    amounts_as_rule: int = 0
    amounts_migrated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # line, reason

    @property
    def ok(self) -> bool:
        return not self.errors


# ----------------------------------------------------------------------- parsing


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(f"{name} must be a date YYYY-MM-DD, not {text!r}") from None


def _flag(text: str, name: str) -> bool:
    value = text.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise RowError(f"{name} must be yes or no, not {text!r}")


def _money(text: str, name: str) -> int:
    try:
        return parse_yuan(text, name)
    except LedgerError as error:
        raise RowError(error.message) from None


def _member(row: dict[str, str], line: int) -> MemberRow:
    try:
        id_number = validate_id_number(row["id_number"])
    except LedgerError as error:
        raise RowError(error.message) from None
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    birth_on = _date(row["birth_on"], "birth_on") if row["birth_on"] else born
    if birth_on != born:
        raise RowError(
            f"birth_on {birth_on.isoformat()} disagrees with the ID number's {born.isoformat()}"
        )
    if row["relation"] not in RELATIONS:
        raise RowError(f"relation must be one of {', '.join(RELATIONS)}, not {row['relation']!r}")
    category = row["member_category"] or None
    if category is not None and category not in MEMBER_CATEGORIES:
        raise RowError(
            f"member_category must be one of {', '.join(MEMBER_CATEGORIES)} or empty, "
            f"not {category!r}"
        )
    if category and not row["member_category_from"]:
        raise RowError("member_category_from is empty")
    since = _date(row["member_category_from"], "member_category_from") if category else None
    amount = (
        _money(row["member_monthly_amount"], "member_monthly_amount")
        if category and row["member_monthly_amount"]
        else None
    )
    if category is None and (row["member_category_from"] or row["member_monthly_amount"]):
        raise RowError("member_category_from and member_monthly_amount need a member_category")
    account = None
    if row["account_kind"] or row["account_number"]:
        kind = row["account_kind"]
        if kind not in ACCOUNT_KINDS:
            raise RowError(f"account_kind must be one of {', '.join(ACCOUNT_KINDS)}, not {kind!r}")
        try:
            number = validate_account(kind, row["account_number"])
        except LedgerError as error:
            raise RowError(error.message) from None
        account = (kind, number, row["bank_name"] or None)
    return MemberRow(
        line,
        row["name"],
        id_number,
        row["relation"],
        birth_on,
        _flag(row["severe_disability"], "severe_disability"),
        _flag(row["severe_illness"], "severe_illness"),
        category,
        since,
        amount,
        account,
    )


def read_households(text: io.TextIOBase) -> Iterator[HouseholdRows | tuple[int, str]]:
    """The file's households in order (rows of one household must be together), or
    (line, reason) for a line that belongs to no household (a bad header, a row
    without a household number, a household's rows found apart)."""
    reader = csv.DictReader(text, restval="", strict=True)
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in (*REQUIRED, "id_number", "relation") if name not in header]
    if missing:
        yield 1, f"the header lacks the column(s) {', '.join(missing)} (see docs/IMPORT.md)"
        return
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        yield 1, f"unknown column(s) {', '.join(unknown)} (see docs/IMPORT.md)"
        return
    reader.fieldnames = header
    current: HouseholdRows | None = None
    finished: set[str] = set()
    while True:
        start = reader.line_num + 1
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            yield start, f"the CSV cannot be read here: {error}"
            return
        line = start
        extra = None in raw  # more fields than the header: the household is refused
        row = {name: (raw.get(name) or "").strip() for name in COLUMNS}
        if not any(row.values()):
            continue  # a blank line
        number = row["household_no"]
        if not number:
            yield line, "household_no is empty"
            continue
        if current is None or current.household_no != number:
            if current is not None:
                finished.add(current.household_no)
                yield current
            if number in finished:
                yield (
                    line,
                    f"household {number} has rows apart from its first ones: keep a "
                    "household's rows together (sort the file by household_no)",
                )
                current = None
                continue
            current = HouseholdRows(number)
        current.lines.append(line)
        for name in HOUSEHOLD_FIELDS[1:]:
            value = row[name]
            if not value:
                continue
            seen = current.values.get(name)
            if seen is None:
                current.values[name] = (value, line)
            elif seen[0] != value:
                current.problems.append(
                    (
                        line,
                        f"the rows of household {number} disagree on {name}: {seen[0]!r} on "
                        f"line {seen[1]}, {value!r} here",
                    )
                )
        if extra:
            current.problems.append(
                (line, f"the row has more fields than the header's {len(header)}")
            )
            continue
        try:
            for name in (*REQUIRED[5:], "id_number", "relation"):
                if not row[name]:
                    raise RowError(f"{name} is empty")
            current.members.append(_member(row, line))
        except RowError as error:
            current.problems.append((line, str(error)))
    if current is not None:
        yield current


# ---------------------------------------------------------------------- building


@dataclass
class Built:
    household: Household
    members: int
    as_rule: int
    migrated: int
    rows: HouseholdRows


class Importer:
    def __init__(self, app: LedgerApplication, *, system: str, actor: str, source: str) -> None:
        self.app = app
        self.system = system
        self.actor = actor
        self.source = source
        self._books: dict[str, StandardsBook] = {}
        # ID number -> the household number and line that hold it
        self._id_numbers: dict[str, tuple[str, int]] = {}

    def book(self, region_code: str) -> StandardsBook:
        if region_code not in self._books:
            self._books[region_code] = self.app.standards_book(region_code)
        return self._books[region_code]

    def claim(self, rows: HouseholdRows) -> tuple[int, str] | None:
        """A person is in one household: an ID number belongs to the first household of
        the file that lists it; a later one listing it is refused (line, reason)."""
        for member in rows.members:
            other = self._id_numbers.get(member.id_number)
            if other is not None and other[0] != rows.household_no:
                return (
                    member.line,
                    f"ID number {member.id_number} is already in household {other[0]} "
                    f"(line {other[1]})",
                )
        for member in rows.members:
            self._id_numbers.setdefault(member.id_number, (rows.household_no, member.line))
        return None

    def build(self, rows: HouseholdRows) -> Built:
        """The household's aggregate with all its events (not saved); RowError if bad."""
        values = {name: value for name, (value, _) in rows.values.items()}
        for name in REQUIRED[1:5]:
            if name not in values:
                raise RowError(f"{name} is empty on every row of household {rows.household_no}")
        try:
            validate_region_code(values["region_code"])
        except LedgerError as error:
            raise RowError(error.message) from None
        if values["residence"] not in RESIDENCES:
            raise RowError(f"residence must be urban or rural, not {values['residence']!r}")
        registered_on = _date(values["registered_on"], "registered_on")
        category = values.get("category")
        if category is not None and category not in HOUSEHOLD_CATEGORIES:
            raise RowError(
                f"category must be one of {', '.join(HOUSEHOLD_CATEGORIES)} or empty, "
                f"not {category!r}"
            )
        if category and "category_from" not in values:
            raise RowError(f"category_from is empty on every row of household {rows.household_no}")
        since = _date(values["category_from"], "category_from") if category else None
        amount = (
            _money(values["monthly_amount"], "monthly_amount")
            if category and "monthly_amount" in values
            else None
        )
        income = (
            _money(values["countable_income"], "countable_income")
            if category and "countable_income" in values
            else None
        )
        if category is None and any(
            k in values for k in ("category_from", "monthly_amount", "countable_income")
        ):
            raise RowError("category_from, monthly_amount and countable_income need a category")
        if category in ("marginal", "low_income"):
            if amount:
                raise RowError(f"a {category} household has no monthly amount (leave it empty)")
            amount = None
        if category != "dibao" and income is not None:
            raise RowError("countable_income is recorded for dibao households only")
        seen: set[str] = set()
        for member in rows.members:
            if member.id_number in seen:
                raise RowError(f"ID number {member.id_number} is twice in the household")
            seen.add(member.id_number)
            if member.category == "dibao_single" and category != "marginal":
                raise RowError(
                    "dibao_single is for a member of a marginal household (§5)", member.line
                )

        hid = household_id(self.system, rows.household_no)
        book = self.book(values["region_code"])
        source = f"{self.source}, household {rows.household_no}"
        try:
            household = Household.register(
                region_code=values["region_code"],
                residence=values["residence"],
                address=values["address"],
                registered_on=registered_on,
                actor=self.actor,
                household_id=hid,
            )
            ids: list[str] = []
            for member in rows.members:
                ids.append(
                    household.add_member(
                        name=member.name,
                        id_number=member.id_number,
                        relation=member.relation,
                        birth_on=member.birth_on,
                        joined_on=None,
                        actor=self.actor,
                        severe_disability=member.severe_disability,
                        severe_illness=member.severe_illness,
                        member_id=str(uuid5(hid, member.id_number)),
                    )
                )
            for member, member_id in zip(rows.members, ids, strict=True):
                if member.account is not None:
                    kind, number, bank = member.account
                    household.set_account(
                        member_id,
                        kind=kind,
                        account_number=number,
                        bank_name=bank,
                        actor=self.actor,
                        on=registered_on,
                    )
            determinations = []
            if category is not None and since is not None:
                determinations.append(
                    household.migrate(
                        programme=category,
                        member_id=None,
                        effective_from=since,
                        monthly_fen=amount,
                        countable_income_fen=income,
                        source=source,
                        actor=self.actor,
                        book=book,
                        application_id=str(uuid5(hid, f"migration/{category}")),
                    )
                )
            for member, member_id in zip(rows.members, ids, strict=True):
                if member.category is not None and member.category_from is not None:
                    try:
                        determinations.append(
                            household.migrate(
                                programme=member.category,
                                member_id=member_id,
                                effective_from=member.category_from,
                                monthly_fen=member.monthly_fen,
                                countable_income_fen=None,
                                source=source,
                                actor=self.actor,
                                book=book,
                                application_id=str(
                                    uuid5(hid, f"migration/{member.category}/{member_id}")
                                ),
                            )
                        )
                    except LedgerError as error:
                        raise RowError(error.message, member.line) from None
        except LedgerError as error:
            raise RowError(error.message) from None
        migrated = sum(
            1
            for d in determinations
            for line in d.entitlements
            if line["standard_version"] == "migrated"
        )
        paid = sum(len(d.entitlements) for d in determinations)
        return Built(household, len(rows.members), paid - migrated, migrated, rows)


def existing(app: LedgerApplication, ids: list[UUID]) -> set[UUID]:
    """Which of these streams are recorded already (one query)."""
    recorder: Any = app.recorder
    table = recorder.events_table_name
    if hasattr(recorder.datastore, "schema"):  # PostgreSQL
        from psycopg import sql

        statement = sql.SQL(
            "SELECT originator_id FROM {}.{} WHERE originator_version = 1 "
            "AND originator_id = ANY(%s)"
        ).format(sql.Identifier(recorder.datastore.schema), sql.Identifier(table))
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(statement, (ids,))
            return {UUID(str(r["originator_id"])) for r in curs.fetchall()}
    found: set[UUID] = set()
    with recorder.datastore.transaction(commit=False) as curs:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            curs.execute(
                f"SELECT originator_id FROM {table} WHERE originator_version = 1 "
                f"AND originator_id IN ({','.join('?' * len(chunk))})",
                [i.hex for i in chunk],  # stored as hex there
            )
            found |= {UUID(r[0]) for r in curs.fetchall()}
    return found


Refused = tuple[Built, int, str]  # the household, the member's line, the reason


def _with_claims(
    app: LedgerApplication, batch: list[Built], actor: str
) -> tuple[list[tuple[Built, list[Any]]], list[Refused]]:
    """Each household with the claims on its members' numbers (一人一户, POLICY ch. 15),
    to save in its transaction; those with a number another household of the ledger
    holds are refused (the member's line, naming the county). One query finds which
    claims are recorded; only those are loaded."""
    numbers = [m.id_number for b in batch for m in b.rows.members]
    recorded = existing(app, [claim_id(n) for n in numbers]) if numbers else set()
    ready: list[tuple[Built, list[Any]]] = []
    refused: list[Refused] = []
    for built in batch:
        try:
            claims = app.claims_for_new_household(built.household, actor=actor, recorded=recorded)
        except LedgerError as error:
            line = next(
                (
                    m.line
                    for m in built.rows.members
                    if claim_id(m.id_number) in recorded
                    and _held_elsewhere(app, m.id_number, built.household.id)
                ),
                built.rows.lines[0],
            )
            refused.append((built, line, error.message))
            continue
        ready.append((built, claims))
    return ready, refused


def _held_elsewhere(app: LedgerApplication, number: str, hid: UUID) -> bool:
    claim = app.identity_claim(number)
    return claim is not None and (claim.deceased or claim.household_id not in (None, str(hid)))


def save_batch(
    app: LedgerApplication,
    batch: list[Built],
    rebuild: Callable[[Built], Built],
    actor: str = "migration",
) -> tuple[list[Built], int, list[Refused]]:
    """Save new households with their claims in one transaction; those already recorded
    (a second run, a resumed one) are left out, those with a number held by another
    household refused. Returns the ones saved, how many were there already, and the
    refused. If the transaction fails (a household recorded, or a claim made,
    concurrently), the new households are built again and saved one by one."""
    if not batch:
        return [], 0, []
    ready, refused = _with_claims(app, batch, actor)
    try:
        app.save(*(a for b, claims in ready for a in (b.household, *claims)))
        return [b for b, _ in ready], 0, refused
    except IntegrityError:
        pass
    # Saving took the aggregates' pending events: build the new ones again.
    there = existing(app, [b.household.id for b, _ in ready])
    saved: list[Built] = []
    already = 0
    for built, _ in ready:
        if built.household.id in there:
            already += 1
            continue
        for _attempt in range(3):
            fresh, again = _with_claims(app, [rebuild(built)], actor)
            if again:
                refused.extend(again)
                break
            [(one, claims)] = fresh
            try:
                app.save(one.household, *claims)
            except IntegrityError:
                if existing(app, [one.household.id]):
                    already += 1
                    break
                continue  # a claim made meanwhile: check again
            saved.append(one)
            break
    return saved, already, refused


def count_rows(path: Path) -> int:
    with path.open("rb") as f:
        return max(sum(1 for _ in f) - 1, 0)


def import_registry(
    app: LedgerApplication,
    path: Path,
    *,
    system: str = "legacy",
    actor: str = "migration",
    batch_size: int = BATCH,
    progress: Callable[[int], None] | None = None,
    after_batch: Callable[[int], None] | None = None,
    part: int = 0,
    parts: int = 1,
) -> ImportReport:
    """Import the CSV at `path` in this process; `progress(rows_done)` after each batch.

    With `parts` > 1 this process builds and saves only the households whose place in
    the file is `part` modulo `parts` (the others are read too, for the checks that
    span households), and file-level errors are reported by part 0 only."""
    report = ImportReport(source=path.name)
    importer = Importer(app, system=system, actor=actor, source=f"{system} ({path.name})")
    pending: list[Built] = []
    batches = 0

    def flush() -> None:
        nonlocal pending, batches
        saved, already, refused = save_batch(app, pending, lambda b: importer.build(b.rows), actor)
        report.households_already += already
        for built, line, reason in refused:
            _reject(report, built.rows, [(line, reason)])
        for built in saved:
            report.households_recorded += 1
            report.members_recorded += built.members
            report.events_recorded += built.household.version
            report.amounts_as_rule += built.as_rule
            report.amounts_migrated += built.migrated
        pending = []
        batches += 1
        if progress:
            progress(report.rows)
        if after_batch:
            after_batch(batches)

    with path.open(encoding="utf-8-sig", newline="") as text:
        for index, item in enumerate(read_households(text)):
            if isinstance(item, tuple):
                if part == 0:
                    report.errors.append(item)
                continue
            problems = item.problems
            if not problems:
                conflict = importer.claim(item)
                problems = [conflict] if conflict else []
            if index % parts != part:
                continue
            report.rows += len(item.lines)
            if problems:
                _reject(report, item, problems)
                continue
            try:
                pending.append(importer.build(item))
            except RowError as error:
                _reject(report, item, [(error.line or item.lines[0], str(error))])
                continue
            if len(pending) >= batch_size:
                flush()
    flush()
    report.errors.sort()
    return report


def _import_worker(
    settings: Any, path: Path, options: dict[str, Any], part: int, parts: int, queue: Any
) -> None:
    from services.ledger import Ledger

    ledger = Ledger.open(settings)
    try:
        report = import_registry(
            ledger.app,
            path,
            **options,
            part=part,
            parts=parts,
            progress=lambda rows: queue.put(("progress", part, rows)),
        )
        queue.put(("done", part, report))
    except BaseException as error:
        queue.put(("failed", part, f"{type(error).__name__}: {error}"))
        raise
    finally:
        ledger.close()


def import_parallel(
    settings: Any,
    path: Path,
    *,
    workers: int,
    progress: Callable[[int], None] | None = None,
    **options: Any,
) -> ImportReport:
    """The import in `workers` processes at once, each building and saving its share of
    the households (the aggregates are built in Python: one core each); one report."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [
        context.Process(target=_import_worker, args=(settings, path, options, part, workers, queue))
        for part in range(workers)
    ]
    for process in processes:
        process.start()
    done: dict[int, ImportReport] = {}
    rows = [0] * workers
    failure: str | None = None
    try:
        while len(done) < workers and failure is None:
            try:
                kind, part, value = queue.get(timeout=1)
            except Empty:
                dead = [n for n, p in enumerate(processes) if p.exitcode not in (None, 0)] or [
                    n for n, p in enumerate(processes) if p.exitcode == 0 and n not in done
                ]
                if dead:
                    failure = (
                        f"import worker {dead[0]} stopped (exit {processes[dead[0]].exitcode})"
                    )
                continue
            if kind == "progress":
                rows[part] = value
                if progress:
                    progress(sum(rows))
            elif kind == "done":
                done[part] = value
            else:
                failure = f"import worker {part} failed: {value}"
    finally:
        for process in processes:
            process.join(timeout=None if failure is None else 10)
    if failure is not None:
        raise RuntimeError(failure)
    report = ImportReport(source=path.name)
    for part_report in done.values():
        for name in (
            "rows",
            "households_recorded",
            "households_already",
            "members_recorded",
            "events_recorded",
            "households_rejected",
            "amounts_as_rule",
            "amounts_migrated",
        ):
            setattr(report, name, getattr(report, name) + getattr(part_report, name))
        report.errors.extend(part_report.errors)
    report.errors.sort()
    return report


def _reject(report: ImportReport, rows: HouseholdRows, problems: list[tuple[int, str]]) -> None:
    report.households_rejected += 1
    bad = {line for line, _ in problems}
    report.errors.extend(problems)
    others = [line for line in rows.lines if line not in bad]
    if others:
        report.errors.extend(
            (line, f"not imported: household {rows.household_no} has a bad row (line {min(bad)})")
            for line in others
        )


def write_synthetic(path: Path, households: int, *, start: int = 0) -> int:
    """A registry of `households` households in the import format (for `ledger bench` and
    the tests): dibao households of three (the amount agreeing with the rule on every
    second one, migrated on the others), marginal ones with a tekun member, low-income
    ones; the head's bank account. Returns the number of rows."""
    from domain.idnumber import check_character

    rows = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        for n in range(start, start + households):
            kind = n % 3
            category = HOUSEHOLD_CATEGORIES[kind]
            # dibao of three on 15,000 a year on 2025-01-01: (45,000 - income) / 12.
            income = 6000 + n % 20 * 100
            agree = n % 2 == 0
            amount = f"{(45000 - income) / 12:.2f}" if agree else f"{2000 + n % 7 * 10}.00"
            household = [
                f"H{n:08d}",
                ("330402", "330411", "330421", "330481")[n % 4],
                ("urban", "rural")[n % 2],
                f"嘉兴市 {n} 号",
                "2024-06-01",
                category,
                "2025-01-01",
                amount if category == "dibao" else "",
                f"{income}.00" if category == "dibao" else "",
            ]
            for m in range(3):
                born = date(1940, 1, 1) + timedelta(days=n % 20000 + m * 3000)
                body = f"330402{born:%Y%m%d}{n // 20000 * 3 + m:03d}"  # unique below 6.6M
                id_number = body + check_character(body)
                tekun = category == "marginal" and m == 2
                out.writerow(
                    [
                        *household,
                        ("王", "李", "张")[m] + f"{n}",
                        id_number,
                        ("head", "spouse", "child")[m],
                        "",
                        "yes" if tekun else "no",
                        "no",
                        "tekun" if tekun else "",
                        "2025-01-01" if tekun else "",
                        "2166.67" if tekun else "",
                        "bank" if m == 0 else "",
                        f"6222020{n:012d}" if m == 0 else "",
                        "中国工商银行" if m == 0 else "",
                    ]
                )
                rows += 1
    return rows
