"""The views' write statements, written once. `{s}.` marks the schema (PostgreSQL) and
`:name` a parameter; each backend turns them into its own dialect."""

from __future__ import annotations

import re

_REGION = "(SELECT region_code FROM {s}.%s WHERE household_id = :household_id)"
_ENTITLEMENT_REGION = _REGION % "ledger_households"
_MEDICAL_REGION = _REGION % "ledger_medical_households"

WRITES: dict[str, tuple[str, ...]] = {
    # applications view (POLICY ch. 14)
    "app_received": (
        "INSERT INTO {s}.ledger_applications (application_id, household_id, programme, "
        "member_id, received_on, effective_from, open_objections) VALUES (:application_id, "
        ":household_id, :programme, :member_id, :received_on, :effective_from, 0)",
    ),
    "app_reopened": (
        "INSERT INTO {s}.ledger_applications (application_id, household_id, programme, "
        "member_id, received_on, effective_from, report_on, investigated_on, reopened_on, "
        "notice_from, notice_until, open_objections, extended_on) SELECT :application_id, "
        "household_id, programme, member_id, received_on, effective_from, report_on, "
        "investigated_on, reopened_on, notice_from, notice_until, 0, extended_on "
        "FROM {s}.ledger_applications WHERE application_id = :reopened_from",
    ),
    "app_reported": (
        "UPDATE {s}.ledger_applications SET report_on = :on WHERE application_id = :application_id",
    ),
    "app_investigated": (
        "UPDATE {s}.ledger_applications SET investigated_on = :on WHERE application_id = "
        ":application_id",
    ),
    "app_noticed": (
        "UPDATE {s}.ledger_applications SET notice_from = :on, notice_until = :until "
        "WHERE application_id = :application_id",
    ),
    "app_objection": (
        "UPDATE {s}.ledger_applications SET open_objections = open_objections + 1 "
        "WHERE application_id = :application_id",
    ),
    "app_dismissed": (
        "UPDATE {s}.ledger_applications SET open_objections = open_objections - 1 "
        "WHERE application_id = :application_id",
    ),
    "app_upheld": (
        "UPDATE {s}.ledger_applications SET open_objections = open_objections - 1, "
        "notice_from = NULL, notice_until = NULL, reopened_on = :on "
        "WHERE application_id = :application_id",
    ),
    "app_extended": (
        "UPDATE {s}.ledger_applications SET extended_on = :on WHERE application_id = "
        ":application_id",
    ),
    "app_withdrawn": (
        "UPDATE {s}.ledger_applications SET withdrawn_on = :on WHERE application_id = "
        ":application_id",
    ),
    "app_decided": (
        "UPDATE {s}.ledger_applications SET decided_on = :on WHERE application_id = "
        ":application_id",
    ),
    "app_outcome": (
        "UPDATE {s}.ledger_applications SET outcome = :outcome WHERE application_id = "
        ":application_id",
    ),
    "app_letter": (
        "UPDATE {s}.ledger_applications SET letter_on = COALESCE(letter_on, :on) "
        "WHERE application_id = :application_id",
    ),
    "app_pause": (
        "INSERT INTO {s}.ledger_application_pauses (notification_id, application_id, "
        "from_on) VALUES (:notification_id, :application_id, :on)",
    ),
    "app_resume": (
        "UPDATE {s}.ledger_application_pauses SET to_on = :on WHERE application_id = "
        ":application_id AND to_on IS NULL",
    ),
    # entitlements view
    "household": (
        "INSERT INTO {s}.ledger_households (household_id, region_code, residence, "
        "registered_on) VALUES (:household_id, :region_code, :residence, :registered_on)",
    ),
    "entitlement": (
        "INSERT INTO {s}.ledger_entitlement_history (notification_id, household_id, "
        "region_code, programme, member_id, monthly_fen, ended, effective_from, recorded_at, "
        "reason, standard_version, cause, actor) VALUES (:notification_id, :household_id, "
        f"{_ENTITLEMENT_REGION}, :programme, :member_id, :monthly_fen, :ended, "
        ":effective_from, :recorded_at, :reason, :standard_version, :cause, :actor)",
        # The current amount: the change point with the latest effective date wins; on
        # the same date the later record wins.
        "INSERT INTO {s}.ledger_current_entitlements (household_id, region_code, programme, "
        "member_id, monthly_fen, ended, effective_from, standard_version, notification_id) "
        f"VALUES (:household_id, {_ENTITLEMENT_REGION}, :programme, :member_id, "
        ":monthly_fen, :ended, :effective_from, :standard_version, :notification_id) "
        "ON CONFLICT (household_id, programme, member_id) DO UPDATE SET "
        "monthly_fen = excluded.monthly_fen, ended = excluded.ended, "
        "effective_from = excluded.effective_from, "
        "standard_version = excluded.standard_version, "
        "notification_id = excluded.notification_id "
        "WHERE ledger_current_entitlements.effective_from <= excluded.effective_from",
    ),
    "grant": (
        "INSERT INTO {s}.ledger_entitlement_history (notification_id, household_id, "
        "region_code, programme, member_id, monthly_fen, ended, effective_from, recorded_at, "
        "reason, standard_version, cause, actor) VALUES (:notification_id, :household_id, "
        f"{_ENTITLEMENT_REGION}, :programme, :member_id, :monthly_fen, :ended, "
        ":effective_from, :recorded_at, :reason, :standard_version, :cause, :actor)",
    ),
    # medical view
    "med_household": (
        "INSERT INTO {s}.ledger_medical_households (household_id, region_code) "
        "VALUES (:household_id, :region_code)",
    ),
    "med_bill": (
        "INSERT INTO {s}.ledger_medical_bills (bill_id, household_id, member_id, region_code, "
        "cap_year, service_on, total_fen, insurance_paid_fen, self_paid_fen, waived_fen, "
        "counted_fen, kept_fen, relief_fen, cancelled, notification_id) VALUES (:bill_id, "
        f":household_id, :member_id, {_MEDICAL_REGION}, :cap_year, :service_on, :total_fen, "
        ":insurance_paid_fen, :self_paid_fen, :waived_fen, :counted_fen, :kept_fen, "
        ":relief_fen, FALSE, :notification_id)",
    ),
    "med_bill_figures": (
        "UPDATE {s}.ledger_medical_bills SET cap_year = :cap_year, service_on = :service_on, "
        "total_fen = :total_fen, insurance_paid_fen = :insurance_paid_fen, "
        "self_paid_fen = :self_paid_fen, waived_fen = :waived_fen, counted_fen = :counted_fen, "
        "notification_id = :notification_id WHERE bill_id = :bill_id",
    ),
    "med_bill_cancel": (
        "UPDATE {s}.ledger_medical_bills SET cancelled = TRUE, "
        "notification_id = :notification_id WHERE bill_id = :bill_id",
    ),
    "med_bill_split": (
        "UPDATE {s}.ledger_medical_bills SET kept_fen = :kept_fen, relief_fen = :relief_fen, "
        "notification_id = :notification_id WHERE bill_id = :bill_id",
    ),
    "med_relief": (
        "INSERT INTO {s}.ledger_medical_relief (notification_id, bill_id, household_id, "
        "region_code, cap_year, month, amount_fen) VALUES (:notification_id, :bill_id, "
        f":household_id, {_MEDICAL_REGION}, :cap_year, :month, :amount_fen)",
    ),
    "med_carried": (
        "INSERT INTO {s}.ledger_medical_carried (household_id, member_id, cap_year, "
        "carried_fen) VALUES (:household_id, :member_id, :cap_year, :carried_fen) "
        "ON CONFLICT (household_id, member_id, cap_year) DO UPDATE SET "
        "carried_fen = excluded.carried_fen",
    ),
    # care view
    "means": (
        "INSERT INTO {s}.ledger_means (notification_id, household_id, effective_on, category, "
        "annual_income_fen, household_size) VALUES (:notification_id, :household_id, "
        ":effective_on, :category, :annual_income_fen, :household_size)",
    ),
    "category": (
        "INSERT INTO {s}.ledger_categories (household_id, category, member_id, effective_from, "
        "effective_to, notification_id) VALUES (:household_id, :category, :member_id, "
        ":effective_from, NULL, :notification_id)",
    ),
    # A batch writes each kind in turn (see `grouped`): an end, cut or removal touches
    # only spans assigned before it (a lower notification id), so a span assigned later
    # in the same batch is left alone whatever the order the kinds run in.
    "category_end": (
        "UPDATE {s}.ledger_categories SET effective_to = :effective_to "
        "WHERE household_id = :household_id AND category = :category "
        "AND member_id = :member_id AND effective_to IS NULL "
        "AND notification_id < :notification_id",
    ),
    "category_cut": (
        "UPDATE {s}.ledger_categories SET effective_to = :effective_to "
        "WHERE household_id = :household_id AND category = :category "
        "AND member_id = :member_id AND effective_from = :span_from "
        "AND notification_id < :notification_id",
    ),
    "category_remove": (
        "DELETE FROM {s}.ledger_categories WHERE household_id = :household_id "
        "AND category = :category AND member_id = :member_id AND effective_from = :span_from "
        "AND notification_id < :notification_id",
    ),
    "member_identity": (
        "INSERT INTO {s}.ledger_member_identity (household_id, member_id, name, id_number) "
        "VALUES (:household_id, :member_id, :name, :id_number) "
        "ON CONFLICT (household_id, member_id) DO UPDATE SET name = excluded.name",
    ),
    "member_fact": (
        "INSERT INTO {s}.ledger_member_facts (notification_id, idx, household_id, member_id, "
        "effective_on, fact, value) VALUES (:notification_id, :idx, :household_id, "
        ":member_id, :effective_on, :fact, :value)",
    ),
    "visit": (
        "INSERT INTO {s}.ledger_visits (notification_id, household_id, visited_on) "
        "VALUES (:notification_id, :household_id, :visited_on)",
    ),
    "major_change": (
        "INSERT INTO {s}.ledger_major_changes (notification_id, household_id, reported_on, "
        "stabilised_on) VALUES (:notification_id, :household_id, :reported_on, NULL)",
    ),
    "stabilised": (
        "UPDATE {s}.ledger_major_changes SET stabilised_on = :stabilised_on "
        "WHERE household_id = :household_id AND stabilised_on IS NULL",
    ),
    "referral": (
        "INSERT INTO {s}.ledger_referrals (notification_id, household_id, member_id, "
        "referred_on) VALUES (:notification_id, :household_id, :member_id, :referred_on)",
    ),
    "dividend": (
        "INSERT INTO {s}.ledger_dividends (notification_id, household_id, year, received_on, "
        "amount_fen, village_subsidy_fen) VALUES (:notification_id, :household_id, :year, "
        ":received_on, :amount_fen, :village_subsidy_fen)",
    ),
    # payments view
    "payee": (
        "INSERT INTO {s}.ledger_payees (household_id, member_id, name, relation) VALUES "
        "(:household_id, :member_id, :name, :relation) ON CONFLICT (household_id, member_id) "
        "DO UPDATE SET name = excluded.name, relation = excluded.relation, "
        "left_household = FALSE",
    ),
    "payee_left": (
        "UPDATE {s}.ledger_payees SET left_household = TRUE "
        "WHERE household_id = :household_id AND member_id = :member_id",
    ),
    "payee_account": (
        "UPDATE {s}.ledger_payees SET account_kind = :account_kind, "
        "account_number = :account_number, bank_name = :bank_name "
        "WHERE household_id = :household_id AND member_id = :member_id",
    ),
    "ledger_version": (
        "INSERT INTO {s}.ledger_payment_ledgers (ledger_id, household_id, version, "
        "chain_head, last_run_period) VALUES (:ledger_id, :household_id, :version, "
        ":chain_head, :last_run_period) "
        "ON CONFLICT (ledger_id) DO UPDATE SET version = excluded.version, "
        "chain_head = excluded.chain_head, "
        "household_id = COALESCE(excluded.household_id, ledger_payment_ledgers.household_id), "
        "last_run_period = COALESCE(excluded.last_run_period, "
        "ledger_payment_ledgers.last_run_period)",
    ),
    "payment": (
        "INSERT INTO {s}.ledger_payments (payment_id, feed_seq, run_period, ledger_id, "
        "household_id, programme, member_id, period, kind, gross_fen, recovered_fen, "
        "amount_fen, payee_member_id, payee_name, account_kind, account_number, bank_name, "
        "status, bank_reference, retry_of, failures, explanation, notification_id) VALUES "
        "(:payment_id, :feed_seq, :run_period, :ledger_id, :household_id, :programme, "
        ":member_id, :period, :kind, :gross_fen, :recovered_fen, :amount_fen, "
        ":payee_member_id, :payee_name, :account_kind, :account_number, :bank_name, "
        "'scheduled', NULL, :retry_of, :failures, :explanation, :notification_id)",
    ),
    "overpayment": (
        "INSERT INTO {s}.ledger_overpayments (notification_id, idx, ledger_id, programme, "
        "member_id, period, amount_fen, run_period) VALUES (:notification_id, :idx, "
        ":ledger_id, :programme, :member_id, :period, :amount_fen, :run_period)",
    ),
    "payment_ack": (
        "UPDATE {s}.ledger_payments SET status = :status, bank_reference = :bank_reference, "
        "failures = failures + CASE WHEN :status IN ('failed', 'returned') THEN 1 ELSE 0 END "
        "WHERE payment_id = :payment_id",
    ),
    "payment_cancel": (
        "UPDATE {s}.ledger_payments SET status = 'cancelled' WHERE payment_id = :payment_id",
    ),
    "run": (
        "INSERT INTO {s}.ledger_payment_runs (period, run_id, status, payments, total_fen, "
        "households, position) VALUES (:period, :run_id, :status, :payments, :total_fen, "
        ":households, :position)",
    ),
    "run_completed": (
        "UPDATE {s}.ledger_payment_runs SET status = 'completed', payments = :payments, "
        "total_fen = :total_fen, households = :households WHERE run_id = :run_id",
    ),
    # budgets, in the payments view (domain/budgets.py)
    "budget": (
        "INSERT INTO {s}.ledger_budgets (budget_id, county, year, programme, amount_fen, "
        "document, version, chain_head) VALUES (:budget_id, :county, :year, :programme, "
        ":amount_fen, :document, 0, '')",
    ),
    "budget_revision": (
        "INSERT INTO {s}.ledger_budget_revisions (notification_id, budget_id, amount_fen, "
        "document, actor, effective_on) VALUES (:notification_id, :budget_id, :amount_fen, "
        ":document, :actor, :effective_on)",
    ),
    "budget_amount": (
        "UPDATE {s}.ledger_budgets SET amount_fen = :amount_fen, document = :document "
        "WHERE budget_id = :budget_id",
    ),
    "budget_override": (
        "INSERT INTO {s}.ledger_budget_overrides (budget_id, run_period, reason, document, "
        "actor, effective_on, notification_id) VALUES (:budget_id, :run_period, :reason, "
        ":document, :actor, :effective_on, :notification_id)",
    ),
    "budget_hold": (
        "INSERT INTO {s}.ledger_budget_holds (budget_id, run_period, household_id, programme, "
        "member_id, period, kind, amount_fen, notification_id) VALUES (:budget_id, "
        ":run_period, :household_id, :programme, :member_id, :period, :kind, :amount_fen, "
        ":notification_id) ON CONFLICT (run_period, household_id, programme, member_id, "
        "period, kind) DO NOTHING",
    ),
    "budget_version": (
        "UPDATE {s}.ledger_budgets SET version = :version, chain_head = :chain_head "
        "WHERE budget_id = :budget_id",
    ),
    # payment trail view (projections/payment_trail.py)
    "grant_awarded": (
        "INSERT INTO {s}.ledger_grants (grant_id, household_id, programme, member_id, "
        "amount_fen, effective_on, explanation, actor, notification_id) VALUES (:grant_id, "
        ":household_id, :programme, :member_id, :amount_fen, :effective_on, :explanation, "
        ":actor, :notification_id)",
    ),
    "account_record": (
        "INSERT INTO {s}.ledger_account_records (notification_id, household_id, member_id, "
        "account_kind, account_number, bank_name, effective_on, actor) VALUES "
        "(:notification_id, :household_id, :member_id, :account_kind, :account_number, "
        ":bank_name, :effective_on, :actor)",
    ),
    "payment_answer": (
        "INSERT INTO {s}.ledger_payment_answers (notification_id, ledger_id, payment_id, "
        "status, bank_reference, reason, answered_at, actor) VALUES (:notification_id, "
        ":ledger_id, :payment_id, :status, :bank_reference, :reason, :answered_at, :actor)",
    ),
    # statements view (projections/statements.py)
    "statement": (
        "INSERT INTO {s}.ledger_statements (statement_id, message, created_at, entries, paid, "
        "paid_fen, returned, returned_fen, already, pending, exceptions, imported_on, actor, "
        "notification_id) VALUES (:statement_id, :message, :created_at, :entries, :paid, "
        ":paid_fen, :returned, :returned_fen, :already, :pending, :exceptions, :imported_on, "
        ":actor, :notification_id)",
    ),
    "statement_exception": (
        "INSERT INTO {s}.ledger_statement_exceptions (entry_id, statement_id, kind, "
        "end_to_end_id, payment_id, household_id, amount_fen, expected_fen, booked_on, why, "
        "notification_id) VALUES (:entry_id, :statement_id, :kind, :end_to_end_id, "
        ":payment_id, :household_id, :amount_fen, :expected_fen, :booked_on, :why, "
        ":notification_id) ON CONFLICT (entry_id) DO NOTHING",
    ),
    # warnings view
    "warn_means": (
        "INSERT INTO {s}.ledger_warning_means (notification_id, household_id, effective_on, "
        "annual_income_fen, rigid_deductions_fen, car_insurance_value_fen, household_size) "
        "VALUES (:notification_id, :household_id, :effective_on, :annual_income_fen, "
        ":rigid_deductions_fen, :car_insurance_value_fen, :household_size)",
    ),
    "warn_failure": (
        "INSERT INTO {s}.ledger_warning_failures (notification_id, payment_id, failed_on) "
        "VALUES (:notification_id, :payment_id, :failed_on)",
    ),
    "warn_case": (
        "INSERT INTO {s}.ledger_warning_cases (warning_id, household_id, rule, reason, "
        "raised_on, status, note, actor, acknowledged_on, resolved_on, opened_at, "
        "acted_at, notification_id) VALUES (:warning_id, :household_id, :rule, :reason, "
        ":raised_on, 'open', '', '', NULL, NULL, :opened_at, NULL, :notification_id)",
    ),
    "warn_status": (
        "UPDATE {s}.ledger_warning_cases SET status = :status, note = :note, actor = :actor, "
        "acknowledged_on = CASE WHEN :status = 'acknowledged' THEN :acted_on "
        "ELSE acknowledged_on END, "
        "resolved_on = CASE WHEN :status = 'resolved' THEN :acted_on ELSE resolved_on END, "
        "acted_at = :acted_at, notification_id = :notification_id "
        "WHERE warning_id = :warning_id",
    ),
    # search view (docs/WORKSPACE.md)
    "search_household": (
        "INSERT INTO {s}.ledger_search_households (household_id, hkey, region_code, "
        "residence, address, registered_on, caseworker, assigned_on) VALUES (:household_id, "
        ":hkey, :region_code, :residence, :address, :registered_on, :caseworker, :assigned_on)",
    ),
    # The household's text row: its address now, its members' names as they are added.
    "search_text": (
        "INSERT INTO {s}.ledger_search_text (rowid, household_id, name_grams, address_grams, "
        "name_norm, address_norm) VALUES (:hkey, :household_id, '', :grams, '', :norm)",
    ),
    # A member who comes back (moved in again) is the same row; of a move out and back in
    # the same batch the later (by notification id) wins whichever kind runs first.
    "search_member": (
        "INSERT INTO {s}.ledger_search_members (household_id, member_id, name, id_hash, "
        "id_masked, relation, left_on, added_nid, membership_nid) VALUES (:household_id, "
        ":member_id, :name, :id_hash, :id_masked, :relation, NULL, :nid, :nid) "
        "ON CONFLICT (household_id, member_id) DO UPDATE SET name = excluded.name, "
        "id_hash = excluded.id_hash, id_masked = excluded.id_masked, "
        "relation = excluded.relation, left_on = NULL, "
        "membership_nid = excluded.membership_nid "
        "WHERE ledger_search_members.membership_nid < excluded.membership_nid",
    ),
    # Each name added to its household's row (the grams space-separated, the normalised
    # names by "|", which no fragment holds: a fragment never spans two names).
    "search_name": (
        "UPDATE {s}.ledger_search_text SET name_grams = CASE WHEN name_grams = '' "
        "THEN :grams ELSE name_grams || ' ' || :grams END, name_norm = CASE WHEN "
        "name_norm = '' THEN :norm ELSE name_norm || '|' || :norm END WHERE rowid = "
        "(SELECT hkey FROM {s}.ledger_search_households WHERE household_id = :household_id)",
    ),
    "search_application": (
        "INSERT INTO {s}.ledger_search_applications (application_id, household_id, programme) "
        "VALUES (:application_id, :household_id, :programme)",
    ),
    "search_assign": (
        "UPDATE {s}.ledger_search_households SET caseworker = :caseworker, "
        "assigned_on = :assigned_on WHERE household_id = :household_id",
    ),
    "search_left": (
        "UPDATE {s}.ledger_search_members SET left_on = :left_on, membership_nid = :nid "
        "WHERE household_id = :household_id AND member_id = :member_id "
        "AND membership_nid < :nid",
    ),
}

# Writes of one batch go kind by kind in this order (creations before the updates of
# what they create), each kind in one executemany with the batch's order kept.
KIND_ORDER = tuple(WRITES)

_PARAM = re.compile(r":([a-z_][a-z0-9_]*)")


def sqlite_dialect(statement: str) -> str:
    return statement.replace("{s}.", "")


def postgres_dialect(statement: str) -> str:
    """`:name` to psycopg's `%(name)s`; the `{s}` schema is filled in by psycopg.sql."""
    return _PARAM.sub(r"%(\1)s", statement.replace("%", "%%"))


# Read queries, same conventions.
ALL_HOUSEHOLDS = "SELECT household_id FROM {s}.ledger_households ORDER BY household_id"
# A household's payments, latest first (the household page).
HOUSEHOLD_PAYMENTS = (
    "SELECT payment_id, run_period, period, programme, member_id, kind, amount_fen, status, "
    "retry_of FROM {s}.ledger_payments WHERE household_id = :household_id "
    "ORDER BY feed_seq DESC LIMIT 60"
)
STREAM_HEADS = "SELECT originator_id, originator_version FROM {s}.ledger_stream_heads"
MEDICAL_MEMBER_TOTALS = (
    "SELECT member_id, SUM(kept_fen) AS kept_fen, SUM(relief_fen) AS relief_fen, "
    "SUM(counted_fen) AS counted_fen FROM {s}.ledger_medical_bills "
    "WHERE household_id = :household_id AND cap_year = :cap_year AND NOT cancelled "
    "GROUP BY member_id ORDER BY member_id"
)
MEDICAL_CARRIED = (
    "SELECT member_id, carried_fen FROM {s}.ledger_medical_carried "
    "WHERE household_id = :household_id AND cap_year = :cap_year ORDER BY member_id"
)
FUND_RELIEF = (
    "SELECT month, substr(region_code, 1, 6) AS county, SUM(amount_fen) AS relief_fen "
    "FROM {s}.ledger_medical_relief WHERE cap_year = :cap_year AND region_code LIKE :prefix "
    "GROUP BY month, substr(region_code, 1, 6) ORDER BY month, county"
)
# §15 supervision figures of a cap year as of a date (bills served on or before it), per
# household (services/ledger.py medical_households): the bills not cancelled, what each
# member carried in, and the fund's relief for those bills (granted, net of adjustments).
MEDICAL_BILLS_AS_OF = (
    "SELECT household_id, region_code, member_id, service_on, total_fen, counted_fen, "
    "kept_fen FROM {s}.ledger_medical_bills WHERE cap_year = :cap_year "
    "AND service_on <= :on AND NOT cancelled AND region_code LIKE :prefix"
)
MEDICAL_CARRIED_IN_YEAR = (
    "SELECT household_id, member_id, carried_fen FROM {s}.ledger_medical_carried "
    "WHERE cap_year = :cap_year"
)
MEDICAL_RELIEVED_AS_OF = (
    "SELECT b.household_id, SUM(r.amount_fen) AS relief_fen FROM {s}.ledger_medical_relief r "
    "JOIN {s}.ledger_medical_bills b ON b.bill_id = r.bill_id WHERE b.cap_year = :cap_year "
    "AND b.service_on <= :on AND NOT b.cancelled AND b.region_code LIKE :prefix "
    "GROUP BY b.household_id"
)

# Payment runs: what a run reads (everything as of the run's catch-up).
RUN_ENTITLEMENT_ROWS = (
    "SELECT household_id, programme, member_id, monthly_fen, ended, effective_from, "
    "notification_id, cause FROM {s}.ledger_entitlement_history WHERE cause <> 'grant' "
    "ORDER BY notification_id"
)
RUN_SCHEDULED = (
    "SELECT household_id, programme, member_id, period, SUM(gross_fen) AS gross_fen "
    "FROM {s}.ledger_payments WHERE retry_of IS NULL AND kind IN ('regular', 'arrears') "
    "GROUP BY household_id, programme, member_id, period"
)
RUN_OVERPAID = (
    "SELECT l.household_id, o.programme, o.member_id, o.period, "
    "SUM(o.amount_fen) AS amount_fen FROM {s}.ledger_overpayments o "
    "JOIN {s}.ledger_payment_ledgers l ON l.ledger_id = o.ledger_id "
    "GROUP BY l.household_id, o.programme, o.member_id, o.period"
)
RUN_RECOVERED = (
    "SELECT household_id, programme, member_id, SUM(recovered_fen) AS recovered_fen "
    "FROM {s}.ledger_payments GROUP BY household_id, programme, member_id"
)
# Failed and returned payments not tried again yet; a returned one with its return's
# position in the log and the bank's reason (a payment is returned at most once).
_TRIES = (
    "SELECT p.*, a.notification_id AS returned_at, a.reason AS return_reason "
    "FROM {s}.ledger_payments p LEFT JOIN {s}.ledger_payment_answers a "
    "ON a.payment_id = p.payment_id AND a.status = 'returned' "
    "WHERE p.status IN ('failed', 'returned') "
    "AND NOT EXISTS (SELECT 1 FROM {s}.ledger_payments r WHERE r.retry_of = p.payment_id)"
)
RUN_RETRIES = _TRIES
# One-off grants (§11, §14, §28) due by a day and not paid: no payment has the grant's id.
_GRANTS = (
    "SELECT g.grant_id, g.household_id, g.programme, g.member_id, g.amount_fen, "
    "g.effective_on, g.explanation, g.actor FROM {s}.ledger_grants g "
    "WHERE g.effective_on <= :last_day AND NOT EXISTS "
    "(SELECT 1 FROM {s}.ledger_payments p WHERE p.payment_id = g.grant_id)"
)
RUN_GRANTS = _GRANTS + " ORDER BY g.notification_id"
# When each member's payee account was last recorded (a position in the log).
RUN_ACCOUNT_RECORDS = (
    "SELECT household_id, member_id, MAX(notification_id) AS recorded_at "
    "FROM {s}.ledger_account_records GROUP BY household_id, member_id"
)
# The same of one household (its payment history, services/payouts.py).
HOUSEHOLD_TRIES = _TRIES + " AND p.household_id = :household_id"
HOUSEHOLD_GRANTS = _GRANTS + " AND g.household_id = :household_id ORDER BY g.notification_id"
HOUSEHOLD_ACCOUNT_RECORDS = (
    "SELECT * FROM {s}.ledger_account_records WHERE household_id = :household_id "
    "ORDER BY notification_id"
)
HOUSEHOLD_PAYEES = (
    "SELECT household_id, member_id, name, relation, account_kind, account_number, bank_name "
    "FROM {s}.ledger_payees WHERE NOT left_household AND household_id = :household_id"
)
HOUSEHOLD_PAYMENT_HISTORY = (
    "SELECT * FROM {s}.ledger_payments WHERE household_id = :household_id ORDER BY feed_seq"
)
HOUSEHOLD_ANSWERS = (
    "SELECT * FROM {s}.ledger_payment_answers WHERE ledger_id = :ledger_id ORDER BY notification_id"
)
HOUSEHOLD_ALL_GRANTS = (
    "SELECT * FROM {s}.ledger_grants WHERE household_id = :household_id ORDER BY notification_id"
)
RUN_LEDGERS = (
    "SELECT ledger_id, household_id, version, chain_head, last_run_period "
    "FROM {s}.ledger_payment_ledgers"
)
RUN_PAYEES = (
    "SELECT household_id, member_id, name, relation, account_kind, account_number, bank_name "
    "FROM {s}.ledger_payees WHERE NOT left_household"
)
RUN_REGIONS = "SELECT household_id, region_code FROM {s}.ledger_households"
# Budgets (services/budgets.py): released per run month, county and programme (the
# household's county; a household the entitlements view does not know counts for the
# city), less what the bank failed or returned and what was cancelled.
BUDGET_SPENDING = (
    "SELECT p.run_period, substr(COALESCE(h.region_code, '330400'), 1, 6) AS county, "
    "p.programme, SUM(p.amount_fen) AS amount_fen, COUNT(*) AS lines "
    "FROM {s}.ledger_payments p LEFT JOIN {s}.ledger_households h "
    "ON h.household_id = p.household_id WHERE p.run_period >= :first "
    "AND p.run_period <= :last AND p.status NOT IN ('failed', 'returned', 'cancelled') "
    "GROUP BY p.run_period, substr(COALESCE(h.region_code, '330400'), 1, 6), p.programme"
)
BUDGETS_OF_YEAR = "SELECT * FROM {s}.ledger_budgets WHERE year = :year ORDER BY county, programme"
BUDGET_REVISIONS_OF_YEAR = (
    "SELECT r.* FROM {s}.ledger_budget_revisions r JOIN {s}.ledger_budgets b "
    "ON b.budget_id = r.budget_id WHERE b.year = :year ORDER BY r.notification_id"
)
BUDGET_OVERRIDES_OF_YEAR = (
    "SELECT o.* FROM {s}.ledger_budget_overrides o JOIN {s}.ledger_budgets b "
    "ON b.budget_id = o.budget_id WHERE b.year = :year ORDER BY o.notification_id"
)
BUDGET_OVERRIDES_OF_RUN = (
    "SELECT o.*, b.county, b.programme FROM {s}.ledger_budget_overrides o "
    "JOIN {s}.ledger_budgets b ON b.budget_id = o.budget_id WHERE o.run_period = :period"
)
BUDGET_HOLDS_OF_RUN = (
    "SELECT h.*, b.county FROM {s}.ledger_budget_holds h JOIN {s}.ledger_budgets b "
    "ON b.budget_id = h.budget_id WHERE h.run_period = :period ORDER BY h.notification_id"
)
# What a later run pays as arrears: monthly lines some earlier run held.
BUDGET_HELD_KEYS = (
    "SELECT DISTINCT household_id, programme, member_id FROM {s}.ledger_budget_holds "
    "WHERE run_period < :period AND kind IN ('regular', 'arrears')"
)
BUDGET_HELD_OF_YEAR = (
    "SELECT b.county, b.programme, COUNT(*) AS lines, SUM(h.amount_fen) AS amount_fen "
    "FROM {s}.ledger_budget_holds h JOIN {s}.ledger_budgets b ON b.budget_id = h.budget_id "
    "WHERE b.year = :year GROUP BY b.county, b.programme"
)
RUN_PERIODS = "SELECT period, run_id, status, position FROM {s}.ledger_payment_runs"
RUN_TOTALS = (
    "SELECT COUNT(*) AS payments, SUM(amount_fen) AS total_fen, "
    "COUNT(DISTINCT household_id) AS households FROM {s}.ledger_payments "
    "WHERE run_period = :period"
)
FEED_PAGE = (
    "SELECT * FROM {s}.ledger_payments WHERE feed_seq > :after ORDER BY feed_seq LIMIT :limit"
)
FEED_RUN = "SELECT * FROM {s}.ledger_payments WHERE run_period = :period ORDER BY feed_seq"
PAYMENT_BY_ID = "SELECT * FROM {s}.ledger_payments WHERE payment_id = :payment_id"
# Bank statements (services/statements.py): the payments a statement's end-to-end ids
# name, the ledgers they are in, the statements and exceptions imported, the payments
# sent and not answered. `:ids` is expanded to one parameter per id by the caller.
STATEMENT_PAYMENTS = (
    "SELECT payment_id, household_id, amount_fen, status, bank_reference "
    "FROM {s}.ledger_payments WHERE payment_id IN (:ids)"
)
STATEMENT_LEDGERS = (
    "SELECT ledger_id, household_id, version, chain_head FROM {s}.ledger_payment_ledgers "
    "WHERE ledger_id IN (:ids)"
)
STATEMENTS = "SELECT * FROM {s}.ledger_statements ORDER BY notification_id"
STATEMENT_EXCEPTIONS = (
    "SELECT * FROM {s}.ledger_statement_exceptions ORDER BY notification_id, entry_id"
)
STATEMENT_UNANSWERED = (
    "SELECT payment_id, household_id, run_period, programme, member_id, period, kind, "
    "amount_fen, payee_name FROM {s}.ledger_payments WHERE status = 'scheduled' "
    "AND amount_fen > 0 AND account_number IS NOT NULL AND run_period <= :last_period "
    "ORDER BY feed_seq"
)
RECONCILIATION = (
    "SELECT status, COUNT(*) AS payments, SUM(amount_fen) AS amount_fen, "
    "SUM(recovered_fen) AS recovered_fen FROM {s}.ledger_payments "
    "WHERE run_period = :period GROUP BY status ORDER BY status"
)
# A run's lines by status, kind, whether each tries an earlier one again and whether a
# later line tries it again (the reconciliation's parts, services/ledger.py).
RECONCILIATION_PARTS = (
    "SELECT p.status, p.kind, CASE WHEN p.retry_of IS NULL THEN 0 ELSE 1 END AS a_retry, "
    "CASE WHEN EXISTS (SELECT 1 FROM {s}.ledger_payments r WHERE r.retry_of = p.payment_id) "
    "THEN 1 ELSE 0 END AS retried, COUNT(*) AS payments, SUM(p.amount_fen) AS amount_fen, "
    "SUM(p.gross_fen) AS gross_fen, SUM(p.recovered_fen) AS recovered_fen "
    "FROM {s}.ledger_payments p WHERE p.run_period = :period "
    "GROUP BY p.status, p.kind, a_retry, retried"
)
# What later runs paid again of a run's failed and returned lines (their own amounts).
RECONCILIATION_RETRIES = (
    "SELECT COUNT(*) AS payments, SUM(r.amount_fen) AS amount_fen FROM {s}.ledger_payments r "
    "JOIN {s}.ledger_payments p ON p.payment_id = r.retry_of WHERE p.run_period = :period"
)

# The periodic review's due list: households with an open category span, in a region.
REVIEW_HOUSEHOLDS = (
    "SELECT DISTINCT c.household_id AS household_id, h.region_code AS region_code "
    "FROM {s}.ledger_categories c JOIN {s}.ledger_households h "
    "ON h.household_id = c.household_id WHERE c.effective_to IS NULL "
    "AND h.region_code LIKE :prefix ORDER BY c.household_id"
)

CARE_CATEGORIES = (
    "SELECT household_id, category, member_id, effective_from, effective_to "
    "FROM {s}.ledger_categories"
)
CARE_FACTS = (
    "SELECT household_id, member_id, effective_on, fact, value, notification_id, idx "
    # the order Member.attribute reads them in: by effective date, then as recorded
    "FROM {s}.ledger_member_facts ORDER BY effective_on, notification_id, idx"
)
# The same rows of the households in one region (:prefix, a region code and "%"): a
# county's page reads its own households', not the city's.
IN_REGION = (
    "household_id IN (SELECT household_id FROM {s}.ledger_households "
    "WHERE region_code LIKE :prefix)"
)
CARE_REGIONS_IN = RUN_REGIONS + " WHERE region_code LIKE :prefix"
CARE_CATEGORIES_IN = CARE_CATEGORIES + " WHERE " + IN_REGION
CARE_FACTS_IN = (
    "SELECT household_id, member_id, effective_on, fact, value, notification_id, idx "
    f"FROM {{s}}.ledger_member_facts WHERE {IN_REGION} "
    "ORDER BY effective_on, notification_id, idx"
)
# §23 per village (the household's region code) and year: the rural low-income households'
# dividends and the 50% subsidy due to the village.
DIVIDENDS_BY_VILLAGE = (
    "SELECT h.region_code, COUNT(DISTINCT d.household_id) AS households, "
    "SUM(d.amount_fen) AS dividends_fen, SUM(d.village_subsidy_fen) AS village_subsidy_fen "
    "FROM {s}.ledger_dividends d JOIN {s}.ledger_households h "
    "ON h.household_id = d.household_id WHERE d.year = :year AND h.region_code LIKE :prefix "
    "GROUP BY h.region_code ORDER BY h.region_code"
)
CARE_VISITS = "SELECT household_id, visited_on FROM {s}.ledger_visits"
CARE_MAJOR = "SELECT household_id, reported_on, stabilised_on FROM {s}.ledger_major_changes"
CARE_VISITS_IN = CARE_VISITS + " WHERE " + IN_REGION
CARE_MAJOR_IN = CARE_MAJOR + " WHERE " + IN_REGION
CARE_REFERRALS = (
    "SELECT household_id, member_id, COUNT(*) AS referrals FROM {s}.ledger_referrals "
    "WHERE referred_on <= :on GROUP BY household_id, member_id"
)
CARE_IDENTITY = "SELECT household_id, member_id, name, id_number FROM {s}.ledger_member_identity"
CARE_MEANS = (
    "SELECT m.household_id, m.effective_on, m.category, m.annual_income_fen, m.household_size, "
    "h.residence, h.region_code FROM {s}.ledger_means m "
    "JOIN {s}.ledger_households h ON h.household_id = m.household_id "
    "WHERE m.effective_on <= :on ORDER BY m.notification_id"
)

# Warnings (the rules' facts beyond the care view, and the caseworkers' actions).
WARN_HOUSEHOLDS = "SELECT household_id, region_code, residence FROM {s}.ledger_households"
WARN_MEANS = (
    "SELECT household_id, effective_on, annual_income_fen, rigid_deductions_fen, "
    "car_insurance_value_fen, household_size FROM {s}.ledger_warning_means "
    "ORDER BY notification_id"
)
WARN_BILLS = (
    "SELECT household_id, service_on, kept_fen FROM {s}.ledger_medical_bills "
    "WHERE NOT cancelled AND service_on <= :on AND service_on > :start"
)
WARN_REFERRALS = "SELECT household_id, member_id, referred_on FROM {s}.ledger_referrals"
WARN_FAILURES = (
    "SELECT p.household_id, p.payment_id, p.failures, f.failed_on FROM {s}.ledger_payments p "
    "JOIN {s}.ledger_warning_failures f ON f.payment_id = p.payment_id "
    "WHERE p.failures > 0"
)
WARN_CASES = (
    "SELECT warning_id, household_id, rule, reason, raised_on, status, note, actor, "
    "acknowledged_on, resolved_on FROM {s}.ledger_warning_cases"
)
# The early warnings evaluated set-based (services/warnings.py): each query reads only
# the households that a rule can fire for, of one scope; WARN_SCOPE is replaced by the
# region match (`h.region_code LIKE :prefix`) or one household (`h.household_id =
# :household`) by `warn_scoped`. The rules of domain/warnings.py then decide on those rows.
WARN_IN_SCOPE = "SELECT h.household_id FROM {s}.ledger_households h WHERE WARN_SCOPE"
# §30 visit_overdue_long: every registered household (a category in force on :on) with
# what its tier and clock need: the first day of its registration, its last visit, its
# latest open major change and whether a present member is severely disabled or ill (a
# member's latest value of each fact on :on, the last recorded of one day winning; read
# only for the members who were ever recorded so by :on). Per household index probes
# and one hashed list of the severe: a plan that does not hang on the statistics. Only
# the households whose clock started before their tier's cut-off (services/warnings.py:
# the evaluation date less the fewest days the factor's intervals can have) come back
# (MATERIALIZED: each household's probes made once, not again for the cut-off).
WARN_VISIT_CLOCK = (
    "WITH k AS MATERIALIZED ("
    "SELECT h.household_id, h.region_code, (SELECT MIN(c.effective_from) "
    "FROM {s}.ledger_categories c WHERE c.household_id = h.household_id) AS start, "
    "(SELECT MAX(v.visited_on) FROM {s}.ledger_visits v WHERE v.household_id = h.household_id "
    "AND v.visited_on <= :on) AS last_visit, (SELECT MAX(m.reported_on) "
    "FROM {s}.ledger_major_changes m WHERE m.household_id = h.household_id "
    "AND m.reported_on <= :on AND (m.stabilised_on IS NULL OR m.stabilised_on > :on)) "
    "AS open_major, CASE WHEN h.household_id IN (SELECT household_id FROM (SELECT "
    "household_id, member_id, "
    "MAX(CASE WHEN fact <> 'left_household' AND value = 'True' THEN 1 ELSE 0 END) AS sev, "
    "MAX(CASE WHEN fact = 'left_household' AND value = 'True' THEN 1 ELSE 0 END) AS gone "
    "FROM (SELECT f.household_id, f.member_id, f.fact, f.value, ROW_NUMBER() OVER (PARTITION "
    "BY f.household_id, f.member_id, f.fact ORDER BY f.effective_on DESC, f.notification_id "
    "DESC, f.idx DESC) AS rn FROM {s}.ledger_member_facts f JOIN (SELECT DISTINCT "
    "household_id, member_id FROM {s}.ledger_member_facts WHERE fact IN ('severe_disability', "
    "'severe_illness') AND value = 'True' AND effective_on <= :on "
    "AND household_id IN (WARN_IN_SCOPE)) t ON t.household_id = f.household_id "
    "AND t.member_id = f.member_id WHERE f.fact IN ('severe_disability', 'severe_illness', "
    "'left_household') AND f.effective_on <= :on) f WHERE rn = 1 "
    "GROUP BY household_id, member_id) p WHERE sev = 1 AND gone = 0) THEN 1 ELSE 0 END "
    "AS severe FROM {s}.ledger_households h WHERE WARN_SCOPE AND EXISTS (SELECT 1 "
    "FROM {s}.ledger_categories r WHERE r.household_id = h.household_id "
    "AND r.effective_from <= :on AND (r.effective_to IS NULL OR :on < r.effective_to))"
    ") SELECT * FROM k WHERE CASE WHEN open_major IS NOT NULL THEN CASE WHEN last_visit "
    "IS NOT NULL "
    "AND last_visit > open_major THEN last_visit ELSE open_major END < :weekly_cut "
    "WHEN severe = 1 THEN COALESCE(last_visit, start) < :monthly_cut "
    "ELSE COALESCE(last_visit, start) < :quarterly_cut END"
)
# §21 referrals_missing: the employment and left_household facts (in the order a member
# reads them) of the households with a member registered unemployed on or before :on.
WARN_UNEMPLOYED = (
    "SELECT DISTINCT f.household_id FROM {s}.ledger_member_facts f "
    "WHERE f.fact = 'employment' AND f.value = 'unemployed_registered' "
    "AND f.effective_on <= :on AND f.household_id IN (WARN_IN_SCOPE)"
)
WARN_EMPLOYMENT_FACTS = (
    "SELECT f.household_id, h.region_code, f.member_id, f.effective_on, f.fact, f.value "
    "FROM {s}.ledger_member_facts f JOIN {s}.ledger_households h "
    "ON h.household_id = f.household_id WHERE f.fact IN ('employment', 'left_household') "
    "AND f.household_id IN (WARN_UNEMPLOYED) ORDER BY f.effective_on, f.notification_id, f.idx"
)
WARN_SCOPED_REFERRALS = (
    "SELECT household_id, member_id, referred_on FROM {s}.ledger_referrals "
    "WHERE household_id IN (WARN_UNEMPLOYED)"
)
# illness_poverty: the bills of the 12 months up to :on; eligible_for_more and
# rural_income_fall: the households with a marginal or low-income category in force, or
# rural with means records of two years or more; and the means of all these.
WARN_SCOPED_BILLS = (
    "SELECT b.household_id, h.region_code, b.service_on, b.kept_fen "
    "FROM {s}.ledger_medical_bills b JOIN {s}.ledger_households h "
    "ON h.household_id = b.household_id WHERE NOT b.cancelled AND b.service_on <= :on "
    "AND b.service_on > :start AND WARN_SCOPE"
)
WARN_CATEGORY_CANDIDATES = (
    "SELECT c.household_id FROM {s}.ledger_categories c WHERE c.member_id = '' "
    "AND c.category IN ('marginal', 'low_income') AND c.effective_from <= :on "
    "AND (c.effective_to IS NULL OR :on < c.effective_to) AND c.household_id IN (WARN_IN_SCOPE) "
    "UNION SELECT m.household_id FROM {s}.ledger_warning_means m JOIN {s}.ledger_households h "
    "ON h.household_id = m.household_id WHERE WARN_SCOPE AND h.residence = 'rural' "
    "AND m.effective_on <= :on GROUP BY m.household_id "
    "HAVING COUNT(DISTINCT substr(CAST(m.effective_on AS TEXT), 1, 4)) >= 2"
)
WARN_SCOPED_CATEGORIES = (
    "SELECT c.household_id, h.region_code, c.category, c.effective_from, h.residence "
    "FROM {s}.ledger_categories c JOIN {s}.ledger_households h "
    "ON h.household_id = c.household_id WHERE c.member_id = '' AND c.effective_from <= :on "
    "AND (c.effective_to IS NULL OR :on < c.effective_to) "
    "AND c.household_id IN (WARN_CATEGORY_CANDIDATES) ORDER BY c.notification_id"
)
WARN_SCOPED_MEANS = (
    "SELECT household_id, effective_on, annual_income_fen, rigid_deductions_fen, "
    "car_insurance_value_fen, household_size FROM {s}.ledger_warning_means "
    "WHERE household_id IN (WARN_CATEGORY_CANDIDATES) OR household_id IN (SELECT household_id "
    "FROM {s}.ledger_medical_bills WHERE NOT cancelled AND service_on <= :on "
    "AND service_on > :start AND household_id IN (WARN_IN_SCOPE)) ORDER BY notification_id"
)
# §30 major_change_unvisited: the major changes reported on or before :on and the
# visits of their households.
WARN_SCOPED_MAJORS = (
    "SELECT m.household_id, h.region_code, m.reported_on FROM {s}.ledger_major_changes m "
    "JOIN {s}.ledger_households h ON h.household_id = m.household_id "
    "WHERE m.reported_on <= :on AND WARN_SCOPE ORDER BY m.notification_id"
)
WARN_MAJOR_VISITS = (
    "SELECT household_id, visited_on FROM {s}.ledger_visits WHERE household_id IN "
    "(SELECT household_id FROM {s}.ledger_major_changes WHERE reported_on <= :on "
    "AND household_id IN (WARN_IN_SCOPE)) ORDER BY notification_id"
)
WARN_SCOPED_FAILURES = (
    "SELECT p.household_id, h.region_code, p.payment_id, p.failures, f.failed_on "
    "FROM {s}.ledger_payments p JOIN {s}.ledger_warning_failures f "
    "ON f.payment_id = p.payment_id JOIN {s}.ledger_households h "
    "ON h.household_id = p.household_id WHERE p.failures > 0 AND WARN_SCOPE"
)
WARN_SCOPED_CASES = (
    "SELECT c.warning_id, c.household_id, h.region_code, c.rule, c.reason, c.raised_on, "
    "c.status, c.note, c.actor, c.acknowledged_on, c.resolved_on "
    "FROM {s}.ledger_warning_cases c JOIN {s}.ledger_households h "
    "ON h.household_id = c.household_id WHERE WARN_SCOPE"
)
_WARN_SCOPES = {
    "region": "h.region_code >= :prefix AND h.region_code < :prefix_end",
    "household": "h.household_id = :household",
}


def warn_params(region_prefix: str) -> dict[str, str]:
    """The bounds of the region codes that begin with `region_prefix` (digits)."""
    end = region_prefix[:-1] + chr(ord(region_prefix[-1]) + 1)
    return {"prefix": region_prefix, "prefix_end": end}


def warn_scoped(statement: str, scope: str) -> str:
    """One of the WARN_ queries for a region (`:prefix`, `:prefix_end`: `warn_params`) or
    one household (`:household`)."""
    for name in ("WARN_CATEGORY_CANDIDATES", "WARN_UNEMPLOYED", "WARN_IN_SCOPE"):
        statement = statement.replace(name, globals()[name])
    return statement.replace("WARN_SCOPE", _WARN_SCOPES[scope])


# Households with an entitlement of one of the programmes in force on some day from
# :since on: a change point that is not an end, with no later change point on or before
# :since (so it reaches past :since, or starts after it). An entitlement that ended
# since, or has a future end date (e.g. the 6-month temporary subsidy), is included.
# Each backend puts its list match in place of PROGRAMME_MATCH.
HOUSEHOLDS_WITH = (
    "SELECT DISTINCT h.household_id AS household_id FROM {s}.ledger_entitlement_history h "
    "WHERE h.programme PROGRAMME_MATCH AND h.cause <> 'grant' "
    "AND h.region_code LIKE :prefix AND (:paused OR (NOT h.ended AND NOT EXISTS (SELECT 1 "
    "FROM {s}.ledger_entitlement_history n WHERE n.household_id = h.household_id "
    "AND n.programme = h.programme AND n.member_id = h.member_id "
    "AND n.effective_from > h.effective_from AND n.effective_from <= :since))) "
    "ORDER BY h.household_id"
)
# Households with a bill served on or after a date (a change of a §17 cap reaches them).
MEDICAL_HOUSEHOLDS_SINCE = (
    "SELECT DISTINCT household_id FROM {s}.ledger_medical_bills "
    "WHERE service_on >= :since AND region_code LIKE :prefix AND NOT cancelled "
    "ORDER BY household_id"
)

# The worklist: applications on the path with their steps' dates, in one region.
APPLICATIONS = (
    "SELECT a.*, h.region_code FROM {s}.ledger_applications a JOIN {s}.ledger_households h "
    "ON h.household_id = a.household_id WHERE h.region_code LIKE :prefix "
    "ORDER BY a.received_on, a.application_id"
)
APPLICATION_PAUSES = (
    "SELECT p.application_id, p.from_on, p.to_on FROM {s}.ledger_application_pauses p "
    "JOIN {s}.ledger_applications a ON a.application_id = p.application_id "
    "JOIN {s}.ledger_households h ON h.household_id = a.household_id "
    "WHERE h.region_code LIKE :prefix ORDER BY p.notification_id"
)

# The monthly public list (services/public_list.py) of the households whose region code
# starts with :prefix, on :on (a month's first day): their categories in force, the
# entitlement change points up to :on (no one-off grant), the members in the order they
# were first added (name and relation of their latest arrival) and the facts recorded up
# to :on (whether each has left, in the order the care view reads them).
PUBLIC_HOUSEHOLDS = (
    "SELECT household_id, region_code FROM {s}.ledger_households WHERE region_code LIKE :prefix"
)
PUBLIC_CATEGORIES = (
    "SELECT c.household_id, c.category, c.member_id FROM {s}.ledger_categories c "
    "JOIN {s}.ledger_households h ON h.household_id = c.household_id "
    "WHERE h.region_code LIKE :prefix AND c.effective_from <= :on "
    "AND (c.effective_to IS NULL OR c.effective_to > :on) ORDER BY c.notification_id"
)
PUBLIC_ENTITLEMENTS = (
    "SELECT e.household_id, e.programme, e.member_id, e.monthly_fen, e.ended, e.cause, "
    "e.effective_from, e.notification_id FROM {s}.ledger_entitlement_history e "
    "JOIN {s}.ledger_households h ON h.household_id = e.household_id "
    "WHERE h.region_code LIKE :prefix AND e.cause <> 'grant' AND e.effective_from <= :on "
    "ORDER BY e.effective_from, e.notification_id"
)
PUBLIC_MEMBERS = (
    "SELECT m.household_id, m.member_id, m.name, m.relation FROM {s}.ledger_search_members m "
    "JOIN {s}.ledger_households h ON h.household_id = m.household_id "
    "WHERE h.region_code LIKE :prefix ORDER BY m.added_nid"
)
PUBLIC_LEFT = (
    "SELECT f.household_id, f.member_id, f.fact, f.value FROM {s}.ledger_member_facts f "
    "JOIN {s}.ledger_households h ON h.household_id = f.household_id "
    "WHERE h.region_code LIKE :prefix AND f.effective_on <= :on "
    "ORDER BY f.effective_on, f.notification_id, f.idx"
)
