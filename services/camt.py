"""The bank's statement as ISO 20022 XML: camt.053.001.02 (bank-to-customer statement)
and camt.054.001.02 (debit/credit notification: the status of the payments), read and
checked against the official XSDs vendored in `services/xsd/` (see its SOURCE.md) with
the `lxml` library (libxml2's schema validator: a 100,000-entry statement in seconds,
and each error with its line). And the same messages written, for the demo city, the
tests and `ledger bench` (what a bank sends back for a run's pain.001).

What is read of each entry (`Ntry`) of the statement (`Stmt`) or notification (`Ntfctn`):

* its id: the bank's reference `AcctSvcrRef`, else `NtryRef` (one of them is required
  here: an entry the ledger cannot name twice cannot be imported once);
* its amount `Amt` in CNY, with at most two decimals (the schema allows five: a third
  decimal is no fen), its direction `CdtDbtInd`, `RvslInd`, status `Sts` (BOOK, PDNG,
  INFO) and booking date `BookgDt`;
* of each transaction `NtryDtls/TxDtls`: the end-to-end id `Refs/EndToEndId` (what the
  pain.001 wrote: the payment id) and the return's reason `RtrInf/Rsn/Cd` with
  `RtrInf/AddtlInf`. An entry of several transactions (a batch booking) is one item per
  transaction, each with its own amount `AmtDtls/TxAmt/Amt`, id `ENTRY/N`.

A file that does not parse or that the schema refuses, or whose amounts or ids do not fit
these rules, is refused whole with :class:`StatementError`, naming the line and element.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from lxml import etree

from domain.errors import InvalidInputError
from domain.money import format_yuan

STATEMENT = "camt.053.001.02"
NOTIFICATION = "camt.054.001.02"
MESSAGES = (STATEMENT, NOTIFICATION)
CURRENCY = "CNY"
_NS = "urn:iso:std:iso:20022:tech:xsd:"
# camt.053: Document/BkToCstmrStmt/Stmt; camt.054: Document/BkToCstmrDbtCdtNtfctn/Ntfctn.
_ROOTS = {STATEMENT: ("BkToCstmrStmt", "Stmt"), NOTIFICATION: ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}
_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?")

# The ISO external return reason codes a bank gives for 退票, in words (the code is kept
# as the bank sent it; an unknown code is kept too).
RETURN_REASONS = {
    "AC01": "incorrect account number",
    "AC03": "invalid creditor account number",
    "AC04": "closed account",
    "AC06": "blocked account",
    "AG01": "transaction forbidden on this account",
    "AM05": "duplicate payment",
    "BE01": "inconsistent with end customer (wrong name)",
    "BE04": "missing creditor address",
    "MD07": "end customer deceased",
    "MS02": "not specified, reason of the customer",
    "MS03": "not specified, reason of the agent",
    "RC01": "bank identifier incorrect",
    "RR01": "missing debtor account or identification",
}


class StatementError(InvalidInputError):
    """The statement file is refused whole: nothing in it is recorded."""

    code = "invalid_statement"


@dataclass(frozen=True)
class Entry:
    """One transaction of the statement, as the bank booked or reported it."""

    entry_id: str
    end_to_end_id: str | None
    amount_fen: int
    credit: bool  # CRDT: money into the paying account (a return); DBIT: paid out
    reversal: bool
    status: str  # BOOK, PDNG or INFO
    booked_on: str | None  # ISO date
    return_code: str | None
    return_info: str | None
    line: int | None  # where the entry starts in the file

    @property
    def returned(self) -> bool:
        """A return (退票): the bank gives the money back, with a reason, or reverses."""
        return self.return_code is not None or self.reversal or self.credit

    @property
    def reason(self) -> str:
        """The return's reason as recorded: "AC04 closed account: 账户已销户"."""
        if not self.returned:
            return ""
        code = self.return_code or ("reversal" if self.reversal else "credited back")
        words = RETURN_REASONS.get(code, "")
        text = f"{code} {words}".strip()
        return f"{text}: {self.return_info}" if self.return_info else text


@dataclass(frozen=True)
class Statement:
    message: str  # camt.053.001.02 or camt.054.001.02
    message_id: str  # GrpHdr/MsgId
    statement_id: str  # Stmt/Id or Ntfctn/Id: what makes a re-import the same
    created_at: str
    account: str
    entries: tuple[Entry, ...]

    @property
    def digest(self) -> str:
        """SHA-256 of what the statement says (its ids and entries, not the file's
        spacing): a re-send with the same id and another digest is a changed one."""
        body = {
            "message": self.message,
            "statement_id": self.statement_id,
            "account": self.account,
            "entries": [{k: v for k, v in asdict(e).items() if k != "line"} for e in self.entries],
        }
        text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@cache
def schema(message: str) -> Any:
    """The official XSD of `message`, loaded once per process."""
    path = resources.files("services").joinpath("xsd", f"{message}.xsd")
    with resources.as_file(path) as file:
        return etree.XMLSchema(etree.parse(str(file), _parser()))


def _parser() -> Any:
    # No entities expanded, nothing fetched: a statement is data, not a program.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True
    )


_BRACES = re.compile(r"\{[^}]*\}")


def validate(data: bytes) -> tuple[str, Any]:
    """The message name and the parsed document, once the file is valid against its
    official schema; else :class:`StatementError` naming the line and element."""
    try:
        document = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise StatementError(f"the file is not XML: {error}", "statement") from None
    if document.getroottree().docinfo.doctype:
        raise StatementError(
            "the file has a document type declaration (<!DOCTYPE ...>); a statement has "
            "none (nothing recorded)",
            "statement",
        )
    namespace = etree.QName(document).namespace or ""
    message = namespace.removeprefix(_NS)
    if not namespace.startswith(_NS) or message not in MESSAGES:
        raise StatementError(
            f"the file's namespace is {namespace or 'none'!r}; a statement is "
            f"{_NS}{STATEMENT} or {_NS}{NOTIFICATION}",
            "statement",
        )
    checker = schema(message)
    try:
        valid = checker.validate(document)
    except etree.XMLSchemaValidateError as error:  # libxml2 gave up on the document
        raise StatementError(f"{message}: the schema check failed: {error}", "statement") from None
    if not valid:
        error = checker.error_log[0]
        path = _readable(document, error.path or "")
        text = _BRACES.sub("", error.message)
        raise StatementError(
            f"{message}: line {error.line}, {path}: {text} (nothing recorded)", "statement"
        )
    return message, document


def _readable(document: Any, path: str) -> str:
    """libxml2's path of an element (`/*/*/*[2]/*[5]/*[1]` under a default namespace)
    in the element names: `/Document/BkToCstmrStmt/Stmt/Ntry[1]/Amt`."""
    try:
        found = document.getroottree().xpath(path)
    except etree.XPathError:
        return path
    if not found or not isinstance(found[0], etree._Element):
        return path
    names: list[str] = []
    element = found[0]
    while element is not None:
        name = etree.QName(element).localname
        parent = element.getparent()
        if parent is not None:
            same = [c for c in parent if c.tag == element.tag]
            if len(same) > 1:
                name += f"[{same.index(element) + 1}]"
        names.insert(0, name)
        element = parent
    return "/" + "/".join(names)


def _text(element: Any) -> str | None:
    return None if element is None or element.text is None else str(element.text).strip()


def _fen(element: Any, where: str) -> int:
    """Integer fen from an amount element, by string arithmetic: CNY with at most two
    decimals; anything else refused naming the element."""
    currency = element.get("Ccy")
    text = (element.text or "").strip()
    if currency != CURRENCY:
        raise StatementError(f"{where}: the currency is {currency!r}; the ledger pays {CURRENCY}")
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise StatementError(
            f"{where}: the amount {text!r} is not yuan with at most two decimals (e.g. 1250.00)"
        )
    whole, decimals = match.group(1), (match.group(2) or ".")[1:]
    return int(whole) * 100 + int(decimals.ljust(2, "0"))


def parse(data: bytes) -> Statement:
    """The statement in `data` (camt.053.001.02 or camt.054.001.02), checked against its
    official schema and the rules above; :class:`StatementError` naming the line and
    element otherwise."""
    message, root = validate(data)
    return _read(message, root)


def _read(message: str, root: Any) -> Statement:
    ns = {"c": _NS + message}
    outer, inner = _ROOTS[message]
    report = root.find(f"c:{outer}/c:{inner}", ns)
    assert report is not None  # the schema requires it
    message_id = _text(root.find(f"c:{outer}/c:GrpHdr/c:MsgId", ns)) or ""
    statement_id = _text(report.find("c:Id", ns)) or ""
    account = _text(report.find("c:Acct/c:Id/c:Othr/c:Id", ns)) or _text(
        report.find("c:Acct/c:Id/c:IBAN", ns)
    )
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for index, ntry in enumerate(report.findall("c:Ntry", ns)):
        line = ntry.sourceline
        where = f"line {line}, {inner}/Ntry[{index + 1}]"
        for entry in _entry(ntry, ns, where, line):
            if entry.entry_id in seen:
                raise StatementError(
                    f"{where}: the entry id {entry.entry_id!r} is used twice in this "
                    f"{message} (first at {seen[entry.entry_id]})"
                )
            seen[entry.entry_id] = where
            entries.append(entry)
    return Statement(
        message=message,
        message_id=message_id,
        statement_id=statement_id,
        created_at=_text(report.find("c:CreDtTm", ns)) or "",
        account=account or "",
        entries=tuple(entries),
    )


def _entry(ntry: Any, ns: dict[str, str], where: str, line: int | None) -> list[Entry]:
    entry_id = _text(ntry.find("c:AcctSvcrRef", ns)) or _text(ntry.find("c:NtryRef", ns))
    if not entry_id:
        raise StatementError(
            f"{where}: the entry has neither AcctSvcrRef nor NtryRef; the ledger needs the "
            "bank's reference of each entry to import it once"
        )
    amount_el = ntry.find("c:Amt", ns)
    assert amount_el is not None  # required by the schema
    amount = _fen(amount_el, f"{where}/Amt")
    credit = _text(ntry.find("c:CdtDbtInd", ns)) == "CRDT"
    reversal = _text(ntry.find("c:RvslInd", ns)) in ("true", "1")
    status = _text(ntry.find("c:Sts", ns)) or ""
    booked = _text(ntry.find("c:BookgDt/c:Dt", ns)) or (
        (_text(ntry.find("c:BookgDt/c:DtTm", ns)) or "")[:10] or None
    )
    details = ntry.findall("c:NtryDtls/c:TxDtls", ns)
    if not details:
        return [Entry(entry_id, None, amount, credit, reversal, status, booked, None, None, line)]
    found: list[Entry] = []
    many = len(details) > 1
    for number, tx in enumerate(details, start=1):
        tx_where = f"{where}/NtryDtls/TxDtls[{number}]"
        tx_amount = tx.find("c:AmtDtls/c:TxAmt/c:Amt", ns)
        if many and tx_amount is None:
            raise StatementError(
                f"{tx_where}: an entry of several transactions gives each its amount "
                "(AmtDtls/TxAmt/Amt)"
            )
        fen = _fen(tx_amount, f"{tx_where}/AmtDtls/TxAmt/Amt") if tx_amount is not None else amount
        found.append(
            Entry(
                f"{entry_id}/{number}" if many else entry_id,
                _text(tx.find("c:Refs/c:EndToEndId", ns)),
                fen,
                credit,
                reversal,
                status,
                booked,
                _text(tx.find("c:RtrInf/c:Rsn/c:Cd", ns))
                or _text(tx.find("c:RtrInf/c:Rsn/c:Prtry", ns)),
                _text(tx.find("c:RtrInf/c:AddtlInf", ns)),
                line,
            )
        )
    if many and sum(e.amount_fen for e in found) != amount:
        raise StatementError(
            f"{where}/Amt: the entry's amount {format_yuan(amount)} is not the sum of its "
            f"transactions' {format_yuan(sum(e.amount_fen for e in found))}"
        )
    return found


# --------------------------------------------------------------------- writing


@dataclass(frozen=True)
class BankEntry:
    """One entry a bank writes: a payment booked (debit), or returned (credit with the
    reason code)."""

    reference: str  # AcctSvcrRef
    end_to_end_id: str | None
    amount_fen: int
    booked_on: date
    return_code: str | None = None
    return_info: str | None = None
    status: str = "BOOK"


def build(
    *,
    statement_id: str,
    created_at: datetime,
    account: str,
    entries: Sequence[BankEntry] | Iterable[BankEntry],
    message: str = STATEMENT,
) -> bytes:
    """A camt.053.001.02 statement (or camt.054.001.02 notification) of `entries` for
    the paying `account`, as UTF-8 bytes valid against the official schema."""
    outer, inner = _ROOTS[message]
    out = io.StringIO()
    write = out.write
    stamp = created_at.isoformat(timespec="seconds")
    write('<?xml version="1.0" encoding="UTF-8"?>\n')
    write(f'<Document xmlns="{_NS}{message}">\n<{outer}>\n')
    write(f"<GrpHdr><MsgId>{_esc(statement_id)}</MsgId><CreDtTm>{stamp}</CreDtTm></GrpHdr>\n")
    write(f"<{inner}><Id>{_esc(statement_id)}</Id><CreDtTm>{stamp}</CreDtTm>\n")
    write(f"<Acct><Id><Othr><Id>{_esc(account)}</Id></Othr></Id><Ccy>{CURRENCY}</Ccy></Acct>\n")
    if message == STATEMENT:
        write(
            "<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>"
            f'<Amt Ccy="{CURRENCY}">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<Dt><Dt>{created_at.date().isoformat()}</Dt></Dt></Bal>\n"
        )
    for entry in entries:
        write(_entry_xml(entry))
    write(f"</{inner}>\n</{outer}>\n</Document>\n")
    return out.getvalue().encode()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _entry_xml(entry: BankEntry) -> str:
    returned = entry.return_code is not None
    amount = format_yuan(entry.amount_fen)
    refs = (
        f"<Refs><EndToEndId>{_esc(entry.end_to_end_id)}</EndToEndId></Refs>"
        if entry.end_to_end_id
        else ""
    )
    back = ""
    if returned:
        info = f"<AddtlInf>{_esc(entry.return_info)}</AddtlInf>" if entry.return_info else ""
        back = f"<RtrInf><Rsn><Cd>{entry.return_code}</Cd></Rsn>{info}</RtrInf>"
    family = "RRCT" if returned else "ESCT"  # returned / issued credit transfer
    return (
        f'<Ntry><Amt Ccy="{CURRENCY}">{amount}</Amt>'
        f"<CdtDbtInd>{'CRDT' if returned else 'DBIT'}</CdtDbtInd><Sts>{entry.status}</Sts>"
        f"<BookgDt><Dt>{entry.booked_on.isoformat()}</Dt></BookgDt>"
        f"<AcctSvcrRef>{_esc(entry.reference)}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>{family}</SubFmlyCd>"
        f"</Fmly></Domn></BkTxCd>"
        f"<NtryDtls><TxDtls>{refs}{back}</TxDtls></NtryDtls></Ntry>\n"
    )
