"""Invitation tokens: created at random, stored only as a hash."""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from ..customers.models import Customer
from ..dbtypes import utcnow
from ..domain import Conflict
from ..extensions import db
from ..surveys.models import Survey
from ..surveys.rules import asks_customers
from .models import EarlierLink, Invitation

logger = logging.getLogger(__name__)


class InvitationError(Conflict):
    """An invitation cannot be created as asked: the customer is already invited."""

    code = "already_invited"


class StaffSurveyNotInvited(Conflict):
    """Customers are never invited to a staff survey: the team answers it through its public link."""

    code = "staff_survey_not_invited"


def refuse_staff_survey(survey: Survey) -> None:
    """Refuse customer invitations to a staff survey.

    :raise StaffSurveyNotInvited: if ``survey`` asks the team, not customers.
    """
    if not asks_customers(survey.kind):
        raise StaffSurveyNotInvited(slug=survey.slug)


def hash_token(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    """Return a fresh random token for a link (192 bits)."""
    return secrets.token_urlsafe(24)


def find_invitation(token: str) -> Invitation | None:
    """Return the invitation whose current or earlier token is ``token``."""
    if not token or len(token) > 100:
        return None
    digest = hash_token(token)
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == digest))
    if invitation is None:
        earlier = select(EarlierLink.invitation_id).where(EarlierLink.token_hash == digest)
        invitation = db.session.scalar(select(Invitation).where(Invitation.id.in_(earlier)))
    return invitation


def keeps_earlier_link(invitation: Invitation) -> bool:
    """Tell whether the invitation's current link must keep working once a new email gives it another.

    A link already emailed or shown to staff does; the random first hash of a bulk invitation reached nobody.
    """
    return invitation.sent_at is not None or invitation.link_shown


def create_invitation(survey: Survey, customer: Customer) -> tuple[Invitation, str]:
    """Create a customer's invitation to a survey; return it with its token (shown only now).

    :raise InvitationError: if the customer already has an invitation to this survey.
    :raise StaffSurveyNotInvited: if it is a staff survey.
    """
    refuse_staff_survey(survey)
    existing = db.session.scalar(select(Invitation).where(Invitation.survey_id == survey.id,
                                                          Invitation.customer_id == customer.id))
    if existing is not None:
        raise InvitationError(ref=customer.external_ref)
    token = new_token()
    ttl = current_app.config["INVITATION_TTL_DAYS"]
    invitation = Invitation(survey=survey, customer=customer, token_hash=hash_token(token), locale=customer.locale,
                            expires_at=utcnow() + timedelta(days=ttl) if ttl else None, link_shown=True)
    db.session.add(invitation)
    db.session.flush()
    logger.debug("Invitation %s created for customer %s", invitation.id, customer.external_ref)
    return invitation, token


def invitation_url(token: str) -> str:
    """Return the public link for ``token``, on BASE_URL."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/s/{token}"

