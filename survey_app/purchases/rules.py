"""When a customer counts as lost, from the days they bought on (pure Python: no Flask, no database).

A customer's usual interval is the median gap between their purchases; they are lost once the time since
their last purchase exceeds that interval by the lost factor (4/3 by default: someone who buys every three
months and has bought nothing for four is lost), and lost since the last purchase plus that threshold.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from statistics import median

#: Default lost factor: lost once the usual interval has passed by a third.
LOST_FACTOR = 4 / 3


def gaps(days: Iterable[date]) -> list[int]:
    """The days between consecutive purchase days (several purchases on one day count as one visit)."""
    ordered = sorted(set(days))
    return [(b - a).days for a, b in zip(ordered, ordered[1:], strict=False)]


def usual_interval(days: Iterable[date]) -> float | None:
    """The median gap between purchase days, or None with fewer than two days to compare."""
    between = gaps(days)
    return float(median(between)) if between else None


def segment_interval(intervals: Sequence[float]) -> float | None:
    """The usual interval of a segment: the median of its customers' intervals (None if none is known)."""
    return float(median(intervals)) if intervals else None


def threshold_days(interval: float, factor: float = LOST_FACTOR) -> int:
    """How many days without a purchase make a customer lost: the interval times the factor, rounded up."""
    return max(1, math.ceil(interval * factor - 1e-9))


def lost_since(last_purchase: date, interval: float, as_of: date, factor: float = LOST_FACTOR) -> date | None:
    """The day the customer became lost, or None if, on ``as_of``, they are not lost."""
    lost_at = last_purchase + timedelta(days=threshold_days(interval, factor))
    return lost_at if lost_at <= as_of else None
