"""The README's "First session" works as pasted: its shell blocks are taken from
README.md and run with bash, as written, against a real `ledger serve` on a fresh SQLite
ledger (no LEDGER_SECRET: the server and `ledger token` share the key they create in
LEDGER_DATA_DIR, as on a fresh clone).

The amounts it prints, worked out from docs/POLICY.md:
- POLICY ch. 14: received 2025-02-11, the notice published 02-13 runs 7 days to
  **2025-02-19**, the approval on 02-20;
- POLICY ch. 2 means test: per-capita monthly income = 4,200 / 1 member / 12 = 350.00;
- POLICY ch. 3 standards: `dibao_standard_annual` 15,000 from 2025-01-01 (SEED) = 1,250.00
  a month;
- POLICY ch. 4 dibao = (1,250.00 − 350.00) × 1 = **900.00** a month from 2025-02-11;
- POLICY ch. 11 pro rata: February 2025 pays 900.00 × 18 / 28 days = 578.5714… →
  **578.57** (half-up, rounded once), the run's total and the feed line's gross and amount;
- POLICY ch. 6 caps (plan §17): self-pay 35,000 of a member with nothing paid yet this year:
  kept = min(35,000, 30,000 − 0, 50,000 − 0) = **30,000.00**, relief **5,000.00**."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.e2e.conftest import _free_port

ROOT = Path(__file__).resolve().parents[2]


def first_session_blocks() -> list[str]:
    """The ```sh blocks of the README's "## First session" section, in order."""
    readme = (ROOT / "README.md").read_text()
    start = readme.index("\n## First session\n")
    end = readme.index("\n## ", start + 1)
    return re.findall(r"```sh\n(.*?)```", readme[start:end], re.DOTALL)


def test_the_first_session_runs_as_written(tmp_path: Path) -> None:
    blocks = first_session_blocks()
    assert blocks[0].strip() == "make run"  # terminal 1: the server, started here instead
    script = "\n".join(blocks[1:])
    assert "330402198001010022" in script  # the sample ID number (valid: test_openapi.py)

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "LEDGER_SECRET"}
    env |= {
        "LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
        "LEDGER_DATA_DIR": str(tmp_path),
        "URL": url,
        "COLUMNS": "120",
    }
    with (tmp_path / "server.log").open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "scripts.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{url}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
            done = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", script],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=180,
            )
            verified = subprocess.run(
                [str(ROOT / ".venv" / "bin" / "ledger"), "verify"],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            server.terminate()
            server.wait(timeout=20)

    out = done.stdout
    assert done.returncode == 0, f"{out}\n{done.stderr}"
    lines = out.splitlines()
    assert lines[0] == "2025-02-19"  # the notice from 02-13 for 7 days (POLICY ch. 14)
    assert lines[1] == "900.00"  # the determination's monthly amount (POLICY ch. 4)
    assert lines[2] == "decided"  # the notice letter delivered
    lines = lines[2:]
    assert lines[1] == "***************0123"  # the account, masked to the caseworker
    assert re.fullmatch(
        r"run [0-9a-f-]{36} for 2025-02: 1 payments scheduled, total 578\.57 to 1 households",
        lines[2],
    ), lines[2]
    feed = list(csv.DictReader(io.StringIO("\n".join(lines[3:5]))))
    assert [(r["programme"], r["period"], r["kind"], r["gross"], r["amount"]) for r in feed] == [
        ("dibao", "2025-02", "regular", "578.57", "578.57")
    ]
    assert feed[0]["payee_name"] == "张三"
    assert feed[0]["account_number"] == "6222021234567890123"  # finance's file: whole
    assert lines[5] == "kept 30000.00 relief 5000.00"  # §17 individual cap
    replay = "\n".join(lines[6:])
    assert "Categories: dibao" in replay
    assert re.search(r"dibao\s*│\s*│\s*900\.00\s*│\s*2025-02-11", replay), replay
    for event in (
        "Registered",
        "MemberAdded",
        "ApplicationReceived",
        "NoticePublished",
        "ApplicationDetermined",
        "MedicalReliefGranted",
    ):
        assert event in replay
    assert verified.returncode == 0, verified.stdout + verified.stderr  # chains, recomputes
