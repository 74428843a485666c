"""Bitemporal questions over the entitlement history rows (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from projections.interface import EntitlementRow


@dataclass(frozen=True)
class InForce:
    row: EntitlementRow
    effective_to: date | None  # last day of this amount, as known; None if open


def in_force(rows: list[EntitlementRow], as_of: date) -> list[InForce]:
    """Each entitlement's amount in force on `as_of`, given the rows known.

    Within one entitlement the change point with the latest `effective_from` on or
    before `as_of` applies; two points on the same date go to the later record. The
    amount runs until the next date whose point changes it (a later point that records
    the same amount, such as a POLICY ch. 13 correction, does not end it), and it is answered
    from the first point of the row of points that give it.
    """
    by_key: dict[tuple[str, str | None], list[EntitlementRow]] = {}
    for row in rows:
        if row.cause == "grant":
            continue  # one-off: in the history, never a monthly amount in force
        by_key.setdefault((row.programme, row.member_id), []).append(row)
    found: list[InForce] = []
    for key in sorted(by_key, key=lambda k: (k[0], k[1] or "")):
        by_date: dict[date, EntitlementRow] = {}
        for row in by_key[key]:
            before = by_date.get(row.effective_from)
            if before is None or row.notification_id > before.notification_id:
                by_date[row.effective_from] = row
        dates = sorted(by_date)
        known = [d for d in dates if d <= as_of]
        if not known or by_date[known[-1]].ended:
            continue
        value = _value(by_date[known[-1]])
        # The amount in force since the first of the points in a row that give it (a
        # later one of the same amount, such as a correction, starts nothing new).
        start = len(known) - 1
        while start > 0 and _value(by_date[known[start - 1]]) == value:
            start -= 1
        current = by_date[known[start]]
        changes = [d for d in dates if d > as_of and _value(by_date[d]) != value]
        found.append(InForce(current, changes[0] - timedelta(days=1) if changes else None))
    return found


def _value(row: EntitlementRow) -> tuple[int, bool, bool]:
    return row.monthly_fen, row.ended, row.cause == "suspension"


def as_day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True)
class CareStatus:
    household_id: str
    region_code: str
    tier: str
    why: str
    last_visit_on: date | None
    due_on: date
    overdue: bool


@dataclass(frozen=True)
class CareFacts:
    """The care view's rows, grouped by household (read once per question)."""

    regions: dict[str, str]
    categories: dict[str, list[dict[str, Any]]]
    facts: dict[str, list[dict[str, Any]]]
    visits: dict[str, list[date]]
    majors: dict[str, list[tuple[date, date | None]]]
    # Worked out from the rows above as they are asked for (see member_facts).
    _dates: dict[str, list[tuple[date, str, str, str]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _answers: dict[tuple[str, date], dict[str, dict[str, str]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _spans: dict[str, list[tuple[date, date | None, bool, dict[str, Any]]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def _spans_of(self, household: str) -> list[tuple[date, date | None, bool, dict[str, Any]]]:
        """The household's category rows with their dates read once: (from, to, whether
        a member's, the row). A page asks for them many times (every rule, every date)."""
        spans = self._spans.get(household)
        if spans is None:
            spans = [
                (
                    as_day(c["effective_from"]),
                    as_day(c["effective_to"]) if c["effective_to"] is not None else None,
                    c["member_id"] != "",
                    c,
                )
                for c in self.categories.get(household, [])
            ]
            self._spans[household] = spans
        return spans

    def categories_on(
        self, household: str, on: date, *, household_level: bool = False
    ) -> list[dict[str, Any]]:
        """The category spans in force on `on` (from their first day, up to but not
        including `effective_to`): the one place the views' spans are read by date.
        `household_level`: only the household's own (no member's)."""
        return [
            c
            for start, end, members, c in self._spans_of(household)
            if start <= on and (end is None or on < end) and not (household_level and members)
        ]

    def registered(self, household: str, on: date) -> bool:
        """A registered difficulty household (在册困难家庭): a category in force on `on`."""
        return bool(self.categories_on(household, on))

    def member_facts(self, household: str, on: date) -> dict[str, dict[str, str]]:
        """Each member's value of each fact on `on`: the one with the latest effective
        date, and of those the last recorded (the rows come in that order). Worked out
        once per household and date (a page asks for the same several times: the visit
        tier, then the unemployed members); the answer is read, never changed."""
        kept = self._answers.get((household, on))
        if kept is not None:
            return kept
        found: dict[str, dict[str, str]] = {}
        for day, member_id, fact, value in self._dated(household):
            if day > on:
                break  # by effective date: none after this one is in force on `on`
            found.setdefault(member_id, {})[fact] = value
        self._answers[(household, on)] = found
        return found

    def _dated(self, household: str) -> list[tuple[date, str, str, str]]:
        """The household's fact rows with their dates read once, in the rows' order."""
        dated = self._dates.get(household)
        if dated is None:
            dated = [
                (as_day(r["effective_on"]), r["member_id"], r["fact"], r["value"])
                for r in self.facts.get(household, [])
            ]
            self._dates[household] = dated
        return dated

    def present_members(self, household: str, on: date) -> dict[str, dict[str, str]]:
        return {
            m: f
            for m, f in self.member_facts(household, on).items()
            if f.get("left_household") != "True"
        }

    def status(self, household: str, on: date) -> CareStatus | None:
        from domain.policy.s30_visit_tiers import visit_due, visit_tier

        open_changes = [
            r for r, s in self.majors.get(household, []) if r <= on and (s is None or s > on)
        ]
        severe = any(
            f.get("severe_disability") == "True" or f.get("severe_illness") == "True"
            for f in self.present_members(household, on).values()
        )
        tier = visit_tier(
            registered=self.registered(household, on),
            major_change_open=bool(open_changes),
            severe=severe,
        )
        if tier is None:  # not a registered difficulty household on `on`
            return None
        visits = [v for v in self.visits.get(household, []) if v <= on]
        last = max(visits) if visits else None
        start = min(span[0] for span in self._spans_of(household))
        anchor = max(open_changes) if tier[0] == "weekly" else start
        due = visit_due(tier[0], last, anchor)
        return CareStatus(
            household, self.regions.get(household, ""), tier[0], tier[1], last, due, due < on
        )
