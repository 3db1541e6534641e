"""Adding and finding customers."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import or_, select

from ..extensions import db
from ..i18n import LANGUAGES
from .models import Customer, CustomerStatus


class CustomerError(ValueError):
    """A customer cannot be saved as asked."""


def add_customer(external_ref: str, name: str, email: str | None, locale: str, *, segment: str | None = None,
                 status: CustomerStatus | str = CustomerStatus.ACTIVE, annual_revenue: Decimal | None = None,
                 **fields) -> Customer:
    """Create a customer.

    :raise CustomerError: if the reference is taken or the language unknown.
    """
    external_ref = external_ref.strip()
    if db.session.scalar(select(Customer.id).where(Customer.external_ref == external_ref)):
        raise CustomerError(_l("Another customer already has this reference."))
    if locale not in LANGUAGES:
        raise CustomerError(_l("Unknown language."))
    customer = Customer(external_ref=external_ref, name=name.strip(), email=(email or "").strip() or None,
                        locale=locale, segment=segment or None, status=CustomerStatus(status),
                        annual_revenue=annual_revenue, **fields)
    db.session.add(customer)
    db.session.flush()
    return customer


def search_customers(text: str = "", page: int = 1, per_page: int = 50) -> Pagination:
    """Return one page of customers whose reference, name or email contains ``text``."""
    query = select(Customer).order_by(Customer.name, Customer.id)
    if text:
        like = f"%{text.strip()}%"
        query = query.where(or_(Customer.external_ref.ilike(like), Customer.name.ilike(like),
                                Customer.email.ilike(like)))
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)
