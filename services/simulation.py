"""What-if for standard changes (§6 dynamic adjustment): the proposed changes are applied
to in-memory copies of the standards streams (validated by the same §6 rules as a real
change), and each affected household, loaded from its stream, is brought in line with
that proposed book by the same `Household.adjust_entitlements` a recorded change of a
monthly amount's standard runs, on an in-memory copy that is never saved, and priced by
the payment runs' rules (pro rata by days, arrears for the months already run). Nothing
is recorded. A §17 cap change is refused: the what-if prices monthly amounts, not relief."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any
from uuid import UUID

from domain.errors import InvalidInputError, LedgerError
from domain.household import Household, split_key
from domain.money import format_yuan
from domain.payments import Segment, owed_for_period
from domain.policy.counting import months_later
from domain.policy.registry import REGISTRY
from domain.policy.s05_means_test import means_test
from domain.policy.s17_medical_caps import CAP_KEYS
from domain.standards import (
    CITY_CODE,
    COUNTIES,
    KEYS,
    Standards,
    StandardsBook,
    StandardValue,
    county_of,
    region_prefix,
    validate_change,
    validate_region_code,
)
from projections import sql
from projections.queries import as_day
from services.ledger import Ledger

# The standards the means test reads (a change of one may move households between
# categories at their next determination; categories change only by determination).
MEANS_KEYS = (
    "dibao_standard_annual",
    "marginal_multiplier",
    "low_income_household_annual_limit",
    "car_value_limit",
)
SIMULATION_ACTOR = "system:simulation"


@dataclass(frozen=True)
class Proposal:
    key: str
    value: StandardValue
    region_code: str
    cited_income_growth: Fraction | None = None
    cited_urban_consumption_fen: int | None = None
    override_reason: str | None = None


def _prefix(region_code: str) -> str:
    return region_prefix(region_code)


class ProposedStandards:
    """Copies of the city's and counties' standards with the proposed changes applied."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        city = ledger.app.standards_book(CITY_CODE).city
        self.streams: dict[str, Standards | None] = {CITY_CODE: city}
        for code in COUNTIES:
            self.streams[code] = ledger.app.standards_book(code).county

    def book(self, region_code: str) -> StandardsBook:
        city = self.streams[CITY_CODE]
        assert city is not None
        county = county_of(region_code)
        return StandardsBook(city, self.streams.get(county) if county != CITY_CODE else None)

    def apply(self, index: int, change: Proposal, effective_from: date) -> None:
        field = f"changes[{index}]"
        if change.key not in KEYS:
            raise InvalidInputError(
                f"{field}.key must be one of the standards: {', '.join(sorted(KEYS))}",
                f"{field}.key",
            )
        if change.key in CAP_KEYS:  # the what-if prices monthly amounts, not bills' relief
            raise InvalidInputError(
                f"{field}.key: the what-if covers monthly amounts and categories; a change "
                "of a §17 cap is not simulated (record it, and its relief is recomputed)",
                f"{field}.key",
            )
        region = validate_region_code(change.region_code, f"{field}.region_code")
        if region != CITY_CODE and region not in COUNTIES:
            raise InvalidInputError(
                "standards are set by the city (330400) or a county", f"{field}.region_code"
            )
        try:
            validate_change(
                self.book(region),
                key=change.key,
                value=change.value,
                effective_from=effective_from,
                cited_income_growth=change.cited_income_growth,
                cited_urban_consumption_fen=change.cited_urban_consumption_fen,
                override_reason=change.override_reason,
            )
        except LedgerError as error:
            error.field = f"{field}.{error.field}" if error.field else field
            raise
        stream = self.streams.get(region)
        if stream is None:
            stream = Standards.open(region, SIMULATION_ACTOR, effective_from)
            self.streams[region] = stream
        stream.record_change(
            key=change.key,
            value=change.value,
            effective_from=effective_from,
            basis="simulation (not recorded)",
            actor=SIMULATION_ACTOR,
            cited_income_growth=change.cited_income_growth,
            cited_urban_consumption_fen=change.cited_urban_consumption_fen,
            override_reason=change.override_reason,
        )


def _periods(effective_from: date) -> list[str]:
    """The 12 months from the one of `effective_from`, as run periods ("2025-07")."""
    first = effective_from.replace(day=1)
    return [f"{months_later(first, n):%Y-%m}" for n in range(12)]


def _segments(household: Household, key: str) -> list[Segment]:
    """An entitlement's timeline as a payment run reads it (POLICY ch. 4)."""
    return [
        Segment(p.effective_from, p.monthly_fen, p.ended, p.suspended)
        for p in household.timelines.get(key, {}).values()
    ]


def _amounts(household: Household, on: date) -> dict[str, int]:
    return {key: point.monthly_fen for key, point in household.entitlements_on(on)}


def _category(household: Household, book: StandardsBook, on: date) -> tuple[str, str] | None:
    """(current category, category the latest approved means would test on `on`)."""
    current = household.household_category_on(on)
    if current is None or current.category not in REGISTRY.means_tested():
        return None
    approved = [
        a
        for a in household.applications.values()
        if a.decision == "approved"
        and a.programme in REGISTRY.means_tested()
        and a.means is not None
        and a.effective_from <= on
    ]
    if not approved:
        return None
    # POLICY ch. 13: the latest recorded determination rules, not the latest dated.
    latest = max(approved, key=lambda a: a.determined_at or 0)
    assert latest.means is not None
    try:
        tested = means_test(latest.means, household.size_on(on), book, on).category
    except LedgerError:
        return None
    return current.category, tested or "none"


def simulate(
    ledger: Ledger, changes: list[Proposal], effective_from: date, sample_size: int = 20
) -> dict[str, Any]:
    proposed = ProposedStandards(ledger)
    for index, change in enumerate(changes):
        proposed.apply(index, change, effective_from)
    ledger.runner.catch_up()
    candidates: set[UUID] = set()
    for change in changes:
        candidates |= set(
            ledger.affected_households(change.region_code, change.key, effective_from)
        )
    means_regions = [_prefix(c.region_code) for c in changes if c.key in MEANS_KEYS]
    if means_regions:
        regions = {
            str(r["household_id"]): str(r["region_code"])
            for r in ledger.views.query(sql.RUN_REGIONS, {})
        }
        for span in ledger.views.query(sql.CARE_CATEGORIES, {}):
            held_by = str(span["household_id"])
            if (
                span["category"] in REGISTRY.means_tested()
                and span["effective_to"] is None
                and as_day(span["effective_from"]) <= effective_from
                and any(regions.get(held_by, "").startswith(p) for p in means_regions)
            ):
                candidates.add(UUID(held_by))
    # How the runs pay each month (services/payment_runs.py): a month a run has covered
    # is paid again as arrears (补发) by the next run, beyond what was scheduled then; a
    # month before the first run is never paid; a later month by its own run. Each month
    # owes its days at their amounts, pro rata (domain/payments.owed_for_period).
    run_periods = sorted(str(r["period"]) for r in ledger.views.query(sql.RUN_PERIODS, {}))
    periods = _periods(effective_from)
    paid = [p for p in periods if not run_periods or p >= run_periods[0]]
    covered = {p for p in paid if run_periods and p <= run_periods[-1]}
    cost: dict[tuple[str, str], list[int]] = {}
    changed_amount: list[dict[str, Any]] = []
    changed_category: list[dict[str, Any]] = []
    for hid in sorted(candidates, key=str):
        current = ledger.app.household(hid)
        # A second copy, changed in memory only (copied: loading it again would check
        # its hash chain again, most of the what-if's time).
        trial = copy.deepcopy(current)
        book = proposed.book(trial.region_code)
        trial.adjust_entitlements(book, actor=SIMULATION_ACTOR, reason="simulation")
        county = county_of(trial.region_code)
        lines = []
        old_on, new_on = _amounts(current, effective_from), _amounts(trial, effective_from)
        for key in sorted(set(current.timelines) | set(trial.timelines)):
            programme, member_id = split_key(key)
            sums = cost.setdefault((programme, county), [0, 0, 0, 0])
            diff = new_on.get(key, 0) - old_on.get(key, 0)
            sums[0] += diff
            if diff:
                lines.append(
                    {
                        "programme": programme,
                        "member_id": member_id,
                        "old_monthly_amount": format_yuan(old_on.get(key, 0)),
                        "new_monthly_amount": format_yuan(new_on.get(key, 0)),
                    }
                )
            old, new = _segments(current, key), _segments(trial, key)
            if old == new:
                continue
            for n, period in enumerate(periods):
                if period not in paid:
                    continue
                owed = owed_for_period(new, period)[0] - owed_for_period(old, period)[0]
                sums[1] += owed
                sums[2] += owed if period in covered else 0
                sums[3] += owed if n == 0 else 0
        if lines:
            changed_amount.append(
                {"household_id": str(hid), "region_code": trial.region_code, "amounts": lines}
            )
        category = _category(current, book, effective_from)
        if category is not None and category[0] != category[1]:
            changed_category.append(
                {
                    "household_id": str(hid),
                    "region_code": trial.region_code,
                    "category": category[0],
                    "would_test": category[1],
                }
            )
    total = [sum(v[i] for v in cost.values()) for i in range(4)]
    return {
        "effective_from": effective_from.isoformat(),
        "recorded": False,
        "households_considered": len(candidates),
        "households_changing_amount": len(changed_amount),
        "households_changing_category": len(changed_category),
        "monthly_cost_difference": format_yuan(total[0]),
        "first_month_difference": format_yuan(total[3]),
        "annual_cost_difference": format_yuan(total[1]),
        "arrears_difference": format_yuan(total[2]),
        "arrears_periods": sorted(covered),
        "arrears_paid_by_run": (
            f"{months_later(date.fromisoformat(run_periods[-1] + '-01'), 1):%Y-%m}"
            if covered
            else None
        ),
        "cost_by_programme_and_region": [
            {
                "programme": programme,
                "region_code": county,
                "monthly_difference": format_yuan(v[0]),
                "annual_difference": format_yuan(v[1]),
                "arrears_difference": format_yuan(v[2]),
            }
            for (programme, county), v in sorted(cost.items())
            if v != [0, 0, 0, 0]
        ],
        "sample": changed_amount[:sample_size],
        "category_changes": changed_category[:sample_size],
        "method": (
            "each household's entitlements recomputed against the proposed standards by the "
            "same rules as a recorded change, and priced by the payment runs' own rules: "
            "monthly: the difference of the amounts in force on effective_from; "
            "first_month: of what the month of effective_from owes, its days at their "
            "amounts (pro rata); annual: the same over the 12 months from it. A month a run "
            "has covered (arrears_periods) is paid as arrears (补发) by the next run "
            "(arrears_difference, in the annual figure); a month before the first run is "
            "never paid. Categories change only by determination: "
            "category_changes lists households whose latest approved means would test into "
            "another category under the proposed standards."
        ),
    }
