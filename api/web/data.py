"""What the pages read: SQL over the views (one query per question, no loop over every
household's stream), and the households behind each shortfall of a supervision metric."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from domain.household import Household
from domain.money import format_yuan, round_half_up
from projections import sql
from projections.queries import as_day
from services.ledger import Ledger
from services.metrics import TARGETS

RUNS = (
    "SELECT period, run_id, status, payments, total_fen, households "
    "FROM {s}.ledger_payment_runs ORDER BY period DESC"
)
RUNS_BY_STATUS = (
    "SELECT run_period, status, COUNT(*) AS payments, SUM(amount_fen) AS amount_fen, "
    "SUM(recovered_fen) AS recovered_fen FROM {s}.ledger_payments "
    "GROUP BY run_period, status"
)
# The parts of a run, as the reconciliation names them (services/ledger.py).
PARTS = (
    ("paid", ("paid",)),
    ("failed", ("failed",)),
    ("returned", ("returned",)),
    ("cancelled", ("cancelled",)),
    ("outstanding", ("scheduled",)),
)


def default_cap_year(household: Household, current: int) -> int:
    """The cap year the household page opens on without ?year=: the current one when the
    household has bills in it or none at all, else the latest year it has bills in (a
    household whose bills are all from last year would otherwise read 0.00 everywhere)."""
    years = {bill.cap_year for bill in household.bills.values() if not bill.cancelled}
    if not years or current in years:
        return current
    return max(years)


def payment_runs(ledger: Ledger) -> list[dict[str, Any]]:
    """Every run with its reconciliation: scheduled (the run's own record) against paid,
    failed, returned, cancelled and outstanding (the bank's answers), in two queries."""
    ledger.runner.catch_up()
    by_run: dict[str, dict[str, dict[str, int]]] = {}
    for row in ledger.views.query(RUNS_BY_STATUS, {}):
        by_run.setdefault(str(row["run_period"]), {})[str(row["status"])] = {
            "payments": int(row["payments"]),
            "amount_fen": int(row["amount_fen"] or 0),
            "recovered_fen": int(row["recovered_fen"] or 0),
        }
    runs = []
    for row in ledger.views.query(RUNS, {}):
        statuses = by_run.get(str(row["period"]), {})
        parts = {
            name: {
                k: sum(statuses[s][k] for s in wanted if s in statuses)
                for k in ("payments", "amount_fen")
            }
            for name, wanted in PARTS
        }
        scheduled = {"payments": int(row["payments"]), "amount_fen": int(row["total_fen"])}
        total = {k: sum(p[k] for p in parts.values()) for k in scheduled}
        runs.append(
            {
                "period": row["period"],
                "run_id": str(row["run_id"]),
                "status": row["status"],
                "households": int(row["households"]),
                "scheduled": scheduled,
                **parts,
                "recovered_fen": sum(s["recovered_fen"] for s in statuses.values()),
                "balanced": total == scheduled,
            }
        )
    return runs


def percent(value: Fraction) -> str:
    """A rate as a percentage to one place, half-up: 0.0834 -> "8.3%"."""
    tenths = round_half_up(abs(value) * 1000)
    return f"{'-' if value < 0 else ''}{tenths // 10}.{tenths % 10}%"


@dataclass(frozen=True)
class Behind:
    household_id: str
    region_code: str
    detail: str


# Metrics counted by household: the supervision page links their shortfalls here.
BY_HOUSEHOLD = (
    "visit_rate",
    "medical_comprehensive_coverage_rate",
    "medical_over_cap_clearing_rate",
    "job_referrals_per_unemployed_member",
    "low_income_per_capita_disposable_income",
    "rural_low_income_income_growth",
)


def households_behind(
    ledger: Ledger, metric: str, county: str, on: date, cap_year: int, lang: str
) -> list[Behind]:
    """The households that keep `metric` below its target in `county`, each with why."""
    zh = lang == "zh"
    if metric == "visit_rate":
        return [
            Behind(
                s.household_id,
                s.region_code,
                (f"应于 {s.due_on} 走访" if zh else f"visit due on {s.due_on}")
                + (f"（上次 {s.last_visit_on}）" if zh else f" (last {s.last_visit_on})")
                * (s.last_visit_on is not None),
            )
            for s in ledger.care_statuses(on, county)
            if s.overdue
        ]
    if metric.startswith("medical_"):
        found = []
        for h in ledger.medical_households(cap_year, on, county):
            if metric == "medical_over_cap_clearing_rate":
                if not h.cleared:
                    found.append(
                        Behind(
                            h.household_id,
                            h.region_code,
                            f"超封顶 {format_yuan(h.excess_fen)} 元，已救助 "
                            f"{format_yuan(h.relieved_fen)} 元"
                            if zh
                            else f"over the caps by {format_yuan(h.excess_fen)}, relieved "
                            f"{format_yuan(h.relieved_fen)}",
                        )
                    )
            elif h.total_fen and not TARGETS["medical_comprehensive_coverage_rate"].met(
                Fraction(h.total_fen - h.kept_fen, h.total_fen)
            ):
                found.append(
                    Behind(
                        h.household_id,
                        h.region_code,
                        f"总费用 {format_yuan(h.total_fen)} 元，"
                        f"个人负担 {format_yuan(h.kept_fen)} 元"
                        if zh
                        else f"total {format_yuan(h.total_fen)}, borne {format_yuan(h.kept_fen)}",
                    )
                )
        return found
    facts = ledger.care_facts(county)  # the county's households alone
    if metric == "job_referrals_per_unemployed_member":
        referrals = ledger.referral_counts(on)
        found = []
        for household in sorted(facts.categories):
            if not facts.regions.get(household, "").startswith(county):
                continue
            if facts.status(household, on) is None:
                continue
            for member_id, member in sorted(facts.present_members(household, on).items()):
                n = referrals.get((household, member_id), 0)
                if member.get("employment") == "unemployed_registered" and not TARGETS[
                    "job_referrals_per_unemployed_member"
                ].met(n):
                    found.append(
                        Behind(
                            household,
                            facts.regions[household],
                            f"成员 {member_id}：推荐 {n} 次" if zh else f"member {member_id}: {n}",
                        )
                    )
        return found
    if metric in ("low_income_per_capita_disposable_income", "rural_low_income_income_growth"):
        latest: dict[str, dict[str, Any]] = {}
        by_year: dict[str, dict[int, dict[str, Any]]] = {}
        for row in ledger.views.query(sql.CARE_MEANS, {"on": on}):
            if not str(row["region_code"]).startswith(county):
                continue
            household = str(row["household_id"])
            latest[household] = row
            by_year.setdefault(household, {})[as_day(row["effective_on"]).year] = row
        found = []
        for household, row in sorted(latest.items()):
            categories = facts.categories_on(household, on, household_level=True)
            per_capita = Fraction(int(row["annual_income_fen"]), int(row["household_size"]))
            if metric == "low_income_per_capita_disposable_income":
                low = any(c["category"] == "low_income" for c in categories)
                if low and not TARGETS["low_income_per_capita_disposable_income"].met(per_capita):
                    shown = format_yuan(round_half_up(per_capita))
                    found.append(
                        Behind(
                            household,
                            row["region_code"],
                            f"人均 {shown} 元" if zh else f"per capita {shown}",
                        )
                    )
                continue
            years = sorted(by_year[household])
            if row["residence"] != "rural" or not categories or len(years) < 2:
                continue
            before = by_year[household][years[-2]]
            previous = Fraction(int(before["annual_income_fen"]), int(before["household_size"]))
            growth = (per_capita - previous) / previous if previous else None
            if growth is not None and not TARGETS["rural_low_income_income_growth"].met(growth):
                shown = percent((per_capita - previous) / previous)
                found.append(
                    Behind(
                        household,
                        row["region_code"],
                        f"增长 {shown}" if zh else f"growth {shown}",
                    )
                )
        return found
    return []
