"""Plan §17 健全兜底保障机制: a household's and each person's self-paid medical costs are
capped in the year (SEED 30,000 per person, 50,000 per household), the overflow paid by
the medical safety fund (医保暖心无忧基金). POLICY ch. 6; conventions in docs/MEDICAL.md:

- `total`, `insurance_paid` and `self_paid` are the settlement's figures before the §16
  hospital waiver; `total = insurance_paid + self_paid`. What is left after the waiver is
  the self-pay the caps count (`counted`).
- kept = min(counted, person cap - person paid, household cap - household paid),
  relief = counted - kept. Both accumulations grow by `kept` only. Bills count in the
  order they are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from domain.errors import InvalidInputError
from domain.money import format_ratio, format_yuan, yuan
from domain.policy.base import ProposedChange, money, param, ratio, seed


def whole_month(change: ProposedChange) -> None:
    """The cap year's first month is a whole month number, 1 to 12."""
    value = Fraction(change.value)
    if value.denominator != 1 or not 1 <= value <= 12:
        raise InvalidInputError(
            f"value must be a whole month number from 1 to 12 for the cap year's first "
            f"month (§17), not {format_ratio(value)}",
            "value",
        )


PARAMETERS = (
    money(
        "medical_cap_individual_annual", "self-pay cap per person", seed(yuan(30000), "SEED §17")
    ),
    money(
        "medical_cap_household_annual",
        "self-pay cap per household",
        seed(yuan(50000), "SEED §17"),
    ),
    ratio(
        "medical_cap_year_start_month",
        "month the cap year starts",
        param(Fraction(1), "PARAM §17: calendar year"),
        rule=whole_month,
    ),
)

# The standards whose change recomputes the cap years of recorded bills.
CAP_KEYS = frozenset({"medical_cap_individual_annual", "medical_cap_household_annual"})

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
