"""Submitting, claiming, following and ending jobs; each step is one atomic statement, safe across processes."""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Connection, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..dbtypes import rows_changed, utcnow
from ..extensions import db
from .models import ACTIVE_STATES, Job, JobProblem, JobState

logger = logging.getLogger(__name__)
_JOB = Job.__table__


class JobBusy(Exception):
    """Another active job holds the lock key asked for."""


class LostJob(Exception):
    """This run no longer owns its job (it was declared interrupted and resumed elsewhere)."""


def stale_after() -> timedelta:
    """How long a job may stay silent before it counts as interrupted."""
    return timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])


def submit(kind: str, payload: dict, *, lock_key: str | None = None, user_id: int | None = None,
           locale: str = "en") -> Job:
    """Record a new queued job and commit it.

    :raise JobBusy: if a live job holds ``lock_key`` (one whose run went silent is marked interrupted
        and gives the key up).
    """
    now = utcnow()
    if lock_key is not None:
        _release_stale(lock_key, now)
    job = Job(kind=kind, payload=payload, lock_key=lock_key, state=JobState.QUEUED, created_by_id=user_id,
              locale=locale, queue="rq" if current_app.config.get("REDIS_URL") else "thread",
              created_at=now, heartbeat_at=now, progress={})
    db.session.add(job)
    try:
        db.session.commit()
    except IntegrityError as error:  # the unique lock key: another job is active
        db.session.rollback()
        raise JobBusy(lock_key) from error
    return job


def _release_stale(lock_key: str, now: datetime) -> None:
    """Take the lock key from a job whose run went silent, marking it interrupted."""
    result = db.session.execute(
        update(_JOB).where(_JOB.c.lock_key == lock_key, _JOB.c.heartbeat_at < now - stale_after())
        .values(lock_key=None, state=JobState.INTERRUPTED, runner=None))
    if rows_changed(result):
        logger.warning("Job holding %s went silent; marked interrupted", lock_key)
    db.session.commit()


def claim(job_id: int) -> str | None:
    """Make this run the owner of a queued job; return the run's id, or None if another run has it."""
    runner = secrets.token_hex(16)
    now = utcnow()
    result = db.session.execute(
        update(_JOB).where(_JOB.c.id == job_id, _JOB.c.state == JobState.QUEUED)
        .values(state=JobState.RUNNING, runner=runner, started_at=now, heartbeat_at=now, runs=_JOB.c.runs + 1))
    db.session.commit()
    return runner if rows_changed(result) == 1 else None


def beat(connection: Connection, job_id: int, runner: str) -> bool:
    """Record a sign of life; False if the run no longer owns the job."""
    result = connection.execute(update(_JOB).where(_JOB.c.id == job_id, _JOB.c.runner == runner,
                                                   _JOB.c.state == JobState.RUNNING).values(heartbeat_at=utcnow()))
    return rows_changed(result) == 1


def save_progress(job_id: int, runner: str, progress: dict) -> None:
    """Write the progress in the caller's transaction (with the work it describes).

    :raise LostJob: if the run no longer owns the job; the caller must roll back.
    """
    result = db.session.execute(update(_JOB).where(_JOB.c.id == job_id, _JOB.c.runner == runner)
                                .values(progress=progress, heartbeat_at=utcnow()))
    if rows_changed(result) != 1:
        raise LostJob(job_id)


def end(job_id: int, runner: str, state: JobState, result: dict | None = None, error: str | None = None) -> bool:
    """Mark the job done or failed, release its lock key and commit; False if the run no longer owns it."""
    now = utcnow()
    done = db.session.execute(
        update(_JOB).where(_JOB.c.id == job_id, _JOB.c.runner == runner)
        .values(state=state, result=result, error=error, lock_key=None, finished_at=now, heartbeat_at=now))
    db.session.commit()
    return rows_changed(done) == 1


def resume(job_id: int) -> bool:
    """Queue a job that failed or was interrupted (its run went silent) again; False if it is alive, done or
    already resumed."""
    now = utcnow()
    result = db.session.execute(
        update(_JOB).where(_JOB.c.id == job_id, or_(
            _JOB.c.state.in_((JobState.INTERRUPTED, JobState.FAILED)),
            _JOB.c.state.in_(ACTIVE_STATES) & (_JOB.c.heartbeat_at < now - stale_after())))
        .values(state=JobState.QUEUED, runner=None, heartbeat_at=now,
                queue="rq" if current_app.config.get("REDIS_URL") else "thread"))
    db.session.commit()
    return rows_changed(result) == 1


def active_job(lock_key: str) -> Job | None:
    """The live job holding ``lock_key``, if any."""
    job = db.session.scalar(select(Job).where(Job.lock_key == lock_key))
    if job is None or job.interrupted(utcnow(), stale_after()):
        return None
    return job


def get_job(job_id: int, kind: str | None = None) -> Job | None:
    """The job with this id (of this kind)."""
    job = db.session.get(Job, job_id)
    return job if job is not None and (kind is None or job.kind == kind) else None


def prune(older_than: timedelta) -> int:
    """Delete finished jobs (and the problems they listed) that ended before ``older_than`` ago; commit."""
    cutoff = utcnow() - older_than
    ids = list(db.session.scalars(select(Job.id).where(Job.state.in_((JobState.DONE, JobState.FAILED)),
                                                       Job.finished_at < cutoff)))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        db.session.execute(delete(JobProblem).where(JobProblem.job_id.in_(chunk)))
        db.session.execute(delete(Job).where(Job.id.in_(chunk)))
        db.session.commit()
    return len(ids)
