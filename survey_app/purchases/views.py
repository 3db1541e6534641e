"""Staff pages for purchases: the import, and a customer's purchase chart."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from ..auth.access import role_required
from ..auth.models import Role
from ..csvimport.forms import ImportForm
from ..csvimport.rows import ImportFileError
from ..customers.models import Customer
from ..dbtypes import utcnow
from ..extensions import db
from ..formutil import ConfirmForm
from ..labels import money
from ..reports.charts import month_bars
from ..uploads import takes_import_upload
from .importer import open_file
from .jobs import imports
from .messages import describe, describe_file_error
from .services import monthly_totals

bp = Blueprint("purchases", __name__, url_prefix="/staff/purchases", template_folder="templates")


@bp.route("/import", methods=["GET", "POST"])
@takes_import_upload
@role_required(Role.ADMIN)
def import_():
    """Upload a purchase CSV: it is kept, checked, and imported in the background while a page follows it."""
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("purchases/import.html", form=form), 400 if form.errors else 200
    try:
        upload = imports.keep_upload(form.file.data, open_file)
    except ImportFileError as error:
        form.file.errors.append(describe_file_error(error))
        return render_template("purchases/import.html", form=form), 400
    return redirect(url_for(".import_status", job_id=imports.start(upload)), code=303)


@bp.get("/import/<int:job_id>")
@role_required(Role.ADMIN)
def import_status(job_id: int):
    """Follow an import: progress while it runs, then what was added, already there and refused."""
    return render_template("purchases/import.html", form=ImportForm(formdata=None), confirm=ConfirmForm(),
                           **imports.page(imports.job(job_id), describe, describe_file_error))


@bp.post("/import/<int:job_id>/resume")
@role_required(Role.ADMIN)
def import_resume(job_id: int):
    """Continue an interrupted or stopped import from its last committed batch."""
    imports.job(job_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not imports.resume(job_id):
        flash(_("This import is still running or has already finished."), "warning")
    return redirect(url_for(".import_status", job_id=job_id), code=303)


@bp.get("/import/report/<int:job_id>.csv")
@role_required(Role.ADMIN)
def import_report(job_id: int):
    """Download the refused rows of an import."""
    return imports.send_report(imports.job(job_id), describe)


@bp.get("/customer/<int:customer_id>.png")
@role_required(Role.ADMIN)
def customer_chart(customer_id: int):
    """A customer's purchases per month over the last two years, as PNG, in the viewer's language."""
    customer = db.get_or_404(Customer, customer_id)
    months = monthly_totals(customer.id, utcnow().date())
    body = month_bars(_("Purchases per month"), [format_date(start, "MMM y") for start, _amount in months],
                      [float(amount) for _start, amount in months], lambda value: money(value), _("Amount"))
    response = Response(body, mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response
