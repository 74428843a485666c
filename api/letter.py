"""The notice letter (告知书) of a decision on the statutory path (POLICY ch. 14), in
Chinese, as HTML to print and as PDF: approval with the amount, its start and how it was
worked out; refusal with the reasons; both with the right to ask for review (复核) or
reconsideration (行政复议) and its deadline. Built from the household's own events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from fpdf import FPDF
from jinja2 import Environment, select_autoescape

from api.report import cjk_font
from domain.errors import ConflictError, NotFoundError
from domain.money import format_yuan
from domain.policy.registry import REGISTRY
from services.ledger import Ledger

TITLES = {
    "approval": "救助审核确认告知书（批准）",
    "refusal": "救助审核确认告知书（不予批准）",
    "change": "救助审核确认告知书（变更）",
}


def _kind(outcome: str, details: dict[str, Any]) -> str:
    if outcome != "approved":
        return "refusal"
    return "change" if details.get("reopened_from") else "approval"


def letter_data(ledger: Ledger, household_id: UUID, application_id: str) -> dict[str, Any]:
    household = ledger.app.household(household_id)
    application = household.applications.get(application_id)
    if application is None or application.path is None:
        raise NotFoundError(f"no application {application_id} on the statutory path")
    path = application.path
    if path.decided_on is None:
        raise ConflictError(
            f"application {application_id} is {path.stage()}: the letter follows the decision",
            "stage",
        )
    determined = next(
        e
        for e in reversed(ledger.app.household_events(household_id))
        if type(e).__name__ == "ApplicationDetermined" and e.application_id == application_id
    )
    head = next((m for m in household.members.values() if m.relation == "head"), None)
    served = path.letters[0]["on"] if path.letters else path.decided_on
    days = int(ledger.app.standards_book(household.region_code).ratio("appeal_days", served)[0])
    amounts = [
        f"{format_yuan(e['monthly_fen'])} 元/月"
        for e in determined.entitlements
        if "monthly_fen" in e
    ]
    return {
        "title": TITLES[_kind(determined.outcome, application.details)],
        "approved": determined.outcome == "approved",
        "applicant": head.name if head else "",
        "address": household.address,
        "region_code": household.region_code,
        "programme": REGISTRY[application.programme].title_zh,
        "received_on": path.received_on.isoformat(),
        "decided_on": path.decided_on.isoformat(),
        "decided_by": determined.actor,
        "effective_from": application.effective_from.isoformat(),
        "amounts": "；".join(amounts),
        "reason": determined.reason,
        "explanation": determined.explanation,
        "served_on": served.isoformat(),
        "appeal_days": days,
        "appeal_until": (served + timedelta(days=days)).isoformat(),
        "application_id": application_id,
    }


_TEMPLATE = Environment(autoescape=select_autoescape(default=True)).from_string(
    """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{{ d.title }}</title>
<style>body{font-family:serif;max-width:42em;margin:2em auto;line-height:1.7}
h1{text-align:center;font-size:1.4em} .f{margin-top:3em;text-align:right}
@media print{body{margin:0}}</style></head><body>
<h1>{{ d.title }}</h1>
<p>{{ d.applicant }}（{{ d.address }}，行政区划 {{ d.region_code }}）：</p>
<p>你户于 {{ d.received_on }} 提出的{{ d.programme }}申请，经家庭经济状况核对、入户调查和公示，
{% if d.approved %}决定<strong>予以批准</strong>：{{ d.amounts or "认定为该类别" }}，
自 {{ d.effective_from }} 起享受。
{% else %}决定<strong>不予批准</strong>。理由：{{ d.reason }}。{% endif %}</p>
<p>核算依据：{{ d.explanation }}</p>
<p>如对本决定有异议，可自收到本告知书之日起 {{ d.appeal_days }} 日内（至 {{ d.appeal_until }}）
向作出决定的民政部门申请复核，或依法申请行政复议。</p>
<p class="f">审批人：{{ d.decided_by }}<br>决定日期：{{ d.decided_on }}<br>
送达日期：{{ d.served_on }}</p>
<p><small>申请编号 {{ d.application_id }}</small></p>
</body></html>"""
)


def render_html(data: dict[str, Any]) -> str:
    return _TEMPLATE.render(d=data)


def render_pdf(data: dict[str, Any]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_font("cjk", fname=cjk_font())
    pdf.add_page()
    pdf.set_font("cjk", size=15)
    pdf.cell(0, 12, data["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    decided = (
        f"决定予以批准：{data['amounts'] or '认定为该类别'}，自 {data['effective_from']} 起享受。"
        if data["approved"]
        else f"决定不予批准。理由：{data['reason']}。"
    )
    for text in (
        f"{data['applicant']}（{data['address']}，行政区划 {data['region_code']}）：",
        f"你户于 {data['received_on']} 提出的{data['programme']}申请，经家庭经济状况核对、"
        f"入户调查和公示，{decided}",
        f"核算依据：{data['explanation']}",
        f"如对本决定有异议，可自收到本告知书之日起 {data['appeal_days']} 日内（至 "
        f"{data['appeal_until']}）向作出决定的民政部门申请复核，或依法申请行政复议。",
        f"审批人：{data['decided_by']}    决定日期：{data['decided_on']}    送达日期："
        f"{data['served_on']}",
        f"申请编号 {data['application_id']}",
    ):
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())
