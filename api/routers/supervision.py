from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from api.deps import CareReader, LedgerDep, Overseer
from api.replica import read_ledger
from api.routing import covers, ledgers_in, province_of
from api.schemas import QueryDate
from domain.errors import NotFoundError
from domain.money import format_yuan, round_half_up
from domain.policy.s17_medical_caps import cap_year_of
from domain.standards import CITY_CODE, COUNTIES
from projections import sql
from projections.queries import as_day
from services.applications import on_time
from services.ledger import Ledger
from services.metrics import TARGETS as T
from services.public_list import as_csv, public_list

router = APIRouter(prefix="/supervision", tags=["supervision"])


def rate(value: Fraction) -> str:
    """A rate as a decimal fraction to four places, half-up: 0.91234 -> "0.9123"."""
    ten_thousandths = round_half_up(value * 10000)
    return f"{ten_thousandths // 10000}.{ten_thousandths % 10000:04d}"


async def _one_ledger(request: Request, response: Response) -> Ledger | None:
    """The one ledger (or its replica, api/replica.py); None in a province."""
    if province_of(request) is not None:
        return None
    return await read_ledger(request, response)


@router.get("/metrics", summary="The plan's supervision targets (METRIC) by county")
def metrics(
    _: Overseer,
    request: Request,
    ledger: Annotated[Ledger | None, Depends(_one_ledger)],
    as_of: QueryDate | None = None,
) -> dict[str, Any]:
    """Each METRIC of POLICY.md the ledger can measure so far, per county, with its actual
    value, target and whether it is met. Metrics never block a payment. In a province
    (LEDGER_LEDGERS_FILE), each county's figures come from the ledger that holds it, and
    a figure of a wider region from each ledger, named (`ledger`)."""
    on = as_of or date.today()
    if ledger is not None:
        return {"as_of": on.isoformat(), "metrics": metrics_of(ledger, on)}
    found: list[dict[str, Any]] = []
    for name, each in ledgers_in(request):
        for item in metrics_of(each, on):
            held = covers(request, name, item["region_code"])
            if held:
                found.append(item)
            elif held is None and len(item["region_code"]) < 6:
                found.append({**item, "ledger": name})  # wider than a county: whose it is
            # else: a county another ledger holds, or none of this deployment's
    order = {metric: n for n, metric in enumerate(dict.fromkeys(m["metric"] for m in found))}
    found.sort(key=lambda m: (order[m["metric"]], m["region_code"], m.get("ledger", "")))
    return {"as_of": on.isoformat(), "metrics": found}


def metrics_of(ledger: Ledger, on: date) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    # Each county's book read once for every figure (a read folds two streams' news;
    # the deadlines, the standards and the posts used to read 15), shared, not copied.
    books = {
        c: ledger.app.standards_book(c, read_only=True) for c in (*sorted(COUNTIES), CITY_CODE)
    }
    for county in sorted(COUNTIES):
        book = books[county]
        standard, used = book.money("dibao_standard_annual", on)
        found.append(
            {
                "metric": "dibao_standard_annual",
                "policy_item": T["dibao_standard_annual"].policy_item,
                "region_code": county,
                "actual": format_yuan(standard),
                "target": T["dibao_standard_annual"].shown,
                "comparison": ">=",
                "met": T["dibao_standard_annual"].met(standard),
                "standard_version": used.label,
            }
        )
    city_book = books[CITY_CODE]
    start_month = int(city_book.ratio("medical_cap_year_start_month", on)[0])
    cap_year = cap_year_of(on, start_month)
    for county, m in ledger.medical_by_county(cap_year, on, books).items():
        coverage = Fraction(m.total_fen - m.kept_fen, m.total_fen) if m.total_fen else None
        found.append(
            {
                "metric": "medical_comprehensive_coverage_rate",
                "policy_item": T["medical_comprehensive_coverage_rate"].policy_item,
                "region_code": county,
                "cap_year": cap_year,
                "actual": rate(coverage) if coverage is not None else None,
                "target": T["medical_comprehensive_coverage_rate"].shown,
                "comparison": ">=",
                "met": coverage is not None
                and T["medical_comprehensive_coverage_rate"].met(coverage),
                "basis": "(total - self-pay borne after waiver and cap relief) / total, "
                f"bills served on or before {on.isoformat()}",
            }
        )
        clearing = Fraction(m.relieved_fen, m.excess_fen) if m.excess_fen else None
        found.append(
            {
                "metric": "medical_over_cap_clearing_rate",
                "policy_item": T["medical_over_cap_clearing_rate"].policy_item,
                "region_code": county,
                "cap_year": cap_year,
                "actual": rate(clearing) if clearing is not None else None,
                "target": T["medical_over_cap_clearing_rate"].shown,
                "comparison": ">=",
                "met": None
                if clearing is None
                else T["medical_over_cap_clearing_rate"].met(clearing),
                "basis": (
                    f"{format_yuan(m.relieved_fen)} of {format_yuan(m.excess_fen)} over the "
                    f"caps relieved by the medical safety fund; {m.cleared} of {m.over_cap} "
                    "households over a cap cleared"
                    if m.excess_fen
                    else "no household's self-pay went over a cap"
                ),
            }
        )
    facts = ledger.care_facts()  # read once for both
    found += _care_metrics(ledger, facts, on)
    found += _income_metrics(ledger, facts, on)
    found += _enrolment_metrics(facts, on)
    found.append(_posts_metric(city_book, on))
    found += _on_time_metrics(ledger, on, books)
    return found


def _on_time_metrics(ledger: Any, on: date, books: dict[str, Any]) -> list[dict[str, Any]]:
    """POLICY ch. 14: the applications on the statutory path decided by `on` within their
    working-day deadline, per county, against 100%."""
    target = T["applications_decided_on_time"]
    found = []
    for county in on_time(ledger, region=CITY_CODE, on=on, books=books):
        share = Fraction(county["on_time"], county["decided"])
        found.append(
            {
                "metric": "applications_decided_on_time",
                "policy_item": target.policy_item,
                "region_code": county["county"],
                "actual": rate(share),
                "target": target.shown,
                "comparison": ">=",
                "met": target.met(share),
                "basis": f"{county['on_time']} of {county['decided']} applications decided "
                "within their deadline in working days",
            }
        )
    return found


def _care_metrics(ledger: Any, facts: Any, on: date) -> list[dict[str, Any]]:
    """§30 visit rate (registered households not overdue) and §21 job referrals per
    registered unemployed member, per county."""
    referrals = ledger.referral_counts(on)
    by_county: dict[str, dict[str, int]] = {}
    for household in facts.categories:
        status = facts.status(household, on)
        if status is None:
            continue
        county = by_county.setdefault(
            status.region_code[:6], {"households": 0, "visited": 0, "unemployed": 0, "referrals": 0}
        )
        county["households"] += 1
        county["visited"] += 0 if status.overdue else 1
        for member_id, member in facts.present_members(household, on).items():
            if member.get("employment") == "unemployed_registered":
                county["unemployed"] += 1
                county["referrals"] += referrals.get((household, member_id), 0)
    found = []
    for county, n in sorted(by_county.items()):
        visit_rate = Fraction(n["visited"], n["households"])
        found.append(
            {
                "metric": "visit_rate",
                "policy_item": T["visit_rate"].policy_item,
                "region_code": county,
                "actual": rate(visit_rate),
                "target": T["visit_rate"].shown,
                "comparison": ">=",
                "met": T["visit_rate"].met(visit_rate),
                "basis": f"{n['visited']} of {n['households']} registered households visited "
                "within their tier's interval",
            }
        )
        if n["unemployed"]:
            per_member = Fraction(n["referrals"], n["unemployed"])
            found.append(
                {
                    "metric": "job_referrals_per_unemployed_member",
                    "policy_item": T["job_referrals_per_unemployed_member"].policy_item,
                    "region_code": county,
                    "actual": format_yuan(round_half_up(per_member * 100)),
                    "target": T["job_referrals_per_unemployed_member"].shown,
                    "comparison": ">=",
                    "met": T["job_referrals_per_unemployed_member"].met(per_member),
                    "basis": f"{n['referrals']} referrals for {n['unemployed']} registered "
                    "unemployed members",
                }
            )
    return found


def _income_metrics(ledger: Any, facts: Any, on: date) -> list[dict[str, Any]]:
    """The plan's target (二、工作目标) for low-income households' per-capita income
    (latest means record, by county, against 32,000) and §24 the year-on-year growth of
    rural registered households' per-capita income (against 10%)."""
    latest: dict[str, dict[str, Any]] = {}
    by_year: dict[str, dict[int, dict[str, Any]]] = {}
    for row in ledger.views.query(sql.CARE_MEANS, {"on": on}):
        household = str(row["household_id"])
        latest[household] = row
        by_year.setdefault(household, {})[as_day(row["effective_on"]).year] = row
    low: dict[str, list[Fraction]] = {}
    growth: dict[str, list[Fraction]] = {}
    for household, row in latest.items():
        county = str(row["region_code"])[:6]
        categories = facts.categories_on(household, on, household_level=True)
        per_capita = Fraction(int(row["annual_income_fen"]), int(row["household_size"]))
        if any(c["category"] == "low_income" for c in categories):
            low.setdefault(county, []).append(per_capita)
        years = sorted(by_year[household])
        if row["residence"] == "rural" and categories and len(years) >= 2:
            before = by_year[household][years[-2]]
            previous = Fraction(int(before["annual_income_fen"]), int(before["household_size"]))
            if previous:
                growth.setdefault(county, []).append((per_capita - previous) / previous)
    found = []
    for county, values in sorted(low.items()):
        average = sum(values, Fraction(0)) / len(values)
        found.append(
            {
                "metric": "low_income_per_capita_disposable_income",
                "policy_item": T["low_income_per_capita_disposable_income"].policy_item,
                "region_code": county,
                "actual": format_yuan(round_half_up(average)),
                "target": T["low_income_per_capita_disposable_income"].shown,
                "comparison": ">=",
                "met": T["low_income_per_capita_disposable_income"].met(average),
                "basis": f"average over {len(values)} low-income households' latest means record",
            }
        )
    for county, values in sorted(growth.items()):
        average = sum(values, Fraction(0)) / len(values)
        found.append(
            {
                "metric": "rural_low_income_income_growth",
                "policy_item": T["rural_low_income_income_growth"].policy_item,
                "region_code": county,
                "actual": rate(average),
                "target": T["rural_low_income_income_growth"].shown,
                "comparison": ">=",
                "met": T["rural_low_income_income_growth"].met(average),
                "basis": f"average year-on-year growth over {len(values)} rural households",
            }
        )
    return found


def _enrolment_metrics(facts: Any, on: date) -> list[dict[str, Any]]:
    """§15 subsidised insurance enrolment (困难人员资助参保率, target 100%): the persons
    due it are those of registered difficulty households (the eligibility items of the
    medical insurance bureau's feed); the enrolment itself is recorded by the bureau, not
    in this ledger, so the actual rate is unknown here (null) and the basis says why."""
    due = dict.fromkeys(sorted(COUNTIES), 0)
    for household in facts.categories:
        if facts.registered(household, on):
            county = facts.regions.get(household, "")[:6]
            if county in due:
                due[county] += len(facts.present_members(household, on))
    return [
        {
            "metric": "medical_subsidised_enrolment_rate",
            "policy_item": T["medical_subsidised_enrolment_rate"].policy_item,
            "region_code": county,
            "actual": None,
            "target": T["medical_subsidised_enrolment_rate"].shown,
            "comparison": ">=",
            "met": None,
            "basis": f"{persons} persons of registered difficulty households are due "
            "subsidised enrolment (sent to the medical insurance bureau in the GET "
            "/feeds/events eligibility items); the bureau records the enrolments, this "
            "ledger does not",
        }
        for county, persons in due.items()
    ]


def _posts_metric(book: Any, on: date) -> dict[str, Any]:
    """§22: public-welfare posts reserved, as recorded by the bureau (a standard): `book`
    the city's."""
    try:
        posts, found = book.ratio("public_welfare_posts_reserved", on)
    except NotFoundError:
        return {
            "metric": "public_welfare_posts",
            "policy_item": T["public_welfare_posts"].policy_item,
            "region_code": CITY_CODE,
            "actual": None,
            "target": T["public_welfare_posts"].shown,
            "comparison": ">=",
            "met": None,
            "basis": "not recorded: set public_welfare_posts_reserved with POST /standards/changes",
        }
    return {
        "metric": "public_welfare_posts",
        "policy_item": T["public_welfare_posts"].policy_item,
        "region_code": CITY_CODE,
        "actual": str(int(posts)),
        "target": T["public_welfare_posts"].shown,
        "comparison": ">=",
        "met": T["public_welfare_posts"].met(posts),
        "standard_version": found.label,
    }


@router.get("/public-list", summary="The monthly public list (长期公示) of a village")
def public_list_route(
    _: CareReader,
    ledger: LedgerDep,
    region: Annotated[str, Query(description="a village or community code, or a prefix")],
    month: Annotated[str, Query(description="YYYY-MM")],
    format: Annotated[Literal["json", "csv"], Query(description="json or csv")] = "json",
) -> Any:
    """What the notice board shows (四(四) supervision): each recipient's masked name, the
    category, the persons covered and the monthly amount in force on the month's first
    day; never an ID number, address or income (services/public_list.py)."""
    rows = public_list(ledger, region, month)
    hotline = ledger.settings.supervision_hotline
    if format == "csv":
        return Response(
            as_csv(rows, hotline),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="public-list-{region}-{month}.csv"'
            },
        )
    return {
        "region": region,
        "month": month,
        "hotline": hotline,
        "rows": [
            {
                "region_code": r.region_code,
                "name": r.name,
                "category": r.category,
                "persons": r.persons,
                "monthly_amount": format_yuan(r.monthly_fen),
            }
            for r in rows
        ],
    }
