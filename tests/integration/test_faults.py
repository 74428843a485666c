"""Faults: the projection process killed (SIGKILL) in the middle of a batch and started
again gives views identical to a clean rebuild; a database refusing a write is reported,
never swallowed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from projections.runner import VIEWS
from scripts.demo import build_demo_city
from tests.path import app_consents, app_decide, app_walk

CHILD = textwrap.dedent("""
    import sys, time
    from services.settings import Settings
    from services.ledger import Ledger
    # The ledger's own settings (its secret: the search view's ID index key comes of it).
    settings = Settings(database_url=sys.argv[1], secret=sys.argv[3], data_dir=sys.argv[2])
    ledger = Ledger.open(settings)
    store = ledger.views
    write = store._write          # slow every batch down *inside* its transaction
    def slow(curs, ops):
        write(curs, ops)
        time.sleep(0.05)
    store._write = slow
    ledger.runner.batch_size = 40
    print("catching up", flush=True)
    ledger.runner.catch_up()
    print("done", flush=True)
""")


def test_a_projection_killed_mid_batch_catches_up_to_a_clean_rebuild(
    ledger, settings, tmp_path: Path
):
    build_demo_city(ledger, households=60, seed=11)
    tables = tuple(t for view in VIEWS.values() for t in view.tables)
    ledger.runner.catch_up()
    head = ledger.app.recorder.max_notification_id()
    for view in VIEWS.values():  # empty views: the child rebuilds them from the log
        ledger.views.reset(ledger.runner.tracking_name(view), view.tables)
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen(
        [
            sys.executable,
            str(script),
            settings.database_url,
            str(tmp_path),
            settings.signing_key(),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "catching up"
    names = [ledger.runner.tracking_name(view) for view in VIEWS.values()]

    def done() -> int:
        return sum(ledger.views.max_tracking_id(n) or 0 for n in names)

    deadline = time.monotonic() + 60
    while done() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)  # while it sleeps inside a batch's transaction
    child.wait(timeout=30)
    assert 0 < done() < head * len(names), "the kill must land in the middle of the rebuild"
    ledger.runner.catch_up()  # started again: it carries on from the tracked position
    recovered = ledger.views.dump(tables)
    ledger.runner.rebuild()
    assert ledger.views.dump(tables) == recovered


def test_a_refused_write_is_reported(ledger):
    """A view write that the database refuses raises; the position does not move."""
    from eventsourcing.persistence import Tracking

    from projections.interface import Op

    name = "fault-test"
    with pytest.raises(Exception) as caught:
        ledger.views.apply(
            [
                Op(
                    "household",
                    {
                        "household_id": None,
                        "region_code": None,
                        "residence": None,
                        "registered_on": None,
                    },
                )
            ],
            Tracking(name, 5),
        )
    assert "NULL" in str(caught.value).upper() or "null" in str(caught.value)
    assert ledger.views.max_tracking_id(name) is None


def test_a_view_that_keeps_failing_is_named_by_health_and_the_others_move_on(
    ledger, settings, caplog
):
    """Issue 8 (operations, faults): when the database keeps refusing one view's rows (here
    its visits table is gone), /health answers `degraded` naming that view and the error's
    class, the background catch-up logs the error, the other views still catch up, and
    once the table is back everything is `ok` at lag 0."""
    from datetime import date

    from fastapi.testclient import TestClient

    from api.main import create_app
    from tests.conftest import behind_the_back
    from tests.helpers import household

    hid, _ = household(ledger.app, 1)
    quick = settings.model_copy(update={"projection_interval_seconds": 0.05})
    with TestClient(create_app(quick, ledger)) as client:
        body = client.get("/health").json()
        assert body["status"] == "ok" and body["database"] == "up"
        assert body["backend"] == ledger.backend
        assert body["views"] == {name: "ok" for name in VIEWS}
        behind_the_back(settings, "ALTER TABLE ledger_visits RENAME TO ledger_visits_away")
        ledger.app.record_visit(
            hid, visited_on=date(2025, 2, 1), visitor="cw", findings="ok", needs=None, actor="cw"
        )
        household(ledger.app, 1)  # more events, for the other views to take
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            body = client.get("/health").json()
            if body["status"] == "degraded" and body["views"]["care"]["failures"] >= 2:
                break
            time.sleep(0.05)
        assert body["status"] == "degraded", body
        assert body["views"]["care"]["state"] == "failing"
        assert body["views"]["care"]["error"] in ("OperationalError", "ProgrammingError")
        assert [name for name, state in body["views"].items() if state != "ok"] == ["care"]
        assert body["projections_lag"]["entitlements"] == 0 < body["projections_lag"]["care"]
        logged = [r.getMessage() for r in caplog.records if "catch-up failed" in r.getMessage()]
        assert logged and "ledger_visits" in logged[0]
        behind_the_back(settings, "ALTER TABLE ledger_visits_away RENAME TO ledger_visits")
        deadline = time.monotonic() + 20
        while client.get("/health").json()["status"] != "ok" and time.monotonic() < deadline:
            time.sleep(0.05)
        body = client.get("/health").json()
        assert body["status"] == "ok" and set(body["projections_lag"].values()) == {0}


REFUSE_INSERT_PG = (
    "CREATE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'permission denied for table ledger_events' "
    "USING ERRCODE = 'insufficient_privilege'; END $$",
    "CREATE TRIGGER refuse_insert BEFORE INSERT ON ledger_events "
    "FOR EACH ROW EXECUTE FUNCTION refuse_insert()",
)


def test_an_event_store_that_refuses_writes_is_reported_and_nothing_is_half_applied(
    settings, tmp_path
):
    """Issue 8 (faults): the event store refusing a write (a read-only SQLite file; on
    PostgreSQL, INSERT into the events table refused as a revoked privilege would be) is
    reported: `ledger payment-run` (a write to many streams) exits 1 naming the refusal,
    without a traceback; over the API a registration and a determination (several events)
    answer 500 `database_refused` naming the driver's error. Afterwards not one event was
    added and `verify` is clean."""
    import shutil
    import tempfile
    from datetime import date

    from fastapi.testclient import TestClient

    from api.auth import issue_token
    from api.main import create_app
    from services.ledger import Ledger
    from tests.conftest import behind_the_back
    from tests.helpers import means
    from tests.integration.test_payments import dibao

    sqlite = settings.database_url.startswith("sqlite")
    if sqlite:  # a folder anyone may read: the command runs as `nobody` when we are root
        folder = Path(tempfile.mkdtemp(prefix="ledger-ro-"))
        folder.chmod(0o755)
        settings = settings.model_copy(
            update={"database_url": f"sqlite:///{folder / 'ledger.db'}", "data_dir": folder}
        )
    ledger = Ledger.open(settings)
    try:
        hid, _ = dibao(ledger, 2, 0, date(2025, 1, 1))
        app_id = ledger.app.submit_application(
            hid,
            programme="dibao",
            effective_from=date(2025, 2, 1),
            means=means(0),
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 2, 1)),
        )
        app_walk(ledger.app, hid, app_id)  # to be decided: only the write is refused
        head = ledger.app.recorder.max_notification_id()
        if sqlite:
            ledger.close()
            for path in folder.iterdir():
                path.chmod(0o444)
            folder.chmod(0o555)
        else:
            behind_the_back(settings, *REFUSE_INSERT_PG)
            secret = settings.secret.get_secret_value()
            with TestClient(create_app(settings, ledger), raise_server_exceptions=False) as c:
                cw = {"Authorization": f"Bearer {issue_token(secret, 'cw', 'caseworker', 60)}"}
                ap = {"Authorization": f"Bearer {issue_token(secret, 'ap', 'approver', 60)}"}
                household = {"region_code": "330402", "residence": "urban", "address": "a"}
                r = c.post(
                    "/households", headers=cw, json=household | {"registered_on": "2025-01-01"}
                )
                assert r.status_code == 500 and r.json()["error"] == "database_refused"
                assert "(InsufficientPrivilege)" in r.json()["message"]
                r = c.post(
                    f"/households/{hid}/applications/{app_id}/determination",
                    headers=ap,
                    json={"decision": "approve", "reason": "ok"},
                )
                assert r.status_code == 500 and r.json()["error"] == "database_refused"
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        command = [sys.executable, "-m", "scripts.cli", "payment-run", "2025-03"]
        env = {
            **os.environ,
            "LEDGER_DATABASE_URL": settings.database_url,
            "LEDGER_SECRET": settings.secret.get_secret_value(),
            "LEDGER_DATA_DIR": str(settings.data_dir),
        }
        done = subprocess.run(
            (as_nobody if sqlite and os.geteuid() == 0 else []) + command,
            env=env,
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1, done.stdout + done.stderr
        assert "the database refused:" in done.stderr and "Traceback" not in done.stderr
        assert ("readonly" if sqlite else "permission denied") in done.stderr
        if sqlite:
            folder.chmod(0o755)
            ledger = Ledger.open(settings)
        else:
            behind_the_back(settings, "DROP TRIGGER refuse_insert ON ledger_events")
        assert ledger.app.recorder.max_notification_id() == head
        assert ledger.verify().ok
    finally:
        ledger.close()
        if sqlite:
            folder.chmod(0o755)
            shutil.rmtree(folder)


def test_a_propagation_cut_short_is_reported_and_completed_by_ledger_propagate(
    ledger, settings, monkeypatch
):
    """§3, "standard changes reach households": three households of one on dibao from
    2025-03-01 (no income: 15,000 / 12 = 1,250.00). The rise to 15,600 from 2025-03-01
    (1,300.00) is saved, then the process dies after the first household's batch. The
    change stays recorded; `ledger verify` reports its propagation unfinished;
    `ledger propagate` brings the other two to 1,300.00 and records the completion, after
    which verify is clean and a second `ledger propagate` has nothing to do."""
    from datetime import date
    from fractions import Fraction

    from typer.testing import CliRunner

    import domain.application.standards
    from domain.household import Household
    from domain.money import yuan
    from scripts.cli import cli
    from tests.helpers import household, means

    hids = []
    for _ in range(3):
        hid, _ = household(ledger.app, 1)
        app_id = ledger.app.submit_application(
            hid,
            programme="dibao",
            effective_from=date(2025, 3, 1),
            means=means(0),
            actor="caseworker-li",
            consents=app_consents(ledger.app, hid, date(2025, 3, 1)),
        )
        app_decide(ledger.app, hid, app_id, decision="approve", reason="ok", actor="approver-wang")
        hids.append(hid)
    original = Household.apply_standard_change
    calls = []

    def dies_after_one(self, book, **kwargs):
        calls.append(self.id)
        if len(calls) > 1:
            raise RuntimeError("killed")  # not a LedgerError: the process stops here
        return original(self, book, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(domain.application.standards, "PROPAGATION_BATCH", 1)
        patch.setattr(Household, "apply_standard_change", dies_after_one)
        with pytest.raises(RuntimeError):
            ledger.record_standard_change(
                key="dibao_standard_annual",
                value=yuan(15600),
                effective_from=date(2025, 3, 1),
                basis="嘉政发〔2025〕9号",
                actor="admin",
                cited_income_growth=Fraction(4, 100),
            )

    def monthly(hid):
        return [f.row.monthly_fen for f in ledger.entitlements(hid, date(2025, 3, 1))]

    assert sorted(monthly(h) for h in hids) == [[125_000], [125_000], [130_000]]
    report = ledger.verify()
    assert not report.ok
    [unfinished] = report.unfinished_propagations
    assert unfinished["key"] == "dibao_standard_annual"
    assert unfinished["effective_from"] == "2025-03-01"

    monkeypatch.setenv("LEDGER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEDGER_SECRET", settings.secret.get_secret_value())
    monkeypatch.setenv("LEDGER_DATA_DIR", str(settings.data_dir))
    verify = CliRunner().invoke(cli, ["verify"], catch_exceptions=False)
    assert verify.exit_code == 1
    assert f"UNFINISHED propagation of dibao_standard_annual {unfinished['version']}" in (
        verify.output
    )
    done = CliRunner().invoke(cli, ["propagate"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert f"{unfinished['version']}: 2 changes recorded, 0 households refused" in done.output
    assert [monthly(h) for h in hids] == [[130_000]] * 3
    assert ledger.verify().ok
    again = CliRunner().invoke(cli, ["propagate"], catch_exceptions=False)
    assert "0 unfinished propagations completed" in again.output


def test_the_cli_says_an_unreachable_database_is_unavailable_not_a_refusal(tmp_path):
    """A database that is not there (nothing listens on the port) is an outage: the CLI
    says so plainly, without a traceback, and exits 1; it does not call it a refusal."""
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/test",
        "LEDGER_SECRET": "test-secret-" + "x" * 32,
        "LEDGER_DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "scripts.cli", "verify"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the database is unavailable:" in done.stderr
    assert "refused" not in done.stderr.replace("Connection refused", "")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
def test_a_retried_insert_that_finds_its_write_committed_is_in_doubt_not_a_conflict(
    settings, monkeypatch
):
    """Issue 8 (never pay twice): on PostgreSQL the library retries an insert whose
    connection failed. When the first try had committed (only its answer was lost), the
    retry meets its own rows. That is raised as the outage it was (OperationalError, which
    the API answers 503 "may have been recorded"), not as a concurrent change that
    `update` would load again and re-run: the member is added once, not twice."""
    from datetime import date

    from eventsourcing.persistence import OperationalError
    from eventsourcing.postgres import PostgresApplicationRecorder

    from services.ledger import Ledger
    from tests.helpers import household, id_number

    ledger = Ledger.open(settings)
    try:
        hid, _ = household(ledger.app, 1)
        real = PostgresApplicationRecorder.insert_events.__wrapped__
        tries = []

        def commit_then_lose_the_answer(recorder, stored_events, **kwargs):
            tries.append(len(stored_events))
            result = real(recorder, stored_events, **kwargs)
            if len(tries) == 1:
                raise OperationalError("server closed the connection unexpectedly")
            return result

        monkeypatch.setattr(
            PostgresApplicationRecorder.insert_events, "__wrapped__", commit_then_lose_the_answer
        )
        with pytest.raises(OperationalError) as lost:
            ledger.app.add_member(
                hid,
                actor="caseworker-li",
                name="新成员",
                id_number=id_number(),
                relation="child",
                birth_on=date(2010, 1, 1),
                joined_on=None,
            )
        assert "may have been recorded" in str(lost.value)
        # The member and its identity claim (one person, one place) in one insert: the
        # first try committed, the retry found it; no third.
        assert tries == [2, 2]
        monkeypatch.undo()
        names = [m.name for m in ledger.app.household(hid).members.values()]
        assert names.count("新成员") == 1
    finally:
        ledger.close()


def test_a_failing_view_degrades_only_the_routes_that_read_it(ledger, settings, monkeypatch):
    """Issue 19: the care view's code fails on an event (a defect, injected here). The
    other views catch up; a route reading care (`GET /visits/overdue`) answers 503
    `view_unavailable` naming it, a route reading entitlements answers 200, /health names
    care; once the defect is gone, care catches up and its route answers again."""
    import dataclasses
    from datetime import date

    from fastapi.testclient import TestClient

    from api.auth import issue_token
    from api.main import create_app
    from tests.helpers import household

    hid, _ = household(ledger.app, 1)
    ledger.runner.catch_up()

    def defect(event, notification_id):
        raise RuntimeError("a defect in the care view")

    monkeypatch.setitem(VIEWS, "care", dataclasses.replace(VIEWS["care"], ops_for=defect))
    ledger.app.record_visit(
        hid, visited_on=date(2025, 2, 1), visitor="cw", findings="ok", needs=None, actor="cw"
    )
    other, _ = household(ledger.app, 1)  # an event the entitlements view takes too
    token = issue_token(settings.signing_key(), "caseworker-li", "caseworker", 600)
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings, ledger)) as client:
        found = client.get(f"/households/{other}/entitlements", headers=auth)
        assert found.status_code == 200, found.text
        overdue = client.get("/visits/overdue", params={"on": "2025-06-01"}, headers=auth)
        assert overdue.status_code == 503, overdue.text
        assert overdue.json()["error"] == "view_unavailable"
        assert overdue.json()["field"] == "care"
        health = client.get("/health").json()
        assert health["status"] == "degraded"
        assert health["views"]["care"]["error"] == "RuntimeError"
        assert [n for n, state in health["views"].items() if state != "ok"] == ["care"]
        monkeypatch.undo()  # the defect fixed (a new release)
        ledger.runner.catch_up()
        assert (
            client.get("/visits/overdue", params={"on": "2025-06-01"}, headers=auth).status_code
            == 200
        )
        assert client.get("/health").json()["status"] == "ok"
