"""Running jobs: on RQ workers when REDIS_URL is set, otherwise in a thread of the app process.

Whoever runs a job first claims it with one conditional UPDATE, so a job enqueued twice, or
picked up by two instances, runs once. While it runs, a heartbeat thread records a sign of life;
a job whose heartbeat stops (its process died) is shown as interrupted and can be resumed.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale

from ..domain import Unavailable
from ..extensions import db
from .models import Job, JobState
from .services import beat, claim, end, save_progress

logger = logging.getLogger(__name__)

#: The RQ queue every job goes to (start workers with ``rq worker --url $REDIS_URL surveys``).
QUEUE = "surveys"


@dataclass(frozen=True)
class JobRun:
    """The run that owns a job: what a handler uses to report progress."""

    job_id: int
    runner: str

    def checkpoint(self, progress: dict) -> None:
        """Save progress in the current transaction, with the work it describes (the caller commits).

        :raise LostJob: if this run no longer owns the job.
        """
        save_progress(self.job_id, self.runner, progress)


class JobFailed(Exception):
    """A handler's way to end its job as failed while keeping a result (what it did before it stopped)."""

    def __init__(self, result: dict, reason: str) -> None:
        super().__init__(reason)
        self.result = result


#: A job's work: given the job and its run, return the result to keep.
Handler = Callable[[Job, JobRun], dict]
HANDLERS: dict[str, Handler] = {}
#: What to do once a job of a kind has ended and released its lock key (e.g. start it again if work came meanwhile).
AFTERWARDS: dict[str, list[Callable[[], None]]] = {}


def handler(kind: str, then: Callable[[], None] | None = None) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind`` (and ``then``, called after each run has ended)."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        if then is not None:
            _then(kind, then)
        return function

    return register


class QueueUnavailable(Unavailable):
    """The job queue (Redis) cannot be reached."""

    code = "queue_unavailable"


def launch(job: Job) -> None:
    """Hand a committed job to RQ, or to a thread of this process.

    :raise QueueUnavailable: if Redis cannot be reached (the job is marked failed).
    """
    if job.queue == "rq":
        from redis import Redis
        from redis.exceptions import RedisError
        from rq import Queue

        try:
            Queue(QUEUE, connection=Redis.from_url(current_app.config["REDIS_URL"])).enqueue(
                execute_job, job.id, job_timeout=6 * 3600)
        except RedisError as error:
            runner = claim(job.id)
            if runner:
                end(job.id, runner, JobState.FAILED, error=f"queue unreachable: {error}")
            raise QueueUnavailable() from error
        return
    app: Flask = current_app._get_current_object()
    threading.Thread(target=_in_thread, args=(app, job.id), name=f"job-{job.id}", daemon=True).start()


def _in_thread(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            execute(job_id)
        finally:
            db.session.remove()


def execute_job(job_id: int) -> dict | None:
    """RQ's entry point: run a job inside an application context."""
    if has_app_context():
        return execute(job_id)
    from .. import create_app

    with create_app().app_context():
        return execute(job_id)


class _Heartbeat(threading.Thread):
    """Records a sign of life for a running job at a steady pace, on a connection of its own."""

    def __init__(self, job_id: int, runner: str, every: float) -> None:
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.engine = db.engine
        self.job_id, self.runner, self.every = job_id, runner, every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                with self.engine.begin() as connection:
                    if not beat(connection, self.job_id, self.runner):
                        return
            except Exception:  # a busy database now and then: the next beat will do
                logger.warning("Heartbeat of job %s failed", self.job_id, exc_info=True)


def execute(job_id: int) -> dict | None:
    """Claim and run a queued job; return its result, or None if another run had it or it failed."""
    runner = claim(job_id)
    if runner is None:
        logger.info("Job %s was already taken", job_id)
        return None
    job = db.session.get(Job, job_id)
    kind = job.kind  # read now: the row may be gone (pruned, a test's clean-up) by the time the run ends
    heartbeat = _Heartbeat(job_id, runner, current_app.config["JOB_HEARTBEAT_SECONDS"])
    heartbeat.start()
    try:
        with force_locale(job.locale):
            result = HANDLERS[kind](job, JobRun(job_id, runner))
    except JobFailed as failure:
        logger.warning("Job %s (%s) stopped: %s", job_id, kind, failure)
        db.session.rollback()
        end(job_id, runner, JobState.FAILED, result=failure.result, error=str(failure))
        return None
    except Exception as error:  # a background job has nobody else to tell
        logger.exception("Job %s (%s) failed", job_id, kind)
        db.session.rollback()
        end(job_id, runner, JobState.FAILED, error=f"{type(error).__name__}: {error}"[:2000])
        return None
    finally:
        heartbeat.stopped.set()
    end(job_id, runner, JobState.DONE, result=result)
    _afterwards(kind)
    return result


def _then(kind: str, function: Callable[[], None]) -> None:
    if function not in AFTERWARDS.setdefault(kind, []):
        AFTERWARDS[kind].append(function)


def then(kind: str, function: Callable[[], None]) -> None:
    """Call ``function`` after each run of a job of ``kind`` has ended (another feature's follow-up work)."""
    _then(kind, function)


def _afterwards(kind: str) -> None:
    for function in AFTERWARDS.get(kind, ()):
        try:
            function()
        except Exception:  # the work it would start is found again by a periodic task
            logger.exception("What follows a %s job could not be started", kind)


#: Finished jobs are kept this long, then pruned.
JOBS_KEPT = timedelta(days=90)


@handler("prune_jobs")
def run_prune(_job: Job, _run: JobRun) -> dict:
    """Forget finished jobs older than :data:`JOBS_KEPT`."""
    from .services import prune

    return {"pruned": prune(JOBS_KEPT)}
