"""Static checks of the deployment files (Dockerfile, docker-compose.yml, init SQL).

No Docker engine is needed: the files are read and cross-checked against the
repository and the application's own settings. docker-compose.yml is read with
PyYAML (a dev dependency).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
DOCKERIGNORE = ROOT / ".dockerignore"
PYPROJECT = ROOT / "pyproject.toml"


def interpolate(value: str) -> str:
    """Resolve compose `${VAR:-default}` to its default; `${VAR:?msg}` must stay required."""

    def replace(match: re.Match[str]) -> str:
        if match.group(2) != ":-":
            raise AssertionError(f"{match.group(0)} has no default")
        return match.group(3)

    return re.sub(r"\$\{([A-Z0-9_]+)(:-|:\?)([^}]*)\}", replace, value)


# --- a minimal Dockerfile reader ------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "Dockerfile ends in a line continuation"
    result = []
    for line in logical:
        instruction, _, arguments = line.partition(" ")
        result.append((instruction.upper(), arguments.strip()))
    return result


def exec_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), arguments
    return value


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    return tomllib.loads(PYPROJECT.read_text())


# --- docker-compose.yml ---------------------------------------------------------------


def test_compose_has_no_obsolete_version_key_and_both_services(compose: dict[str, Any]) -> None:
    """The compose file has no obsolete `version:` key and defines the db and api services."""
    assert "version" not in compose
    assert {"db", "api"} <= set(compose["services"])


def test_migrate_runs_as_the_owner_and_grants_the_app_role(compose: dict[str, Any]) -> None:
    """The one-shot migrate service connects to the db service's database as its owner
    (POSTGRES_USER) and runs `ledger migrate --app-role ledger_app`, a command the CLI has."""
    services = compose["services"]
    db_env = services["db"]["environment"]
    migrate = services["migrate"]
    url = interpolate(migrate["environment"]["LEDGER_DATABASE_URL"])
    env = Settings(database_url=url).persistence_env()
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("db", "5432")
    assert env["POSTGRES_DBNAME"] == db_env["POSTGRES_DB"]
    assert env["POSTGRES_USER"] == db_env["POSTGRES_USER"]
    assert env["POSTGRES_PASSWORD"] == interpolate(db_env["POSTGRES_PASSWORD"])
    assert migrate["command"] == ["ledger", "migrate", "--app-role", "ledger_app"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert migrate["restart"] == "no"

    from scripts.cli import cli

    assert "migrate" in {c.name or c.callback.__name__ for c in cli.registered_commands}


def test_api_runs_as_the_app_role_after_the_migration(compose: dict[str, Any]) -> None:
    """The api connects as ledger_app (the role the init script creates, with its default
    password), does not migrate on start, and starts only once migrate has succeeded."""
    api = compose["services"]["api"]
    url = interpolate(api["environment"]["LEDGER_DATABASE_URL"])
    settings = Settings(
        database_url=url, migrate_on_start=api["environment"]["LEDGER_MIGRATE_ON_START"]
    )
    env = settings.persistence_env()
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("ledger_app", "ledger_app")
    assert env["POSTGRES_DBNAME"] == compose["services"]["db"]["environment"]["POSTGRES_DB"]
    assert settings.migrate_on_start is False and env["CREATE_TABLE"] == "n"
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    sql = (ROOT / "docker/initdb/10-ledger-role.sql").read_text()
    assert re.search(r"CREATE ROLE ledger_app LOGIN PASSWORD 'ledger_app'", sql)


def test_api_secret_is_required_not_defaulted(compose: dict[str, Any]) -> None:
    """LEDGER_SECRET comes from the operator's environment with `:?`, so `docker compose up`
    refuses to start without it instead of falling back to a development key."""
    secret = compose["services"]["api"]["environment"]["LEDGER_SECRET"]
    assert re.fullmatch(r"\$\{LEDGER_SECRET:\?[^}]+\}", secret), secret


def test_api_waits_for_a_healthy_db(compose: dict[str, Any]) -> None:
    """The api depends on db with condition service_healthy, and db has a pg_isready
    healthcheck for the owner user and the ledger database."""
    services = compose["services"]
    assert services["api"]["depends_on"]["db"]["condition"] == "service_healthy"
    db_env = services["db"]["environment"]
    check = " ".join(services["db"]["healthcheck"]["test"])
    assert "pg_isready" in check
    assert f"-U {db_env['POSTGRES_USER']}" in check
    assert f"-d {db_env['POSTGRES_DB']}" in check


def test_api_publishes_port_8000_and_is_built_from_this_repo(compose: dict[str, Any]) -> None:
    """The api service is built from the repository root and publishes container port 8000
    on host port 8000, the port the Dockerfile exposes."""
    api = compose["services"]["api"]
    assert api["build"] == "."
    assert "8000:8000" in api["ports"]
    exposed = [args for name, args in dockerfile_instructions() if name == "EXPOSE"]
    assert exposed == ["8000"]


def test_db_data_is_on_a_declared_named_volume(compose: dict[str, Any]) -> None:
    """PostgreSQL's data directory is mounted from a named volume declared at top level."""
    mounts = [v.split(":") for v in compose["services"]["db"]["volumes"]]
    sources = [m[0] for m in mounts if m[1] == "/var/lib/postgresql/data"]
    assert len(sources) == 1
    assert not sources[0].startswith((".", "/")), "expected a named volume, not a bind mount"
    assert sources[0] in compose["volumes"]


def test_init_sql_mounted_into_initdb_exists_and_creates_the_app_role(
    compose: dict[str, Any],
) -> None:
    """The init script bind-mounted into /docker-entrypoint-initdb.d/ exists in the repository,
    is a .sql file, creates the ledger_app login role and grants it CONNECT on the database."""
    mounts = [v.split(":") for v in compose["services"]["db"]["volumes"]]
    init = [m for m in mounts if m[1] == "/docker-entrypoint-initdb.d/10-ledger-role.sql"]
    assert len(init) == 1
    source = init[0][0]
    assert source.startswith("./")
    path = ROOT / source
    assert path.is_file(), f"{source} is missing"
    assert path.suffix == ".sql"

    sql = re.sub(r"--[^\n]*", "", path.read_text())
    database = compose["services"]["db"]["environment"]["POSTGRES_DB"]
    assert re.search(r"CREATE ROLE ledger_app\b[^;]*\bLOGIN\b", sql, re.IGNORECASE)
    assert re.search(rf"GRANT CONNECT ON DATABASE {database} TO ledger_app\s*;", sql, re.IGNORECASE)
    assert re.search(r"GRANT USAGE ON SCHEMA public TO ledger_app\s*;", sql, re.IGNORECASE)
    assert re.search(
        r"ALTER DEFAULT PRIVILEGES FOR ROLE "
        + compose["services"]["db"]["environment"]["POSTGRES_USER"]
        + r" IN SCHEMA public\s+GRANT USAGE ON SEQUENCES TO ledger_app\s*;",
        sql,
        re.IGNORECASE,
    )
    assert not re.search(r"GRANT[^;]*\b(UPDATE|DELETE|TRUNCATE)\b[^;]*ledger_events", sql, re.I)


def test_the_replica_is_a_hot_standby_of_db_made_by_pg_basebackup(compose: dict[str, Any]) -> None:
    """The replica service makes itself a standby of db (pg_basebackup -R, as
    tests/e2e/test_replica.py does with real clusters) as the replication role that db's
    init script creates and admits in pg_hba.conf, with the same password on both sides."""
    services = compose["services"]
    db, replica = services["db"], services["replica"]
    mounts = dict(v.split(":")[:2] for v in db["volumes"])
    init = ROOT / next(s for s, t in mounts.items() if t.endswith("20-replication.sh"))
    script = init.read_text()
    assert re.search(r"CREATE ROLE replicator WITH REPLICATION LOGIN", script)
    assert 'echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"' in script
    assert os.access(init, os.X_OK)
    entry_mounts = dict(v.split(":")[:2] for v in replica["volumes"])
    [entry] = [s for s, t in entry_mounts.items() if t == replica["entrypoint"][0]]
    entrypoint = (ROOT / entry).read_text()
    for flag in (
        "--host=db",
        "--username=replicator",
        "--write-recovery-conf",
        "--wal-method=stream",
    ):
        assert flag in entrypoint
    assert "exec postgres -c hot_standby=on" in entrypoint and os.access(ROOT / entry, os.X_OK)
    assert (
        replica["environment"]["PGPASSWORD"] == db["environment"]["LEDGER_DB_REPLICATION_PASSWORD"]
    )
    assert replica["depends_on"]["db"]["condition"] == "service_healthy"
    assert any(v.startswith("ledger-replica-data:") for v in replica["volumes"])
    assert "ledger-replica-data" in compose["volumes"]


def test_the_api_reads_from_the_replica_and_leaves_the_views_to_the_worker(
    compose: dict[str, Any],
) -> None:
    """Two API processes behind port 8000 with LEDGER_PROJECTION_WORKER=true and
    LEDGER_REPLICA_URL on the replica service; one `ledger project` worker on the primary;
    every URL valid for the ledger's own settings."""
    services = compose["services"]
    api, worker = services["api"], services["worker"]
    assert api["command"][:2] == ["ledger", "serve"]
    assert api["command"][api["command"].index("--workers") + 1] == "2"
    env = {k: interpolate(v) for k, v in api["environment"].items() if k != "LEDGER_SECRET"}
    settings = Settings(
        database_url=env["LEDGER_DATABASE_URL"],
        replica_url=env["LEDGER_REPLICA_URL"],
        projection_worker=env["LEDGER_PROJECTION_WORKER"],
    )
    assert settings.projection_worker is True
    assert settings.replica_url is not None and "@replica:5432/ledger" in settings.replica_url
    assert api["depends_on"]["replica"]["condition"] == "service_healthy"
    assert worker["command"] == ["ledger", "project"]
    assert interpolate(worker["environment"]["LEDGER_DATABASE_URL"]) == env["LEDGER_DATABASE_URL"]
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    from scripts.cli import cli

    names = {c.name or c.callback.__name__ for c in cli.registered_commands}
    assert {"serve", "project"} <= names


def test_the_province_profile_runs_two_county_ledgers_behind_one_service(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`docker compose --profile province up`: the ledgers file read as each service
    reads it (its LEDGER_DB_USER and password in the URLs) gives two county ledgers in the
    schemas the init script creates, replicas on the standby; migrate-province as the
    owner, the API and the worker as ledger_app; the API on 8001."""
    from services.province import read_ledgers_file

    services = compose["services"]
    init = (ROOT / "docker/initdb/30-county-ledgers.sql").read_text()
    for schema in ("nanhu", "xiuzhou"):
        assert f"CREATE SCHEMA {schema} AUTHORIZATION ledger_owner;" in init
    assert "./docker/initdb/30-county-ledgers.sql:/docker-entrypoint-initdb.d/" in " ".join(
        services["db"]["volumes"]
    )
    users = {}
    for name in ("migrate-province", "worker-province", "api-province"):
        service = services[name]
        assert service["profiles"] == ["province"]
        [mount] = [v for v in service["volumes"] if v.endswith(":/etc/ledger/ledgers.toml:ro")]
        path = ROOT / mount.split(":")[0]
        env = service["environment"]
        assert env["LEDGER_LEDGERS_FILE"] == "/etc/ledger/ledgers.toml"
        monkeypatch.setenv("LEDGER_DB_USER", env["LEDGER_DB_USER"])
        monkeypatch.setenv("LEDGER_DB_PASSWORD", interpolate(env["LEDGER_DB_PASSWORD"]))
        specs = read_ledgers_file(path, Settings())
        assert [(s.name, s.regions) for s in specs] == [
            ("nanhu", ("330402",)),
            ("xiuzhou", ("330411",)),
        ]
        for spec in specs:
            url = spec.settings.database_url
            assert url.endswith(f"@db:5432/ledger?schema={spec.name}")
            assert spec.settings.replica_url == url.replace("@db:", "@replica:")
        users[name] = specs[0].settings.persistence_env()["POSTGRES_USER"]
    assert users == {
        "migrate-province": "ledger_owner",
        "worker-province": "ledger_app",
        "api-province": "ledger_app",
    }
    assert services["migrate-province"]["command"] == [
        "ledger",
        "migrate",
        "--app-role",
        "ledger_app",
    ]
    assert services["worker-province"]["command"] == ["ledger", "project"]
    api = services["api-province"]
    assert api["ports"] == ["8001:8000"] and "--workers" in api["command"]
    assert api["environment"]["LEDGER_PROJECTION_WORKER"] == "true"
    assert api["depends_on"]["migrate-province"]["condition"] == "service_completed_successfully"


# --- Dockerfile -----------------------------------------------------------------------


def test_dockerfile_cmd_serves_on_all_interfaces_port_8000() -> None:
    """The image's CMD (exec form) runs `ledger serve --host 0.0.0.0 --port 8000`."""
    cmds = [args for name, args in dockerfile_instructions() if name == "CMD"]
    assert len(cmds) == 1
    command = exec_form(cmds[0])
    assert command[:2] == ["ledger", "serve"]
    options = dict(zip(command[2::2], command[3::2], strict=True))
    assert options == {"--host": "0.0.0.0", "--port": "8000"}


def test_dockerfile_cmd_script_is_a_declared_console_script(pyproject: dict[str, Any]) -> None:
    """The program named in CMD is declared in [project.scripts] and its entry point imports
    to a callable."""
    cmd = next(args for name, args in dockerfile_instructions() if name == "CMD")
    program = exec_form(cmd)[0]
    scripts = pyproject["project"]["scripts"]
    assert program in scripts
    module, _, attribute = scripts[program].partition(":")
    assert callable(getattr(importlib.import_module(module), attribute))


def test_dockerfile_installs_the_project_with_pip_without_dev_extras() -> None:
    """A RUN step does `pip install --no-cache-dir .` of the project itself, without extras."""
    runs = [args for name, args in dockerfile_instructions() if name == "RUN"]
    installs = [
        shlex.split(step)
        for run in runs
        for step in re.split(r"&&|;", run)
        if re.search(r"\bpip install\b", step)
    ]
    assert installs, "no pip install in the Dockerfile"
    for words in installs:
        targets = [w for w in words[words.index("install") + 1 :] if not w.startswith("-")]
        assert targets == ["."], words
        assert "--no-cache-dir" in words


def test_dockerfile_runs_as_non_root_user_ledger() -> None:
    """The last USER instruction switches to `ledger` (not root / UID 0), after the pip
    install, and the base image is python:3.11's slim variant with WORKDIR /app."""
    instructions = dockerfile_instructions()
    names = [name for name, _ in instructions]
    users = [(i, args) for i, (name, args) in enumerate(instructions) if name == "USER"]
    assert users, "no USER instruction: the server would run as root"
    position, user = users[-1]
    assert user.split(":")[0] == "ledger"
    assert user.split(":")[0] not in {"root", "0"}
    last_install = max(
        i for i, (name, args) in enumerate(instructions) if name == "RUN" and "pip install" in args
    )
    assert position > last_install
    assert instructions[0][0] == "FROM"
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim-[a-z]+", instructions[0][1])
    assert ("WORKDIR", "/app") in instructions
    assert names.count("CMD") == 1


def test_dockerfile_data_dir_and_healthcheck() -> None:
    """LEDGER_DATA_DIR is /app/ledger-data, and the HEALTHCHECK GETs the API's /health route
    on 127.0.0.1:8000 with python's urllib; that route exists in the app."""
    instructions = dockerfile_instructions()
    envs = " ".join(args for name, args in instructions if name == "ENV")
    assert re.search(r"(?:^|\s)LEDGER_DATA_DIR=/app/ledger-data(?:\s|$)", envs)

    checks = [args for name, args in instructions if name == "HEALTHCHECK"]
    assert len(checks) == 1
    command = exec_form(checks[0][checks[0].index("CMD") + len("CMD") :].strip())
    assert command[:2] == ["python", "-c"]
    assert "urllib.request.urlopen" in command[2]
    assert "'http://127.0.0.1:8000/health'" in command[2]

    from api.routers.health import router

    assert "/health" in {getattr(route, "path", None) for route in router.routes}


def test_every_dockerfile_copy_source_exists(pyproject: dict[str, Any]) -> None:
    """Every path the Dockerfile COPYs exists in the repository, is not excluded by
    .dockerignore, and together they cover pyproject's readme and every package it builds."""
    sources: list[str] = []
    for name, args in dockerfile_instructions():
        if name in {"COPY", "ADD"}:
            words = [w for w in shlex.split(args) if not w.startswith("--")]
            assert name == "COPY", "use COPY, not ADD"
            assert len(words) >= 2, args
            sources += words[:-1]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"

    ignored = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    copied = {s.rstrip("/") for s in sources}
    assert not copied & ignored

    project = pyproject["project"]
    packages = pyproject["tool"]["setuptools"]["packages"]
    assert project["readme"] in copied
    assert "pyproject.toml" in copied
    assert {p.split(".")[0] for p in packages} <= copied


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    """.dockerignore excludes the virtualenv, git metadata, local ledger data, caches and
    benchmark reports."""
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    expected = {
        ".venv",
        ".git",
        "ledger-data",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        "bench-report*.json",
    }
    assert expected <= patterns
    assert patterns & {"__pycache__", "**/__pycache__"}


def test_the_image_has_the_postgresql_client_of_the_servers_major_version(
    compose: dict[str, Any],
) -> None:
    """`ledger backup` and `ledger restore` run pg_dump, pg_restore and psql inside the
    image: it installs postgresql-client of the compose database's major version."""
    installs = " ".join(
        args for name, args in dockerfile_instructions() if name == "RUN" and "apt-get" in args
    )
    major = compose["services"]["db"]["image"].split(":")[1].split(".")[0].split("-")[0]
    assert f"postgresql-client-{major}" in installs.split()


# The PostgreSQL major version each Debian release's own archive carries (the only
# postgresql-client-N its apt-get can install without the PGDG repository).
DEBIAN_POSTGRESQL = {"bullseye": "13", "bookworm": "15", "trixie": "17"}


def test_the_base_image_pins_a_debian_release_whose_archive_has_the_client(
    compose: dict[str, Any],
) -> None:
    """Issue 22: the bare python:3.11-slim tag moved to a Debian release without
    postgresql-client-15. The base image's tag names its Debian release, that release's
    archive carries the postgresql-client the image installs, and its major version is the
    one of the compose database's image, whose tag is pinned to a major version (and
    release) too, never a floating `latest`."""
    base = next(args for name, args in dockerfile_instructions() if name == "FROM")
    image, _, tag = base.partition(":")
    assert image == "python" and "@" not in tag, base
    release = tag.rsplit("-", 1)[-1]
    assert release in DEBIAN_POSTGRESQL, f"{base} names no known Debian release"
    installs = " ".join(
        args for name, args in dockerfile_instructions() if name == "RUN" and "apt-get" in args
    )
    clients = re.findall(r"\bpostgresql-client-(\d+)\b", installs)
    assert clients == [DEBIAN_POSTGRESQL[release]], (base, clients)

    db_image, _, db_tag = compose["services"]["db"]["image"].partition(":")
    assert db_image == "postgres"
    assert re.fullmatch(r"\d+(\.\d+)?-[a-z]+", db_tag), f"postgres:{db_tag} is not pinned"
    assert db_tag.split("-")[0].split(".")[0] == clients[0]
    assert db_tag.rsplit("-", 1)[-1] in DEBIAN_POSTGRESQL


def test_every_dependency_has_a_compatible_range(pyproject: dict[str, Any]) -> None:
    """Issue 2 "pin compatible version ranges": every runtime and dev dependency has a
    lower and an upper bound, so a new major release cannot break an install."""
    from packaging.requirements import Requirement

    deps = list(pyproject["project"]["dependencies"])
    for group in pyproject["project"]["optional-dependencies"].values():
        deps += group
    for text in deps:
        requirement = Requirement(text)
        operators = {spec.operator for spec in requirement.specifier}
        assert operators & {">=", "~=", "=="}, f"{text}: no lower bound"
        assert operators & {"<", "~=", "=="}, f"{text}: no upper bound"


def test_every_web_template_and_stylesheet_is_package_data(pyproject: dict[str, Any]) -> None:
    """The web pages' templates and stylesheet ship in the wheel: every file under
    api/web/templates and api/web/static belongs to a listed package whose package-data
    patterns match it, and each such directory is listed as a package of its own (setuptools
    warns about importable data directories left out of `packages`, and may drop them)."""
    from fnmatch import fnmatch

    setuptools = pyproject["tool"]["setuptools"]
    packages, data = set(setuptools["packages"]), setuptools["package-data"]
    files = [p for d in ("templates", "static") for p in (ROOT / "api/web" / d).iterdir()]
    assert any(p.suffix == ".html" for p in files) and any(p.suffix == ".css" for p in files)
    for path in files:
        package = ".".join(path.parent.relative_to(ROOT).parts)
        assert package in packages, f"{package} is not in [tool.setuptools] packages"
        assert any(fnmatch(path.name, pattern) for pattern in data.get(package, [])), path
