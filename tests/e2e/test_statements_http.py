"""The bank's statement over HTTP (docs/PAYMENTS.md "Bank statements"), on both
backends: finance posts a camt.053 of the run's feed as the bank sent it; the answers
are recorded, the exceptions and late payments listed; the same file again records
nothing; a bad one is a 422 naming the element; only finance may do either."""

from __future__ import annotations

from datetime import date

from domain.money import parse_yuan
from services.statements import statement_for_run
from tests.e2e.test_http import CW
from tests.e2e.test_payments_http import FIN, on_dibao

XML = {"Content-Type": "application/xml"}


def test_a_statement_posted_records_the_answers_and_lists_the_rest(server):
    """Two households on dibao from 2025-02-01 (§6: (15,000 - income) / 12): 1,250.00
    and, with 1,200 a year, 1,150.00. The bank books the 1,250.00 and 1,105.00 for the
    other: one paid, one amount mismatch, which stays unanswered and is late on
    2025-03-03 (30 days after 2025-02-01, more than the 5 set)."""
    on_dibao(server, 1, "0", "2025-02-01")
    on_dibao(server, 1, "1200", "2025-02-01")
    run = server.client.post(
        "/payment-runs", headers=server.token(*FIN), json={"period": "2025-02"}
    )
    assert run.status_code == 201 and run.json()["total"] == "2400.00"
    items = server.client.get("/feeds/payments", headers=server.token(*FIN)).json()["items"]
    rows = [{**i, "amount_fen": parse_yuan(i["amount"], "amount")} for i in items]
    [other] = [r for r in rows if r["amount"] == "1150.00"]
    data = statement_for_run(
        rows, "STMT-HTTP-1", date(2025, 2, 28), amounts={other["payment_id"]: 110_500}
    )
    refused = server.client.post("/statements", headers={**server.token(*CW), **XML}, content=data)
    assert refused.status_code == 403
    bad = server.client.post(
        "/statements",
        headers={**server.token(*FIN), **XML},
        content=data.replace(b">1250.00<", b">1,250.00<"),
    )
    assert bad.status_code == 422, bad.text
    assert "/Document/BkToCstmrStmt/Stmt/Ntry" in bad.json()["message"]
    first = server.client.post("/statements", headers={**server.token(*FIN), **XML}, content=data)
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["paid"], body["paid_amount"], body["amount_mismatch"]) == (1, "1250.00", 1)
    [item] = body["items"]
    assert (item["kind"], item["amount"], item["expected"], item["payment_id"]) == (
        "amount_mismatch",
        "1105.00",
        "1150.00",
        other["payment_id"],
    )
    again = server.client.post("/statements", headers={**server.token(*FIN), **XML}, content=data)
    assert again.status_code == 200 and again.json()["recorded"] is False
    assert server.client.get("/statements/exceptions", headers=server.token(*CW)).status_code == 403
    listed = server.client.get(
        "/statements/exceptions", params={"as_of": "2025-03-03"}, headers=server.token(*FIN)
    ).json()
    assert listed["late_days"] == 5
    assert [(e["kind"], e["entry_id"]) for e in listed["exceptions"]] == [
        ("amount_mismatch", item["entry_id"])
    ]
    assert [(r["payment_id"], r["amount"], r["days"]) for r in listed["late"]] == [
        (other["payment_id"], "1150.00", 30)
    ]
    [stmt] = listed["statements"]
    assert (stmt["statement_id"], stmt["entries"], stmt["paid_amount"]) == (
        "STMT-HTTP-1",
        2,
        "1250.00",
    )
    # Finance's payment runs page shows the same (the words in Chinese first).
    bearer = server.token(*FIN)["Authorization"].removeprefix("Bearer ")
    page = server.client.get("/ui/payments", headers={"Cookie": f"ledger_session={bearer}"})
    assert page.status_code == 200
    assert item["entry_id"] in page.text and "金额不符" in page.text
    assert "超过 5 天无银行记录的支付" in page.text
    auditor = server.token("auditor-zhao", "auditor")["Authorization"].removeprefix("Bearer ")
    seen = server.client.get("/ui/payments", headers={"Cookie": f"ledger_session={auditor}"}).text
    assert item["entry_id"] not in seen  # the statements' section is finance's
