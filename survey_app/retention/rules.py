"""When a retention period is over: calendar months counted back from a day (pure; no Flask, no database)."""
from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

#: Longest retention period a survey may set (100 years).
MAX_MONTHS = 1200


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier, or the last day of that month when it is shorter
    (31 May less 3 months is 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retention_cutoff(as_of: date, months: int) -> datetime:
    """The first submission time still kept on ``as_of``: a response submitted before it is at least ``months``
    months old that day (one submitted on 15 January is due on 15 April with 3 months, not on 14 April)."""
    return datetime.combine(months_before(as_of, months) + timedelta(days=1), time.min)
