"""Storing responses: from invitation links, public links and interviews."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from ..auth.models import StaffUser
from ..classification.services import classify_choice, classify_text
from ..customers.models import Customer
from ..dbtypes import utcnow
from ..errors import AlreadyAnswered, LinkExpired, SurveyClosed, UnknownLink
from ..extensions import db
from ..invitations.models import Invitation, InvitationState
from ..invitations.services import find_invitation
from ..surveys.models import QuestionType, Survey, SurveyState
from .definition import SurveyDefinition
from .models import Answer, Channel, Response

logger = logging.getLogger(__name__)


def invitation_for_token(token: str) -> Invitation:
    """Return the invitation for ``token``.

    :raise UnknownLink: no invitation has this token.
    """
    invitation = find_invitation(token)
    if invitation is None:
        raise UnknownLink()
    return invitation


def check_answerable(invitation: Invitation, now: datetime | None = None) -> None:
    """Make sure the invitation can still be answered.

    :raise AlreadyAnswered: the token was used.
    :raise SurveyClosed: the survey does not take answers now.
    :raise LinkExpired: the invitation is past its expiry date.
    """
    now = now or utcnow()
    if invitation.state == InvitationState.ANSWERED:
        raise AlreadyAnswered()
    check_accepting(invitation.survey, now)
    if invitation.expires_at and now >= invitation.expires_at:
        raise LinkExpired()


def survey_for_open_link(slug: str) -> Survey:
    """Return the survey with a public link at ``slug``.

    :raise UnknownLink: no survey has this slug, or it has no public link.
    """
    survey = db.session.scalar(select(Survey).where(Survey.slug == slug))
    if survey is None or not survey.open_link or survey.state == SurveyState.DRAFT:
        raise UnknownLink()
    return survey


def check_accepting(survey: Survey, now: datetime | None = None) -> None:
    """Make sure the survey takes answers now.

    :raise SurveyClosed: it is closed, or outside its opening dates.
    """
    if not survey.accepting_answers(now or utcnow()):
        raise SurveyClosed()


def mark_opened(invitation: Invitation) -> None:
    """Record the first visit of an invitation link."""
    if invitation.opened_at is None:
        invitation.opened_at = utcnow()


def record_response(survey: Survey, definition: SurveyDefinition, values: dict[int, object], *, locale: str,
                    channel: Channel, invitation: Invitation | None = None, customer: Customer | None = None,
                    interviewer: StaffUser | None = None) -> Response:
    """Store one response with an answer per question answered, classified as it is stored.

    :raise AlreadyAnswered: if the invitation was used meanwhile (the database refuses a second response).
    """
    if invitation is not None:
        customer = invitation.customer
        invitation.state = InvitationState.ANSWERED
    response = Response(
        survey_id=survey.id, invitation=invitation, locale=locale, channel=channel, interviewer=interviewer,
        customer=None if survey.anonymous else customer, submitted_at=utcnow(),
    )
    db.session.add(response)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        if invitation is not None:
            raise AlreadyAnswered() from error
        raise
    rows = answer_rows(definition, values, locale)
    if rows:
        # One executemany for all answers: the respondent's path is the one under load.
        db.session.execute(insert(Answer), [{"response_id": response.id, **row} for row in rows])
    return response


_EMPTY_ROW = {"reason_code": None, "text": None, "number": None, "bucket": None, "cause_group": None,
              "source": None, "confidence": None, "model_version": None, "is_primary": False}


def answer_rows(definition: SurveyDefinition, values: dict[int, object], locale: str) -> list[dict]:
    """Turn form values (by question id) into classified answer rows; the main reason, else the first text, is primary."""
    rows: list[dict] = []
    main_code = None
    for question in definition.questions:
        value = values.get(question.id)
        if value in (None, "", []):
            continue
        qtype = question.type
        row = {**_EMPTY_ROW, "question_id": question.id}
        if qtype == QuestionType.MAIN_REASON and (reason := definition.reason(value)):
            main_code = value
            rows.append({**row, "reason_code": reason.code, "is_primary": True, **classify_choice(reason).columns()})
        elif qtype == QuestionType.OTHER_REASONS:
            for code in dict.fromkeys(value):  # keep order, drop repeats
                if code != main_code and (reason := definition.reason(code)):
                    rows.append({**row, "reason_code": reason.code, **classify_choice(reason).columns()})
        elif qtype == QuestionType.FREE_TEXT and (text := str(value).strip()):
            rows.append({**row, "text": text, **classify_text(text, locale).columns()})
        elif qtype in (QuestionType.SCALE_0_10, QuestionType.YES_NO):
            rows.append({**row, "number": int(value)})
    if main_code is None:
        # Without a chosen main reason, the first free text gives the response's cause.
        first_text = next((r for r in rows if r["text"]), None)
        if first_text is not None:
            first_text["is_primary"] = True
    return rows


def find_customer(external_ref: str) -> Customer | None:
    """Return the customer with this reference."""
    return db.session.scalar(select(Customer).where(Customer.external_ref == external_ref.strip()))
