"""The bank's statements (camt.053) and notifications (camt.054) as the ledger imported
them (docs/PAYMENTS.md, "Bank statements").

One `BankStatement` stream per statement id (the bank's `Stmt/Id`, or `Ntfctn/Id`),
its id derived from it: a statement is imported once, in one transaction with the
answers it records on the payment ledgers, and a second import of the same id finds it
(the same content: nothing recorded; other content: refused, naming the id). Its one
event keeps the statement's digest, its counts, and the entries finance must look at
(no payment with that end-to-end id, another amount, an answer that contradicts the
payment's), not the entries that matched: those are the payments' own answers.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.chain import Chained, ChainedEvent

EXCEPTION_KINDS = ("unmatched", "amount_mismatch", "contradicts")


def statement_id(bank_statement_id: str) -> UUID:
    """The stream of the statement the bank calls `bank_statement_id`."""
    return uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:bank-statement:{bank_statement_id}")


class BankStatement(Chained):
    """One statement of the bank, imported."""

    class Event(ChainedEvent):
        actor: str
        effective_on: date

    class Imported(Event, Aggregate.Created):
        """The statement read: `message` (camt.053.001.02 or camt.054.001.02), the bank's
        ids, the SHA-256 of its content, how many entries it had, how many answers it
        recorded (paid, returned) and how many it found already recorded or pending, and
        its exceptions, each {entry_id, kind, end_to_end_id, payment_id, household_id,
        amount_fen, expected_fen, booked_on, why}."""

        statement_id: str
        message: str
        message_id: str
        digest: str
        created_at: str
        entries: int
        paid: int
        paid_fen: int
        returned: int
        returned_fen: int
        already: int
        pending: int
        exceptions: list[dict[str, Any]]

    def __init__(
        self,
        statement_id: str,
        message: str,
        message_id: str,
        digest: str,
        created_at: str,
        entries: int,
        paid: int,
        paid_fen: int,
        returned: int,
        returned_fen: int,
        already: int,
        pending: int,
        exceptions: list[dict[str, Any]],
        actor: str,
        effective_on: date,
    ) -> None:
        self.statement_id = statement_id
        self.message = message
        self.message_id = message_id
        self.digest = digest
        self.created_at = created_at
        self.entries = entries
        self.paid = paid
        self.paid_fen = paid_fen
        self.returned = returned
        self.returned_fen = returned_fen
        self.already = already
        self.pending = pending
        self.exceptions = exceptions
        self.actor = actor
        self.effective_on = effective_on
