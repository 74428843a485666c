"""The city's working-day calendar (POLICY ch. 14): the days a decision's working days
skip or count beyond the weekday rule, maintained by the standards administrator."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.deps import Internal, LedgerDep, StandardsAdmin
from api.schemas import CalendarDayIn, CalendarDayOut, CalendarMarkOut, CalendarYearOut
from domain.calendar import Mark

router = APIRouter(prefix="/calendar", tags=["calendar"])


def _day(mark: Mark) -> dict[str, Any]:
    return {
        "day": mark.day,
        "working": mark.working,
        "basis": mark.basis,
        "actor": mark.actor,
        "version": f"calendar:{mark.version}",
        "weekday": mark.day.strftime("%A"),
    }


@router.get("", response_model=CalendarYearOut, summary="A year of the working-day calendar")
def calendar_year(
    _: Internal,
    ledger: LedgerDep,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="absent: this year")] = None,
) -> Any:
    """The year's marked days (public holidays, make-up working days, corrections) with
    their basis and who recorded them, and the working days of each month."""
    calendar = ledger.app.work_calendar()
    shown = year or date.today().year
    return CalendarYearOut(
        year=shown,
        days=[CalendarDayOut(**_day(mark)) for mark in calendar.marks_in(shown)],
        working_days={
            f"{shown}-{month:02d}": calendar.working_days_in_month(shown, month)
            for month in range(1, 13)
        },
    )


@router.post(
    "/days",
    status_code=201,
    response_model=CalendarMarkOut,
    responses={200: {"description": "the day already had this mark: nothing recorded"}},
)
def mark_day(
    body: CalendarDayIn, user: StandardsAdmin, ledger: LedgerDep, response: Response
) -> Any:
    """Mark a day as a public holiday or a make-up working day, or correct a mark: the
    day's latest mark decides (201). The same mark as the day's latest records nothing
    (200)."""
    result = ledger.app.mark_calendar_day(body.day, body.working, body.basis, user.name)
    if not result.recorded:
        response.status_code = 200
    return CalendarMarkOut(**_day(result.mark), recorded=result.recorded)
