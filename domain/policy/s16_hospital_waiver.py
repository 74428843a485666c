"""Plan §16 开展暖心关爱医疗服务: for tekun, dibao and marginal members (in-register, and
disabled tekun persons) consultation fees are waived in full and bed, nursing and surgery
fees halved (POLICY ch. 6). The waiver is borne by the hospital and comes off the
patient's self-paid part, before the §17 caps count it."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from domain.money import format_yuan, round_half_up

PARAMETERS = ()

# §16: 门诊诊查费、门急诊留观诊查费、住院诊查费全免; 床位费、等级护理费、手术费减免50%.
WAIVED_IN_FULL = ("consultation", "observation", "inpatient_consultation")
WAIVED_HALF = ("bed", "nursing", "surgery")
# Who the §16 waiver is for: tekun (including disabled tekun persons), dibao and
# marginal members; one-person dibao members are dibao.
WAIVER_HOUSEHOLD_CATEGORIES = ("dibao", "marginal")
WAIVER_PERSON_CATEGORIES = ("tekun", "dibao_single")


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
