"""Staff pages for purchases: the import, and a customer's purchase chart."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import format_date
from flask_babel import gettext as _

from ..auth.access import role_required
from ..auth.models import Role
from ..csvimport.views import add_import_pages
from ..customers.models import Customer
from ..dbtypes import utcnow
from ..extensions import db
from ..labels import money
from ..reports.charts import month_bars
from ..reports.exports import send_chart
from .importer import open_file
from .jobs import imports
from .messages import describe, describe_file_error
from .services import monthly_totals

bp = Blueprint("purchases", __name__, url_prefix="/staff/purchases", template_folder="templates")


add_import_pages(bp, imports, template="purchases/import.html", open_file=open_file, describe=describe,
                 describe_file_error=describe_file_error)


@bp.get("/customer/<int:customer_id>.png")
@role_required(Role.ADMIN)
def customer_chart(customer_id: int):
    """A customer's purchases per month over the last two years, as PNG, in the viewer's language."""
    customer = db.get_or_404(Customer, customer_id)
    months = monthly_totals(customer.id, utcnow().date())
    body = month_bars(_("Purchases per month"), [format_date(start, "MMM y") for start, _amount in months],
                      [float(amount) for _start, amount in months], lambda value: money(value), _("Amount"))
    return send_chart(body)
