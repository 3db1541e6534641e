"""Storing responses: from invitation links, public links and interviews."""
from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, Connection, and_, delete, insert, or_, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..classification.jobs import after_storing
from ..classification.services import PENDING_TEXT, classify_choice
from ..dbsetup import DatabaseBusy, write_lock
from ..dbtypes import rows_changed, utcnow
from ..domain import AlreadyAnswered, LinkExpired, SurveyClosed, UnknownLink
from ..extensions import db
from ..invitations.models import Invitation, InvitationState
from ..invitations.services import find_invitation
from ..signals import answers_changed, customer_erasing, response_stored
from ..surveys.models import QuestionType, SurveyState
from ..taxonomy import PENDING, UNCLASSIFIED
from .answers import OTHER, OtherReason, Submission
from .definition import SurveyDefinition, definition_by_slug
from .models import Answer, Channel, Draft, Response, month_of
from .own import new_view_token

logger = logging.getLogger(__name__)


def invitation_for_token(token: str) -> Invitation:
    """Return the invitation for ``token``.

    :raise UnknownLink: no invitation has this token.
    """
    invitation = find_invitation(token)
    if invitation is None:
        raise UnknownLink()
    return invitation


def check_answerable(invitation: Invitation, definition: SurveyDefinition, now: datetime | None = None) -> None:
    """Make sure the invitation can still be answered.

    :raise AlreadyAnswered: the token was used.
    :raise SurveyClosed: the survey does not take answers now.
    :raise LinkExpired: the invitation is past its expiry date.
    """
    now = now or utcnow()
    if invitation.state == InvitationState.ANSWERED:
        raise AlreadyAnswered()
    check_accepting(definition, now)
    if invitation.expires_at and now >= invitation.expires_at:
        raise LinkExpired()


def survey_for_open_link(slug: str) -> SurveyDefinition:
    """Return the survey with a public link at ``slug``.

    :raise UnknownLink: no survey has this slug, or it has no public link.
    """
    definition = definition_by_slug(slug)
    if definition is None or not definition.open_link or definition.state == SurveyState.DRAFT:
        raise UnknownLink()
    return definition


def check_accepting(definition: SurveyDefinition, now: datetime | None = None) -> None:
    """Make sure the survey takes answers now.

    :raise SurveyClosed: it is closed, or outside its opening dates.
    """
    if not definition.accepting_answers(now or utcnow()):
        raise SurveyClosed()


#: Longest wait (seconds) to record that a link was opened: a statistic, not worth delaying the form for.
OPENED_WAIT_SECONDS = 0.2


def record_opened(invitation: Invitation) -> bool:
    """Record the first visit of an invitation link if the database takes the write at once; False if it did not.

    Best effort, in a short transaction of its own: a locked or failing database is logged, and the person still
    gets the form (the next visit records it).
    """
    try:
        with write_lock(db.session.connection(), OPENED_WAIT_SECONDS):
            if db.session.get_bind().dialect.name == "postgresql":
                db.session.execute(text(f"SET LOCAL lock_timeout = {round(OPENED_WAIT_SECONDS * 1000):d}"))
            db.session.execute(update(Invitation)
                               .where(Invitation.id == invitation.id, Invitation.opened_at.is_(None))
                               .values(opened_at=utcnow()))
            db.session.commit()
    except (DatabaseBusy, DBAPIError) as error:
        try:
            db.session.rollback()
        except DBAPIError:  # the connection is gone; the pool replaces it
            db.session().invalidate()
        logger.warning("Could not record that invitation %s was opened: %s", invitation.id, error)
        return False
    return True


def record_response(connection: Connection, definition: SurveyDefinition, values: dict[int, object], *,
                    locale: str, channel: Channel, invitation: Invitation | None = None,
                    customer_id: int | None = None, interviewer_id: int | None = None,
                    submitted_at: datetime | None = None, submission_key: str | None = None,
                    rows: list[dict] | None = None, consent_text: str | None = None,
                    link_mark: str | None = None, view_token_hash: str | None = None) -> int:
    """Store one response with an answer per question answered; return its id (free text is stored pending).

    Written with plain INSERTs on ``connection`` (the caller's transaction, no ORM unit of work): this is
    the path that meets the load after a mailing. ``rows``: the values already made into answer rows (see
    :func:`answer_rows`), e.g. classified with an import's batch; ``view_token_hash``: the hash of the secret that
    lets the respondent see or delete it.

    ``consent_text``: the consent wording shown with the form; ``link_mark``: the signed link answered through.

    :raise AlreadyAnswered: if the invitation or signed link was used meanwhile (the database refuses a second
        response).
    """
    if invitation is not None:
        customer_id = invitation.customer_id
    if rows is None:
        rows = answer_rows(definition, values, locale)
    submitted_at = submitted_at or utcnow()
    try:
        response_id: int = connection.execute(_INSERT_RESPONSE, {
            "survey_id": definition.survey_id, "invitation_id": invitation.id if invitation else None,
            "customer_id": None if definition.anonymous else customer_id, "locale": locale,
            "channel": channel, "interviewer_id": interviewer_id, "submitted_at": submitted_at,
            "submitted_month": month_of(submitted_at), "submission_key": submission_key,
            "primary_bucket": primary_bucket(rows), "consent_text": consent_text, "link_mark": link_mark,
            "view_token_hash": view_token_hash,
        }).scalar_one()
    except IntegrityError as error:
        if invitation is not None or link_mark is not None:
            raise AlreadyAnswered() from error
        raise
    if invitation is not None:
        invitation.state = InvitationState.ANSWERED
    if rows:
        connection.execute(_INSERT_ANSWER, [{"response_id": response_id, **row} for row in rows])
    return response_id


class Outcome(enum.Enum):
    """What became of a sent answer form."""

    #: Stored now.
    STORED = "stored"
    #: This very form (same submission key) was stored before; nothing new is stored.
    SENT_BEFORE = "sent_before"
    #: Not stored: an answer has an error, or the form's CSRF token was not good.
    REFUSED = "refused"


@dataclass(frozen=True)
class SubmitResult:
    """The outcome of sending an answer form, with the id of the response that holds its answers, if any, and the
    secret that lets the respondent see or delete it (only when stored now, from a link)."""

    outcome: Outcome
    response_id: int | None = None
    view_token: str | None = None


def submit_response(definition: SurveyDefinition, submission: Submission, *, locale: str, channel: Channel,
                    submission_key: str | None, invitation: Invitation | None = None,
                    customer_id: int | None = None, interviewer_id: int | None = None,
                    form_trusted: bool = True, now: datetime | None = None, consent_text: str | None = None,
                    link_mark: str | None = None, customer_for: Callable[[], int] | None = None) -> SubmitResult:
    """Check that the link still takes answers and the answers are valid, then store them in a transaction of
    its own under the write lock; the same form sent twice is stored once.

    An invitation must be answerable and a public link's survey accepting; interviews are checked by their page.
    Nothing is stored when ``form_trusted`` is False (a missing or stale CSRF token) or an answer has an error.
    A signed link (``link_mark``) is answered once; ``customer_for`` finds or creates the customer it names, in the
    storing transaction. ``consent_text``: the consent wording the form showed, kept with the response.

    :raise AlreadyAnswered: if the invitation was used by another form.
    :raise SurveyClosed: if the survey does not take answers now.
    :raise LinkExpired: if the invitation is past its expiry date.
    """
    if invitation is not None:
        try:
            check_answerable(invitation, definition, now)
        except AlreadyAnswered:
            earlier = response_sent_with(definition, submission_key)
            if earlier is None:
                raise
            return SubmitResult(Outcome.SENT_BEFORE, earlier)
    elif channel == Channel.LINK:
        check_accepting(definition, now)
    if link_mark is not None and link_answered(link_mark):
        earlier = response_sent_with(definition, submission_key)
        if earlier is None:
            raise AlreadyAnswered()
        return SubmitResult(Outcome.SENT_BEFORE, earlier)
    if not form_trusted or not submission.valid:
        return SubmitResult(Outcome.REFUSED)
    rows = answer_rows(definition, submission.values, locale)
    view_token, view_token_hash = new_view_token() if channel in (Channel.EMAIL, Channel.LINK) else (None, None)
    # A write that cannot get the database within the request's budget ends on the 503 page keeping the answers.
    # A new customer named by a signed link may be created by another request at the same moment: tried again once.
    for attempt in range(2):
        try:
            response_id = _store(definition, submission, rows, locale=locale, channel=channel,
                                 submission_key=submission_key, invitation=invitation, customer_id=customer_id,
                                 interviewer_id=interviewer_id, consent_text=consent_text, link_mark=link_mark,
                                 customer_for=customer_for, view_token_hash=view_token_hash)
        except (IntegrityError, AlreadyAnswered):
            _rollback()
            earlier = response_sent_with(definition, submission_key)
            if earlier is not None:
                return SubmitResult(Outcome.SENT_BEFORE, earlier)
            if link_mark is not None and link_answered(link_mark):
                raise AlreadyAnswered() from None
            if attempt or customer_for is None:
                raise
        except BaseException:
            _rollback()
            raise
        else:
            break
    if any(row["bucket"] == PENDING for row in rows):
        after_storing()
    response_stored.send(None, response_id=response_id, consent=any(
        q.type == QuestionType.CONTACT_CONSENT and submission.values.get(q.id) == 1 for q in definition.questions))
    return SubmitResult(Outcome.STORED, response_id, view_token)


def _store(definition: SurveyDefinition, submission: Submission, rows: list[dict], *, locale: str, channel: Channel,
           submission_key: str | None, invitation: Invitation | None, customer_id: int | None,
           interviewer_id: int | None, consent_text: str | None, link_mark: str | None,
           customer_for: Callable[[], int] | None, view_token_hash: str | None) -> int:
    """Write one response under the write lock, in a transaction of its own; return its id."""
    if invitation is None and customer_id is None and customer_for is None:
        # Nothing else to write: one short transaction of its own, without the ORM session.
        with db.engine.connect() as connection, write_lock(connection), connection.begin():
            return record_response(connection, definition, submission.values, locale=locale, channel=channel,
                                   submission_key=submission_key, interviewer_id=interviewer_id, rows=rows,
                                   consent_text=consent_text, link_mark=link_mark, view_token_hash=view_token_hash)
    connection = db.session.connection()
    with write_lock(connection):
        if customer_for is not None:
            customer_id = customer_for()
        response_id = record_response(connection, definition, submission.values, locale=locale, channel=channel,
                                      invitation=invitation, submission_key=submission_key, customer_id=customer_id,
                                      interviewer_id=interviewer_id, rows=rows, consent_text=consent_text,
                                      link_mark=link_mark, view_token_hash=view_token_hash)
        if invitation is not None:  # sent: what was kept while typing is no longer needed
            connection.execute(delete(Draft).where(Draft.invitation_id == invitation.id))
        db.session.commit()
    return response_id


def link_answered(link_mark: str) -> bool:
    """Tell whether the signed link with this mark has been answered."""
    return db.session.scalar(select(Response.id).where(Response.link_mark == link_mark)) is not None


def _rollback() -> None:
    try:
        db.session.rollback()
    except DBAPIError:  # the connection is gone; the pool replaces it
        db.session().invalidate()


def response_sent_with(definition: SurveyDefinition, submission_key: str | None) -> int | None:
    """The id of the response to this survey stored from the form with ``submission_key``, if any."""
    if submission_key is None:
        return None
    return db.session.scalar(select(Response.id).where(Response.submission_key == submission_key,
                                                       Response.survey_id == definition.survey_id))


#: Prebuilt Core statements for the respondent's path (compiled once).
_INSERT_RESPONSE = insert(Response.__table__).returning(Response.__table__.c.id)
_INSERT_ANSWER = insert(Answer.__table__)


_EMPTY_ROW = {"reason_code": None, "text": None, "number": None, "bucket": None, "cause_group": None,
              "source": None, "confidence": None, "model_version": None, "guesses": None, "is_primary": False}


def answer_rows(definition: SurveyDefinition, values: dict[int, object], locale: str) -> list[dict]:
    """Turn values (by question id) into answer rows: chosen reasons classified, free text pending (the sorting job
    classifies it); the main reason, else the first text, is primary."""
    rows: list[dict] = []
    main_code = None
    for question in definition.questions:
        value = values.get(question.id)
        if value in (None, "", []):
            continue
        qtype = question.type
        row = {**_EMPTY_ROW, "question_id": question.id}
        if qtype == QuestionType.MAIN_REASON and isinstance(value, OtherReason):
            # In their own words: the response's cause, once the sorting job has read it.
            rows.append({**row, "text": str(value), "is_primary": True, **PENDING_TEXT.columns()})
            main_code = OTHER
        elif qtype == QuestionType.MAIN_REASON and (reason := definition.reason(str(value))):
            main_code = reason.code
            rows.append({**row, "reason_code": reason.code, "is_primary": True, **classify_choice(reason).columns()})
        elif qtype == QuestionType.OTHER_REASONS:
            for code in dict.fromkeys(cast(list[str], value)):  # keep order, drop repeats
                if code != main_code and (reason := definition.reason(code)):
                    rows.append({**row, "reason_code": reason.code, **classify_choice(reason).columns()})
        elif qtype == QuestionType.FREE_TEXT and (text := str(value).strip()):
            rows.append({**row, "text": text, **PENDING_TEXT.columns()})
        elif qtype in (QuestionType.SCALE_0_10, QuestionType.YES_NO, QuestionType.CONTACT_CONSENT):
            rows.append({**row, "number": int(cast(int, value))})
    if main_code is None:
        # Without a chosen main reason, the first free text gives the response's cause.
        first_text = next((r for r in rows if r["text"]), None)
        if first_text is not None:
            first_text["is_primary"] = True
    return rows


def primary_bucket(rows: list[dict]) -> str | None:
    """The bucket of the primary answer among answer rows (the response's cause); None without one."""
    return next((row["bucket"] for row in rows if row["is_primary"]), None)


#: Responses brought up to date per statement (well under every database's limit on bound parameters).
_SYNC_BATCH = 500


def sync_primary_buckets(response_ids: Iterable[int]) -> None:
    """Copy the bucket of each response's primary answer onto the response, after its answers changed."""
    ids = sorted(set(response_ids))
    table, answer = Response.__table__, Answer.__table__
    primary = (select(answer.c.bucket).where(answer.c.response_id == table.c.id, answer.c.is_primary.is_(True))
               .order_by(answer.c.id).limit(1).scalar_subquery())
    for start in range(0, len(ids), _SYNC_BATCH):
        db.session.execute(update(table).where(table.c.id.in_(ids[start:start + _SYNC_BATCH]))
                           .values(primary_bucket=primary))


def _answers_changed(_sender, response_ids: Iterable[int] = (), **_details) -> None:
    """Keep each response's cause in step with answers a writer changed (``response_ids``: whose)."""
    if response_ids:
        sync_primary_buckets(response_ids)


def anonymise_responses(condition: ColumnElement[bool], now: datetime | None = None) -> list[int]:
    """Cut the personal links of the responses matching ``condition`` that still have them: their customer, their
    invitation (the email it went to, its link and any draft), their form's key; mark them anonymised.

    Their answers, buckets, causes, survey, language, channel and submission time stay, so every count is the same
    (customer filters aside).

    :return: the ids of the responses anonymised.
    """
    now = now or utcnow()
    ids = list(db.session.scalars(select(Response.id).where(condition, Response.anonymised_at.is_(None))
                                  .order_by(Response.id)))
    for start in range(0, len(ids), _SYNC_BATCH):
        batch = ids[start:start + _SYNC_BATCH]
        invitations = select(Response.invitation_id).where(Response.id.in_(batch),
                                                           Response.invitation_id.is_not(None))
        db.session.execute(delete(Draft).where(Draft.invitation_id.in_(invitations)))
        db.session.execute(update(Response).where(Response.id.in_(batch))
                           .values(customer_id=None, invitation_id=None, submission_key=None, anonymised_at=now))
    return ids


def remove_free_text(condition: ColumnElement[bool]) -> int:
    """Blank the free text of the responses matching ``condition``; their buckets stay. Text still to be sorted (by
    the sorting job or in the review queue) is left for a later run: its bucket is decided from it.

    :return: how many answers lost their text.
    """
    responses = select(Response.id).where(condition)
    return rows_changed(db.session.execute(
        update(Answer).where(Answer.response_id.in_(responses), text_decided())
        .values(text=None).execution_options(synchronize_session=False)))


def text_decided() -> ColumnElement[bool]:
    """Answers holding free text whose bucket is decided (neither waiting for the sorting job nor for review)."""
    return and_(Answer.text.is_not(None), or_(Answer.bucket.is_(None), Answer.bucket.not_in((PENDING, UNCLASSIFIED))))


def _forget_customer(_sender, customer_id: int, **_details) -> int:
    """Keep an erased customer's responses anonymously (those of anonymous surveys, linked by their invitation,
    too); return how many."""
    invitations = select(Invitation.id).where(Invitation.customer_id == customer_id)
    return len(anonymise_responses(or_(Response.customer_id == customer_id, Response.invitation_id.in_(invitations))))


def connect() -> None:
    """Follow changed answers with their responses' causes; let go of a customer's data when they are erased."""
    answers_changed.connect(_answers_changed)
    customer_erasing.connect(_forget_customer)
