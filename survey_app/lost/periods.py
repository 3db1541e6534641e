"""Calendar periods (months, quarters, years): their first days, ends and labels (pure Python)."""
from __future__ import annotations

from datetime import date

UNITS = ("month", "quarter", "year")
#: Months in each unit.
_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def period_start(day: date, unit: str) -> date:
    """The first day of the month, quarter or year that holds ``day``."""
    if unit == "year":
        return date(day.year, 1, 1)
    if unit == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, day.month, 1)


def next_start(start: date, unit: str) -> date:
    """The first day of the period after the one starting on ``start``."""
    index = start.year * 12 + start.month - 1 + _MONTHS[unit]
    return date(index // 12, index % 12 + 1, 1)


def periods(since: date, until: date, unit: str) -> list[tuple[date, date]]:
    """The periods (first day, first day of the next) that overlap ``since``..``until`` (both included), in order."""
    start, found = period_start(since, unit), []
    while start <= until:
        end = next_start(start, unit)
        found.append((start, end))
        start = end
    return found


def period_label(start: date, unit: str) -> str:
    """"2026-05", "2026-Q2" or "2026": the period starting on ``start`` as the exports and the API name it."""
    if unit == "year":
        return f"{start.year}"
    if unit == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}-{start.month:02d}"


#: Periods shown when no start is given: a year of months, two years of quarters, three years.
DEFAULT_COUNT = {"month": 12, "quarter": 8, "year": 3}


def default_since(unit: str, until: date) -> date:
    """The first day of the span shown by default: :data:`DEFAULT_COUNT` periods ending with ``until``'s."""
    start = period_start(until, unit)
    index = start.year * 12 + start.month - 1 - _MONTHS[unit] * (DEFAULT_COUNT[unit] - 1)
    return date(index // 12, index % 12 + 1, 1)
