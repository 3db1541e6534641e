"""Follow-ups in the background: owners are emailed by a job started when tasks open, and a periodic task opens
what was missed (a failure after an answer was stored) and emails what is still unannounced."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from ..dbtypes import utcnow
from ..extensions import db
from ..jobs.models import Job
from ..jobs.runner import JobRun, handler, launch, then
from ..jobs.schedule import periodic
from ..jobs.services import JobBusy, active_job, submit
from ..responses.models import Answer, Response
from ..signals import answers_changed, customer_erasing, response_stored
from ..surveys.models import Question, QuestionType
from .mail import notify_owners
from .models import FollowUp
from .services import RECENT, open_due

logger = logging.getLogger(__name__)

NOTIFY = "notify_followups"
NOTIFY_LOCK = "notify-followups"


def request_notify() -> None:
    """Have new follow-ups announced to their owners soon, unless a run is queued or running (or
    ``FOLLOWUP_NOTIFY_AT_ONCE`` is off: the periodic sweep announces them)."""
    if not current_app.config["FOLLOWUP_NOTIFY_AT_ONCE"] or active_job(NOTIFY_LOCK) is not None:
        return
    try:
        job = submit(NOTIFY, {}, lock_key=NOTIFY_LOCK)
    except JobBusy:
        return
    launch(job)


@handler(NOTIFY)
def run_notify(_job: Job, _run: JobRun) -> dict:
    """Email the owners of follow-ups not announced yet."""
    return notify_owners()


def _consenting_responses() -> list[int]:
    """Responses of the last :data:`RECENT` days whose customer agreed to be contacted."""
    return list(db.session.scalars(
        select(Answer.response_id).join(Question, Question.id == Answer.question_id)
        .join(Response, Response.id == Answer.response_id)
        .where(Question.type == QuestionType.CONTACT_CONSENT, Answer.number == 1,
               Response.submitted_at >= utcnow() - RECENT)))


@handler("followups_sweep")
def run_sweep(_job: Job, _run: JobRun) -> dict:
    """Open the follow-ups recent answers call for and have none, then email every owner not yet told."""
    opened = open_due(_consenting_responses())
    db.session.commit()
    return {"opened": len(opened), **notify_owners()}


periodic("followups-sweep", timedelta(minutes=5), "followups_sweep")


def _after_stored(_sender, response_id: int, consent: bool = False, **_details) -> None:
    """A customer who agreed to be contacted answered: open the follow-up now if its cause is known already."""
    if not consent:
        return
    try:
        if open_due([response_id]):
            db.session.commit()
            request_notify()
        else:
            db.session.rollback()
    except Exception:  # the answer is stored; the periodic sweep opens its follow-up
        db.session.rollback()
        logger.exception("Follow-up of response %s not opened now; the sweep will", response_id)


def _after_classified(_sender, reason: str = "", response_ids: list[int] | tuple = (), **_details) -> None:
    """The sorting job gave causes: open the follow-ups they call for, in its transaction."""
    if reason == "classified" and response_ids:
        open_due(response_ids)


def _after_sorting() -> None:
    request_notify()


def _forget_customer(_sender, customer_id: int, **_details) -> None:
    """An erased customer's follow-ups go with them (their notes are about the customer)."""
    db.session.execute(delete(FollowUp).where(FollowUp.customer_id == customer_id))


def connect() -> None:
    """Open follow-ups when answers are stored or sorted; announce them after a sorting run; forget erased
    customers' follow-ups."""
    response_stored.connect(_after_stored)
    customer_erasing.connect(_forget_customer)
    answers_changed.connect(_after_classified)
    then("classify_pending", _after_sorting)
