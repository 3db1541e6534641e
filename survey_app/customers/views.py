"""Staff pages for customers."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..auth.access import role_required
from ..auth.models import Role
from ..extensions import db
from .forms import STATUS_LABELS, CustomerForm
from .services import CustomerError, add_customer, search_customers

bp = Blueprint("customers", __name__, url_prefix="/staff/customers", template_folder="templates")


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """List and search customers."""
    q = request.args.get("q", "")[:100]
    page = search_customers(q, page=request.args.get("page", 1, type=int))
    return render_template("customers/index.html", page=page, q=q, status_labels=STATUS_LABELS)


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
