"""Purchase imports started from the upload page, as background jobs."""
from __future__ import annotations

from ..csvimport.jobs import ImportJobs
from .importer import import_purchases

#: Purchase CSV uploads.
imports = ImportJobs("import_purchases", lambda _job: import_purchases).register()
