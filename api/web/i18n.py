"""The pages' words, Chinese first and English beside it (`?lang=en`, kept in a cookie)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from markupsafe import Markup, escape

from domain.policy.registry import REGISTRY

LANGS = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "budgets": ("预算执行（按月）", "Spending against budget by month"),
    "budget_year": ("预算年度", "Budget year"),
    "recorded": ("已记录。", "Recorded."),
    "county": ("县（市、区）", "County"),
    "budget": ("年度预算", "Budget"),
    "committed": ("已支出", "Committed"),
    "remaining": ("结余", "Remaining"),
    "held_lines": ("暂缓发放笔数", "Lines held"),
    "override": ("超预算放行", "Override"),
    "spent_by_month": ("各月支出（元）", "Spent by month (yuan)"),
    "to_date": ("累计", "To date"),
    "record_budget": ("录入或调整年度预算", "Record or revise a budget"),
    "record_override": ("超预算放行（须说明理由）", "Override a budget for one run"),
    "document": ("文号", "Document"),
    "record": ("记录", "Record"),
    "run_period": ("发放月份", "Run month"),
    "reason": ("理由", "Reason"),
    "waiting_budget": ("超出预算：暂缓发放", "Held: past the budget"),
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
    "statements": ("银行对账单", "Bank statements"),
    "statement_exceptions": ("对账异常（待财务核查）", "Statement exceptions (for finance)"),
    "late_payments": (
        "超过 {days} 天无银行记录的支付",
        "Payments with no bank entry after {days} days",
    ),
    "entry": ("银行流水", "Bank entry"),
    "expected": ("应为", "Expected"),
    "entries": ("笔数", "Entries"),
    "days": ("天数", "Days"),
    "balanced": ("平衡", "Balanced"),
    "unbalanced": ("不平衡", "Not balanced"),
    "count": ("笔数", "Payments"),
    "amount": ("金额（元）", "Amount (yuan)"),
    "sum": ("金额", "Amount"),
    "year": ("年度", "Year"),
    "month": ("月份", "Month"),
    "total": ("合计", "Total"),
    "tier": ("走访频次", "Tier"),
    "why": ("原因", "Why"),
    "last_visit": ("上次走访", "Last visit"),
    "due_on": ("应走访日期", "Due on"),
    "decision_due_on": ("审核确认期限", "Decision due by"),
    "work_due_on": ("到期日", "Due on"),
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
    "monthly_amount": ("月额", "Monthly"),
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
        "医疗费用已登记：计入封顶 {kept}，基金救助 {relief}。",
        "The bill was recorded: {kept} counts towards the caps, {relief} relief.",
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
        "此处按地区列出逾期家庭；您负责家庭的走访见“我的工作”。",
        "Overdue households by region; the visits of the households you look after are in My work.",
    ),
    "error": ("错误", "Error"),
    "field": ("字段", "Field"),
    # the workspace (issue 17)
    "register_household": ("登记家庭", "Register a household"),
    "queue": ("审批队列", "Approval queue"),
    "application": ("申请", "Application"),
    "applications": ("申请", "Applications"),
    "stage": ("环节", "Stage"),
    "decision": ("决定", "Decision"),
    "submitted_by": ("经办人", "Submitted by"),
    "days_used": ("已用工作日", "Working days used"),
    "days_left": ("剩余工作日", "Working days left"),
    "paused": ("已暂停（待补材料）", "paused (documents awaited)"),
    "late": ("已超期", "late"),
    "path": ("办理过程", "The path"),
    "checks": ("经济状况核对", "Economic-status checks"),
    "awaited": ("待回复", "awaited"),
    "objections": ("异议", "Objections"),
    "open_objection": ("待处理", "open"),
    "appeals": ("复核与行政复议", "Reviews and appeals"),
    "open_appeal": ("待决定", "open"),
    "appeal_upheld": ("维持原决定", "The decision is upheld"),
    "appeal_changed": ("变更原决定，重新办理", "Changed: the application is reopened"),
    "appeal_withdrawn": ("申请人撤回", "Withdrawn by the applicant"),
    "letter_print": ("打印告知书", "Print the notice letter"),
    "next_steps": ("下一步", "Next steps"),
    "step_saved": ("已记录。", "Recorded."),
    "pl_received": (
        "{on} 受理申请，全体家庭成员已签署授权。",
        "Received {on} with every member's authorisation.",
    ),
    "pl_report": (
        "{on} 家庭经济状况核对报告（回复：{answers}）：家庭年收入 {income}；审核以此为准。",
        "Economic-status check report of {on} (answers: {answers}): annual income {income};"
        " the decision uses its means.",
    ),
    "pl_answer": ("{department}（{on}）", "{department} ({on})"),
    "pl_investigation": (
        "{on} 入户调查，调查人员：{staff}。",
        "Home investigation on {on} by {staff}.",
    ),
    "pl_notice": (
        "公示 {start} 至 {until}，无异议。",
        "Public notice {start} to {until}, no objection.",
    ),
    "pl_notice_objections": (
        "公示 {start} 至 {until}，异议 {n} 件。",
        "Public notice {start} to {until}, objections: {n}.",
    ),
    "all_open": ("全部在办", "All open"),
    "late_only": ("只看超期", "Late only"),
    "queue_help": (
        "按剩余工作日排列（最紧急在前），截至 {on}。",
        "Ordered by working days left (the most urgent first), on {on}.",
    ),
    "queue_empty": ("没有在办的申请。", "No applications on the path."),
    "received_on": ("受理日期", "Received on"),
    "kind": ("类型", "Kind"),
    "life_events": ("人员变动", "Life events"),
    "public_list": ("长期公示", "Public list"),
    "public_list_of": ("{month} 救助对象公示", "recipients, {month}"),
    "f_village": ("村（社区）", "Village or community"),
    "persons": ("保障人数", "Persons"),
    "hotline": ("监督电话", "Supervision hotline"),
    "public_list_help": (
        "公示姓名、救助类别、保障人数和月保障金额；不公示身份证号、住址、收入等个人信息。",
        "Shown: the name masked, the category, the persons and the monthly amount; never "
        "an ID number, address or income.",
    ),
    "optional": ("（选填）", "(optional)"),
    "one_a_line": ("每行一人。", "One a line."),
    "preview": ("预览决定", "Preview the decision"),
    "preview_title": ("将记录的决定", "The decision that will be recorded"),
    "preview_help": (
        "以上是确认后将记录的金额和说明；尚未记录。确认后生效。",
        "These are the amounts and explanation that will be recorded; nothing is recorded "
        "until you confirm.",
    ),
    "confirm_record": ("确认并记录", "Confirm and record"),
    "outcome": ("结果", "Outcome"),
    "per_month": ("月", "month"),
    "waiting_visits": ("待发送的走访", "Visits waiting to be sent"),
    "offline_help": (
        "没有网络时，走访记录保存在本设备上，网络恢复后自动发送，每条只记录一次。",
        "Without a network, visits are kept on this device and sent when the connection "
        "returns, each recorded once.",
    ),
    "visit_sent": ("已发送", "sent"),
    "visit_kept": ("已保存在本设备，待发送", "kept on this device, waiting to be sent"),
    "visit_refused": ("被拒绝", "refused"),
    "my_work": ("我的工作", "My work"),
    "household_actions": ("办理", "Actions"),
    "a_register": ("登记家庭", "Register a household"),
    "a_member": ("添加家庭成员", "Add a member"),
    "a_member_change": ("成员情况变更", "Record a member's change"),
    "a_account": ("登记收款账户", "Record a payee account"),
    "a_apply": ("提出申请", "Submit an application"),
    "a_major_change": ("报告重大变故", "Report a major change"),
    "a_life_event": ("报告人员变动", "Report a life event"),
    "a_documents": ("要求补充材料", "Request documents"),
    "a_documents_received": ("材料已补齐", "Documents received"),
    "a_check": ("发起经济状况核对", "Request an economic-status check"),
    "a_check_answer": ("登记核对结果", "Record a check answer"),
    "a_check_report": ("附核对报告", "Attach the check report"),
    "a_investigation": ("登记入户调查", "Record the home investigation"),
    "a_notice": ("发布公示", "Publish the notice"),
    "a_objection": ("登记异议", "Record an objection"),
    "a_objection_resolution": ("处理异议", "Resolve an objection"),
    "a_extension": ("延长审批期限", "Extend the deadline"),
    "a_determination": ("审批决定", "Decide"),
    "a_withdrawal": ("撤回申请", "Withdraw the application"),
    "a_letter": ("送达告知书", "Deliver the notice letter"),
    "a_appeal": ("登记复核/复议申请", "Lodge a review or appeal"),
    "a_appeal_decision": ("复核/复议决定", "Decide a review or appeal"),
    "a_caseworker": ("更换责任社工", "Reassign the caseworker"),
    "f_caseworker": ("责任社工（用户名）", "Caseworker (user name)"),
    "search": ("查找家庭", "Find a household"),
    "search_q": ("身份证号、姓名或地址", "ID number, name or address"),
    "search_placeholder": ("如 330402… 或 张 或 南湖路", "e.g. 330402… or 张 or 南湖路"),
    "find": ("查找", "Find"),
    "nothing_found": ("没有找到。", "Nothing found."),
    "caseworker_resp": ("责任社工", "Caseworker"),
    "mine_title": ("我的工作", "My work"),
    "my_worklist": ("我的待办", "My worklist"),
    "my_households": ("我负责的家庭", "My households"),
    "worklist_empty": ("没有待办事项。", "Nothing to do."),
    "what": ("事项", "What"),
    "wk_visit": ("走访", "Home visit"),
    "wk_review": ("定期核查", "Periodic review"),
    "wk_application": ("申请待办理", "Application: my step"),
    "wk_documents": ("材料待补齐", "Documents awaited"),
    "wk_warning": ("预警待处理", "Warning to act on"),
    "wk_decision": ("待审批", "Decision waiting"),
    "wk_objection": ("异议待处理", "Objection to resolve"),
    "a_life_event_decision": ("确认/驳回人员变动", "Confirm or reject a life event"),
    "a_review": ("定期核查决定", "Decide a periodic review"),
    "f_event_id": ("人员变动事项编号", "Life event id"),
    "f_reviewed_member": ("核查对象（个人类别）", "The member (a person's category)"),
    "f_irregular_income": ("收入不固定", "Irregular income"),
    "f_found_by": ("核查社工", "Caseworker who found the means"),
    "f_region_code": ("行政区划代码（县、乡镇、村）", "Region code (county, township, village)"),
    "f_on": ("日期", "Date"),
    "f_annual_income": ("家庭年收入（元）", "Annual household income (yuan)"),
    "f_rigid_deductions": ("刚性支出扣减（元）", "Rigid deductions (yuan)"),
    "f_car_insurance_value": ("车辆价值（元）", "Car value (yuan)"),
    "f_severe_illness": ("重病", "Severe illness"),
    "f_severe_disability": ("重残（一、二级）", "Severe disability (grade 1 or 2)"),
    "f_employment": ("就业状况", "Employment"),
    "f_school_stage": ("就学阶段", "School stage"),
    "f_effective_on": ("变更起始日期", "Effective on"),
    "f_left_household": ("已离开家庭", "Left the household"),
    "f_payee": ("收款人", "Payee"),
    "f_account_kind": ("账户类型", "Account kind"),
    "f_account_number": ("账号", "Account number"),
    "f_bank_name": ("开户银行", "Bank"),
    "f_applicant_member": ("申请人（个人类救助）", "The member (a person's help)"),
    "f_received_on": ("受理日期", "Received on"),
    "f_consents": ("家庭成员授权核对（签字）", "Members' authorisation (signed)"),
    "f_signed_on": ("签字日期", "Signed on"),
    "f_reported_on": ("报告日期", "Reported on"),
    "f_description": ("情况说明", "What changed"),
    "f_kind": ("事项", "Kind"),
    "f_source": ("报告来源", "Reported by"),
    "f_documents": ("所需材料", "Documents awaited"),
    "f_department": ("核对部门", "Department"),
    "f_request_id": ("核对请求编号", "Request id"),
    "f_finding": ("核对结果", "Finding"),
    "f_staff": ("调查人员", "Staff"),
    "f_objection_id": ("异议编号", "Objection id"),
    "f_raised_by": ("提出人", "Raised by"),
    "f_text": ("异议内容", "Text"),
    "f_outcome": ("处理结果", "Outcome"),
    "f_reason": ("理由", "Reason"),
    "f_decision": ("决定", "Decision"),
    "f_appeal_id": ("复核/复议编号", "Appeal id"),
    "f_appeal_kind": ("类型", "Kind"),
    "f_grounds": ("理由", "Grounds"),
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
    "within budget": ("预算内", "Within budget"),
    "spent": ("预算已用完", "Budget spent"),
    "over budget": ("超出预算", "Over budget"),
    "held": ("暂缓发放", "Held"),
    "overridden": ("超预算放行", "Overridden"),
    "no budget recorded": ("未录入预算", "No budget recorded"),
    "budget": ("预算", "Budget"),
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
    "unmatched": ("无对应支付", "No matching payment"),
    "amount_mismatch": ("金额不符", "Amount mismatch"),
    "contradicts": ("与已有回执矛盾", "Contradicts the payment's answer"),
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
    "ApplicationReopened": ("复核后重新办理", "Application reopened"),
    "ReviewRecorded": ("定期核查", "Periodic review recorded"),
    "CaseworkerAssigned": ("责任社工变更", "Caseworker assigned"),
    "EntitlementSuspended": ("暂停发放", "Entitlement suspended"),
    "EntitlementResumed": ("恢复发放", "Entitlement resumed"),
    "CarriedAdjusted": ("结转自付调整", "Carried self-pay adjusted"),
    # stages of the path (POLICY ch. 14) and outcomes
    "submitted": ("已提交", "Submitted"),
    "received": ("已受理", "Received"),
    "checked": ("已核对", "Checked"),
    "investigated": ("已入户调查", "Investigated"),
    "noticed": ("公示中", "On public notice"),
    "decided": ("已决定", "Decided"),
    "withdrawn": ("已撤回", "Withdrawn"),
    "approved": ("批准", "Approved"),
    "rejected": ("不予批准", "Refused"),
    "approve": ("批准", "Approve"),
    "reject": ("不予批准", "Refuse"),
    "upheld": ("成立", "Upheld"),
    "confirm": ("确认", "Confirm"),
    "reported": ("待确认", "Reported"),
    "confirmed": ("已确认", "Confirmed"),
    "continue": ("继续享受", "Continue"),
    "change": ("变更", "Change"),
    "stop": ("停止", "Stop"),
    "phase_out": ("渐退", "Phase-out"),
    "dismissed": ("不成立", "Dismissed"),
    "changed": ("变更", "Changed"),
    "review": ("复核", "Review"),
    "reconsideration": ("行政复议", "Reconsideration"),
    # partner departments
    "tax": ("税务", "Tax"),
    "social_insurance": ("社保", "Social insurance"),
    "housing": ("住建（房产）", "Housing"),
    "vehicles": ("公安（车辆）", "Vehicles"),
    "bank_deposits": ("银行存款", "Bank deposits"),
    # members and accounts
    "employed": ("就业", "Employed"),
    "unemployed_registered": ("登记失业", "Registered unemployed"),
    "not_in_labour_force": ("无劳动能力/非劳动力", "Not in the labour force"),
    "preschool": ("学前", "Preschool"),
    "primary": ("小学", "Primary"),
    "junior": ("初中", "Junior secondary"),
    "senior": ("高中", "Senior secondary"),
    "vocational": ("中职", "Vocational"),
    "university": ("大学", "University"),
    "bank": ("银行账户", "Bank account"),
    "one_card": ("民生一卡通", "Livelihood one-card"),
    "true": ("是", "Yes"),
    "started": ("进行中", "Started"),
    "completed": ("已完成", "Completed"),
    "weekly": ("每周", "Weekly"),
    "monthly": ("每月", "Monthly"),
    "quarterly": ("每季度", "Quarterly"),
    "false": ("否", "No"),
    # roles (POLICY ch. 9)
    "caseworker": ("社工（经办）", "Caseworker"),
    "approver": ("审批人", "Approver"),
    "finance": ("财务", "Finance"),
    "auditor": ("审计", "Auditor"),
    "standards_admin": ("标准管理员", "Standards administrator"),
    "medical_insurance": ("医保部门", "Medical insurance bureau"),
    "transport": ("交通部门", "Transport"),
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

    def day(self, value: object) -> str:
        """A date as Chinese writes it (2025年3月1日), or ISO in English; '' for none."""
        if value is None or value == "":
            return ""
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        if self.index or len(text) != 10:
            return text
        year, month, day = text.split("-")
        return f"{int(year)}年{int(month)}月{int(day)}日"

    def money(self, fen: int | None) -> str:
        """Money as the pages write it: 1,250.00 元 in Chinese, CNY 1,250.00 in English
        (thousands grouped, two decimals, never a float); '' for none."""
        if fen is None:
            return ""
        sign = "-" if fen < 0 else ""
        whole, cents = divmod(abs(int(fen)), 100)
        amount = f"{whole:,}.{cents:02d}"
        return f"{sign}{amount} 元" if self.index == 0 else f"{sign}CNY {amount}"

    def moment(self, value: datetime | None) -> str:
        """A moment (when an event was recorded, Beijing time) as Chinese writes it
        (2025年1月6日 09:05), or 2025-01-06 09:05 in English; '' for none."""
        if value is None:
            return ""
        if self.index:
            return value.strftime("%Y-%m-%d %H:%M")
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"

    def month(self, value: object) -> str:
        """A month (a payment period, 2025-02) as Chinese writes it (2025年2月), or as
        it is in English; '' for none."""
        if value is None or value == "":
            return ""
        text = str(value)[:7]
        if self.index or len(text) != 7:
            return text
        year, month = text.split("-")
        return f"{int(year)}年{int(month)}月"

    def join(self, items: Iterable[object]) -> str:
        """A list as the language writes one: 甲、乙 in Chinese, a, b in English."""
        return ("、", ", ")[self.index].join(str(i) for i in items)

    def metric(self, key: str) -> str:
        pair = METRICS.get(key)
        return pair[self.index] if pair else key

    def region(self, code: str) -> str:
        pair = COUNTY_NAMES.get(code[:6])
        name = pair[self.index] if pair else ""
        return f"{name} {code}" if name else code
