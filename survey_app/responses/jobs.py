"""Imports of past answers started from the upload page, as background jobs."""
from __future__ import annotations

from typing import BinaryIO

from ..classification.jobs import after_storing
from ..csvimport.jobs import ImportJobs, ImportRun
from ..csvimport.rows import ImportReport
from ..jobs.models import Job
from .definition import definition_by_id
from .importer import import_responses


def _importer(job: Job) -> ImportRun:
    definition = definition_by_id(job.payload["survey_id"])

    def run(stream: BinaryIO, **options) -> ImportReport:
        report = import_responses(stream, definition, **options)
        if report.memo.get("pending"):  # texts no model could take: the sorting job will
            after_storing()
        return report

    return run


#: Uploads of past answers, one survey each.
imports = ImportJobs("import_responses", _importer).register()
