"""The views' write statements, written once. `{s}.` marks the schema (PostgreSQL) and
`:name` a parameter; each backend turns them into its own dialect."""

from __future__ import annotations

import re

_REGION = "(SELECT region_code FROM {s}.%s WHERE household_id = :household_id)"
_ENTITLEMENT_REGION = _REGION % "ledger_households"
_MEDICAL_REGION = _REGION % "ledger_medical_households"

WRITES: dict[str, tuple[str, ...]] = {
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
    "category_end": (
        "UPDATE {s}.ledger_categories SET effective_to = :effective_to "
        "WHERE household_id = :household_id AND category = :category "
        "AND member_id = :member_id AND effective_to IS NULL",
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
    # payments view
    "payee": (
        "INSERT INTO {s}.ledger_payees (household_id, member_id, name, relation) VALUES "
        "(:household_id, :member_id, :name, :relation) ON CONFLICT (household_id, member_id) "
        "DO UPDATE SET name = excluded.name, relation = excluded.relation",
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
}

# Writes of one batch go kind by kind in this order (creations before the updates of
# what they create), each kind in one executemany with the batch's order kept.
KIND_ORDER = tuple(WRITES)

_PARAM = re.compile(r":([a-z_]+)")


def sqlite_dialect(statement: str) -> str:
    return statement.replace("{s}.", "")


def postgres_dialect(statement: str) -> str:
    """`:name` to psycopg's `%(name)s`; the `{s}` schema is filled in by psycopg.sql."""
    return _PARAM.sub(r"%(\1)s", statement.replace("%", "%%"))


# Read queries, same conventions.
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
# Per county and cap year: §15 comprehensive coverage ((total - borne) / total) and the
# over-cap clearing of §17 (households whose self-pay went over a cap, and of those the
# ones whose whole excess was relieved by the fund).
MEDICAL_BY_COUNTY = (
    "SELECT county, SUM(total_fen) AS total_fen, SUM(kept_fen) AS kept_fen, "
    "SUM(relief_fen) AS relief_fen, SUM(waived_fen) AS waived_fen, SUM(bills) AS bills, "
    "SUM(CASE WHEN counted_fen > kept_fen THEN 1 ELSE 0 END) AS over_cap, "
    "SUM(CASE WHEN counted_fen > kept_fen AND counted_fen = kept_fen + relief_fen "
    "THEN 1 ELSE 0 END) AS cleared "
    "FROM (SELECT substr(region_code, 1, 6) AS county, household_id, "
    "SUM(total_fen) AS total_fen, SUM(kept_fen) AS kept_fen, SUM(relief_fen) AS relief_fen, "
    "SUM(waived_fen) AS waived_fen, SUM(counted_fen) AS counted_fen, COUNT(*) AS bills "
    "FROM {s}.ledger_medical_bills WHERE cap_year = :cap_year AND NOT cancelled "
    "GROUP BY substr(region_code, 1, 6), household_id) AS per_household "
    "GROUP BY county ORDER BY county"
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
RUN_RETRIES = (
    "SELECT * FROM {s}.ledger_payments p WHERE p.status IN ('failed', 'returned') "
    "AND NOT EXISTS (SELECT 1 FROM {s}.ledger_payments r WHERE r.retry_of = p.payment_id)"
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
RECONCILIATION = (
    "SELECT status, COUNT(*) AS payments, SUM(amount_fen) AS amount_fen, "
    "SUM(recovered_fen) AS recovered_fen FROM {s}.ledger_payments "
    "WHERE run_period = :period GROUP BY status ORDER BY status"
)

CARE_CATEGORIES = (
    "SELECT household_id, category, member_id, effective_from, effective_to "
    "FROM {s}.ledger_categories"
)
CARE_FACTS = (
    "SELECT household_id, member_id, effective_on, fact, value, notification_id, idx "
    "FROM {s}.ledger_member_facts ORDER BY notification_id, idx"
)
CARE_VISITS = "SELECT household_id, visited_on FROM {s}.ledger_visits"
CARE_MAJOR = "SELECT household_id, reported_on, stabilised_on FROM {s}.ledger_major_changes"
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
