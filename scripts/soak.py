"""A bounded soak run (not in CI): mixed reads and writes against a running ledger on
loopback for a set time, then it stops by itself and prints what it saw.

    LEDGER_SECRET=... python -m scripts.soak --url http://127.0.0.1:8000 --seconds 60

It registers households, adds members, submits and determines applications, records
visits and bills, and reads households, entitlements and the overdue list from several
threads; it counts answers by status, errors (5xx or transport) and the views' lag.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import threading
import time
from collections import Counter

import httpx

from api.auth import issue_token
from domain.idnumber import check_character


def _id(rng: random.Random) -> str:
    body = (
        f"330402{rng.randint(1950, 2010)}0{rng.randint(1, 9)}1{rng.randint(0, 8)}"
        f"{rng.randrange(1000):03d}"
    )
    return body + check_character(body)


def _received_and_decided(
    client: httpx.Client,
    cw: dict[str, str],
    ap: dict[str, str],
    hid: str,
    member_id: str,
    rng: random.Random,
) -> None:
    """A dibao application along its statutory path (POLICY ch. 14): received with the
    member's authorisation on 2025-02-01, the tax answer and the report, two
    investigators, the notice to 02-07, the decision on 02-08."""
    on = "2025-02-01"
    income = str(rng.randint(0, 14000))
    a = client.post(
        f"/households/{hid}/applications",
        headers=cw,
        json={
            "programme": "dibao",
            "effective_from": on,
            "means": {"annual_income": income},
            "consents": [{"member_id": member_id, "signed_on": on}],
        },
    )
    if a.status_code != 201:
        return
    base = f"/households/{hid}/applications/{a.json()['application_id']}"
    for path, body in (
        ("/checks", {"request_id": "tax", "department": "tax", "on": on}),
        ("/checks/tax/answer", {"finding": "soak", "on": on}),
        ("/check-report", {"means": {"annual_income": income}, "on": on}),
        ("/investigations", {"staff": ["soak-a", "soak-b"], "findings": "soak", "on": on}),
        ("/notice", {"on": on}),
    ):
        if client.post(base + path, headers=cw, json=body).status_code != 200:
            return
    client.post(
        base + "/determination",
        headers=ap,
        json={"decision": "approve", "reason": "soak", "on": "2025-02-08"},
    )


def worker(
    url: str,
    secret: str,
    until: float,
    seed: int,
    counts: Counter[str],
    latencies: list[float],
    lock: threading.Lock,
) -> None:
    rng = random.Random(seed)  # noqa: S311 - load generation, not secrets
    cw = {"Authorization": f"Bearer {issue_token(secret, f'cw{seed}', 'caseworker', 3600)}"}
    ap = {"Authorization": f"Bearer {issue_token(secret, f'ap{seed}', 'approver', 3600)}"}
    households: list[str] = []
    with httpx.Client(base_url=url, timeout=30) as client:
        while time.monotonic() < until:
            started = time.perf_counter()
            try:
                if not households or rng.random() < 0.15:
                    r = client.post(
                        "/households",
                        headers=cw,
                        json={
                            "region_code": "330402",
                            "residence": "urban",
                            "address": "soak",
                            "registered_on": "2025-01-01",
                        },
                    )
                    if r.status_code == 201:
                        hid = r.json()["household_id"]
                        households.append(hid)
                        m = client.post(
                            f"/households/{hid}/members",
                            headers=cw,
                            json={
                                "name": "压测",
                                "id_number": _id(rng),
                                "relation": "head",
                                "birth_on": "1980-01-01",
                            },
                        )
                        if m.status_code == 201:
                            _received_and_decided(client, cw, ap, hid, m.json()["member_id"], rng)
                else:
                    hid = rng.choice(households)
                    pick = rng.random()
                    if pick < 0.5:
                        r = client.get(
                            f"/households/{hid}/entitlements",
                            params={"as_of": "2025-03-01"},
                            headers=ap,
                        )
                    elif pick < 0.7:
                        r = client.get(f"/households/{hid}", headers=ap)
                    elif pick < 0.85:
                        r = client.post(
                            f"/households/{hid}/visits",
                            headers=cw,
                            json={"visited_on": "2025-03-01", "visitor": "soak", "findings": "ok"},
                        )
                    else:
                        r = client.get("/visits/overdue", params={"on": "2025-06-01"}, headers=ap)
                with lock:
                    counts[str(r.status_code)] += 1
                    latencies.append(time.perf_counter() - started)
            except httpx.HTTPError as error:
                with lock:
                    counts[f"transport:{type(error).__name__}"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    secret = os.environ["LEDGER_SECRET"]
    until = time.monotonic() + args.seconds
    counts: Counter[str] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    lags = []
    threads = [
        threading.Thread(target=worker, args=(args.url, secret, until, n, counts, latencies, lock))
        for n in range(args.threads)
    ]
    for t in threads:
        t.start()
    with httpx.Client(base_url=args.url, timeout=30) as client:
        while time.monotonic() < until:
            health = client.get("/health").json()
            lags.append(max((health.get("projections_lag") or {}).values() or [0]))
            time.sleep(1)
    for t in threads:
        t.join()
    errors = sum(v for k, v in counts.items() if k.startswith(("5", "transport")))
    ordered = sorted(latencies)
    print(
        f"{args.seconds} s, {args.threads} threads: {sum(counts.values())} answers "
        f"({sum(counts.values()) / args.seconds:.0f}/s), by status {dict(sorted(counts.items()))}"
    )
    print(f"errors (5xx or transport): {errors}")
    if ordered:
        print(
            f"latency p50 {statistics.median(ordered) * 1000:.1f} ms, "
            f"p99 {ordered[int(len(ordered) * 0.99) - 1] * 1000:.1f} ms"
        )
    print(
        f"views' lag behind the log (events): max {max(lags or [0])}, "
        f"last {lags[-1] if lags else 0}"
    )


if __name__ == "__main__":
    main()
