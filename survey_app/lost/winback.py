"""Who to win back first: each customer's revenue and monthly purchases of their last twelve months (summed in SQL),
their ABC and XYZ classes, the win-back priority of their cell or the one staff set, and the lost-customer list.

A lost customer's twelve months end on their lost date, everyone else's on the day asked for (today by default);
every customer with purchases in their twelve months takes part in the ABC ranking, lost or not.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import and_, case, func, select

from ..auth.models import StaffUser
from ..customers.models import Customer, CustomerStatus
from ..dbtypes import utcnow
from ..domain import Invalid
from ..extensions import cache, db
from ..purchases.models import Purchase
from ..reports.state import data_state
from ..responses.models import Answer, Response
from ..surveys.models import Survey, SurveyKind
from .models import WinbackOverride, WinbackRule
from .priorities_rules import (
    CELLS,
    DEFAULT_PRIORITIES,
    MONTHS,
    X_MAX,
    Y_MAX,
    Priority,
    abc_classes,
    priority_of,
    xyz_class,
)

#: Longest note kept with a priority set by hand.
MAX_NOTE = 2000
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Ranking:
    """A customer's classes and win-back priority."""

    customer_id: int
    revenue_12m: Decimal
    abc: str
    xyz: str
    #: The priority of their cell under the current mapping.
    cell_priority: Priority
    #: The priority that counts: staff's, if they set one, else the cell's.
    priority: Priority
    #: Staff set the priority by hand.
    overridden: bool = False
    note: str = ""


@dataclass(frozen=True)
class LostFilter:
    """What the lost-customer list is narrowed to (None: no narrowing)."""

    manager_id: int | None = None
    priority: int | None = None
    since: date | None = None
    until: date | None = None
    reason: str | None = None
    segment: str | None = None


@dataclass(frozen=True)
class LostCustomer:
    """One row of the lost-customer list."""

    customer_id: int
    external_ref: str
    name: str
    manager: str | None
    segment: str | None
    lost_at: date | None
    ranking: Ranking
    #: Buckets of the main reasons they gave in exit surveys or interviews.
    reasons: tuple[str, ...]

    def as_dict(self) -> dict:
        """As ``flask winback priorities --format json`` prints it."""
        r = self.ranking
        return {"external_ref": self.external_ref, "abc": r.abc, "xyz": r.xyz, "priority": int(r.priority),
                "revenue_12m": float(r.revenue_12m), "overridden": r.overridden}


def xyz_thresholds() -> tuple[float, float]:
    """The XYZ thresholds in force (``XYZ_X_MAX``, ``XYZ_Y_MAX``)."""
    return (float(current_app.config.get("XYZ_X_MAX", X_MAX)), float(current_app.config.get("XYZ_Y_MAX", Y_MAX)))


def priority_mapping() -> dict[str, int]:
    """The priority of every ABC × XYZ cell: the admin's where set, the default elsewhere."""
    mapping = {cell: int(p) for cell, p in DEFAULT_PRIORITIES.items()}
    mapping.update({cell: int(p) for cell, p in db.session.execute(select(WinbackRule.cell, WinbackRule.priority))})
    return mapping


def set_priority_mapping(mapping: Mapping[str, int]) -> None:
    """Store the priority of each given cell.

    :raise Invalid: for an unknown cell or a priority outside 1–4.
    """
    for cell, priority in mapping.items():
        if cell not in CELLS or priority not in tuple(Priority):
            raise Invalid("bad_priority", cell=cell)
    rules = {rule.cell: rule for rule in db.session.scalars(select(WinbackRule))}
    for cell, priority in mapping.items():
        if cell in rules:
            rules[cell].priority = int(priority)
        else:
            db.session.add(WinbackRule(cell=cell, priority=int(priority)))
    db.session.flush()


def set_override(customer: Customer, priority: int | None, note: str, user: StaffUser | None) -> None:
    """Set (or, with ``priority`` None, remove) the win-back priority staff chose for ``customer``.

    :raise Invalid: for a priority outside 1–4 or a note over :data:`MAX_NOTE` characters.
    """
    override = db.session.get(WinbackOverride, customer.id)
    if priority is None:
        if override is not None:
            db.session.delete(override)
        db.session.flush()
        return
    if priority not in tuple(Priority):
        raise Invalid("bad_priority", cell="")
    if len(note) > MAX_NOTE:
        raise Invalid("note_too_long", max=MAX_NOTE)
    if override is None:
        override = WinbackOverride(customer_id=customer.id)
        db.session.add(override)
    override.priority, override.note = int(priority), note.strip()
    override.set_by_id, override.set_at = (user.id if user else None), utcnow()
    db.session.flush()


def _end_day(as_of: date):
    """SQL: the last day of a customer's twelve months: their lost date if they were lost by ``as_of``."""
    c = Customer.__table__.c
    return case((and_(c.status == CustomerStatus.LOST.value, c.lost_at.is_not(None), c.lost_at <= as_of), c.lost_at),
                else_=sa.literal(as_of, sa.Date))


def _days_between(end, day):
    """SQL: whole days from ``day`` to ``end``, in the database's own date arithmetic."""
    if db.engine.dialect.name == "sqlite":
        return sa.cast(func.julianday(end) - func.julianday(day), sa.Integer)
    return sa.cast(end - day, sa.Integer)


def monthly_sums(as_of: date, customer_ids: list[int] | None = None) -> dict[int, list[Decimal]]:
    """Each customer's purchases of the 365 days up to their end day, summed per twelfth (latest first), in SQL."""
    c = Customer.__table__.c
    days = _days_between(_end_day(as_of), Purchase.day)
    inner = (select(Purchase.customer_id.label("customer_id"), Purchase.amount.label("amount"),
                    (days * MONTHS // 365).label("slice"))
             .join(Customer.__table__, c.id == Purchase.customer_id)
             .where(days.between(0, 364)))
    if customer_ids is not None:
        inner = inner.where(Purchase.customer_id.in_(customer_ids))
    sub = inner.subquery()
    # On the session's connection: plain rows, none of the ORM's loading work per row.
    rows = db.session.connection().execute(select(sub.c.customer_id, sub.c.slice, func.sum(sub.c.amount))
                                           .group_by(sub.c.customer_id, sub.c.slice))
    sums: dict[int, list[Decimal]] = {}
    for customer_id, index, amount in rows:
        total = Decimal(str(amount or 0)).quantize(CENT)
        sums.setdefault(cast(int, customer_id), [Decimal(0)] * MONTHS)[cast(int, index)] = total
    return sums


def customer_classes(as_of: date) -> dict[int, tuple[Decimal, str, str]]:
    """(revenue of the twelve months, ABC class, XYZ class) of every customer who bought in them; kept in the report
    cache until counted data (customers, purchases) changes."""
    key = f"winback-classes:{as_of.isoformat()}:{xyz_thresholds()!r}:{data_state()!r}"
    found = cache.get(key)
    if found is None:
        sums = monthly_sums(as_of)
        revenues = {customer_id: sum(months, Decimal(0)) for customer_id, months in sorted(sums.items())}
        abc = abc_classes(revenues)
        x_max, y_max = xyz_thresholds()
        found = {customer_id: (revenue, abc[customer_id], xyz_class(sums[customer_id], x_max, y_max))
                 for customer_id, revenue in revenues.items()}
        cache.set(key, found)
    return found


def rankings(as_of: date) -> dict[int, Ranking]:
    """The ABC and XYZ classes and the win-back priority of every customer who bought in their twelve months."""
    mapping = priority_mapping()
    overrides = {o.customer_id: o for o in db.session.scalars(select(WinbackOverride))}
    result = {}
    for customer_id, (revenue, abc, xyz) in customer_classes(as_of).items():
        result[customer_id] = _ranking(customer_id, revenue, abc, xyz, mapping, overrides.get(customer_id))
    for customer_id, override in overrides.items():
        if customer_id not in result:  # no purchases in their twelve months: C, Z
            result[customer_id] = _ranking(customer_id, Decimal(0), "C", "Z", mapping, override)
    return result


def _ranking(customer_id: int, revenue: Decimal, abc: str, xyz: str, mapping: Mapping[str, int],
             override: WinbackOverride | None) -> Ranking:
    cell = priority_of(abc, xyz, mapping)
    if override is None:
        return Ranking(customer_id, revenue, abc, xyz, cell, cell)
    return Ranking(customer_id, revenue, abc, xyz, cell, Priority(override.priority), True, override.note)


def ranking_of(customer_id: int, as_of: date) -> Ranking:
    """One customer's classes and priority (the ABC class needs everyone's revenue)."""
    found = rankings(as_of).get(customer_id)
    if found is not None:
        return found
    return _ranking(customer_id, Decimal(0), "C", "Z", priority_mapping(), None)


def lost_customers(as_of: date, narrowing: LostFilter | None = None) -> list[LostCustomer]:
    """The customers lost by ``as_of`` (narrowed by ``narrowing``), by priority, then revenue (largest first)."""
    f = narrowing or LostFilter()
    query = (select(Customer.id, Customer.external_ref, Customer.name, StaffUser.email, Customer.segment,
                    Customer.lost_at)
             .outerjoin(StaffUser, StaffUser.id == Customer.account_manager_id)
             .where(Customer.status == CustomerStatus.LOST,
                    sa.or_(Customer.lost_at.is_(None), Customer.lost_at <= as_of)))
    if f.manager_id is not None:
        query = query.where(Customer.account_manager_id == f.manager_id)
    if f.segment:
        query = query.where(Customer.segment == f.segment)
    if f.since is not None:
        query = query.where(Customer.lost_at >= f.since)
    if f.until is not None:
        query = query.where(Customer.lost_at <= f.until)
    exit_answers = (select(Response.customer_id.label("customer_id"), Answer.bucket.label("bucket"))
                    .join(Survey, and_(Survey.id == Response.survey_id, Survey.kind == SurveyKind.EXIT))
                    .join(Answer, and_(Answer.response_id == Response.id, Answer.is_primary.is_(True)))
                    .where(Answer.bucket.is_not(None)))
    if f.reason:
        answered = exit_answers.subquery()
        query = query.where(Customer.id.in_(select(answered.c.customer_id).where(answered.c.bucket == f.reason)))
    rows = db.session.execute(query).all()
    ids = [row[0] for row in rows]
    reasons: dict[int, set[str]] = {}
    for start in range(0, len(ids), 500):
        found = exit_answers.where(Response.customer_id.in_(ids[start:start + 500])).distinct()
        for customer_id, bucket in db.session.execute(found):
            if customer_id is not None and bucket is not None:
                reasons.setdefault(customer_id, set()).add(bucket)
    ranked = rankings(as_of)
    fallback = priority_mapping()
    found_rows = []
    for customer_id, ref, name, manager, segment, lost_at in rows:
        ranking = ranked.get(customer_id) or _ranking(customer_id, Decimal(0), "C", "Z", fallback, None)
        if f.priority is not None and ranking.priority != f.priority:
            continue
        found_rows.append(LostCustomer(customer_id, ref, name, manager, segment, lost_at, ranking,
                                       tuple(sorted(reasons.get(customer_id, ())))))
    found_rows.sort(key=lambda r: (r.ranking.priority, -r.ranking.revenue_12m, r.external_ref))
    return found_rows
