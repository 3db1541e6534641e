"""Background jobs and the problems they found, kept in the database so every app process sees them."""
from __future__ import annotations

import enum
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import str_enum, utcnow
from ..extensions import db


class JobState(enum.StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    #: Stopped without finishing (its process died); some kinds can be resumed.
    INTERRUPTED = "interrupted"


#: States in which a job still holds its lock key.
ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


class Job(db.Model):
    """One piece of background work: an import, a sending run…"""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What to run: ``send``, ``remind``, ``import_customers``, ``import_responses``.
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: While queued or running, a key no other active job may hold (e.g. ``send:survey:3``); None afterwards.
    lock_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    #: queued, running, done, failed or interrupted.
    state: Mapped[JobState] = mapped_column(str_enum(JobState), default=JobState.QUEUED, index=True)
    #: The job's arguments (JSON).
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: What it has done so far (JSON), written as it goes.
    progress: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: What it did (JSON), once finished.
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    #: Why it failed, for the operator's log.
    error: Mapped[str | None] = mapped_column(sa.Text)
    #: Random id of the run that owns the job now; a run that lost it may write nothing more.
    runner: Mapped[str | None] = mapped_column(sa.String(32))
    #: How many times a run has started (more than one after a resume).
    runs: Mapped[int] = mapped_column(default=0)
    #: ``thread`` (this app's processes) or ``rq`` (workers on Redis).
    queue: Mapped[str] = mapped_column(sa.String(10), default="thread")
    #: Staff member who started it, if any.
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    #: Language its messages and reports are written in.
    locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    #: Last sign of life of the run that owns it; a job silent for long has been interrupted.
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.state}>"

    @property
    def finished(self) -> bool:
        """Done or failed: nothing more will happen to it."""
        return self.state in (JobState.DONE, JobState.FAILED)

    def interrupted(self, now: datetime, stale_after: timedelta) -> bool:
        """Tell whether the job stopped without finishing: marked so, or active but silent for ``stale_after``."""
        if self.state == JobState.INTERRUPTED:
            return True
        return self.state in ACTIVE_STATES and self.heartbeat_at < now - stale_after


class JobProblem(db.Model):
    """A row a job could not use (an import's refused line), kept for its report."""

    __tablename__ = "job_problem"
    __table_args__ = (sa.Index("ix_job_problem_job_line", "job_id", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The job that found it.
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("job.id", ondelete="CASCADE"))
    #: Line of the file.
    line: Mapped[int]
    #: Reason code, translated where shown.
    reason: Mapped[str] = mapped_column(sa.String(40))
    #: Column at fault, if one.
    column: Mapped[str] = mapped_column(sa.String(64), default="")
    #: The value at fault (shortened).
    value: Mapped[str] = mapped_column(sa.String(200), default="")

    def __repr__(self) -> str:
        return f"<JobProblem job={self.job_id} line={self.line} {self.reason}>"


class PeriodicRun(db.Model):
    """When a periodic task last started: claimed by one conditional UPDATE, so it runs once per period
    however many schedulers (cron on several machines, app processes) ask."""

    __tablename__ = "periodic_run"

    #: The task's name, e.g. ``retry-sending``.
    name: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    #: When a scheduler last started it.
    last_run_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<PeriodicRun {self.name} {self.last_run_at}>"
