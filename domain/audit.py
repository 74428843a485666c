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
from domain.medical import hospital_waiver
from domain.rules import AMOUNT_STANDARD, Means, cash_amount, means_test, village_subsidy
from domain.standards import StandardsBook

BookAt = Callable[[str, datetime], StandardsBook]
# The recorded inputs a monthly amount is computed from (see rules.cash_amount).
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
    # POLICY.md §13 and today's standards (e.g. written before the §13 fix, when a
    # backdated re-assessment did not replace a later-dated determination): `ledger
    # correct` records the corrections.
    drifted: list[dict[str, Any]] = field(default_factory=list)
    # Households given such a correction (informational: the corrections are recorded).
    corrected: list[dict[str, Any]] = field(default_factory=list)
    # Snapshots of an older state version: never used (the household is folded from its
    # events instead), so not compared; `ledger correct` writes current ones.
    stale_snapshots: int = 0

    @property
    def ok(self) -> bool:
        return (
            not self.chain_breaks
            and not self.recompute_mismatches
            and not self.unfinished_propagations
            and not self.drifted
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
            book = book_at(household.region_code, event.timestamp)
            try:
                problems = list(_recompute(household, event, book))
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
        household = event.mutate(household)
        stored = (snapshots or {}).get(event.originator_version)
        if stored is not None and household is not None:
            try:
                state = stored().__dict__
                if STALE_SNAPSHOT in state:  # never used: see Household.class_version
                    report.stale_snapshots += 1
                    continue
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

    if household is None or not events:
        return
    hid = str(events[0].originator_id)
    if corrections:
        report.corrected.append({"household_id": hid, "corrections": corrections})
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


def _recompute(household: Household, event: Any, book: StandardsBook) -> Iterable[str]:
    if isinstance(event, Household.ApplicationDetermined) and event.outcome == "approved":
        application = household.applications[event.application_id]
        migrated = event.decision == "migrate"  # the category came from the old system
        if application.programme in ("dibao", "marginal", "low_income") and not migrated:
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
            if line["programme"] in AMOUNT_STANDARD and "monthly_fen" in line:
                if migrated and MIGRATED in basis:
                    # Held as the old system recorded it: the figure in its basis.
                    held = basis[MIGRATED]
                else:
                    on = application.effective_from
                    held = cash_amount(line["programme"], basis, book, on).monthly_fen
                if held != line["monthly_fen"]:
                    yield (
                        f"{line['programme']} recomputes to {held} fen, "
                        f"recorded {line['monthly_fen']}"
                    )
    elif isinstance(event, Household.GrantAwarded):
        grant = household.grant_amount(household.applications[event.application_id], book)
        if grant.monthly_fen != event.amount_fen:
            yield (
                f"{event.programme} grant recomputes to {grant.monthly_fen} fen, "
                f"recorded {event.amount_fen}"
            )
    elif isinstance(event, Household.MedicalReliefGranted):
        relief = household.bills[event.bill_id].relief_fen
        if relief != event.amount_fen:
            yield (
                f"the fund's payout for bill {event.bill_id} is {event.amount_fen} fen, "
                f"the bill's relief {relief}"
            )
    elif isinstance(event, Household.DividendRecorded):
        subsidy = village_subsidy(event.amount_fen)
        if subsidy != event.village_subsidy_fen:
            yield (
                f"village subsidy recomputes to {subsidy} fen (50% of {event.amount_fen}), "
                f"recorded {event.village_subsidy_fen}"
            )
    elif isinstance(event, Household.EntitlementChanged):
        key = event.programme + (f"/{event.member_id}" if event.member_id else "")
        want = _step(household._desired(key, book), event.effective_on)
        if want is None or (want.monthly_fen, want.ended) != (event.monthly_fen, event.ended):
            got = None if want is None else (want.monthly_fen, want.ended)
            yield (
                f"{key} on {event.effective_on.isoformat()} recomputes to {got}, "
                f"recorded {(event.monthly_fen, event.ended)}"
            )
    elif isinstance(event, Household.MedicalBillRecorded):
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
    elif isinstance(event, Household.MedicalReliefAdjusted):
        bill = household.bills[event.bill_id]
        if bill.cancelled:
            again = (0, 0)
        else:
            split = household._split_for(
                bill.member_id,
                bill.cap_year,
                bill.service_on,
                bill.counted_fen,
                book,
                before_seq=bill.seq,
            )[0]
            again = (split.kept_fen, split.relief_fen)
        if again != (event.kept_fen, event.relief_fen):
            yield (
                f"bill {event.bill_id} split recomputes to {again}, recorded "
                f"{(event.kept_fen, event.relief_fen)}"
            )


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
