"""The lost-customer ratio per account manager and period, the revenue the lost customers took with them, and the
reasons of those who answered an exit survey.

For each manager and period: **customers** are the manager's customers active at the start of the period (their
relationship began before it, and they were not lost then, or had come back); **lost** are those among them whose
lost date falls in the period; the **ratio** is lost / customers; the **lost revenue** is what the lost customers
bought in the 365 days up to their lost date (their annual revenue when no purchase is recorded). Everything is
counted in SQL, in one pass over the customers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, literal_column, or_, select

from ..auth.models import StaffUser
from ..customers.models import Customer
from ..extensions import db
from ..purchases.models import Purchase
from ..responses.models import Answer, Response
from ..surveys.models import Survey, SurveyKind
from .periods import period_label, periods

#: What the seed calls normal yearly loss, even for excellent companies (percent).
NORMAL_YEARLY_LOSS = (9.0, 11.0)


@dataclass(frozen=True)
class LostRow:
    """One manager's (or the team's) figures for one period."""

    manager_id: int | None
    manager: str | None
    customers: int
    lost: int
    lost_revenue: Decimal

    @property
    def ratio(self) -> float | None:
        """Lost customers per hundred customers at the start of the period; None without customers."""
        return round(100 * self.lost / self.customers, 2) if self.customers else None

    def as_dict(self) -> dict:
        """As ``flask reports lost-ratio --format json`` prints it."""
        return {"manager": self.manager, "customers": self.customers, "lost": self.lost, "ratio": self.ratio,
                "lost_revenue": float(self.lost_revenue)}


@dataclass(frozen=True)
class LostPeriod:
    """One period: a row per manager, and the team's total."""

    start: date
    end: date
    label: str
    managers: list[LostRow]
    total: LostRow

    def as_dict(self) -> dict:
        return {"period": self.label, "managers": [row.as_dict() for row in self.managers],
                "total": self.total.as_dict()}


@dataclass(frozen=True)
class LostReport:
    """The lost-customer ratio over a span of periods."""

    unit: str
    since: date
    until: date
    periods: list[LostPeriod]
    #: Manager id → bucket → how many lost customers (lost in the span) gave it as their main reason.
    reasons: dict[int | None, dict[str, int]] = field(default_factory=dict)
    #: Manager id → email, for every manager in the report.
    managers: dict[int | None, str | None] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"unit": self.unit, "since": self.since.isoformat(), "until": self.until.isoformat(),
                "periods": [p.as_dict() for p in self.periods]}


def active_at(start: date):
    """SQL: the customer was a customer at the start of a period (begun before it, and not lost then)."""
    c = Customer.__table__.c
    return and_(or_(c.customer_since.is_(None), c.customer_since <= start),
                or_(c.lost_at.is_(None), c.lost_at >= start,
                    and_(c.returned_at.is_not(None), c.returned_at > c.lost_at, c.returned_at <= start)))


def _year_before(column):
    """SQL for the day 365 days before a date column, in the database's own date arithmetic."""
    if db.engine.dialect.name == "sqlite":
        return func.date(column, "-365 days")
    return column - literal_column("365")


def revenue_before_loss():
    """SQL: what a lost customer bought in the 365 days up to their lost date (their annual revenue without any
    recorded purchase, else 0)."""
    c = Customer.__table__.c
    bought = (select(func.sum(Purchase.amount)).where(Purchase.customer_id == c.id, Purchase.day <= c.lost_at,
                                                      Purchase.day > _year_before(c.lost_at))
              .scalar_subquery())
    return func.coalesce(bought, c.annual_revenue, 0)


def lost_ratio(unit: str, since: date, until: date) -> LostReport:
    """The lost-customer ratio per manager for each ``unit`` (month, quarter, year) from ``since`` to ``until``."""
    spans = periods(since, until, unit)
    first, last = spans[0][0], spans[-1][1]
    c = Customer.__table__.c
    lost_revenue = case((and_(c.lost_at >= first, c.lost_at < last), revenue_before_loss()), else_=0)
    columns = []
    for start, end in spans:
        active = active_at(start)
        lost = and_(active, c.lost_at >= start, c.lost_at < end)
        columns += [func.sum(case((active, 1), else_=0)), func.sum(case((lost, 1), else_=0)),
                    func.sum(case((lost, lost_revenue), else_=0))]
    rows = db.session.execute(select(c.account_manager_id, *columns).group_by(c.account_manager_id)).all()
    emails = dict(db.session.execute(select(StaffUser.id, StaffUser.email)).all())
    managers = {row[0]: emails.get(row[0]) for row in rows}
    report_periods = []
    for index, (start, end) in enumerate(spans):
        by_manager = [LostRow(row[0], managers[row[0]], int(row[1 + 3 * index] or 0), int(row[2 + 3 * index] or 0),
                              Decimal(row[3 + 3 * index] or 0).quantize(Decimal("0.01"))) for row in rows]
        by_manager = [r for r in by_manager if r.customers or r.lost]
        by_manager.sort(key=lambda r: (r.manager is None, r.manager or ""))
        total = LostRow(None, None, sum(r.customers for r in by_manager), sum(r.lost for r in by_manager),
                        sum((r.lost_revenue for r in by_manager), Decimal("0.00")))
        report_periods.append(LostPeriod(start, end, period_label(start, unit), by_manager, total))
    return LostReport(unit, since, until, report_periods, lost_reasons(first, last), managers)


def lost_reasons(first: date, last: date) -> dict[int | None, dict[str, int]]:
    """The main reasons (buckets) of exit answers and interviews of customers lost in ``first``..``last``, per
    manager."""
    rows = db.session.execute(
        select(Customer.account_manager_id, Answer.bucket, func.count(func.distinct(Customer.id)))
        .join(Response, Response.customer_id == Customer.id)
        .join(Survey, and_(Survey.id == Response.survey_id, Survey.kind == SurveyKind.EXIT))
        .join(Answer, and_(Answer.response_id == Response.id, Answer.is_primary.is_(True)))
        .where(Customer.lost_at >= first, Customer.lost_at < last, Answer.bucket.is_not(None))
        .group_by(Customer.account_manager_id, Answer.bucket))
    reasons: dict[int | None, dict[str, int]] = {}
    for manager_id, bucket, count in rows:
        reasons.setdefault(manager_id, {})[bucket] = count
    return reasons
