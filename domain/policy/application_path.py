"""POLICY ch. 14, the application's statutory path (the dibao review and confirmation
measures, 民发〔2021〕57号, and the tekun measures; the plan asks for accurate
identification, §1, the "三走" visits, §5, and supervision, 四(四)), and the figures of
ch. 15. The figures are PARAM standards, for the bureau to confirm.

The path of an application for a category (dibao, one-person dibao, tekun, marginal,
low-income): received with every member's authorisation of the economic-status check
(授权书) → the check (requests to partner departments and their answers; the report's
means are the means the decision uses) → a home investigation by at least
`investigators_min` staff → a public notice for `public_notice_days` → the decision, not
before the notice has run its days and not while an objection is open, by an approver who
neither received nor investigated it, within `decision_working_days` working days of
receipt (the clock pauses while documents are awaited; extendable once, with a reason, to
`decision_working_days_max`) → the notice letter (告知书) → review or appeal within
`appeal_days`. Withdrawal ends it at any step before the decision."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from domain.errors import ConflictError, PolicyRuleError
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
    ratio(
        "documents_followup_days",
        "working days after documents are asked for by which the caseworker follows them "
        "up if they have not come (the caseworker's worklist)",
        param(Fraction(10), "PARAM POLICY ch. 14: placeholder 10 working days, the bureau sets it"),
        rule=_whole_count,
    ),
)

# The stages, in order; `decided` and `withdrawn` end the path.
RECEIVED, CHECKED, INVESTIGATED, NOTICED, DECIDED, WITHDRAWN = (
    "received",
    "checked",
    "investigated",
    "noticed",
    "decided",
    "withdrawn",
)
STAGES = (RECEIVED, CHECKED, INVESTIGATED, NOTICED, DECIDED, WITHDRAWN)
ENDED = (DECIDED, WITHDRAWN)

# The partner departments a check asks (家庭经济状况核对).
DEPARTMENTS = ("tax", "social_insurance", "housing", "vehicles", "bank_deposits")
LETTERS = ("approval", "refusal", "change", "stop")
APPEALS = ("review", "reconsideration")  # 复核 / 行政复议
APPEAL_OUTCOMES = ("upheld", "changed", "withdrawn")


def notice_until(published_on: date, days: int) -> date:
    """The last day of a notice that runs `days` days from its first: published on
    2025-03-03 for 7 days, it runs to 2025-03-09 and the decision may come on 03-10."""
    return published_on + timedelta(days=days - 1)


def refuse_if_ended(stage: str, application_id: str, step: str) -> None:
    """A withdrawn or decided application takes no more steps (409, naming the stage)."""
    if stage in ENDED:
        raise ConflictError(
            f"application {application_id} is {stage}: it takes no {step} (POLICY ch. 14)",
            "stage",
        )
