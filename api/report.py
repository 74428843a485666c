"""The household audit report (HTML and PDF) for the auditor's file: the household, its
members, what it is entitled to and why, its payments, and every event with who did it
and when. Chinese labels first; English with lang="en"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from jinja2 import Environment, select_autoescape

from api.pdf import cjk_document, write_line
from api.web.i18n import translator
from domain.idnumber import mask_id_number
from domain.money import format_yuan
from services.audit import replay_household
from services.ledger import Ledger

LABELS = {
    "zh": {
        "title": "困难家庭审计报告",
        "household": "家庭",
        "region": "行政区划",
        "as_of": "截至日期",
        "generated": "生成时间",
        "members": "家庭成员",
        "name": "姓名",
        "relation": "关系",
        "id_number": "身份证号",
        "categories": "救助类别",
        "since": "起始日期",
        "entitlements": "当前待遇",
        "programme": "项目",
        "monthly": "月金额（元）",
        "standard": "标准版本",
        "why": "依据",
        "status": "状态",
        "payments": "发放记录",
        "run": "批次",
        "period": "所属期",
        "kind": "类型",
        "amount": "金额（元）",
        "events": "事件时间线",
        "position": "序号",
        "type": "事件",
        "effective": "生效日期",
        "recorded": "记录时间",
        "actor": "操作人",
        "stream": "流",
        "decided_by": "审批人",
        "grants": "一次性救助",
        "medical_bills": "医疗费用与基金救助",
        "service_on": "就诊日期",
        "self_paid": "个人自付（元）",
        "waived": "减免（元）",
        "kept": "计入封顶（元）",
        "relief": "基金救助（元）",
        "cancelled": "已撤销",
        "relief_total": "基金救助合计（元）",
    },
    "en": {
        "title": "Household audit report",
        "household": "Household",
        "region": "Region",
        "as_of": "As of",
        "generated": "Generated",
        "members": "Members",
        "name": "Name",
        "relation": "Relation",
        "id_number": "ID number",
        "categories": "Categories",
        "since": "Since",
        "entitlements": "Entitlements in force",
        "programme": "Programme",
        "monthly": "Monthly (yuan)",
        "standard": "Standard version",
        "why": "Why",
        "status": "Status",
        "payments": "Payments",
        "run": "Run",
        "period": "Period",
        "kind": "Kind",
        "amount": "Amount (yuan)",
        "events": "Timeline of events",
        "position": "#",
        "type": "Event",
        "effective": "Effective",
        "recorded": "Recorded",
        "actor": "Actor",
        "stream": "Stream",
        "decided_by": "Decided by",
        "grants": "One-off grants",
        "medical_bills": "Medical bills and fund relief",
        "service_on": "Service on",
        "self_paid": "Self-paid (yuan)",
        "waived": "Waived (yuan)",
        "kept": "Counted to the caps (yuan)",
        "relief": "Fund relief (yuan)",
        "cancelled": "cancelled",
        "relief_total": "Fund relief in total (yuan)",
    },
}

TEMPLATE = """<!DOCTYPE html>
<html lang="{{ 'zh-CN' if lang == 'zh' else 'en' }}"><head><meta charset="utf-8">
<title>{{ t.title }} {{ r.state.household_id }}</title>
<style>body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;margin:2em}
table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #999;padding:2px 6px;
font-size:12px;text-align:left;vertical-align:top}</style></head><body>
<h1>{{ t.title }}</h1>
<p>{{ t.household }}: {{ r.state.household_id }} · {{ t.region }}: {{ r.state.region_code }}
 · {{ t.as_of }}: {{ r.as_of }} · {{ t.generated }}: {{ generated }}</p>
<h2>{{ t.members }}</h2><table><tr><th>{{ t.name }}</th><th>{{ t.relation }}</th>
<th>{{ t.id_number }}</th></tr>{% for m in members %}<tr><td>{{ m.name }}</td>
<td>{{ c(m.relation) }}</td><td>{{ m.id_number }}</td></tr>{% endfor %}</table>
<h2>{{ t.categories }}</h2><table><tr><th>{{ t.categories }}</th><th>{{ t.since }}</th></tr>
{% for x in r.state.categories %}<tr><td>{{ c(x.category) }}</td><td>{{ x.effective_from }}</td>
</tr>{% endfor %}</table>
<h2>{{ t.entitlements }}</h2><table><tr><th>{{ t.programme }}</th><th>{{ t.monthly }}</th>
<th>{{ t.standard }}</th><th>{{ t.decided_by }}</th><th>{{ t.why }}</th></tr>
{% for e in r.state.entitlements %}<tr><td>{{ c(e.programme) }}</td>
<td>{{ e.monthly_amount }}</td><td>{{ e.standard_version }}</td><td>{{ e.decided_by or "" }}</td>
<td>{{ e.why }}</td></tr>{% endfor %}</table>
<h2>{{ t.grants }}</h2><table><tr><th>{{ t.programme }}</th><th>{{ t.effective }}</th>
<th>{{ t.amount }}</th><th>{{ t.decided_by }}</th><th>{{ t.why }}</th></tr>
{% for g in r.state.grants %}<tr><td>{{ c(g.programme) }}</td><td>{{ g.effective_on }}</td>
<td>{{ g.amount }}</td><td>{{ g.decided_by }}</td><td>{{ g.why }}</td></tr>{% endfor %}</table>
<h2>{{ t.medical_bills }}</h2><table><tr><th>{{ t.service_on }}</th><th>{{ t.self_paid }}</th>
<th>{{ t.waived }}</th><th>{{ t.kept }}</th><th>{{ t.relief }}</th><th></th></tr>
{% for b in r.state.medical_bills %}<tr><td>{{ b.service_on }}</td><td>{{ b.self_paid }}</td>
<td>{{ b.waived }}</td><td>{{ b.kept }}</td><td>{{ b.relief }}</td>
<td>{{ t.cancelled if b.cancelled else "" }}</td></tr>{% endfor %}</table>
<p>{{ t.relief_total }}: {{ relief_total }}</p>
<h2>{{ t.payments }}</h2><table><tr><th>{{ t.run }}</th><th>{{ t.period }}</th>
<th>{{ t.programme }}</th><th>{{ t.kind }}</th><th>{{ t.amount }}</th><th>{{ t.status }}</th>
<th>{{ t.why }}</th></tr>
{% for p in r.state.payments %}<tr><td>{{ p.run_period }}</td><td>{{ p.period }}</td>
<td>{{ c(p.programme) }}</td><td>{{ c(p.kind) }}</td><td>{{ p.amount }}</td>
<td>{{ c(p.status) }}{% for a in p.answers %}{% if a.reason %} ({{ a.reason }}){% endif %}
{% endfor %}</td>
<td>{{ p.why }}</td></tr>{% endfor %}</table>
<h2>{{ t.events }}</h2><table><tr><th>{{ t.stream }}</th><th>{{ t.position }}</th>
<th>{{ t.type }}</th><th>{{ t.amount }}</th><th>{{ t.effective }}</th><th>{{ t.recorded }}</th>
<th>{{ t.actor }}</th></tr>{% for e in r.events %}<tr><td>{{ c(e.stream) }}</td>
<td>{{ e.position }}</td><td>{{ c(e.type) }}</td><td>{{ e.amount or "" }}</td>
<td>{{ e.effective_on }}</td><td>{{ e.recorded_at }}</td><td>{{ e.actor }}</td></tr>
{% endfor %}</table></body></html>
"""

_env = Environment(autoescape=select_autoescape(default=True))


def report_data(ledger: Ledger, household_id: UUID, as_of: date) -> dict[str, Any]:
    replayed = replay_household(ledger, household_id, as_of, None)
    household = ledger.app.household(household_id)
    members = [
        {"name": m.name, "relation": m.relation, "id_number": mask_id_number(m.id_number)}
        for m in household.members.values()
        if m.present_on(as_of)
    ]
    relief = sum(b.relief_fen for b in household.bills.values() if b.service_on <= as_of)
    return {"r": replayed, "members": members, "relief_total": format_yuan(relief)}


def render_html(data: dict[str, Any], lang: str = "zh") -> str:
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    return _env.from_string(TEMPLATE).render(
        t=LABELS[lang], c=translator(lang).code, lang=lang, generated=generated, **data
    )


def render_pdf(data: dict[str, Any], lang: str = "zh") -> bytes:
    t = LABELS[lang]
    r = data["r"]
    rows: list[tuple[int, str]] = []  # (font size, text): written once all are known

    def heading(text: str) -> None:
        rows.append((13, text))

    def line(text: str) -> None:
        rows.append((9, text))

    rows.append((16, t["title"]))
    line(
        f"{t['household']}: {r['state']['household_id']}  {t['region']}: "
        f"{r['state']['region_code']}  {t['as_of']}: {r['as_of']}"
    )
    c = translator(lang).code
    heading(t["members"])
    for m in data["members"]:
        line(f"{m['name']}  {c(m['relation'])}  {m['id_number']}")
    heading(t["categories"])
    for x in r["state"]["categories"]:
        line(f"{c(x['category'])}  {t['since']} {x['effective_from']}")
    heading(t["entitlements"])
    for e in r["state"]["entitlements"]:
        line(
            f"{c(e['programme'])}  {e['monthly_amount']}  {e['standard_version']}  "
            f"{t['decided_by']} {e['decided_by'] or ''}  {e['why']}"
        )
    heading(t["grants"])
    for g in r["state"]["grants"]:
        line(
            f"{c(g['programme'])}  {g['effective_on']}  {g['amount']}  "
            f"{t['decided_by']} {g['decided_by']}  {g['why']}"
        )
    heading(t["medical_bills"])
    for b in r["state"]["medical_bills"]:
        line(
            f"{b['service_on']}  {t['self_paid']} {b['self_paid']}  {t['waived']} {b['waived']}"
            f"  {t['kept']} {b['kept']}  {t['relief']} {b['relief']}"
            + (f"  {t['cancelled']}" if b["cancelled"] else "")
        )
    line(f"{t['relief_total']}: {data['relief_total']}")
    heading(t["payments"])
    for p in r["state"]["payments"]:
        line(
            f"{p['run_period']}  {p['period']}  {c(p['programme'])}  {c(p['kind'])}  "
            f"{p['amount']}  {c(p['status'])}  {p['why']}"
        )
    heading(t["events"])
    for e in r["events"]:
        line(
            f"{c(e['stream'])} #{e['position']}  {c(e['type'])}  {e['amount'] or ''}  "
            f"{t['effective']} {e['effective_on']}  {t['recorded']} {e['recorded_at']}  "
            f"{t['actor']} {e['actor']}"
        )
    # The font holds the glyphs of these rows alone (api/pdf.py).
    with cjk_document("".join(text for _, text in rows)) as pdf:
        pdf.add_page()
        for size, text in rows:
            pdf.set_font("cjk", size=size)
            if size == 9:
                write_line(pdf, 5, text)
            else:
                pdf.cell(0, 12 if size == 16 else 9, text, new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
