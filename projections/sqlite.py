"""The views on SQLite (the embedded default)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, OperationalError, Tracking
from eventsourcing.sqlite import SQLiteCursor, SQLiteTrackingRecorder

from projections.interface import (
    PENDING_SECONDS,
    EntitlementRow,
    Op,
    PositionMoved,
    ViewStore,
    coalesced,
    grouped,
    sorted_rows,
)
from projections.sql import HOUSEHOLDS_WITH, KIND_ORDER, WRITES, sqlite_dialect

_TS = "%Y-%m-%dT%H:%M:%S.%f+00:00"


def ts(value: datetime) -> str:
    """UTC timestamps as fixed-width text, so that text order is time order."""
    return value.astimezone(UTC).strftime(_TS)


_WRITES = {kind: tuple(sqlite_dialect(sql) for sql in sqls) for kind, sqls in WRITES.items()}


def _params(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, UUID):
            value = str(value)
        elif isinstance(value, datetime):
            value = ts(value)
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = int(value)
        out[key] = value
    return out


class SQLiteViewStore(SQLiteTrackingRecorder, ViewStore):
    dialect = "sqlite"

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements += [
            "CREATE TABLE IF NOT EXISTS ledger_applications (application_id TEXT PRIMARY KEY, "
            "household_id TEXT NOT NULL, programme TEXT NOT NULL, member_id TEXT, "
            "received_on TEXT NOT NULL, effective_from TEXT NOT NULL, report_on TEXT, "
            "investigated_on TEXT, reopened_on TEXT, notice_from TEXT, notice_until TEXT, "
            "open_objections INTEGER NOT NULL, extended_on TEXT, withdrawn_on TEXT, "
            "decided_on TEXT, outcome TEXT, letter_on TEXT)",
            "CREATE TABLE IF NOT EXISTS ledger_application_pauses ("
            "notification_id INTEGER PRIMARY KEY, application_id TEXT NOT NULL, "
            "from_on TEXT NOT NULL, to_on TEXT)",
            "CREATE TABLE IF NOT EXISTS ledger_households ("
            "household_id TEXT PRIMARY KEY, region_code TEXT NOT NULL, "
            "residence TEXT NOT NULL, registered_on TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS ledger_households_region "
            "ON ledger_households (region_code)",
            "CREATE TABLE IF NOT EXISTS ledger_entitlement_history ("
            "notification_id INTEGER PRIMARY KEY, household_id TEXT NOT NULL, "
            "region_code TEXT, programme TEXT NOT NULL, member_id TEXT NOT NULL, "
            "monthly_fen INTEGER NOT NULL, ended INTEGER NOT NULL, "
            "effective_from TEXT NOT NULL, recorded_at TEXT NOT NULL, reason TEXT NOT NULL, "
            "standard_version TEXT NOT NULL, cause TEXT NOT NULL, actor TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS ledger_entitlement_history_household "
            "ON ledger_entitlement_history (household_id, recorded_at)",
            "CREATE TABLE IF NOT EXISTS ledger_current_entitlements ("
            "household_id TEXT NOT NULL, region_code TEXT, programme TEXT NOT NULL, "
            "member_id TEXT NOT NULL, monthly_fen INTEGER NOT NULL, ended INTEGER NOT NULL, "
            "effective_from TEXT NOT NULL, standard_version TEXT NOT NULL, "
            "notification_id INTEGER NOT NULL, "
            "PRIMARY KEY (household_id, programme, member_id))",
            "CREATE INDEX IF NOT EXISTS ledger_current_entitlements_programme "
            "ON ledger_current_entitlements (programme, region_code)",
            "CREATE TABLE IF NOT EXISTS ledger_medical_households ("
            "household_id TEXT PRIMARY KEY, region_code TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_medical_bills (bill_id TEXT PRIMARY KEY, "
            "household_id TEXT NOT NULL, member_id TEXT NOT NULL, region_code TEXT, "
            "cap_year INTEGER NOT NULL, service_on TEXT NOT NULL, total_fen INTEGER NOT NULL, "
            "insurance_paid_fen INTEGER NOT NULL, self_paid_fen INTEGER NOT NULL, "
            "waived_fen INTEGER NOT NULL, counted_fen INTEGER NOT NULL, "
            "kept_fen INTEGER NOT NULL, relief_fen INTEGER NOT NULL, "
            "cancelled INTEGER NOT NULL, notification_id INTEGER NOT NULL)",
            "CREATE INDEX IF NOT EXISTS ledger_medical_bills_household "
            "ON ledger_medical_bills (household_id, cap_year)",
            "CREATE INDEX IF NOT EXISTS ledger_medical_bills_year "
            "ON ledger_medical_bills (cap_year, region_code)",
            "CREATE TABLE IF NOT EXISTS ledger_medical_carried (household_id TEXT NOT NULL, "
            "member_id TEXT NOT NULL, cap_year INTEGER NOT NULL, carried_fen INTEGER NOT NULL, "
            "PRIMARY KEY (household_id, member_id, cap_year))",
            "CREATE TABLE IF NOT EXISTS ledger_medical_relief ("
            "notification_id INTEGER PRIMARY KEY, bill_id TEXT NOT NULL, "
            "household_id TEXT NOT NULL, region_code TEXT, cap_year INTEGER NOT NULL, "
            "month TEXT NOT NULL, amount_fen INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_payees (household_id TEXT NOT NULL, "
            "member_id TEXT NOT NULL, name TEXT NOT NULL, relation TEXT NOT NULL, "
            "account_kind TEXT, account_number TEXT, bank_name TEXT, "
            "left_household INTEGER NOT NULL DEFAULT 0, "
            "PRIMARY KEY (household_id, member_id))",
            "CREATE TABLE IF NOT EXISTS ledger_payments (payment_id TEXT PRIMARY KEY, "
            "feed_seq INTEGER NOT NULL UNIQUE, run_period TEXT NOT NULL, ledger_id TEXT NOT NULL, "
            "household_id TEXT NOT NULL, programme TEXT NOT NULL, member_id TEXT, "
            "period TEXT NOT NULL, kind TEXT NOT NULL, gross_fen INTEGER NOT NULL, "
            "recovered_fen INTEGER NOT NULL, amount_fen INTEGER NOT NULL, payee_member_id TEXT, "
            "payee_name TEXT, account_kind TEXT, account_number TEXT, bank_name TEXT, "
            "status TEXT NOT NULL, bank_reference TEXT, retry_of TEXT, "
            "failures INTEGER NOT NULL, explanation TEXT NOT NULL, "
            "notification_id INTEGER NOT NULL)",
            "CREATE INDEX IF NOT EXISTS ledger_payments_run ON ledger_payments (run_period)",
            "CREATE INDEX IF NOT EXISTS ledger_payments_household "
            "ON ledger_payments (household_id)",
            "CREATE INDEX IF NOT EXISTS ledger_payments_retry ON ledger_payments (retry_of)",
            "CREATE TABLE IF NOT EXISTS ledger_overpayments (notification_id INTEGER NOT NULL, "
            "idx INTEGER NOT NULL, ledger_id TEXT NOT NULL, programme TEXT NOT NULL, "
            "member_id TEXT NOT NULL, period TEXT NOT NULL, amount_fen INTEGER NOT NULL, "
            "run_period TEXT NOT NULL, PRIMARY KEY (notification_id, idx))",
            "CREATE TABLE IF NOT EXISTS ledger_payment_ledgers (ledger_id TEXT PRIMARY KEY, "
            "household_id TEXT, version INTEGER NOT NULL, chain_head TEXT NOT NULL, "
            "last_run_period TEXT)",
            "CREATE TABLE IF NOT EXISTS ledger_payment_runs (period TEXT PRIMARY KEY, "
            "run_id TEXT NOT NULL UNIQUE, status TEXT NOT NULL, payments INTEGER NOT NULL, "
            "total_fen INTEGER NOT NULL, households INTEGER NOT NULL, position INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_budgets (budget_id TEXT PRIMARY KEY, "
            "county TEXT NOT NULL, year INTEGER NOT NULL, programme TEXT NOT NULL, "
            "amount_fen INTEGER NOT NULL, document TEXT NOT NULL, version INTEGER NOT NULL, "
            "chain_head TEXT NOT NULL, UNIQUE (county, year, programme))",
            "CREATE TABLE IF NOT EXISTS ledger_budget_revisions ("
            "notification_id INTEGER PRIMARY KEY, budget_id TEXT NOT NULL, "
            "amount_fen INTEGER NOT NULL, document TEXT NOT NULL, actor TEXT NOT NULL, "
            "effective_on TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_budget_overrides (budget_id TEXT NOT NULL, "
            "run_period TEXT NOT NULL, reason TEXT NOT NULL, document TEXT NOT NULL, "
            "actor TEXT NOT NULL, effective_on TEXT NOT NULL, notification_id INTEGER NOT NULL, "
            "PRIMARY KEY (budget_id, run_period))",
            "CREATE TABLE IF NOT EXISTS ledger_budget_holds (budget_id TEXT NOT NULL, "
            "run_period TEXT NOT NULL, household_id TEXT NOT NULL, programme TEXT NOT NULL, "
            "member_id TEXT NOT NULL, period TEXT NOT NULL, kind TEXT NOT NULL, "
            "amount_fen INTEGER NOT NULL, notification_id INTEGER NOT NULL, "
            "PRIMARY KEY (run_period, household_id, programme, member_id, period, kind))",
            "CREATE TABLE IF NOT EXISTS ledger_grants (grant_id TEXT PRIMARY KEY, "
            "household_id TEXT NOT NULL, programme TEXT NOT NULL, member_id TEXT, "
            "amount_fen INTEGER NOT NULL, effective_on TEXT NOT NULL, explanation TEXT NOT NULL, "
            "actor TEXT NOT NULL, notification_id INTEGER NOT NULL)",
            "CREATE INDEX IF NOT EXISTS ledger_grants_household ON ledger_grants (household_id)",
            "CREATE TABLE IF NOT EXISTS ledger_account_records ("
            "notification_id INTEGER PRIMARY KEY, household_id TEXT NOT NULL, "
            "member_id TEXT NOT NULL, account_kind TEXT NOT NULL, account_number TEXT NOT NULL, "
            "bank_name TEXT, effective_on TEXT NOT NULL, actor TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS ledger_account_records_household "
            "ON ledger_account_records (household_id)",
            "CREATE TABLE IF NOT EXISTS ledger_payment_answers ("
            "notification_id INTEGER PRIMARY KEY, ledger_id TEXT NOT NULL, "
            "payment_id TEXT NOT NULL, status TEXT NOT NULL, bank_reference TEXT NOT NULL, "
            "reason TEXT NOT NULL, answered_at TEXT NOT NULL, actor TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS ledger_payment_answers_payment "
            "ON ledger_payment_answers (payment_id)",
            "CREATE INDEX IF NOT EXISTS ledger_payment_answers_ledger "
            "ON ledger_payment_answers (ledger_id)",
            "CREATE TABLE IF NOT EXISTS ledger_statements (statement_id TEXT PRIMARY KEY, "
            "message TEXT NOT NULL, created_at TEXT NOT NULL, entries INTEGER NOT NULL, "
            "paid INTEGER NOT NULL, paid_fen INTEGER NOT NULL, returned INTEGER NOT NULL, "
            "returned_fen INTEGER NOT NULL, already INTEGER NOT NULL, pending INTEGER NOT NULL, "
            "exceptions INTEGER NOT NULL, imported_on TEXT NOT NULL, actor TEXT NOT NULL, "
            "notification_id INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_statement_exceptions ("
            "entry_id TEXT PRIMARY KEY, statement_id TEXT NOT NULL, kind TEXT NOT NULL, "
            "end_to_end_id TEXT, payment_id TEXT, household_id TEXT, "
            "amount_fen INTEGER NOT NULL, expected_fen INTEGER, booked_on TEXT, "
            "why TEXT NOT NULL, notification_id INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_means (notification_id INTEGER PRIMARY KEY, "
            "household_id TEXT NOT NULL, effective_on TEXT NOT NULL, category TEXT NOT NULL, "
            "annual_income_fen INTEGER NOT NULL, household_size INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_categories (household_id TEXT NOT NULL, "
            "category TEXT NOT NULL, member_id TEXT NOT NULL, effective_from TEXT NOT NULL, "
            "effective_to TEXT, notification_id INTEGER NOT NULL)",
            "CREATE INDEX IF NOT EXISTS ledger_categories_household "
            "ON ledger_categories (household_id)",
            "CREATE TABLE IF NOT EXISTS ledger_member_identity (household_id TEXT NOT NULL, "
            "member_id TEXT NOT NULL, name TEXT NOT NULL, id_number TEXT NOT NULL, "
            "PRIMARY KEY (household_id, member_id))",
            "CREATE TABLE IF NOT EXISTS ledger_member_facts (notification_id INTEGER NOT NULL, "
            "idx INTEGER NOT NULL, household_id TEXT NOT NULL, member_id TEXT NOT NULL, "
            "effective_on TEXT NOT NULL, fact TEXT NOT NULL, value TEXT NOT NULL, "
            "PRIMARY KEY (notification_id, idx))",
            "CREATE TABLE IF NOT EXISTS ledger_visits (notification_id INTEGER PRIMARY KEY, "
            "household_id TEXT NOT NULL, visited_on TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_major_changes ("
            "notification_id INTEGER PRIMARY KEY, household_id TEXT NOT NULL, "
            "reported_on TEXT NOT NULL, stabilised_on TEXT)",
            "CREATE TABLE IF NOT EXISTS ledger_referrals (notification_id INTEGER PRIMARY KEY, "
            "household_id TEXT NOT NULL, member_id TEXT NOT NULL, referred_on TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_dividends (notification_id INTEGER PRIMARY KEY, "
            "household_id TEXT NOT NULL, year INTEGER NOT NULL, received_on TEXT NOT NULL, "
            "amount_fen INTEGER NOT NULL, village_subsidy_fen INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_warning_means ("
            "notification_id INTEGER PRIMARY KEY, household_id TEXT NOT NULL, "
            "effective_on TEXT NOT NULL, annual_income_fen INTEGER NOT NULL, "
            "rigid_deductions_fen INTEGER NOT NULL, car_insurance_value_fen INTEGER NOT NULL, "
            "household_size INTEGER NOT NULL)",
            # The early warnings' set-based queries (projections/sql.py WARN_).
            "CREATE INDEX IF NOT EXISTS ledger_member_facts_fact "
            "ON ledger_member_facts (fact, household_id)",
            "CREATE INDEX IF NOT EXISTS ledger_member_facts_value "
            "ON ledger_member_facts (fact, value)",
            "CREATE INDEX IF NOT EXISTS ledger_visits_household "
            "ON ledger_visits (household_id, visited_on)",
            "CREATE INDEX IF NOT EXISTS ledger_major_changes_household "
            "ON ledger_major_changes (household_id)",
            "CREATE INDEX IF NOT EXISTS ledger_warning_means_household "
            "ON ledger_warning_means (household_id)",
            "CREATE TABLE IF NOT EXISTS ledger_warning_failures ("
            "notification_id INTEGER PRIMARY KEY, payment_id TEXT NOT NULL, "
            "failed_on TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_warning_cases (warning_id TEXT PRIMARY KEY, "
            "household_id TEXT NOT NULL, rule TEXT NOT NULL, reason TEXT NOT NULL, "
            "raised_on TEXT NOT NULL, status TEXT NOT NULL, note TEXT NOT NULL, "
            "actor TEXT NOT NULL, acknowledged_on TEXT, resolved_on TEXT, "
            "opened_at TEXT NOT NULL, acted_at TEXT, notification_id INTEGER NOT NULL)",
            "CREATE INDEX IF NOT EXISTS ledger_applications_household "
            "ON ledger_applications (household_id)",
            # The search view (projections/search.py): names and addresses in FTS5
            # tables, the `ascii` tokenizer keeping every non-ASCII character a token
            # character (whatever Unicode version SQLite's own tables know).
            "CREATE TABLE IF NOT EXISTS ledger_search_households ("
            "household_id TEXT PRIMARY KEY, hkey INTEGER NOT NULL UNIQUE, "
            "region_code TEXT NOT NULL, residence TEXT NOT NULL, address TEXT NOT NULL, "
            "registered_on TEXT NOT NULL, caseworker TEXT NOT NULL, assigned_on TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS ledger_search_households_caseworker "
            "ON ledger_search_households (caseworker, hkey)",
            "CREATE INDEX IF NOT EXISTS ledger_search_households_region "
            "ON ledger_search_households (region_code, hkey)",
            # One row a household (its rowid: the hkey), its members' names and its
            # address: a fragment's matches come in rowid order, so a page of a common
            # one stops after its first rows.
            "CREATE VIRTUAL TABLE IF NOT EXISTS ledger_search_text USING fts5(name_grams, "
            "address_grams, name_norm UNINDEXED, address_norm UNINDEXED, "
            "household_id UNINDEXED, tokenize = 'ascii')",
            "CREATE TABLE IF NOT EXISTS ledger_search_members (household_id TEXT NOT NULL, "
            "member_id TEXT NOT NULL, name TEXT NOT NULL, id_hash TEXT NOT NULL, "
            "id_masked TEXT NOT NULL, relation TEXT NOT NULL, left_on TEXT, "
            "added_nid INTEGER NOT NULL, membership_nid INTEGER NOT NULL, "
            "PRIMARY KEY (household_id, member_id))",
            "CREATE INDEX IF NOT EXISTS ledger_search_members_id "
            "ON ledger_search_members (id_hash)",
            "CREATE TABLE IF NOT EXISTS ledger_search_applications ("
            "application_id TEXT PRIMARY KEY, household_id TEXT NOT NULL, "
            "programme TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS ledger_search_applications_household "
            "ON ledger_search_applications (household_id, programme)",
            "CREATE TABLE IF NOT EXISTS ledger_data_access (id INTEGER PRIMARY KEY, "
            "at TEXT NOT NULL, user_name TEXT NOT NULL, role TEXT NOT NULL, "
            "household_id TEXT, path TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_idempotency (scope TEXT PRIMARY KEY, "
            "body_hash TEXT NOT NULL, status INTEGER, response BLOB, created_at TEXT NOT NULL)",
        ]
        return statements

    def apply(self, ops: list[Op], tracking: Tracking) -> None:
        self.apply_together(ops, (tracking,))

    @contextmanager
    def _locked(self) -> Iterator[SQLiteCursor]:
        """A write transaction begun with BEGIN IMMEDIATE: the database's write lock is
        taken before anything is read (waiting up to the lock timeout for another
        process's), so what is read in it is the latest and stays so until it commits.
        The library's transactions begin DEFERRED, whose reads may be older than the
        lock the first write then takes."""
        with self.datastore.get_connection(commit=True) as conn:
            curs = conn.cursor()
            try:
                curs.execute("BEGIN IMMEDIATE")
                try:
                    yield curs
                    conn.commit()
                except BaseException:
                    conn.rollback()
                    raise
            except sqlite3.IntegrityError as error:
                raise IntegrityError(error) from error
            except sqlite3.Error as error:
                raise OperationalError(error) from error
            finally:
                curs.sqlite_cursor.close()

    def apply_together(
        self,
        ops: list[Op],
        trackings: tuple[Tracking, ...],
        since: dict[str, int] | None = None,
    ) -> None:
        with self._locked() as curs:
            if since is not None:
                found = {name: self._max_tracking_id(name, curs) or 0 for name in since}
                if found != since:
                    raise PositionMoved(found)
            self._write(curs, ops)
            # The library's own statement for the tracking row, in our transaction
            # (as its ftsprojection example does): there is no public variant.
            for tracking in trackings:
                self._insert_tracking(curs, tracking)

    def _write(self, curs: SQLiteCursor, ops: list[Op]) -> None:
        for kind, rows in grouped(ops, KIND_ORDER):
            self._flush(curs, kind, [_params(row) for row in coalesced(kind, rows)])

    def _flush(self, curs: SQLiteCursor, kind: str, rows: list[dict[str, Any]]) -> None:
        for statement in _WRITES[kind]:
            curs.executemany(statement, rows)

    def reset(self, view_name: str, tables: tuple[str, ...]) -> None:
        with self._locked() as curs:
            for table in reversed(tables):
                curs.execute(f"DELETE FROM {table}")
            curs.execute("DELETE FROM tracking WHERE application_name = ?", (view_name,))

    def dump(self, tables: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
        out: dict[str, list[tuple[Any, ...]]] = {}
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND sql LIKE 'CREATE VIRTUAL TABLE%'"
            )
            virtual = {row["name"] for row in curs.fetchall()}
            for table in tables:
                # A full-text table's rowid is data (the search view's hkey): first, as
                # PostgreSQL's table has it.
                curs.execute(f"SELECT {'rowid, ' if table in virtual else ''}* FROM {table}")
                out[table] = sorted_rows(tuple(row) for row in curs.fetchall())
        return out

    def entitlement_rows(
        self, household_id: UUID, known_at: datetime | None = None
    ) -> list[EntitlementRow]:
        self.check_available("ledger_entitlement_history")
        sql = "SELECT * FROM ledger_entitlement_history WHERE household_id = ? "
        params: list[Any] = [str(household_id)]
        if known_at is not None:
            sql += "AND recorded_at <= ? "
            params.append(ts(known_at))
        sql += "ORDER BY notification_id"
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(sql, params)
            rows = curs.fetchall()
        return [
            EntitlementRow(
                notification_id=row["notification_id"],
                household_id=UUID(row["household_id"]),
                region_code=row["region_code"] or "",
                programme=row["programme"],
                member_id=row["member_id"] or None,
                monthly_fen=row["monthly_fen"],
                ended=bool(row["ended"]),
                effective_from=date.fromisoformat(row["effective_from"]),
                recorded_at=datetime.fromisoformat(row["recorded_at"]),
                reason=row["reason"],
                standard_version=row["standard_version"],
                cause=row["cause"],
                actor=row["actor"],
            )
            for row in rows
        ]

    def households_with(
        self, programmes: tuple[str, ...], region_prefix: str, since: date, *, paused: bool = False
    ) -> list[UUID]:
        self.check_available("ledger_current_entitlements")
        names = {f"p{i}": programme for i, programme in enumerate(programmes)}
        match = "IN (" + ", ".join(f":{name}" for name in names) + ")"
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                sqlite_dialect(HOUSEHOLDS_WITH.replace("PROGRAMME_MATCH", match)),
                {
                    **names,
                    "prefix": region_prefix + "%",
                    "since": since.isoformat(),
                    "paused": int(paused),
                },
            )
            return [UUID(row["household_id"]) for row in curs.fetchall()]

    def current_entitlements(self, household_id: UUID) -> list[dict[str, Any]]:
        self.check_available("ledger_current_entitlements")
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                "SELECT programme, member_id, monthly_fen, effective_from, standard_version "
                "FROM ledger_current_entitlements WHERE household_id = ? AND ended = 0 "
                "ORDER BY programme, member_id",
                [str(household_id)],
            )
            return [
                {
                    "programme": row["programme"],
                    "member_id": row["member_id"] or None,
                    "monthly_fen": row["monthly_fen"],
                    "effective_from": date.fromisoformat(row["effective_from"]),
                    "standard_version": row["standard_version"],
                }
                for row in curs.fetchall()
            ]

    def query(
        self,
        statement: str,
        params: dict[str, Any],
        *,
        plan_each: bool = False,
        compile_plan: bool = True,
    ) -> list[dict[str, Any]]:
        # SQLite plans every statement as it is run (plan_each changes nothing).
        self.check_available(statement)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(sqlite_dialect(statement), _params(params))
            rows = curs.fetchall()
        # The column names once, zipped with each row's values: a third of dict(row)'s
        # time, which asks each row for its keys (a page reads thousands of rows).
        names = rows[0].keys() if rows else []
        return [dict(zip(names, row, strict=True)) for row in rows]

    def count(self, table: str) -> int:
        self.check_available(table)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(f"SELECT COUNT(*) AS n FROM {table}")
            return int(curs.fetchone()["n"])

    def record_access(
        self, at: datetime, user: str, role: str, household_id: str | None, path: str
    ) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "INSERT INTO ledger_data_access (at, user_name, role, household_id, path) "
                "VALUES (?, ?, ?, ?, ?)",
                (ts(at), user, role, household_id, path),
            )

    def record_accesses(
        self, at: datetime, user: str, role: str, household_ids: Sequence[str | None], path: str
    ) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.executemany(
                "INSERT INTO ledger_data_access (at, user_name, role, household_id, path) "
                "VALUES (?, ?, ?, ?, ?)",
                [(ts(at), user, role, household_id, path) for household_id in household_ids],
            )

    def accesses(self, household_id: str | None, limit: int) -> list[dict[str, Any]]:
        sql = "SELECT at, user_name, role, household_id, path FROM ledger_data_access "
        params: list[Any] = []
        if household_id is not None:
            sql += "WHERE household_id = ? "
            params.append(household_id)
        sql += "ORDER BY id DESC LIMIT ?"
        params.append(limit)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(sql, params)
            return [dict(row) for row in curs.fetchall()]

    def idempotency_begin(
        self, scope: str, body_hash: str, *, pending_seconds: float = PENDING_SECONDS
    ) -> tuple[str, int | None, bytes]:
        now = datetime.now(UTC)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "INSERT INTO ledger_idempotency (scope, body_hash, created_at) "
                "VALUES (?, ?, ?) ON CONFLICT (scope) DO NOTHING RETURNING scope",
                (scope, body_hash, ts(now)),
            )
            if curs.fetchone() is not None:
                return "new", None, b""
            curs.execute(
                "SELECT body_hash, status, response, created_at < ? AS stale "
                "FROM ledger_idempotency WHERE scope = ?",
                (ts(now - timedelta(seconds=pending_seconds)), scope),
            )
            row = curs.fetchone()
        if row["body_hash"] != body_hash:
            return "mismatch", None, b""
        if row["status"] is None:
            return ("in_doubt" if row["stale"] else "pending"), None, b""
        return "replay", int(row["status"]), bytes(row["response"])

    def idempotency_finish(self, scope: str, status: int, body: bytes) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "UPDATE ledger_idempotency SET status = ?, response = ? WHERE scope = ?",
                (status, body, scope),
            )

    def idempotency_abort(self, scope: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "DELETE FROM ledger_idempotency WHERE scope = ? AND status IS NULL", (scope,)
            )


def track_stream_heads(datastore: Any, table: str) -> None:
    """Each stream's last version, noted by a trigger in the transaction that appends the
    events, so that `ledger verify` can tell a stream whose last events were removed (or
    a stream removed whole); filled from the events already stored when first created."""
    with datastore.transaction(commit=True) as curs:
        curs.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'ledger_stream_heads'"
        )
        if curs.fetchone() is not None:
            return
        curs.execute(
            "CREATE TABLE ledger_stream_heads (originator_id TEXT PRIMARY KEY, "
            "originator_version INTEGER NOT NULL)"
        )
        curs.execute(
            f"INSERT INTO ledger_stream_heads SELECT originator_id, max(originator_version) "
            f"FROM {table} GROUP BY originator_id"
        )
        curs.execute(
            f"CREATE TRIGGER {table}_heads AFTER INSERT ON {table} BEGIN "
            "INSERT INTO ledger_stream_heads VALUES (NEW.originator_id, NEW.originator_version) "
            "ON CONFLICT (originator_id) DO UPDATE SET originator_version = "
            "max(originator_version, excluded.originator_version); END"
        )
