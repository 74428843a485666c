"""The disbursement feed as ISO 20022 pain.001.001.09, checked against the official XSD.

The XSD is the one the ``sepaxml`` package ships (the plain ISO 20022 schema, not
a SEPA variant) and is read with ``xmlschema``. Both are dev dependencies: when
either is missing the schema tests fail, they never skip.
"""

from __future__ import annotations

import importlib
import importlib.resources
import io
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from projections.pain001 import (
    NAMESPACE,
    CreditTransfer,
    build_pain001,
    end_to_end_id_for,
)

XSD_PACKAGE = "sepaxml"
XSD_NAME = "pain.001.001.09.xsd"
NS = {"p": NAMESPACE}
CST = timezone(timedelta(hours=8))

PAYMENT_IDS = (
    "0f8fad5b-d9cb-469f-a165-70867728950e",
    "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "e4eaaaf2-d142-11e1-b3e4-080027620cdd",
)


def _transfers() -> list[CreditTransfer]:
    return [
        CreditTransfer(
            end_to_end_id=PAYMENT_IDS[0],
            amount_fen=125_000,
            creditor_name="张三",
            creditor_account="6226220123456789",
            creditor_agent="中国民生银行嘉兴分行",
            remittance="dibao 2025-07",
        ),
        CreditTransfer(
            end_to_end_id=PAYMENT_IDS[1],
            amount_fen=291_667,
            creditor_name="李四 & 王五 <户>",
            creditor_account="6216910012345678901",
            creditor_agent=None,
            remittance="低保 2025-07",
        ),
        CreditTransfer(
            end_to_end_id=PAYMENT_IDS[2],
            amount_fen=1,
            creditor_name="赵六",
            creditor_account="1204010009000123456",
            creditor_agent="嘉兴银行",
            remittance="dibao 2025-07 adjustment",
        ),
    ]


def _build(transfers: Sequence[CreditTransfer] | None = None, **overrides: Any) -> bytes:
    arguments: dict[str, Any] = {
        "message_id": "RUN-2025-07-0001",
        "created_at": datetime(2025, 7, 10, 9, 30, 15, 123456, tzinfo=CST),
        "initiating_party": "嘉兴市民政局",
        "debtor_name": "嘉兴市民政局社会救助资金专户",
        "debtor_account": "33050163620700000123",
        "requested_execution_date": date(2025, 7, 15),
        "payment_information_id": "RUN-2025-07-0001-P1",
        "transfers": _transfers() if transfers is None else transfers,
    }
    arguments.update(overrides)
    return build_pain001(**arguments)


@pytest.fixture(scope="module")
def schema() -> Any:
    """The official pain.001.001.09 XSD from the sepaxml package, loaded by xmlschema."""
    try:
        xmlschema = importlib.import_module("xmlschema")
        resource = importlib.resources.files(XSD_PACKAGE).joinpath("schemas", XSD_NAME)
    except ModuleNotFoundError as error:
        pytest.fail(
            f"{error.name} is missing: install the dev extras (pip install -e '.[dev]'); "
            "the pain.001 schema tests need sepaxml>=2.7 and xmlschema"
        )
    if not resource.is_file():
        pytest.fail(f"{XSD_PACKAGE} does not ship schemas/{XSD_NAME}; sepaxml>=2.7 is needed")
    with importlib.resources.as_file(resource) as path:
        loaded = xmlschema.XMLSchema(str(path))
    assert loaded.target_namespace == NAMESPACE
    return loaded


def _errors(schema: Any, xml: bytes) -> list[str]:
    return [str(error.reason) for error in schema.iter_errors(io.BytesIO(xml))]


def _root(xml: bytes) -> ET.Element:
    return ET.fromstring(xml)


def test_the_message_is_valid_against_the_official_xsd(schema: Any) -> None:
    """A three-payment run in CNY, with and without a payee bank, validates against the XSD."""
    assert _errors(schema, _build()) == []


def test_a_single_payment_with_long_texts_is_valid_against_the_xsd(schema: Any) -> None:
    """One payment whose name, bank and remittance exceed 140 characters is cut and still valid."""
    long = CreditTransfer(
        end_to_end_id=PAYMENT_IDS[0],
        amount_fen=99_999_999,
        creditor_name="长" * 200,
        creditor_account="1" * 34,
        creditor_agent="银" * 150,
        remittance="r" * 141,
    )
    xml = _build([long], initiating_party="嘉" * 141, debtor_name="x" * 300)
    assert _errors(schema, xml) == []
    tx = _root(xml).find(".//p:CdtTrfTxInf", NS)
    assert tx is not None
    assert tx.findtext("p:Cdtr/p:Nm", namespaces=NS) == "长" * 140
    assert tx.findtext("p:CdtrAgt/p:FinInstnId/p:Nm", namespaces=NS) == "银" * 140
    assert tx.findtext("p:RmtInf/p:Ustrd", namespaces=NS) == "r" * 140


def test_the_xsd_check_really_bites(schema: Any) -> None:
    """Sanity check of the check: a 36-character EndToEndId (a dashed UUID) fails the XSD."""
    xml = _build()
    dashed = PAYMENT_IDS[0].encode()
    tampered = xml.replace(uuid.UUID(PAYMENT_IDS[0]).hex.encode(), dashed, 1)
    assert tampered != xml
    assert _errors(schema, tampered) != []


def test_declaration_and_default_namespace() -> None:
    """The bytes start with the UTF-8 XML declaration and the root is the 09 Document."""
    xml = _build()
    assert xml.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert f'<Document xmlns="{NAMESPACE}">'.encode() in xml
    assert _root(xml).tag == f"{{{NAMESPACE}}}Document"


def test_counts_and_control_sums_are_exact() -> None:
    """1250.00 + 2916.67 + 0.01: NbOfTxs is 3 and CtrlSum is exactly 4166.68, in both blocks."""
    root = _root(_build())
    for block in ("p:CstmrCdtTrfInitn/p:GrpHdr", "p:CstmrCdtTrfInitn/p:PmtInf"):
        assert root.findtext(f"{block}/p:NbOfTxs", namespaces=NS) == "3"
        assert root.findtext(f"{block}/p:CtrlSum", namespaces=NS) == "4166.68"
    amounts = root.findall(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", NS)
    assert [amount.text for amount in amounts] == ["1250.00", "2916.67", "0.01"]
    assert {amount.get("Ccy") for amount in amounts} == {"CNY"}


def test_end_to_end_ids_are_the_payment_ids_without_dashes() -> None:
    """Each EndToEndId is the payment UUID's 32-character hex, which gives the UUID back."""
    root = _root(_build())
    ids = [e.text for e in root.findall(".//p:CdtTrfTxInf/p:PmtId/p:EndToEndId", NS)]
    assert ids == [uuid.UUID(pid).hex for pid in PAYMENT_IDS]
    assert [str(uuid.UUID(str(e2e))) for e2e in ids] == list(PAYMENT_IDS)
    assert all(len(str(e2e)) == 32 for e2e in ids)


def test_end_to_end_id_for_short_and_long_ids() -> None:
    """A UUID in any spelling maps to its hex; a short non-UUID id stays; a long one is refused."""
    hex_form = uuid.UUID(PAYMENT_IDS[0]).hex
    assert end_to_end_id_for(PAYMENT_IDS[0]) == hex_form
    assert end_to_end_id_for(PAYMENT_IDS[0].upper()) == hex_form
    assert end_to_end_id_for(f"{{{PAYMENT_IDS[0]}}}") == hex_form
    assert end_to_end_id_for("PAY-0001") == "PAY-0001"
    with pytest.raises(ValueError, match="at most 35"):
        end_to_end_id_for("P" * 36)


def test_header_debtor_and_dates() -> None:
    """MsgId, CreDtTm with its +08:00 offset, ReqdExctnDt/Dt, TRF, debtor account and agent."""
    root = _root(_build())
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    payment = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert header is not None
    assert payment is not None
    assert header.findtext("p:MsgId", namespaces=NS) == "RUN-2025-07-0001"
    assert header.findtext("p:CreDtTm", namespaces=NS) == "2025-07-10T09:30:15+08:00"
    assert header.findtext("p:InitgPty/p:Nm", namespaces=NS) == "嘉兴市民政局"
    assert payment.findtext("p:PmtInfId", namespaces=NS) == "RUN-2025-07-0001-P1"
    assert payment.findtext("p:PmtMtd", namespaces=NS) == "TRF"
    assert payment.findtext("p:ReqdExctnDt/p:Dt", namespaces=NS) == "2025-07-15"
    assert payment.findtext("p:Dbtr/p:Nm", namespaces=NS) == "嘉兴市民政局社会救助资金专户"
    account = payment.findtext("p:DbtrAcct/p:Id/p:Othr/p:Id", namespaces=NS)
    assert account == "33050163620700000123"
    agent = payment.findtext("p:DbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=NS)
    assert agent == "NOTPROVIDED"


def test_chinese_names_and_payees_survive() -> None:
    """Chinese names, escaped characters, accounts, banks and remittance come back unchanged."""
    xml = _build()
    assert "张三".encode() in xml  # written as UTF-8, not as character references
    txs = _root(xml).findall(".//p:CdtTrfTxInf", NS)
    assert [tx.findtext("p:Cdtr/p:Nm", namespaces=NS) for tx in txs] == [
        "张三",
        "李四 & 王五 <户>",
        "赵六",
    ]
    assert [tx.findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=NS) for tx in txs] == [
        "6226220123456789",
        "6216910012345678901",
        "1204010009000123456",
    ]
    assert [tx.findtext("p:CdtrAgt/p:FinInstnId/p:Nm", namespaces=NS) for tx in txs] == [
        "中国民生银行嘉兴分行",
        None,
        "嘉兴银行",
    ]
    assert txs[1].find("p:CdtrAgt", NS) is None
    assert txs[1].findtext("p:RmtInf/p:Ustrd", namespaces=NS) == "低保 2025-07"


@pytest.mark.parametrize(
    ("fen", "text"),
    [(1, "0.01"), (10, "0.10"), (100, "1.00"), (123_456, "1234.56"), (10**17 - 1, None)],
)
def test_amounts_are_formatted_from_integer_fen(fen: int, text: str | None) -> None:
    """Integer fen become yuan with exactly two decimals, by integer arithmetic (no float)."""
    expected = text if text is not None else f"{(10**17 - 1) // 100}.99"
    transfer = replace(_transfers()[0], amount_fen=fen)
    root = _root(_build([transfer]))
    assert root.findtext(".//p:InstdAmt", namespaces=NS) == expected
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == expected


def test_an_empty_run_is_refused() -> None:
    """An empty transfer list raises ValueError."""
    with pytest.raises(ValueError, match="at least one credit transfer"):
        _build([])


@pytest.mark.parametrize("fen", [0, -1, -125_000])
def test_a_non_positive_amount_is_refused(fen: int) -> None:
    """A zero or negative amount raises ValueError naming the transfer."""
    transfers = _transfers()
    transfers[1] = replace(transfers[1], amount_fen=fen)
    with pytest.raises(ValueError, match=r"transfers\[1\]\.amount_fen must be positive"):
        _build(transfers)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount_fen": 1.5}, "integer number of fen"),
        ({"amount_fen": True}, "integer number of fen"),
        ({"end_to_end_id": PAYMENT_IDS[0].upper()}, "repeats the payment id"),
        ({"end_to_end_id": "X" * 36}, "at most 35"),
        ({"creditor_account": "6226 2201 2345"}, "ASCII digits only"),
        ({"creditor_account": "1" * 35}, "at most 34"),
        ({"creditor_name": "  "}, "creditor_name must not be empty"),
        ({"remittance": "dibao\x00"}, "XML cannot carry"),
    ],
)
def test_a_bad_transfer_is_refused(change: dict[str, Any], message: str) -> None:
    """Float or bool amounts, repeated or too-long ids, bad accounts and bad text raise."""
    transfers = _transfers()
    transfers[2] = replace(transfers[2], **change)
    with pytest.raises(ValueError, match=message):
        _build(transfers)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"message_id": "M" * 36}, "message_id must be at most 35"),
        ({"payment_information_id": ""}, "payment_information_id must not be empty"),
        ({"debtor_account": "9" * 35}, "debtor_account must be at most 34"),
        ({"created_at": datetime(2025, 7, 10, 9, 30)}, "timezone-aware"),
    ],
)
def test_bad_run_details_are_refused(override: dict[str, Any], message: str) -> None:
    """Too-long or empty identifiers and a naive creation time raise ValueError."""
    with pytest.raises(ValueError, match=message):
        _build(**override)


def test_the_same_inputs_give_the_same_bytes() -> None:
    """Builds from equal, freshly made inputs (list or tuple) are byte-for-byte identical."""
    first = _build()
    assert _build() == first
    assert _build(tuple(_transfers())) == first
