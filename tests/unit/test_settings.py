"""Settings: a wrong value stops start-up with a message naming the variable (API.md)."""

from __future__ import annotations

import base64

import pytest
from eventsourcing.cryptography import AESCipher
from typer.testing import CliRunner

from scripts.cli import cli
from services.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        ("not base64!", "must be base64"),
        ("abc", "must be base64"),  # bad padding: the cipher's "Incorrect padding"
        (base64.b64encode(b"k" * 20).decode(), "16, 24 or 32 bytes, not 20"),
    ],
)
def test_a_malformed_cipher_key_is_refused_naming_the_variable(key, rule, monkeypatch, tmp_path):
    """LEDGER_CIPHER_KEY must be an AES key of 16, 24 or 32 bytes in base64: otherwise the
    settings are refused naming the variable and the rule, `ledger verify` exits 2 with
    that message (no traceback), and no database is created."""
    database = tmp_path / "ledger.db"
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("LEDGER_CIPHER_KEY", key)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith("LEDGER_CIPHER_KEY: ") and rule in str(caught.value)
    result = CliRunner().invoke(cli, ["verify"])
    assert result.exit_code == 2
    assert "LEDGER_CIPHER_KEY" in result.output and "Traceback" not in result.output
    assert not database.exists()


def test_a_well_formed_cipher_key_is_accepted(monkeypatch, tmp_path):
    """A key made by the library's own AESCipher.create_key passes."""
    monkeypatch.setenv("LEDGER_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    key = AESCipher.create_key(32)
    monkeypatch.setenv("LEDGER_CIPHER_KEY", key)
    assert load_settings().persistence_env()["CIPHER_KEY"] == key


@pytest.mark.parametrize(
    ("database", "replica", "rule"),
    [
        ("sqlite:///x.db", "postgresql://postgres@127.0.0.1:5433/ledger", "must be PostgreSQL"),
        ("postgresql://postgres@127.0.0.1/ledger", "mysql://h/d", "must be postgresql://"),
        ("postgresql://postgres@127.0.0.1/ledger", "postgresql://h", "needs a host and a database"),
    ],
)
def test_a_replica_url_is_checked_naming_the_variable(database, replica, rule, monkeypatch):
    """LEDGER_REPLICA_URL (docs/SCALING.md): a PostgreSQL standby of a PostgreSQL ledger."""
    monkeypatch.setenv("LEDGER_DATABASE_URL", database)
    monkeypatch.setenv("LEDGER_REPLICA_URL", replica)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith("LEDGER_REPLICA_URL: ") and rule in str(caught.value)
