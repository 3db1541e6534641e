"""Periodic jobs: each runs at most once per period, whoever asks — ``flask jobs run-due`` from cron on any
number of machines, or the ticker thread every app process runs when ``SCHEDULER_IN_PROCESS`` is on.

A task that is due is claimed with one conditional UPDATE on ``periodic_run``; the claimer submits the
task's job, which then runs on RQ (``REDIS_URL``) or in a thread, like any other job.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..dbtypes import utcnow
from ..extensions import db
from .models import Job, PeriodicRun
from .runner import execute, launch
from .services import JobBusy, submit

logger = logging.getLogger(__name__)
_RUN = PeriodicRun.__table__


@dataclass(frozen=True)
class Periodic:
    """A job to run every ``every``: its kind and its payload."""

    name: str
    every: timedelta
    kind: str
    payload: Callable[[], dict] = dict


#: The periodic tasks, by name (features add theirs with :func:`periodic`).
PERIODIC: dict[str, Periodic] = {}


def periodic(name: str, every: timedelta, kind: str, payload: Callable[[], dict] = dict) -> None:
    """Run jobs of ``kind`` every ``every``."""
    PERIODIC[name] = Periodic(name, every, kind, payload)


def claim_due(task: Periodic, now: datetime) -> bool:
    """Take this period's run of ``task`` if no scheduler has; commit."""
    if db.session.scalar(select(PeriodicRun.name).where(PeriodicRun.name == task.name)) is None:
        try:
            db.session.execute(insert(_RUN).values(name=task.name, last_run_at=None))
            db.session.commit()
        except IntegrityError:  # another scheduler made the row at the same moment
            db.session.rollback()
    claimed = db.session.execute(
        update(_RUN).where(_RUN.c.name == task.name,
                           or_(_RUN.c.last_run_at.is_(None), _RUN.c.last_run_at <= now - task.every))
        .values(last_run_at=now))
    db.session.commit()
    return claimed.rowcount == 1


def run_due(now: datetime | None = None, *, wait: bool = False) -> list[Job]:
    """Submit the job of every periodic task that is due; run them here and now when ``wait`` (the CLI).

    :return: the jobs submitted.
    """
    now = now or utcnow()
    started = []
    for task in PERIODIC.values():
        if not claim_due(task, now):
            continue
        try:
            job = submit(task.kind, task.payload(), lock_key=f"periodic:{task.name}")
        except JobBusy:
            logger.info("Periodic task %s is still running from its last period", task.name)
            continue
        if wait:
            execute(job.id)
        else:
            launch(job)
        started.append(job)
    return started


class Ticker(threading.Thread):
    """Asks for due periodic jobs once a minute, in an app process (when there is no cron)."""

    def __init__(self, app: Flask, every: float) -> None:
        super().__init__(name="scheduler", daemon=True)
        self.app, self.every = app, every
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            with self.app.app_context():
                try:
                    run_due()
                except Exception:  # the next tick tries again
                    logger.exception("Scheduled jobs could not be started")
                finally:
                    db.session.remove()


_ticker: list[Ticker] = []
_ticker_lock = threading.Lock()


def stop_ticker() -> None:
    """Stop this process's ticker (tests, or an app shutting down)."""
    with _ticker_lock:
        while _ticker:
            ticker = _ticker.pop()
            ticker.stopped.set()
            ticker.join(30)


def start_ticker() -> None:
    """Start this process's ticker once, if ``SCHEDULER_IN_PROCESS`` is on (called on the first request)."""
    if not current_app.config.get("SCHEDULER_IN_PROCESS") or _ticker:
        return
    with _ticker_lock:
        if not _ticker:
            _ticker.append(Ticker(current_app._get_current_object(), current_app.config["SCHEDULER_TICK_SECONDS"]))
            _ticker[0].start()
