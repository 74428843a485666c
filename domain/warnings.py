"""Early warnings (POLICY ch. 12; plan §1 智能预警, §3 返贫预警) as pure rules, and the
`WarningCase` aggregate that records what a caseworker did about one warning.

Each rule is a function of facts (read from the views) and standards that returns a
`Finding`: whether it fires on the evaluation date, its reason in words, the date it
was first raised and the fact that triggered it. A warning's id is derived from the
household, the rule and that fact (`warning_id`), so it is the same on every
evaluation and after a rebuild, and a caseworker's acknowledgement or resolution
(events of the `WarningCase` stream with that id) stays attached to it.

Thresholds: `warning_medical_share` (PARAM 0.50), `warning_referral_days` (PARAM 30),
`warning_visit_overdue_factor` (PARAM 2) and `warning_payment_failures` (PARAM 2) are
standards. Two figures come from the plan itself and are constants: 3 referrals per
registered unemployed member (§21 METRIC) and the 7 days of the weekly visit tier
after a major change (§30).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.chain import Chained, ChainedEvent
from domain.errors import ConflictError, InvalidInputError
from domain.money import format_ratio, format_yuan, round_half_up
from domain.policy.base import param, ratio
from domain.policy.counting import months_later
from domain.policy.s05_means_test import Means, means_test
from domain.policy.s30_visit_tiers import WEEK_DAYS, clock_start, intervals_after

if TYPE_CHECKING:
    from domain.standards import StandardsBook

PLAN_ITEMS = "§1, §3 (POLICY ch. 12)"  # for docs/MAP.md
PARAMETERS = (
    ratio(
        "warning_medical_share",
        "illness-poverty warning threshold",
        param(Fraction(1, 2), "PARAM POLICY ch. 12 warnings"),
    ),
    ratio(
        "warning_referral_days",
        "days to the referrals warning (POLICY ch. 12)",
        param(Fraction(30), "PARAM POLICY ch. 12: 30 days"),
    ),
    ratio(
        "warning_visit_overdue_factor",
        "visit intervals before a warning (POLICY ch. 12)",
        param(Fraction(2), "PARAM POLICY ch. 12: twice"),
    ),
    ratio(
        "warning_payment_failures",
        "failures in a row before a warning",
        param(Fraction(2), "PARAM POLICY ch. 12: twice in a row"),
    ),
)

RULES = (
    "illness_poverty",
    "eligible_for_more",
    "referrals_missing",
    "visit_overdue_long",
    "major_change_unvisited",
    "rural_income_fall",
    "payment_failing",
    "decision_overdue",
)
REFERRALS_EXPECTED = 3  # §21: at least 3 job referrals for each registered unemployed member
MAJOR_CHANGE_VISIT_DAYS = WEEK_DAYS  # §30: weekly visits after a major adverse change
STATUSES = ("open", "acknowledged", "resolved")
ACTIONS = ("acknowledged", "resolved")


@dataclass(frozen=True)
class Finding:
    rule: str
    fires: bool
    reason: str
    raised_on: date | None = None  # the first day the rule held for this trigger
    trigger: str = ""  # the fact that raised it: part of the warning's identity


@dataclass(frozen=True)
class MeansRecord:
    """An approved means test as recorded (POLICY ch. 2): before and after the §5 deductions."""

    effective_on: date
    annual_income_fen: int
    rigid_deductions_fen: int
    car_insurance_value_fen: int
    household_size: int

    @property
    def per_capita(self) -> Fraction:
        return Fraction(self.annual_income_fen, self.household_size)


def warning_id(household_id: str, rule: str, trigger: str) -> UUID:
    """The deterministic id of a warning (and of its WarningCase stream)."""
    return uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:warning:{household_id}:{rule}:{trigger}")


def latest(means: list[MeansRecord], on: date) -> MeansRecord | None:
    """The latest means record effective on or before `on` (the last recorded wins)."""
    found = [m for m in means if m.effective_on <= on]
    # POLICY ch. 13: the records come in recording order; the last one recorded rules.
    return found[-1] if found else None


def year_before(on: date) -> date:
    return months_later(on, -12)


# ------------------------------------------------------------------ the rules


def illness_poverty(
    means: MeansRecord | None, bills: list[tuple[date, int]], book: StandardsBook, on: date
) -> Finding:
    """因病致贫: the self-pay the household bore after cap relief (`kept`) in the 12 months
    up to `on` exceeds (超过, excludes the figure) `warning_medical_share` of the annual
    income of its latest means record, before deductions."""
    rule = "illness_poverty"
    if means is None:
        return Finding(rule, False, "no means record to compare the self-pay with")
    share, std = book.ratio("warning_medical_share", on)
    start = year_before(on)
    window = sorted((d, kept) for d, kept in bills if start < d <= on)
    borne = sum(kept for _, kept in window)
    limit = share * means.annual_income_fen
    words = (
        f"self-pay borne from {(start + timedelta(days=1)).isoformat()} to {on.isoformat()} "
        f"{format_yuan(borne)}; {format_ratio(share)} ({std.label}) of the annual income "
        f"{format_yuan(means.annual_income_fen)} of the means record of "
        f"{means.effective_on.isoformat()} is {format_yuan(round_half_up(limit))}"
    )
    if borne <= limit:
        return Finding(rule, False, f"因病致贫 not indicated: {words}, not exceeded")
    running, raised = 0, on
    for day, kept in window:
        running += kept
        if running > limit:
            raised = day
            break
    return Finding(
        rule,
        True,
        f"因病致贫 risk (illness-driven poverty): {words}, exceeded (POLICY ch. 12).",
        raised,
        means.effective_on.isoformat(),
    )


def eligible_for_more(
    category: tuple[str, date] | None, means: MeansRecord | None, book: StandardsBook, on: date
) -> Finding:
    """A marginal or low-income household whose latest means, after the §5 deductions,
    now fall below the dibao line: the same means test as a determination (rules.py)."""
    rule = "eligible_for_more"
    if category is None or category[0] not in ("marginal", "low_income") or means is None:
        return Finding(rule, False, "not a marginal or low-income household with a means record")
    result = means_test(
        Means(means.annual_income_fen, means.rigid_deductions_fen, means.car_insurance_value_fen),
        means.household_size,
        book,
        on,
    )
    if result.category != "dibao":
        return Finding(
            rule, False, f"the latest means still test {result.category}: {result.explanation}"
        )
    dibao = book.in_force("dibao_standard_annual", on)
    raised = max(means.effective_on, category[1], dibao.effective_from)
    return Finding(
        rule,
        True,
        f"可能符合低保 (eligible for more): a {category[0]} household whose latest means "
        f"(of {means.effective_on.isoformat()}) now test dibao on {on.isoformat()}: "
        f"{result.explanation}",
        raised,
        f"{means.effective_on.isoformat()}/{dibao.label}",
    )


def referrals_missing(
    member_id: str,
    unemployed_since: date | None,
    referrals: list[date],
    book: StandardsBook,
    on: date,
) -> Finding:
    """§21: a registered unemployed member with fewer than 3 job referrals
    `warning_referral_days` days after registering as unemployed."""
    rule = "referrals_missing"
    if unemployed_since is None:
        return Finding(rule, False, "the member is not registered unemployed")
    days, std = book.ratio("warning_referral_days", on)
    due = unemployed_since + timedelta(days=int(days))
    count = sum(1 for d in referrals if unemployed_since <= d <= on)
    words = (
        f"registered unemployed since {unemployed_since.isoformat()}, {count} job referral(s) "
        f"by {on.isoformat()}, {REFERRALS_EXPECTED} expected (§21) within {int(days)} days "
        f"({std.label})"
    )
    if on < due or count >= REFERRALS_EXPECTED:
        return Finding(rule, False, f"就业帮扶 on track: {words}")
    return Finding(
        rule,
        True,
        f"就业帮扶不足 (referrals missing): member {member_id} {words}.",
        due,
        f"{member_id}/{unemployed_since.isoformat()}",
    )


def visit_overdue_long(
    tier: str | None, last_visit: date | None, anchor: date, book: StandardsBook, on: date
) -> Finding:
    """§30: a household whose last visit (or, with none, the start of its tier's clock:
    the major change for the weekly tier, else its registration) is more than
    `warning_visit_overdue_factor` times its visit interval ago."""
    rule = "visit_overdue_long"
    if tier is None:
        return Finding(rule, False, "not a registered difficulty household")
    factor = int(book.ratio("warning_visit_overdue_factor", on)[0])
    start = clock_start(tier, last_visit, anchor)
    limit = intervals_after(tier, start, factor)
    since = f"last visit {last_visit.isoformat()}" if last_visit else f"no visit since {start}"
    words = f"{tier} tier (§30), {since}; {factor} x the interval ends on {limit.isoformat()}"
    if on <= limit:
        return Finding(rule, False, f"within {factor} x the visit interval: {words}")
    return Finding(
        rule,
        True,
        f"探访严重逾期 (visit long overdue): {words}, and it is {on.isoformat()}.",
        limit + timedelta(days=1),
        f"{tier}/{start.isoformat()}",
    )


def major_change_unvisited(reported_on: date, visits: list[date], on: date) -> Finding:
    """§30: a major adverse change with no visit within 7 days of its report."""
    rule = "major_change_unvisited"
    limit = reported_on + timedelta(days=MAJOR_CHANGE_VISIT_DAYS)
    visited = [v for v in visits if reported_on <= v <= limit]
    if visited:
        return Finding(rule, False, f"visited on {min(visited).isoformat()}, within 7 days")
    if on <= limit:
        return Finding(rule, False, f"the 7 days after {reported_on.isoformat()} have not passed")
    return Finding(
        rule,
        True,
        f"重大变故未探访 (major change unvisited): reported on {reported_on.isoformat()}, no "
        f"visit by {limit.isoformat()} (§30: weekly).",
        limit + timedelta(days=1),
        reported_on.isoformat(),
    )


def rural_income_fall(rural_low_income: bool, means: list[MeansRecord], on: date) -> Finding:
    """§3 返贫预警: a rural low-income household whose per-capita income (before
    deductions) fell from one yearly means record to the next (the latest of each year)."""
    rule = "rural_income_fall"
    if not rural_low_income:
        return Finding(rule, False, "not a rural low-income household")
    by_year: dict[int, MeansRecord] = {}
    for record in (m for m in means if m.effective_on <= on):  # recording order (POLICY ch. 13)
        by_year[record.effective_on.year] = record
    years = sorted(by_year)
    if len(years) < 2:
        return Finding(rule, False, "fewer than two yearly means records")
    before, now = by_year[years[-2]], by_year[years[-1]]
    words = (
        f"per-capita income {format_yuan(round_half_up(before.per_capita))} in {years[-2]}, "
        f"{format_yuan(round_half_up(now.per_capita))} in {years[-1]}"
    )
    if now.per_capita >= before.per_capita:
        return Finding(rule, False, f"did not fall: {words}")
    return Finding(
        rule,
        True,
        f"返贫预警 (rural income fall): {words} (§3).",
        now.effective_on,
        str(years[-1]),
    )


def payment_failing(
    failures: int, payment_id: str, failed_on: date | None, book: StandardsBook, on: date
) -> Finding:
    """A payment whose tries failed `warning_payment_failures` times in a row (each retry
    of a failed payment carries the count of its chain): raised once per chain, at the
    try whose failure reached the limit."""
    rule = "payment_failing"
    limit = int(book.ratio("warning_payment_failures", on)[0])
    if failures < limit or failed_on is None or failed_on > on:
        return Finding(rule, False, f"{failures} failure(s) in a row, fewer than {limit}")
    if failures > limit:
        return Finding(rule, False, f"raised at the try that failed the {limit}th time in a row")
    return Finding(
        rule,
        True,
        f"支付连续失败 (payment failing): payment {payment_id} failed {failures} times in a row "
        f"(the latest on {failed_on.isoformat()}); check the payee's account.",
        failed_on,
        payment_id,
    )


def decision_overdue(
    application_id: str, used: int, limit: int, due_on: date | None, on: date
) -> Finding:
    """POLICY ch. 14: an application on the statutory path still undecided after its
    `decision_working_days` (or, extended, `decision_working_days_max`) working days from
    receipt, the days its clock was paused not counted. Raised from the day after the
    deadline, once per application."""
    rule = "decision_overdue"
    if used <= limit or due_on is None:
        return Finding(rule, False, f"{used} of {limit} working days used")
    return Finding(
        rule,
        True,
        f"审批超期 (decision overdue): application {application_id} has used {used} working "
        f"days of {limit}; the deadline was {due_on.isoformat()} (POLICY ch. 14).",
        due_on + timedelta(days=1),
        application_id,
    )


# ------------------------------------------------------- the caseworker's actions


class WarningCase(Chained):
    """What caseworkers did about one warning: acknowledged it, resolved it with a note.
    One stream per warning (id = `warning_id`), so acting on a warning never competes
    with the household's own commands, and a rebuild of the views keeps the status."""

    class Event(ChainedEvent):
        actor: str
        effective_on: date

    class Opened(Event, Aggregate.Created):
        """The warning as it stood when first acted on (kept so that the list of
        resolved warnings still shows it when the rule no longer fires)."""

        household_id: str
        rule: str
        trigger: str
        reason: str
        raised_on: date

    class StatusSet(Event):
        status: str
        note: str

        def apply(self, aggregate: WarningCase) -> None:
            aggregate.status = self.status

    def __init__(
        self, household_id: str, rule: str, trigger: str, reason: str, raised_on: date
    ) -> None:
        self.household_id = household_id
        self.rule = rule
        self.trigger = trigger
        self.reason = reason
        self.raised_on = raised_on
        self.status = "open"

    @classmethod
    def open(cls, *, household_id: str, finding: Finding, actor: str, on: date) -> WarningCase:
        if not finding.fires or finding.raised_on is None:
            raise InvalidInputError("only a warning that fires can be acted on", "warning_id")
        created: WarningCase = cls._create(
            cls.Opened,
            id=warning_id(household_id, finding.rule, finding.trigger),
            household_id=household_id,
            rule=finding.rule,
            trigger=finding.trigger,
            reason=finding.reason,
            raised_on=finding.raised_on,
            actor=actor,
            effective_on=on,
        )
        return created

    def set_status(self, status: str, note: str, *, actor: str, on: date) -> None:
        if status not in ACTIONS:
            raise InvalidInputError("status must be acknowledged or resolved", "status")
        if status == "resolved" and not note.strip():
            raise InvalidInputError("a resolution must say what was done (note)", "note")
        if self.status == "resolved":
            raise ConflictError("the warning is already resolved", "status")
        if self.status == status:
            raise ConflictError(f"the warning is already {status}", "status")
        self.trigger_event(self.StatusSet, status=status, note=note, actor=actor, effective_on=on)
