"""The audit log's own retention, as a daily job on the task backend."""
from __future__ import annotations

from datetime import datetime, timedelta

from ..jobs.models import Job
from ..jobs.runner import JobRun, handler
from ..jobs.schedule import periodic
from .services import prune


@handler("prune_audit")
def run_prune(job: Job, _run: JobRun) -> dict:
    """Delete the audit events older than ``AUDIT_RETENTION_DAYS`` (before the payload's ``now``, if given)."""
    now = job.payload.get("now")
    return {"pruned": prune(datetime.fromisoformat(now) if now else None)}


periodic("prune-audit", timedelta(days=1), "prune_audit")
