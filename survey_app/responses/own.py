"""A respondent's own answer: found through their personal link or the secret shown on the thank-you page, seen
and deleted by them."""
from __future__ import annotations

import logging

from sqlalchemy import select

from ..domain import AnswerGone, UnknownLink
from ..extensions import db
from ..invitations.models import Invitation
from ..invitations.services import hash_token, new_token
from ..signals import answers_changed
from .models import Response

logger = logging.getLogger(__name__)


def new_view_token() -> tuple[str, str]:
    """A fresh secret for a respondent to reach their answer, with the hash stored on the response."""
    token = new_token()
    return token, hash_token(token)


def response_for_secret(secret: str) -> Response:
    """The response whose thank-you page showed ``secret``.

    :raise UnknownLink: no response has this secret (never had, or deleted since).
    """
    if not secret or len(secret) > 100:
        raise UnknownLink()
    response = db.session.scalar(select(Response).where(Response.view_token_hash == hash_token(secret)))
    if response is None:
        raise UnknownLink()
    return response


def check_shown(response: Response) -> Response:
    """Return ``response`` if its respondent may still see it.

    :raise AnswerGone: it was anonymised.
    """
    if response.anonymised_at is not None:
        raise AnswerGone()
    return response


def response_of_invitation(invitation: Invitation) -> Response:
    """The response given through an invitation.

    :raise AnswerGone: it was deleted or anonymised (its link to the invitation is gone).
    """
    response = db.session.scalar(select(Response).where(Response.invitation_id == invitation.id,
                                                        Response.anonymised_at.is_(None)))
    if response is None:
        raise AnswerGone()
    return response


def delete_own_response(response: Response) -> None:
    """Delete a response at its respondent's request: its answers go with it, reports count it no more."""
    logger.info("Response %s deleted by its respondent", response.id)
    db.session.delete(response)  # answers with it; follow-ups and win-back links by their foreign keys
    db.session.flush()
    answers_changed.send(None, reason="deleted")
