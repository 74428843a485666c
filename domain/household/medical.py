"""Medical self-pay (§15-17): bills, the §16 hospital waivers, the §17 caps with relief
from the medical safety fund, and moves between households that carry a member's self-pay."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from domain.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from domain.household.membership import (
    MembershipPart,
    _join,
)
from domain.household.state import (
    MEDICAL_FUND,
    MEMBER_FLAGS,
    HouseholdEvent,
    MedicalBill,
    Member,
)
from domain.idnumber import validate_id_number
from domain.policy.s16_hospital_waiver import (
    WAIVER_HOUSEHOLD_CATEGORIES,
    WAIVER_PERSON_CATEGORIES,
    Waiver,
    hospital_waiver,
)
from domain.policy.s17_medical_caps import BillFigures, CapSplit, cap_split, cap_year_of
from domain.standards import StandardsBook

if TYPE_CHECKING:
    from domain.household import Household

Event = HouseholdEvent


class MedicalPart(MembershipPart):
    class BillFiguresEvent(Event):
        """A settlement's figures (before the §16 waiver), the waiver and what counts."""

        bill_id: str
        cap_year: int
        total_fen: int
        insurance_paid_fen: int
        self_paid_fen: int
        payers: dict[str, int]
        items: list[list[Any]]
        settlement_number: str | None
        waived_fen: int
        counted_fen: int

    class MedicalBillRecorded(BillFiguresEvent):
        """A settlement for a member (effective on the service date), its §16 waiver and
        its §17 split: `kept` counts towards the caps, `relief` goes to the fund."""

        member_id: str
        kept_fen: int
        relief_fen: int
        person_cap_fen: int
        household_cap_fen: int
        person_paid_before_fen: int
        household_paid_before_fen: int
        standard_versions: dict[str, str]
        explanation: str

        def apply(self, aggregate: Household) -> None:
            aggregate.bills[self.bill_id] = MedicalBill(
                self.bill_id,
                self.member_id,
                self.effective_on,
                self.cap_year,
                len(aggregate.bills) + 1,
                self.total_fen,
                self.insurance_paid_fen,
                self.self_paid_fen,
                self.waived_fen,
                self.counted_fen,
                self.settlement_number,
                self.kept_fen,
                self.relief_fen,
            )

    class MedicalReliefGranted(Event):
        """What the medical safety fund (医保暖心无忧基金) pays over the cap for a bill."""

        bill_id: str
        member_id: str
        cap_year: int
        amount_fen: int
        fund: str

    class MedicalBillCorrected(BillFiguresEvent):
        """New figures for a bill; its split follows in MedicalReliefAdjusted."""

        reason: str
        explanation: str

        def apply(self, aggregate: Household) -> None:
            bill = aggregate.bills[self.bill_id]
            bill.service_on = self.effective_on
            bill.cap_year = self.cap_year
            bill.total_fen = self.total_fen
            bill.insurance_paid_fen = self.insurance_paid_fen
            bill.self_paid_fen = self.self_paid_fen
            bill.settlement_number = self.settlement_number
            bill.waived_fen = self.waived_fen
            bill.counted_fen = self.counted_fen

    class MedicalBillCancelled(Event):
        bill_id: str
        reason: str

        def apply(self, aggregate: Household) -> None:
            aggregate.bills[self.bill_id].cancelled = True

    class MedicalReliefAdjusted(Event):
        """A bill's split recomputed after an earlier bill of its cap year was corrected
        or cancelled: `delta_fen` > 0 is extra relief from the fund, < 0 a recovery."""

        bill_id: str
        member_id: str
        cap_year: int
        previous_kept_fen: int
        kept_fen: int
        previous_relief_fen: int
        relief_fen: int
        delta_fen: int
        kind: str
        cause_bill_id: str
        explanation: str

        def apply(self, aggregate: Household) -> None:
            bill = aggregate.bills[self.bill_id]
            bill.kept_fen = self.kept_fen
            bill.relief_fen = self.relief_fen

    class MemberMovedOut(Event):
        """The person leaves for another household, taking their cap-year self-pay."""

        member_id: str
        to_household_id: str
        carried: dict[str, int]

        def apply(self, aggregate: Household) -> None:
            member = aggregate.members[self.member_id]
            member.left_on = self.effective_on
            member.moved_to = self.to_household_id

    class MemberMovedIn(Event):
        """The same person (same member id) joins from another household, with the
        self-pay they carry for the cap year; this household's total starts at 0. A
        person may come back to a household they left: their earlier stay is kept."""

        member_id: str
        from_household_id: str
        name: str
        id_number: str
        relation: str
        birth_on: date
        attributes: dict[str, Any]
        carried: dict[str, int]

        def apply(self, aggregate: Household) -> None:
            _join(aggregate, self, dict(self.attributes))
            aggregate.carried[self.member_id] = dict(self.carried)

    class CarriedAdjusted(Event):
        """What a moved-in member carries changed: a bill of theirs in the household they
        came from was corrected or cancelled. The cap years named are recomputed next."""

        member_id: str
        from_household_id: str
        previous: dict[str, int]
        carried: dict[str, int]
        cause_bill_id: str

        def apply(self, aggregate: Household) -> None:
            aggregate.carried.setdefault(self.member_id, {}).update(self.carried)

    def record_medical_bill(
        self,
        *,
        member_id: str,
        service_on: date,
        figures: BillFigures,
        settlement_number: str | None,
        actor: str,
        book: StandardsBook,
        bill_id: str | None = None,
    ) -> MedicalBill:
        """Record a settlement with its §16 waiver and its §17 split; the relief over
        the caps is its own event, paid by the medical safety fund."""
        self._check_bill(member_id, service_on, figures, settlement_number, None)
        waiver, counted, year = self._bill_basis(member_id, service_on, figures, book)
        new_id = bill_id or str(uuid4())
        split, person_cap, household_cap, person_paid, household_paid, versions = self._split_for(
            member_id, year, service_on, counted, book, before_seq=None
        )
        self.trigger_event(
            self.MedicalBillRecorded,
            **_figure_fields(new_id, year, figures, settlement_number, waiver, counted),
            member_id=member_id,
            kept_fen=split.kept_fen,
            relief_fen=split.relief_fen,
            person_cap_fen=person_cap,
            household_cap_fen=household_cap,
            person_paid_before_fen=person_paid,
            household_paid_before_fen=household_paid,
            standard_versions=versions,
            explanation=f"{waiver.explanation} {split.explanation}",
            actor=actor,
            effective_on=service_on,
        )
        if split.relief_fen:
            self.trigger_event(
                self.MedicalReliefGranted,
                bill_id=new_id,
                member_id=member_id,
                cap_year=year,
                amount_fen=split.relief_fen,
                fund=MEDICAL_FUND,
                actor=actor,
                effective_on=service_on,
            )
        return self.bills[new_id]

    def correct_medical_bill(
        self,
        bill_id: str,
        *,
        member_id: str,
        service_on: date,
        figures: BillFigures,
        settlement_number: str | None,
        reason: str,
        actor: str,
        book: StandardsBook,
    ) -> MedicalBill:
        bill = self._bill(bill_id)
        if member_id != bill.member_id:
            raise InvalidInputError(
                "a correction cannot move a bill to another member; cancel it and record a new one",
                "member_id",
            )
        self._check_bill(member_id, service_on, figures, settlement_number, bill_id)
        waiver, counted, year = self._bill_basis(member_id, service_on, figures, book)
        old_year = bill.cap_year
        self.trigger_event(
            self.MedicalBillCorrected,
            **_figure_fields(bill_id, year, figures, settlement_number, waiver, counted),
            reason=reason,
            explanation=waiver.explanation,
            actor=actor,
            effective_on=service_on,
        )
        for cap_year in sorted({old_year, year}):
            self._recompute_cap_year(cap_year, book, actor=actor, cause_bill_id=bill_id)
        return self.bills[bill_id]

    def cancel_medical_bill(
        self, bill_id: str, *, reason: str, actor: str, book: StandardsBook
    ) -> MedicalBill:
        bill = self._bill(bill_id)
        if not reason.strip():
            raise InvalidInputError("a cancellation must give its reason", "reason")
        self.trigger_event(
            self.MedicalBillCancelled,
            bill_id=bill_id,
            reason=reason,
            actor=actor,
            effective_on=bill.service_on,
        )
        self._recompute_cap_year(bill.cap_year, book, actor=actor, cause_bill_id=bill_id)
        return bill

    def move_out(
        self,
        member_id: str,
        *,
        to_household_id: UUID,
        effective_on: date,
        actor: str,
        book: StandardsBook,
    ) -> dict[str, int]:
        """The member leaves for another household; returns what they carry."""
        member = self.member(member_id)
        if to_household_id == self.id:
            raise InvalidInputError("to_household_id is this household", "to_household_id")
        if not member.present_on(effective_on) or effective_on == member.joined_on:
            raise InvalidInputError(
                "effective_on must fall after the member joined and before they left",
                "effective_on",
            )
        start_month = _cap_year_start(book, effective_on)
        year = cap_year_of(effective_on, start_month)
        carried = {str(year): self.person_paid(member_id, year)}
        self.trigger_event(
            self.MemberMovedOut,
            member_id=member_id,
            to_household_id=str(to_household_id),
            carried=carried,
            actor=actor,
            effective_on=effective_on,
        )
        for span in list(self.categories):
            if span.member_id == member_id and span.effective_to is None:
                self._end_category(
                    span, effective_on, actor, book, f"the member moved to {to_household_id}"
                )
        return carried

    def move_in(
        self,
        member: Member,
        *,
        from_household_id: UUID,
        carried: dict[str, int],
        effective_on: date,
        actor: str,
    ) -> None:
        validate_id_number(member.id_number)
        before = self.members.get(member.member_id)
        if before is not None:
            if before.left_on is None:
                raise ConflictError("the member is already in this household", "member_id")
            if effective_on < before.left_on:
                raise InvalidInputError(
                    f"effective_on is before the member left this household ({before.left_on})",
                    "effective_on",
                )
        if effective_on < self.registered_on:
            raise InvalidInputError(
                "effective_on is before the household was registered", "effective_on"
            )
        # Back in a household they left: what they kept here counts here already.
        carried = {
            year: fen - self._kept_here(member.member_id, int(year))
            for year, fen in carried.items()
        }
        self.trigger_event(
            self.MemberMovedIn,
            member_id=member.member_id,
            from_household_id=str(from_household_id),
            name=member.name,
            id_number=member.id_number,
            relation=member.relation,
            birth_on=member.birth_on,
            attributes={k: member.attribute(k, effective_on) for k in MEMBER_FLAGS},
            carried=carried,
            actor=actor,
            effective_on=effective_on,
        )

    def person_paid(self, member_id: str, cap_year: int, before_seq: int | None = None) -> int:
        """The person's self-pay kept in a cap year: carried in, plus kept here."""
        carried = self.carried.get(member_id, {}).get(str(cap_year), 0)
        return carried + sum(
            b.kept_fen
            for b in self.bills.values()
            if b.member_id == member_id
            and b.cap_year == cap_year
            and not b.cancelled
            and (before_seq is None or b.seq < before_seq)
        )

    def _kept_here(self, member_id: str, cap_year: int) -> int:
        return self.person_paid(member_id, cap_year) - self.carried.get(member_id, {}).get(
            str(cap_year), 0
        )

    def adjust_carried(
        self,
        member_id: str,
        carried: dict[str, int],
        *,
        from_household_id: UUID,
        cause_bill_id: str,
        actor: str,
        book: StandardsBook,
    ) -> bool:
        """A bill of a moved-in member in the household they came from was corrected or
        cancelled, so their total there changed: record what they now carry and
        recompute those cap years here (the differences in relief recorded as usual)."""
        member = self.member(member_id)
        carried = {
            year: fen - self._kept_here(member_id, int(year)) if member.earlier else fen
            for year, fen in carried.items()
        }
        before = self.carried.get(member_id, {})
        changed = {year: fen for year, fen in carried.items() if before.get(year, 0) != fen}
        if not changed:
            return False
        self.trigger_event(
            self.CarriedAdjusted,
            member_id=member_id,
            from_household_id=str(from_household_id),
            previous={year: before.get(year, 0) for year in changed},
            carried=changed,
            cause_bill_id=cause_bill_id,
            actor=actor,
            effective_on=member.joined_on,
        )
        for year in sorted(changed):
            self._recompute_cap_year(int(year), book, actor=actor, cause_bill_id=cause_bill_id)
        return True

    def household_paid(self, cap_year: int, before_seq: int | None = None) -> int:
        """What this household's members kept in a cap year while in it."""
        return sum(
            b.kept_fen
            for b in self.bills.values()
            if b.cap_year == cap_year
            and not b.cancelled
            and (before_seq is None or b.seq < before_seq)
        )

    def _bill(self, bill_id: str) -> MedicalBill:
        bill = self.bills.get(bill_id)
        if bill is None:
            raise NotFoundError(f"no medical bill {bill_id} in this household", "bill_id")
        if bill.cancelled:
            raise ConflictError(f"medical bill {bill_id} is cancelled", "bill_id")
        return bill

    def _check_bill(
        self,
        member_id: str,
        service_on: date,
        figures: BillFigures,
        settlement_number: str | None,
        bill_id: str | None,
    ) -> None:
        member = self.member(member_id)
        if not member.present_on(service_on):
            left = f" and left on {member.left_on.isoformat()}" if member.left_on else ""
            raise InvalidInputError(
                f"service_on {service_on.isoformat()} is outside the member's time in this "
                f"household (joined on {member.joined_on.isoformat()}{left})",
                "service_on",
            )
        figures.check()
        if settlement_number:
            for other in self.bills.values():
                if (
                    other.settlement_number == settlement_number
                    and not other.cancelled
                    and other.bill_id != bill_id
                ):
                    raise ConflictError(
                        f"settlement {settlement_number} is already recorded as bill "
                        f"{other.bill_id}",
                        "settlement_number",
                    )

    def _bill_basis(
        self, member_id: str, service_on: date, figures: BillFigures, book: StandardsBook
    ) -> tuple[Waiver, int, int]:
        eligible, who = self._waiver_eligibility(member_id, service_on)
        waiver = hospital_waiver(figures.items, eligible, who)
        counted = figures.self_paid_fen - min(waiver.waived_fen, figures.self_paid_fen)
        year = cap_year_of(service_on, _cap_year_start(book, service_on))
        return waiver, counted, year

    def _waiver_eligibility(self, member_id: str, on: date) -> tuple[bool, str]:
        for span in self.categories_on(on):
            if span.member_id is None and span.category in WAIVER_HOUSEHOLD_CATEGORIES:
                return True, f"a member of a {span.category} household"
            if span.member_id == member_id and span.category in WAIVER_PERSON_CATEGORIES:
                return True, f"a {span.category} person"
        return False, f"the member is not tekun, dibao or marginal on {on.isoformat()}"

    def _split_for(
        self,
        member_id: str,
        cap_year: int,
        service_on: date,
        counted: int,
        book: StandardsBook,
        before_seq: int | None,
    ) -> tuple[CapSplit, int, int, int, int, dict[str, str]]:
        person_cap, person_std = book.money("medical_cap_individual_annual", service_on)
        household_cap, household_std = book.money("medical_cap_household_annual", service_on)
        person_paid = self.person_paid(member_id, cap_year, before_seq)
        household_paid = self.household_paid(cap_year, before_seq)
        split = cap_split(
            counted,
            person_cap_fen=person_cap,
            person_paid_fen=person_paid,
            household_cap_fen=household_cap,
            household_paid_fen=household_paid,
        )
        versions = {person_std.key: person_std.label, household_std.key: household_std.label}
        return split, person_cap, household_cap, person_paid, household_paid, versions

    def _recompute_cap_year(
        self,
        cap_year: int,
        book: StandardsBook,
        *,
        actor: str,
        cause_bill_id: str,
        cause: str | None = None,
    ) -> int:
        """Recompute every bill of a cap year in recorded order and record each split
        that differs (extra relief, or a recovery from the fund's side). The cause is a
        corrected or cancelled bill (`cause_bill_id`), or a change of a cap (`cause`,
        with `cause_bill_id` empty)."""
        changed = 0
        for bill in sorted(self.bills.values(), key=lambda b: b.seq):
            if bill.cap_year != cap_year:
                continue
            if bill.cancelled:
                kept, relief = 0, 0
                explanation = "the bill is cancelled: nothing kept, nothing relieved"
            else:
                split = self._split_for(
                    bill.member_id,
                    cap_year,
                    bill.service_on,
                    bill.counted_fen,
                    book,
                    before_seq=bill.seq,
                )[0]
                kept, relief, explanation = split.kept_fen, split.relief_fen, split.explanation
            if cause:
                explanation = f"{cause}: {explanation}"
            if (kept, relief) == (bill.kept_fen, bill.relief_fen):
                continue
            delta = relief - bill.relief_fen
            self.trigger_event(
                self.MedicalReliefAdjusted,
                bill_id=bill.bill_id,
                member_id=bill.member_id,
                cap_year=bill.cap_year,
                previous_kept_fen=bill.kept_fen,
                kept_fen=kept,
                previous_relief_fen=bill.relief_fen,
                relief_fen=relief,
                delta_fen=delta,
                kind="extra_relief" if delta > 0 else "recovery" if delta < 0 else "kept_only",
                cause_bill_id=cause_bill_id,
                explanation=explanation,
                actor=actor,
                effective_on=bill.service_on,
            )
            changed += 1
        return changed


def _figure_fields(
    bill_id: str,
    cap_year: int,
    figures: BillFigures,
    settlement_number: str | None,
    waiver: Waiver,
    counted: int,
) -> dict[str, Any]:
    return {
        "bill_id": bill_id,
        "cap_year": cap_year,
        "total_fen": figures.total_fen,
        "insurance_paid_fen": figures.insurance_paid_fen,
        "self_paid_fen": figures.self_paid_fen,
        "payers": dict(figures.payers),
        "items": [[kind, amount] for kind, amount in figures.items],
        "settlement_number": settlement_number,
        "waived_fen": waiver.waived_fen,
        "counted_fen": counted,
    }


def _cap_year_start(book: StandardsBook, on: date) -> int:
    return int(book.ratio("medical_cap_year_start_month", on)[0])
