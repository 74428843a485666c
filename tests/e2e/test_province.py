"""A province: two county ledgers behind one `ledger serve` (LEDGER_LEDGERS_FILE,
services/province.py, docs/SCALING.md), over HTTP, each ledger its own PostgreSQL schema.

Amounts: a one-member household with no income on dibao (POLICY ch. 3, §5): the city's
standard of 1,250.00 a month in both counties, each from its own ledger's standards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest

from services.ledger import Ledger
from services.settings import Settings
from tests.conftest import _pg_conninfo, pg_database_url
from tests.e2e.conftest import SECRET, Server, running_server
from tests.e2e.test_http import AP, CW, approve_dibao
from tests.e2e.test_medical_http import post_bill
from tests.e2e.test_payments_http import FIN
from tests.helpers import id_number

ROOT = Path(__file__).resolve().parents[2]
HOUSEHOLD = {"residence": "urban", "address": "中山路1号", "registered_on": "2025-01-01"}
ACCOUNT = {"kind": "bank", "account_number": "6222 0202 0011 2233 445", "bank_name": "中国工商银行"}


@pytest.fixture
def schemas(postgres_available: None) -> Iterator[dict[str, str]]:
    names = {county: f"t_{uuid.uuid4().hex[:16]}" for county in ("nanhu", "xiuzhou")}
    with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE SCHEMA "{name}"')  # type: ignore[arg-type]
    try:
        yield names
    finally:
        with psycopg.connect(_pg_conninfo(), autocommit=True) as conn:
            for name in names.values():
                conn.execute(f'DROP SCHEMA "{name}" CASCADE')  # type: ignore[arg-type]


def _ledgers_file(tmp_path: Path, schemas: dict[str, str]) -> Path:
    path = tmp_path / "ledgers.toml"
    path.write_text(
        "".join(
            f'[[ledger]]\nname = "{name}"\nregions = ["{region}"]\n'
            f'database_url = "{pg_database_url(schemas[name])}"\n\n'
            for name, region in (("nanhu", "330402"), ("xiuzhou", "330411"))
        )
    )
    return path


@pytest.fixture
def server(tmp_path: Path, schemas: dict[str, str]) -> Iterator[Server]:
    extra = {"LEDGER_LEDGERS_FILE": str(_ledgers_file(tmp_path, schemas))}
    # LEDGER_DATABASE_URL is not used with a ledgers file: a SQLite path that must stay absent.
    with running_server(f"sqlite:///{tmp_path}/unused.db", tmp_path, extra) as started:
        yield started
    assert not (tmp_path / "unused.db").exists()


def _open(schemas: dict[str, str], name: str, tmp_path: Path) -> Ledger:
    settings = Settings(
        database_url=pg_database_url(schemas[name]), secret=SECRET, data_dir=tmp_path
    )
    return Ledger.open(settings, seed=False)


def _household(server: Server, region: str, number: str) -> str:
    r = server.client.post(
        "/households", headers=server.token(*CW), json={**HOUSEHOLD, "region_code": region}
    )
    assert r.status_code == 201, r.text
    hid = r.json()["household_id"]
    r = server.client.post(
        f"/households/{hid}/members",
        headers=server.token(*CW),
        json={"name": "王五", "id_number": number, "relation": "head", "birth_on": "1960-02-03"},
    )
    assert r.status_code == 201, r.text
    member = r.json()["member_id"]
    r = server.client.put(
        f"/households/{hid}/members/{member}/account", headers=server.token(*CW), json=ACCOUNT
    )
    assert r.status_code == 200, r.text
    return hid


def test_two_county_ledgers_behind_one_service(
    server: Server, schemas: dict[str, str], tmp_path: Path
) -> None:
    nanhu = _household(server, "330402", id_number())
    xiuzhou = _household(server, "330411", id_number())

    # Each household is recorded in its county's ledger and nowhere else.
    for name, mine, other in (("nanhu", nanhu, xiuzhou), ("xiuzhou", xiuzhou, nanhu)):
        ledger = _open(schemas, name, tmp_path)
        try:
            assert ledger.app.recorder.select_events(uuid.UUID(mine), limit=1)
            assert not ledger.app.recorder.select_events(uuid.UUID(other), limit=1)
        finally:
            ledger.close()

    # A household's routes follow it to its ledger.
    for hid in (nanhu, xiuzhou):
        approve_dibao(server, hid, "2025-02-01", "0")
        r = server.client.get(
            f"/households/{hid}/entitlements",
            params={"as_of": "2025-02-01"},
            headers=server.token(*AP),
        )
        assert r.status_code == 200, r.text
        assert [(e["programme"], e["monthly_amount"]) for e in r.json()] == [("dibao", "1250.00")]

    # A run is one ledger's: said by region or name, refused when not said.
    r = server.client.post("/payment-runs", headers=server.token(*FIN), json={"period": "2025-02"})
    assert r.status_code == 422 and "region" in r.text and "nanhu: 330402" in r.text
    for which in ({"region": "330402"}, {"ledger": "xiuzhou"}):
        r = server.client.post(
            "/payment-runs", params=which, headers=server.token(*FIN), json={"period": "2025-02"}
        )
        assert r.status_code == 201, r.text
        assert (r.json()["payments"], r.json()["total"]) == (1, "1250.00")
    r = server.client.post(
        "/payment-runs",
        params={"region": "330421"},
        headers=server.token(*FIN),
        json={"period": "2025-02"},
    )
    assert r.status_code == 422 and "no ledger of this deployment covers 330421" in r.text

    # The supervision figures add the ledgers up: each county's from the ledger holding it.
    r = server.client.get(
        "/supervision/metrics", params={"as_of": "2025-02-01"}, headers=server.token(*AP)
    )
    assert r.status_code == 200, r.text
    standards = [m for m in r.json()["metrics"] if m["metric"] == "dibao_standard_annual"]
    assert [(m["region_code"], m["actual"]) for m in standards] == [
        ("330402", "15000.00"),
        ("330411", "15000.00"),
    ]
    r = server.client.get("/warnings/summary", headers=server.token(*AP))
    assert r.status_code == 200, r.text
    assert [c["region_code"] for c in r.json()] == sorted(c["region_code"] for c in r.json())


def test_one_person_is_in_one_ledger_of_the_province(server: Server) -> None:
    """POLICY ch. 15 across ledgers: a person of a Nanhu household is refused in Xiuzhou,
    naming the field and the ledger, and nothing is recorded there."""
    number = id_number()
    _household(server, "330402", number)
    r = server.client.post(
        "/households",
        headers=server.token(*CW),
        json={**HOUSEHOLD, "region_code": "330411"},
    )
    hid = r.json()["household_id"]
    r = server.client.post(
        f"/households/{hid}/members",
        headers=server.token(*CW),
        json={"name": "王五", "id_number": number, "relation": "head", "birth_on": "1960-02-03"},
    )
    assert r.status_code == 409, r.text
    assert r.json()["field"] == "id_number" and "ledger nanhu" in r.json()["message"]
    r = server.client.get(f"/households/{hid}", headers=server.token(*AP))
    assert r.status_code == 200 and r.json()["members"] == []
    # Another person is welcome there.
    r = server.client.post(
        f"/households/{hid}/members",
        headers=server.token(*CW),
        json={
            "name": "赵六",
            "id_number": id_number(),
            "relation": "head",
            "birth_on": "1970-01-01",
        },
    )
    assert r.status_code == 201, r.text


def test_a_wrong_ledgers_file_stops_the_service_naming_the_ledger_and_key(
    tmp_path: Path, schemas: dict[str, str]
) -> None:
    path = _ledgers_file(tmp_path, schemas)
    path.write_text(path.read_text().replace('regions = ["330411"]', 'regions = ["3304"]'))
    result = subprocess.run(
        [sys.executable, "-m", "scripts.cli", "serve", "--port", "1"],
        env={**os.environ, "LEDGER_LEDGERS_FILE": str(path), "LEDGER_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "LEDGER_LEDGERS_FILE" in result.stderr and "overlaps" in result.stderr
    assert "Traceback" not in result.stderr


def _member_of(server: Server, hid: str) -> str:
    r = server.client.get(f"/households/{hid}", headers=server.token(*AP))
    return str(r.json()["members"][0]["member_id"])


def _event_count(server: Server, hid: str) -> int:
    return len(server.client.get(f"/households/{hid}/events", headers=server.token(*AP)).json())


def test_a_move_between_two_ledgers_carries_the_self_pay_and_records_nothing_twice(
    server: Server,
) -> None:
    """§17 (POLICY ch. 6) across ledgers: a person of a Nanhu household who kept 20,000.00
    of self-pay moves on 2025-07-01 to a Xiuzhou household on dibao; they carry
    {"2025": "20000.00"}, so a later bill of 15,000.00 there takes them to 35,000.00: the
    person's cap of 30,000.00 leaves 5,000.00 to the medical safety fund."""
    number = id_number()
    source = _household(server, "330402", number)
    person = _member_of(server, source)
    target = _household(server, "330411", id_number())
    approve_dibao(server, target, "2025-01-01", "0")
    assert post_bill(server, source, person, "20000").status_code == 201
    before = (_event_count(server, source), _event_count(server, target))
    move = {"to_household_id": target, "effective_on": "2025-07-01"}
    r = server.client.post(
        f"/households/{source}/members/{person}/move", headers=server.token(*CW), json=move
    )
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["carried"] == {"2025": "20000.00"} and first["to_ledger"] == "xiuzhou"
    after = (_event_count(server, source), _event_count(server, target))
    assert after[0] > before[0] and after[1] > before[1]
    # Asked again (a retry): the same move, nothing recorded twice.
    r = server.client.post(
        f"/households/{source}/members/{person}/move", headers=server.token(*CW), json=move
    )
    assert r.status_code == 201 and r.json() == first
    assert (_event_count(server, source), _event_count(server, target)) == after

    members = server.client.get(f"/households/{target}", headers=server.token(*AP)).json()
    assert person in [m["member_id"] for m in members["members"]]
    bill = post_bill(server, target, person, "15000", service_on="2025-08-01")
    assert bill.status_code == 201, bill.text
    assert bill.json()["relief"] == "5000.00"
    # Now in Xiuzhou, the person cannot be added again in Nanhu.
    r = server.client.post(
        f"/households/{source}/members",
        headers=server.token(*CW),
        json={"name": "王五", "id_number": number, "relation": "head", "birth_on": "1960-02-03"},
    )
    assert r.status_code == 409 and "ledger xiuzhou" in r.json()["message"]


def test_a_move_cut_between_its_halves_is_finished_by_the_worker(
    server: Server, schemas: dict[str, str], tmp_path: Path
) -> None:
    """The first half recorded alone (as if the process died after it): the province's
    `ledger project` finds the Transfer left without completion and records the second
    half; the person is then in the Xiuzhou household with what they carry."""
    source = _household(server, "330402", id_number())
    person = _member_of(server, source)
    target = _household(server, "330411", id_number())
    assert post_bill(server, source, person, "1234.56").status_code == 201
    nanhu = _open(schemas, "nanhu", tmp_path)
    try:
        nanhu.app.transfer_out(
            uuid.UUID(source),
            person,
            to_ledger="xiuzhou",
            to_household_id=uuid.UUID(target),
            effective_on=date(2025, 7, 1),
            actor="caseworker-li",
        )
    finally:
        nanhu.close()
    members = server.client.get(f"/households/{target}", headers=server.token(*AP)).json()
    assert person not in [m["member_id"] for m in members["members"]]
    worker = subprocess.Popen(
        [sys.executable, "-m", "scripts.cli", "project"],
        env={
            **os.environ,
            "LEDGER_LEDGERS_FILE": str(tmp_path / "ledgers.toml"),
            "LEDGER_SECRET": SECRET,
            "LEDGER_DATA_DIR": str(tmp_path),
            "LEDGER_PROJECTION_INTERVAL_SECONDS": "0.2",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            r = server.client.get(f"/households/{target}", headers=server.token(*AP))
            if person in [m["member_id"] for m in r.json()["members"]]:
                break
            assert time.monotonic() < deadline, "the worker never finished the move"
            time.sleep(0.2)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert "from nanhu to xiuzhou finished" in output
    caps = server.client.get(
        f"/households/{target}/medical-caps", params={"year": 2025}, headers=server.token(*AP)
    ).json()
    [moved] = [m for m in caps["members"] if m["member_id"] == person]
    assert (moved["paid"], moved["carried"]) == ("1234.56", "1234.56"), moved


def test_ledger_migrate_readies_every_ledger_of_the_file_with_urls_from_the_environment(
    tmp_path: Path, schemas: dict[str, str]
) -> None:
    """`ledger migrate` with LEDGER_LEDGERS_FILE: each ledger, then the province's index;
    a URL's ${VARIABLE} is read from the environment, and one not set is refused, named."""
    path = _ledgers_file(tmp_path, schemas)
    path.write_text(path.read_text().replace("postgresql://", "${LEDGER_TEST_SCHEME}://"))
    env = {**os.environ, "LEDGER_LEDGERS_FILE": str(path), "LEDGER_DATA_DIR": str(tmp_path)}
    run = [sys.executable, "-m", "scripts.cli", "migrate"]
    missing = subprocess.run(run, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert missing.returncode == 2
    said = " ".join(missing.stderr.split())  # the console wraps long lines
    assert "ledger nanhu: database_url names ${LEDGER_TEST_SCHEME}, which is not set" in said
    env["LEDGER_TEST_SCHEME"] = "postgresql"
    done = subprocess.run(run, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ledger nanhu ready" in done.stdout and "ledger xiuzhou ready" in done.stdout
    assert "identity index ready in ledger nanhu" in done.stdout
    with psycopg.connect(_pg_conninfo()) as conn:
        found = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s "
            "AND table_name = 'ledger_province_identity'",
            (schemas["nanhu"],),
        ).fetchone()
    assert found == (1,)
