"""The plan's supervision targets (METRIC), each declared once: the supervision figures
(`GET /supervision/metrics`) compare with them, and the web pages list the households
behind each shortfall against the same value. Every comparison is "at least"."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from domain.money import yuan


@dataclass(frozen=True)
class Target:
    metric: str
    policy_item: str  # the plan's item (§N), or its part 二、工作目标 (targets)
    value: Fraction  # fen for money, a plain ratio or count otherwise
    shown: str  # as the API answers it

    def met(self, actual: Fraction | int) -> bool:
        return actual >= self.value


TARGETS: dict[str, Target] = {
    t.metric: t
    for t in (
        Target("dibao_standard_annual", "二、工作目标", Fraction(yuan(15000)), "15000.00"),
        Target("medical_comprehensive_coverage_rate", "§15", Fraction(85, 100), "0.8500"),
        Target("medical_over_cap_clearing_rate", "§17", Fraction(1), "1.0000"),
        Target("medical_subsidised_enrolment_rate", "§15", Fraction(1), "1.0000"),
        Target("visit_rate", "§30", Fraction(1), "1.0000"),
        Target("job_referrals_per_unemployed_member", "§21", Fraction(3), "3.00"),
        Target(
            "low_income_per_capita_disposable_income",
            "二、工作目标",
            Fraction(yuan(32000)),
            "32000.00",
        ),
        Target("rural_low_income_income_growth", "§24", Fraction(1, 10), "0.1000"),
        Target("public_welfare_posts", "§22", Fraction(1200), "1200"),
        Target("applications_decided_on_time", "POLICY ch. 14", Fraction(1), "1.0000"),
    )
}
