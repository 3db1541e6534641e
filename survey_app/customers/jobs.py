"""Customer imports started from the upload page, as background jobs."""
from __future__ import annotations

from ..csvimport.jobs import ImportJobs
from .importer import import_customers

#: Customer CSV uploads.
imports = ImportJobs("import_customers", lambda _job: import_customers).register()
