"""Imports of past answers started from the upload page, as background jobs."""
from __future__ import annotations

from functools import partial

from ..csvimport.jobs import ImportJobs, ImportRun
from ..jobs.models import Job
from .definition import definition_by_id
from .importer import import_responses


def _importer(job: Job) -> ImportRun:
    return partial(import_responses, definition=definition_by_id(job.payload["survey_id"]))


#: Uploads of past answers, one survey each.
imports = ImportJobs("import_responses", _importer).register()
