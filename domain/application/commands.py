"""The ledger application: commands over the Household and Standards aggregates.

One composition root (services/ledger.py) builds it; tests and the API get it
injected. `Application.save` appends atomically with version checks and writes
the notification log, so there is no hand-written unit of work here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.application.calendar import CalendarLedger
from domain.application.checkpoints import CheckpointsLedger
from domain.application.members import MembersLedger
from domain.application.path import PathLedger
from domain.application.reviews import ReviewsLedger
from domain.errors import NotFoundError
from domain.household import (
    Determination,
    Household,
    MedicalBill,
)
from domain.payments import ledger_id
from domain.policy.s05_means_test import Means
from domain.policy.s17_medical_caps import BillFigures


class LedgerApplication(
    PathLedger, ReviewsLedger, CalendarLedger, MembersLedger, CheckpointsLedger
):
    """Commands of the benefits ledger. Every command takes the acting user."""

    # The library names an application after its own class unless it says otherwise;
    # the name is in every view's tracking record ("Ledger/entitlements") and in the
    # environment's prefixes, so it stays what stored ledgers were written with.
    name = "Ledger"

    def submit_application(
        self,
        household_id: UUID,
        *,
        programme: str,
        effective_from: date,
        means: Means | None,
        actor: str,
        member_id: str | None = None,
        details: dict[str, Any] | None = None,
        consents: list[dict[str, Any]] | None = None,
        received_on: date | None = None,
    ) -> str:
        return self.update(
            household_id,
            lambda h: h.submit_application(
                programme=programme,
                effective_from=effective_from,
                means=means,
                member_id=member_id,
                details=details or {},
                actor=actor,
                consents=consents,
                received_on=received_on,
            ),
        )

    def determine(
        self,
        household_id: UUID,
        application_id: str,
        *,
        decision: str,
        reason: str,
        actor: str,
        on: date | None = None,
        preview: bool = False,
    ) -> Determination:
        """`on`: the decision's date, which the statutory path needs (POLICY ch. 14).
        `preview`: what it would record now, worked out by the same rules on the
        household as loaded, and not saved (the approver's form shows it before the
        approver confirms); refused as the decision itself would be."""

        def command(household: Household) -> Determination:
            book = self.standards_book(household.region_code)
            return household.determine(
                application_id, decision=decision, reason=reason, actor=actor, book=book, on=on
            )

        if preview:
            return command(self.household(household_id))
        return self.update(household_id, command)

    def replace_stale_snapshot(self, household_id: UUID) -> bool:
        """If the household's latest snapshot was written under older rules (an earlier
        `Household.class_version`: never trusted, the state is folded from the events),
        write a current one in its place; True if one was written (`ledger migrate`)."""
        if self.snapshots is None:
            return False
        latest: list[Any] = list(self.snapshots.get(household_id, desc=True, limit=1))
        if not latest or latest[0].state.get("class_version", 1) >= Household.class_version:
            return False
        self.take_snapshot(household_id)
        return True

    def set_account(
        self,
        household_id: UUID,
        member_id: str,
        *,
        kind: str,
        account_number: str,
        bank_name: str | None,
        actor: str,
        on: date,
    ) -> None:
        self.update(
            household_id,
            lambda h: h.set_account(
                member_id,
                kind=kind,
                account_number=account_number,
                bank_name=bank_name,
                actor=actor,
                on=on,
            ),
        )

    def suspend_entitlement(
        self,
        household_id: UUID,
        programme: str,
        member_id: str | None,
        *,
        effective_on: date,
        reason: str,
        actor: str,
    ) -> None:
        self._suspension(
            Household.suspend_entitlement,
            household_id,
            programme,
            member_id,
            effective_on=effective_on,
            reason=reason,
            actor=actor,
        )

    def resume_entitlement(
        self,
        household_id: UUID,
        programme: str,
        member_id: str | None,
        *,
        effective_on: date,
        reason: str,
        actor: str,
    ) -> None:
        self._suspension(
            Household.resume_entitlement,
            household_id,
            programme,
            member_id,
            effective_on=effective_on,
            reason=reason,
            actor=actor,
        )

    def _suspension(
        self,
        change: Callable[..., None],
        household_id: UUID,
        programme: str,
        member_id: str | None,
        **given: Any,
    ) -> None:
        """Suspend or resume (`change`) with the household's standards book."""

        def command(household: Household) -> None:
            book = self.standards_book(household.region_code)
            change(household, programme, member_id, book=book, **given)

        self.update(household_id, command)

    def acknowledge_payment(
        self,
        household_id: UUID,
        payment_id: str,
        *,
        status: str,
        bank_reference: str,
        at: datetime,
        actor: str,
        reason: str = "",
    ) -> bool:
        """The bank's answer on a payment; the same answer twice records once (False). A
        return (退票) carries the bank's reason, e.g. "AC04 account closed"."""

        def attempt() -> tuple[list[Any], bool]:
            try:
                found: Any = self.repository.get(ledger_id(household_id))
            except AggregateNotFoundError:
                raise NotFoundError(f"no payment {payment_id}", "payment_id") from None
            recorded = bool(
                found.acknowledge(
                    payment_id,
                    status=status,
                    bank_reference=bank_reference,
                    at=at.isoformat(),
                    actor=actor,
                    on=at.date(),
                    reason=reason,
                )
            )
            return ([found] if recorded else []), recorded

        return self.retrying(attempt, "the payment ledger")

    # ------------------------------------------------- visits and records (§21, §23, §30)

    def record_visit(
        self,
        household_id: UUID,
        *,
        visited_on: date,
        visitor: str,
        findings: str,
        needs: str | None,
        actor: str,
    ) -> None:
        self.update(
            household_id,
            lambda h: h.record_visit(
                visited_on=visited_on, visitor=visitor, findings=findings, needs=needs, actor=actor
            ),
        )

    def report_major_change(
        self, household_id: UUID, *, reported_on: date, description: str, actor: str
    ) -> None:
        self.update(
            household_id,
            lambda h: h.report_major_change(
                reported_on=reported_on, description=description, actor=actor
            ),
        )

    def stabilise(self, household_id: UUID, *, on: date, actor: str) -> None:
        self.update(household_id, lambda h: h.stabilise(on=on, actor=actor))

    def refer_to_job(
        self,
        household_id: UUID,
        member_id: str,
        *,
        referred_on: date,
        employer: str,
        position: str | None,
        actor: str,
    ) -> int:
        return self.update(
            household_id,
            lambda h: h.refer_to_job(
                member_id,
                referred_on=referred_on,
                employer=employer,
                position=position,
                actor=actor,
            ),
        )

    def record_dividend(
        self, household_id: UUID, *, year: int, amount_fen: int, actor: str, on: date
    ) -> int:
        return self.update(
            household_id,
            lambda h: h.record_dividend(year=year, amount_fen=amount_fen, actor=actor, on=on),
        )

    # ------------------------------------------------------------------ medical

    def record_medical_bill(
        self,
        household_id: UUID,
        *,
        member_id: str,
        service_on: date,
        figures: BillFigures,
        actor: str,
        settlement_number: str | None = None,
    ) -> MedicalBill:
        """The caps are enforced inside the household: two bills posted at once meet a
        version conflict on save, and the loser is recomputed against the new state."""

        def command(household: Household) -> MedicalBill:
            return household.record_medical_bill(
                member_id=member_id,
                service_on=service_on,
                figures=figures,
                settlement_number=settlement_number,
                actor=actor,
                book=self.standards_book(household.region_code),
            )

        return self.update(household_id, command)

    def correct_medical_bill(
        self,
        household_id: UUID,
        bill_id: str,
        *,
        member_id: str,
        service_on: date,
        figures: BillFigures,
        actor: str,
        reason: str = "corrected settlement",
        settlement_number: str | None = None,
    ) -> MedicalBill:
        def command(household: Household) -> MedicalBill:
            return household.correct_medical_bill(
                bill_id,
                member_id=member_id,
                service_on=service_on,
                figures=figures,
                settlement_number=settlement_number,
                reason=reason,
                actor=actor,
                book=self.standards_book(household.region_code),
            )

        return self._update_bill(household_id, bill_id, command, actor)

    def cancel_medical_bill(
        self, household_id: UUID, bill_id: str, *, reason: str, actor: str
    ) -> MedicalBill:
        def command(household: Household) -> MedicalBill:
            return household.cancel_medical_bill(
                bill_id,
                reason=reason,
                actor=actor,
                book=self.standards_book(household.region_code),
            )

        return self._update_bill(household_id, bill_id, command, actor)

    def _update_bill(
        self,
        household_id: UUID,
        bill_id: str,
        command: Callable[[Household], MedicalBill],
        actor: str,
    ) -> MedicalBill:
        """A correction or cancellation, saved in one transaction with what it changes
        further on: if the bill's member has since moved out, the household they moved
        to takes their new total (carried) and recomputes, and so on along their moves."""

        def attempt() -> tuple[list[Any], MedicalBill]:
            household = self.household(household_id)
            bill = command(household)
            changed: list[Any] = [household]
            source, seen = household, {household.id}
            while (moved_to := source.members[bill.member_id].moved_to) is not None:
                target = self.household(UUID(moved_to))
                if target.id in seen:  # back in a household already on the way
                    break
                seen.add(target.id)
                carried = {
                    year: source.person_paid(bill.member_id, int(year))
                    for year in target.carried.get(bill.member_id, {})
                }
                if not target.adjust_carried(
                    bill.member_id,
                    carried,
                    from_household_id=source.id,
                    cause_bill_id=bill_id,
                    actor=actor,
                    book=self.standards_book(target.region_code),
                ):
                    break
                changed.append(target)
                source = target
            return changed, bill

        return self.retrying(attempt, "the households")

    def correct_household(self, household_id: UUID, *, actor: str) -> list[str]:
        """Bring a household in line with POLICY ch. 13 (`Household.correct`), and replace
        a snapshot of an older state version by a current one. Idempotent: a household
        in line records nothing. Returns what was corrected."""

        def correct(household: Household) -> list[str]:
            determined = [
                (event.application_id, event.category)
                for event in self.events.get(household_id)
                if isinstance(event, Household.ApplicationDetermined)
                and event.outcome == "approved"
                and event.category is not None
            ]
            book = self.standards_book(household.region_code)
            return household.correct(book, determined, actor=actor)

        done = self.update(household_id, correct)
        if self.snapshots is not None:
            latest: list[Any] = list(self.snapshots.get(household_id, desc=True, limit=1))
            if latest and latest[0].state.get("class_version", 1) < Household.class_version:
                self.take_snapshot(household_id)
        return done
