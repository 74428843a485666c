"""Audit: walk every stream's hash chain, and recompute what was recorded from the
recorded inputs and the standards in force as they were known at the time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.chain import GENESIS, ChainBrokenError, check
from domain.errors import LedgerError
from domain.household import CORRECTION, MIGRATED, STALE_SNAPSHOT, Household, _step
from domain.household.state import ApplicationRecord
from domain.policy.registry import REGISTRY
from domain.policy.s05_means_test import Means, means_test
from domain.policy.s16_hospital_waiver import hospital_waiver
from domain.policy.s23_village_subsidy import village_subsidy
from domain.standards import StandardsBook

BookAt = Callable[[str, datetime], StandardsBook]
# The recorded inputs a monthly amount is computed from (see Programme.amount).
BASIS_KEYS = (
    "countable_income_fen",
    "household_size",
    "marginal",
    "tier_ratio_num",
    "tier_ratio_den",
    "market_rent_fen",
    "cpi_num",
    "cpi_den",
    MIGRATED,
)


@dataclass
class VerifyReport:
    streams_checked: int = 0
    events_checked: int = 0
    chain_breaks: list[dict[str, Any]] = field(default_factory=list)
    recompute_mismatches: list[dict[str, Any]] = field(default_factory=list)
    # Standard changes recorded but not yet propagated to every household they can
    # affect (cut short): `ledger propagate` completes them.
    unfinished_propagations: list[dict[str, Any]] = field(default_factory=list)
    # Entitlements whose recorded amounts differ from what the household's bases give by
    # POLICY ch. 13 and today's standards (e.g. written before the POLICY ch. 13 fix, when a
    # backdated re-assessment did not replace a later-dated determination): `ledger
    # correct` records the corrections.
    drifted: list[dict[str, Any]] = field(default_factory=list)
    # Households given such a correction (informational: the corrections are recorded).
    corrected: list[dict[str, Any]] = field(default_factory=list)
    # Snapshots of an older state version: never used (the household is folded from its
    # events instead), so not compared; `ledger correct` writes current ones.
    stale_snapshots: int = 0
    # `ledger verify --checkpoint`: what comparing the signed checkpoint with the events
    # found (domain.checkpoint.Finding, as dicts).
    checkpoint_checked: bool = False
    checkpoint: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.chain_breaks
            and not self.recompute_mismatches
            and not self.unfinished_propagations
            and not self.drifted
            and not self.checkpoint
        )


def check_chain(stream_id: UUID, events: list[Any], report: VerifyReport) -> bool:
    """Versions 1, 2, 3 … and each event's chain from the previous one."""
    previous = GENESIS
    for expected_version, event in enumerate(events, start=1):
        report.events_checked += 1
        if event.originator_version != expected_version:
            report.chain_breaks.append(
                {
                    "stream_id": str(stream_id),
                    "version": event.originator_version,
                    "reason": f"version {expected_version} expected",
                }
            )
            return False
        try:
            check(previous, event)
        except ChainBrokenError as error:
            report.chain_breaks.append(
                {
                    "stream_id": str(stream_id),
                    "version": event.originator_version,
                    "reason": error.message,
                }
            )
            return False
        previous = event.chain
    return True


def recompute_household(
    events: list[Any],
    book_at: BookAt,
    report: VerifyReport,
    snapshots: dict[int, Callable[[], Any]] | None = None,
) -> None:
    """Fold the stream; before each recorded result, compute it again and compare. Where
    a snapshot was stored (`snapshots`: by version, a function giving the aggregate it
    holds), the fold at that version must equal it, chain head included: a snapshot is
    what later loads start from."""
    household: Household | None = None
    corrections: list[str] = []
    for event in events:
        if isinstance(event, Household.EntitlementChanged) and event.cause == CORRECTION:
            corrections.append(f"{event.programme} from {event.effective_on.isoformat()}")
        if household is not None:
            _recompute_event(household, event, book_at, report)
        household = event.mutate(household)
        stored = (snapshots or {}).get(event.originator_version)
        if stored is not None and household is not None:
            _compare_snapshot(household, event, stored, report)
    if household is None or not events:
        return
    hid = str(events[0].originator_id)
    if corrections:
        report.corrected.append({"household_id": hid, "corrections": corrections})
    _check_drift(household, hid, book_at, report)


def _recompute_event(
    household: Household, event: Any, book_at: BookAt, report: VerifyReport
) -> None:
    book = book_at(household.region_code, event.timestamp)
    check = _CHECKS.get(type(event).__name__)
    if check is None:
        return
    try:
        problems = list(check(household, event, book))
    except LedgerError as error:  # the recorded inputs no longer pass the rule
        problems = [f"cannot be recomputed: {error.message}"]
    for problem in problems:
        report.recompute_mismatches.append(
            {
                "household_id": str(event.originator_id),
                "version": event.originator_version,
                "event": type(event).__name__,
                "problem": problem,
            }
        )


def _compare_snapshot(
    household: Household, event: Any, stored: Callable[[], Any], report: VerifyReport
) -> None:
    try:
        state = stored().__dict__
        if STALE_SNAPSHOT in state:  # never used: see Household.class_version
            report.stale_snapshots += 1
            return
        same = state == household.__dict__
    except Exception:  # a snapshot that no longer decodes differs too
        same = False
    if not same:
        report.chain_breaks.append(
            {
                "stream_id": str(event.originator_id),
                "version": event.originator_version,
                "reason": "snapshot differs from its events",
            }
        )


def _check_drift(household: Household, hid: str, book_at: BookAt, report: VerifyReport) -> None:
    """Today's entitlements against what the bases give by POLICY ch. 13 (`drifted`)."""
    book = book_at(household.region_code, datetime.now(UTC))
    try:
        drifted = household.drifted(book)
    except LedgerError as error:
        report.recompute_mismatches.append(
            {
                "household_id": hid,
                "version": household.version,
                "event": "(entitlements today)",
                "problem": f"cannot be recomputed: {error.message}",
            }
        )
        return
    if drifted:
        report.drifted.append({"household_id": hid, "entitlements": drifted})


MEANS_KEYS = ("annual_income_fen", "rigid_deductions_fen", "car_insurance_value_fen")


def _report_means(application: ApplicationRecord, event: Any) -> Iterable[str]:
    """A decision on the statutory path (POLICY ch. 14) uses the means of its check
    report: the means it records must be the report's (the application as it was before
    the decision, when the report was attached)."""
    path = application.path
    if path is None or path.report is None:
        return
    report = path.report["means"]
    means_tested = REGISTRY[application.programme].means_tested
    needed = event.outcome == "approved" and means_tested and event.decision != "migrate"
    recorded = {k: event.inputs[k] for k in MEANS_KEYS if k in event.inputs}
    if not recorded and not needed:
        return
    if any(int(recorded.get(k, -1)) != int(report[k]) for k in MEANS_KEYS):
        yield f"decision means differ from the check report of {path.report['on'].isoformat()}"


def _determination(household: Household, event: Any, book: StandardsBook) -> Iterable[str]:
    application = household.applications[event.application_id]
    yield from _report_means(application, event)
    if event.outcome != "approved":
        return
    migrated = event.decision == "migrate"  # the category came from the old system
    if REGISTRY[application.programme].means_tested and not migrated:
        means = Means.from_dict(event.inputs)
        result = means_test(
            means, int(event.inputs["household_size"]), book, application.effective_from
        )
        if result.category != event.category:
            yield f"means test gives {result.category}, recorded {event.category}"
    basis = {k: int(v) for k, v in event.inputs.items() if k in BASIS_KEYS}
    for line in event.entitlements:
        if "amount_fen" in line:  # a one-off grant (§11, §14, §28)
            granted = household.grant_amount(application, book).monthly_fen
            if granted != line["amount_fen"]:
                yield (
                    f"{line['programme']} recomputes to {granted} fen, "
                    f"recorded {line['amount_fen']}"
                )
        declared = REGISTRY[line["programme"]]
        if declared.pays_monthly and "monthly_fen" in line:
            if migrated and MIGRATED in basis:
                held = basis[MIGRATED]  # held as the old system recorded it
            else:
                held = declared.amount(basis, book, application.effective_from).monthly_fen
            if held != line["monthly_fen"]:
                yield (
                    f"{line['programme']} recomputes to {held} fen, recorded {line['monthly_fen']}"
                )


def _grant(household: Household, event: Any, book: StandardsBook) -> Iterable[str]:
    grant = household.grant_amount(household.applications[event.application_id], book)
    if grant.monthly_fen != event.amount_fen:
        yield (
            f"{event.programme} grant recomputes to {grant.monthly_fen} fen, "
            f"recorded {event.amount_fen}"
        )


def _relief(household: Household, event: Any, book: StandardsBook) -> Iterable[str]:
    relief = household.bills[event.bill_id].relief_fen
    if relief != event.amount_fen:
        yield (
            f"the fund's payout for bill {event.bill_id} is {event.amount_fen} fen, "
            f"the bill's relief {relief}"
        )


def _dividend(household: Household, event: Any, book: StandardsBook) -> Iterable[str]:
    subsidy = village_subsidy(event.amount_fen)
    if subsidy != event.village_subsidy_fen:
        yield (
            f"village subsidy recomputes to {subsidy} fen (50% of {event.amount_fen}), "
            f"recorded {event.village_subsidy_fen}"
        )


def _entitlement(household: Household, event: Any, book: StandardsBook) -> Iterable[str]:
    key = event.programme + (f"/{event.member_id}" if event.member_id else "")
    want = _step(household._desired(key, book), event.effective_on)
    if want is None or (want.monthly_fen, want.ended) != (event.monthly_fen, event.ended):
        got = None if want is None else (want.monthly_fen, want.ended)
        yield (
            f"{key} on {event.effective_on.isoformat()} recomputes to {got}, "
            f"recorded {(event.monthly_fen, event.ended)}"
        )


def _bill(household: Household, event: Any, book: StandardsBook) -> Iterable[str]:
    eligible, who = household._waiver_eligibility(event.member_id, event.effective_on)
    items = tuple((str(kind), int(amount)) for kind, amount in event.items)
    waived = hospital_waiver(items, eligible, who).waived_fen
    counted = event.self_paid_fen - min(waived, event.self_paid_fen)
    split = household._split_for(
        event.member_id, event.cap_year, event.effective_on, counted, book, None
    )[0]
    recorded = (event.waived_fen, event.counted_fen, event.kept_fen, event.relief_fen)
    figures = (waived, counted, split.kept_fen, split.relief_fen)
    if recorded != figures:
        yield f"bill {event.bill_id} recomputes to {figures}, recorded {recorded}"


def _relief_adjusted(household: Household, event: Any, book: StandardsBook) -> Iterable[str]:
    bill = household.bills[event.bill_id]
    if bill.cancelled:
        again = (0, 0)
    else:
        split = household._split_for(
            bill.member_id, bill.cap_year, bill.service_on, bill.counted_fen, book, bill.seq
        )[0]
        again = (split.kept_fen, split.relief_fen)
    if again != (event.kept_fen, event.relief_fen):
        yield (
            f"bill {event.bill_id} split recomputes to {again}, recorded "
            f"{(event.kept_fen, event.relief_fen)}"
        )


# What each recorded result is recomputed with, by event class.
_CHECKS: dict[str, Callable[[Household, Any, StandardsBook], Iterable[str]]] = {
    "ApplicationDetermined": _determination,
    "GrantAwarded": _grant,
    "MedicalReliefGranted": _relief,
    "DividendRecorded": _dividend,
    "EntitlementChanged": _entitlement,
    "MedicalBillRecorded": _bill,
    "MedicalReliefAdjusted": _relief_adjusted,
}


class StandardsHistory:
    """The standards of each jurisdiction as they were known at any time (from their
    streams' events), for recomputing a result with what was in force when recorded."""

    def __init__(self, streams: dict[str, list[Any]]) -> None:
        self._streams = streams  # region code -> Standards events in order
        self._cache: dict[tuple[str, int, int], StandardsBook] = {}

    def _known(self, region: str, at: datetime) -> list[Any]:
        return [e for e in self._streams.get(region, []) if e.timestamp <= at]

    def book_at(self, region_code: str, at: datetime) -> StandardsBook:
        from domain.standards import CITY_CODE, county_of

        county = county_of(region_code)
        city_events = self._known(CITY_CODE, at)
        county_events = self._known(county, at) if county != CITY_CODE else []
        key = (county, len(city_events), len(county_events))
        if key not in self._cache:
            city: Any = None
            for event in city_events:
                city = event.mutate(city)
            county_standards: Any = None
            for event in county_events:
                county_standards = event.mutate(county_standards)
            self._cache[key] = StandardsBook(city, county_standards)
        return self._cache[key]
