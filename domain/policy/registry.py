"""The registry: every plan item's module, one line each. A programme, a grant or a
standard exists for the ledger when its module is listed here; nothing else names it.

Adding a programme is one new module (its `PARAMETERS` and `PROGRAMMES`, see
`base.Programme`) and one line in `PLAN_ITEMS`; tests/integration/test_registry.py
shows it with a fictitious one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import import_module
from types import ModuleType
from typing import Any

from domain import payments, warnings
from domain.errors import InvalidInputError
from domain.policy import application_path
from domain.policy.base import (
    CATEGORY,
    GRANT,
    SUBSIDY,
    Default,
    Parameter,
    Programme,
    ProgrammeKind,
)
from domain.policy.s17_medical_caps import CAP_KEYS

# One line a plan item: its module under domain/policy/ (then the two aggregates'
# modules that declare standards of their own).
PLAN_ITEMS = (
    "s05_means_test",
    "s05_dibao_single",
    "s06_dibao",
    "s06_tekun",
    "s06_price_subsidy",
    "s07_virtual_job",
    "s08_charity_living",
    "s11_education_aid",
    "s12_rent_subsidy",
    "s14_renovation",
    "s16_hospital_waiver",
    "s17_medical_caps",
    "s21_unemployed_subsidy",
    "s22_public_welfare_posts",
    "s23_village_subsidy",
    "s27_eldercare",
    "s28_disaster_relief",
    "s30_visit_tiers",
)
MODULES: tuple[ModuleType, ...] = (
    *(import_module(f"domain.policy.{name}") for name in PLAN_ITEMS),
    payments,  # POLICY ch. 4, ch. 11: recoveries and failed payments
    application_path,  # POLICY ch. 14, ch. 15: the application's path, reviews
    warnings,  # §1 智能预警, §3 返贫预警 (POLICY ch. 12)
)

# The order in which a new city stream records the defaults (so every ledger numbers
# its seed versions alike: 330400/v1 is the first dibao standard) and the standards are
# listed. Keys added later go after these, in the order of MODULES.
ORDER = (
    "dibao_standard_annual",
    "marginal_multiplier",
    "low_income_household_annual_limit",
    "tekun_standard_annual",
    "car_value_limit",
    "recovery_max_share",
    "payment_max_failures",
    "eldercare_subsidy_monthly",
    "eldercare_min_age",
    "price_subsidy_monthly",
    "price_subsidy_cpi_trigger",
    "cpi_yoy",
    "medical_cap_individual_annual",
    "medical_cap_household_annual",
    "medical_cap_year_start_month",
    "charity_subsidy_dibao_monthly",
    "charity_subsidy_marginal_share",
    "virtual_job_subsidy_monthly",
    "education_aid_preschool",
    "education_aid_primary",
    "education_aid_junior",
    "education_aid_senior",
    "education_aid_university",
    "renovation_household_cap",
    "rent_subsidy_min_ratio",
    "disaster_death_or_missing",
    "disaster_transitional_daily",
    "disaster_house_collapsed",
    "disaster_house_damaged",
    "warning_medical_share",
    "warning_referral_days",
    "warning_visit_overdue_factor",
    "warning_payment_failures",
    "public_welfare_posts_reserved",
)


# The order programmes are listed in (choices, pages, docs): as the ledger first listed
# them; programmes added later go after these, in the order of MODULES.
PROGRAMME_ORDER = (
    "dibao",
    "dibao_single",
    "tekun",
    "marginal",
    "low_income",
    "charity_living_subsidy",
    "virtual_job_subsidy",
    "unemployed_temporary_subsidy",
    "eldercare_service_subsidy",
    "rent_subsidy",
    "education_aid",
    "renovation_grant",
    "disaster_relief",
    "price_subsidy",
)


class Registry:
    """The programmes and parameters of the listed modules, by name."""

    def __init__(self, modules: Iterable[ModuleType | Any]) -> None:
        self.modules: list[Any] = []
        self.programmes: dict[str, Programme] = {}
        self.parameters: dict[str, Parameter] = {}  # in ORDER, then as declared
        for module in modules:
            self.add(module)

    def add(self, module: ModuleType | Any) -> None:
        """List one more module (what a line of MODULES does)."""
        for programme in getattr(module, "PROGRAMMES", ()):
            if programme.name in self.programmes:
                raise ValueError(f"programme {programme.name} is declared twice")
        for parameter in getattr(module, "PARAMETERS", ()):
            if parameter.key in self.parameters:
                raise ValueError(f"standard {parameter.key} is declared twice")
        self.modules.append(module)
        self._index()

    def _index(self) -> None:
        programmes = [p for m in self.modules for p in getattr(m, "PROGRAMMES", ())]
        parameters = [p for m in self.modules for p in getattr(m, "PARAMETERS", ())]
        rank = {key: i for i, key in enumerate(ORDER)}
        parameters.sort(key=lambda p: rank.get(p.key, len(ORDER)))
        order = {name: i for i, name in enumerate(PROGRAMME_ORDER)}
        programmes.sort(key=lambda p: order.get(p.name, len(PROGRAMME_ORDER)))
        # Updated in place: `domain.standards.KEYS` is this very dict.
        self.programmes.clear()
        self.programmes.update((p.name, p) for p in programmes)
        self.parameters.clear()
        self.parameters.update((p.key, p) for p in parameters)

    @contextmanager
    def extended(self, module: ModuleType | Any) -> Iterator[Registry]:
        """The registry with one more module for the length of a block (tests)."""
        self.add(module)
        try:
            yield self
        finally:
            self.modules.remove(module)
            self._index()

    def __getitem__(self, name: str) -> Programme:
        found = self.programmes.get(name)
        if found is None:
            raise InvalidInputError(
                f"programme must be one of {', '.join(self.programmes)}", "programme"
            )
        return found

    def __contains__(self, name: object) -> bool:
        return name in self.programmes

    def __iter__(self) -> Iterator[Programme]:
        return iter(self.programmes.values())

    def names(self, kind: ProgrammeKind | None = None) -> tuple[str, ...]:
        return tuple(p.name for p in self if kind is None or p.kind is kind)

    def categories(self) -> tuple[str, ...]:
        return self.names(CATEGORY)

    def subsidies(self) -> tuple[str, ...]:
        return self.names(SUBSIDY)

    def grants(self) -> tuple[str, ...]:
        return self.names(GRANT)

    def monthly(self) -> tuple[str, ...]:
        """The programmes with a monthly entitlement (suspended, resumed, paid by runs)."""
        return tuple(p.name for p in self if p.kind is not GRANT)

    def exclusive_categories(self) -> tuple[str, ...]:
        return tuple(p.name for p in self if p.exclusive)

    def means_tested(self) -> tuple[str, ...]:
        return tuple(p.name for p in self if p.means_tested)

    def person_categories(self) -> tuple[str, ...]:
        return tuple(p.name for p in self if p.kind is CATEGORY and p.person_level)

    def amount_standards(self) -> dict[str, tuple[str, ...]]:
        """Which standards drive each monthly programme's amount."""
        return {p.name: p.amount_keys for p in self if p.amount_keys is not None}

    def amount_keys(self) -> frozenset[str]:
        """The standards whose change reaches recorded households' entitlements."""
        return frozenset(k for p in self for k in p.amount_keys or ())

    def propagated_keys(self) -> frozenset[str]:
        """Every standard whose change reaches recorded households (Ledger.propagate)."""
        return self.amount_keys() | CAP_KEYS

    def seeds(self) -> list[tuple[str, Default]]:
        """Every default, in the order a new city stream records them."""
        return [(p.key, d) for p in self.parameters.values() for d in p.defaults]

    def plan_item_of(self, key: str) -> str:
        """The module (plan item) declaring standard `key`, for the docs."""
        for module in self.modules:
            if any(p.key == key for p in getattr(module, "PARAMETERS", ())):
                return str(module.__name__).rsplit(".", 1)[-1]
        raise KeyError(key)


REGISTRY = Registry(MODULES)
