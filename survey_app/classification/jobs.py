"""Sorting answers in the background: free-text answers are stored *pending*, and a sorting job classifies them
in batches within seconds — on an RQ worker when ``REDIS_URL`` is set (web processes then never load the
model), otherwise in a thread of the app process.

One sorting job runs at a time (a lock key). Whoever stores a pending answer asks for one unless one is queued
or running; a run that ends looks once more and starts the next run if answers came in meanwhile, so nothing
waits for the periodic safety net, which catches what a crash left behind.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from ..jobs.models import Job
from ..jobs.runner import JobRun, execute, handler, launch
from ..jobs.schedule import periodic
from ..jobs.services import JobBusy, active_job, submit
from .services import pending_answers, sort_pending

logger = logging.getLogger(__name__)

#: Job kind and lock key of the sorting job.
SORT = "classify_pending"
SORT_LOCK = "classify-pending"


def request_sorting() -> bool:
    """Have the pending answers sorted soon: start a sorting job unless one is queued or running (it will take
    them); True if one was started. Committed answers only: call it after the answers' transaction."""
    if active_job(SORT_LOCK) is not None:
        return False
    try:
        job = submit(SORT, {}, lock_key=SORT_LOCK)
    except JobBusy:  # another process started one at the same moment
        return False
    launch(job)
    return True


def after_storing() -> None:
    """Called once new pending answers are committed: sort them now (unless ``SORT_AFTER_STORING`` is off, when
    the periodic task or ``flask classify pending`` does)."""
    if not current_app.config["SORT_AFTER_STORING"]:
        return
    try:
        request_sorting()
    except Exception:  # the answers are stored; the periodic task starts the sorting once it can
        logger.warning("Sorting could not be started; the periodic task will start it", exc_info=True)


def _again_if_pending() -> None:
    """After a sorting run: answers stored while it was ending would wait for the next period; start again."""
    if pending_answers():
        request_sorting()


@handler(SORT, then=_again_if_pending)
def run_sort(_job: Job, run: JobRun) -> dict:
    """Classify every pending answer, a batch per transaction with the job's progress."""
    return sort_pending(checkpoint=run.checkpoint)


@handler("sort_leftovers")
def run_sort_leftovers(_job: Job, _run: JobRun) -> dict:
    """The safety net: if answers wait and no sorting job is alive (one died, sorting after storing is off, or the
    queue was down when they were stored), sort them here, in the process that runs the periodic task (``flask
    jobs run-due`` from cron has no thread that outlives it)."""
    waiting = pending_answers()
    if not waiting or active_job(SORT_LOCK) is not None:
        return {"pending": waiting, "sorted": 0}
    try:
        job = submit(SORT, {}, lock_key=SORT_LOCK)
    except JobBusy:
        return {"pending": waiting, "sorted": 0}
    logger.info("%d answers were waiting to be sorted; sorting them", waiting)
    result = execute(job.id) or {}
    return {"pending": waiting, "sorted": result.get("classified", 0) + result.get("unclassified", 0)}


periodic("sort-leftovers", timedelta(minutes=1), "sort_leftovers")
