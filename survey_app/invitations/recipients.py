"""Choosing who gets a survey: customers by filter, one invitation each, never two."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from ..auth.models import StaffUser
from ..customers.models import Customer, CustomerStatus
from ..dbtypes import utcnow
from ..extensions import db
from ..surveys.models import Survey
from .models import Invitation, InvitationState
from .services import hash_token, new_token, refuse_staff_survey

BATCH = 1000


@dataclass(frozen=True)
class RecipientFilter:
    """Which customers to invite; empty fields do not filter."""

    status: str | None = None
    lost_since: date | None = None
    lost_until: date | None = None
    segment: str | None = None
    account_manager: str | None = None
    locale: str | None = None

    def conditions(self) -> list:
        """SQL conditions on Customer."""
        conditions = []
        if self.status:
            conditions.append(Customer.status == CustomerStatus(self.status))
        if self.lost_since:
            conditions.append(Customer.lost_at >= self.lost_since)
        if self.lost_until:
            conditions.append(Customer.lost_at <= self.lost_until)
        if self.segment:
            conditions.append(Customer.segment == self.segment)
        if self.locale:
            conditions.append(Customer.locale == self.locale)
        if self.account_manager:
            conditions.append(Customer.account_manager_id.in_(
                select(StaffUser.id).where(func.lower(StaffUser.email) == self.account_manager.lower())))
        return conditions

    def as_dict(self) -> dict:
        """The filter as plain data (dates as ISO strings), empty fields left out."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items() if v}


def count_recipients(survey: Survey, recipients: RecipientFilter) -> dict[str, int]:
    """How many matching customers would be invited, and how many are skipped and why."""
    refuse_staff_survey(survey)
    base = select(Customer.id).where(*recipients.conditions())
    invited = select(Invitation.customer_id).where(Invitation.survey_id == survey.id)

    def count(*extra) -> int:
        return db.session.scalar(select(func.count()).select_from(base.where(*extra).subquery())) or 0

    return {
        "matching": count(),
        "already_invited": count(Customer.id.in_(invited)),
        "opted_out": count(Customer.opted_out.is_(True), Customer.id.not_in(invited)),
        "unreachable": count(Customer.unreachable.is_(True), Customer.opted_out.is_(False),
                             Customer.id.not_in(invited)),
        "no_email": count(Customer.email.is_(None), Customer.unreachable.is_(False), Customer.opted_out.is_(False),
                          Customer.id.not_in(invited)),
        "to_invite": count(*_eligible(invited)),
    }


def _eligible(invited) -> list:
    return [Customer.id.not_in(invited), Customer.opted_out.is_(False), Customer.unreachable.is_(False),
            Customer.email.is_not(None)]


def create_invitations(survey: Survey, recipients: RecipientFilter, ttl_days: int) -> dict[str, int]:
    """Create one pending invitation per eligible matching customer; return the counts (as ``count_recipients``)."""
    refuse_staff_survey(survey)
    counts = count_recipients(survey, recipients)
    invited = select(Invitation.customer_id).where(Invitation.survey_id == survey.id)
    query = (select(Customer.id, Customer.locale).where(*recipients.conditions(), *_eligible(invited))
             .order_by(Customer.id))
    now = utcnow()
    expires = now + timedelta(days=ttl_days) if ttl_days else None
    created = 0
    rows = db.session.execute(query).all()
    for start in range(0, len(rows), BATCH):
        # Each link gets its token when its email is written; until then the hash matches no link.
        db.session.execute(insert(Invitation.__table__), [
            {"survey_id": survey.id, "customer_id": customer_id, "token_hash": hash_token(new_token()),
             "locale": locale, "state": InvitationState.PENDING, "created_at": now, "expires_at": expires,
             "reminders_sent": 0, "attempts": 0}
            for customer_id, locale in rows[start:start + BATCH]
        ])
        created += len(rows[start:start + BATCH])
    counts["created"] = created
    return counts
