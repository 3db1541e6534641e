"""Staff pages for customers."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..auth.access import role_required
from ..auth.models import Role
from ..extensions import db
from ..surveys.forms import ConfirmForm
from .forms import STATUS_LABELS, CustomerForm, ImportForm
from . import imports
from .importer import ImportFileError, RowError, read_rows
from .messages import describe, describe_file_error
from .models import Customer, CustomerStatus
from .services import CustomerError, add_customer, erase_customer, search_customers, update_customer

bp = Blueprint("customers", __name__, url_prefix="/staff/customers", template_folder="templates")


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """List and search customers."""
    args = {k: request.args.get(k, "")[:100] for k in ("q", "status", "segment", "locale")}
    page = search_customers(args["q"], page=request.args.get("page", 1, type=int), status=args["status"],
                            segment=args["segment"], locale=args["locale"])
    return render_template("customers/index.html", page=page, q=args["q"], args={k: v for k, v in args.items() if v},
                           status_labels=STATUS_LABELS, confirm=ConfirmForm())


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(customer_id: int):
    """Change a customer's details."""
    customer = db.get_or_404(Customer, customer_id)
    form = CustomerForm(obj=customer) if request.method == "GET" else CustomerForm()
    if request.method == "GET":
        form.status.data = customer.status.value
    if form.validate_on_submit():
        try:
            update_customer(customer, external_ref=form.external_ref.data, name=form.name.data,
                            email=form.email.data or "", locale=form.locale.data, segment=form.segment.data or "",
                            status=CustomerStatus(form.status.data), lost_at=form.lost_at.data,
                            annual_revenue=form.annual_revenue.data)
        except CustomerError as error:
            db.session.rollback()
            form.external_ref.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Customer %(name)s saved.", name=customer.name), "success")
            return redirect(url_for(".index", q=customer.external_ref))
    return render_template("customers/edit.html", form=form, customer=customer, confirm=ConfirmForm()), \
        400 if form.errors else 200


@bp.post("/<int:customer_id>/erase")
@role_required(Role.ADMIN)
def erase(customer_id: int):
    """Erase a customer's personal data on request; their answers are kept without their name."""
    customer = db.get_or_404(Customer, customer_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    kept = erase_customer(customer)
    db.session.commit()
    flash(ngettext("Customer erased; %(num)d response kept anonymously.",
                   "Customer erased; %(num)d responses kept anonymously.", kept), "success")
    return redirect(url_for(".index"))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    """Add a customer by hand."""
    form = CustomerForm()
    if form.validate_on_submit():
        try:
            customer = add_customer(form.external_ref.data, form.name.data, form.email.data, form.locale.data,
                                    segment=form.segment.data, status=form.status.data,
                                    annual_revenue=form.annual_revenue.data, lost_at=form.lost_at.data)
        except CustomerError as error:
            form.external_ref.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Customer %(name)s added.", name=customer.name), "success")
            return redirect(url_for(".index", q=customer.external_ref))
    return render_template("customers/new.html", form=form), 400 if form.errors else 200


def _reports_folder() -> Path:
    return Path(current_app.instance_path) / "import-reports"


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_():
    """Upload a customer CSV: it is kept, checked, and imported in the background while a page follows it."""
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("customers/import.html", form=form), 400 if form.errors else 200
    job_id = secrets.token_urlsafe(12)
    path = _reports_folder() / f"{job_id}.upload.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    form.file.data.save(path)
    try:
        with open(path, "rb") as fh:
            next(read_rows(fh), None)  # the header and encoding are checked now, the rows in the background
    except ImportFileError as error:
        path.unlink()
        form.file.errors.append(describe_file_error(error))
        return render_template("customers/import.html", form=form), 400
    imports.start(job_id, path)
    return redirect(url_for(".import_status", job_id=job_id), code=303)


@bp.get("/import/<job_id>")
@role_required(Role.ADMIN)
def import_status(job_id: str):
    """Follow an import: progress while it runs, then what was created, updated and refused."""
    status = imports.status(job_id)
    if status is None:
        abort(404)
    return render_template("customers/import.html", form=ImportForm(formdata=None), status=status,
                           report_id=job_id if status.get("errors") else None,
                           describe=lambda reason: describe(RowError(0, reason)),
                           file_error=describe_file_error(ImportFileError(*status["file_error"]))
                           if status.get("file_error") else None)


@bp.get("/import/report/<report_id>.csv")
@role_required(Role.ADMIN)
def import_report(report_id: str):
    """Download the refused rows of an import."""
    if not imports.valid_id(report_id):
        abort(404)
    path = _reports_folder() / f"{report_id}.csv"
    if not path.exists():
        abort(404)
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name="import-report.csv")
