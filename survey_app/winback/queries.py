"""Reading win-back cases: the lists, the returned customers still fragile, and the results."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from ..auth.models import StaffUser
from ..extensions import db
from ..purchases.models import Purchase
from ..responses.models import Response
from ..taxonomy import BUCKETS, CAUSE_GROUPS, cause_group
from .models import WinbackCase, WinbackStep
from .rules import (
    ACTIVE,
    FRAGILE_DAYS,
    RECOVERY_DAYS,
    CaseState,
    Channel,
    Outcome,
    Rate,
    rate_of,
    rates_by,
    rates_by_channel,
)


@dataclass(frozen=True)
class CaseFilter:
    """Which cases a list shows (None: any)."""

    owner_id: int | None = None
    state: CaseState | None = None
    priority: int | None = None
    bucket: str | None = None
    #: Only cases being worked on with a step past its due day.
    overdue: bool = False


def _overdue_clause(today: date):
    late = select(WinbackStep.id).where(WinbackStep.case_id == WinbackCase.id, WinbackStep.done_on.is_(None),
                                        WinbackStep.due < today)
    return and_(WinbackCase.state.in_(ACTIVE), late.exists())


def list_cases(f: CaseFilter, today: date, limit: int | None = None) -> list[WinbackCase]:
    """Cases matching ``f``: those being worked on first, then by priority and the latest lost first."""
    query = (select(WinbackCase).options(selectinload(WinbackCase.steps), selectinload(WinbackCase.customer),
                                         selectinload(WinbackCase.owner))
             .order_by(WinbackCase.state.not_in(ACTIVE), WinbackCase.priority, WinbackCase.lost_at.desc(),
                       WinbackCase.id))
    if f.owner_id is not None:
        query = query.where(WinbackCase.owner_id == f.owner_id)
    if f.state is not None:
        query = query.where(WinbackCase.state == f.state)
    if f.priority is not None:
        query = query.where(WinbackCase.priority == f.priority)
    if f.bucket is not None:
        query = query.where(WinbackCase.reason_bucket == f.bucket)
    if f.overdue:
        query = query.where(_overdue_clause(today))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def _fragile(today: date, owner_id: int | None) -> list:
    """Conditions: won back within the last :data:`FRAGILE_DAYS` days (by ``owner_id``, if given)."""
    return [WinbackCase.state == CaseState.WON_BACK, WinbackCase.returned_at > today - timedelta(days=FRAGILE_DAYS),
            WinbackCase.returned_at <= today, *([WinbackCase.owner_id == owner_id] if owner_id is not None else [])]


def fragile_cases(today: date, owner_id: int | None = None) -> list[WinbackCase]:
    """Customers won back within the last :data:`FRAGILE_DAYS` days (the most recent return first)."""
    return list(db.session.scalars(select(WinbackCase).where(*_fragile(today, owner_id))
                                   .options(selectinload(WinbackCase.customer))
                                   .order_by(WinbackCase.returned_at.desc(), WinbackCase.id)))


def fragile_count(today: date, owner_id: int | None = None) -> int:
    """How many customers are still fragile after their return (counted in SQL)."""
    return db.session.scalar(select(func.count()).select_from(WinbackCase).where(*_fragile(today, owner_id))) or 0


def cases_of(customer_id: int) -> list[WinbackCase]:
    """A customer's cases, the latest first."""
    return list(db.session.scalars(select(WinbackCase).where(WinbackCase.customer_id == customer_id)
                                   .order_by(WinbackCase.lost_at.desc(), WinbackCase.id.desc())))


@dataclass(frozen=True)
class Results:
    """Win-back figures over the cases of a span, per way of grouping them."""

    total: Rate
    by_priority: list[Rate]
    by_bucket: list[Rate]
    by_group: list[Rate]
    by_manager: list[Rate]
    by_channel: list[Rate]


def outcomes(since: date | None = None, until: date | None = None) -> list[Outcome]:
    """What each case whose lost date falls in the span came to (a case let go counts, as a case not won back)."""
    where = [*([WinbackCase.lost_at >= since] if since else []), *([WinbackCase.lost_at <= until] if until else [])]
    rows = db.session.execute(
        select(WinbackCase.id, WinbackCase.priority, WinbackCase.reason_bucket, StaffUser.email, StaffUser.name,
               WinbackCase.state, WinbackCase.return_channel, WinbackCase.days_to_return, WinbackCase.returned_at)
        .outerjoin(StaffUser, StaffUser.id == WinbackCase.owner_id).where(*where)).all()
    ids = [row[0] for row in rows]
    channels: dict[int, set[str]] = {}
    recovered: dict[int, Decimal] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for case_id, channel in db.session.execute(select(WinbackStep.case_id, WinbackStep.channel).where(
                WinbackStep.case_id.in_(chunk), WinbackStep.done_on.is_not(None))):
            channels.setdefault(case_id, set()).add(str(getattr(channel, "value", channel)))
        for case_id, returned_at, day, amount in db.session.execute(
                select(WinbackCase.id, WinbackCase.returned_at, Purchase.day, Purchase.amount)
                .join(Purchase, and_(Purchase.customer_id == WinbackCase.customer_id,
                                     Purchase.day >= WinbackCase.returned_at))
                .where(WinbackCase.id.in_(chunk), WinbackCase.state == CaseState.WON_BACK)):
            if day < cast(date, returned_at) + timedelta(days=RECOVERY_DAYS):
                recovered[case_id] = recovered.get(case_id, Decimal(0)) + Decimal(amount)
    return [Outcome(priority=priority, bucket=bucket, manager=(name or email) if email else None,
                    channels=tuple(sorted(channels.get(case_id, ()))), won_back=state == CaseState.WON_BACK,
                    return_channel=channel, days_to_return=days,
                    recovered=float(recovered.get(case_id, Decimal(0))))
            for case_id, priority, bucket, email, name, state, channel, days, _returned in rows]


def results(since: date | None = None, until: date | None = None) -> Results:
    """The win-back rate, median days to return and revenue recovered: overall, by priority, reason bucket, cause
    group, manager and the channel of the step before the purchase."""
    found = outcomes(since, until)
    return Results(total=rate_of("all", found),
                   by_priority=rates_by(found, lambda o: o.priority, (1, 2, 3, 4)),
                   by_bucket=rates_by(found, lambda o: o.bucket, BUCKETS),
                   by_group=rates_by(found, lambda o: cause_group(o.bucket), CAUSE_GROUPS),
                   by_manager=rates_by(found, lambda o: o.manager),
                   by_channel=rates_by_channel(found, [c.value for c in Channel]))


def responses_of(customer_id: int, limit: int = 20) -> list[Response]:
    """The customer's latest responses (surveys and interviews), with their answers."""
    return list(db.session.scalars(select(Response).where(Response.customer_id == customer_id)
                                   .options(selectinload(Response.answers), selectinload(Response.survey))
                                   .order_by(Response.submitted_at.desc(), Response.id.desc()).limit(limit)))


def latest_cases(customer_ids: list[int]) -> dict[int, WinbackCase]:
    """Each of these customers' latest case (by lost date), if they have one."""
    found: dict[int, WinbackCase] = {}
    for start in range(0, len(customer_ids), 500):
        for case in db.session.scalars(select(WinbackCase).where(
                WinbackCase.customer_id.in_(customer_ids[start:start + 500]))
                .order_by(WinbackCase.lost_at, WinbackCase.id)):
            found[case.customer_id] = case
    return found
