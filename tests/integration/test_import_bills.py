"""`ledger import-bills` on both backends (POLICY ch. 6, the §17 caps): 10,000 settlement rows
with a few bad ones; the good ones load, the bad ones are reported by line number, a
second import records nothing new, and every bill's split is what §17 gives when the
bills are posted one by one."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

from domain.household import Household
from domain.money import format_yuan, yuan
from domain.policy.s17_medical_caps import BillFigures
from services.import_bills import import_bills
from services.ledger import Ledger
from services.settings import Settings
from tests.helpers import id_number

HOUSEHOLDS = 500  # 2 members each, 20 settlements per household
PERSON_CAP, HOUSEHOLD_CAP = yuan(30000), yuan(50000)  # SEED §17
HEADER = (
    "settlement_number,id_number,settled_on,total,basic_insurance,"
    "critical_illness_insurance,medical_assistance,charity,self_paid\n"
)


def city(app, households=HOUSEHOLDS):
    """Households built in memory and saved many at a time; (household, member, id) list."""
    people = []
    batch = []
    for n in range(households):
        household = Household.register(
            region_code="330402",
            residence="urban",
            address=f"南湖路{n}号",
            registered_on=date(2024, 1, 1),
            actor="caseworker-li",
            household_id=uuid4(),
        )
        for i in range(2):
            number = id_number(date(1970 + n % 30, 1 + i, 1 + n % 28))
            member = household.add_member(
                name=f"病人{n}-{i}",
                id_number=number,
                relation="head" if i == 0 else "spouse",
                birth_on=date(1970, 1, 1),
                joined_on=None,
                actor="caseworker-li",
            )
            people.append((household.id, member, number))
        batch.append(household)
        if len(batch) == 100:
            app.save(*batch)
            batch = []
    if batch:
        app.save(*batch)
    return people


def rows(people, count):
    """`count` settlements: person k % len(people), self-pay between 0.01 and 7,999.99."""
    out = []
    for k in range(count):
        number = people[k % len(people)][2]
        self_paid = (k * 7919) % 799_999 + 1
        basic = (k * 104_729) % 2_000_000
        total = self_paid + basic
        on = date(2025, 1, 1) + timedelta(days=k % 360)
        out.append(
            (
                f"JX{k:08d}",
                number,
                on.isoformat(),
                format_yuan(total),
                format_yuan(basic),
                "0",
                "0",
                "0",
                format_yuan(self_paid),
            )
        )
    return out


def write(path: Path, lines):
    path.write_text(HEADER + "".join(",".join(r) + "\n" for r in lines), encoding="utf-8")


def expected_splits(people, lines):
    """§17 by hand, bills in file order: kept = min(S, 30,000 - paid(p), 50,000 - paid(h))."""
    household_of = {number: hid for hid, _, number in people}
    paid_p: dict[str, int] = {}
    paid_h: dict[object, int] = {}
    splits = {}
    for number_s, number, *_rest, self_paid in lines:
        s = int(self_paid.replace(".", ""))
        h = household_of[number]
        kept = min(s, PERSON_CAP - paid_p.get(number, 0), HOUSEHOLD_CAP - paid_h.get(h, 0))
        paid_p[number] = paid_p.get(number, 0) + kept
        paid_h[h] = paid_h.get(h, 0) + kept
        splits[number_s] = (kept, s - kept)
    return splits


def recorded_splits(ledger, people):
    splits = {}
    for hid in {hid for hid, _, _ in people}:
        for bill in ledger.app.household(hid).bills.values():
            splits[bill.settlement_number] = (bill.kept_fen, bill.relief_fen)
    return splits


def test_ten_thousand_settlements_with_bad_rows(ledger, tmp_path):
    people = city(ledger.app)
    good = rows(people, 10_000)
    outsider = id_number(date(1990, 1, 1))
    bad = {
        # line number in the file (header is line 1) -> (row, field named in the error)
        3: (
            ("JXBAD00001", outsider, "2025-03-01", "100.00", "0", "0", "0", "0", "100.00"),
            "id_number",
        ),
        1000: (
            ("JXBAD00002", people[1][2], "2025-03-01", "1000.001", "0", "0", "0", "0", "1000.00"),
            "total",
        ),
        2500: (
            ("JXBAD00003", people[2][2], "2025-03-01", "100.00", "50.00", "0", "0", "0", "60.00"),
            "self_paid",
        ),
        5000: (
            ("JXBAD00004", people[3][2], "2025-13-01", "100.00", "0", "0", "0", "0", "100.00"),
            "settled_on",
        ),
        7500: (
            (
                "JXBAD00005",
                people[4][2][:17] + ("0" if people[4][2][17] != "0" else "1"),
                "2025-03-01",
                "100.00",
                "0",
                "0",
                "0",
                "0",
                "100.00",
            ),
            "id_number",
        ),
        9000: ((good[0][0], *good[0][1:]), "settlement_number"),  # repeats line 2
    }
    lines = list(good)
    for line in sorted(bad):
        lines.insert(line - 2, bad[line][0])
    assert len(lines) == 10_006
    path = tmp_path / "settlements.csv"
    write(path, lines)

    started = time.perf_counter()
    report = import_bills(ledger, path)
    elapsed = time.perf_counter() - started
    print(f"\n{ledger.backend}: 10,006 rows imported in {elapsed:.1f} s")
    assert (report.rows, report.recorded, report.already_recorded) == (10_006, 10_000, 0)
    assert [(line, field) for line, field, _ in report.errors] == [
        (line, bad[line][1]) for line in sorted(bad)
    ]
    assert "line 2" in report.errors[-1][2]  # the repeated settlement names its first line

    want = expected_splits(people, good)
    assert recorded_splits(ledger, people) == want
    assert report.relief_fen == sum(relief for _, relief in want.values())
    assert report.relief_fen > 0 and any(kept == 0 for kept, _ in want.values())  # caps bit

    head = ledger.app.recorder.max_notification_id()
    again = import_bills(ledger, path)
    assert (again.recorded, again.already_recorded, len(again.errors)) == (0, 10_000, 6)
    assert ledger.app.recorder.max_notification_id() == head  # nothing new recorded


def test_an_import_splits_exactly_as_bills_posted_one_by_one(ledger, tmp_path):
    """The same 400 settlements of 10 households: imported on this ledger, posted one by
    one through the application's record_medical_bill on another (SQLite) ledger with the
    same households: every bill's kept and relief are the same."""
    people = city(ledger.app, households=10)
    lines = rows(people, 400)
    path = tmp_path / "s.csv"
    write(path, lines)
    assert not import_bills(ledger, path).errors

    other = Ledger.open(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'other.db'}",
            secret="test-secret-" + "x" * 32,
            data_dir=tmp_path,
        )
    )
    try:
        for hid, _, _ in people:
            if hid in other.app.repository:
                continue
            original = ledger.app.household(hid)
            copy = Household.register(
                region_code="330402",
                residence="urban",
                address="copy",
                registered_on=original.registered_on,
                actor="caseworker-li",
                household_id=hid,
            )
            for m in original.members.values():
                copy.add_member(
                    name=m.name,
                    id_number=m.id_number,
                    relation=m.relation,
                    birth_on=m.birth_on,
                    joined_on=None,
                    actor="caseworker-li",
                    member_id=m.member_id,
                )
            other.app.save(copy)
        member_of = {number: (hid, member) for hid, member, number in people}
        for settlement, number, on, total, basic, *_r, self_paid in lines:
            hid, member = member_of[number]
            fen = lambda text: int(text.replace(".", ""))  # noqa: E731 (two places always)
            other.app.record_medical_bill(
                hid,
                member_id=member,
                service_on=date.fromisoformat(on),
                figures=BillFigures(
                    fen(total),
                    fen(basic),
                    fen(self_paid),
                    {"basic_insurance": fen(basic)} if fen(basic) else {},
                    (),
                ),
                settlement_number=settlement,
                actor="caseworker-li",
            )
        assert recorded_splits(ledger, people) == recorded_splits(other, people)
        assert recorded_splits(ledger, people) == expected_splits(people, lines)
    finally:
        other.close()


def test_the_command_imports_the_example_file_and_reports_by_line(settings, monkeypatch):
    """`ledger import-bills docs/examples/settlements.csv` for the two people it names:
    three settlements recorded (self-pay 2,600.00 + 244.20, and 14,000.00), nothing
    refused; a copy with one bad row exits 1 naming line 5; run again, nothing new."""
    from typer.testing import CliRunner

    from scripts.cli import cli

    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    monkeypatch.setenv("LEDGER_DATA_DIR", str(settings.data_dir))
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "settlements.csv"
    text = example.read_text(encoding="utf-8")
    ledger = Ledger.open(settings)
    try:
        for number in sorted({line.split(",")[1] for line in text.splitlines()[1:]}):
            household = Household.register(
                region_code=f"{number[:6]}",
                residence="urban",
                address="南湖路1号",
                registered_on=date(2025, 1, 1),
                actor="caseworker-li",
            )
            household.add_member(
                name="病人",
                id_number=number,
                relation="head",
                birth_on=date(1972, 1, 1),
                joined_on=None,
                actor="caseworker-li",
            )
            ledger.app.save(household)
    finally:
        ledger.close()
    runner = CliRunner()
    first = runner.invoke(cli, ["import-bills", str(example)], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "3 rows: 3 recorded, 0 already recorded, 0 refused" in first.output
    bad = settings.data_dir / "bad.csv"
    bad.write_text(text + "JXBAD,330402198005171237,2025-07-04,100.00,0,0,0,0,90.00\n")
    second = runner.invoke(cli, ["import-bills", str(bad)], catch_exceptions=False)
    assert second.exit_code == 1
    assert "line 5: self_paid: self_paid 90.00 does not match total 100.00" in second.output
    assert "4 rows: 0 recorded, 3 already recorded, 1 refused" in second.output
