"""A payment run's reconciliation, to the fen (docs/PAYMENTS.md, "Acknowledgements and
reconciliation")."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from domain.payments import PaymentRun, RunReport, run_id
from projections import sql

if TYPE_CHECKING:
    from services.ledger import Ledger

Part = dict[str, int]  # {"payments": count, "amount_fen": fen}
TRIED = ("failed", "returned")
STATUSES = (
    ("paid", "paid"),
    ("failed", "failed"),
    ("returned", "returned"),
    ("cancelled", "cancelled"),
    ("outstanding", "scheduled"),
)


def reconcile(ledger: Ledger, period: str) -> dict[str, Any]:
    """A run's payments by the bank's answers (from the feed view) beside what the run
    recorded it scheduled (from its own stream): they must balance, to the fen.

    - scheduled = paid + failed + returned + cancelled + outstanding;
    - gross (what the lines pay for) = scheduled + recovered (POLICY ch. 11);
    - failed + returned = re-issued (a later run tried them again) + owed again
      (not tried again yet: the household is owed them), and what the later runs
      paid again equals what they re-issued;
    - the run's grant lines and re-issues as its report recorded them."""
    recorded: Any = ledger.app.repository.get(run_id(period))
    assert isinstance(recorded, PaymentRun)
    ledger.runner.catch_up()
    rows = ledger.views.query(sql.RECONCILIATION_PARTS, {"period": period})
    [later] = ledger.views.query(sql.RECONCILIATION_RETRIES, {"period": period})

    def part(keep: Callable[[dict[str, Any]], bool]) -> Part:
        chosen = [r for r in rows if keep(r)]
        return {
            "payments": sum(int(r["payments"]) for r in chosen),
            "amount_fen": sum(int(r["amount_fen"]) for r in chosen),
        }

    found = {name: part(_status_is(status)) for name, status in STATUSES}
    found["answered"] = part(lambda r: r["status"] in TRIED)
    found["re_issued"] = part(lambda r: r["status"] in TRIED and int(r["retried"]) == 1)
    found["owed_again"] = part(lambda r: r["status"] in TRIED and int(r["retried"]) == 0)
    found["paid_again"] = {
        "payments": int(later["payments"]),
        "amount_fen": int(later["amount_fen"] or 0),
    }
    found["grants"] = part(lambda r: r["kind"] == "grant" and int(r["a_retry"]) == 0)
    found["re_issues"] = part(lambda r: int(r["a_retry"]) == 1)
    found["scheduled"] = {"payments": recorded.payments, "amount_fen": recorded.total_fen}
    gross = sum(int(r["gross_fen"]) for r in rows)
    recovered = sum(int(r["recovered_fen"]) for r in rows)
    checks = _checks(found, gross, recovered, recorded.report)
    return {
        "period": period,
        **{k: v for k, v in found.items() if k not in ("answered", "paid_again")},
        "gross_fen": gross,
        "recovered_fen": recovered,
        "waiting": len(recorded.report.waiting),
        "checks": checks,
        "balanced": all(checks.values()),
        "to_recover": ledger.recovery_balances(),
    }


def _status_is(status: str) -> Callable[[dict[str, Any]], bool]:
    return lambda row: bool(row["status"] == status)


def _checks(
    found: dict[str, Part], gross: int, recovered: int, report: RunReport
) -> dict[str, bool]:
    """Each identity the reconciliation holds the run to, and whether it holds."""
    total = {k: sum(found[name][k] for name, _ in STATUSES) for k in ("payments", "amount_fen")}
    answered = found["answered"]
    grants, re_issues = found["grants"], found["re_issues"]
    return {
        "scheduled_by_answers": total == found["scheduled"],
        "gross_is_scheduled_and_recovered": gross == found["scheduled"]["amount_fen"] + recovered,
        "answered_is_re_issued_and_owed": answered
        == {k: found["re_issued"][k] + found["owed_again"][k] for k in answered},
        "re_issued_is_paid_again": found["re_issued"] == found["paid_again"],
        "report_is_the_lines": not report.recorded
        or (report.grants, report.grants_fen, report.reissued, report.reissued_fen)
        == (
            grants["payments"],
            grants["amount_fen"],
            re_issues["payments"],
            re_issues["amount_fen"],
        ),
    }
