"""Adding and finding customers."""
from __future__ import annotations

from decimal import Decimal

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import or_, select

from ..audit.services import record
from ..domain import Invalid
from ..extensions import db
from ..i18n import LANGUAGES
from ..signals import customer_changed, customer_erasing, customer_lost
from ..text import one_line
from .models import Customer, CustomerStatus


class CustomerError(Invalid):
    """A customer cannot be saved as asked; the code says why."""


def add_customer(external_ref: str, name: str, email: str | None, locale: str, *, segment: str | None = None,
                 status: CustomerStatus | str = CustomerStatus.ACTIVE, annual_revenue: Decimal | None = None,
                 **fields) -> Customer:
    """Create a customer.

    :raise CustomerError: if the reference is empty (once cleaned), taken, or the language unknown.
    """
    external_ref = one_line(external_ref)
    if not external_ref.strip():
        raise CustomerError("no_reference")
    if db.session.scalar(select(Customer.id).where(Customer.external_ref == external_ref)):
        raise CustomerError("reference_taken")
    if locale not in LANGUAGES:
        raise CustomerError("unknown_language")
    status = CustomerStatus(status)
    fields.setdefault("status_manual", status != CustomerStatus.ACTIVE or fields.get("lost_at") is not None)
    customer = Customer(external_ref=external_ref, name=one_line(name), email=(email or "").strip() or None,
                        locale=locale, segment=one_line(segment) or None, status=status,
                        annual_revenue=annual_revenue, **fields)
    db.session.add(customer)
    db.session.flush()
    return customer


def search_customers(text: str = "", page: int = 1, per_page: int = 50, *, status: str = "", segment: str = "",
                     locale: str = "") -> Pagination:
    """Return one page of customers whose reference, name or email contains ``text``, with optional filters."""
    query = select(Customer).order_by(Customer.name, Customer.id)
    if status in {s.value for s in CustomerStatus}:
        query = query.where(Customer.status == CustomerStatus(status))
    if segment:
        query = query.where(Customer.segment == segment)
    if locale in LANGUAGES:
        query = query.where(Customer.locale == locale)
    if text:
        like = f"%{text.strip()}%"
        query = query.where(or_(Customer.external_ref.ilike(like), Customer.name.ilike(like),
                                Customer.email.ilike(like)))
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def update_customer(customer: Customer, **values) -> None:
    """Change a customer's details.

    :raise CustomerError: if the new reference is empty (once cleaned) or belongs to another customer, or the
        language is unknown.
    """
    ref = one_line(values.pop("external_ref"))
    if not ref.strip():
        raise CustomerError("no_reference")
    other = db.session.scalar(select(Customer.id).where(Customer.external_ref == ref, Customer.id != customer.id))
    if other:
        raise CustomerError("reference_taken")
    if values.get("locale") not in LANGUAGES:
        raise CustomerError("unknown_language")
    customer.external_ref = ref
    before = (customer.status, customer.lost_at)
    for key, value in values.items():
        if key in ("name", "segment"):
            value = one_line(value)
        setattr(customer, key, value.strip() or None if isinstance(value, str) and key != "name" else value)
    if (customer.status, customer.lost_at) != before:  # staff decided: lost-customer detection leaves it
        customer.status_manual = True
    db.session.flush()
    customer_changed.send(None, customer_ids=[customer.id])
    if customer.status != before[0] and customer.status == CustomerStatus.LOST:
        customer_lost.send(None, customer_ids=[customer.id])


def erase_customer(customer: Customer) -> int:
    """Erase a customer on request: their record goes; features holding their data let go of it first
    (answers stay without a name), then their invitations go with the record (ON DELETE CASCADE).

    :return: how many of their responses were kept anonymously.
    """
    results = customer_erasing.send(None, customer_id=customer.id)
    kept = sum(value for _receiver, value in results if isinstance(value, int))
    # Recorded here, so an erasure through the API or a command is audited as one through the page.
    record("customer.erase", target_type="customer", target_id=customer.id, detail={"responses_kept": kept})
    db.session.delete(customer)
    db.session.flush()
    return kept


def find_customer(external_ref: str) -> Customer | None:
    """Return the customer with this reference."""
    return db.session.scalar(select(Customer).where(Customer.external_ref == external_ref.strip()))


def customer_for_link(external_ref: str, locale: str) -> int:
    """The id of the customer with this reference, created (with ``locale`` as their language) if new.

    A customer created by another request meanwhile is found (while its transaction is open, the database refuses
    the second one: the caller tries again).
    """
    ref = one_line(external_ref)
    for _attempt in range(2):
        found = db.session.scalar(select(Customer.id).where(Customer.external_ref == ref))
        if found is not None:
            return found
        try:
            return add_customer(ref, "", None, locale if locale in LANGUAGES else "en").id
        except CustomerError as error:
            if error.code != "reference_taken":
                raise
    raise CustomerError("reference_taken")
