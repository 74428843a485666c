"""The bank's statement read (services/camt.py; docs/PAYMENTS.md "Bank statements"):
what the official camt.053.001.02 and camt.054.001.02 schemas refuse, what the ledger's
own rules refuse on top, and what is read of an entry, to the fen."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.camt import NOTIFICATION, STATEMENT, BankEntry, StatementError, build, parse

ON = date(2025, 2, 28)
AT = datetime(2025, 2, 28, 18, 0, tzinfo=UTC)
E2E = "0f8fad5bd9cb469fa16570867728950e"


def one(entry: BankEntry, message: str = STATEMENT) -> bytes:
    return build(
        statement_id="S-1", created_at=AT, account="330400", entries=[entry], message=message
    )


def test_a_booked_debit_and_a_return_are_read_to_the_fen():
    """1,250.00 booked as paid; 1,050.05 credited back with AC04 and the bank's words;
    both checked against the official camt.053.001.02 schema first."""
    data = build(
        statement_id="S-1",
        created_at=AT,
        account="330400",
        entries=[
            BankEntry("B-1", E2E, 125_000, ON),
            BankEntry("B-2", "GRANT-7", 105_005, ON, return_code="AC04", return_info="销户"),
        ],
    )
    statement = parse(data)
    assert (statement.message, statement.statement_id, statement.account) == (
        STATEMENT,
        "S-1",
        "330400",
    )
    paid, back = statement.entries
    assert (paid.entry_id, paid.end_to_end_id, paid.amount_fen, paid.returned) == (
        "B-1",
        E2E,
        125_000,
        False,
    )
    assert (back.amount_fen, back.returned, back.reason) == (
        105_005,
        True,
        "AC04 closed account: 销户",
    )
    assert (paid.booked_on, paid.line) == ("2025-02-28", 8)


def test_a_notification_is_read_like_a_statement():
    """camt.054.001.02 (Ntfctn, no balance): the same entries, checked against its own
    official schema."""
    statement = parse(one(BankEntry("N-1", E2E, 99, ON, status="PDNG"), NOTIFICATION))
    [entry] = statement.entries
    assert (statement.message, entry.status, entry.amount_fen) == (NOTIFICATION, "PDNG", 99)


def test_the_digest_is_the_content_not_the_spacing():
    data = one(BankEntry("B-1", E2E, 125_000, ON))
    spaced = data.replace(b"<Ntry>", b"\n  <Ntry>")
    assert parse(data).digest == parse(spaced).digest
    other = one(BankEntry("B-1", E2E, 125_001, ON))
    assert parse(other).digest != parse(data).digest


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ((b"<CdtDbtInd>DBIT", b"<CdtDbtInd>DEBIT"), "Element 'CdtDbtInd': [facet 'enumeration']"),
        ((b"<Sts>BOOK</Sts>", b""), "Element 'BookgDt': This element is not expected"),
        ((b'Ccy="CNY">1250.00', b'Ccy="CNY">-1250.00'), "less than the minimum value allowed"),
        ((b'Ccy="CNY">1250.00', b'Ccy="EUR">1250.00'), "the currency is 'EUR'"),
        ((b'Ccy="CNY">1250.00', b'Ccy="CNY">1250.5'), None),
        ((b"camt.053.001.02", b"camt.053.001.08"), "a statement is"),
    ],
)
def test_what_is_refused_names_the_line_and_element(change, words):
    """The schema's refusals (an unknown direction, a missing status, a negative
    amount) and the ledger's (another currency, another message); "1250.5" is 1,250.50."""
    data = one(BankEntry("B-1", E2E, 125_000, ON)).replace(*change)
    if words is None:
        assert parse(data).entries[0].amount_fen == 125_050
        return
    with pytest.raises(StatementError) as refused:
        parse(data)
    assert words in str(refused.value)
    if b"camt.053.001.08" not in change[1]:
        assert "line 8" in str(refused.value) and "Ntry" in str(refused.value)


def test_a_batch_booking_is_one_item_per_transaction_and_must_add_up():
    """One entry of 300.00 with two transactions of 100.00 and 200.00: two items, ids
    ENTRY/1 and ENTRY/2; with 250.00 for the second the entry does not add up."""
    tx = (
        "<TxDtls><Refs><EndToEndId>{e}</EndToEndId></Refs><AmtDtls><TxAmt>"
        '<Amt Ccy="CNY">{a}</Amt></TxAmt></AmtDtls></TxDtls>'
    )
    data = one(BankEntry("B-1", E2E, 30_000, ON))
    single = f"<TxDtls><Refs><EndToEndId>{E2E}</EndToEndId></Refs></TxDtls>".encode()
    batch = (tx.format(e="P-1", a="100.00") + tx.format(e="P-2", a="200.00")).encode()
    first, second = parse(data.replace(single, batch)).entries
    assert (first.entry_id, first.amount_fen, second.entry_id, second.amount_fen) == (
        "B-1/1",
        10_000,
        "B-1/2",
        20_000,
    )
    wrong = (tx.format(e="P-1", a="100.00") + tx.format(e="P-2", a="250.00")).encode()
    with pytest.raises(StatementError, match=r"Ntry\[1\]/Amt: the entry's amount 300.00"):
        parse(data.replace(single, wrong))


def test_an_entity_is_not_expanded():
    """A statement is data: a document type with an entity is not expanded (and the
    schema then refuses what is left), nothing is fetched."""
    data = (
        one(BankEntry("B-1", E2E, 125_000, ON))
        .replace(
            b'<?xml version="1.0" encoding="UTF-8"?>',
            b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        )
        .replace(b"<AcctSvcrRef>B-1", b"<AcctSvcrRef>&x;")
    )
    with pytest.raises(StatementError, match="document type declaration"):
        parse(data)
