"""The applications view (POLICY ch. 14): one row per application on the statutory path
with the date of each step (receipt, check report, investigation, notice, decision,
withdrawal, the extension, the letter), its open objections, and the spans its clock
stood still (documents awaited). The worklists, the deadline clock and the on-time
figures are computed from it with the working-day calendar (services/applications.py)."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from domain.household import Household
from projections.interface import Op

NAME = "applications"
TABLES = ("ledger_applications", "ledger_application_pauses")
TOPICS = tuple(
    get_topic(cls)
    for cls in (
        Household.ApplicationReceived,
        Household.CheckReported,
        Household.HomeInvestigated,
        Household.NoticePublished,
        Household.ObjectionRaised,
        Household.ObjectionResolved,
        Household.DeadlineExtended,
        Household.ApplicationWithdrawn,
        Household.PathDecided,
        Household.ApplicationDetermined,
        Household.NoticeLetterSent,
        Household.DocumentsRequested,
        Household.DocumentsReceived,
        Household.ApplicationReopened,
    )
)

# Event class -> the op that writes its date (the row's column of that step).
_DATED = {
    "CheckReported": "app_reported",
    "HomeInvestigated": "app_investigated",
    "DeadlineExtended": "app_extended",
    "ApplicationWithdrawn": "app_withdrawn",
    "PathDecided": "app_decided",
    "NoticeLetterSent": "app_letter",
    "DocumentsReceived": "app_resume",
    "ObjectionRaised": "app_objection",
}


def ops_for(event: Any, notification_id: int) -> list[Op]:
    name = type(event).__name__
    key = {"application_id": event.application_id}
    if isinstance(event, Household.ApplicationReceived):
        return [
            Op(
                "app_received",
                {
                    **key,
                    "household_id": event.originator_id,
                    "programme": event.programme,
                    "member_id": event.member_id,
                    "received_on": event.effective_on,
                    "effective_from": event.effective_from,
                },
            )
        ]
    if isinstance(event, Household.ApplicationReopened):
        # Decided anew on the path it had: its steps' dates are the original's.
        return [Op("app_reopened", {**key, "reopened_from": event.reopened_from})]
    if isinstance(event, Household.NoticePublished):
        return [Op("app_noticed", {**key, "on": event.effective_on, "until": event.until})]
    if isinstance(event, Household.ObjectionResolved):
        kind = "app_upheld" if event.outcome == "upheld" else "app_dismissed"
        return [Op(kind, {**key, "on": event.effective_on})]
    if isinstance(event, Household.ApplicationDetermined):
        return [Op("app_outcome", {**key, "outcome": event.outcome})]
    if isinstance(event, Household.DocumentsRequested):
        return [
            Op("app_pause", {**key, "notification_id": notification_id, "on": event.effective_on})
        ]
    if name in _DATED:
        return [Op(_DATED[name], {**key, "on": event.effective_on})]
    return []
