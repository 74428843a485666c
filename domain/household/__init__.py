"""The `Household` aggregate: one stream per household, the consistency boundary.

It is assembled from per-concern parts, each a class over the one below it (its events
beside the commands that trigger them): `state` (the facts and the questions asked of
them), `entitlements`, `categories`, `membership`, `medical`, `care`, `helps` and
`applications`. The class keeps its name and module (`domain.household:Household`), so
the stored event topics (`domain.household:Household.MemberAdded`, ...) and snapshots
resolve as before: the library defines each part's event classes again on `Household`."""

from __future__ import annotations

from domain.household.applications import (
    _check_details,
    _detail_count,
    _detail_date,
    _disaster_details,
    _renovation_requested,
    _rent_details,
    _school_year,
)
from domain.household.care import (
    visit_due,
    visit_tier,
)
from domain.household.determinations import DeterminationsPart
from domain.household.entitlements import (
    _months,
    _periods,
    _suspend,
)
from domain.household.medical import (
    _cap_year_start,
    _figure_fields,
)
from domain.household.membership import (
    _join,
)
from domain.household.state import (
    AMOUNT_KEYS,
    CAP_KEYS,
    CARE,
    CATEGORY_PROGRAMMES,
    CORRECTION,
    EMPLOYMENT,
    GRANTS,
    HOUSEHOLD_CATEGORIES,
    MEANS_TESTED,
    MEDICAL_FUND,
    MEMBER_FLAGS,
    MIGRATED,
    MIGRATED_VERSION,
    PERSON_PROGRAMMES,
    PROGRAMMES,
    PROPAGATED_KEYS,
    RELATIONS,
    RESIDENCES,
    SCHOOL_STAGES,
    STALE_SNAPSHOT,
    SUBSIDIES,
    SUSPENSION,
    UNEMPLOYED_SUBSIDY_MONTHS,
    ApplicationRecord,
    AttributeChange,
    Basis,
    CategorySpan,
    Determination,
    EntitlementKey,
    HouseholdEvent,
    MedicalBill,
    Member,
    Point,
    Suspension,
    Timeline,
    _choice,
    _reason,
    _step,
    entitlement_key,
    split_key,
    supersede,
)


class Household(DeterminationsPart):
    """A household in difficulty: its members, applications, categories and the
    timeline of each of its entitlements."""


__all__ = [
    "AMOUNT_KEYS",
    "CAP_KEYS",
    "CARE",
    "CATEGORY_PROGRAMMES",
    "CORRECTION",
    "EMPLOYMENT",
    "GRANTS",
    "HOUSEHOLD_CATEGORIES",
    "MEANS_TESTED",
    "MEDICAL_FUND",
    "MEMBER_FLAGS",
    "MIGRATED",
    "MIGRATED_VERSION",
    "PERSON_PROGRAMMES",
    "PROGRAMMES",
    "PROPAGATED_KEYS",
    "RELATIONS",
    "RESIDENCES",
    "SCHOOL_STAGES",
    "STALE_SNAPSHOT",
    "SUBSIDIES",
    "SUSPENSION",
    "UNEMPLOYED_SUBSIDY_MONTHS",
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
    "Point",
    "Suspension",
    "Timeline",
    "_cap_year_start",
    "_check_details",
    "_choice",
    "_detail_count",
    "_detail_date",
    "_disaster_details",
    "_figure_fields",
    "_join",
    "_months",
    "_periods",
    "_reason",
    "_renovation_requested",
    "_rent_details",
    "_school_year",
    "_step",
    "_suspend",
    "entitlement_key",
    "split_key",
    "supersede",
    "visit_due",
    "visit_tier",
]
