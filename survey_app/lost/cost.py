"""What the loss costs over a span: lost customers and revenue by tenure band, the revenue of the years ahead,
and the revenue kept had the lost ratio been lower, split by who caused the losses."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from sqlalchemy import and_, func, select

from ..customers.models import Customer
from ..extensions import db
from ..taxonomy import BENCHMARKS, COMPANY, DEFAULT_BENCHMARK, cause_group
from .cost_rules import TENURE_BANDS, UNKNOWN, YEARS_AHEAD, WhatIf, tenure_band, what_if
from .report import active_at, lost_reasons, revenue_before_loss


@dataclass(frozen=True)
class LossCost:
    """The cost of the customers lost from ``since`` to ``until``."""

    since: date
    until: date
    #: Customers at ``since``, and how many of them were lost by ``until``.
    customers: int
    lost: int
    lost_revenue: Decimal
    #: Band → (lost customers, their yearly revenue), in band order, "unknown" last.
    bands: dict[str, tuple[int, Decimal]]
    #: Their yearly revenue over :data:`YEARS_AHEAD` years.
    years_ahead: Decimal
    #: Share of losses the company caused: from the exit answers of these customers, else the benchmark.
    controllable: float
    controllable_from_answers: bool
    what_if: WhatIf


def loss_cost(since: date, until: date, points: float = 5.0) -> LossCost:
    """What losing customers from ``since`` to ``until`` (both included) cost, and what ``points`` fewer lost per
    hundred would have kept."""
    end = until + timedelta(days=1)
    c = Customer.__table__.c
    customers = db.session.scalar(select(func.count()).where(active_at(since))) or 0
    rows = db.session.execute(select(Customer.customer_since, Customer.lost_at, revenue_before_loss()).where(
        active_at(since), and_(c.lost_at >= since, c.lost_at < end))).all()
    bands = {band: (0, Decimal("0.00")) for band, _upper in TENURE_BANDS}
    bands[UNKNOWN] = (0, Decimal("0.00"))
    for customer_since, lost_at, revenue in cast(list[tuple[date | None, date, object]], rows):
        band = tenure_band(customer_since, lost_at)
        count, total = bands[band]
        bands[band] = (count + 1, total + Decimal(str(revenue or 0)).quantize(Decimal("0.01")))
    lost = len(rows)
    lost_revenue = sum((total for _count, total in bands.values()), Decimal("0.00"))
    groups: dict[str, int] = {}
    for counts in lost_reasons(since, end).values():
        for bucket, count in counts.items():
            group = cause_group(bucket)
            if group:
                groups[group] = groups.get(group, 0) + count
    answered = sum(groups.values())
    controllable = (groups.get(COMPANY, 0) / answered if answered
                    else BENCHMARKS[DEFAULT_BENCHMARK].group_shares()[COMPANY])
    return LossCost(since, until, customers, lost, lost_revenue, bands, lost_revenue * YEARS_AHEAD, controllable,
                    bool(answered), what_if(customers, lost, lost_revenue, points, controllable))
