"""Today's date where the ledger works: a day in Beijing time (UTC+8), for steps that
are dated today unless the request says otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8))


def beijing_today() -> date:
    return datetime.now(UTC).astimezone(BEIJING).date()
