"""Medical self-pay rules (POLICY.md §6; plan items 15-17) as pure functions.

Conventions (docs/MEDICAL.md):
- `total`, `insurance_paid` and `self_paid` are the settlement's figures before the
  §16 hospital waiver; `total = insurance_paid + self_paid`.
- The §16 waiver is computed from the itemised lines and is borne by the hospital:
  it comes off the patient's self-paid part. What is left is the self-pay the §17
  caps count (`counted`).
- §17: kept = min(counted, person cap - person paid, household cap - household paid),
  relief = counted - kept, paid by the medical safety fund (医保暖心无忧基金).
  Both accumulations grow by `kept` only. Bills count in the order they are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from domain.errors import InvalidInputError
from domain.money import format_yuan, round_half_up

ITEM_KINDS = (
    "consultation",
    "observation",
    "inpatient_consultation",
    "bed",
    "nursing",
    "surgery",
    "drugs",
    "tests",
    "other",
)
PAYERS = ("basic_insurance", "critical_illness_insurance", "medical_assistance", "charity")
# §16: 门诊诊查费、门急诊留观诊查费、住院诊查费全免; 床位费、等级护理费、手术费减免50%.
WAIVED_IN_FULL = ("consultation", "observation", "inpatient_consultation")
WAIVED_HALF = ("bed", "nursing", "surgery")
# Who the §16 waiver is for: tekun (including disabled tekun persons), dibao and
# marginal members; one-person dibao members are dibao.
WAIVER_HOUSEHOLD_CATEGORIES = ("dibao", "marginal")
WAIVER_PERSON_CATEGORIES = ("tekun", "dibao_single")


@dataclass(frozen=True)
class BillFigures:
    total_fen: int
    insurance_paid_fen: int
    self_paid_fen: int
    payers: dict[str, int]
    items: tuple[tuple[str, int], ...]

    def check(self) -> None:
        """The arithmetic of a settlement, each refusal naming its field."""
        for name, value in (
            ("total", self.total_fen),
            ("insurance_paid", self.insurance_paid_fen),
            ("self_paid", self.self_paid_fen),
        ):
            if value < 0:
                raise InvalidInputError(f"{name} must not be negative", name)
        if self.total_fen == 0:
            raise InvalidInputError("total must be more than 0", "total")
        if self.self_paid_fen > self.total_fen:
            raise InvalidInputError(
                f"self_paid {format_yuan(self.self_paid_fen)} is more than the total "
                f"{format_yuan(self.total_fen)}",
                "self_paid",
            )
        if self.insurance_paid_fen + self.self_paid_fen != self.total_fen:
            raise InvalidInputError(
                f"insurance_paid {format_yuan(self.insurance_paid_fen)} + self_paid "
                f"{format_yuan(self.self_paid_fen)} must equal the total "
                f"{format_yuan(self.total_fen)}",
                "total",
            )
        unknown = set(self.payers) - set(PAYERS)
        if unknown:
            raise InvalidInputError(f"payers.{sorted(unknown)[0]} is not a payer", "payers")
        if self.payers and sum(self.payers.values()) != self.insurance_paid_fen:
            raise InvalidInputError(
                f"payers add up to {format_yuan(sum(self.payers.values()))}, not to "
                f"insurance_paid {format_yuan(self.insurance_paid_fen)}",
                "payers",
            )
        for kind, amount in self.items:
            if kind not in ITEM_KINDS:
                raise InvalidInputError(
                    f"items kind must be one of {', '.join(ITEM_KINDS)}", "items"
                )
            if amount < 0:
                raise InvalidInputError("items amounts must not be negative", "items")
        if sum(a for _, a in self.items) > self.total_fen:
            raise InvalidInputError("the itemised lines add up to more than the total", "items")


@dataclass(frozen=True)
class Waiver:
    waived_fen: int
    explanation: str


def hospital_waiver(items: tuple[tuple[str, int], ...], eligible: bool, who: str) -> Waiver:
    """§16: consultation fees waived in full, bed, nursing and surgery fees halved.

    Computed exactly and rounded once (half-up) on the bill's waived total.
    """
    if not eligible:
        return Waiver(0, f"No §16 waiver: {who}.")
    exact = Fraction(0)
    parts = []
    for kind, amount in items:
        if kind in WAIVED_IN_FULL:
            exact += amount
            parts.append(f"{kind} {format_yuan(amount)} in full")
        elif kind in WAIVED_HALF:
            exact += Fraction(amount, 2)
            parts.append(f"{kind} {format_yuan(amount)} x 50%")
    waived = round_half_up(exact)
    if not parts:
        return Waiver(0, f"§16 applies ({who}) but the bill lists no waivable item.")
    return Waiver(waived, f"§16 waiver ({who}): {'; '.join(parts)} = {format_yuan(waived)}.")


@dataclass(frozen=True)
class CapSplit:
    kept_fen: int
    relief_fen: int
    explanation: str


def cap_split(
    counted_fen: int,
    *,
    person_cap_fen: int,
    person_paid_fen: int,
    household_cap_fen: int,
    household_paid_fen: int,
) -> CapSplit:
    """§17: kept = min(S, person cap - person paid, household cap - household paid)."""
    person_room = max(person_cap_fen - person_paid_fen, 0)
    household_room = max(household_cap_fen - household_paid_fen, 0)
    kept = min(counted_fen, person_room, household_room)
    relief = counted_fen - kept
    return CapSplit(
        kept,
        relief,
        f"§17: self-pay {format_yuan(counted_fen)}; the person has paid "
        f"{format_yuan(person_paid_fen)} of {format_yuan(person_cap_fen)} (room "
        f"{format_yuan(person_room)}), the household {format_yuan(household_paid_fen)} of "
        f"{format_yuan(household_cap_fen)} (room {format_yuan(household_room)}): kept "
        f"{format_yuan(kept)}, relief from the medical safety fund {format_yuan(relief)}.",
    )


def cap_year_of(service_on: date, start_month: int) -> int:
    """The cap year a service date falls in (the year in which that cap year starts)."""
    return service_on.year if service_on.month >= start_month else service_on.year - 1


def excess_over_caps(
    counted_by_person: dict[str, int],
    carried_by_person: dict[str, int],
    *,
    person_cap_fen: int,
    household_cap_fen: int,
) -> int:
    """§17 over a household's cap year: the self-pay the caps do not let it keep,
    worked out from the bills' counted self-pay alone (not from their recorded splits):

        excess = sum S - min(household cap, sum over p of min(S_p, person cap - carried_p))

    The bill-by-bill split keeps, in any order, exactly that much when the caps stay the
    same through the year, so the fund's relief must equal the excess; with the highest
    caps in force over the year it is the least relief the fund owes.
    """
    keepable = sum(
        min(counted, max(person_cap_fen - carried_by_person.get(member_id, 0), 0))
        for member_id, counted in counted_by_person.items()
    )
    return sum(counted_by_person.values()) - min(household_cap_fen, keepable)
