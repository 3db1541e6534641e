"""The pages every staff CSV import has: upload, follow, resume and the report of refused rows."""
from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..auth.access import role_required
from ..auth.models import Role
from ..formutil import ConfirmForm
from ..uploads import takes_import_upload
from .forms import ImportForm
from .jobs import ImportJobs
from .rows import ImportFileError, RowError


def add_import_pages(bp: Blueprint, imports: ImportJobs, *, template: str, open_file: Callable[[BinaryIO], object],
                     describe: Callable[[RowError], str], describe_file_error: Callable[[ImportFileError], str],
                     role: Role = Role.ADMIN) -> None:
    """Add ``/import`` (upload), ``/import/<job_id>`` (follow), its ``/resume`` and ``/import/report/<job_id>.csv``
    to ``bp``, as the endpoints ``import_``, ``import_status``, ``import_resume`` and ``import_report``."""

    @takes_import_upload
    @role_required(role)
    def import_():
        """Upload a CSV: it is kept, checked, and imported in the background while a page follows it."""
        form = ImportForm()
        if not form.validate_on_submit():
            return render_template(template, form=form), 400 if form.errors else 200
        try:
            upload = imports.keep_upload(form.file.data, open_file)
        except ImportFileError as error:
            form.file.errors.append(describe_file_error(error))
            return render_template(template, form=form), 400
        return redirect(url_for(".import_status", job_id=imports.start(upload)), code=303)

    @role_required(role)
    def import_status(job_id: int):
        """Follow an import: progress while it runs, then what it did and what it refused."""
        return render_template(template, form=ImportForm(formdata=None), confirm=ConfirmForm(),
                               **imports.page(imports.job(job_id), describe, describe_file_error))

    @role_required(role)
    def import_resume(job_id: int):
        """Continue an interrupted or stopped import from its last committed batch."""
        imports.job(job_id)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        if not imports.resume(job_id):
            flash(_("This import is still running or has already finished."), "warning")
        return redirect(url_for(".import_status", job_id=job_id), code=303)

    @role_required(role)
    def import_report(job_id: int):
        """Download the refused rows of an import."""
        return imports.send_report(imports.job(job_id), describe)

    bp.add_url_rule("/import", "import_", import_, methods=["GET", "POST"])
    bp.add_url_rule("/import/<int:job_id>", "import_status", import_status, methods=["GET"])
    bp.add_url_rule("/import/<int:job_id>/resume", "import_resume", import_resume, methods=["POST"])
    bp.add_url_rule("/import/report/<int:job_id>.csv", "import_report", import_report, methods=["GET"])
