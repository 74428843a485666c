"""`ledger bench --only statements`: the bank's statement read back (docs/PAYMENTS.md,
"Bank statements") at `--statement-entries` entries (100,000 by default).

A city of households on dibao (one in ten also paid a 暖巢 renovation grant, §14) has
its March run; the bank's camt.053 of the first `entries` lines of the run's feed (one
entry in 1,000 of another amount, one in 500 credited back AC04, and one entry in 1,000
that no payment has) is imported the ledger's way: checked against the official XSD,
matched in bulk (500 end-to-end ids a query), every answer written in one transaction
without loading the ledgers. Beside it, the plain way: the same matching with one lookup
per entry (over every entry), and the whole import as one lookup and one
acknowledgement (load the ledger, answer, save) per entry, over lines of the run that
the statement does not hold."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from projections import sql
from scripts.bench import GRANT_EVERY, Row, _payment_city, scratch
from services.camt import BankEntry
from services.ledger import Ledger
from services.settings import Settings
from services.statements import find_payments, import_statement, statement_for_run

MISMATCH_EVERY = 1000
RETURN_EVERY = 500
UNMATCHED_EVERY = 1000
BOOKED = date(2025, 3, 31)


def _statement(rows: list[dict[str, Any]]) -> bytes:
    amounts = {
        str(r["payment_id"]): int(r["amount_fen"]) + 1
        for n, r in enumerate(rows)
        if n % MISMATCH_EVERY == 150
    }
    returns = {
        str(r["payment_id"]): ("AC04", "账户已销户")
        for n, r in enumerate(rows)
        if n % RETURN_EVERY == 100
    }
    extra = [
        BankEntry(f"BENCH-X{n}", f"NOTOURS{n}", 12_345, BOOKED)
        for n in range(max(1, len(rows) // UNMATCHED_EVERY))
    ]
    return statement_for_run(
        rows, "BENCH-2025-03-31", BOOKED, amounts=amounts, returns=returns, extra=extra
    )


def bench_statements(settings: Settings, entries: int) -> list[Row]:
    plain_n = max(20, min(500, entries // 50))
    households = entries + 10 * plain_n  # one grant each ten: the feed has room to spare
    with scratch(settings, "stmt") as s:
        ledger = Ledger.open(s)
        try:
            from services.payment_runs import run_payments

            _payment_city(ledger, households)
            run_payments(ledger, "2025-03", "bench")
            ledger.runner.catch_up()
            feed = ledger.views.query(sql.FEED_RUN, {"period": "2025-03"})
            rows, rest = feed[:entries], feed[entries : entries + plain_n]
            data = _statement(rows)
            ids = [str(r["payment_id"]) for r in rows]
            started = time.perf_counter()
            plain_found = find_payments(ledger, ids, plain=True)
            plain_match = time.perf_counter() - started
            started = time.perf_counter()
            result = import_statement(ledger, data, "bench")
            seconds = time.perf_counter() - started
            assert result.recorded and len(plain_found) == len(ids)
            started = time.perf_counter()
            for n, row in enumerate(rest):
                [payment] = ledger.views.query(
                    sql.PAYMENT_BY_ID, {"payment_id": str(row["payment_id"])}
                )
                ledger.app.acknowledge_payment(
                    UUID(str(payment["household_id"])),
                    str(payment["payment_id"]),
                    status="paid",
                    bank_reference=f"PLAIN-{n}",
                    at=datetime(2025, 3, 31, tzinfo=UTC),
                    actor="bench",
                )
            plain_seconds = time.perf_counter() - started
            again = time.perf_counter()
            repeat = import_statement(ledger, data, "bench")
            again = time.perf_counter() - again
            assert not repeat.recorded
        finally:
            ledger.close()
    counts = result.counts()
    timings = {k: round(v, 2) for k, v in result.timings.items()}
    total = result.entries
    return [
        Row(
            f"statement import ({total:,} entries)",
            "entries/s",
            total / seconds,
            len(rest) / plain_seconds,
            total,
            len(rest),
            "camt.053 checked against the XSD, matched 500 ids a query, every answer in one "
            "transaction vs one lookup and one acknowledgement (load, answer, save) per entry",
            {
                "seconds": round(seconds, 2),
                "steps_seconds": timings,
                "counts": counts,
                "re_import_seconds": round(again, 2),
                "households": households,
                "grant_every": GRANT_EVERY,
            },
        ),
        Row(
            f"statement matching ({len(ids):,} end-to-end ids)",
            "entries/s",
            len(ids) / result.timings["match"],
            len(ids) / plain_match,
            len(ids),
            len(ids),
            "500 ids a query vs one query per entry",
            {
                "match_seconds": round(result.timings["match"], 3),
                "plain_seconds": round(plain_match, 3),
            },
        ),
    ]
