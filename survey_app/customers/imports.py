"""Customer imports started from the staff area: run in a background thread, followed from a page.

The uploaded file is kept in the instance folder while it is imported; progress and the final
counts are written next to it as JSON, so any app process can show them.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, get_locale

from .importer import CountingReader, ImportFileError, import_customers, report_csv
from .messages import describe

logger = logging.getLogger(__name__)


def valid_id(job_id: str) -> bool:
    """Job ids are url-safe random strings; nothing else reaches the file system."""
    return bool(job_id) and len(job_id) <= 40 and job_id.replace("-", "").replace("_", "").isalnum()


def _folder() -> Path:
    return Path(current_app.instance_path) / "import-reports"


def _write_status(job_id: str, status: dict) -> None:
    path = _folder() / f"{job_id}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(status))
    os.replace(temporary, path)


def status(job_id: str) -> dict | None:
    """The progress or result of an import, or None if there is no such import."""
    if not valid_id(job_id):
        return None
    path = _folder() / f"{job_id}.json"
    return json.loads(path.read_text()) if path.exists() else None


def start(job_id: str, upload: Path) -> None:
    """Import ``upload`` in a background thread, recording progress under ``job_id``."""
    app = current_app._get_current_object()
    locale = str(get_locale())  # the report is written in the language of whoever started the import
    total = upload.stat().st_size
    _write_status(job_id, {"finished": False, "done": 0, "total": total})

    def work() -> None:
        with app.app_context():
            try:
                with open(upload, "rb") as raw:
                    stream = CountingReader(raw)
                    report = import_customers(
                        stream, progress=lambda _line: _write_status(job_id, {"finished": False, "done": stream.done,
                                                                               "total": total}))
                with force_locale(locale):
                    (_folder() / f"{job_id}.csv").write_text(report_csv(report, describe), encoding="utf-8")
                _write_status(job_id, {
                    "finished": True, "done": total, "total": total, "created": report.created,
                    "updated": report.updated, "rejected": report.rejected, "stopped_at_line": report.stopped_at_line,
                    "errors": [[e.line, e.column, e.value, e.reason] for e in report.errors[:200]],
                    "more_errors": max(0, len(report.errors) - 200)})
            except ImportFileError as error:
                _write_status(job_id, {"finished": True, "done": total, "total": total,
                                       "file_error": [error.reason, error.detail]})
            except Exception:  # a background thread has nobody else to tell
                logger.exception("Import %s failed", job_id)
                _write_status(job_id, {"finished": True, "done": total, "total": total, "failed": True})
            finally:
                upload.unlink(missing_ok=True)

    threading.Thread(target=work, name=f"import-{job_id}", daemon=True).start()

