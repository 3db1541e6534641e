"""The staff home's headline numbers, each as the page it links to would count it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ..customers.models import Customer, CustomerStatus
from ..extensions import db
from ..followups.models import FollowUp
from ..followups.rules import FollowUpState
from ..reports import services as reports
from ..reports.filters import ReportFilter
from ..taxonomy import COMPANY
from ..winback.models import WinbackCase
from ..winback.queries import fragile_count
from ..winback.rules import ACTIVE


@dataclass(frozen=True)
class Churn:
    """The company-caused share of classified exit answers, or the counts when too few to give one."""

    share: float | None
    low: float | None
    high: float | None
    company: int
    classified: int
    benchmark: float


@dataclass(frozen=True)
class Tasks:
    """Open follow-ups, and how many of them are past their last day."""

    open: int
    late: int


@dataclass(frozen=True)
class Cases:
    """Win-back cases being worked on, and the returned customers still fragile."""

    open: int
    fragile: int


def month_start(today: date) -> date:
    """The first day of ``today``'s month."""
    return today.replace(day=1)


def controllable_churn() -> Churn:
    """Controllable churn over every exit answer, as the dashboard filtered on exit surveys shows it."""
    data = reports.survey_breakdown(ReportFilter(kind="exit"))
    share = low = high = None
    if data.enough:
        share = data.group_shares[COMPANY]
        low, high = reports.group_interval(data, COMPANY)
    return Churn(share, low, high, data.group_counts[COMPANY], data.n, data.benchmark_group_shares[COMPANY])


def answers_since(since: date) -> int:
    """Customer responses submitted since ``since`` (staff surveys left out), as the dashboard counts them."""
    return reports.responses(ReportFilter(since=since))


def lost_since(since: date, today: date) -> int:
    """Customers counted as lost with a lost date from ``since`` to ``today``."""
    return db.session.scalar(select(func.count()).select_from(Customer).where(
        Customer.status == CustomerStatus.LOST, Customer.lost_at >= since, Customer.lost_at <= today)) or 0


def followups(today: date, owner_id: int | None) -> Tasks:
    """Open follow-ups (one owner's, or everyone's) and those past their last day."""
    where = [FollowUp.state == FollowUpState.OPEN, *([FollowUp.owner_id == owner_id] if owner_id else [])]
    count = select(func.count()).select_from(FollowUp)
    return Tasks(db.session.scalar(count.where(*where)) or 0,
                 db.session.scalar(count.where(*where, FollowUp.due < today)) or 0)


def cases(today: date, owner_id: int | None) -> Cases:
    """Win-back cases being worked on (one owner's, or everyone's) and the returned customers still fragile."""
    where = [WinbackCase.state.in_(ACTIVE), *([WinbackCase.owner_id == owner_id] if owner_id else [])]
    active = db.session.scalar(select(func.count()).select_from(WinbackCase).where(*where)) or 0
    return Cases(active, fragile_count(today, owner_id))
