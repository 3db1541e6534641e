"""Periodic jobs run once per period however many schedulers ask: cron on several machines, or the ticker of
every app process; what they do (sending retries, clean-ups) is seen in the database."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from survey_app.dbtypes import utcnow
from survey_app.invitations.models import Invitation, InvitationState
from survey_app.jobs.models import Job, JobState, PeriodicRun
from survey_app.jobs.schedule import PERIODIC, stop_ticker
from survey_app.storage.models import StoredBlob
from tests.invitations.test_sending import smtp_server  # noqa: F401  (fixture)

FLASK = [sys.executable, "-m", "flask", "--app", "survey_app"]


@pytest.fixture
def due_work(app, db, runner, make_survey, make_customer):
    """A failed invitation whose back-off has passed, a week-old upload, a finished job of last year."""
    survey = make_survey("exit")
    make_customer(ref="RETRY", locale="pl")
    runner.invoke(args=["invitations", "create", "--survey", survey.slug])
    with app.app_context():
        from survey_app.extensions import db as _db
        from survey_app.storage.services import put_bytes

        _db.session.execute(update(Invitation).values(state=InvitationState.FAILED, attempts=1,
                                                      next_attempt_at=utcnow() - timedelta(minutes=1)))
        old_upload = put_bytes("upload", b"external_ref\nX\n")
        _db.session.execute(update(StoredBlob).where(StoredBlob.id == old_upload)
                            .values(created_at=utcnow() - timedelta(days=8)))
        _db.session.add(Job(kind="send", state=JobState.DONE, payload={}, progress={},
                            finished_at=utcnow() - timedelta(days=400)))
        _db.session.commit()


def kinds(db) -> Counter:
    """How many jobs of each periodic task's kind exist (jobs of other kinds are no concern of these tests)."""
    periodic_kinds = {task.kind for task in PERIODIC.values()}
    with db() as session:
        return Counter(job.kind for job in session.scalars(select(Job)) if job.kind in periodic_kinds)


def test_run_due_runs_each_periodic_task_once_per_period(app, db, runner, smtp_server, due_work):  # noqa: F811
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    assert "retry_sending\tdone\t{\"sent\": 1" in result.output
    assert "sweep_uploads\tdone\t{\"removed\": 1}" in result.output
    assert "prune_jobs\tdone\t{\"pruned\": 1}" in result.output
    assert len(smtp_server.messages) == 1
    with db() as session:
        assert session.scalar(select(Invitation.state)) == InvitationState.SENT
        assert session.scalar(select(func.count()).select_from(StoredBlob)) == 0
    again = runner.invoke(args=["jobs", "run-due"])
    assert "nothing due" in again.output and len(smtp_server.messages) == 1
    with db() as session:  # a period later, each is due again
        session.execute(update(PeriodicRun).values(last_run_at=utcnow() - timedelta(days=2)))
    assert runner.invoke(args=["jobs", "run-due"]).output.count("\tdone\t") == len(PERIODIC)


@pytest.mark.slow
def test_schedulers_on_several_machines_at_once_run_each_task_once(app, db, due_work, smtp_server):  # noqa: F811
    env = {**os.environ, "SURVEY_APP_ENV": "testing", "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "INSTANCE_PATH": app.instance_path, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(app.config["MAIL_PORT"])}
    runs = [subprocess.Popen([*FLASK, "jobs", "run-due"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(4)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert kinds(db) == {"retry_sending": 1, "sweep_uploads": 1, "prune_jobs": 1, "detect_lost": 1,
                         "sort_leftovers": 1, "followups_sweep": 1, "winback_sweep": 1, "prune_audit": 1,
                         "apply_retention": 1, "webhooks_retry": 1}
    assert len(smtp_server.messages) == 1


def test_app_processes_run_the_periodic_tasks_themselves_without_cron(app, client, db, due_work,
                                                                        smtp_server):  # noqa: F811
    app.config.update(SCHEDULER_IN_PROCESS=True, SCHEDULER_TICK_SECONDS=0.05)
    try:
        assert client.get("/healthz").status_code == 200  # the first request starts the ticker
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(smtp_server.messages) < 1:
            time.sleep(0.05)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with db() as session:
                done = session.scalar(select(func.count()).select_from(Job).where(
                    Job.state == JobState.DONE, Job.kind.in_([task.kind for task in PERIODIC.values()])))
            if done >= len(PERIODIC):
                break
            time.sleep(0.05)
    finally:
        stop_ticker()
    assert len(smtp_server.messages) == 1
    assert kinds(db) == {"retry_sending": 1, "sweep_uploads": 1, "prune_jobs": 1, "detect_lost": 1,
                         "sort_leftovers": 1, "followups_sweep": 1, "winback_sweep": 1, "prune_audit": 1,
                         "apply_retention": 1, "webhooks_retry": 1}
