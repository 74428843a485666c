"""The notice letter (告知书) of a decision on the statutory path (POLICY ch. 14), in
Chinese, as HTML to print and as PDF: approval with the amount, its start and how it was
worked out; refusal with the reasons; both with the right to ask for review (复核) or
reconsideration (行政复议) and its deadline. Built from the household's own events."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from jinja2 import Environment, select_autoescape

from api.pdf import cjk_document, write_line
from api.web.i18n import translator
from domain.errors import NotFoundError
from domain.policy.registry import REGISTRY
from services.ledger import Ledger

_ZH = translator("zh")  # the letters are in Chinese: its dates and money


def _day(value: date) -> str:
    """2025年9月1日."""
    return _ZH.day(value)


TITLES = {
    "approval": "救助审核确认告知书（批准）",
    "refusal": "救助审核确认告知书（不予批准）",
    "change": "救助审核确认告知书（变更）",
}


def letter_data(ledger: Ledger, household_id: UUID, application_id: str) -> dict[str, Any]:
    household = ledger.app.household(household_id)
    application, path = household.decided_on_path(application_id)
    if path.decided_on is None:  # never: decided_on_path refuses it
        raise NotFoundError(f"application {application_id} is not decided")
    determined = next(
        e
        for e in reversed(ledger.app.household_events(household_id))
        if type(e).__name__ == "ApplicationDetermined" and e.application_id == application_id
    )
    head = next((m for m in household.members.values() if m.relation == "head"), None)
    served = path.letters[0]["on"] if path.letters else path.decided_on
    days = int(ledger.app.standards_book(household.region_code).ratio("appeal_days", served)[0])
    amounts = [
        f"{_ZH.money(e['monthly_fen'])}/月" for e in determined.entitlements if "monthly_fen" in e
    ]
    programme = REGISTRY[application.programme].title_zh
    approved = determined.outcome == "approved"
    decided = (
        f"决定予以批准：{'；'.join(amounts) or '认定为该类别'}，自 "
        f"{_day(application.effective_from)} 起享受。"
        if approved
        else f"决定不予批准。理由：{determined.reason}。"
    )
    return {
        "decision_text": (
            f"你户于 {_day(path.received_on)} 提出的{programme}申请，经家庭经济状况核对、"
            f"入户调查和公示，{decided}"
        ),
        "title": TITLES[household.letter_kind(application)],
        "approved": determined.outcome == "approved",
        "applicant": head.name if head else "",
        "address": household.address,
        "region_code": household.region_code,
        "programme": REGISTRY[application.programme].title_zh,
        "received_on": _day(path.received_on),
        "decided_on": _day(path.decided_on),
        "decided_by": determined.actor,
        "effective_from": _day(application.effective_from),
        "amounts": "；".join(amounts),
        "reason": determined.reason,
        "explanation": determined.explanation,
        "served_on": _day(served),
        "appeal_days": days,
        "appeal_until": _day(served + timedelta(days=days)),
        "application_id": application_id,
        "reference": f"申请编号 {application_id}",
    }


_TEMPLATE = Environment(autoescape=select_autoescape(default=True)).from_string(
    """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{{ d.title }}</title>
<style>body{font-family:serif;max-width:42em;margin:2em auto;line-height:1.7}
h1{text-align:center;font-size:1.4em} .f{margin-top:3em;text-align:right}
@media print{body{margin:0}}</style></head><body>
<h1>{{ d.title }}</h1>
<p>{{ d.applicant }}（{{ d.address }}，行政区划 {{ d.region_code }}）：</p>
<p>{{ d.decision_text }}</p>
<p>核算依据：{{ d.explanation }}</p>
<p>如对本决定有异议，可自收到本告知书之日起 {{ d.appeal_days }} 日内（至 {{ d.appeal_until }}）
向作出决定的民政部门申请复核，或依法申请行政复议。</p>
<p class="f">审批人：{{ d.decided_by }}<br>决定日期：{{ d.decided_on }}<br>
送达日期：{{ d.served_on }}</p>
<p><small>{{ d.reference }}</small></p>
</body></html>"""
)


def render_html(data: dict[str, Any]) -> str:
    return _TEMPLATE.render(d=data)


def render_pdf(data: dict[str, Any]) -> bytes:
    texts = [
        f"{data['applicant']}（{data['address']}，行政区划 {data['region_code']}）：",
        data["decision_text"],
        f"核算依据：{data['explanation']}",
        f"如对本决定有异议，可自收到本告知书之日起 {data['appeal_days']} 日内（至 "
        f"{data['appeal_until']}）向作出决定的民政部门申请复核，或依法申请行政复议。",
        f"审批人：{data['decided_by']}    决定日期：{data['decided_on']}    送达日期："
        f"{data['served_on']}",
        data["reference"],
    ]
    # The font holds the glyphs of this letter's text alone (api/pdf.py).
    with cjk_document(data["title"] + "".join(texts)) as pdf:
        pdf.add_page()
        pdf.set_font("cjk", size=15)
        pdf.cell(0, 12, data["title"], align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10)
        for text in texts:
            write_line(pdf, 6, text)
            pdf.ln(2)
        return bytes(pdf.output())


REVIEW_TITLES = {
    "continue": "定期核查结果告知书（继续享受）",
    "change": "定期核查结果告知书（变更）",
    "stop": "定期核查结果告知书（停止享受）",
    "phase_out": "定期核查结果告知书（渐退）",
}
REVIEW_WORDS = {
    "continue": "继续享受",
    "change": "变更救助（按本次核查的家庭经济状况重新核定）",
    "stop": "停止享受",
    "phase_out": "进入渐退期",
}


def review_letter_data(ledger: Ledger, household_id: UUID, review_id: str) -> dict[str, Any]:
    """The notice of a periodic review's outcome (POLICY ch. 15): continue, change, stop or
    phase-out, with its reasons and arithmetic and the right to ask for review."""
    household = ledger.app.household(household_id)
    review = next((r for r in household.reviews if r["review_id"] == review_id), None)
    if review is None:
        raise NotFoundError(f"no review {review_id} in this household", "review_id")
    head = next((m for m in household.members.values() if m.relation == "head"), None)
    on = review["on"]
    days = int(ledger.app.standards_book(household.region_code).ratio("appeal_days", on)[0])
    outcome = review["outcome"]
    until = review.get("phase_out_until")
    decided = f"决定{REVIEW_WORDS[outcome]}"
    if outcome == "stop":
        decided += f"，自 {_day(on)} 起停止发放"
    elif outcome == "phase_out" and until is not None:
        decided += f"，原救助金发放至 {_day(until - timedelta(days=1))}"
    return {
        "title": REVIEW_TITLES[outcome],
        "applicant": head.name if head else "",
        "address": household.address,
        "region_code": household.region_code,
        "decision_text": (
            f"经 {_day(on)} 定期核查（{REGISTRY[review['category']].title_zh}），"
            f"{decided}。理由：{review['reason']}。"
        ),
        "explanation": review["explanation"],
        "appeal_days": days,
        "appeal_until": _day(on + timedelta(days=days)),
        "decided_by": review["decided_by"],
        "decided_on": _day(on),
        "served_on": _day(on),
        "reference": f"核查编号 {review_id}",
    }
