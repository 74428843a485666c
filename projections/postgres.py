"""The views on PostgreSQL (psycopg 3, the library's datastore and pool)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
    Tracking,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresTrackingRecorder,
)
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier, Literal
from psycopg.types.string import TextLoader

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
from projections.sql import HOUSEHOLDS_WITH, KIND_ORDER, WRITES, postgres_dialect

_CREATE = (
    "CREATE TABLE IF NOT EXISTS {s}.ledger_applications (application_id text PRIMARY KEY, "
    "household_id uuid NOT NULL, programme text NOT NULL, member_id text, "
    "received_on date NOT NULL, effective_from date NOT NULL, report_on date, "
    "investigated_on date, reopened_on date, notice_from date, notice_until date, "
    "open_objections integer NOT NULL, extended_on date, withdrawn_on date, "
    "decided_on date, outcome text, letter_on date)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_application_pauses ("
    "notification_id bigint PRIMARY KEY, application_id text NOT NULL, from_on date NOT NULL, "
    "to_on date)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_households ("
    "household_id uuid PRIMARY KEY, region_code text NOT NULL, "
    "residence text NOT NULL, registered_on date NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ledger_households_region ON {s}.ledger_households (region_code)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_entitlement_history ("
    "notification_id bigint PRIMARY KEY, household_id uuid NOT NULL, region_code text, "
    "programme text NOT NULL, member_id text NOT NULL, monthly_fen bigint NOT NULL, "
    "ended boolean NOT NULL, effective_from date NOT NULL, recorded_at timestamptz NOT NULL, "
    "reason text NOT NULL, standard_version text NOT NULL, cause text NOT NULL, "
    "actor text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ledger_entitlement_history_household "
    "ON {s}.ledger_entitlement_history (household_id, recorded_at)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_current_entitlements ("
    "household_id uuid NOT NULL, region_code text, programme text NOT NULL, "
    "member_id text NOT NULL, monthly_fen bigint NOT NULL, ended boolean NOT NULL, "
    "effective_from date NOT NULL, standard_version text NOT NULL, "
    "notification_id bigint NOT NULL, PRIMARY KEY (household_id, programme, member_id))",
    "CREATE INDEX IF NOT EXISTS ledger_current_entitlements_programme "
    "ON {s}.ledger_current_entitlements (programme, region_code)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_medical_households ("
    "household_id uuid PRIMARY KEY, region_code text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_medical_bills (bill_id text PRIMARY KEY, "
    "household_id uuid NOT NULL, member_id text NOT NULL, region_code text, "
    "cap_year integer NOT NULL, service_on date NOT NULL, total_fen bigint NOT NULL, "
    "insurance_paid_fen bigint NOT NULL, self_paid_fen bigint NOT NULL, "
    "waived_fen bigint NOT NULL, counted_fen bigint NOT NULL, kept_fen bigint NOT NULL, "
    "relief_fen bigint NOT NULL, cancelled boolean NOT NULL, notification_id bigint NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ledger_medical_bills_household "
    "ON {s}.ledger_medical_bills (household_id, cap_year)",
    "CREATE INDEX IF NOT EXISTS ledger_medical_bills_year "
    "ON {s}.ledger_medical_bills (cap_year, region_code)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_medical_carried (household_id uuid NOT NULL, "
    "member_id text NOT NULL, cap_year integer NOT NULL, carried_fen bigint NOT NULL, "
    "PRIMARY KEY (household_id, member_id, cap_year))",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_medical_relief (notification_id bigint PRIMARY KEY, "
    "bill_id text NOT NULL, household_id uuid NOT NULL, region_code text, "
    "cap_year integer NOT NULL, month text NOT NULL, amount_fen bigint NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_payees (household_id uuid NOT NULL, "
    "member_id text NOT NULL, name text NOT NULL, relation text NOT NULL, "
    "account_kind text, account_number text, bank_name text, "
    "left_household boolean NOT NULL DEFAULT FALSE, "
    "PRIMARY KEY (household_id, member_id))",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_payments (payment_id text PRIMARY KEY, "
    "feed_seq bigint NOT NULL UNIQUE, run_period text NOT NULL, ledger_id uuid NOT NULL, "
    "household_id uuid NOT NULL, programme text NOT NULL, member_id text, "
    "period text NOT NULL, kind text NOT NULL, gross_fen bigint NOT NULL, "
    "recovered_fen bigint NOT NULL, amount_fen bigint NOT NULL, payee_member_id text, "
    "payee_name text, account_kind text, account_number text, bank_name text, "
    "status text NOT NULL, bank_reference text, retry_of text, failures integer NOT NULL, "
    "explanation text NOT NULL, notification_id bigint NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ledger_payments_run ON {s}.ledger_payments (run_period)",
    "CREATE INDEX IF NOT EXISTS ledger_payments_household ON {s}.ledger_payments (household_id)",
    "CREATE INDEX IF NOT EXISTS ledger_payments_retry ON {s}.ledger_payments (retry_of)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_overpayments (notification_id bigint NOT NULL, "
    "idx integer NOT NULL, ledger_id uuid NOT NULL, programme text NOT NULL, "
    "member_id text NOT NULL, period text NOT NULL, amount_fen bigint NOT NULL, "
    "run_period text NOT NULL, PRIMARY KEY (notification_id, idx))",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_payment_ledgers (ledger_id uuid PRIMARY KEY, "
    "household_id uuid, version integer NOT NULL, chain_head text NOT NULL, "
    "last_run_period text)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_payment_runs (period text PRIMARY KEY, "
    "run_id uuid NOT NULL UNIQUE, status text NOT NULL, payments integer NOT NULL, "
    "total_fen bigint NOT NULL, households integer NOT NULL, position bigint NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_budgets (budget_id uuid PRIMARY KEY, "
    "county text NOT NULL, year integer NOT NULL, programme text NOT NULL, "
    "amount_fen bigint NOT NULL, document text NOT NULL, version integer NOT NULL, "
    "chain_head text NOT NULL, UNIQUE (county, year, programme))",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_budget_revisions ("
    "notification_id bigint PRIMARY KEY, budget_id uuid NOT NULL, "
    "amount_fen bigint NOT NULL, document text NOT NULL, actor text NOT NULL, "
    "effective_on date NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_budget_overrides (budget_id uuid NOT NULL, "
    "run_period text NOT NULL, reason text NOT NULL, document text NOT NULL, "
    "actor text NOT NULL, effective_on date NOT NULL, notification_id bigint NOT NULL, "
    "PRIMARY KEY (budget_id, run_period))",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_budget_holds (budget_id uuid NOT NULL, "
    "run_period text NOT NULL, household_id uuid NOT NULL, programme text NOT NULL, "
    "member_id text NOT NULL, period text NOT NULL, kind text NOT NULL, "
    "amount_fen bigint NOT NULL, notification_id bigint NOT NULL, "
    "PRIMARY KEY (run_period, household_id, programme, member_id, period, kind))",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_grants (grant_id text PRIMARY KEY, "
    "household_id uuid NOT NULL, programme text NOT NULL, member_id text, "
    "amount_fen bigint NOT NULL, effective_on date NOT NULL, explanation text NOT NULL, "
    "actor text NOT NULL, notification_id bigint NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ledger_grants_household ON {s}.ledger_grants (household_id)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_account_records ("
    "notification_id bigint PRIMARY KEY, household_id uuid NOT NULL, member_id text NOT NULL, "
    "account_kind text NOT NULL, account_number text NOT NULL, bank_name text, "
    "effective_on date NOT NULL, actor text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ledger_account_records_household "
    "ON {s}.ledger_account_records (household_id)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_payment_answers ("
    "notification_id bigint PRIMARY KEY, ledger_id uuid NOT NULL, payment_id text NOT NULL, "
    "status text NOT NULL, bank_reference text NOT NULL, reason text NOT NULL, "
    "answered_at text NOT NULL, actor text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ledger_payment_answers_payment "
    "ON {s}.ledger_payment_answers (payment_id)",
    "CREATE INDEX IF NOT EXISTS ledger_payment_answers_ledger "
    "ON {s}.ledger_payment_answers (ledger_id)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_statements (statement_id text PRIMARY KEY, "
    "message text NOT NULL, created_at text NOT NULL, entries integer NOT NULL, "
    "paid integer NOT NULL, paid_fen bigint NOT NULL, returned integer NOT NULL, "
    "returned_fen bigint NOT NULL, already integer NOT NULL, pending integer NOT NULL, "
    "exceptions integer NOT NULL, imported_on date NOT NULL, actor text NOT NULL, "
    "notification_id bigint NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_statement_exceptions (entry_id text PRIMARY KEY, "
    "statement_id text NOT NULL, kind text NOT NULL, end_to_end_id text, payment_id text, "
    "household_id text, amount_fen bigint NOT NULL, expected_fen bigint, booked_on text, "
    "why text NOT NULL, notification_id bigint NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_means (notification_id bigint PRIMARY KEY, "
    "household_id uuid NOT NULL, effective_on date NOT NULL, category text NOT NULL, "
    "annual_income_fen bigint NOT NULL, household_size integer NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_categories (household_id uuid NOT NULL, "
    "category text NOT NULL, member_id text NOT NULL, effective_from date NOT NULL, "
    "effective_to date, notification_id bigint NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ledger_categories_household "
    "ON {s}.ledger_categories (household_id)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_member_identity (household_id uuid NOT NULL, "
    "member_id text NOT NULL, name text NOT NULL, id_number text NOT NULL, "
    "PRIMARY KEY (household_id, member_id))",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_member_facts (notification_id bigint NOT NULL, "
    "idx integer NOT NULL, household_id uuid NOT NULL, member_id text NOT NULL, "
    "effective_on date NOT NULL, fact text NOT NULL, value text NOT NULL, "
    "PRIMARY KEY (notification_id, idx))",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_visits (notification_id bigint PRIMARY KEY, "
    "household_id uuid NOT NULL, visited_on date NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_major_changes (notification_id bigint PRIMARY KEY, "
    "household_id uuid NOT NULL, reported_on date NOT NULL, stabilised_on date)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_referrals (notification_id bigint PRIMARY KEY, "
    "household_id uuid NOT NULL, member_id text NOT NULL, referred_on date NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_dividends (notification_id bigint PRIMARY KEY, "
    "household_id uuid NOT NULL, year integer NOT NULL, received_on date NOT NULL, "
    "amount_fen bigint NOT NULL, village_subsidy_fen bigint NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_warning_means (notification_id bigint PRIMARY KEY, "
    "household_id uuid NOT NULL, effective_on date NOT NULL, annual_income_fen bigint NOT NULL, "
    "rigid_deductions_fen bigint NOT NULL, car_insurance_value_fen bigint NOT NULL, "
    "household_size integer NOT NULL)",
    # The early warnings' set-based queries (projections/sql.py WARN_).
    "CREATE INDEX IF NOT EXISTS ledger_member_facts_fact "
    "ON {s}.ledger_member_facts (fact, household_id)",
    "CREATE INDEX IF NOT EXISTS ledger_member_facts_value ON {s}.ledger_member_facts (fact, value)",
    "CREATE INDEX IF NOT EXISTS ledger_visits_household "
    "ON {s}.ledger_visits (household_id, visited_on)",
    "CREATE INDEX IF NOT EXISTS ledger_major_changes_household "
    "ON {s}.ledger_major_changes (household_id)",
    "CREATE INDEX IF NOT EXISTS ledger_warning_means_household "
    "ON {s}.ledger_warning_means (household_id)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_warning_failures ("
    "notification_id bigint PRIMARY KEY, payment_id text NOT NULL, failed_on date NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_warning_cases (warning_id uuid PRIMARY KEY, "
    "household_id uuid NOT NULL, rule text NOT NULL, reason text NOT NULL, "
    "raised_on date NOT NULL, status text NOT NULL, note text NOT NULL, actor text NOT NULL, "
    "acknowledged_on date, resolved_on date, opened_at timestamptz NOT NULL, "
    "acted_at timestamptz, notification_id bigint NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ledger_applications_household "
    "ON {s}.ledger_applications (household_id)",
    # The search view (projections/search.py): the grams of names and addresses as text
    # arrays under GIN indexes (built in; no extension), a household's in one row.
    "CREATE TABLE IF NOT EXISTS {s}.ledger_search_households (household_id uuid PRIMARY KEY, "
    "hkey bigint NOT NULL UNIQUE, region_code text NOT NULL, residence text NOT NULL, "
    "address text NOT NULL, registered_on date NOT NULL, caseworker text NOT NULL, "
    "assigned_on date NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ledger_search_households_caseworker "
    "ON {s}.ledger_search_households (caseworker, hkey)",
    "CREATE INDEX IF NOT EXISTS ledger_search_households_region "
    "ON {s}.ledger_search_households (region_code, hkey)",
    # One row a household (`rowid`: its hkey), its members' names and its address.
    "CREATE TABLE IF NOT EXISTS {s}.ledger_search_text (rowid bigint PRIMARY KEY, "
    "household_id uuid NOT NULL UNIQUE, name_grams text NOT NULL, address_grams text NOT NULL, "
    "name_norm text NOT NULL, address_norm text NOT NULL, "
    "name_set text[] GENERATED ALWAYS AS (string_to_array(name_grams, ' ')) STORED, "
    "address_set text[] GENERATED ALWAYS AS (string_to_array(address_grams, ' ')) STORED)",
    # A GIN index keeps new entries in a pending list that every search reads through
    # until (auto)vacuum merges it: kept short (256 kB, not 4 MB) so a search after a
    # bulk load or without autovacuum does not scan megabytes of it.
    "CREATE INDEX IF NOT EXISTS ledger_search_text_names "
    "ON {s}.ledger_search_text USING gin (name_set) WITH (gin_pending_list_limit = 256)",
    "CREATE INDEX IF NOT EXISTS ledger_search_text_addresses "
    "ON {s}.ledger_search_text USING gin (address_set) WITH (gin_pending_list_limit = 256)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_search_members (household_id uuid NOT NULL, "
    "member_id text NOT NULL, name text NOT NULL, id_hash text NOT NULL, "
    "id_masked text NOT NULL, relation text NOT NULL, left_on date, "
    "added_nid bigint NOT NULL, membership_nid bigint NOT NULL, "
    "PRIMARY KEY (household_id, member_id))",
    "CREATE INDEX IF NOT EXISTS ledger_search_members_id ON {s}.ledger_search_members (id_hash)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_search_applications (application_id text PRIMARY KEY, "
    "household_id uuid NOT NULL, programme text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ledger_search_applications_household "
    "ON {s}.ledger_search_applications (household_id, programme)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_data_access (id bigserial PRIMARY KEY, "
    "at timestamptz NOT NULL, user_name text NOT NULL, role text NOT NULL, "
    "household_id text, path text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {s}.ledger_idempotency (scope text PRIMARY KEY, "
    "body_hash text NOT NULL, status integer, response bytea, "
    "created_at timestamptz NOT NULL DEFAULT now())",
)


COPY_FROM = 50  # rows of one kind in a batch from which COPY beats executemany
_PLAIN_INSERT = re.compile(r"^INSERT INTO \{s\}\.(\w+) \(([^()]*)\) VALUES \(([^()]*)\)$")
_LITERALS: dict[str, Any] = {"NULL": None, "TRUE": True, "FALSE": False}


def copy_plan(
    statements: tuple[str, ...],
) -> tuple[str, list[str], list[Callable[[dict[str, Any]], Any]]] | None:
    """For a kind written by one plain `INSERT ... VALUES (...)` (no subquery, no ON
    CONFLICT): its table, its columns and how to get each value from a row; else None."""
    if len(statements) != 1:
        return None
    match = _PLAIN_INSERT.match(statements[0])
    if match is None:
        return None
    table, columns_text, values_text = match.groups()
    columns = [c.strip() for c in columns_text.split(",")]
    tokens = [v.strip() for v in values_text.split(",")]
    if len(columns) != len(tokens):
        return None
    values: list[Callable[[dict[str, Any]], Any]] = []
    for token in tokens:
        if token.startswith(":") and token[1:].isidentifier():
            values.append(itemgetter(token[1:]))
        elif token in _LITERALS:
            values.append(_constant(_LITERALS[token]))
        elif token.startswith("'") and token.endswith("'") and "'" not in token[1:-1]:
            values.append(_constant(token[1:-1]))
        else:
            return None
    return table, columns, values


def _constant(value: Any) -> Callable[[dict[str, Any]], Any]:
    def constant(_: dict[str, Any]) -> Any:
        return value

    return constant


class PostgresViewStore(PostgresTrackingRecorder, ViewStore):
    dialect = "postgres"

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self._schema = Identifier(self.datastore.schema)
        # The views' tables and indexes are created (IF NOT EXISTS) by every process that
        # opens the ledger, in one transaction: under the views' write lock, so a
        # process starting up never deadlocks with one writing rows (CREATE INDEX takes
        # a share lock on a table the writer holds, while it waits for another).
        self.sql_create_statements.insert(
            0,
            SQL("SELECT pg_advisory_xact_lock(hashtext({}))").format(
                Literal(f"ledger-views/{self.datastore.schema}")
            ),
        )
        for statement in _CREATE:
            self.sql_create_statements.append(self._sql(statement))
        self._writes = {
            kind: tuple(self._sql(postgres_dialect(sql)) for sql in sqls)
            for kind, sqls in WRITES.items()
        }
        self._copies = {
            kind: (self._copy_statement(plan[0], plan[1]), plan[2])
            for kind, sqls in WRITES.items()
            if (plan := copy_plan(sqls)) is not None
        }

    def _copy_statement(self, table: str, columns: list[str]) -> Composed:
        return SQL("COPY {s}.{t} ({c}) FROM STDIN").format(
            s=self._schema, t=Identifier(table), c=SQL(", ").join(map(Identifier, columns))
        )

    def _sql(self, text: str) -> Composed:
        return SQL(text).format(s=self._schema)

    @contextmanager
    def _read(self) -> Iterator[Cursor[DictRow]]:
        """A cursor for one SELECT: the pool's connections are in autocommit, so no
        BEGIN and ROLLBACK around it (one round trip instead of three)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            yield curs

    def head_and_positions(
        self, recorder: Any, names: tuple[str, ...]
    ) -> tuple[int, dict[str, int]]:
        """The log's head and every view's position in one round trip, when the events
        are in this database's schema (as the ledger builds them)."""
        datastore = getattr(recorder, "datastore", None)
        table = getattr(recorder, "events_table_name", None)
        if getattr(datastore, "schema", None) != self.datastore.schema or table is None:
            return super().head_and_positions(recorder, names)
        statement = SQL(
            "SELECT (SELECT MAX(notification_id) FROM {0}.{1}) AS head, t.application_name, "
            "MAX(t.notification_id) AS max FROM (SELECT 1) AS one LEFT JOIN {0}.{2} AS t "
            "ON t.application_name = ANY(%s) GROUP BY t.application_name"
        ).format(self._schema, Identifier(table), Identifier(self.tracking_table_name))
        with self._read() as curs:
            curs.execute(statement, (list(names),), prepare=True)
            rows = curs.fetchall()
        head = int(rows[0]["head"] or 0) if rows else 0
        found = {r["application_name"]: int(r["max"]) for r in rows if r["application_name"]}
        return head, {name: found.get(name, 0) for name in names}

    def positions(self, names: tuple[str, ...]) -> dict[str, int]:
        """Every view's position in one round trip (a read checks these each time)."""
        statement = SQL(
            "SELECT application_name, MAX(notification_id) AS max FROM {0}.{1} "
            "WHERE application_name = ANY(%s) GROUP BY application_name"
        ).format(self._schema, Identifier(self.tracking_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (list(names),), prepare=True)
            found = {row["application_name"]: int(row["max"]) for row in curs.fetchall()}
        return {name: found.get(name, 0) for name in names}

    def apply(self, ops: list[Op], tracking: Tracking) -> None:
        self.apply_together(ops, (tracking,))

    @contextmanager
    def _locked(self) -> Iterator[Cursor[DictRow]]:
        """A transaction that first takes the views' write lock: a transaction advisory
        lock of this schema, held until it commits or rolls back (so a process that dies
        holding it frees it). READ COMMITTED: each statement after the lock sees what
        the lock's previous holder committed."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                (f"ledger-views/{self.datastore.schema}",),
                prepare=True,
            )
            yield curs

    def _positions_in(self, curs: Cursor[DictRow], names: list[str]) -> dict[str, int]:
        curs.execute(
            SQL(
                "SELECT application_name, MAX(notification_id) AS max FROM {0}.{1} "
                "WHERE application_name = ANY(%s) GROUP BY application_name"
            ).format(self._schema, Identifier(self.tracking_table_name)),
            (names,),
            prepare=True,
        )
        found = {row["application_name"]: int(row["max"]) for row in curs.fetchall()}
        return {name: found.get(name, 0) for name in names}

    def apply_together(
        self,
        ops: list[Op],
        trackings: tuple[Tracking, ...],
        since: dict[str, int] | None = None,
    ) -> None:
        with self._locked() as curs:
            if since is not None:
                found = self._positions_in(curs, list(since))
                if found != since:
                    raise PositionMoved(found)
            self._write(curs, ops)
            # The library's own statement for the tracking row, in our transaction
            # (as its ftsprojection example does): there is no public variant.
            for tracking in trackings:
                self._insert_tracking(curs, tracking)

    def _write(self, curs: Cursor[DictRow], ops: list[Op]) -> None:
        for kind, rows in grouped(ops, KIND_ORDER):
            self._flush(curs, kind, coalesced(kind, rows))

    def _flush(self, curs: Cursor[DictRow], kind: str, rows: list[dict[str, Any]]) -> None:
        plan = self._copies.get(kind)
        if plan is not None and len(rows) >= COPY_FROM:
            # A plain INSERT of many rows: COPY sends them in one stream (the same rows,
            # in the same order, in the same transaction).
            statement, values = plan
            with curs.copy(statement) as copy:
                for row in rows:
                    copy.write_row([value(row) for value in values])
            return
        for statement in self._writes[kind]:
            curs.executemany(statement, rows)

    def reset(self, view_name: str, tables: tuple[str, ...]) -> None:
        with self._locked() as curs:
            for table in reversed(tables):
                curs.execute(SQL("DELETE FROM {s}.{t}").format(s=self._schema, t=Identifier(table)))
            curs.execute(
                SQL("DELETE FROM {s}.{t} WHERE application_name = %s").format(
                    s=self._schema, t=Identifier(self.tracking_table_name)
                ),
                (view_name,),
            )

    def dump(self, tables: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
        out: dict[str, list[tuple[Any, ...]]] = {}
        with self.datastore.transaction(commit=False) as curs:
            for table in tables:
                curs.execute(
                    SQL("SELECT * FROM {s}.{t}").format(s=self._schema, t=Identifier(table))
                )
                out[table] = sorted_rows(tuple(row.values()) for row in curs.fetchall())
        return out

    def entitlement_rows(
        self, household_id: UUID, known_at: datetime | None = None
    ) -> list[EntitlementRow]:
        self.check_available("ledger_entitlement_history")
        sql = "SELECT * FROM {s}.ledger_entitlement_history WHERE household_id = %s "
        params: list[Any] = [household_id]
        if known_at is not None:
            sql += "AND recorded_at <= %s "
            params.append(known_at)
        sql += "ORDER BY notification_id"
        with self._read() as curs:
            curs.execute(self._sql(sql), params)
            rows = curs.fetchall()
        return [
            EntitlementRow(
                notification_id=row["notification_id"],
                household_id=row["household_id"],
                region_code=row["region_code"] or "",
                programme=row["programme"],
                member_id=row["member_id"] or None,
                monthly_fen=row["monthly_fen"],
                ended=row["ended"],
                effective_from=row["effective_from"],
                recorded_at=row["recorded_at"],
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
        statement = HOUSEHOLDS_WITH.replace("PROGRAMME_MATCH", "= ANY(:programmes)")
        with self._read() as curs:
            curs.execute(
                self._sql(postgres_dialect(statement)),
                {
                    "programmes": list(programmes),
                    "prefix": region_prefix + "%",
                    "since": since,
                    "paused": paused,
                },
            )
            return [row["household_id"] for row in curs.fetchall()]

    def current_entitlements(self, household_id: UUID) -> list[dict[str, Any]]:
        self.check_available("ledger_current_entitlements")
        with self._read() as curs:
            curs.execute(
                self._sql(
                    "SELECT programme, member_id, monthly_fen, effective_from, standard_version "
                    "FROM {s}.ledger_current_entitlements WHERE household_id = %s AND NOT ended "
                    "ORDER BY programme, member_id"
                ),
                [household_id],
            )
            return [{**row, "member_id": row["member_id"] or None} for row in curs.fetchall()]

    def query(
        self,
        statement: str,
        params: dict[str, Any],
        *,
        plan_each: bool = False,
        compile_plan: bool = True,
    ) -> list[dict[str, Any]]:
        self.check_available(statement)
        with self._read() as curs:
            # Ids come back as text, as SQLite gives them: the callers key by str(id), and
            # building a UUID per row to print it again cost a city-wide page a fifth.
            curs.adapters.register_loader("uuid", TextLoader)
            if not compile_plan:  # the JIT's compile time (0.3 to 3 s) beside a 0.1 s read
                curs.execute("SET jit = off")
            try:
                # psycopg prepares a statement run five times; prepare=False keeps it
                # unnamed, so the server plans it with the values given each time.
                curs.execute(
                    self._sql(postgres_dialect(statement)),
                    params,
                    prepare=False if plan_each else None,
                )
                rows = curs.fetchall()
            finally:
                if not compile_plan:
                    curs.execute("RESET jit")
        # SUM over bigint comes back as numeric: give it back as int (it is whole fen).
        sums = [k for k, v in rows[0].items() if isinstance(v, Decimal)] if rows else []
        for row in rows if sums else []:
            for key in sums:
                if row[key] is not None:
                    row[key] = int(row[key])
        return rows

    def analyze(self, tables: tuple[str, ...]) -> None:
        with self.datastore.get_connection() as conn:  # autocommit: ANALYZE on its own
            for table in tables:
                conn.execute(SQL("ANALYZE {s}.{t}").format(s=self._schema, t=Identifier(table)))

    def count(self, table: str) -> int:
        self.check_available(table)
        with self._read() as curs:
            curs.execute(
                SQL("SELECT COUNT(*) AS n FROM {s}.{t}").format(s=self._schema, t=Identifier(table))
            )
            row = curs.fetchone()
            return int(row["n"]) if row else 0

    def record_access(
        self, at: datetime, user: str, role: str, household_id: str | None, path: str
    ) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                self._sql(
                    "INSERT INTO {s}.ledger_data_access (at, user_name, role, household_id, "
                    "path) VALUES (%s, %s, %s, %s, %s)"
                ),
                (at, user, role, household_id, path),
            )

    def record_accesses(
        self, at: datetime, user: str, role: str, household_ids: Sequence[str | None], path: str
    ) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.executemany(
                self._sql(
                    "INSERT INTO {s}.ledger_data_access (at, user_name, role, household_id, "
                    "path) VALUES (%s, %s, %s, %s, %s)"
                ),
                [(at, user, role, household_id, path) for household_id in household_ids],
            )

    def accesses(self, household_id: str | None, limit: int) -> list[dict[str, Any]]:
        sql = "SELECT at, user_name, role, household_id, path FROM {s}.ledger_data_access "
        params: list[Any] = []
        if household_id is not None:
            sql += "WHERE household_id = %s "
            params.append(household_id)
        sql += "ORDER BY id DESC LIMIT %s"
        params.append(limit)
        with self._read() as curs:
            curs.execute(self._sql(sql), params)
            return [{**row, "at": row["at"].isoformat()} for row in curs.fetchall()]

    def idempotency_begin(
        self, scope: str, body_hash: str, *, pending_seconds: float = PENDING_SECONDS
    ) -> tuple[str, int | None, bytes]:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                self._sql(
                    "INSERT INTO {s}.ledger_idempotency (scope, body_hash) VALUES (%s, %s) "
                    "ON CONFLICT (scope) DO NOTHING RETURNING scope"
                ),
                (scope, body_hash),
            )
            if curs.fetchone() is not None:
                return "new", None, b""
            curs.execute(
                self._sql(
                    "SELECT body_hash, status, response, "
                    "created_at < now() - make_interval(secs => %s) AS stale "
                    "FROM {s}.ledger_idempotency WHERE scope = %s"
                ),
                (pending_seconds, scope),
            )
            row = curs.fetchone()
        if row is None or row["body_hash"] != body_hash:
            return "mismatch", None, b""
        if row["status"] is None:
            return ("in_doubt" if row["stale"] else "pending"), None, b""
        return "replay", int(row["status"]), bytes(row["response"])

    def idempotency_finish(self, scope: str, status: int, body: bytes) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                self._sql(
                    "UPDATE {s}.ledger_idempotency SET status = %s, response = %s WHERE scope = %s"
                ),
                (status, body, scope),
            )

    def idempotency_abort(self, scope: str) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                self._sql("DELETE FROM {s}.ledger_idempotency WHERE scope = %s AND status IS NULL"),
                (scope,),
            )


APPEND_ONLY = (
    "CREATE OR REPLACE FUNCTION {s}.ledger_refuse_rewrite() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
    "'the ledger''s events are append-only: % on % refused', TG_OP, TG_TABLE_NAME "
    "USING ERRCODE = 'insufficient_privilege'; END $$",
    "CREATE OR REPLACE TRIGGER {trigger_rows} BEFORE UPDATE OR DELETE ON {s}.{t} "
    "FOR EACH ROW EXECUTE FUNCTION {s}.ledger_refuse_rewrite()",
    "CREATE OR REPLACE TRIGGER {trigger_table} BEFORE TRUNCATE ON {s}.{t} "
    "FOR EACH STATEMENT EXECUTE FUNCTION {s}.ledger_refuse_rewrite()",
)


class LedgerEventRecorder(PostgresApplicationRecorder):
    """The library's event recorder, whose insert it retries (ten tries, 0.2 s apart) when
    the connection fails, with one difference: when a retry meets its own rows already
    there (IntegrityError after a lost connection), the first try committed and only its
    answer was lost. That is not a concurrent change to load again and re-run (which
    could record the command twice): it is raised as the outage it was, which the API
    answers 503 "may have been recorded: read before retrying" and no caller re-runs."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        insert_once = PostgresApplicationRecorder.insert_events.__wrapped__
        lost: Exception | None = None
        for _ in range(INSERT_TRIES):
            try:
                return insert_once(self, stored_events, **kwargs)
            except (InterfaceError, OperationalError) as error:
                lost = error
                time.sleep(0.2)
            except IntegrityError:
                if lost is None:
                    raise
                raise OperationalError(
                    "the connection was lost while this write committed; it may have been recorded"
                ) from lost
        raise lost if lost is not None else OperationalError("insert not attempted")


INSERT_TRIES = 10


def binary_event_inserts(recorder: Any) -> None:
    """Send the rows of an event insert to PostgreSQL in binary (`%b`): the library's
    statement sends its array of stored-event composites as text (`%s`), which psycopg
    builds by quoting every field of every row in Python; the binary form of the same
    rows costs a small fraction of that (about a sixth of a payment run's time)."""
    recorder.insert_events_statement = _binary_params(recorder.insert_events_statement)


def _binary_params(statement: Any) -> Any:
    if isinstance(statement, Composed):
        return Composed([_binary_params(part) for part in statement])
    if isinstance(statement, SQL):
        return SQL(statement.as_string(None).replace("%s::", "%b::"))
    return statement


def make_append_only(datastore: PostgresDatastore, tables: tuple[str, ...]) -> None:
    """Refuse UPDATE, DELETE and TRUNCATE on the event tables, whoever asks. Only a
    superuser can get round it (session_replication_role = replica), which is what
    `ledger verify`'s hash chains are there to catch."""
    schema = Identifier(datastore.schema)
    with datastore.transaction(commit=True) as curs:
        # Several processes may start at once: one at a time, and only when missing
        # (concurrent CREATE OR REPLACE of one function fails in PostgreSQL).
        curs.execute("SELECT pg_advisory_xact_lock(hashtext('ledger-append-only'))")
        curs.execute(
            "SELECT count(*) AS n FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND t.tgname = ANY(%s)",
            (datastore.schema, [f"{table}_append_only" for table in tables]),
        )
        row = curs.fetchone()
        if row is not None and row["n"] == len(tables):
            return
        for table in tables:
            for statement in APPEND_ONLY:
                curs.execute(
                    SQL(statement).format(
                        s=schema,
                        t=Identifier(table),
                        trigger_rows=Identifier(f"{table}_append_only"),
                        trigger_table=Identifier(f"{table}_no_truncate"),
                    )
                )


# Each stream's last version, noted by the database itself in the transaction that
# appends the events (a statement trigger over the inserted rows), so that `ledger
# verify` can tell a stream whose last events were removed (or a stream removed whole)
# from one that was never longer. The function runs as its owner (SECURITY DEFINER): the
# application role only reads the table; no one but a superuser can lower a head.
STREAM_HEADS = (
    "CREATE TABLE {s}.ledger_stream_heads (originator_id uuid PRIMARY KEY, "
    "originator_version bigint NOT NULL)",
    "INSERT INTO {s}.ledger_stream_heads SELECT originator_id, max(originator_version) "
    "FROM {s}.{t} GROUP BY originator_id",
    # The schema from TG_TABLE_SCHEMA, not written into the body: a restore into another
    # schema keeps working.
    "CREATE OR REPLACE FUNCTION {s}.ledger_note_heads() RETURNS trigger "
    "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$ BEGIN "
    "EXECUTE format('INSERT INTO %I.ledger_stream_heads AS h SELECT originator_id, "
    "max(originator_version) FROM new_rows GROUP BY originator_id ON CONFLICT "
    "(originator_id) DO UPDATE SET originator_version = GREATEST(h.originator_version, "
    "EXCLUDED.originator_version)', TG_TABLE_SCHEMA); RETURN NULL; END $$",
    "CREATE TRIGGER {trigger} AFTER INSERT ON {s}.{t} REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION {s}.ledger_note_heads()",
    "CREATE TRIGGER ledger_stream_heads_keep BEFORE DELETE ON {s}.ledger_stream_heads "
    "FOR EACH ROW EXECUTE FUNCTION {s}.ledger_refuse_rewrite()",
    "CREATE TRIGGER ledger_stream_heads_no_truncate BEFORE TRUNCATE ON "
    "{s}.ledger_stream_heads FOR EACH STATEMENT EXECUTE FUNCTION {s}.ledger_refuse_rewrite()",
)


def track_stream_heads(datastore: PostgresDatastore, table: str) -> None:
    """Create the heads table (filled from the events already stored) and its trigger,
    once; after `make_append_only`, whose refusal function it reuses."""
    with datastore.transaction(commit=True) as curs:
        curs.execute("SELECT pg_advisory_xact_lock(hashtext('ledger-append-only'))")
        curs.execute("SELECT to_regclass(%s) AS t", (f'"{datastore.schema}".ledger_stream_heads',))
        row = curs.fetchone()
        if row is not None and row["t"] is not None:
            return
        for statement in STREAM_HEADS:
            curs.execute(
                SQL(statement).format(
                    s=Identifier(datastore.schema),
                    t=Identifier(table),
                    trigger=Identifier(f"{table}_heads"),
                )
            )


def grant_application_role(
    datastore: PostgresDatastore, role: str, *, events: str, snapshots: str | None
) -> None:
    """What the application role needs, run by the schema's owner after the tables exist.
    Events and snapshots: SELECT and INSERT (and UPDATE on the event table only because
    the event store locks it IN EXCLUSIVE MODE while it appends, which PostgreSQL allows
    only to a role with UPDATE; the append-only trigger refuses every actual update).
    Stream heads: SELECT (the trigger writes them as the owner). The views, their
    tracking, the access trail and the idempotency record: SELECT, INSERT, UPDATE,
    DELETE. Sequences: USAGE. Not being the owner, the role cannot ALTER, DISABLE TRIGGER
    or DROP anything."""
    schema = Identifier(datastore.schema)
    who = Identifier(role)
    with datastore.transaction(commit=True) as curs:
        curs.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (datastore.schema,))
        tables = [str(row["tablename"]) for row in curs.fetchall()]
        kept = {events, snapshots, "ledger_stream_heads"}
        statements = [
            ("GRANT USAGE ON SCHEMA {s} TO {r}", None),
            ("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {r}", None),
            ("GRANT SELECT, INSERT, UPDATE ON {s}.{t} TO {r}", events),
            ("GRANT SELECT ON {s}.{t} TO {r}", "ledger_stream_heads"),
        ]
        if snapshots is not None:
            statements.append(("GRANT SELECT, INSERT ON {s}.{t} TO {r}", snapshots))
        statements += [
            ("GRANT SELECT, INSERT, UPDATE, DELETE ON {s}.{t} TO {r}", table)
            for table in tables
            if table not in kept
        ]
        for statement, table in statements:
            curs.execute(SQL(statement).format(s=schema, r=who, t=Identifier(table or "-")))
