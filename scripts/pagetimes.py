"""How fast the web workspace's pages load on the demo city (docs/WEB.md).

    python -m scripts.pagetimes                    # a fresh demo city of 1,000 households
    python -m scripts.pagetimes --database-url URL # a ledger that already holds one
                                                   # (LEDGER_SECRET: the one it was built with)

Builds the demo city (`ledger demo`) in a scratch SQLite file unless given a ledger,
starts `ledger serve` on it, signs in with a cookie as each page's role, fetches each
page `--runs` times after one warm-up and prints the median and p95 per page against
the 300 ms budget. A measurement, not a test: it never fails a build.
"""

from __future__ import annotations

import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.table import Table

from api.auth import issue_token
from api.web.session import COOKIE
from scripts.loadgen import served

BUDGET_MS = 300
ROOT = Path(__file__).resolve().parents[1]
out = Console(width=150)


def _pages(
    household: str, applied: tuple[str, str], decided: tuple[str, str], id_number: str
) -> list[tuple[str, str]]:
    """(role, path): every page, on the demo city's year (2025) where it has a date;
    `applied` an application on the path and `decided` a decided one (household, id),
    `id_number` a member's. A role may name its user (`caseworker:caseworker01`, one of
    the demo city's responsible caseworkers, whose work and households "my work" lists)."""
    on_path = f"/ui/households/{applied[0]}/applications/{applied[1]}"
    done = f"/ui/households/{decided[0]}/applications/{decided[1]}"
    return [
        ("approver", "/ui"),
        ("approver", "/ui/supervision"),
        ("approver", "/ui/supervision?as_of=2025-12-31"),
        (
            "approver",
            "/ui/supervision/shortfall?metric=visit_rate&region=330402&as_of=2025-12-31",
        ),
        (
            "approver",
            "/ui/supervision/shortfall?metric=job_referrals_per_unemployed_member"
            "&region=330402&as_of=2025-12-31",
        ),
        (
            "approver",
            "/ui/supervision/shortfall?metric=medical_comprehensive_coverage_rate"
            "&region=330402&as_of=2025-12-31",
        ),
        ("finance", "/ui/payments"),
        ("approver", "/ui/medical/relief?year=2025"),
        ("caseworker", "/ui/visits/overdue?on=2025-12-31"),
        ("caseworker", "/ui/warnings?on=2025-12-31"),
        ("caseworker", f"/ui/households/{household}?year=2025"),
        ("finance", f"/ui/households/{household}?year=2025"),
        ("caseworker", f"/ui/households/{household}/visit"),
        ("caseworker", f"/ui/households/{household}/medical-bill"),
        ("auditor", f"/ui/audit/households/{household}?as_of=2025-06-30"),
        ("auditor", f"/ui/audit/households/{household}/report?format=html"),
        ("auditor", f"/ui/audit/households/{household}/report?format=pdf"),
        # the workspace (issue 17)
        ("approver", "/ui/applications"),
        ("approver", "/ui/applications?stage=noticed&region=330402"),
        ("caseworker", "/ui/households/new"),
        ("caseworker", f"/ui/households/{household}/do/member"),
        ("caseworker", f"/ui/households/{household}/do/apply"),
        ("caseworker", on_path),
        ("caseworker", f"/ui/households/{applied[0]}/do/investigation?application={applied[1]}"),
        ("approver", f"/ui/households/{applied[0]}/do/determination?application={applied[1]}"),
        ("approver", done),
        ("approver", f"{done}/letter"),
        ("approver", f"{done}/letter?format=pdf"),
        ("caseworker", "/ui/public-list?region=330402&month=2025-06"),
        ("caseworker", f"/ui/households/{applied[0]}/do/objection?application={applied[1]}"),
        ("caseworker", f"/ui/households/{applied[0]}/do/withdrawal?application={applied[1]}"),
        ("caseworker", f"/ui/households/{decided[0]}/do/appeal?application={decided[1]}"),
        ("approver", f"/ui/households/{decided[0]}/do/appeal_decision?application={decided[1]}"),
        ("approver", f"/ui/households/{household}/do/review"),
        ("caseworker", f"/ui/households/{household}/do/account"),
        ("caseworker", f"/ui/households/{household}/do/major_change"),
        ("approver", f"/ui/households/{household}?year=2025"),
        ("caseworker", f"/ui/households/{household}?lang=en"),
        # search and my work
        ("caseworker", "/ui/search?q=王"),
        ("caseworker", "/ui/search?q=南湖"),
        ("caseworker", f"/ui/search?q={id_number}"),
        ("finance", f"/ui/search?q={id_number}"),
        ("approver", "/ui/search?region=330402&stage=received"),
        ("caseworker", "/ui/search?category=dibao&region=330411"),
        ("caseworker:caseworker01", "/ui/me"),
        ("caseworker:caseworker01", "/ui/me?q=王"),
        ("approver", "/ui/me"),
        ("caseworker", "/ui/applications"),
    ]


def main(
    households: Annotated[int, typer.Option(help="demo city size (when building one)")] = 1000,
    runs: Annotated[int, typer.Option(help="timed fetches per page")] = 15,
    database_url: Annotated[
        str | None, typer.Option(help="measure this ledger instead of building a demo city")
    ] = None,
) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="pagetimes-"))
    secret = os.environ.get("LEDGER_SECRET") or secrets.token_urlsafe(48)
    env = {
        **os.environ,
        "LEDGER_DATABASE_URL": database_url or f"sqlite:///{scratch / 'ledger.db'}",
        "LEDGER_DATA_DIR": str(scratch),
        "LEDGER_SECRET": secret,
    }
    command = [sys.executable, "-m", "scripts.cli"]
    if database_url is None:
        out.print(f"building the demo city of {households} households in {scratch} …")
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 (our own command line)
            [*command, "demo", "--households", str(households)],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        out.print(f"built in {time.perf_counter() - started:.1f} s")
    try:
        with (
            served(env, workers=1) as base,
            httpx.Client(base_url=base, timeout=60) as client,
        ):

            def cookie(role: str) -> dict[str, str]:
                role, _, name = role.partition(":")
                token = issue_token(secret, name or f"{role}-pagetimes", role, 3600)
                return {"Cookie": f"{COOKIE}={token}"}

            bearer = {"Authorization": f"Bearer {issue_token(secret, 'pt', 'approver', 3600)}"}
            overdue = client.get("/visits/overdue", params={"on": "2025-12-31"}, headers=bearer)
            household = overdue.json()[0]["household_id"]
            found = {}
            for stage in ("received", "decided"):
                listed = client.get(
                    "/applications", params={"region": "330400", "stage": stage}, headers=bearer
                ).json()["items"]
                found[stage] = (listed[0]["household_id"], listed[0]["application_id"])
            number = client.get(f"/households/{household}", headers=bearer).json()["members"][0][
                "id_number"
            ]
            table = Table(title=f"page load times, {runs} fetches each (budget {BUDGET_MS} ms)")
            for column in ("page", "role", "bytes", "median ms", "p95 ms", ""):
                table.add_column(column, justify="left" if column in ("page", "role") else "right")
            for role, path in _pages(household, found["received"], found["decided"], number):
                headers = cookie(role)
                first = client.get(path, headers=headers)  # warm-up, and a check it answers
                if first.status_code != 200:
                    raise RuntimeError(f"{path} answered {first.status_code}: {first.text[:300]}")
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    client.get(path, headers=headers).raise_for_status()
                    times.append((time.perf_counter() - started) * 1000)
                times.sort()
                median = statistics.median(times)
                p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
                shown = path
                for value in (household, *found["received"], *found["decided"]):
                    shown = shown.replace(value, "{id}")
                shown = shown.replace(number, "{id_number}")
                table.add_row(
                    shown,
                    role,
                    str(len(first.content)),
                    f"{median:.1f}",
                    f"{p95:.1f}",
                    "ok" if p95 < BUDGET_MS else "SLOW",
                )
            out.print(table)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    typer.run(main)
