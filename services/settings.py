"""Every setting of the ledger, read in one place (pydantic-settings).

Each has a default; a wrong value stops start-up with a message naming the
environment variable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from projections.interface import PENDING_SECONDS


class SettingsError(Exception):
    """A setting has a wrong value; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGER_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./ledger-data/ledger.db",
        description="sqlite:///PATH (embedded default) or postgresql://USER:PASSWORD@HOST:PORT/DB",
    )
    replica_url: str | None = Field(
        default=None,
        description="PostgreSQL: a hot standby of the database (streaming replication). "
        "Reads that may go to a replica are served by it; one that carries "
        "X-Ledger-Read-After: POSITION (a write's X-Ledger-Position) only once the "
        "replica's views have reached that position, else by the primary (docs/SCALING.md)",
    )
    ledgers_file: Path | None = Field(
        default=None,
        description="PostgreSQL, a province: a TOML file mapping region codes to ledgers' "
        "databases ([[ledger]] name, regions, database_url, replica_url); every request is "
        "sent to its household's or region's ledger, and LEDGER_DATABASE_URL is not used "
        "(docs/SCALING.md)",
    )
    secret: SecretStr | None = Field(
        default=None,
        description="Key that signs API tokens. Without it a key is created once in the data "
        "folder (development only).",
    )
    id_index_key: SecretStr | None = Field(
        default=None,
        description="Key of the keyed hash (HMAC-SHA256) under which the search view indexes "
        "ID numbers; the view holds no plain number. Without it the key is derived from the "
        "signing key (LEDGER_SECRET), so every process that shares that shares it. Changing "
        "it (or, without it, the signing key): `ledger rebuild search`.",
    )
    cipher_key: SecretStr | None = Field(
        default=None, description="Optional AES-GCM key (base64) to encrypt event payloads."
    )
    data_dir: Path = Field(default=Path("./ledger-data"), description="Where local files go.")
    supervision_hotline: str = Field(
        default="12345",
        min_length=1,
        max_length=40,
        description="The supervision hotline printed on the public list (长期公示).",
    )
    statement_late_days: int = Field(
        default=5,
        ge=0,
        le=366,
        description="Days after a run's execution date (the 1st of its month) after which a "
        "payment sent that no bank statement answered is listed as late for finance.",
    )
    token_ttl_seconds: int = Field(default=8 * 3600, gt=0, le=30 * 24 * 3600)
    snapshot_interval: int = Field(default=100, ge=0, description="0 disables snapshots")
    max_body_bytes: int = Field(default=1_000_000, gt=0)
    projection_interval_seconds: float = Field(default=1.0, gt=0)
    projection_worker: bool = Field(
        default=False,
        description=(
            "True: this process does not catch the views up; a `ledger project` worker "
            "does, and reads wait for it (up to projection_wait_seconds)."
        ),
    )
    projection_wait_seconds: float = Field(default=5.0, gt=0, le=120)
    migrate_on_start: bool = Field(
        default=True,
        description="Create the tables, triggers and the city's standards when the ledger "
        "opens. false where the API runs as an application role that may not (PostgreSQL: "
        "run `ledger migrate --app-role ROLE` as the schema's owner first)",
    )
    db_connect_timeout_seconds: int = Field(
        default=2, ge=1, le=60, description="PostgreSQL: how long to wait for a connection"
    )
    idempotency_pending_seconds: float = Field(
        default=PENDING_SECONDS,
        gt=0,
        description="An Idempotency-Key left pending this long (its request's process died) "
        "answers 'in doubt' instead of 'still running'; it never runs the write again",
    )
    report_font: Path | None = Field(
        default=None,
        description="A TrueType font with Chinese glyphs for the PDF audit report (default: "
        "the first of Debian's CJK fonts installed).",
    )

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if value.startswith("sqlite:///") and len(value) > len("sqlite:///"):
            return value
        if value.startswith(("postgresql://", "postgres://")):
            parsed = urlparse(value)
            if not parsed.hostname or not parsed.path.strip("/"):
                raise ValueError("a postgresql:// URL needs a host and a database name")
            return value
        raise ValueError("must be sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DBNAME")

    @field_validator("replica_url")
    @classmethod
    def _check_replica_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or value == "":
            return None
        if not str(info.data.get("database_url", "")).startswith("postgres"):
            raise ValueError(
                "a replica is PostgreSQL's streaming replication: LEDGER_DATABASE_URL "
                "must be PostgreSQL too"
            )
        parsed = urlparse(value)
        if parsed.scheme not in ("postgresql", "postgres") or not parsed.hostname:
            raise ValueError("must be postgresql://USER:PASSWORD@HOST:PORT/DBNAME (a replica)")
        if not parsed.path.strip("/"):
            raise ValueError("a postgresql:// URL needs a host and a database name")
        return value

    @field_validator("id_index_key")
    @classmethod
    def _check_id_index_key(cls, value: SecretStr | None) -> SecretStr | None:
        """A keyed hash is only as strong as its key: ID numbers are few enough to be
        tried one by one against a short one."""
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (e.g. from secrets.token_urlsafe(48))")
        return value

    @field_validator("cipher_key")
    @classmethod
    def _check_cipher_key(cls, value: SecretStr | None) -> SecretStr | None:
        """An AES key of 16, 24 or 32 bytes in base64 (what the library's AESCipher
        takes), so that a wrong key stops start-up naming the variable rather than with a
        traceback from the cipher."""
        if value is None:
            return None
        try:
            key = base64.b64decode(value.get_secret_value(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(
                'must be base64, e.g. from python -c "from eventsourcing.cipher import '
                'AESCipher; print(AESCipher.create_key(32))"'
            ) from None
        if len(key) not in (16, 24, 32):
            raise ValueError(f"must be an AES key of 16, 24 or 32 bytes, not {len(key)}")
        return value

    def signing_key(self) -> str:
        if self.secret is not None:
            return self.secret.get_secret_value()
        return _key_file(self.data_dir / "secret.key")

    def id_index_secret(self) -> bytes:
        """The key of the search view's ID-number index: LEDGER_ID_INDEX_KEY, or one
        derived from the signing key (HMAC-SHA256 of a label of its own: the two keys
        stay apart, and the processes of one ledger, which share the signing key, share
        this one)."""
        if self.id_index_key is not None:
            return self.id_index_key.get_secret_value().encode()
        return hmac.new(
            self.signing_key().encode(), b"jiaxing-ledger id-index key v1", hashlib.sha256
        ).digest()

    def persistence_env(self) -> dict[str, str]:
        """The eventsourcing library's environment for the configured database."""
        url = self.database_url
        env: dict[str, str] = {"LEDGER_SNAPSHOT_INTERVAL": str(self.snapshot_interval)}
        if not self.migrate_on_start:
            env["CREATE_TABLE"] = "n"  # the library's and the views' tables
        if url.startswith("sqlite:///"):
            path = Path(url[len("sqlite:///") :])
            path.parent.mkdir(parents=True, exist_ok=True)
            env |= {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(path),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        else:
            parsed = urlparse(url)
            query = parse_qs(parsed.query)
            env |= {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": parsed.path.lstrip("/"),
                "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
                "POSTGRES_PORT": str(parsed.port or 5432),
                "POSTGRES_USER": unquote(parsed.username or "postgres"),
                "POSTGRES_PASSWORD": unquote(parsed.password or ""),
                "POSTGRES_POOL_SIZE": query.get("pool_size", ["10"])[0],
                "POSTGRES_MAX_OVERFLOW": query.get("max_overflow", ["10"])[0],
                "POSTGRES_CONNECT_TIMEOUT": str(self.db_connect_timeout_seconds),
                # A retried insert that finds its rows committed is in doubt, not a conflict.
                "APPLICATION_RECORDER_TOPIC": "projections.postgres:LedgerEventRecorder",
            }
            if "schema" in query:
                env["POSTGRES_SCHEMA"] = query["schema"][0]
        if self.cipher_key is not None:
            env |= {
                "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
                "CIPHER_KEY": self.cipher_key.get_secret_value(),
            }
        return env


def _key_file(path: Path) -> str:
    """A random key kept in `path` (created once, readable by its owner only)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # created meanwhile by another process
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def load_settings() -> Settings:
    """Read the settings or stop with a message naming the wrong variable."""
    try:
        return Settings()
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            name = "LEDGER_" + "_".join(str(p) for p in problem["loc"]).upper()
            lines.append(f"{name}: {problem['msg']}")
        raise SettingsError("; ".join(lines)) from None
