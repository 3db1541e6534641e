"""Imports started from the staff area: background jobs (see :mod:`survey_app.jobs`) followed from a page.

The uploaded file is stored in the database while it is imported (:mod:`survey_app.storage`), so the
import can run on any app process or worker and be followed from any of them. Progress, counts and
refused rows are written in the transaction of each batch, and an import whose process died is shown
as interrupted and resumes from its last committed batch. The upload is removed once the import has
run to its end; one that never finishes is removed after a week.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from flask import stream_with_context
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import delete, distinct, func, insert, select, tuple_
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from ..audit.services import record_now
from ..dbtypes import utcnow
from ..domain import NotFound
from ..extensions import db
from ..jobs.models import Job, JobProblem, JobState
from ..jobs.runner import JobFailed, JobRun, handler, launch
from ..jobs.schedule import periodic
from ..jobs.services import get_job, resume, stale_after, submit
from ..storage.services import BlobMissing, get_blob, open_blob, put, remove, sweep
from .rows import BATCH_FAILED, CountingReader, ImportFileError, ImportReport, RowError, report_lines

logger = logging.getLogger(__name__)

#: Imports a stream, called as ``run(stream, report=report)``.
ImportRun = Callable[..., ImportReport]
#: Kind of stored file an upload is.
UPLOAD = "upload"
#: Rows listed on the result page; the rest are in the downloadable report.
SHOWN_ERRORS = 200
#: Uploads of imports that never finished are removed after this long.
UPLOAD_LIFETIME = timedelta(days=7)




@handler("sweep_uploads")
def run_sweep(_job: Job, _run: JobRun) -> dict:
    """Remove uploads of imports that never finished, once they are a week old."""
    return {"removed": sweep(UPLOAD, UPLOAD_LIFETIME)}


periodic("sweep-uploads", timedelta(days=1), "sweep_uploads")


@dataclass(frozen=True)
class ImportJobs:
    """The background imports of one kind: their job kind, upload folder, and how a job imports its file."""

    #: Job kind, e.g. ``import_customers``.
    kind: str
    #: Given the job, the function that imports a stream.
    importer: Callable[[Job], ImportRun]

    def register(self) -> ImportJobs:
        """Make this kind of job runnable by any process; return self."""
        handler(self.kind)(self._run)
        return self

    def keep_upload(self, upload: FileStorage, check: Callable[[BinaryIO], object]) -> int:
        """Store an uploaded file once ``check`` has read its header (and made sure it is UTF-8); return its id.

        :raise ImportFileError: if the file cannot be imported at all (it is not stored).
        """
        check(upload.stream)  # the header and encoding are checked now, the rows in the background
        upload.stream.seek(0)
        return put(UPLOAD, upload.stream, upload.filename or "")

    def start(self, upload: int, payload: dict | None = None) -> int:
        """Import the stored file ``upload`` in the background; return the job's id."""
        job = submit(self.kind, {"upload": upload, "size": get_blob(upload).size, **(payload or {})},
                     user_id=current_user.id if current_user.is_authenticated else None, locale=str(get_locale()))
        record_now("import.start", target_type="job", target_id=job.id, detail={"kind": self.kind, **(payload or {})})
        launch(job)
        return job.id

    def resume(self, job_id: int) -> bool:
        """Continue an interrupted or stopped import from its last committed batch; False if it cannot be."""
        if not resume(job_id):
            return False
        launch(get_job(job_id))
        return True

    def job(self, job_id: int, **payload) -> Job:
        """The import with this id (whose payload holds ``payload``).

        :raise NotFound: if there is no such import.
        """
        job = get_job(job_id, self.kind)
        if job is None or any(job.payload.get(k) != v for k, v in payload.items()):
            raise NotFound()
        return job

    def _run(self, job: Job, run: JobRun) -> dict:
        """The job's work: import the upload from where an earlier run stopped, checkpointing every batch."""
        upload = job.payload["upload"]
        try:
            reader = open_blob(upload)
        except BlobMissing:
            raise JobFailed({**job.progress, "upload_missing": True}, "the uploaded file is gone") from None
        done_before = job.progress or {}
        report = ImportReport(created=done_before.get("created", 0), updated=done_before.get("updated", 0),
                              skipped=done_before.get("skipped", 0), resume_after=done_before.get("line", 0),
                              memo=done_before.get("memo", {}))
        if job.runs > 1:  # what the stopped run reported after its last batch is found again
            db.session.execute(delete(JobProblem).where(
                JobProblem.job_id == job.id, (JobProblem.line > report.resume_after)
                | (JobProblem.reason == BATCH_FAILED)))
            db.session.commit()
        total = job.payload["size"]
        with reader:
            stream = CountingReader(reader)
            saver = _Checkpoint(run, report, stream, total)
            report.checkpoint = saver
            try:
                self.importer(job)(stream, report=report)
            except ImportFileError as error:
                remove(upload)
                return {"file_error": [error.reason, error.detail]}
            stopped = report.stopped_at_line
            saver.save(saver.line, final=not stopped)  # the problems found after the last batch
            db.session.commit()
        if stopped:  # the upload is kept, so the import can be resumed once the database takes the batch
            raise JobFailed(saver.progress(saver.line), f"stopped at line {stopped}")
        remove(upload)
        return {**saver.progress(saver.line), "done": saver.total}

    def page(self, job: Job, describe: Callable[[RowError], str],
             describe_file_error: Callable[[ImportFileError], str]) -> dict:
        """What the page following an import shows: progress, counts, problems described, and what to do next."""
        now = utcnow()
        progress = job.result if job.result is not None else job.progress
        problems = db.session.scalars(select(JobProblem).where(JobProblem.job_id == job.id)
                                      .order_by(JobProblem.line, JobProblem.id).limit(SHOWN_ERRORS + 1)).all()
        rejected = db.session.scalar(select(func.count(distinct(JobProblem.line)))
                                     .where(JobProblem.job_id == job.id, JobProblem.reason != BATCH_FAILED)) or 0
        count = db.session.scalar(select(func.count()).where(JobProblem.job_id == job.id)) or 0
        interrupted = job.interrupted(now, stale_after())
        status = {
            "finished": job.finished or interrupted, "interrupted": interrupted,
            "failed": job.state == JobState.FAILED and not progress.get("stopped_at_line") and not interrupted,
            "resumable": (interrupted or job.state == JobState.FAILED) and not progress.get("upload_missing"),
            "upload_missing": progress.get("upload_missing", False),
            "done": progress.get("done", 0), "total": job.payload.get("size", 0), "line": progress.get("line", 0),
            "created": progress.get("created", 0), "updated": progress.get("updated", 0),
            "skipped": progress.get("skipped", 0), "rejected": rejected, "memo": progress.get("memo") or {},
            "stopped_at_line": progress.get("stopped_at_line"),
            "errors": [(p.line, p.column, p.value, p.reason) for p in problems[:SHOWN_ERRORS]],
            "more_errors": max(0, count - SHOWN_ERRORS),
        }
        file_error = progress.get("file_error")
        return {"status": status, "job_id": job.id, "report_id": job.id if count else None,
                "describe": lambda reason: describe(RowError(0, reason)),
                "file_error": describe_file_error(ImportFileError(*file_error)) if file_error else None}

    def send_report(self, job: Job, describe: Callable[[RowError], str]) -> Response:
        """The refused rows of an import as a CSV download (line, column, value, reason), in the viewer's language."""
        record_now("import.export_report", target_type="job", target_id=job.id, detail={"kind": job.kind})
        return Response(stream_with_context(report_lines(_problems(job.id), describe)), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=import-report.csv"})


def _problems(job_id: int, page: int = 1000) -> Iterator[RowError]:
    """A job's problems in line order, read a page at a time (a file may have a million bad rows)."""
    after = (0, 0)
    while True:
        rows = db.session.execute(
            select(JobProblem.line, JobProblem.id, JobProblem.column, JobProblem.value, JobProblem.reason)
            .where(JobProblem.job_id == job_id, tuple_(JobProblem.line, JobProblem.id) > tuple_(*after))
            .order_by(JobProblem.line, JobProblem.id).limit(page)).all()
        for line, _id, column, value, reason in rows:
            yield RowError(line, reason, column, value)
        if len(rows) < page:
            return
        after = (rows[-1].line, rows[-1].id)


class _Checkpoint:
    """Saves an import's counts, the line reached and its new problems, in each batch's own transaction."""

    def __init__(self, run: JobRun, report: ImportReport, stream: CountingReader, total: int) -> None:
        self.run, self.report, self.stream, self.total = run, report, stream, total
        self.saved: set[RowError] = set()
        self.line = report.resume_after

    def progress(self, line: int) -> dict:
        """What has been done up to ``line``, as the job's progress."""
        report = self.report
        return {"line": line, "done": min(self.stream.done, self.total), "created": report.created,
                "updated": report.updated, "skipped": report.skipped, "memo": report.memo,
                "stopped_at_line": report.stopped_at_line}

    def __call__(self, line: int) -> None:
        self.save(line)

    def save(self, line: int, final: bool = False) -> None:
        """Write the problems found since the last save and the progress (the caller commits)."""
        new = [e for e in self.report.errors if e not in self.saved]
        if new:
            db.session.execute(insert(JobProblem), [
                {"job_id": self.run.job_id, "line": e.line, "reason": e.reason, "column": e.column[:64],
                 "value": e.value[:200]} for e in new])
            self.saved.update(new)
        self.line = line
        progress = self.progress(line)
        if final:
            progress["done"] = self.total
        self.run.checkpoint(progress)
