"""Webhooks in the background: what features announce becomes deliveries (rows and a job, in the announcer's
transaction), the job posts them once that commits, and a periodic sweep makes the retries that fall due.

Receivers never make HTTP requests themselves: a request or job that announces something never waits on an
endpoint.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..jobs.models import Job
from ..jobs.runner import JobRun, execute, handler, launch, then
from ..jobs.schedule import periodic
from ..signals import customer_lost, customer_returned, followup_created, response_stored, responses_classified
from . import events
from .services import DELIVER, JOBS_TO_LAUNCH, announce, deliver_all, prune_deliveries, retry_due, subscribers

logger = logging.getLogger(__name__)


@handler(DELIVER)
def run_deliver(job: Job, _run: JobRun) -> dict:
    """Post the job's deliveries (each claimed first; a failed one is left for the retry sweep)."""
    return deliver_all(job.payload.get("ids", []))


@handler("webhooks_retry")
def run_retry(_job: Job, _run: JobRun) -> dict:
    """Make every delivery attempt that is due."""
    return retry_due()


periodic("webhooks-retry", timedelta(minutes=1), "webhooks_retry")


def _prune() -> None:
    """After the daily clean-up of jobs, forget old finished deliveries too."""
    logger.info("Forgot %d old webhook deliveries", prune_deliveries())


def _start(app: Flask, job_ids: list[int]) -> None:
    with app.app_context():
        try:
            for job_id in job_ids:
                job = db.session.get(Job, job_id)
                if job is None:
                    continue
                if job.queue == "thread":
                    execute(job_id)
                else:
                    launch(job)
        except Exception:  # the deliveries are recorded: the retry sweep makes them
            logger.exception("Webhook delivery jobs %s could not be started; the retry sweep will deliver", job_ids)
        finally:
            db.session.remove()


def _launch_committed(session: Session) -> None:
    """Once a transaction that recorded deliveries commits, start their jobs (from another thread: the
    committed session may not be used here)."""
    if session.in_nested_transaction():  # a savepoint was released: the transaction goes on
        return
    job_ids = session.info.pop(JOBS_TO_LAUNCH, None)
    if not job_ids or not has_app_context():
        return
    app = current_app._get_current_object()
    threading.Thread(target=_start, args=(app, job_ids), name=f"job-{job_ids[0]}-webhooks", daemon=True).start()


def _forget_rolled_back(session: Session, *_args) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(JOBS_TO_LAUNCH, None)


def _in_transaction(event_type: str, build: Callable[[Sequence[int]], list[dict]], ids: Sequence[int]) -> None:
    """Record the deliveries in the announcer's transaction, in a savepoint: a failure here loses the events, never
    the announcer's work."""
    if not ids:
        return
    try:
        if not subscribers(event_type):  # no savepoint, no payload when nobody listens
            return
        with db.session.begin_nested():
            announce(event_type, build, ids)
    except Exception:
        logger.exception("Webhook event %s for %s not recorded", event_type, list(ids)[:20])


def _after_stored(_sender, response_id: int, **_details) -> None:
    """A response was stored and committed: announce it in a transaction of its own."""
    try:
        if announce("response.created", events.responses, [response_id]):
            db.session.commit()
    except Exception:
        db.session.rollback()
        logger.exception("Webhook event response.created for response %s not recorded", response_id)


def _after_classified(_sender, response_ids: Sequence[int] = (), **_details) -> None:
    _in_transaction("response.classified", events.responses, response_ids)


def _after_lost(_sender, customer_ids: Sequence[int] = (), **_details) -> None:
    _in_transaction("customer.lost", events.customers, customer_ids)


def _after_returned(_sender, customer_ids: Sequence[int] = (), **_details) -> None:
    _in_transaction("customer.returned", events.customers, customer_ids)


def _after_followups(_sender, followup_ids: Sequence[int] = (), **_details) -> None:
    _in_transaction("followup.created", events.followups, followup_ids)


def connect() -> None:
    """Turn what features announce into deliveries, and start their jobs when the announcing transaction
    commits."""
    response_stored.connect(_after_stored)
    responses_classified.connect(_after_classified)
    customer_lost.connect(_after_lost)
    customer_returned.connect(_after_returned)
    followup_created.connect(_after_followups)
    then("prune_jobs", _prune)
    if not event.contains(Session, "after_commit", _launch_committed):
        event.listen(Session, "after_commit", _launch_committed)
        event.listen(Session, "after_rollback", _forget_rolled_back)
