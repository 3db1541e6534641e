"""Sending in the background: RQ workers when REDIS_URL is set, otherwise a thread in this process."""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app, has_app_context

from ..extensions import db
from ..surveys.models import Survey

logger = logging.getLogger(__name__)

QUEUE = "surveys"
_running: dict[int, threading.Thread] = {}
_lock = threading.Lock()


def run_job(kind: str, survey_id: int, options: dict) -> dict:
    """Send due invitations (``send``) or reminders (``remind``) for one survey; return the counts."""
    if has_app_context():
        return _run(kind, survey_id, options)
    from .. import create_app

    with create_app().app_context():
        return _run(kind, survey_id, options)


def _run(kind: str, survey_id: int, options: dict) -> dict:
    from .sending import send_due, send_reminders

    survey = db.session.get(Survey, survey_id)
    if kind == "remind":
        report = send_reminders(survey, options["after_days"], options["max_reminders"])
    else:
        report = send_due(survey)
    db.session.remove()
    logger.info("%s job for survey %s: %s sent, %s failed, %s bounced", kind, survey_id, report.sent, report.failed,
                report.bounced)
    return {"sent": report.sent, "failed": report.failed, "bounced": report.bounced}


def start(kind: str, survey: Survey, options: dict | None = None) -> bool:
    """Start sending for ``survey`` in the background; False if a job for it is already running here."""
    options = options or {}
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        Queue(QUEUE, connection=Redis.from_url(redis_url)).enqueue(run_job, kind, survey.id, options,
                                                                    job_timeout=6 * 3600)
        return True
    app: Flask = current_app._get_current_object()
    with _lock:
        running = _running.get(survey.id)
        if running is not None and running.is_alive():
            return False

        def work() -> None:
            with app.app_context():
                try:
                    _run(kind, survey.id, options)
                except Exception:  # a background thread has nobody else to tell
                    logger.exception("Sending for survey %s failed", survey.id)

        thread = threading.Thread(target=work, name=f"send-{survey.id}", daemon=True)
        _running[survey.id] = thread
        thread.start()
    return True


def is_running(survey: Survey) -> bool:
    """Tell whether this process is sending for ``survey`` right now (RQ jobs show in the counts)."""
    thread = _running.get(survey.id)
    return thread is not None and thread.is_alive()
