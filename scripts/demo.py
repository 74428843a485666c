"""The demo city: a year of a Jiaxing-like caseload, built in batches.

Every household goes through the same commands a caseworker and an approver would
use (registration, members, applications, determinations, member changes), then two
standard changes reach the households through the ledger's own propagation.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError

from domain.errors import LedgerError
from domain.household import Household
from domain.identity import claim_id
from domain.idnumber import check_character
from domain.money import format_yuan, yuan
from domain.policy.registry import REGISTRY
from domain.policy.s05_means_test import Means
from domain.policy.s17_medical_caps import BillFigures
from domain.standards import CITY_CODE, COUNTIES, Standards, StandardsBook, standards_id
from projections import sql
from services.camt import BankEntry
from services.importer import existing
from services.ledger import Ledger

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
    "彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金"
    "石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国"
    "文斌燕凤海云飞鹏辉林宇欣怡梅琴雪晨浩然子涵嘉佳颖婷"
)
STREETS = ["南湖路", "中山路", "禾兴路", "秀洲大道", "解放东路", "城南路", "东升路", "乍浦路"]
CASEWORKERS = [f"caseworker{i:02d}" for i in range(1, 9)]
APPROVERS = ["approver01", "approver02"]
ProgressFn = Callable[[int, int], None]


def demo_household_id(seed: int, n: int) -> UUID:
    """The demo city's household `n` of `seed`: the same id in every run, so a run can
    tell which of its households are already there (and sorted lists are the same)."""
    return uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:demo:{seed}:{n}")


class Ids:
    """The ids a demo household's commands give (members, applications, bills), in
    the order they are asked for: the same in every run of the same seed."""

    def __init__(self, household_id: UUID) -> None:
        self.household_id = household_id
        self.count = 0

    def __call__(self, kind: str) -> str:
        self.count += 1
        return str(
            uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:{self.household_id}:{kind}:{self.count}")
        )


def id_number(rng: random.Random, county: str, birth_on: date) -> str:
    body = f"{county}{birth_on:%Y%m%d}{rng.randrange(1000):03d}"
    return body + check_character(body)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _birth(rng: random.Random, low: int, high: int) -> date:
    return date(2025 - rng.randint(low, high), rng.randint(1, 12), rng.randint(1, 28))


def _consents(household: Household, on: date) -> list[dict[str, str]]:
    """Every member present on `on` signs the authorisation of the check that day (授权书)."""
    return [
        {"member_id": m.member_id, "signed_on": on.isoformat()}
        for m in household.members.values()
        if m.present_on(on)
    ]


def _staff(caseworker: str) -> list[str]:
    """The two staff of a home investigation: the caseworker and the next one."""
    other = CASEWORKERS[(CASEWORKERS.index(caseworker) + 1) % len(CASEWORKERS)]
    return [caseworker, other]


def _walk(
    household: Household,
    app_id: str,
    book: StandardsBook,
    caseworker: str,
    to: str = "noticed",
) -> date:
    """Take an application received on the household along the statutory path (POLICY
    ch. 14), every step on its receipt date, up to stage `to` (checked, investigated,
    noticed); returns the first day it may be decided (the day after the notice ends)."""
    application = household.applications[app_id]
    path = application.path
    if path is None:
        return application.effective_from
    on = path.received_on
    request = f"{app_id}-tax"
    household.request_check(app_id, request_id=request, department="tax", on=on, actor=caseworker)
    household.record_check_answer(
        app_id, request_id=request, finding="与申报一致", amount_fen=None, on=on, actor=caseworker
    )
    if application.means is not None:
        household.attach_check_report(app_id, means=application.means, on=on, actor=caseworker)
    if to == "checked":
        return on
    household.record_investigation(
        app_id,
        staff=_staff(caseworker),
        findings="入户核查属实",
        on=on,
        actor=caseworker,
        book=book,
    )
    if to == "investigated":
        return on
    until = household.publish_notice(app_id, on=on, actor=caseworker, book=book)
    return until + timedelta(days=1)


def _decide(
    household: Household,
    app_id: str,
    book: StandardsBook,
    caseworker: str,
    approver: str,
    reason: str,
) -> date:
    """`_walk`, then the approval on the first day it may come; an application the rules
    refuse is rejected that day with the rule's reason (and the error raised again)."""
    on = _walk(household, app_id, book, caseworker)
    try:
        household.determine(
            app_id, decision="approve", reason=reason, actor=approver, book=book, on=on
        )
    except LedgerError as refused:
        household.determine(
            app_id,
            decision="reject",
            reason=f"不符合条件：{refused.message}",
            actor=approver,
            book=book,
            on=on,
        )
        raise
    return on


# The extra applications left along the path for the worklists (one household in 25):
# each a re-assessment of the household's category received late in November.
PATH_SLOTS = (
    "documents",
    "received",
    "checked",
    "investigated",
    "objection",
    "noticed",
    "withdrawn",
    "letter",
)


def _path_worklist(
    rng: random.Random,
    household: Household,
    slot: str,
    means: Means,
    book: StandardsBook,
    caseworker: str,
    approver: str,
    ids: Ids,
) -> str | None:
    """A re-assessment of the household's category left at `slot`; the stage it is at
    (None: the household is in no category then)."""
    received = date(2025, 11, 17) + timedelta(days=rng.randint(0, 6))
    category = household.household_category_on(received)
    if category is None:
        return None
    app_id = household.submit_application(
        programme=category.category,
        effective_from=received,
        means=means,
        member_id=None,
        details={},
        actor=caseworker,
        application_id=ids("application"),
        consents=_consents(household, received),
    )
    if slot == "documents":
        household.request_documents(
            app_id, documents="近三个月工资流水", on=received, actor=caseworker
        )
    elif slot in ("checked", "investigated"):
        _walk(household, app_id, book, caseworker, to=slot)
    elif slot == "withdrawn":
        _walk(household, app_id, book, caseworker, to="checked")
        household.withdraw_application(
            app_id, reason="申请人撤回：已就业", on=received + timedelta(days=2), actor=caseworker
        )
    elif slot in ("objection", "noticed"):
        _walk(household, app_id, book, caseworker)
        if slot == "objection":
            household.record_objection(
                app_id,
                objection_id=f"{app_id}-objection",
                raised_by="邻居（匿名）",
                text="反映家中有经营收入未申报",
                on=received + timedelta(days=2),
                actor=caseworker,
            )
    elif slot == "letter":
        try:
            on = _decide(household, app_id, book, caseworker, approver, "年度复核属实")
        except LedgerError:
            on = household.applications[app_id].path.decided_on or received
        household.send_letter(app_id, on=on, actor=caseworker)
    return household.applications[app_id].path.stage()


# A few households at fixed places of the city (so any city of 11 or more holds them,
# whichever run built them): two decided applications notified by letter and appealed
# (one appeal decided, upheld), three received in October and left undecided (past the
# 30-working-day limit by 2025-11-30: the overdue worklist and `decision_overdue`), and
# the reported and confirmed death of a tekun member (POLICY ch. 15).
EXTRA_SLOTS = {
    5: "appeal_upheld",
    6: "appeal",
    7: "overdue",
    8: "overdue",
    9: "overdue",
    10: "death",
    # Periodic reviews of dibao households (a household in another category is left).
    **dict.fromkeys((11, 14, 17, 20), "review_change"),
    **dict.fromkeys((13, 16, 19, 22), "review_stop"),
    **dict.fromkeys((15, 18, 21, 23), "phase_out"),
}
OVERDUE_RECEIVED = date(2025, 10, 9)
# Each household's responsible caseworker is the one who registered it; one household in
# 40 passes to the next caseworker, by an approver, when the year's work is done.
REASSIGNED_EVERY = 40
REASSIGNED_ON = date(2025, 12, 1)


def _appealed(
    household: Household,
    programme: str,
    means: Means,
    book: StandardsBook,
    caseworker: str,
    approver: str,
    ids: Ids,
    upheld: bool,
) -> str:
    """A re-assessment received on 2025-09-01, decided, its letter delivered two days
    later and appealed ten days after that; the review decided `upheld` by the other
    approver when `upheld`. What it left."""
    received = date(2025, 9, 1)
    category = household.household_category_on(received)
    app_id = household.submit_application(
        programme=category.category if category else programme,
        effective_from=received,
        means=means,
        member_id=None,
        details={},
        actor=caseworker,
        application_id=ids("application"),
        consents=_consents(household, received),
    )
    with contextlib.suppress(LedgerError):  # refused: the letter is a refusal letter
        _decide(household, app_id, book, caseworker, approver, "年度复核属实")
    path = household.applications[app_id].path
    assert path is not None and path.decided_on is not None
    served = path.decided_on + timedelta(days=2)
    household.send_letter(app_id, on=served, actor=caseworker)
    lodged = served + timedelta(days=10)
    appeal_id = f"{app_id}-appeal"
    household.lodge_appeal(
        app_id,
        appeal_id=appeal_id,
        kind="review" if upheld else "reconsideration",
        grounds="申请人对认定结果有异议" if upheld else "申请人认为收入核定有误",
        on=lodged,
        actor=caseworker,
        book=book,
    )
    if not upheld:
        return "appeal lodged"
    other = next(a for a in APPROVERS if a != path.decided_by)
    household.decide_appeal(
        app_id,
        appeal_id=appeal_id,
        outcome="upheld",
        reason="复核维持原决定",
        on=lodged + timedelta(days=15),
        actor=other,
    )
    return "appeal decided (upheld)"


def _tekun_death(
    household: Household,
    members: list[str],
    book: StandardsBook,
    caseworker: str,
    approver: str,
    ids: Ids,
) -> str | None:
    """The household's tekun member (made one from 2025-06-01 if none is), reported dead
    on 2025-10-20 by the caseworker and confirmed by the approver."""
    tekun = [
        a.member_id
        for a in household.applications.values()
        if a.programme == "tekun" and a.decision == "approved" and a.member_id
    ]
    if not tekun:
        start = date(2025, 6, 1)
        app_id = household.submit_application(
            programme="tekun",
            effective_from=start,
            means=None,
            member_id=members[-1],
            details={},
            actor=caseworker,
            application_id=ids("application"),
            consents=_consents(household, start),
        )
        try:
            _decide(household, app_id, book, caseworker, approver, "无劳动能力、无赡养人")
        except LedgerError:
            return None
        tekun = [members[-1]]
    member_id = tekun[0]
    died = date(2025, 10, 20)
    if not household.members[member_id].present_on(died):
        return None
    event_id = household.report_life_event(
        member_id,
        kind="death",
        on=died,
        source=f"{caseworker}（村委会报告）",
        actor=caseworker,
        event_id=ids("life-event"),
    )
    household.decide_life_event(
        event_id, decision="confirm", reason="死亡证明已核实", actor=approver, book=book
    )
    return "death of a tekun member confirmed"


def _reviewed(
    slot: str,
    household: Household,
    members: list[str],
    book: StandardsBook,
    caseworker: str,
    approver: str,
    ids: Ids,
) -> str | None:
    """A dibao household's periodic review (POLICY ch. 15) on 2025-07-01: `review_change`
    finds 3,000 a year more than nothing and changes the amount, `review_stop` finds the
    income above every line and stops it from 2025-09-01, `phase_out` finds a member at
    work since 2025-06-01 and the household marginal: the allowance continues 6 months."""
    category = household.household_category_on(date(2025, 7, 1))
    if category is None or category.category != "dibao":
        return None
    size = household.size_on(date(2025, 7, 1))
    if slot == "review_change":
        on, income, outcome = date(2025, 7, 1), 3000, "change"
    elif slot == "review_stop":
        on, income, outcome = date(2025, 9, 1), 200_000, "stop"
    else:
        on, income, outcome = date(2025, 7, 1), 18_000 * size, "stop"
        household.change_member(
            members[0],
            effective_on=date(2025, 6, 1),
            changes={"employment": "employed"},
            actor=caseworker,
        )
    try:
        done = household.record_review(
            on=on,
            means=Means(yuan(income), 0, 0),
            outcome=outcome,
            reason="定期核查：家庭收入变化",
            found_by=caseworker,
            actor=approver,
            book=book,
            review_id=ids("review"),
        )
    except LedgerError:
        return None
    return f"review {done['outcome']}"


def _extra(
    slot: str,
    household: Household,
    programme: str,
    means: Means,
    members: list[str],
    book: StandardsBook,
    caseworker: str,
    approver: str,
    ids: Ids,
) -> str | None:
    """The household's part of EXTRA_SLOTS; what it left (None: nothing)."""
    if slot in ("appeal", "appeal_upheld"):
        upheld = slot == "appeal_upheld"
        return _appealed(household, programme, means, book, caseworker, approver, ids, upheld)
    if slot in ("review_change", "review_stop", "phase_out"):
        return _reviewed(slot, household, members, book, caseworker, approver, ids)
    if slot == "overdue":
        category = household.household_category_on(OVERDUE_RECEIVED)
        household.submit_application(
            programme=category.category if category else programme,
            effective_from=OVERDUE_RECEIVED,
            means=means,
            member_id=None,
            details={},
            actor=caseworker,
            application_id=ids("application"),
            consents=_consents(household, OVERDUE_RECEIVED),
        )
        return f"received {OVERDUE_RECEIVED.isoformat()}, undecided and late"
    return _tekun_death(household, members, book, caseworker, approver, ids)


def _helps_and_care(
    rng: random.Random,
    household: Household,
    members: list[str],
    book: StandardsBook,
    caseworker: str,
    approver: str,
    counts: dict[str, int],
    ids: Ids,
) -> None:
    """The other helps, visits, referrals and dividends a year brings to a household."""
    start = date(2025, 4, 1)

    def grant(
        programme: str,
        on: date,
        member_id: str | None = None,
        details: dict[str, object] | None = None,
    ) -> None:
        try:
            app_id = household.submit_application(
                programme=programme,
                effective_from=on,
                means=None,
                member_id=member_id,
                details=details or {},
                actor=caseworker,
                application_id=ids("application"),
            )
            household.determine(
                app_id, decision="approve", reason="入户核实", actor=approver, book=book
            )
            counts[programme] = counts.get(programme, 0) + 1
        except LedgerError:
            pass  # not eligible: the application stays on file, undetermined

    registered = bool(household.categories_on(start))
    if registered:
        category = household.household_category_on(start)
        if category is not None and category.category in ("dibao", "marginal"):
            grant("charity_living_subsidy", start, members[0])
            for member_id in members:
                member = household.members[member_id]
                if member.relation == "child" and member.attribute("school_stage", start):
                    grant(
                        "education_aid", date(2025, 9, 1), member_id, {"school_year": "2025-2026"}
                    )
        if household.residence == "urban" and rng.random() < 0.3:
            grant("virtual_job_subsidy", start, members[0])
        if household.residence == "urban" and rng.random() < 0.15:
            grant(
                "rent_subsidy",
                start,
                None,
                {
                    "tier_ratio": rng.choice(("0.4", "0.5", "0.6")),
                    "average_market_rent": str(rng.choice((1800, 2100, 2400))),
                },
            )
        for member_id in members:
            member = household.members[member_id]
            if member.relation == "parent":
                grant("eldercare_service_subsidy", start, member_id, {"care": "home_community"})
            if member.attribute("employment", start) == "unemployed_registered":
                grant("unemployed_temporary_subsidy", date(2025, 3, 1), member_id)
                for n in range(rng.randint(0, 4)):
                    household.refer_to_job(
                        member_id,
                        referred_on=date(2025, 3, 5 + 7 * n),
                        employer=rng.choice(("嘉兴纺织", "南湖物业", "秀洲物流")),
                        position=None,
                        actor=caseworker,
                    )
        if rng.random() < 0.05:
            grant(
                "renovation_grant",
                date(2025, 5, 1),
                None,
                {"requested": str(rng.choice((8000, 15000, 30000)))},
            )
        # Visits through the year; now and then a major adverse change.
        visit_on = start
        while visit_on < date(2025, 11, 1):
            household.record_visit(
                visited_on=visit_on,
                visitor=caseworker,
                findings="生活稳定",
                needs=None,
                actor=caseworker,
            )
            visit_on += timedelta(days=rng.randint(25, 110))
        if rng.random() < 0.02:
            household.report_major_change(
                reported_on=date(2025, 10, 20), description="家中失火", actor=caseworker
            )
    if rng.random() < 0.01:
        grant(
            "disaster_relief",
            date(2025, 7, 20),
            None,
            {"disaster_on": "2025-07-20", "loss": "house_damaged"},
        )
    if (
        household.residence == "rural"
        and registered
        and rng.random() < 0.2
        and household.rural_low_income_on(date(2025, 12, 1))  # §23 (after the draw: same city)
    ):
        household.record_dividend(
            year=2025,
            amount_fen=yuan(rng.randint(300, 2000)),
            actor=caseworker,
            on=date(2025, 12, 1),
        )
        counts["dividends"] = counts.get("dividends", 0) + 1


def _medical_year(
    rng: random.Random,
    household: Household,
    members: list[str],
    book: StandardsBook,
    caseworker: str,
    counts: dict[str, int],
    ids: Ids,
) -> int:
    """Settlements through the year for about a third of the households; a few heavy
    ones go over the §17 caps; now and then one is corrected or cancelled."""
    if rng.random() > 0.35:
        return 0
    recorded = []
    for _ in range(rng.randint(1, 4)):
        member = rng.choice(members)
        joined = household.members[member].joined_on
        service_on = max(joined, date(2025, rng.randint(2, 11), rng.randint(1, 28)))
        heavy = rng.random() < 0.15
        total = yuan(rng.randint(40000, 120000) if heavy else rng.randint(300, 12000))
        self_paid = total * rng.randint(15, 45) // 100
        items = (
            ("consultation", min(yuan(rng.choice((20, 35, 50))), total // 10)),
            ("bed", min(yuan(rng.randint(0, 40) * 30), total // 4)),
            ("drugs", total // 3),
        )
        figures = BillFigures(
            total, total - self_paid, self_paid, {"basic_insurance": total - self_paid}, items
        )
        bill = household.record_medical_bill(
            member_id=member,
            service_on=service_on,
            figures=figures,
            settlement_number=f"JX{service_on:%Y%m%d}{rng.randrange(10**8):08d}",
            actor=caseworker,
            book=book,
            bill_id=ids("bill"),
        )
        recorded.append(bill)
    if len(recorded) > 1 and rng.random() < 0.1:
        household.cancel_medical_bill(
            recorded[0].bill_id, reason="重复结算", actor=caseworker, book=book
        )
        counts["cancelled"] += 1
    elif rng.random() < 0.1:
        first = recorded[0]
        more = first.total_fen + yuan(1000)
        household.correct_medical_bill(
            first.bill_id,
            member_id=first.member_id,
            service_on=first.service_on,
            figures=BillFigures(
                more,
                first.insurance_paid_fen,
                more - first.insurance_paid_fen,
                {"basic_insurance": first.insurance_paid_fen},
                (),
            ),
            settlement_number=first.settlement_number,
            reason="补录费用",
            actor=caseworker,
            book=book,
        )
        counts["corrected"] += 1
    return len(recorded)


def _run_of(ledger: Ledger, period: str) -> object | None:
    from domain.payments import run_id

    try:
        return ledger.app.repository.get(run_id(period))
    except AggregateNotFoundError:
        return None


def _pay_month(ledger: Ledger, seed: int, period: str) -> tuple[str, int, int, bool]:
    """Run a month (or finish it) and record the bank's answers to the payments still
    without one, 200 payment ledgers per transaction; whether anything was recorded.
    Each payment's answer from its own generator: the same whatever was there before."""
    from domain.payments import ledger_id
    from services.payment_runs import run_payments

    before = _run_of(ledger, period)
    summary = run_payments(ledger, period, "finance01")
    added = before is None or not getattr(before, "completed", False)
    ledger.runner.catch_up()
    rows = ledger.views.query(sql.FEED_RUN, {"period": period})
    by_household: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        if row["status"] == "scheduled":
            by_household.setdefault(str(row["household_id"]), []).append(row)
    at = f"{period}-05T10:00:00+08:00"
    batch = []
    for household, payments in sorted(by_household.items()):
        payment_ledger = ledger.app.repository.get(ledger_id(UUID(household)))
        for row in payments:
            rng = random.Random(f"{seed}:bank:{row['payment_id']}")  # noqa: S311 - demo data
            status = "failed" if rng.random() < 0.01 else "paid"
            payment_ledger.acknowledge(
                str(row["payment_id"]),
                status=status,
                bank_reference=f"BK{rng.randrange(10**10)}",
                at=at,
                actor="finance01",
                on=date.fromisoformat(at[:10]),
            )
        batch.append(payment_ledger)
        if len(batch) >= 200:
            ledger.app.save(*batch)
            batch = []
    if batch:
        ledger.app.save(*batch)
    return period, summary.payments, summary.total_fen, added or bool(by_household)


RETURN_ON = date(2025, 5, 12)  # a May payment comes back: the account was closed
CORRECTED_ON = date(2025, 5, 20)  # the caseworker records the household's new account


def _a_return(ledger: Ledger, seed: int) -> bool:
    """One paid regular payment of May's run, drawn from the seed, comes back (退票,
    AC04: the account closed), and the caseworker records the payee's new account: the
    June run re-issues it, once. Done once: a second build finds both recorded."""
    ledger.runner.catch_up()
    rows = sorted(
        (
            r
            for r in ledger.views.query(sql.FEED_RUN, {"period": "2025-05"})
            if r["kind"] == "regular" and r["status"] in ("paid", "returned")
        ),
        key=lambda r: str(r["payment_id"]),
    )
    if not rows:
        return False
    returned = [r for r in rows if r["status"] == "returned"]
    rng = random.Random(f"{seed}:return")  # noqa: S311 - demo data
    row = returned[0] if returned else rng.choice(rows)
    household = UUID(str(row["household_id"]))
    added = False
    if not returned:
        ledger.app.acknowledge_payment(
            household,
            str(row["payment_id"]),
            status="returned",
            bank_reference=f"BK-R{rng.randrange(10**8):08d}",
            at=datetime(2025, 5, 12, 10, 0, tzinfo=timezone(timedelta(hours=8))),
            actor="finance01",
            reason="AC04 账户已销户 (account closed)",
        )
        added = True
    records = ledger.views.query(sql.HOUSEHOLD_ACCOUNT_RECORDS, {"household_id": household})
    if not any(_as_date(r["effective_on"]) == CORRECTED_ON for r in records):
        ledger.app.set_account(
            household,
            str(row["payee_member_id"]),
            kind="bank",
            account_number=f"6217{rng.randrange(10**15):015d}",
            bank_name="中国建设银行",
            actor=CASEWORKERS[0],
            on=CORRECTED_ON,
        )
        added = True
    return added


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _grants_paid(ledger: Ledger) -> str:
    """The one-off grants the runs paid (§11, §14, §28), by programme."""
    ledger.runner.catch_up()
    paid: dict[str, list[int]] = {}
    for row in ledger.views.query(sql.FEED_PAGE, {"after": 0, "limit": 10_000_000}):
        if row["kind"] == "grant" and not row["retry_of"]:
            paid.setdefault(str(row["programme"]), []).append(int(row["amount_fen"]))
    return "one-off grants paid by the runs: " + (
        ", ".join(f"{k} {len(v)} ({format_yuan(sum(v))})" for k, v in sorted(paid.items()))
        or "none"
    )


def _return_re_issued(ledger: Ledger) -> str:
    """The May payment returned and what re-issued it."""
    rows = ledger.views.query(sql.FEED_RUN, {"period": "2025-06"})
    again = [r for r in rows if r["retry_of"] and r["kind"] == "regular"]
    for row in again:
        [first] = ledger.views.query(sql.PAYMENT_BY_ID, {"payment_id": row["retry_of"]})
        if first["status"] == "returned" and first["run_period"] == "2025-05":
            return (
                f"a return (退票) re-issued: {format_yuan(int(row['amount_fen']))} of "
                f"{first['period']} returned {RETURN_ON.isoformat()} (AC04 account closed), "
                f"account corrected {CORRECTED_ON.isoformat()}, re-issued by the 2025-06 run"
            )
    return "a return (退票) re-issued: none"


BUDGETS_ON = date(2025, 1, 6)  # finance records the year's budgets (嘉民〔2025〕3号)
NEAR_COUNTY = "330421"  # 嘉善县: its dibao budget is nearly spent by November


def _budgets(ledger: Ledger) -> tuple[str, bool]:
    """The 2025 dibao budget of every county with dibao spending (a separate step, so
    the demo's other parts merge around it): ample (the spending of February to November
    over 10 months, times 12, and a tenth more, rounded up to 10,000 yuan) but in 嘉善县
    (or the first county with spending, if it has none), where what is left after the
    November run is 95% of November's spending: near the budget, so a December run
    would hold some lines (docs/PAYMENTS.md "Budgets"). Idempotent: the same figures
    again record nothing."""
    from services.budgets import committed_by_month, set_budget

    ledger.runner.catch_up()
    spent = {
        county: months
        for (county, programme), months in committed_by_month(ledger.views, 2025).items()
        if programme == "dibao" and sum(months.values()) > 0
    }
    if not spent:
        return "budgets: none recorded (no dibao spending)", False
    near = NEAR_COUNTY if NEAR_COUNTY in spent else sorted(spent)[0]
    before = ledger.app.recorder.max_notification_id() or 0
    lines = []
    for county, months in sorted(spent.items()):
        total = sum(months.values())
        if county == near:
            amount = total + months.get("2025-11", 0) * 95 // 100
        else:
            ample = total * 12 * 11 // (10 * 10)
            amount = -(-ample // 1_000_000) * 1_000_000
        shown = set_budget(
            ledger,
            county=county,
            year=2025,
            programme="dibao",
            amount=format_yuan(amount),
            document="嘉民〔2025〕3号 (demo)",
            actor="finance01",
            on=BUDGETS_ON,
        )
        if county == near:
            lines.append(
                f"{shown['county_name']} dibao budget {shown['budget']}: committed "
                f"{shown['committed']}, remaining {shown['remaining']} (near its budget)"
            )
    added = (ledger.app.recorder.max_notification_id() or 0) > before
    return f"budgets 2025 (dibao, {len(spent)} counties): " + "; ".join(lines), added


STATEMENT_ID = "DEMO-STMT-2025-07-31"  # the bank's statement of July's run (camt.053)
STATEMENT_ON = date(2025, 7, 31)
STATEMENT_CORRECTED_ON = date(2025, 7, 20)  # the wrong name's account recorded again


def _bank_statement(ledger: Ledger, seed: int) -> tuple[str, bool]:
    """July's run, and the bank's camt.053 statement of it imported (a separate step, so
    the demo's other parts merge around it; docs/PAYMENTS.md "Bank statements"): every
    line booked as sent but two of another amount (1.00 short, 10.00 over), one credited
    back (BE01: the name does not match the account), and one entry the ledger never
    sent. The caseworker records the returned payee's account again, checked, on
    2025-07-20; August's run re-issues the return, once. The other lines' answers then
    come as the other months' (`_pay_month`). Done once: a second build finds the
    statement imported and the account recorded."""
    from services.payment_runs import run_payments
    from services.statements import import_statement, statement_for_run

    run_payments(ledger, "2025-07", "finance01")
    ledger.runner.catch_up()
    rows = sorted(
        (
            r
            for r in ledger.views.query(sql.FEED_RUN, {"period": "2025-07"})
            if r["kind"] == "regular" and r["account_number"] and not r["retry_of"]
        ),
        key=lambda r: str(r["payment_id"]),
    )
    if len(rows) < 3:
        return "bank statement: none (too few payments in July)", False
    rng = random.Random(f"{seed}:statement")  # noqa: S311 - demo data
    short, over, back = rng.sample(rows, 3)
    added = False
    if not any(r["statement_id"] == STATEMENT_ID for r in ledger.views.query(sql.STATEMENTS, {})):
        data = statement_for_run(
            ledger.views.query(sql.FEED_RUN, {"period": "2025-07"}),
            STATEMENT_ID,
            STATEMENT_ON,
            amounts={
                str(short["payment_id"]): int(short["amount_fen"]) - 100,
                str(over["payment_id"]): int(over["amount_fen"]) + 1000,
            },
            returns={str(back["payment_id"]): ("BE01", "户名与账号不符")},
            extra=[BankEntry(f"{STATEMENT_ID}-X1", "JX2025070099", 50_000, STATEMENT_ON)],
        )
        import_statement(ledger, data, "finance01")
        added = True
    household = UUID(str(back["household_id"]))
    records = ledger.views.query(sql.HOUSEHOLD_ACCOUNT_RECORDS, {"household_id": household})
    if not any(_as_date(r["effective_on"]) == STATEMENT_CORRECTED_ON for r in records):
        ledger.app.set_account(
            household,
            str(back["payee_member_id"]),
            kind="bank",
            account_number=str(back["account_number"]),
            bank_name=back["bank_name"],
            actor=CASEWORKERS[0],
            on=STATEMENT_CORRECTED_ON,
        )
        added = True
    return STATEMENT_ID, added


def _statement_line(ledger: Ledger, statement: str) -> str:
    """What the statement recorded and what finance was shown, and the re-issue."""
    ledger.runner.catch_up()
    found = [r for r in ledger.views.query(sql.STATEMENTS, {}) if r["statement_id"] == statement]
    if not found:
        return statement
    [row] = found
    kinds: dict[str, int] = {}
    for item in ledger.views.query(sql.STATEMENT_EXCEPTIONS, {}):
        if item["statement_id"] == statement:
            kinds[str(item["kind"])] = kinds.get(str(item["kind"]), 0) + 1
    again = [
        r
        for r in ledger.views.query(sql.FEED_RUN, {"period": "2025-08"})
        if r["retry_of"] and r["period"] == "2025-07"
    ]
    return (
        f"bank statement {statement} (camt.053) imported: {row['entries']} entries, "
        f"{row['paid']} paid, {row['returned']} returned (BE01 wrong name), "
        f"{kinds.get('amount_mismatch', 0)} amount mismatches and "
        f"{kinds.get('unmatched', 0)} unmatched for finance (GET /statements/exceptions); "
        f"re-issued by the 2025-08 run: {len(again)} "
        f"({format_yuan(sum(int(r['amount_fen']) for r in again))})"
    )


def _standard_change(
    ledger: Ledger,
    *,
    key: str,
    value: int | Fraction,
    effective_from: date,
    basis: str,
    region_code: str | None = None,
    cited_income_growth: Fraction | None = None,
    cited_urban_consumption_fen: int | None = None,
) -> int | None:
    """Record the change unless it is recorded (then finish its propagation if it was
    cut short); the adjustments recorded now, None when there was nothing to do."""
    region = region_code or CITY_CODE
    try:
        standards = ledger.app.repository.get(standards_id(region))
    except AggregateNotFoundError:
        standards = None
    if isinstance(standards, Standards):
        for change in standards.changes:
            if (change.key, change.value, change.effective_from) == (key, value, effective_from):
                if key in REGISTRY.propagated_keys() and change.version not in standards.propagated:
                    done = ledger.propagate(region, change.version, actor="standards_admin01")
                    return done.adjusted
                return None
    _, propagation = ledger.record_standard_change(
        key=key,
        value=value,
        effective_from=effective_from,
        basis=basis,
        actor="standards_admin01",
        region_code=region_code,
        cited_income_growth=cited_income_growth,
        cited_urban_consumption_fen=cited_urban_consumption_fen,
    )
    return propagation.adjusted


def _save_with_claims(ledger: Ledger, batch: list[Household]) -> int:
    """Save the households with the claims on their present members' ID numbers in one
    transaction (一人一户, POLICY ch. 15), as the import does; the household events saved."""
    app = ledger.app
    numbers = [claim_id(m.id_number) for h in batch for m in h.members.values()]
    recorded = existing(app, numbers)
    # Each household then its claims: the same order of events (so the same positions
    # in the views) whatever the batch size.
    aggregates = [
        a
        for h in batch
        for a in (h, *app.claims_for_new_household(h, actor="system:demo", recorded=recorded))
    ]
    events = sum(h.version for h in batch)
    app.save(*aggregates)
    return events


def build_demo_city(
    ledger: Ledger,
    *,
    households: int = 1000,
    seed: int = 2025,
    batch_size: int = 100,
    progress: ProgressFn | None = None,
) -> list[str]:
    """Build the demo city of `seed`, or complete it: every step first looks for what
    it would record (households by their demo ids, runs by period, standard changes,
    answers, moves), so a second run, or one after an interruption, records only what
    is missing, and the same seed gives the same city. The lines say what was added."""
    ledger.runner.catch_up()
    app = ledger.app
    wanted = [demo_household_id(seed, n) for n in range(households)]
    present = {UUID(str(r["household_id"])) for r in ledger.views.query(sql.RUN_REGIONS, {})}
    strangers = present - set(wanted)
    if strangers:
        raise LedgerError(
            f"the ledger already has {len(present)} households, {len(strangers)} of them not "
            f"the demo city's (seed {seed}, {households} households); the demo fills an empty "
            "ledger or completes its own city (point LEDGER_DATABASE_URL at a new file or "
            "database)"
        )
    missing = [n for n, hid in enumerate(wanted) if hid not in present]
    if present and missing and _run_of(ledger, "2025-02") is not None:
        raise LedgerError(
            f"the ledger holds a demo city of {len(present)} households whose year has been "
            f"run; it cannot grow to {households} (use the same --households, or a new ledger)"
        )
    counties = sorted(COUNTIES)
    books: dict[str, StandardsBook] = {c: app.standards_book(c) for c in counties}
    batch: list[Household] = []
    events = 0
    categories: dict[str, int] = {}
    medical = {"bills": 0, "corrected": 0, "cancelled": 0}
    helps: dict[str, int] = {}
    stages: dict[str, int] = {}
    extras: dict[str, int] = {}
    reassigned = 0
    for done, n in enumerate(missing, start=1):
        # Each household from its own generator: the same household whichever others
        # are already there.
        rng = random.Random(f"{seed}:household:{n}")  # noqa: S311 - demo data, not secrets
        ids = Ids(wanted[n])
        county = counties[n % len(counties)]
        region = f"{county}{rng.randint(1, 12):03d}{rng.randint(1, 20):03d}"
        registered = date(2025, 1, 2) + timedelta(days=rng.randint(0, 60))
        caseworker = rng.choice(CASEWORKERS)
        approver = rng.choice(APPROVERS)
        household = Household.register(
            region_code=region,
            residence=rng.choice(("urban", "rural")),
            address=f"{rng.choice(STREETS)}{rng.randint(1, 999)}号",
            registered_on=registered,
            actor=caseworker,
            household_id=wanted[n],
        )
        size = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))
        members = []
        for i in range(size):
            relation = ("head", "spouse", "child", "child", "parent")[i]
            birth = (
                _birth(rng, 25, 70)
                if relation in ("head", "spouse")
                else (_birth(rng, 6, 20) if relation == "child" else _birth(rng, 65, 90))
            )
            members.append(
                household.add_member(
                    name=_name(rng),
                    id_number=id_number(rng, county, birth),
                    relation=relation,
                    birth_on=birth,
                    joined_on=registered,
                    actor=caseworker,
                    severe_illness=rng.random() < 0.08,
                    severe_disability=rng.random() < 0.06,
                    school_stage=(
                        "primary"
                        if relation == "child" and birth.year > 2012
                        else "senior"
                        if relation == "child"
                        else None
                    ),
                    employment=(
                        "unemployed_registered"
                        if relation == "head" and rng.random() < 0.2
                        else None
                    ),
                    member_id=ids("member"),
                )
            )
        bank = rng.random() < 0.7  # else the 民生一卡通 card
        household.set_account(
            members[0],
            kind="bank" if bank else "one_card",
            account_number=(
                f"6222{rng.randrange(10**15):015d}" if bank else f"3304{rng.randrange(10**8):08d}"
            ),
            bank_name=rng.choice(("中国工商银行", "中国农业银行", "嘉兴银行", "浙江农商银行")),
            actor=caseworker,
            on=registered,
        )
        start = registered + timedelta(days=rng.randint(10, 40))
        start = start.replace(day=1) + timedelta(days=31)
        start = start.replace(day=1)
        band = rng.random()
        # Per-capita monthly income chosen per band, then written as annual means.
        if band < 0.5:
            per_head = rng.randint(0, 1100)
        elif band < 0.75:
            per_head = rng.randint(1300, 1800)
        else:
            per_head = rng.randint(1900, 2000 if size >= 4 else 2600)
        income = yuan(per_head * 12 * size)
        deductions = yuan(rng.choice((0, 0, 0, 1200, 2400, 4800)))
        means = Means(income + deductions, deductions, yuan(rng.choice((0, 0, 0, 30000, 60000))))
        programme = "dibao" if band < 0.5 else "marginal" if band < 0.75 else "low_income"
        try:
            app_id = household.submit_application(
                programme=programme,
                effective_from=start,
                means=means,
                member_id=None,
                details={},
                actor=caseworker,
                application_id=ids("application"),
                consents=_consents(household, start),
            )
            _decide(household, app_id, books[county], caseworker, approver, "入户核查属实")
            categories[programme] = categories.get(programme, 0) + 1
        except LedgerError:
            pass  # a low-income band above the limit for its size: rejected, no category
        if programme == "marginal":
            ill = [
                m
                for m in members
                if household.members[m].attribute("severe_illness", start)
                or household.members[m].attribute("severe_disability", start)
            ]
            if ill:
                single = household.submit_application(
                    programme="dibao_single",
                    effective_from=start,
                    means=None,
                    member_id=ill[0],
                    details={},
                    actor=caseworker,
                    application_id=ids("application"),
                    consents=_consents(household, start),
                )
                _decide(household, single, books[county], caseworker, approver, "重病单人户")
                categories["dibao_single"] = categories.get("dibao_single", 0) + 1
        if rng.random() < 0.08:
            elder = household.members[members[-1]]
            tekun = household.submit_application(
                programme="tekun",
                effective_from=start,
                means=None,
                member_id=elder.member_id,
                details={},
                actor=caseworker,
                application_id=ids("application"),
                consents=_consents(household, start),
            )
            _decide(household, tekun, books[county], caseworker, approver, "无劳动能力、无赡养人")
            categories["tekun"] = categories.get("tekun", 0) + 1
        # Later in the year: a child moves up a school stage, someone falls ill.
        for member_id in members:
            member = household.members[member_id]
            if member.relation == "child" and rng.random() < 0.3:
                household.change_member(
                    member_id,
                    effective_on=date(2025, 9, 1),
                    changes={"school_stage": "junior"},
                    actor=caseworker,
                )
            elif rng.random() < 0.03:
                household.change_member(
                    member_id,
                    effective_on=date(2025, 6, 15),
                    changes={"severe_illness": True},
                    actor=caseworker,
                )
        medical["bills"] += _medical_year(
            rng, household, members, books[county], caseworker, medical, ids
        )
        _helps_and_care(rng, household, members, books[county], caseworker, approver, helps, ids)
        if n % 25 == 12:  # the worklists' applications, from a generator of their own
            stage = _path_worklist(
                random.Random(f"{seed}:path:{n}"),  # noqa: S311 - demo data
                household,
                PATH_SLOTS[n // 25 % len(PATH_SLOTS)],
                means,
                books[county],
                caseworker,
                approver,
                ids,
            )
            if stage is not None:
                stages[stage] = stages.get(stage, 0) + 1
        if n in EXTRA_SLOTS:
            left = _extra(
                EXTRA_SLOTS[n],
                household,
                programme,
                means,
                members,
                books[county],
                caseworker,
                approver,
                ids,
            )
            if left is not None:
                extras[left] = extras.get(left, 0) + 1
        if n % REASSIGNED_EVERY == 3:  # the district's caseworkers change over
            reassigned += household.assign_caseworker(
                CASEWORKERS[(CASEWORKERS.index(caseworker) + 1) % len(CASEWORKERS)],
                on=REASSIGNED_ON,
                reason="片区调整",
                actor=approver,
                registered_by=caseworker,
            )
        batch.append(household)
        if len(batch) >= batch_size:
            events += _save_with_claims(ledger, batch)
            batch = []
            if progress:
                progress(households - len(missing) + done, households)
    if batch:
        events += _save_with_claims(ledger, batch)
    if progress:
        progress(households, households)

    # Monthly payment runs; the bank pays almost everything (a few accounts fail). One
    # of May's payments comes back (退票) and is re-issued by June's run.
    runs = [_pay_month(ledger, seed, f"2025-{m:02d}") for m in range(2, 6)]
    return_added = _a_return(ledger, seed)
    runs += [_pay_month(ledger, seed, "2025-06")]
    statement, statement_added = _bank_statement(ledger, seed)  # July's run and statement
    runs += [_pay_month(ledger, seed, f"2025-{m:02d}") for m in range(7, 9)]
    price, suspended, price_added = _price_subsidy_and_a_suspension(ledger)

    # Standard changes in the year, both reaching households through propagation; the
    # tekun rise is recorded late (from July, recorded after August's run): arrears.
    tekun_adjusted = _standard_change(
        ledger,
        key="tekun_standard_annual",
        value=yuan(27000),
        effective_from=date(2025, 7, 1),
        basis="嘉民〔2025〕12号 (demo)",
        cited_urban_consumption_fen=yuan(50000),
    )
    county_adjusted = _standard_change(
        ledger,
        key="dibao_standard_annual",
        value=yuan(15600),
        effective_from=date(2025, 10, 1),
        basis="海民〔2025〕8号 (demo)",
        region_code="330481",
        cited_income_growth=Fraction(4, 100),
    )
    # A person moves in with relatives mid-year, carrying their year's self-pay (§17).
    moved = False
    movers = ledger.views.households_with(("dibao",), "330402", date(2025, 8, 1))[:2]
    if len(movers) == 2:
        source = app.household(movers[0])
        mover = next(iter(source.members))
        if source.members[mover].left_on is None:
            app.move_member(
                movers[0],
                mover,
                to_household_id=movers[1],
                effective_on=date(2025, 8, 1),
                actor=CASEWORKERS[0],
            )
            moved = True
    runs += [_pay_month(ledger, seed, f"2025-{m:02d}") for m in range(9, 12)]
    imported, import_added = _import_settlements(ledger, seed)
    what_if, warned, acted = _what_if_and_warnings(ledger)
    budgets, budgets_added = _budgets(ledger)
    ledger.runner.catch_up()
    added = (
        bool(missing)
        or any(run[3] for run in runs)
        or price_added
        or tekun_adjusted is not None
        or county_adjusted is not None
        or moved
        or import_added
        or acted > 0
        or return_added
        or budgets_added
        or statement_added
    )
    if not added:
        return [
            f"demo city: {households} households (seed {seed}), complete: nothing to add",
        ]
    fund = sum(r["relief_fen"] for r in ledger.fund_relief(2025, "3304"))

    def adjustments(count: int | None) -> str:
        return "already recorded" if count is None else f"{count} entitlement adjustments"

    return [
        f"demo city: {households} households ({len(missing)} added now, "
        f"{households - len(missing)} already there), {events} household events added",
        "categories: " + ", ".join(f"{k} {v}" for k, v in sorted(categories.items())),
        f"tekun standard 27,000 from 2025-07-01: {adjustments(tekun_adjusted)}",
        f"海宁市 dibao standard 15,600 from 2025-10-01: {adjustments(county_adjusted)}",
        f"entitlement history rows: {ledger.views.count('ledger_entitlement_history')}",
        "payment runs 2025-02..2025-11: "
        + ", ".join(f"{period} {n} ({format_yuan(total)})" for period, n, total, _ in runs[:2])
        + f", …; September with arrears: {runs[7][1]} payments ({format_yuan(runs[7][2])})",
        _grants_paid(ledger),
        _return_re_issued(ledger),
        _statement_line(ledger, statement),
        "other helps: " + ", ".join(f"{k} {v}" for k, v in sorted(helps.items())),
        "applications along the statutory path (POLICY ch. 14), left for the worklists: "
        + (", ".join(f"{k} {v}" for k, v in sorted(stages.items())) or "none"),
        f"caseworkers: {len(CASEWORKERS)}, each household's the one who registered it; "
        f"{reassigned} households passed to the next caseworker by an approver on "
        f"{REASSIGNED_ON.isoformat()} (GET /me/households, /me/worklist)",
        "letters and appeals, overdue applications, life events: "
        + (", ".join(f"{k} {v}" for k, v in sorted(extras.items())) or "none"),
        price,
        suspended,
        f"medical bills: {medical['bills']} ({medical['corrected']} corrected, "
        f"{medical['cancelled']} cancelled); medical safety fund relief in 2025: "
        f"{format_yuan(fund)}",
        imported,
        what_if,
        warned,
        budgets,
    ]


def _price_subsidy_and_a_suspension(ledger: Ledger) -> tuple[str, str, bool]:
    """§6: the CPI rise recorded for September (3.6%, the trigger is 3.5%) starts the price
    subsidy for the heads of five 南湖 dibao households; one dibao household is suspended
    from 2025-09-11 pending a review and resumed from 2025-09-21 (paid pro rata). Each
    part only when not recorded yet; whether anything was."""
    added = (
        _standard_change(
            ledger,
            key="cpi_yoy",
            value=Fraction(36, 1000),
            effective_from=date(2025, 9, 1),
            basis="嘉兴市统计局 2025年9月 CPI (demo)",
        )
        is not None
    )
    app = ledger.app
    ledger.runner.catch_up()
    nanhu = ledger.views.households_with(("dibao",), "330402", date(2025, 9, 1))
    for hid in nanhu[:5]:
        household = app.household(hid)
        if any(a.programme == "price_subsidy" for a in household.applications.values()):
            continue
        head = next(m for m in household.members.values() if m.relation == "head")
        application = app.update(
            hid,
            lambda h, head_id=head.member_id, hid=hid: h.submit_application(
                programme="price_subsidy",
                effective_from=date(2025, 9, 1),
                means=None,
                member_id=head_id,
                details={},
                actor=CASEWORKERS[0],
                application_id=str(uuid5(NAMESPACE_URL, f"urn:jiaxing-ledger:{hid}:price")),
            ),
        )
        app.determine(hid, application, decision="approve", reason="CPI 3.6%", actor=APPROVERS[0])
        added = True
    reviewed = nanhu[5] if len(nanhu) > 5 else None
    if reviewed is not None and not app.household(reviewed).suspensions_of("dibao"):
        for command, on, why in (
            (app.suspend_entitlement, date(2025, 9, 11), "待复核：收入变化核查"),
            (app.resume_entitlement, date(2025, 9, 21), "复核完成"),
        ):
            command(reviewed, "dibao", None, effective_on=on, reason=why, actor=APPROVERS[0])
        added = True
    return (
        f"price subsidy (§6, CPI 3.6% from 2025-09): {min(len(nanhu), 5)} households",
        f"dibao suspended 2025-09-11..2025-09-20 and resumed: household {reviewed}",
        added,
    )


def _import_settlements(ledger: Ledger, seed: int) -> tuple[str, bool]:
    """December's settlements arrive as a settlement system's CSV (`ledger import-bills`),
    once with a bad row, then again: the second import records nothing new (nor does
    either when a run before recorded them)."""
    import tempfile
    from pathlib import Path

    from services.import_bills import HEADER, import_bills

    rng = random.Random(f"{seed}:settlements")  # noqa: S311 - reproducible demo data
    identities = ledger.member_identity()
    people = sorted(identities.items())[: max(len(identities) // 10, 1)]
    lines = [HEADER]
    for n, (_, who) in enumerate(people):
        self_paid = rng.randint(1, 400_000)
        basic = rng.randint(0, 800_000)
        total, paid = format_yuan(self_paid + basic), format_yuan(self_paid)
        lines.append(
            f"JXDEMO{n:06d},{who['id_number']},2025-12-{1 + n % 28:02d},"
            f"{total},{format_yuan(basic)},0,0,0,{paid}\n"
        )
    lines.append("JXDEMOBAD,330402198005171237,2025-12-01,100.00,0,0,0,0,90.00\n")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "settlements.csv"
        path.write_text("".join(lines), encoding="utf-8")
        first = import_bills(ledger, path)
        second = import_bills(ledger, path)
    line = (
        f"import-bills: {first.rows} settlement rows, {first.recorded} recorded, "
        f"{len(first.errors)} refused (line {first.errors[0][0] if first.errors else '-'}); "
        f"imported again: {second.recorded} recorded, {second.already_recorded} already there"
    )
    return line, first.recorded + second.recorded > 0


def _what_if_and_warnings(ledger: Ledger) -> tuple[str, str, int]:
    """A what-if of raising the city's dibao standard for 2026 (recorded nothing), and the
    early warnings on 2025-11-30 with one acknowledged and one resolved by a caseworker."""
    from services import warnings
    from services.simulation import Proposal, simulate

    result = simulate(
        ledger,
        [Proposal("dibao_standard_annual", yuan(16200), "330400", Fraction(5, 100))],
        date(2026, 1, 1),
        sample_size=0,
    )
    what_if = (
        f"what-if dibao standard 16,200 from 2026-01-01: {result['households_changing_amount']} "
        f"households change amount, {result['households_changing_category']} would test into "
        f"another category, {result['monthly_cost_difference']} a month more"
    )
    on = date(2025, 11, 30)
    found = warnings.warnings(ledger, on)
    # The first two warnings of the list (sorted by day, household, rule): the same two
    # in every run of the seed; acted on once.
    acted = [w for w in found[:2] if w.status == "open"]
    for w, status in zip(found[:2], ("acknowledged", "resolved"), strict=False):
        if w.status != "open":
            continue
        warnings.act(
            ledger,
            UUID(w.warning_id),
            status=status,
            note="入户核实, 已跟进" if status == "resolved" else "",
            actor=CASEWORKERS[0],
            on=on,
        )
    by_rule: dict[str, int] = {}
    for w in found:
        by_rule[w.rule] = by_rule.get(w.rule, 0) + 1
    warned = (
        f"early warnings on {on.isoformat()}: "
        + ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items()))
        + f" ({min(len(found), 2)} acted on by a caseworker)"
    )
    return what_if, warned, len(acted)
