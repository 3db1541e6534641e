"""Imports started from the staff area: run in a background thread, followed from a page.

The uploaded file is kept in the instance folder while it is imported; progress and the final
counts are written next to it as JSON, so any app process can show them. Each kind of import
keeps its files in a folder of its own.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import abort, current_app, send_file
from flask_babel import force_locale, get_locale
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from .rows import CountingReader, ImportFileError, ImportReport, RowError, report_csv

logger = logging.getLogger(__name__)

#: Imports a stream, called as ``run(stream, progress=callback)``; the callback takes the line reached.
ImportRun = Callable[..., ImportReport]
#: Rows listed on the result page; the rest are in the downloadable report.
SHOWN_ERRORS = 200


def valid_id(job_id: str) -> bool:
    """Job ids are url-safe random strings; nothing else reaches the file system."""
    return bool(job_id) and len(job_id) <= 40 and job_id.replace("-", "").replace("_", "").isalnum()


@dataclass(frozen=True)
class ImportJobs:
    """The background imports of one kind, kept in their own folder inside the instance folder."""

    folder_name: str

    @property
    def folder(self) -> Path:
        """Where uploads, progress and reports of these imports are kept."""
        return Path(current_app.instance_path) / self.folder_name

    def keep_upload(self, upload: FileStorage, check: Callable[[BinaryIO], object]) -> tuple[str, Path]:
        """Keep an uploaded file under a new job id once ``check`` has read its header; return the id and path.

        :raise ImportFileError: if the file cannot be imported at all (it is not kept).
        """
        job_id = secrets.token_urlsafe(12)
        path = self.folder / f"{job_id}.upload.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        upload.save(path)
        try:
            with open(path, "rb") as fh:
                check(fh)  # the header and encoding are checked now, the rows in the background
        except ImportFileError:
            path.unlink()
            raise
        return job_id, path

    def _write_status(self, job_id: str, status: dict) -> None:
        path = self.folder / f"{job_id}.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(status))
        os.replace(temporary, path)

    def status(self, job_id: str) -> dict | None:
        """The progress or result of an import, or None if there is no such import."""
        if not valid_id(job_id):
            return None
        path = self.folder / f"{job_id}.json"
        return json.loads(path.read_text()) if path.exists() else None

    def start(self, job_id: str, upload: Path, run: ImportRun, describe: Callable[[RowError], str]) -> None:
        """Import ``upload`` with ``run`` in a background thread, recording progress under ``job_id``."""
        app = current_app._get_current_object()
        locale = str(get_locale())  # the report is written in the language of whoever started the import
        total = upload.stat().st_size
        self._write_status(job_id, {"finished": False, "done": 0, "total": total})

        def work() -> None:
            with app.app_context():
                try:
                    with open(upload, "rb") as raw:
                        stream = CountingReader(raw)
                        report = run(stream, progress=lambda _line: self._write_status(
                            job_id, {"finished": False, "done": stream.done, "total": total}))
                    with force_locale(locale):
                        (self.folder / f"{job_id}.csv").write_text(report_csv(report, describe), encoding="utf-8")
                    self._write_status(job_id, {
                        "finished": True, "done": total, "total": total, "created": report.created,
                        "updated": report.updated, "skipped": report.skipped, "rejected": report.rejected,
                        "stopped_at_line": report.stopped_at_line,
                        "errors": [[e.line, e.column, e.value, e.reason] for e in report.errors[:SHOWN_ERRORS]],
                        "more_errors": max(0, len(report.errors) - SHOWN_ERRORS)})
                except ImportFileError as error:
                    self._write_status(job_id, {"finished": True, "done": total, "total": total,
                                                "file_error": [error.reason, error.detail]})
                except Exception:  # a background thread has nobody else to tell
                    logger.exception("Import %s failed", job_id)
                    self._write_status(job_id, {"finished": True, "done": total, "total": total, "failed": True})
                finally:
                    upload.unlink(missing_ok=True)

        threading.Thread(target=work, name=f"import-{job_id}", daemon=True).start()

    def page(self, job_id: str, describe: Callable[[RowError], str],
             describe_file_error: Callable[[ImportFileError], str]) -> dict:
        """What the page following an import shows: its status, problems described, and the report to download.

        :raise NotFound: if there is no such import.
        """
        status = self.status(job_id)
        if status is None:
            abort(404)
        return {"status": status, "report_id": job_id if status.get("errors") else None,
                "describe": lambda reason: describe(RowError(0, reason)),
                "file_error": describe_file_error(ImportFileError(*status["file_error"]))
                if status.get("file_error") else None}

    def send_report(self, report_id: str) -> Response:
        """The refused rows of an import, as a CSV download.

        :raise NotFound: if there is no such report.
        """
        if not valid_id(report_id):
            abort(404)
        path = self.folder / f"{report_id}.csv"
        if not path.exists():
            abort(404)
        return send_file(path, mimetype="text/csv", as_attachment=True, download_name="import-report.csv")
