"""A PostgreSQL cluster of its own for a test or a benchmark: initdb into a temporary
directory, a free port in 54xx, stopped and started at will, removed afterwards; and a
hot standby of one (pg_basebackup). Tests that stop a server use one of these, never the
machine's server at LEDGER_TEST_POSTGRES_URL (which other test runs share).

It needs PostgreSQL's server programs (initdb, pg_ctl, postgres: Debian's
postgresql-15, found in /usr/lib/postgresql/*/bin, or LEDGER_TEST_PG_BINDIR). PostgreSQL
refuses to run as root, so as root the cluster runs as the `postgres` account; as any
other user it runs as that user. The cluster listens on 127.0.0.1 only, with trust
authentication for the superuser `postgres` (local socket and 127.0.0.1/::1), and its
socket lives in its own directory.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

PORTS = range(5433, 5500)


def server_bindir() -> Path | None:
    """The directory with initdb, pg_ctl and postgres: LEDGER_TEST_PG_BINDIR when set (and
    only it), else the newest /usr/lib/postgresql/N/bin that has all three, else PATH's."""
    wanted = ("initdb", "pg_ctl", "postgres")
    named = os.environ.get("LEDGER_TEST_PG_BINDIR")
    candidates = [Path(named)] if named else []
    versions = Path("/usr/lib/postgresql")
    if not named and versions.is_dir():
        numbered = [p for p in versions.iterdir() if p.name.isdigit()]
        candidates += [p / "bin" for p in sorted(numbered, key=lambda p: -int(p.name))]
    on_path = shutil.which("initdb")
    if not named and on_path:
        candidates.append(Path(on_path).parent)
    for directory in candidates:
        if all(os.access(directory / name, os.X_OK) for name in wanted):
            return directory
    return None


def why_not() -> str | None:
    """None when a private cluster can be made here, else the reason it cannot."""
    if server_bindir() is None:
        return (
            "PostgreSQL's server programs (initdb, pg_ctl, postgres) are not installed "
            "(Debian: apt-get install postgresql-15; or set LEDGER_TEST_PG_BINDIR)"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` account to run PostgreSQL as"
    return None


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}..{PORTS.stop - 1}")


class PrivateCluster:
    """One initdb'd cluster in `home`; `url(database, **query)` for the ledger."""

    def __init__(self, home: Path, bindir: Path, port: int):
        self.home, self.bindir, self.port = home, bindir, port
        self.data = home / "data"
        self.log = home / "postgresql.log"
        self._as: dict[str, Any] = {}
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            self._as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
            os.chown(home, account.pw_uid, account.pw_gid)

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        result = subprocess.run(  # noqa: S603 (PostgreSQL's own programs)
            [str(self.bindir / program), *args],
            cwd=self.home,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C"},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **self._as,
        )
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n{log[-3000:]}"
            )

    def init(self) -> None:
        self._run(
            "initdb",
            "--pgdata",
            str(self.data),
            "--username",
            "postgres",
            "--auth",
            "trust",  # local socket and 127.0.0.1/::1: the tests' own throwaway cluster
            "--encoding",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# scripts/pgcluster.py: a private cluster\n"
                f"port = {self.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.home}'\n"
                "max_connections = 100\n"
            )

    def start(self) -> None:
        self._run(
            "pg_ctl", "start", "--pgdata", str(self.data), "--log", str(self.log), "--wait",
            "--timeout", "60",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """`fast`, as pg_ctlcluster stops a cluster: the sessions are ended, their open
        transactions rolled back, then the server shuts down cleanly."""
        self._run("pg_ctl", "stop", "--pgdata", str(self.data), "--mode", mode, "--wait")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def ready(self) -> bool:
        try:
            with psycopg.connect(self.conninfo("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def conninfo(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} dbname={database} user=postgres"

    def url(self, database: str, **query: str) -> str:
        tail = "&".join(f"{k}={v}" for k, v in query.items())
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}" + (
            f"?{tail}" if tail else ""
        )

    def base_backup_into(self, other: PrivateCluster) -> None:
        """`pg_basebackup -R` of this running cluster into `other`'s data directory, so
        that `other.start()` starts a hot standby streaming from this one (PostgreSQL's
        own streaming replication; initdb's trust lines admit replication from
        127.0.0.1)."""
        other._run(
            "pg_basebackup", "--pgdata", str(other.data), "--host", "127.0.0.1",
            "--port", str(self.port), "--username", "postgres", "--wal-method", "stream",
            "--write-recovery-conf", "--checkpoint", "fast", "--no-sync",
        )  # fmt: skip
        with (other.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# scripts/pgcluster.py: a standby of its own port\n"
                f"port = {other.port}\n"
                f"unix_socket_directories = '{other.home}'\n"
                "hot_standby = on\n"
            )

    def promote(self) -> None:
        """A standby becomes a primary (pg_ctl promote, waiting until it is)."""
        self._run("pg_ctl", "promote", "--pgdata", str(self.data), "--wait")

    def execute(self, database: str, *statements: str) -> None:
        with psycopg.connect(self.conninfo(database), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]


@contextmanager
def private_cluster(standby_of: PrivateCluster | None = None) -> Iterator[PrivateCluster]:
    """A started private cluster until the block ends; then stopped (immediately, if it is
    still running) and its directory removed, however the block ended. With `standby_of`,
    a hot standby of that running cluster (pg_basebackup), streaming from it."""
    problem = why_not()
    if problem is not None:
        raise RuntimeError(problem)
    bindir = server_bindir()
    assert bindir is not None
    home = Path(tempfile.mkdtemp(prefix="ledger-test-pg-"))
    cluster: PrivateCluster | None = None
    try:
        for attempt in range(3):  # another process may take the free port meanwhile
            cluster = PrivateCluster(home, bindir, _free_port())
            if attempt:
                shutil.rmtree(cluster.data, ignore_errors=True)
            if standby_of is None:
                cluster.init()
            else:
                standby_of.base_backup_into(cluster)
            try:
                cluster.start()
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        yield cluster
    finally:
        if cluster is not None and cluster.running():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                cluster.stop("immediate")
        shutil.rmtree(home, ignore_errors=True)
