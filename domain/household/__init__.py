"""The `Household` aggregate: one stream per household, the consistency boundary.

It is assembled from per-concern parts, each a class over the one below it (its events
beside the commands that trigger them): `state` (the facts and the questions asked of
them), `entitlements`, `categories`, `membership`, `medical`, `care`, `applications`,
`path` (the statutory path of POLICY ch. 14), `appeals` (the letter, review and
appeal), `grants`, `determinations`, `life_events`, `reviews` (periodic review and
phase-out; both POLICY ch. 15) and `assignment` (the responsible caseworker). What a
programme grants and how much is not here: each programme's rules are its plan item's
module in `domain/policy/`, which the parts ask through `REGISTRY`.

The class keeps its name and module (`domain.household:Household`), so the stored event
topics (`domain.household:Household.MemberAdded`, ...) and snapshots resolve as before:
the library defines each part's event classes again on `Household`."""

from __future__ import annotations

from domain.household.assignment import AssignmentPart
from domain.household.state import (
    CORRECTION,
    EMPLOYMENT,
    MEDICAL_FUND,
    MEMBER_FLAGS,
    MIGRATED,
    MIGRATED_VERSION,
    RELATIONS,
    RESIDENCES,
    STALE_SNAPSHOT,
    SUSPENSION,
    ApplicationRecord,
    AttributeChange,
    Basis,
    CategorySpan,
    Determination,
    EntitlementKey,
    HouseholdEvent,
    MedicalBill,
    Member,
    PathRecord,
    Point,
    Suspension,
    Timeline,
    _step,
    entitlement_key,
    split_key,
    supersede,
)


class Household(AssignmentPart):
    """A household in difficulty: its members, applications, categories and the
    timeline of each of its entitlements."""


__all__ = [
    "CORRECTION",
    "EMPLOYMENT",
    "MEDICAL_FUND",
    "MEMBER_FLAGS",
    "MIGRATED",
    "MIGRATED_VERSION",
    "RELATIONS",
    "RESIDENCES",
    "STALE_SNAPSHOT",
    "SUSPENSION",
    "ApplicationRecord",
    "AttributeChange",
    "Basis",
    "CategorySpan",
    "Determination",
    "EntitlementKey",
    "Household",
    "HouseholdEvent",
    "MedicalBill",
    "Member",
    "PathRecord",
    "Point",
    "Suspension",
    "Timeline",
    "_step",
    "entitlement_key",
    "split_key",
    "supersede",
]
