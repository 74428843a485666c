"""The search view's rules (projections/search.py, docs/WORKSPACE.md): the keyed hash of
an ID number, how names, addresses and fragments are normalised and cut into grams,
what a query asks, the region range, the key setting and the caseworker's assignment
on the aggregate."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from pathlib import Path

import pytest

from domain.errors import ConflictError, InvalidInputError
from domain.household import Household
from projections import search as view
from services.settings import Settings, SettingsError, load_settings
from services.workspace import parse_query

KEY = b"jiaxing-test-key-jiaxing-test-key-0123"


def test_the_id_hash_is_hmac_sha256_of_the_canonical_number_under_the_key():
    """Test vectors from `openssl dgst -sha256 -hmac KEY`."""
    assert (
        view.id_hash(KEY, "330402198001010022")
        == "38b7dca65cbffaa0adc73e8e2e38036e56c46361e7ffe8d49823ad6db5e01ac4"
    )
    expected = "f621a0368f6a8dbc3c913a79222e82663f75d9991ad84a497c715dfe3f9b10e9"
    assert view.id_hash(KEY, "11010519491231002X") == expected
    assert view.id_hash(KEY, " 11010519491231002x ") == expected  # the canonical form
    assert view.id_hash(b"another-key-another-key-another-key", "11010519491231002X") != expected


def test_names_and_addresses_are_compared_folded_to_letters_and_digits():
    assert view.normalise("张 三") == "张三"
    assert view.normalise("阿依古丽·买买提") == "阿依古丽买买提"  # the middle dot
    assert view.normalise("Anne-Marie") == "annemarie"
    assert view.normalise("ＡＢＣ１２３号") == "abc123号"  # full-width (NFKC), case folded
    assert view.normalise("南湖路 12-3 号（东）") == "南湖路123号东"
    assert view.normalise(" ·-、 ") == ""


def test_a_text_is_indexed_by_its_bigrams_in_order_then_each_character_once():
    assert view.grams("南湖路1") == "南湖 湖路 路1 南 湖 路 1"
    assert view.grams("哈哈哈") == "哈哈 哈哈 哈"
    assert view.grams("张") == "张"
    assert view.grams("") == ""


def test_a_fragment_is_found_by_its_bigrams_or_its_one_character():
    assert view.fragment_grams("张") == ["张"]
    assert view.fragment_grams("张三") == ["张三"]
    assert view.fragment_grams("南湖路") == ["南湖", "湖路"]
    assert view.fts_phrase("南湖路") == '"南湖 湖路"'
    assert view.fts_phrase("张") == '"张"'
    assert view.fts_query("name", "张三") == '{name_grams} : "张三"'
    assert view.fts_query("text", "南湖路") == '{name_grams address_grams} : "南湖 湖路"'


def test_a_query_is_an_id_number_only_when_it_is_one():
    found = parse_query("330402198001010022", "auto", KEY)
    assert found.by == "id_number" and found.shown == "330402********0022"
    assert found.params == {"id_hash": view.id_hash(KEY, "330402198001010022")}
    assert "330402198001010022" not in repr(found.params)
    text = parse_query(" 张三 ", "auto", KEY)
    assert (text.by, text.norm, text.shown) == ("text", "张三", "张三")
    assert text.params == {
        "match": '{name_grams address_grams} : "张三"',
        "gram_list": "张三",
        "norm": "张三",
    }
    assert parse_query("南湖", "address", KEY).by == "address"
    assert parse_query("3304021980", "auto", KEY).by == "text"  # a part of a number
    assert parse_query(None, "auto", KEY).by is None  # the filters alone


@pytest.mark.parametrize(
    ("q", "by", "field", "words"),
    [
        ("330402198001010023", "auto", "q", "check digit"),
        ("330402198013010022", "id_number", "q", "birth date"),
        ("张三", "id_number", "q", "18-character"),
        ("·、", "name", "q", "letter or a digit"),
        ("", "name", "q", "must be given"),
        ("张三", "phone", "by", "must be one of"),
    ],
)
def test_a_query_that_cannot_be_what_it_says_is_refused_naming_the_field(q, by, field, words):
    with pytest.raises(InvalidInputError) as refused:
        parse_query(q, by, KEY)
    assert refused.value.field == field and words in refused.value.message


def test_a_region_is_a_range_of_codes():
    assert view.region_range("330402") == ("330402", "330403")
    assert view.region_range("330409") == ("330409", "330410")
    assert view.region_range("330402001") == ("330402001", "330402002")
    assert view.region_range("3304") == ("3304", "3305")  # the city's households


def test_the_index_key_is_a_setting_or_derived_from_the_signing_key(tmp_path: Path, monkeypatch):
    given = Settings(id_index_key="k" * 32, secret="s" * 40, data_dir=tmp_path)
    assert given.id_index_secret() == b"k" * 32
    derived = Settings(secret="s" * 40, data_dir=tmp_path).id_index_secret()
    label = b"jiaxing-ledger id-index key v1"
    assert derived == hmac.new(b"s" * 40, label, hashlib.sha256).digest()
    assert derived != Settings(secret="t" * 40, data_dir=tmp_path).id_index_secret()
    # Without LEDGER_SECRET: from the development signing key kept in the data folder.
    made = Settings(data_dir=tmp_path)
    assert (
        made.id_index_secret()
        == hmac.new(
            (tmp_path / "secret.key").read_text().strip().encode(), label, hashlib.sha256
        ).digest()
    )
    monkeypatch.setenv("LEDGER_ID_INDEX_KEY", "short")
    with pytest.raises(SettingsError, match=r"LEDGER_ID_INDEX_KEY: .*at least 32 characters"):
        load_settings()


def _household() -> Household:
    return Household.register(
        region_code="330402",
        residence="urban",
        address="南湖路1号",
        registered_on=date(2025, 1, 1),
        actor="cw-zhang",
    )


def test_an_assignment_records_the_new_caseworker_and_the_one_before():
    household = _household()
    assert household.caseworker_assigned() is None  # the registration's actor is
    assert household.assign_caseworker(
        "cw-li", on=date(2025, 3, 1), reason="片区调整", actor="ap", registered_by="cw-zhang"
    )
    event = household.pending_events[-1]
    assert isinstance(event, Household.CaseworkerAssigned)
    assert (event.caseworker, event.previous, event.reason, event.effective_on) == (
        "cw-li",
        "cw-zhang",
        "片区调整",
        date(2025, 3, 1),
    )
    assert household.caseworker_assigned() == "cw-li"
    # The same one again: nothing; the registrar named at registration: nothing either.
    assert not household.assign_caseworker(
        "cw-li", on=date(2025, 4, 1), reason="", actor="ap", registered_by="cw-zhang"
    )
    assert not _household().assign_caseworker(
        "cw-zhang", on=date(2025, 1, 1), reason="", actor="cw-zhang", registered_by="cw-zhang"
    )


@pytest.mark.parametrize(
    ("name", "on", "error", "field"),
    [
        ("", date(2025, 5, 1), InvalidInputError, "caseworker"),
        ("x" * 101, date(2025, 5, 1), InvalidInputError, "caseworker"),
        ("cw-wu", date(2024, 12, 31), InvalidInputError, "on"),  # before registration
        ("cw-wu", date(2025, 2, 28), ConflictError, "on"),  # before the current one
    ],
)
def test_an_assignment_that_breaks_a_rule_records_nothing(name, on, error, field):
    household = _household()
    household.assign_caseworker(
        "cw-li", on=date(2025, 3, 1), reason="", actor="ap", registered_by="cw-zhang"
    )
    version = household.version
    with pytest.raises(error) as refused:
        household.assign_caseworker(name, on=on, reason="", actor="ap", registered_by="cw-zhang")
    assert refused.value.field == field
    assert household.version == version
