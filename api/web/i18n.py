"""The pages' words, Chinese first and English beside it (`?lang=en`, kept in a cookie)."""

from __future__ import annotations

from markupsafe import Markup, escape

from domain.policy.registry import REGISTRY

LANGS = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "app": ("嘉兴共富十助 救助台账", "Jiaxing benefits ledger"),
    "home": ("首页", "Home"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "token": ("令牌", "Token"),
    "token_help": ("粘贴 {command} 打印的令牌。", "Paste a token printed by {command}."),
    "token_command": (
        "ledger token --user 姓名 --role 角色",
        "ledger token --user NAME --role ROLE",
    ),
    "signed_in_as": ("当前用户", "Signed in as"),
    "role": ("角色", "Role"),
    "forbidden": ("无权查看", "Not allowed"),
    "forbidden_text": (
        "您的角色 {role} 不能查看此页面；需要以下角色之一：{roles}。",
        "Your role {role} may not see this page; it needs one of: {roles}.",
    ),
    "not_found": ("未找到", "Not found"),
    "bad_request": ("请求有误", "Bad request"),
    "csrf": (
        "表单已失效（CSRF 校验失败），请重新打开页面再提交。",
        "The form has expired (CSRF check failed); open the page again and resubmit.",
    ),
    "nothing_for_role": ("此角色没有可用的页面。", "There are no pages for this role."),
    "supervision": ("监督看板", "Supervision dashboard"),
    "payments": ("支付批次与对账", "Payment runs and reconciliation"),
    "relief": ("医疗安全基金救助（按月）", "Medical safety fund relief by month"),
    "overdue": ("逾期走访", "Overdue visits"),
    "warnings": ("预警", "Early warnings"),
    "warning_rule": ("预警规则", "Rule"),
    "warning_reason": ("原因", "Reason"),
    "raised_on": ("预警日期", "Raised on"),
    "all_statuses": ("全部", "All"),
    "st_open": ("待处理", "Open"),
    "st_acknowledged": ("已知悉", "Acknowledged"),
    "st_resolved": ("已处理", "Resolved"),
    "illness_poverty": ("因病致贫风险", "Illness-driven poverty risk"),
    "eligible_for_more": ("可享更多救助", "Eligible for more"),
    "referrals_missing": ("岗位推荐不足", "Job referrals missing"),
    "visit_overdue_long": ("走访严重逾期", "Visit long overdue"),
    "major_change_unvisited": ("重大变故未走访", "Major change not visited"),
    "rural_income_fall": ("返贫预警：收入下降", "Rural income fall"),
    "payment_failing": ("发放连续失败", "Payment failing"),
    "decision_overdue": ("审批超期", "Decision overdue"),
    "note": ("处理说明", "Note"),
    "act": ("处理", "Act"),
    "acknowledge": ("知悉", "Acknowledge"),
    "resolve": ("处理完毕", "Resolve"),
    "mean_days": ("平均处理天数", "Mean days to resolution"),
    "max_days": ("最长处理天数", "Longest days to resolution"),
    "warning_saved": ("预警已更新。", "The warning is updated."),
    "no_warnings": ("没有预警。", "No warnings."),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "household": ("家庭", "Household"),
    "open_household": ("打开家庭", "Open a household"),
    "household_id": ("家庭编号", "Household ID"),
    "open": ("打开", "Open"),
    "audit": ("审计回放", "Audit replay"),
    "as_of": ("截至日期", "As of"),
    "show": ("查看", "Show"),
    "region": ("地区", "Region"),
    "city": ("全市", "Whole city"),
    "metric": ("指标", "Metric"),
    "actual": ("实际", "Actual"),
    "target": ("目标", "Target"),
    "met": ("达标", "Met"),
    "not_met": ("未达标", "Not met"),
    "no_data": ("暂无数据", "No data"),
    "policy_item": ("政策条款", "Policy item"),
    "basis": ("口径", "Basis"),
    "shortfall": ("差距家庭", "Households behind the shortfall"),
    "shortfall_none": ("此指标不按家庭统计。", "This metric is not counted by household."),
    "households": ("户", "households"),
    "period": ("期间", "Period"),
    "status": ("状态", "Status"),
    "scheduled": ("应发", "Scheduled"),
    "paid": ("已付", "Paid"),
    "failed": ("失败", "Failed"),
    "returned": ("退回", "Returned"),
    "cancelled": ("取消", "Cancelled"),
    "outstanding": ("未结", "Outstanding"),
    "waiting": ("待补收款账户", "Waiting for a payee account"),
    "waiting_grant": ("一次性救助：家庭无收款账户", "Grant: the household has no payee account"),
    "waiting_returned": ("退票：待更正收款账户", "Returned: waiting for a corrected account"),
    "recovered": ("追回", "Recovered"),
    "balanced": ("平衡", "Balanced"),
    "unbalanced": ("不平衡", "Not balanced"),
    "count": ("笔数", "Payments"),
    "amount": ("金额（元）", "Amount (yuan)"),
    "year": ("年度", "Year"),
    "month": ("月份", "Month"),
    "total": ("合计", "Total"),
    "tier": ("走访频次", "Tier"),
    "why": ("原因", "Why"),
    "last_visit": ("上次走访", "Last visit"),
    "due_on": ("应走访日期", "Due on"),
    "days_overdue": ("逾期天数", "Days overdue"),
    "none_overdue": ("没有逾期的走访。", "No visits are overdue."),
    "members": ("家庭成员", "Members"),
    "name": ("姓名", "Name"),
    "id_number": ("身份证号", "ID number"),
    "relation": ("关系", "Relation"),
    "birth_on": ("出生日期", "Born"),
    "joined_on": ("加入日期", "Joined"),
    "left_on": ("离开日期", "Left"),
    "address": ("地址", "Address"),
    "residence": ("户籍类型", "Residence"),
    "registered_on": ("登记日期", "Registered on"),
    "categories": ("救助类别", "Categories"),
    "entitlements": ("当前待遇", "Current entitlements"),
    "programme": ("项目", "Programme"),
    "member": ("成员", "Member"),
    "monthly": ("月额（元）", "Monthly (yuan)"),
    "effective_from": ("起始日期", "From"),
    "effective_to": ("截止日期", "To"),
    "standard_version": ("标准版本", "Standard"),
    "caps": ("医疗救助封顶", "Medical caps"),
    "cap_year": ("封顶年度", "Cap year"),
    "paid_against_cap": ("已自付 / 封顶", "Paid against cap"),
    "person_cap": ("个人", "Person"),
    "household_cap": ("家庭", "Household"),
    "fund_relief_total": ("基金救助合计", "Fund relief in total"),
    "timeline": ("事件时间线", "Timeline of events"),
    "event": ("事件", "Event"),
    "effective_on": ("生效日期", "Effective"),
    "recorded_at": ("记录时间", "Recorded"),
    "actor": ("操作人", "Actor"),
    "record_visit": ("登记走访", "Record a visit"),
    "record_bill": ("登记医疗费用", "Record a medical bill"),
    "visited_on": ("走访日期", "Visited on"),
    "visitor": ("走访人", "Visitor"),
    "findings": ("走访情况", "Findings"),
    "needs": ("需求", "Needs"),
    "member_id": ("成员", "Member"),
    "service_on": ("就诊日期", "Service on"),
    "bill_total": ("总费用（元）", "Total (yuan)"),
    "insurance_paid": ("医保支付（元）", "Insurance paid (yuan)"),
    "self_paid": ("个人自付（元）", "Self-paid (yuan)"),
    "settlement_number": ("结算单号", "Settlement number"),
    "save": ("保存", "Save"),
    "saved_visit": ("走访已登记。", "The visit was recorded."),
    "saved_bill": (
        "医疗费用已登记：计入封顶 {kept} 元，基金救助 {relief} 元。",
        "The bill was recorded: {kept} yuan counts towards the caps, {relief} yuan relief.",
    ),
    "replay": ("回放", "Replay"),
    "known_at": ("已知时点（北京时间）", "Known at (Beijing time)"),
    "known_at_help": ("留空表示现在所知的全部记录。", "Leave empty for everything recorded now."),
    "today": ("今天", "Today"),
    "then": ("回放", "Replayed"),
    "report_html": ("下载审计报告（HTML）", "Download the audit report (HTML)"),
    "report_pdf": ("下载审计报告（PDF）", "Download the audit report (PDF)"),
    "payments_made": ("支付", "Payments"),
    "version": ("版本", "Version"),
    "stream": ("事件流", "Stream"),
    "prev_year": ("上一年", "Previous year"),
    "next_year": ("下一年", "Next year"),
    "mine_note": (
        "台账不记录家庭的责任社工，此处按地区列出逾期家庭。",
        "The ledger records no caseworker per household: overdue households are listed by region.",
    ),
    "error": ("错误", "Error"),
    "field": ("字段", "Field"),
}

METRICS: dict[str, tuple[str, str]] = {
    "dibao_standard_annual": ("低保标准（年，元）", "Dibao standard (annual, yuan)"),
    "medical_comprehensive_coverage_rate": (
        "医疗综合保障率",
        "Medical comprehensive coverage rate",
    ),
    "medical_over_cap_clearing_rate": ("超封顶费用清零率", "Over-cap clearing rate"),
    "medical_subsidised_enrolment_rate": (
        "困难人员资助参保率",
        "Subsidised insurance enrolment rate",
    ),
    "visit_rate": ("按期走访率", "Visit rate"),
    "job_referrals_per_unemployed_member": (
        "登记失业成员人均岗位推荐",
        "Job referrals per registered unemployed member",
    ),
    "low_income_per_capita_disposable_income": (
        "低收入家庭人均可支配收入（元）",
        "Low-income households' per-capita income (yuan)",
    ),
    "rural_low_income_income_growth": (
        "农村低收入家庭收入增长率",
        "Rural low-income households' income growth",
    ),
    "public_welfare_posts": ("公益性岗位（个）", "Public-welfare posts"),
    "applications_decided_on_time": ("按期审批率", "Applications decided on time"),
}

# The codes the ledger records besides the programmes (whose words are their own
# declaration's, `title_zh` and `title`): relations, residence, payment kinds, event
# types, for pages and reports; an unknown code is shown as it is.
CODES: dict[str, tuple[str, str]] = {
    "rural_low_income": ("低收入农户", "Rural low-income household"),
    "head": ("户主", "Head"),
    "spouse": ("配偶", "Spouse"),
    "child": ("子女", "Child"),
    "parent": ("父母", "Parent"),
    "other": ("其他", "Other"),
    "urban": ("城镇", "Urban"),
    "rural": ("农村", "Rural"),
    "regular": ("当月", "Regular"),
    "arrears": ("补发", "Arrears"),
    "grant": ("一次性救助", "One-off grant"),
    "scheduled": ("应发", "Scheduled"),
    "paid": ("已付", "Paid"),
    "failed": ("失败", "Failed"),
    "returned": ("退回", "Returned"),
    "cancelled": ("取消", "Cancelled"),
    "recovery": ("追回", "Recovery"),
    "household": ("家庭", "Household"),
    "payments": ("发放", "Payments"),
    "Registered": ("家庭登记", "Household registered"),
    "MemberAdded": ("成员加入", "Member added"),
    "MemberChanged": ("成员情况变更", "Member changed"),
    "MemberMovedOut": ("成员迁出", "Member moved out"),
    "MemberMovedIn": ("成员迁入", "Member moved in"),
    "LifeEventReported": ("报告人员变动事项", "Life event reported"),
    "LifeEventConfirmed": ("人员变动事项确认", "Life event confirmed (POLICY ch. 15)"),
    "LifeEventRejected": ("人员变动事项驳回", "Life event rejected"),
    "death": ("死亡", "Death"),
    "residence_moved_out": ("户籍迁出", "Registered residence moved out"),
    "imprisonment": ("服刑", "Imprisonment"),
    "ApplicationSubmitted": ("提出申请", "Application submitted"),
    "ApplicationDetermined": ("审批决定", "Application determined"),
    "ApplicationReceived": ("受理申请", "Application received"),
    "DocumentsRequested": ("补充材料", "Documents requested"),
    "DocumentsReceived": ("材料已补齐", "Documents received"),
    "CheckRequested": ("发起核对", "Check requested"),
    "CheckAnswered": ("核对结果", "Check answered"),
    "CheckReported": ("核对报告", "Check reported"),
    "HomeInvestigated": ("入户调查", "Home investigated"),
    "NoticePublished": ("公示", "Notice published"),
    "ObjectionRaised": ("异议", "Objection raised"),
    "ObjectionResolved": ("异议处理", "Objection resolved"),
    "DeadlineExtended": ("审批延期", "Deadline extended"),
    "ApplicationWithdrawn": ("撤回申请", "Application withdrawn"),
    "PathDecided": ("作出决定", "Decision made"),
    "NoticeLetterSent": ("送达告知书", "Notice letter sent"),
    "AppealLodged": ("申请复核/复议", "Review or appeal lodged"),
    "AppealDecided": ("复核/复议决定", "Review or appeal decided"),
    "CategoryAssigned": ("认定救助类别", "Category assigned"),
    "CategoryEnded": ("救助类别终止", "Category ended"),
    "CategorySuperseded": ("救助类别被后续认定取代", "Category superseded (POLICY ch. 13)"),
    "EntitlementBasisSet": ("待遇依据", "Entitlement basis set"),
    "EntitlementChanged": ("待遇变更", "Entitlement changed"),
    "GrantAwarded": ("一次性救助", "Grant awarded"),
    "VisitRecorded": ("走访登记", "Visit recorded"),
    "MajorChangeReported": ("重大变故", "Major change reported"),
    "SituationStabilised": ("情况稳定", "Situation stabilised"),
    "JobReferralRecorded": ("岗位推荐", "Job referral recorded"),
    "DividendRecorded": ("分红登记", "Dividend recorded"),
    "PayeeAccountSet": ("收款账户", "Payee account set"),
    "MedicalBillRecorded": ("医疗费用登记", "Medical bill recorded"),
    "MedicalReliefGranted": ("基金救助", "Fund relief granted"),
    "MedicalBillCorrected": ("医疗费用更正", "Medical bill corrected"),
    "MedicalBillCancelled": ("医疗费用撤销", "Medical bill cancelled"),
    "MedicalReliefAdjusted": ("救助调整", "Relief adjusted"),
    "PaymentsScheduled": ("排定发放", "Payments scheduled"),
    "PaymentAcknowledged": ("银行回执", "Payment acknowledged"),
    "PaymentReturned": ("退票", "Payment returned"),
    "Reported": ("批次报告", "Run reported"),
}

COUNTY_NAMES: dict[str, tuple[str, str]] = {
    "330400": ("嘉兴市", "Jiaxing"),
    "330402": ("南湖区", "Nanhu"),
    "330411": ("秀洲区", "Xiuzhou"),
    "330421": ("嘉善县", "Jiashan"),
    "330424": ("海盐县", "Haiyan"),
    "330481": ("海宁市", "Haining"),
    "330482": ("平湖市", "Pinghu"),
    "330483": ("桐乡市", "Tongxiang"),
}


def translator(lang: str) -> Words:
    return Words(0 if lang == "zh" else 1)


class Words:
    def __init__(self, index: int) -> None:
        self.index = index

    def __call__(self, key: str, **values: object) -> str:
        pair = TEXT.get(key)
        text = pair[self.index] if pair else key
        return text.format(**values) if values else text

    def with_code(self, key: str, **code: str) -> Markup:
        """The words of `key` with each {name} in them set as <code>value</code>: a
        command in a sentence (everything escaped, the words and the values alike)."""
        return escape(self(key)).format(
            **{name: Markup("<code>{}</code>").format(value) for name, value in code.items()}
        )

    def code(self, code: str | None) -> str:
        """A recorded code (programme, category, relation, event type …) in words."""
        programme = REGISTRY.programmes.get(code or "")
        if programme is not None:
            return (programme.title_zh, programme.title)[self.index]
        pair = CODES.get(code or "")
        return pair[self.index] if pair else (code or "")

    def metric(self, key: str) -> str:
        pair = METRICS.get(key)
        return pair[self.index] if pair else key

    def region(self, code: str) -> str:
        pair = COUNTY_NAMES.get(code[:6])
        name = pair[self.index] if pair else ""
        return f"{name} {code}" if name else code
