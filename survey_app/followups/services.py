"""Opening, listing, closing and announcing follow-ups."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..auth.models import StaffUser
from ..customers.models import Customer
from ..dbtypes import rows_changed, utcnow
from ..domain import Conflict, Invalid
from ..extensions import db
from ..responses.models import Answer, Response
from ..signals import followup_created
from ..surveys.models import Question, QuestionType, Survey
from ..taxonomy import BUCKETS
from .models import FollowUp
from .rules import FollowUpState, Outcome, add_working_days, calls_for_follow_up, kind_for

logger = logging.getLogger(__name__)


class FollowUpExists(Conflict):
    """The response already has its follow-up."""

    code = "followup_exists"


class CannotFollowUp(Invalid):
    """The response cannot be followed up: nobody to contact (anonymous) or a survey of staff."""

    code = "cannot_follow_up"


class NoteRequired(Invalid):
    """A follow-up is closed with what was done, in a note."""

    code = "note_required"


def due_for(submitted: date) -> date:
    """The last day to follow up an answer given on ``submitted``: ``FOLLOWUP_DAYS`` working days later."""
    return add_working_days(submitted, int(current_app.config["FOLLOWUP_DAYS"]))


def default_owner_id() -> int | None:
    """The active staff member named by ``FOLLOWUP_DEFAULT_OWNER`` (an email), if any."""
    email = (current_app.config.get("FOLLOWUP_DEFAULT_OWNER") or "").strip().lower()
    if not email:
        return None
    return db.session.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == email,
                                                        StaffUser.active.is_(True)))


@dataclass(frozen=True)
class _Candidate:
    response_id: int
    customer_id: int | None
    survey_kind: str
    bucket: str | None
    submitted: date
    manager_id: int | None


#: Answers older than this open no follow-up by themselves (a reclassified backlog must not flood owners).
RECENT = timedelta(days=7)


def _candidates(response_ids: list[int]) -> list[_Candidate]:
    consent = (select(Answer.response_id).join(Question, Question.id == Answer.question_id)
               .where(Question.type == QuestionType.CONTACT_CONSENT, Answer.number == 1,
                      Answer.response_id.in_(response_ids)))
    # The primary answer's bucket, not the response's copy of it: a writer's other receivers may not have copied it
    # yet (signal receivers run in no fixed order).
    primary = aliased(Answer)
    rows = db.session.execute(
        select(Response.id, Response.customer_id, Survey.kind, primary.bucket, Response.submitted_at,
               Customer.account_manager_id)
        .join(Survey, Survey.id == Response.survey_id).outerjoin(Customer, Customer.id == Response.customer_id)
        .join(primary, and_(primary.response_id == Response.id, primary.is_primary.is_(True)))
        .outerjoin(FollowUp, FollowUp.response_id == Response.id)
        .where(Response.id.in_(consent), FollowUp.id.is_(None), Response.submitted_at >= utcnow() - RECENT))
    return [_Candidate(rid, customer_id, str(getattr(kind, "value", kind)), bucket, submitted.date(), manager_id)
            for rid, customer_id, kind, bucket, submitted, manager_id in rows]


def open_due(response_ids: Iterable[int]) -> list[int]:
    """Open a follow-up for each of these responses that calls for one (a company-caused cause from a known
    customer who agreed to be contacted, in an exit or loyalty survey) and has none yet; return their ids.

    Written in the caller's transaction.
    """
    ids = sorted(set(response_ids))
    opened: list[int] = []
    default_owner, looked_up = None, False  # looked up once, if a customer has no account manager
    for start in range(0, len(ids), 500):
        for candidate in _candidates(ids[start:start + 500]):
            kind = kind_for(candidate.survey_kind)
            if kind is None or not calls_for_follow_up(candidate.bucket, True, candidate.customer_id is not None):
                continue
            if candidate.manager_id is None and not looked_up:
                default_owner, looked_up = default_owner_id(), True
            owner = candidate.manager_id if candidate.manager_id is not None else default_owner
            task = _add(FollowUp(response_id=candidate.response_id, customer_id=candidate.customer_id, kind=kind,
                                 bucket=candidate.bucket, owner_id=owner, due=due_for(candidate.submitted)))
            if task is not None:
                opened.append(task.id)
    if opened:
        logger.info("Opened %d follow-ups", len(opened))
        followup_created.send(None, followup_ids=opened)
    return opened


def _add(task: FollowUp) -> FollowUp | None:
    """Insert a task in a savepoint; None if the response got its follow-up meanwhile."""
    try:
        with db.session.begin_nested():
            db.session.add(task)
    except IntegrityError:
        return None
    return task


def open_by_hand(response: Response, user_id: int) -> FollowUp:
    """Open a follow-up for any response of a known customer, whatever its cause and consent.

    :raise FollowUpExists: if the response has one.
    :raise CannotFollowUp: if the response names no customer or its survey asks staff.
    """
    kind = kind_for(str(getattr(response.survey.kind, "value", response.survey.kind)))
    if response.customer_id is None or kind is None:
        raise CannotFollowUp()
    if db.session.scalar(select(FollowUp.id).where(FollowUp.response_id == response.id)) is not None:
        raise FollowUpExists()
    manager = response.customer.account_manager_id if response.customer else None
    task = _add(FollowUp(response_id=response.id, customer_id=response.customer_id, kind=kind,
                         bucket=response.primary_bucket if response.primary_bucket in BUCKETS else None,
                         owner_id=manager if manager is not None else default_owner_id() or user_id,
                         due=due_for(utcnow().date()), created_by_id=user_id))
    if task is None:
        raise FollowUpExists()
    followup_created.send(None, followup_ids=[task.id])
    return task


def close(task: FollowUp, outcome: Outcome, note: str, user_id: int) -> None:
    """Close a follow-up with what came of it.

    :raise NoteRequired: if the note is empty.
    :raise FollowUpExists: if it was closed already (by someone else meanwhile).
    """
    note = note.strip()
    if not note:
        raise NoteRequired()
    table = FollowUp.__table__
    closed = db.session.execute(update(table).where(table.c.id == task.id, table.c.state == FollowUpState.OPEN)
                                .values(state=FollowUpState.CLOSED, outcome=outcome, note=note, closed_at=utcnow(),
                                        closed_by_id=user_id))
    if rows_changed(closed) != 1:
        raise FollowUpExists("followup_closed")
    db.session.expire(task)


@dataclass(frozen=True)
class TaskFilter:
    """Which follow-ups a list shows."""

    owner_id: int | None = None
    state: FollowUpState | None = None
    overdue: bool = False


def list_followups(f: TaskFilter, today: date, limit: int | None = None) -> list[FollowUp]:
    """Follow-ups matching ``f``, the most urgent first (open before closed, earliest due first)."""
    query = select(FollowUp).order_by((FollowUp.state == FollowUpState.CLOSED).asc(), FollowUp.due, FollowUp.id)
    if f.owner_id is not None:
        query = query.where(FollowUp.owner_id == f.owner_id)
    if f.state is not None:
        query = query.where(FollowUp.state == f.state)
    if f.overdue:
        query = query.where(FollowUp.state == FollowUpState.OPEN, FollowUp.due < today)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def followups_of(response_id: int) -> list[FollowUp]:
    """The follow-up of a response (a list: none or one)."""
    return list(db.session.scalars(select(FollowUp).where(FollowUp.response_id == response_id)))


@dataclass(frozen=True)
class OnTime:
    """Follow-ups whose deadline has come, and how many of them were closed by it."""

    on_time: int
    due: int

    @property
    def share(self) -> float | None:
        """The share closed in time; None before any deadline has come."""
        return self.on_time / self.due if self.due else None


def on_time(today: date, since: date | None = None) -> OnTime:
    """Among follow-ups whose last day has passed or that are closed, those closed by their last day."""
    reckoned = or_(FollowUp.due < today, FollowUp.state == FollowUpState.CLOSED)
    where = [reckoned, *([FollowUp.created_at >= since] if since else [])]
    due = db.session.scalar(select(func.count()).select_from(FollowUp).where(*where)) or 0
    in_time = db.session.scalar(select(func.count()).select_from(FollowUp).where(
        *where, and_(FollowUp.state == FollowUpState.CLOSED, func.date(FollowUp.closed_at) <= FollowUp.due))) or 0
    return OnTime(int(in_time), int(due))
