from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from api.auth import User
from api.deps import SEES_ACCOUNTS, Caseworker, FeedReader, Finance, LedgerDep, Reader
from api.schemas import (
    AccountIn,
    AcknowledgementIn,
    PaymentRunIn,
    PaymentRunOut,
    RunBudgetOut,
    WaitingOut,
)
from domain.errors import InvalidInputError, NotFoundError
from domain.money import format_yuan
from domain.payments import mask_account
from projections import sql
from projections.pain001 import CreditTransfer, build_pain001
from services.payment_runs import run_payments
from services.payouts import household_history, waiting_now

router = APIRouter(tags=["payments"])
PAYER_NAME = "嘉兴市民政局社会救助资金专户"
PAYER_ACCOUNT = "330400000000000000"


@router.put("/households/{household_id}/members/{member_id}/account")
def set_account(
    household_id: UUID, member_id: str, body: AccountIn, user: Caseworker, ledger: LedgerDep
) -> dict[str, Any]:
    """Where the member's payments go (recorded as an event); shown masked."""
    ledger.app.set_account(
        household_id,
        member_id,
        kind=body.kind,
        account_number=body.account_number,
        bank_name=body.bank_name,
        actor=user.name,
        on=datetime.now().date(),
    )
    return {
        "member_id": member_id,
        "kind": body.kind,
        "account_masked": mask_account(body.account_number.replace(" ", "")),
    }


def waiting_item(item: dict[str, Any]) -> dict[str, Any]:
    return WaitingOut(
        kind=item["kind"],
        payment_id=item["payment_id"],
        household_id=str(item["household_id"]),
        programme=item["programme"],
        member_id=item["member_id"],
        period=item["period"],
        amount=format_yuan(int(item["amount_fen"])),
        why=item["why"],
    ).model_dump()


def _run_body(summary: Any) -> dict[str, Any]:
    report = summary.report
    return PaymentRunOut(
        run_id=str(summary.run_id),
        period=summary.period,
        payments=summary.payments,
        total=format_yuan(summary.total_fen),
        households=summary.households,
        grants=report.grants,
        grants_total=format_yuan(report.grants_fen),
        re_issued=report.reissued,
        re_issued_total=format_yuan(report.reissued_fen),
        waiting=[WaitingOut(**waiting_item(item)) for item in report.waiting],
        budgets=[run_budget(row) for row in summary.budgets],
    ).model_dump()


def run_budget(row: dict[str, Any]) -> RunBudgetOut:
    def money(fen: int | None) -> str | None:
        return None if fen is None else format_yuan(fen)

    return RunBudgetOut(
        county=row["county"],
        programme=row["programme"],
        budget=money(row["budget_fen"]),
        earlier=format_yuan(row["earlier_fen"]),
        this_run=format_yuan(row["this_run_fen"]),
        committed=format_yuan(row["committed_fen"]),
        remaining=money(row["remaining_fen"]),
        held_lines=row["held_lines"],
        held=format_yuan(row["held_fen"]),
        status=row["status"],
        override=row["override"],
    )


@router.post(
    "/payment-runs",
    status_code=201,
    response_model=PaymentRunOut,
    responses={200: {"description": "the run of that period, already scheduled"}},
)
def start_run(body: PaymentRunIn, user: Finance, ledger: LedgerDep) -> Any:
    """Schedule the month's payments: one per household (or member, for person-level
    programmes), programme and period, with arrears and recoveries; the same period
    again schedules nothing new and answers 200 with the same body."""
    summary = run_payments(ledger, body.period, user.name)
    return JSONResponse(_run_body(summary), status_code=201 if summary.created else 200)


def _run_period(ledger: Any, run_id: UUID) -> str:
    ledger.runner.catch_up()
    for row in ledger.views.query(sql.RUN_PERIODS, {}):
        if str(row["run_id"]) == str(run_id):
            return str(row["period"])
    raise NotFoundError(f"no payment run {run_id}", "run_id")


RECONCILED = (
    "scheduled",
    "paid",
    "failed",
    "returned",
    "cancelled",
    "outstanding",
    "grants",
    "re_issues",
    "re_issued",
    "owed_again",
)


@router.get("/payment-runs/{run_id}/reconciliation")
def reconciliation(run_id: UUID, _: FeedReader, ledger: LedgerDep) -> dict[str, Any]:
    """What the run scheduled (from its own stream) = paid + failed + returned +
    cancelled + outstanding (from the bank's answers), by count and amount; gross =
    scheduled + recovered; failed + returned = re-issued + owed again. `checks` says
    which holds, `balanced` whether all do."""
    period = _run_period(ledger, run_id)
    found = ledger.reconciliation(period)

    def money(part: dict[str, int]) -> dict[str, Any]:
        return {"payments": part["payments"], "amount": format_yuan(part["amount_fen"])}

    return {
        "run_id": str(run_id),
        "period": period,
        **{k: money(found[k]) for k in RECONCILED},
        "gross": format_yuan(found["gross_fen"]),
        "recovered": format_yuan(found["recovered_fen"]),
        "waiting": found["waiting"],
        "checks": found["checks"],
        "balanced": found["balanced"],
        "to_recover": {
            "entitlements": found["to_recover"]["entitlements"],
            "amount": format_yuan(found["to_recover"]["amount_fen"]),
        },
    }


def feed_item(row: dict[str, Any], user: User) -> dict[str, Any]:
    account = row["account_number"]
    return {
        "cursor": str(row["feed_seq"]),
        "payment_id": row["payment_id"],
        "run_period": row["run_period"],
        "household_id": str(row["household_id"]),
        "member_id": row["member_id"],
        "programme": row["programme"],
        "period": row["period"],
        "amount": format_yuan(int(row["amount_fen"])),
        "gross": format_yuan(int(row["gross_fen"])),
        "recovered": format_yuan(int(row["recovered_fen"])),
        "kind": row["kind"],
        "payee_name": row["payee_name"],
        "account_kind": row["account_kind"],
        "account_masked": mask_account(account),
        **(
            {"account_number": account, "bank_name": row["bank_name"]}
            if user.role in SEES_ACCOUNTS
            else {}
        ),
        "status": row["status"],
        "retry_of": row["retry_of"],
        "explanation": row["explanation"],
    }


@router.get("/feeds/payments")
def payment_feed(
    user: FeedReader,
    ledger: LedgerDep,
    after: str = Query(default="0", max_length=30, description="a cursor from a previous page"),
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    """Every scheduled payment once, in order, after a cursor. `next_cursor` is never null:
    pass it as `after`; with nothing new it equals the `after` sent."""
    if not after.isdigit():
        raise InvalidInputError("after must be a cursor from this feed", "after")
    ledger.runner.catch_up()
    rows = ledger.views.query(sql.FEED_PAGE, {"after": int(after), "limit": limit})
    items = [feed_item(r, user) for r in rows]
    return {"items": items, "next_cursor": items[-1]["cursor"] if items else after}


def _run_rows(ledger: Any, run_id: UUID) -> tuple[str, list[dict[str, Any]]]:
    period = _run_period(ledger, run_id)
    return period, ledger.views.query(sql.FEED_RUN, {"period": period})


@router.get("/feeds/payments.csv", response_class=Response)
def payment_feed_csv(run_id: UUID, user: Finance, ledger: LedgerDep) -> Response:
    """The run's payments as CSV, one line per payment."""
    _, rows = _run_rows(ledger, run_id)
    return Response(feed_csv([feed_item(r, user) for r in rows]), media_type="text/csv")


def feed_csv(items: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    columns = [
        "cursor",
        "payment_id",
        "household_id",
        "member_id",
        "programme",
        "period",
        "kind",
        "gross",
        "recovered",
        "amount",
        "payee_name",
        "account_kind",
        "account_number",
        "bank_name",
        "status",
        "retry_of",
    ]
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(items)
    return out.getvalue()


@router.get("/feeds/payments.xml", response_class=Response)
def payment_feed_xml(run_id: UUID, _: Finance, ledger: LedgerDep) -> Response:
    """ISO 20022 pain.001.001.09 credit transfers of the run (payments with an account;
    the payment id is the end-to-end id)."""
    period, rows = _run_rows(ledger, run_id)
    return Response(feed_pain001(run_id, period, rows), media_type="application/xml")


def feed_pain001(run_id: UUID, period: str, rows: list[dict[str, Any]]) -> bytes:
    transfers = [
        CreditTransfer(
            end_to_end_id=r["payment_id"],
            amount_fen=int(r["amount_fen"]),
            creditor_name=r["payee_name"] or "",
            creditor_account=r["account_number"],
            creditor_agent=r["bank_name"],
            remittance=f"{r['programme']} {r['period']} {r['kind']}",
        )
        for r in rows
        if r["account_number"] and int(r["amount_fen"]) > 0 and r["status"] != "cancelled"
    ]
    if not transfers:
        raise NotFoundError(f"the run {period} has no payment with an account to transfer")
    return build_pain001(
        message_id=run_id.hex,
        created_at=datetime.fromisoformat(f"{period}-01T00:00:00+08:00"),
        initiating_party=PAYER_NAME,
        debtor_name=PAYER_NAME,
        debtor_account=PAYER_ACCOUNT,
        requested_execution_date=datetime.fromisoformat(f"{period}-01").date(),
        payment_information_id=f"RUN-{period}",
        transfers=transfers,
    )


@router.post("/payments/{payment_id}/acknowledgements", status_code=201)
def acknowledge(
    payment_id: str, body: AcknowledgementIn, user: Finance, ledger: LedgerDep
) -> JSONResponse:
    """The bank's answer (paid, failed, returned). The same answer twice records once
    (200); a contradicting one is a 409. A failed payment is offered again by the next
    run, and cancelled after the set number of failures; a returned one (退票, with the
    bank's reason) is owed again and re-issued by the first run after a payee account is
    recorded."""
    if body.at.tzinfo is None:
        raise InvalidInputError("at must carry a UTC offset, e.g. +08:00", "at")
    ledger.runner.catch_up()
    rows = ledger.views.query(sql.PAYMENT_BY_ID, {"payment_id": payment_id})
    if not rows:
        raise NotFoundError(f"no payment {payment_id}", "payment_id")
    household_id = rows[0]["household_id"]
    recorded = ledger.app.acknowledge_payment(
        household_id if isinstance(household_id, UUID) else UUID(household_id),
        payment_id,
        status=body.status,
        bank_reference=body.bank_reference,
        at=body.at,
        actor=user.name,
        reason=body.reason or "",
    )
    return JSONResponse(
        {"payment_id": payment_id, "status": body.status, "recorded": recorded},
        status_code=201 if recorded else 200,
    )


@router.get("/payments/waiting", response_model=list[WaitingOut])
def waiting(_: FeedReader, ledger: LedgerDep) -> Any:
    """What is owed and waits for a caseworker now: each grant not paid whose household
    has no payee account, and each returned payment with no account recorded since its
    return. The first run after the account is recorded pays it."""
    return [waiting_item(item) for item in waiting_now(ledger)]


def _grant_status(grant: dict[str, Any], waits: set[str]) -> str:
    """The status of the latest try of the grant's payment; `waiting` with no payee
    account; `due` when the next run for its month or a later one will pay it."""
    if grant["paid_by"] is not None:
        return str(grant["paid_by"]["status"])
    return "waiting" if str(grant["grant_id"]) in waits else "due"


def _answer(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": row["status"],
        "bank_reference": row["bank_reference"],
        "reason": row["reason"] or None,
        "at": row["answered_at"],
        "actor": row["actor"],
    }


@router.get("/households/{household_id}/payments")
def household_payments(household_id: UUID, user: Reader, ledger: LedgerDep) -> dict[str, Any]:
    """The household's payment history: every line (regular, arrears, grant) in order
    with the bank's answers and its chain of tries (`original`, `try`, `retry_of`,
    `re_issued_by`: the line, its return, the re-issue), its one-off grants with the
    line that pays each, its payee accounts as recorded, what it is owed again and what
    waits. Accounts whole only for finance."""
    ledger.require_household(household_id)
    found = household_history(ledger, household_id)
    whole = user.role in SEES_ACCOUNTS
    waits = {item["payment_id"] for item in found["waiting"]}

    def account(number: str | None) -> dict[str, Any]:
        return {
            "account_masked": mask_account(number),
            **({"account_number": number} if whole else {}),
        }

    return {
        "household_id": str(household_id),
        "payments": [
            {
                **feed_item(p, user),
                "original": p["original"],
                "try": p["try"],
                "re_issued_by": p["re_issued_by"],
                "answers": [_answer(a) for a in p["answers"]],
            }
            for p in found["payments"]
        ],
        "grants": [
            {
                "grant_id": g["grant_id"],
                "programme": g["programme"],
                "member_id": g["member_id"],
                "amount": format_yuan(int(g["amount_fen"])),
                "effective_on": str(g["effective_on"]),
                "decided_by": g["actor"],
                "paid_by": g["paid_by"]["payment_id"] if g["paid_by"] else None,
                "status": _grant_status(g, waits),
            }
            for g in found["grants"]
        ],
        "accounts": [
            {
                "member_id": a["member_id"],
                "kind": a["account_kind"],
                **account(a["account_number"]),
                "bank_name": a["bank_name"],
                "recorded_on": str(a["effective_on"]),
                "recorded_by": a["actor"],
            }
            for a in found["accounts"]
        ],
        "owed_again": format_yuan(found["owed_again_fen"]),
        "waiting": [waiting_item(item) for item in found["waiting"]],
    }
