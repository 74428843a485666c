"""`ledger bench --only search`: the workspace's search (docs/WORKSPACE.md) over a city of
`--search-households` households (100,000 by default), each with one to five members
named as Jiaxing's people are and an address on one of its streets. Timed the way a
caseworker's request runs it (services/workspace.py: the query, the page's members and
categories; and with the PIPL access trail's durable write after it): by ID number, by
a name fragment (one character, two, a whole name, and two characters nobody's name
holds) and by an address fragment (a street, a street and number), each against the
same question asked plainly (LIKE over the same rows, no index)."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from domain.household import Household
from domain.idnumber import check_character
from domain.standards import COUNTIES
from services.ledger import Ledger
from services.settings import Settings
from services.workspace import Filters, record_reads, search

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国"
    "文斌燕凤海云飞鹏辉林宇欣怡梅琴雪晨浩然子涵嘉佳颖婷"
)
STREETS = (
    "南湖路",
    "中山路",
    "禾兴路",
    "秀洲大道",
    "解放东路",
    "城南路",
    "东升路",
    "乍浦路",
    "少年路",
    "勤俭路",
    "建国路",
    "槜李路",
)
BATCH = 500
SAMPLES = 200  # questions of each kind (p99: the second slowest)
ON = date(2025, 6, 1)


def _name(rng: random.Random) -> str:
    # Surnames as skewed as Jiaxing's: the first few far more often than the rest.
    surname = SURNAMES[min(int(rng.expovariate(1 / 8)), len(SURNAMES) - 1)]
    return surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _id_number(county: str, n: int) -> str:
    born = date.fromordinal(date(1940, 1, 1).toordinal() + n % 25000)
    body = f"{county}{born:%Y%m%d}{n // 25000 % 1000:03d}"
    return body + check_character(body)


def build_city(ledger: Ledger, households: int, seed: int = 17) -> dict[str, list[str]]:
    """`households` households saved `BATCH` to a transaction; the views caught up. The
    ID numbers, names and addresses given, to ask for."""
    rng = random.Random(seed)  # noqa: S311 - bench data
    counties = sorted(COUNTIES)
    given: dict[str, list[str]] = {"id_numbers": [], "names": [], "addresses": []}
    member = 0
    batch: list[Household] = []
    for n in range(households):
        county = counties[n % len(counties)]
        address = f"{rng.choice(STREETS)}{rng.randint(1, 999)}号"
        household = Household.register(
            region_code=f"{county}{rng.randint(1, 12):03d}{rng.randint(1, 20):03d}",
            residence=rng.choice(("urban", "rural")),
            address=address,
            registered_on=date(2025, 1, 2),
            actor=f"caseworker{n % 40:02d}",
        )
        for i in range(rng.choice((1, 2, 3, 3, 4, 5))):
            number = _id_number(county, member)
            member += 1
            name = _name(rng)
            household.add_member(
                name=name,
                id_number=number,
                relation="head" if i == 0 else "other",
                birth_on=date(1940, 1, 1),
                joined_on=None,
                actor=household.pending_events[0].actor,
            )
            if rng.random() < 0.01:
                given["id_numbers"].append(number)
                given["names"].append(name)
        if rng.random() < 0.01:
            given["addresses"].append(address)
        batch.append(household)
        if len(batch) == BATCH:
            ledger.app.save(*batch)
            batch = []
    if batch:
        ledger.app.save(*batch)
    ledger.runner.catch_up()
    return given


def _questions(given: dict[str, list[str]], rng: random.Random) -> dict[str, list[str]]:
    names = given["names"]
    streets = [a[: a.index("路") + 1] if "路" in a else a[:4] for a in given["addresses"]]
    return {
        "id_number": [rng.choice(given["id_numbers"]) for _ in range(SAMPLES)],
        "name": [
            rng.choice(
                (
                    n[0],  # a surname
                    n[:2],  # a surname and a given character
                    n,  # the whole name
                    n[-2:],  # the given name
                    "张三",  # held by nobody: every row of the index that could be
                )
            )
            for n in (rng.choice(names) for _ in range(SAMPLES))
        ],
        "address": [
            rng.choice((s, a[:-1], a))
            for s, a in (
                (rng.choice(streets), rng.choice(given["addresses"])) for _ in range(SAMPLES)
            )
        ],
    }


PLAIN = {
    # The same question without the index: the rows scanned with LIKE (or, for an ID
    # number, the care view's plain numbers compared one by one), the first page.
    "id_number": "SELECT household_id FROM {s}.ledger_member_identity WHERE id_number = :q",
    "name": (
        "SELECT DISTINCT m.household_id, h.hkey FROM {s}.ledger_search_members m "
        "JOIN {s}.ledger_search_households h ON h.household_id = m.household_id "
        "WHERE m.name LIKE :like ORDER BY h.hkey LIMIT 21"
    ),
    "address": (
        "SELECT household_id FROM {s}.ledger_search_households WHERE address LIKE :like "
        "ORDER BY hkey LIMIT 21"
    ),
}


def _percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(p99, 2),
        "max_ms": round(ordered[-1], 2),
    }


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    found = fn()
    return (time.perf_counter() - started) * 1000, found


def _ask(ledger: Ledger, q: str, kind: str) -> tuple[float, float, int]:
    """The search as GET /households/search runs it: its time (ms: the catch-up check,
    the query, the page's members and categories), then the time of the access trail's
    write (a durable commit), and the households found."""
    started = time.perf_counter()
    page = search(ledger, q=q, by=kind, filters=Filters(), on=ON, whole_ids=True)
    searched = time.perf_counter()
    record_reads(
        ledger,
        user="bench",
        role="caseworker",
        path="/households/search",
        args={"q": page["shown"], "by": kind},
        household_ids=[i["household_id"] for i in page["items"]],
    )
    written = time.perf_counter()
    return (searched - started) * 1000, (written - started) * 1000, len(page["items"])


def measure(ledger: Ledger, given: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Each kind of question asked SAMPLES times through the service (as a request runs
    it, the access trail written) and plainly; their times (ms) and hits."""
    rng = random.Random(5)  # noqa: S311 - bench data
    found: dict[str, dict[str, Any]] = {}
    for kind, asked in _questions(given, rng).items():
        for q in asked[:10]:  # warm the caches
            _ask(ledger, q, kind)
        times, with_trail, plain, hits = [], [], [], []
        for q in asked:
            took, total, hit = _ask(ledger, q, kind)
            times.append(took)
            with_trail.append(total)
            hits.append(hit)
            params = {"q": q} if kind == "id_number" else {"like": f"%{q}%"}
            took, _ = _timed(partial(ledger.views.query, PLAIN[kind], params))
            plain.append(took)
        found[kind] = {
            "search_ms": _percentiles(times),
            "with_access_trail_ms": _percentiles(with_trail),
            "plain_ms": _percentiles(plain),
            "questions": len(asked),
            "mean_hits_on_the_page": round(statistics.mean(hits), 1),
            "examples": sorted(set(asked))[:6],
        }
    return found


def bench_search(settings: Settings, households: int) -> tuple[list[Any], dict[str, Any]]:
    """The rows of the bench's table and the figures (with the time to build the city)."""
    from scripts.bench import Row, scratch

    with scratch(settings, "s") as s:
        ledger = Ledger.open(s)
        try:
            started = time.perf_counter()
            given = build_city(ledger, households)
            built = time.perf_counter() - started
            members = ledger.views.count("ledger_search_members")
            figures = measure(ledger, given)
        finally:
            ledger.close()
    rows = [
        Row(
            f"search by {kind.replace('_', ' ')} ({households} households)",
            "ms p99",
            result["search_ms"]["p99_ms"],
            result["plain_ms"]["p99_ms"],
            result["questions"],
            result["questions"],
            "the search as a request runs it (query and page) vs the bare query by LIKE, "
            "no index; with the access trail's commit and p50 in the report",
            {**result, "members": members, "build_seconds": round(built, 1)},
        )
        for kind, result in figures.items()
    ]
    return rows, {"households": households, "members": members, "build_seconds": built}
