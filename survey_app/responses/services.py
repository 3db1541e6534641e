"""Storing responses: from invitation links, public links and interviews."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..auth.models import StaffUser
from ..classification.services import classify_choice, classify_text
from ..customers.models import Customer
from ..dbtypes import utcnow
from ..errors import AlreadyAnswered, LinkExpired, SurveyClosed, UnknownLink
from ..extensions import db
from ..invitations.models import Invitation, InvitationState
from ..invitations.services import find_invitation
from ..surveys.models import QuestionType, Reason, Survey, SurveyState
from ..surveys.services import reasons_by_code
from .models import Answer, Channel, Response

logger = logging.getLogger(__name__)


def offered_reasons(survey: Survey) -> list[Reason]:
    """Return the survey's reasons in display order, skipping codes no longer in the catalogue."""
    catalogue = reasons_by_code(list(survey.reason_codes))
    return [catalogue[c] for c in survey.reason_codes if c in catalogue and catalogue[c].active]


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


def record_response(survey: Survey, values: dict[int, object], *, locale: str, channel: Channel,
                    invitation: Invitation | None = None, customer: Customer | None = None,
                    interviewer: StaffUser | None = None) -> Response:
    """Store one response with an answer per question answered, classified as it is stored.

    :raise AlreadyAnswered: if the invitation was used meanwhile (the database refuses a second response).
    """
    reasons = {r.code: r for r in offered_reasons(survey)}
    if invitation is not None:
        customer = invitation.customer
    response = Response(
        survey=survey, invitation=invitation, locale=locale, channel=channel, interviewer=interviewer,
        customer=None if survey.anonymous else customer, submitted_at=utcnow(),
    )
    response.answers = _answers(survey, values, reasons, locale)
    db.session.add(response)
    if invitation is not None:
        invitation.state = InvitationState.ANSWERED
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        if invitation is not None:
            raise AlreadyAnswered() from error
        raise
    return response


def _answers(survey: Survey, values: dict[int, object], reasons: dict[str, Reason], locale: str) -> list[Answer]:
    answers: list[Answer] = []
    main_code = None
    for question in survey.questions:
        value = values.get(question.id)
        if value in (None, "", []):
            continue
        qtype = question.type
        if qtype == QuestionType.MAIN_REASON and value in reasons:
            main_code = value
            answers.append(_reason_answer(question, reasons[value], primary=True))
        elif qtype == QuestionType.OTHER_REASONS:
            for code in dict.fromkeys(value):  # keep order, drop repeats
                if code in reasons and code != main_code:
                    answers.append(_reason_answer(question, reasons[code], primary=False))
        elif qtype == QuestionType.FREE_TEXT and str(value).strip():
            answer = Answer(question=question, text=str(value).strip())
            classify_text(answer.text, locale).apply(answer)
            answers.append(answer)
        elif qtype in (QuestionType.SCALE_0_10, QuestionType.YES_NO):
            answers.append(Answer(question=question, number=int(value)))
    if main_code is None:
        # Without a chosen main reason, the first free text gives the response's cause.
        first_text = next((a for a in answers if a.text), None)
        if first_text is not None:
            first_text.is_primary = True
    return answers


def _reason_answer(question, reason: Reason, primary: bool) -> Answer:
    answer = Answer(question=question, reason_code=reason.code, is_primary=primary)
    classify_choice(reason).apply(answer)
    return answer


def find_customer(external_ref: str) -> Customer | None:
    """Return the customer with this reference."""
    return db.session.scalar(select(Customer).where(Customer.external_ref == external_ref.strip()))
