"""Bitemporal questions over the entitlement history rows (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from projections.interface import EntitlementRow


@dataclass(frozen=True)
class InForce:
    row: EntitlementRow
    effective_to: date | None  # last day of this amount, as known; None if open


def in_force(rows: list[EntitlementRow], as_of: date) -> list[InForce]:
    """Each entitlement's amount in force on `as_of`, given the rows known.

    Within one entitlement the change point with the latest `effective_from` on or
    before `as_of` applies; two points on the same date go to the later record.
    """
    by_key: dict[tuple[str, str | None], list[EntitlementRow]] = {}
    for row in rows:
        if row.cause == "grant":
            continue  # one-off: in the history, never a monthly amount in force
        by_key.setdefault((row.programme, row.member_id), []).append(row)
    found: list[InForce] = []
    for key in sorted(by_key, key=lambda k: (k[0], k[1] or "")):
        points = by_key[key]
        current: EntitlementRow | None = None
        for row in points:
            if row.effective_from <= as_of and (
                current is None
                or (row.effective_from, row.notification_id)
                > (current.effective_from, current.notification_id)
            ):
                current = row
        if current is None or current.ended:
            continue
        later = [r.effective_from for r in points if r.effective_from > as_of]
        found.append(InForce(current, min(later) - timedelta(days=1) if later else None))
    return found
