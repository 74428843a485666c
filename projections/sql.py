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
}

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
