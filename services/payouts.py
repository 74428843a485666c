"""One-off grants and returned payments in the payment run, and what waits.

- A grant (§11 education aid, §14 暖巢 renovation, §28 disaster relief, any programme of
  kind GRANT) is paid by the first run, after its approval, for its effective month or a
  later one, as a line of kind `grant` whose payment id is the grant's id (the id of the
  application that awarded it). A grant whose household has no payee account waits and
  is listed; the first run after an account is recorded pays it. The grant's id is a
  payment id at most once in the ledger (the view's primary key, and the run re-plans
  when another writer got to the household first), so it is paid exactly once.
- A returned payment (退票) is owed to the household again: it waits until a payee
  account is recorded after the return (a corrected account, or the same one recorded
  again once checked), then the next run re-issues it, once, to that account
  (`retry_of` the returned line). A failed payment is offered again as before, and
  cancelled after `payment_max_failures` failures of its chain.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.money import format_yuan
from domain.payments import PlannedLine, ledger_id, period_bounds
from domain.policy.base import GRANT
from domain.policy.registry import REGISTRY
from projections import sql
from projections.interface import ViewStore

if TYPE_CHECKING:
    from services.ledger import Ledger

# Paid to the person's own account when they have one: the person categories (tekun,
# one-person dibao) and the grants made to a person (education aid, §11).
PERSON_PAID = frozenset(
    (
        *REGISTRY.person_categories(),
        *(p.name for p in REGISTRY if p.kind is GRANT and p.person_level),
    )
)
FAR_FUTURE = date(9999, 12, 31)


@dataclass
class Trail:
    """What a run reads of the payment trail view: the grants due and not paid, by
    household, and when each member's account was last recorded (a notification id)."""

    grants: dict[str, list[dict[str, Any]]]
    recorded: dict[tuple[str, str], int]


def read_trail(views: ViewStore, period: str | None, *, returns: bool) -> Trail:
    """The grants due by the end of `period` (None: every grant not paid), and the
    account records when some returned payment may wait for one."""
    last = period_bounds(period)[1] if period else FAR_FUTURE
    grants: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in views.query(sql.RUN_GRANTS, {"last_day": last}):
        grants[str(row["household_id"])].append(row)
    recorded: dict[tuple[str, str], int] = {}
    if returns:
        for row in views.query(sql.RUN_ACCOUNT_RECORDS, {}):
            recorded[(str(row["household_id"]), row["member_id"])] = int(row["recorded_at"])
    return Trail(dict(grants), recorded)


def account_payee(
    programme: str, member_id: str | None, members: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The member a grant or a re-issue is paid to, among `members` with an account: the
    person for a person's programme or grant, else the head, else any; None: nobody has
    an account (it waits)."""
    with_account = {m: row for m, row in members.items() if row.get("account_number")}
    if programme in PERSON_PAID and member_id in with_account:
        return with_account[str(member_id)]
    heads = [row for row in with_account.values() if row["relation"] == "head"]
    found = heads or list(with_account.values())
    return found[0] if found else None


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def grant_lines(
    household: str, grants: list[dict[str, Any]], members: dict[str, dict[str, Any]]
) -> tuple[list[PlannedLine], list[dict[str, Any]]]:
    """The household's grants due: a `grant` line each, paid under the grant's id, or,
    with no payee account in the household, an item that waits."""
    lines: list[PlannedLine] = []
    waiting: list[dict[str, Any]] = []
    for grant in grants:
        programme = REGISTRY[grant["programme"]]
        on = _day(grant["effective_on"])
        payee = account_payee(grant["programme"], grant["member_id"], members)
        label = f"{programme.title} ({programme.plan_item}), one-off"
        if payee is None:
            waiting.append(
                _item(
                    "grant",
                    grant["grant_id"],
                    household,
                    grant,
                    f"{on:%Y-%m}",
                    f"{label} grant of {format_yuan(int(grant['amount_fen']))} approved by "
                    f"{grant['actor']} from {on.isoformat()}: the household has no payee "
                    "account; the first run after one is recorded pays it",
                )
            )
            continue
        lines.append(
            PlannedLine(
                grant["programme"],
                grant["member_id"],
                f"{on:%Y-%m}",
                "grant",
                int(grant["amount_fen"]),
                0,
                f"{label}: grant {grant['grant_id']} approved by {grant['actor']} from "
                f"{on.isoformat()}: {grant['explanation']}",
                payment_id=str(grant["grant_id"]),
                payee=str(payee["member_id"]),
            )
        )
    return lines, waiting


def retry_lines(
    household: str,
    tries: list[dict[str, Any]],
    members: dict[str, dict[str, Any]],
    recorded: dict[tuple[str, str], int],
    max_failures: int,
) -> tuple[list[PlannedLine], list[dict[str, Any]], list[dict[str, Any]]]:
    """The household's failed and returned payments not tried again yet: the lines that
    try them again, the failed ones given up on (cancelled), and the returned ones that
    wait for an account recorded since their return."""
    lines: list[PlannedLine] = []
    cancelled: list[dict[str, Any]] = []
    waiting: list[dict[str, Any]] = []
    for row in tries:
        if row["status"] == "returned":
            line = _reissue(row, members, recorded.get, household)
            if line is None:
                waiting.append(_returned_item(household, row))
            else:
                lines.append(line)
        elif int(row["failures"]) >= max_failures:
            cancelled.append(
                {
                    "payment_id": row["payment_id"],
                    "reason": (
                        f"failed {row['failures']} times (the most is {max_failures}); "
                        "set a new account and pay it by hand"
                    ),
                }
            )
        else:
            lines.append(_offered_again(row))
    return lines, cancelled, waiting


def _offered_again(row: dict[str, Any]) -> PlannedLine:
    return PlannedLine(
        row["programme"],
        row["member_id"],
        row["period"],
        row["kind"],
        int(row["amount_fen"]),
        0,
        f"offered again after the bank answered {row['status']} "
        f"({row['bank_reference']}): {row['explanation']}",
        retry_of=row["payment_id"],
        failures=int(row["failures"]),
    )


def _reissue(
    row: dict[str, Any], members: dict[str, dict[str, Any]], recorded: Any, household: str
) -> PlannedLine | None:
    """A returned payment re-issued to an account recorded after its return (None: no
    such account yet). The amount is the returned line's, to the fen."""
    returned_at = int(row["returned_at"] or 0)
    fresh = {m: r for m, r in members.items() if (recorded((household, m)) or 0) > returned_at}
    payee = account_payee(row["programme"], row["member_id"], fresh)
    if payee is None:
        return None
    return PlannedLine(
        row["programme"],
        row["member_id"],
        row["period"],
        row["kind"],
        int(row["amount_fen"]),
        0,
        f"re-issued after the bank returned it ({_why_returned(row)}) to the account "
        f"recorded since for {payee['name']}: {row['explanation']}",
        retry_of=row["payment_id"],
        failures=int(row["failures"]),
        payee=str(payee["member_id"]),
    )


def _why_returned(row: dict[str, Any]) -> str:
    reason = row.get("return_reason") or ""
    return f"{row['bank_reference']}{': ' + reason if reason else ''}"


def _returned_item(household: str, row: dict[str, Any]) -> dict[str, Any]:
    return _item(
        "returned",
        row["payment_id"],
        household,
        row,
        row["period"],
        f"returned by the bank ({_why_returned(row)}): owed to the household again; the "
        "first run after a payee account is recorded re-issues it",
    )


def _item(
    kind: str, payment_id: Any, household: str, row: dict[str, Any], period: str, why: str
) -> dict[str, Any]:
    return {
        "kind": kind,
        "payment_id": str(payment_id),
        "household_id": household,
        "programme": row["programme"],
        "member_id": row["member_id"] or None,
        "period": period,
        "amount_fen": int(row["amount_fen"]),
        "why": why,
    }


def waiting_now(ledger: Ledger, household: UUID | None = None) -> list[dict[str, Any]]:
    """What waits now (the views caught up first): every grant not paid whose household
    has no payee account, and every returned payment with no account recorded since its
    return; of one household, or of all."""
    ledger.runner.catch_up()
    views = ledger.views
    if household is None:
        trail = read_trail(views, None, returns=True)
        payees = views.query(sql.RUN_PAYEES, {})
        tried = views.query(sql.RUN_RETRIES, {})
    else:
        given = {"household_id": household}
        grants = views.query(sql.HOUSEHOLD_GRANTS, {**given, "last_day": FAR_FUTURE})
        trail = Trail({str(household): grants} if grants else {}, {})
        for row in views.query(sql.HOUSEHOLD_ACCOUNT_RECORDS, given):
            trail.recorded[(str(household), row["member_id"])] = int(row["notification_id"])
        payees = views.query(sql.HOUSEHOLD_PAYEES, given)
        tried = views.query(sql.HOUSEHOLD_TRIES, given)
    members: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in payees:
        members[str(row["household_id"])][row["member_id"]] = row
    tries: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in tried:
        tries[str(row["household_id"])].append(row)
    found: list[dict[str, Any]] = []
    for key in sorted(set(trail.grants) | set(tries)):
        _, waits = grant_lines(key, trail.grants.get(key, []), members.get(key, {}))
        found += waits
        found += [
            _returned_item(key, row)
            for row in tries.get(key, [])
            if row["status"] == "returned"
            and _reissue(row, members.get(key, {}), trail.recorded.get, key) is None
        ]
    return found


def household_history(ledger: Ledger, household: UUID) -> dict[str, Any]:
    """A household's payment history from the views (caught up first): every line in
    feed order with the bank's answers and its place in its chain of tries (the original
    line, a return, the re-issue), its grants with the line that pays each, its payee
    accounts as recorded, and what it is owed that waits."""
    ledger.runner.catch_up()
    views = ledger.views
    given = {"household_id": household}
    lines = views.query(sql.HOUSEHOLD_PAYMENT_HISTORY, given)
    answers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in views.query(sql.HOUSEHOLD_ANSWERS, {"ledger_id": ledger_id(household)}):
        answers[row["payment_id"]].append(row)
    by_id = {str(line["payment_id"]): line for line in lines}
    retried_by = {
        str(line["retry_of"]): str(line["payment_id"]) for line in lines if line["retry_of"]
    }

    def chain(payment: str) -> list[str]:
        tries = [payment]
        while by_id[tries[0]]["retry_of"] and str(by_id[tries[0]]["retry_of"]) in by_id:
            tries.insert(0, str(by_id[tries[0]]["retry_of"]))
        return tries

    payments = []
    for line in lines:
        tries = chain(str(line["payment_id"]))
        payments.append(
            {
                **line,
                "original": tries[0],
                "try": len(tries),
                "re_issued_by": retried_by.get(str(line["payment_id"])),
                "answers": answers.get(str(line["payment_id"]), []),
            }
        )
    latest: dict[str, dict[str, Any]] = {}
    for payment in payments:  # in feed order: the latest try of each chain last
        latest[payment["original"]] = payment
    grants = [
        {**grant, "paid_by": latest.get(str(grant["grant_id"]))}
        for grant in views.query(sql.HOUSEHOLD_ALL_GRANTS, given)
    ]
    owed = [
        p for p in payments if p["status"] in ("failed", "returned") and p["re_issued_by"] is None
    ]
    return {
        "payments": payments,
        "grants": grants,
        "accounts": views.query(sql.HOUSEHOLD_ACCOUNT_RECORDS, given),
        "owed_again_fen": sum(int(p["amount_fen"]) for p in owed),
        "waiting": waiting_now(ledger, household),
    }
