"""The disbursement feed as an ISO 20022 pain.001 (Customer Credit Transfer Initiation) message.

One message per payment run: a group header, one payment information block (the
paying account) and one credit transfer per payment, in CNY. Built with the standard
library only (:mod:`xml.etree.ElementTree`); the tests validate it against the official
ISO 20022 ``pain.001.001.09`` XSD (the plain ISO schema, not a SEPA variant: SEPA
restricts the currency to EUR, the ISO schema accepts any ``[A-Z]{3}`` code).

Rules the schema imposes and how they are met here:

* Amounts are integer fen and are written with exactly two decimals by integer
  arithmetic (123456 fen -> ``1234.56``); no float is used anywhere. ``CtrlSum`` is
  the exact sum of the amounts.
* ``EndToEndId`` is at most 35 characters. The payment id is a UUID, whose canonical
  form has 36, so a payment id that parses as a UUID is written as its 32-character
  lowercase hex without dashes (``uuid.UUID(pid).hex``; ``uuid.UUID(end_to_end_id)``
  gives the payment id back). Any other id is written as it is if it has 1 to 35
  characters and refused otherwise. See :func:`end_to_end_id_for`.
* Names and remittance text (``Max140Text``) are cut to 140 characters; identifiers
  (message id, payment information id, account numbers) are never cut: one that is
  too long is refused with :class:`ValueError`.
* The debtor's bank is not identified by this ledger, so ``DbtrAgt`` carries
  ``FinInstnId/Othr/Id`` = ``NOTPROVIDED``. ``CdtrAgt`` is optional in this version and
  is written only when the payee's bank name is known (``FinInstnId/Nm``).

The output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from domain.money import format_yuan

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
CURRENCY = "CNY"
NOT_PROVIDED = "NOTPROVIDED"

MAX_ID = 35  # Max35Text: MsgId, PmtInfId, EndToEndId
MAX_ACCOUNT = 34  # Max34Text: CdtrAcct/Id/Othr/Id, DbtrAcct/Id/Othr/Id
MAX_TEXT = 140  # Max140Text: names and unstructured remittance information
# Amounts and CtrlSum allow at most 18 significant digits.
_AMOUNT_LIMIT_FEN = 10**18

_ACCOUNT_RE = re.compile(r"[0-9]+")
# Characters that XML 1.0 cannot carry at all (ElementTree would write them unescaped).
_NOT_XML_RE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class CreditTransfer:
    """One payment of a run, as it goes into the bank file."""

    end_to_end_id: str
    """The payment id (a UUID string); written via :func:`end_to_end_id_for`."""
    amount_fen: int
    """Integer fen (1/100 yuan), greater than zero."""
    creditor_name: str
    """The payee's name (may be Chinese); cut to 140 characters."""
    creditor_account: str
    """Bank account or 民生一卡通 card number, ASCII digits only, at most 34."""
    creditor_agent: str | None
    """The payee's bank name, if known (``CdtrAgt/FinInstnId/Nm``)."""
    remittance: str
    """Unstructured remittance information, e.g. ``"dibao 2025-07"``; cut to 140."""


def end_to_end_id_for(payment_id: str) -> str:
    """The ``EndToEndId`` written for a payment id.

    A UUID (in any spelling :class:`uuid.UUID` accepts) becomes its 32-character
    lowercase hex without dashes; any other id of 1 to 35 characters stays as it is.

    >>> end_to_end_id_for("0f8fad5b-d9cb-469f-a165-70867728950e")
    '0f8fad5bd9cb469fa16570867728950e'
    """
    return _end_to_end_id(payment_id, "end_to_end_id")


def build_pain001(
    *,
    message_id: str,
    created_at: datetime,
    initiating_party: str,
    debtor_name: str,
    debtor_account: str,
    requested_execution_date: date,
    payment_information_id: str,
    transfers: Sequence[CreditTransfer],
) -> bytes:
    """One pain.001.001.09 message for one payment run, as UTF-8 XML bytes.

    ``created_at`` must carry a time zone (it is written to the second with its UTC
    offset). Raises :class:`ValueError` on an empty transfer list, a non-positive
    amount, a duplicated payment id, an identifier that does not fit the schema or
    text that XML cannot carry.
    """
    if not transfers:
        raise ValueError("a pain.001 payment run needs at least one credit transfer")
    if created_at.tzinfo is None or created_at.utcoffset() is None:
        raise ValueError("created_at must be timezone-aware (e.g. +08:00 or UTC)")
    msg_id = _identifier(message_id, "message_id", MAX_ID)
    pmt_inf_id = _identifier(payment_information_id, "payment_information_id", MAX_ID)
    dbtr_account = _identifier(debtor_account, "debtor_account", MAX_ACCOUNT)

    total_fen = 0
    e2e_ids: list[str] = []
    accounts: list[str] = []
    seen: dict[str, int] = {}
    for index, transfer in enumerate(transfers):
        where = f"transfers[{index}]"
        amount = transfer.amount_fen
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise ValueError(
                f"{where}.amount_fen must be an integer number of fen, not {type(amount).__name__}"
            )
        if amount <= 0:
            raise ValueError(
                f"{where}.amount_fen must be positive; got {amount} "
                f"(payment {transfer.end_to_end_id!r})"
            )
        e2e = _end_to_end_id(transfer.end_to_end_id, f"{where}.end_to_end_id")
        if e2e in seen:
            raise ValueError(
                f"{where} repeats the payment id {transfer.end_to_end_id!r} "
                f"of transfers[{seen[e2e]}]"
            )
        seen[e2e] = index
        account = _identifier(transfer.creditor_account, f"{where}.creditor_account", MAX_ACCOUNT)
        if _ACCOUNT_RE.fullmatch(account) is None:
            raise ValueError(f"{where}.creditor_account must be ASCII digits only; got {account!r}")
        e2e_ids.append(e2e)
        accounts.append(account)
        total_fen += amount
    if total_fen >= _AMOUNT_LIMIT_FEN:
        raise ValueError(f"the total of {total_fen} fen exceeds 18 digits")
    count = str(len(transfers))
    ctrl_sum = format_yuan(total_fen)

    # Tags are written unqualified under a default namespace declared on the root
    # (ElementTree's default_namespace option refuses the unqualified Ccy attribute).
    root = ET.Element("Document", {"xmlns": NAMESPACE})
    initiation = _sub(root, "CstmrCdtTrfInitn")

    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", msg_id)
    _sub(header, "CreDtTm", created_at.isoformat(timespec="seconds"))
    _sub(header, "NbOfTxs", count)
    _sub(header, "CtrlSum", ctrl_sum)
    _sub(_sub(header, "InitgPty"), "Nm", _text(initiating_party, "initiating_party"))

    payment = _sub(initiation, "PmtInf")
    _sub(payment, "PmtInfId", pmt_inf_id)
    _sub(payment, "PmtMtd", "TRF")
    _sub(payment, "NbOfTxs", count)
    _sub(payment, "CtrlSum", ctrl_sum)
    _sub(_sub(payment, "ReqdExctnDt"), "Dt", requested_execution_date.isoformat())
    _sub(_sub(payment, "Dbtr"), "Nm", _text(debtor_name, "debtor_name"))
    _account(payment, "DbtrAcct", dbtr_account)
    _sub(_sub(_sub(_sub(payment, "DbtrAgt"), "FinInstnId"), "Othr"), "Id", NOT_PROVIDED)

    for index, (transfer, e2e, account) in enumerate(
        zip(transfers, e2e_ids, accounts, strict=True)
    ):
        where = f"transfers[{index}]"
        tx = _sub(payment, "CdtTrfTxInf")
        _sub(_sub(tx, "PmtId"), "EndToEndId", e2e)
        amount_el = _sub(_sub(tx, "Amt"), "InstdAmt", format_yuan(transfer.amount_fen))
        amount_el.set("Ccy", CURRENCY)
        if transfer.creditor_agent is not None and transfer.creditor_agent.strip():
            bank = _text(transfer.creditor_agent, f"{where}.creditor_agent")
            _sub(_sub(_sub(tx, "CdtrAgt"), "FinInstnId"), "Nm", bank)
        _sub(_sub(tx, "Cdtr"), "Nm", _text(transfer.creditor_name, f"{where}.creditor_name"))
        _account(tx, "CdtrAcct", account)
        if transfer.remittance.strip():
            remittance = _text(transfer.remittance, f"{where}.remittance")
            _sub(_sub(tx, "RmtInf"), "Ustrd", remittance)

    ET.indent(root, space="  ")
    # typeshed types tostring() with a named encoding as Any; with "utf-8" it is bytes.
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _account(parent: ET.Element, tag: str, account_id: str) -> None:
    _sub(_sub(_sub(_sub(parent, tag), "Id"), "Othr"), "Id", account_id)


def _end_to_end_id(payment_id: str, field: str) -> str:
    try:
        return uuid.UUID(payment_id).hex
    except ValueError:
        pass
    return _identifier(payment_id, field, MAX_ID)


def _check_xml_chars(value: str, field: str) -> None:
    bad = _NOT_XML_RE.search(value)
    if bad is not None:
        raise ValueError(f"{field} contains a character XML cannot carry: {bad.group()!r}")


def _identifier(value: str, field: str, limit: int) -> str:
    """An identifier the schema limits to ``limit`` characters: never cut, refused."""
    if not value:
        raise ValueError(f"{field} must not be empty")
    if len(value) > limit:
        raise ValueError(f"{field} must be at most {limit} characters; got {len(value)}")
    _check_xml_chars(value, field)
    return value


def _text(value: str, field: str) -> str:
    """A name or free text: cut to 140 characters (the schema counts characters)."""
    if not value.strip():
        raise ValueError(f"{field} must not be empty")
    _check_xml_chars(value, field)
    return value[:MAX_TEXT]
