"""The composition root: builds the application, its views and their runner from
the settings. The API and the command line get a `Ledger` from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from api.settings import Settings
from domain.application import LedgerApplication, StandardChangeResult
from domain.rules import AMOUNT_STANDARD
from domain.standards import CITY_CODE, StandardValue
from projections.interface import EntitlementRow, ViewStore
from projections.postgres import PostgresViewStore
from projections.queries import InForce, in_force
from projections.runner import CatchUpRunner


def build_views(env: dict[str, str]) -> ViewStore:
    """The view store on the same database as the events."""
    factory = InfrastructureFactory[Any].construct(Environment("views", env))
    if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        return factory.tracking_recorder(PostgresViewStore)
    from projections.sqlite import SQLiteViewStore

    return factory.tracking_recorder(SQLiteViewStore)


@dataclass
class Ledger:
    settings: Settings
    app: LedgerApplication
    views: ViewStore
    runner: CatchUpRunner

    @classmethod
    def open(cls, settings: Settings, *, seed: bool = True) -> Ledger:
        env = settings.persistence_env()
        app = LedgerApplication(env)
        if seed:
            app.seed_standards()
        views = build_views(env)
        return cls(settings, app, views, CatchUpRunner(app, views))

    def close(self) -> None:
        self.app.close()
        datastore = getattr(self.views, "datastore", None)
        if datastore is not None and hasattr(datastore, "close"):
            datastore.close()

    @property
    def backend(self) -> str:
        return "postgresql" if isinstance(self.views, PostgresViewStore) else "sqlite"

    # -------------------------------------------------- commands across the views

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
    ) -> tuple[StandardChangeResult, int]:
        """Record the change, then recompute every affected household's entitlements
        (candidates from the current-entitlements view, truth from each stream)."""
        result = self.app.record_standard_change(
            key=key,
            value=value,
            effective_from=effective_from,
            basis=basis,
            actor=actor,
            region_code=region_code,
            cited_income_growth=cited_income_growth,
            cited_urban_consumption_fen=cited_urban_consumption_fen,
            override_reason=override_reason,
        )
        adjusted = self.propagate(result.region_code, key, actor=actor, label=result.label)
        return result, adjusted

    def propagate(self, region_code: str, key: str, *, actor: str, label: str) -> int:
        programmes = tuple(p for p, k in AMOUNT_STANDARD.items() if k == key)
        if not programmes:
            return 0
        self.runner.catch_up()
        prefix = "3304" if region_code == CITY_CODE else region_code
        ids = self.views.households_with(programmes, prefix)
        adjusted = self.app.adjust_entitlements(
            ids, actor=actor, reason=f"standard change {key} {label}"
        )
        self.runner.catch_up()
        return adjusted

    # ------------------------------------------------------------------ queries

    def entitlements(
        self, household_id: UUID, as_of: date, known_at: datetime | None = None
    ) -> list[InForce]:
        self.app.household(household_id)  # 404 for an unknown household
        self.runner.catch_up()
        return in_force(self.views.entitlement_rows(household_id, known_at), as_of)

    def entitlement_history(self, household_id: UUID) -> list[EntitlementRow]:
        self.app.household(household_id)
        self.runner.catch_up()
        return self.views.entitlement_rows(household_id)
