"""The standards: their seeds, changes (checked by the plan's rules) and the propagation
of a change to every household it reaches (POLICY ch. 3)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from copy import deepcopy
from datetime import date
from fractions import Fraction
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.persistence import IntegrityError

from domain.application.base import PROPAGATION_BATCH, LedgerBase, Propagation, StandardChangeResult
from domain.errors import InvalidInputError, LedgerError, NotFoundError
from domain.household import (
    Household,
)
from domain.policy.base import StandardValue
from domain.policy.registry import REGISTRY
from domain.standards import (
    CITY_CODE,
    COUNTIES,
    KEYS,
    Change,
    Standards,
    StandardsBook,
    add_missing_seeds,
    county_of,
    default_city_standards,
    standards_id,
    validate_change,
    validate_region_code,
)


class StandardsLedger(LedgerBase):
    """Commands over the standards timelines."""

    # ---------------------------------------------------------------- standards

    def seed_standards(self) -> bool:
        """Open the city's standards with the defaults of POLICY.md (idempotent); on an
        existing ledger, record the defaults of keys declared since it was opened.
        True when the city's standards were opened now."""
        try:
            city: Any = self.repository.get(standards_id(CITY_CODE))
        except AggregateNotFoundError:
            city = None
        if city is not None:
            if add_missing_seeds(city):
                with suppress(IntegrityError):  # added concurrently by another process
                    self.save(city)
            return False
        try:
            self.save(default_city_standards())
        except IntegrityError:
            return False  # seeded concurrently by another process
        return True

    def standards_book(self, region_code: str, *, read_only: bool = False) -> StandardsBook:
        """The standards of a region: its county's own over the city's (POLICY ch. 10).
        `read_only`: for a reader that never changes the book (a page's figures), the
        timelines are shared copies made once per version instead of fresh ones."""
        city = self._standards(CITY_CODE, read_only=read_only)
        if city is None:
            raise NotFoundError("the city's standards are not seeded; run `ledger demo` or seed")
        county_code = county_of(region_code)
        county = (
            self._standards(county_code, read_only=read_only) if county_code != CITY_CODE else None
        )
        return StandardsBook(city, county)

    def _standards_repository(self) -> Repository[UUID]:
        """The standards timelines, kept between reads: a page reads a county's book for
        many households, and each read folded the city's and the county's streams from
        their first event. Kept, a read asks the event store only for the events after
        the kept version (eventsourcing's fast-forward: a change recorded by another
        process is seen at the next read) and hands out a copy (a command that changes
        its copy and fails to save leaves the kept one as it was)."""
        kept: Repository[UUID] | None = getattr(self, "_kept_standards", None)
        if kept is None:
            kept = Repository(
                self.events,
                snapshot_store=self.snapshots,
                cache_maxsize=len(COUNTIES) + 1,
                fastforward=True,
                deepcopy_from_cache=True,
            )
            self._kept_standards = kept
        return kept

    def _read_only_standards(self, stream: UUID) -> Any:
        """The kept timeline, brought up to date, as a copy shared by readers until its
        next version: a page read ten books, and copying each for every read cost more
        than folding the news (a copy of the city's holds every change since 2023)."""
        kept: Any = self._standards_repository().get(stream, deepcopy_from_cache=False)
        copies: dict[UUID, Any] = self.__dict__.setdefault("_read_only_copies", {})
        shared = copies.get(stream)
        if shared is None or shared.version != kept.version:
            shared = copies[stream] = deepcopy(kept)
        return shared

    def standard_change(self, region_code: str, version: int) -> Change:
        """The recorded change of `version` in the region's own standards."""
        standards = self._standards(region_code)
        if standards is None:
            raise NotFoundError(f"no standards for {region_code}", "region_code")
        return standards.change(version)

    def _standards(self, region_code: str, *, read_only: bool = False) -> Standards | None:
        stream = standards_id(region_code)
        try:
            if read_only:
                found: Any = self._read_only_standards(stream)
            else:
                found = self._standards_repository().get(stream)
        except AggregateNotFoundError:
            return None
        if not isinstance(found, Standards):
            raise TypeError(f"stream {standards_id(region_code)} is not a standards timeline")
        return found

    def record_standard_change(
        self,
        *,
        key: str,
        value: StandardValue,
        effective_from: date,
        basis: str,
        actor: str,
        region_code: str | None = None,
        cited_income_growth: Fraction | None = None,
        cited_urban_consumption_fen: int | None = None,
        override_reason: str | None = None,
    ) -> StandardChangeResult:
        if key not in KEYS:
            raise InvalidInputError(f"unknown standard key {key!r}", "key")
        if not basis.strip():
            raise InvalidInputError("basis must cite the legal basis of the change", "basis")
        region = validate_region_code(region_code or CITY_CODE)
        if region != CITY_CODE and region not in COUNTIES:
            raise InvalidInputError(
                "standards are set by the city (330400) or a county", "region_code"
            )

        def attempt() -> tuple[list[Any], StandardChangeResult]:
            book = self.standards_book(region)
            validate_change(
                book,
                key=key,
                value=value,
                effective_from=effective_from,
                cited_income_growth=cited_income_growth,
                cited_urban_consumption_fen=cited_urban_consumption_fen,
                override_reason=override_reason,
            )
            standards = book.county if region != CITY_CODE else book.city
            if standards is None:
                standards = Standards.open(region, actor, effective_from)
            standards.record_change(
                key=key,
                value=value,
                effective_from=effective_from,
                basis=basis,
                actor=actor,
                cited_income_growth=cited_income_growth,
                cited_urban_consumption_fen=cited_urban_consumption_fen,
                override_reason=override_reason,
            )
            # Its version: the one its event gave the stream (saved below, or retried).
            return [standards], StandardChangeResult(region, key, standards.version)

        return self.retrying(attempt, "the standards")

    # --------------------------------------------------------------- households

    def propagate_change(
        self,
        household_ids: Iterable[UUID],
        *,
        key: str,
        effective_from: date,
        actor: str,
        reason: str,
    ) -> Propagation:
        """Bring each household in line with a change of `key` from `effective_from`
        (`Household.apply_standard_change`), saving many households per transaction.
        Idempotent: a household already in line records nothing. A household whose
        recompute a rule refuses records nothing and is reported in `refused`; the
        others go on, so the propagation never stops half-way."""
        result = Propagation()
        books: dict[str, StandardsBook] = {}

        def apply(household: Household) -> int:
            region = county_of(household.region_code)
            if region not in books:
                books[region] = self.standards_book(household.region_code)
            return household.apply_standard_change(
                books[region], key=key, effective_from=effective_from, actor=actor, reason=reason
            )

        ids = list(household_ids)
        for start in range(0, len(ids), PROPAGATION_BATCH):
            self._propagate_batch(ids[start : start + PROPAGATION_BATCH], apply, result)
        return result

    def _propagate_batch(
        self, ids: Sequence[UUID], apply: Callable[[Household], int], result: Propagation
    ) -> None:
        """One transaction for the households of `ids` a change alters; on a conflict
        (a household changed under us), one at a time with retry."""

        def refused(hid: UUID, error: LedgerError) -> None:
            result.refused.append(
                {"household_id": str(hid), "field": error.field or "", "message": error.message}
            )

        changed: list[tuple[Household, int]] = []
        for hid in ids:
            household = self.household(hid)
            try:
                count = apply(household)
            except LedgerError as error:
                refused(hid, error)
                continue
            if count:
                changed.append((household, count))
        if not changed:
            return
        try:
            self.save(*(household for household, _ in changed))
            result.adjusted += sum(count for _, count in changed)
        except IntegrityError:
            for household, _ in changed:
                try:
                    result.adjusted += self.update(household.id, apply)
                except LedgerError as error:
                    refused(household.id, error)

    def complete_propagation(
        self, region_code: str, version: int, propagation: Propagation, *, actor: str
    ) -> None:
        """Record on the standards stream that the change of `version` has reached every
        household it can affect (`ledger verify` reports the changes without it)."""

        def attempt() -> tuple[list[Any], None]:
            standards = self._standards(region_code)
            if standards is None:
                raise NotFoundError(f"no standards for {region_code}", "region_code")
            standards.complete_propagation(
                version, adjusted=propagation.adjusted, refused=propagation.refused, actor=actor
            )
            return [standards], None

        self.retrying(attempt, "the standards")

    def unfinished_propagations(self) -> list[tuple[str, Change]]:
        """(region, change) of every recorded change whose propagation is unfinished."""
        found: list[tuple[str, Change]] = []
        for region in (CITY_CODE, *sorted(COUNTIES)):
            standards = self._standards(region)
            if standards is not None:
                found += [(region, c) for c in standards.unfinished(REGISTRY.propagated_keys())]
        return found

    # ---------------------------------------------------------------- audit
