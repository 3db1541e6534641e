"""Sending as a background job: one per survey at a time, on RQ workers or in a thread (see ``survey_app.jobs``)."""
from __future__ import annotations

import logging
from datetime import timedelta

from ..dbtypes import utcnow
from ..extensions import db
from ..jobs.models import Job
from ..jobs.runner import JobRun, handler, launch
from ..jobs.schedule import periodic
from ..jobs.services import JobBusy, active_job, submit
from ..surveys.models import Survey

logger = logging.getLogger(__name__)


def lock_key(survey_id: int) -> str:
    """The key that lets one sending job at a time run for a survey."""
    return f"send:survey:{survey_id}"


@handler("send")
@handler("remind")
def run_sending(job: Job, _run: JobRun) -> dict:
    """Send due invitations (``send``) or reminders (``remind``) for one survey; return the counts."""
    from .sending import send_due, send_reminders

    survey = db.session.get(Survey, job.payload["survey_id"])
    if job.kind == "remind":
        report = send_reminders(survey, job.payload["after_days"], job.payload["max_reminders"])
    else:
        report = send_due(survey)
    logger.info("%s job for survey %s: %s sent, %s failed, %s bounced", job.kind, survey.id, report.sent,
                report.failed, report.bounced)
    return {"sent": report.sent, "failed": report.failed, "bounced": report.bounced}


@handler("send_part")
def run_sending_part(job: Job, _run: JobRun) -> dict:
    """Send the due invitations of one survey whose ids lie in the job's range (one part of a split mailing)."""
    from .sending import send_due

    survey = db.session.get(Survey, job.payload["survey_id"])
    report = send_due(survey, id_range=(job.payload["first_id"], job.payload["last_id"]))
    return {"sent": report.sent, "failed": report.failed, "bounced": report.bounced}


def start_parts(survey: Survey, parts: int, *, user_id: int | None = None, locale: str = "en") -> list[int]:
    """Split the sending of ``survey``'s due invitations into ``parts`` jobs of about equal size, run by as many
    workers as are free; return the jobs' ids.

    Parts may overlap any other sending of the same survey: each invitation goes to the run that claims it first.

    :raise QueueUnavailable: if the job queue cannot be reached.
    """
    from sqlalchemy import func, select

    from .sending import due_query

    due = due_query(survey, utcnow()).subquery()
    low, high = db.session.execute(select(func.min(due.c.id), func.max(due.c.id))).one()
    if low is None:
        return []
    size = -(-(high - low + 1) // max(1, parts))  # ranges of ids: invitations made together have neighbouring ids
    jobs = [submit("send_part", {"survey_id": survey.id, "first_id": first, "last_id": min(first + size - 1, high)},
                   user_id=user_id, locale=locale) for first in range(low, high + 1, size)]
    for job in jobs:
        launch(job)
    return [job.id for job in jobs]


@handler("retry_sending")
def run_retries(_job: Job, _run: JobRun) -> dict:
    """Send again, in every open survey, the invitations whose sending failed and whose back-off has passed."""
    from .sending import send_due

    report = send_due(None, retries_only=True)
    return {"sent": report.sent, "failed": report.failed, "bounced": report.bounced}


periodic("retry-sending", timedelta(minutes=5), "retry_sending")


def start(kind: str, survey: Survey, options: dict | None = None, *, user_id: int | None = None,
          locale: str = "en") -> bool:
    """Start sending for ``survey`` in the background; False if a sending job for it is already under way.

    :raise QueueUnavailable: if the job queue cannot be reached.
    """
    try:
        job = submit(kind, {"survey_id": survey.id, **(options or {})}, lock_key=lock_key(survey.id),
                     user_id=user_id, locale=locale)
    except JobBusy:
        return False
    launch(job)
    return True


def is_running(survey: Survey) -> bool:
    """Tell whether a sending job for ``survey`` is under way, in any process or worker."""
    return active_job(lock_key(survey.id)) is not None
