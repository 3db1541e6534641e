"""Staff pages for customers."""
from __future__ import annotations

import json
import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..audit.services import record, record_now
from ..auth.access import role_required
from ..auth.models import Role
from ..csvimport.views import add_import_pages
from ..dbtypes import utcnow
from ..extensions import db
from ..formutil import ConfirmForm
from ..lost.forms import PRIORITY_LABELS, OverrideForm
from ..lost.messages import lost_reason
from ..lost.winback import ranking_of
from ..purchases.services import purchase_history
from ..retention.subject_access import customer_export
from ..routing import int_arg
from ..winback.forms import STATE_LABELS as CASE_STATES
from ..winback.jobs import request_sweep
from ..winback.queries import cases_of
from .forms import STATUS_LABELS, CustomerForm
from .importer import open_file
from .jobs import imports
from .messages import describe, describe_file_error
from .models import Customer, CustomerStatus
from .services import CustomerError, add_customer, erase_customer, search_customers, update_customer

bp = Blueprint("customers", __name__, url_prefix="/staff/customers", template_folder="templates")


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """List and search customers."""
    args = {k: request.args.get(k, "")[:100] for k in ("q", "status", "segment", "locale")}
    page = search_customers(args["q"], page=int_arg("page", 1), status=args["status"],
                            segment=args["segment"], locale=args["locale"])
    return render_template("customers/index.html", page=page, q=args["q"], args={k: v for k, v in args.items() if v},
                           status_labels=STATUS_LABELS, confirm=ConfirmForm())


@bp.get("/<int:customer_id>")
@role_required(Role.ADMIN)
def show(customer_id: int):
    """A customer's details, win-back priority and purchase history."""
    customer = db.get_or_404(Customer, customer_id)
    record_now("customer.view", target_type="customer", target_id=customer.id)
    today = utcnow().date()
    winback = ranking_of(customer.id, today)
    form = OverrideForm(data={"priority": str(int(winback.priority)) if winback.overridden else "",
                              "note": winback.note})
    return render_template("customers/show.html", customer=customer, status_labels=STATUS_LABELS,
                           history=purchase_history(customer.id, today), lost_reason=lost_reason(customer, today),
                           winback=winback, winback_form=form, priority_labels=PRIORITY_LABELS,
                           cases=cases_of(customer.id), case_states=CASE_STATES, confirm=ConfirmForm())


@bp.get("/<int:customer_id>/export.json")
@role_required(Role.ADMIN)
def export(customer_id: int):
    """Download everything held about a customer as JSON (a subject access request)."""
    customer = db.get_or_404(Customer, customer_id)
    body = json.dumps(customer_export(customer), ensure_ascii=False, indent=2)
    record_now("customer.export_data", target_type="customer", target_id=customer.id)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", customer.external_ref).strip("-") or str(customer.id)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="customer-{name}-{utcnow():%Y-%m-%d}.json"',
        "Cache-Control": "no-store"})


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
            record("customer.edit", target_type="customer", target_id=customer.id,
                   detail={"external_ref": customer.external_ref})
            db.session.commit()
            if customer.status == CustomerStatus.LOST:  # a lost customer worth winning back gets a case soon
                request_sweep()
            flash(_("Customer %(name)s saved.", name=customer.name), "success")
            return redirect(url_for(".show", customer_id=customer.id))
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
            db.session.flush()
            record("customer.create", target_type="customer", target_id=customer.id,
                   detail={"external_ref": customer.external_ref})
            db.session.commit()
            if customer.status == CustomerStatus.LOST:
                request_sweep()
            flash(_("Customer %(name)s added.", name=customer.name), "success")
            return redirect(url_for(".index", q=customer.external_ref))
    return render_template("customers/new.html", form=form), 400 if form.errors else 200


add_import_pages(bp, imports, template="customers/import.html", open_file=open_file, describe=describe,
                 describe_file_error=describe_file_error)
