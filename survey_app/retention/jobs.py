"""Retention in the background: once a day, the periodic task anonymises the responses whose period is over."""
from __future__ import annotations

from datetime import date, timedelta

from ..jobs.models import Job
from ..jobs.runner import JobRun, handler
from ..jobs.schedule import periodic
from .services import run_retention

RETENTION = "apply_retention"


@handler(RETENTION)
def run_retention_job(job: Job, _run: JobRun) -> dict:
    """Retention as of today (or the job's ``as_of``): per survey, responses anonymised and texts removed."""
    as_of = date.fromisoformat(job.payload["as_of"]) if job.payload.get("as_of") else None
    lines = run_retention(as_of)
    return {"surveys": {line.survey: {"responses": line.responses, "texts": line.texts} for line in lines}}


periodic("retention", timedelta(days=1), RETENTION)
