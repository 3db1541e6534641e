"""What losing customers costs, in numbers (pure Python): tenure bands, the revenue of the years ahead, and the
revenue kept had fewer customers been lost."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

#: Tenure bands (upper bound in years, exclusive; None for the last); "unknown" holds customers with no start date.
TENURE_BANDS: tuple[tuple[str, float | None], ...] = (("<1", 1), ("1-2", 2), ("2-5", 5), ("5+", None))
UNKNOWN = "unknown"
#: Years ahead over which a lost customer's past yearly revenue is counted as lost.
YEARS_AHEAD = 3


def tenure_band(since: date | None, lost_at: date) -> str:
    """The tenure band of a customer who began on ``since`` and was lost on ``lost_at``."""
    if since is None:
        return UNKNOWN
    years = (lost_at - since).days / 365.25
    for band, upper in TENURE_BANDS:
        if upper is None or years < upper:
            return band
    return TENURE_BANDS[-1][0]


@dataclass(frozen=True)
class WhatIf:
    """The customers and revenue kept had the lost ratio been ``points`` lower."""

    points: float
    customers_kept: float
    revenue_kept: Decimal
    #: The part of ``revenue_kept`` from company-caused losses (what the company controls), and the rest.
    company_caused: Decimal
    other: Decimal


def what_if(customers: int, lost: int, lost_revenue: Decimal, points: float, controllable: float) -> WhatIf:
    """Customers and yearly revenue kept had ``points`` fewer of every hundred customers been lost.

    The kept customers bring the average yearly revenue of the lost ones; ``controllable`` (0–1) is the share of
    losses the company caused, which splits the revenue kept.
    """
    kept = min(float(lost), customers * max(points, 0.0) / 100) if customers else 0.0
    average = lost_revenue / lost if lost else Decimal(0)
    revenue = (average * Decimal(str(kept))).quantize(Decimal("0.01"))
    company = (revenue * Decimal(str(min(max(controllable, 0.0), 1.0)))).quantize(Decimal("0.01"))
    return WhatIf(points, round(kept, 2), revenue, company, revenue - company)
