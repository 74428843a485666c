"""The application's path and keeping the caseload current (POLICY ch. 14, ch. 15): the
national rules' figures, each a PARAM for the bureau to confirm. They are counts (of
days, working days, months or staff), stored as ratios like every count standard.

Working days are counted on the city's calendar (domain/calendar.py): the decision is
due `decision_working_days` working days after receipt, extendable once with a reason to
`decision_working_days_max`; the clock pauses while documents are awaited."""

from __future__ import annotations

from fractions import Fraction

from domain.errors import PolicyRuleError
from domain.policy.base import ProposedChange, param, ratio

PLAN_ITEMS = "POLICY ch. 14, ch. 15"  # for docs/MAP.md


def _whole_count(change: ProposedChange) -> None:
    """A count is a whole number, 1 or more."""
    value = Fraction(change.value)
    if value.denominator != 1 or value < 1:
        raise PolicyRuleError(
            f"value {value} for {change.key} must be a whole number, 1 or more (a count)",
            "value",
        )


PARAMETERS = (
    ratio(
        "check_answer_days",
        "working days a partner department has to answer the economic-status check",
        param(Fraction(5), "PARAM POLICY ch. 14: 5 working days (核对)"),
        rule=_whole_count,
    ),
    ratio(
        "investigators_min",
        "staff at least on a home investigation (入户调查)",
        param(Fraction(2), "PARAM POLICY ch. 14: at least two staff"),
        rule=_whole_count,
    ),
    ratio(
        "public_notice_days",
        "days the proposed decision is publicly noticed (公示)",
        param(Fraction(7), "PARAM POLICY ch. 14: 7 days"),
        rule=_whole_count,
    ),
    ratio(
        "decision_working_days",
        "working days from receipt to the decision",
        param(Fraction(30), "PARAM POLICY ch. 14: 30 working days from receipt"),
        rule=_whole_count,
    ),
    ratio(
        "decision_working_days_max",
        "working days to the decision when extended once with a reason",
        param(Fraction(45), "PARAM POLICY ch. 14: extendable once to 45 working days"),
        rule=_whole_count,
    ),
    ratio(
        "appeal_days",
        "days after the notice to ask for review or appeal (复核 / 行政复议)",
        param(Fraction(60), "PARAM POLICY ch. 14: 60 days of the notice"),
        rule=_whole_count,
    ),
    ratio(
        "review_months_stable",
        "months between periodic reviews of households with stable income (定期核查)",
        param(Fraction(12), "PARAM POLICY ch. 15: once a year"),
        rule=_whole_count,
    ),
    ratio(
        "review_months_variable",
        "months between reviews of households with irregular income or members able to work",
        param(Fraction(6), "PARAM POLICY ch. 15: every six months"),
        rule=_whole_count,
    ),
    ratio(
        "phase_out_months",
        "months a dibao allowance continues after work lifts income above the line (渐退期)",
        param(Fraction(6), "PARAM POLICY ch. 15: placeholder 6, the bureau sets it"),
        rule=_whole_count,
    ),
)
PROGRAMMES = ()
