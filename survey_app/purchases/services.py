"""A customer's purchases: their history, usual interval and recent revenue."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select, update

from ..customers.models import Customer
from ..domain import Conflict
from ..extensions import db
from ..signals import purchase_recorded
from .models import Purchase
from .rules import usual_interval

#: Purchases listed on a customer's page; the chart and the figures count them all.
SHOWN_PURCHASES = 50
#: Months drawn on a customer's purchase chart.
CHART_MONTHS = 24


@dataclass(frozen=True)
class PurchaseHistory:
    """What a customer's page shows about their purchases."""

    count: int
    total: Decimal
    first: date | None
    last: date | None
    #: Median days between purchase days; None with fewer than two.
    usual_interval: float | None
    #: Revenue of the twelve months up to the day the history was read.
    revenue_12m: Decimal
    #: The latest purchases, newest first (at most :data:`SHOWN_PURCHASES`).
    latest: list[Purchase]
    #: (first day of the month, amount) for the last :data:`CHART_MONTHS` months, oldest first.
    months: list[tuple[date, Decimal]]


def purchase_history(customer_id: int, as_of: date) -> PurchaseHistory:
    """Read a customer's purchase history up to ``as_of``."""
    days = db.session.scalars(select(Purchase.day).where(Purchase.customer_id == customer_id)
                              .order_by(Purchase.day)).all()
    count, total = db.session.execute(select(func.count(), func.coalesce(func.sum(Purchase.amount), 0))
                                      .where(Purchase.customer_id == customer_id)).one()
    revenue_12m = db.session.scalar(select(func.coalesce(func.sum(Purchase.amount), 0)).where(
        Purchase.customer_id == customer_id, Purchase.day > as_of - timedelta(days=365), Purchase.day <= as_of))
    latest = db.session.scalars(select(Purchase).where(Purchase.customer_id == customer_id)
                                .order_by(Purchase.day.desc(), Purchase.id.desc()).limit(SHOWN_PURCHASES)).all()
    return PurchaseHistory(count=count, total=Decimal(total), first=days[0] if days else None,
                           last=days[-1] if days else None, usual_interval=usual_interval(days),
                           revenue_12m=Decimal(revenue_12m or 0), latest=list(latest),
                           months=monthly_totals(customer_id, as_of))


def monthly_totals(customer_id: int, as_of: date, months: int = CHART_MONTHS) -> list[tuple[date, Decimal]]:
    """The customer's purchases summed per calendar month, for the ``months`` months up to ``as_of``."""
    starts = _month_starts(as_of, months)
    sums = {start: Decimal(0) for start in starts}
    for day, amount in db.session.execute(select(Purchase.day, Purchase.amount).where(
            Purchase.customer_id == customer_id, Purchase.day >= starts[0], Purchase.day <= as_of)):
        sums[day.replace(day=1)] += Decimal(amount)
    return list(sums.items())


def _month_starts(as_of: date, months: int) -> list[date]:
    """The first days of the ``months`` calendar months ending with the month of ``as_of``, oldest first."""
    index = as_of.year * 12 + as_of.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


class PurchaseExists(Conflict):
    """The customer has a purchase with this order number already."""

    code = "purchase_exists"


def record_purchase(customer_id: int, day: date, amount: Decimal, order_ref: str | None = None) -> Purchase:
    """Record a purchase entered by hand, in the caller's transaction, and announce it (a lost customer who buys
    after their lost date is won back).

    :raise PurchaseExists: if the customer has one with this order number.
    """
    order_ref = (order_ref or "").strip() or None
    if order_ref is not None and db.session.scalar(select(Purchase.id).where(
            Purchase.customer_id == customer_id, Purchase.order_ref == order_ref)) is not None:
        raise PurchaseExists()
    purchase = Purchase(customer_id=customer_id, day=day, amount=amount, order_ref=order_ref)
    db.session.add(purchase)
    db.session.execute(update(Customer).where(Customer.id == customer_id,
                                              or_(Customer.last_purchase.is_(None), Customer.last_purchase < day))
                       .values(last_purchase=day))
    db.session.flush()
    purchase_recorded.send(None, customer_ids=[customer_id])
    return purchase
