"""Subject access: everything held about one customer, as one JSON document."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select

from ..customers.models import Customer
from ..dbtypes import utcnow
from ..extensions import db
from ..followups.models import FollowUp
from ..invitations.models import Invitation
from ..purchases.models import Purchase
from ..responses.models import Response
from ..winback.models import WinbackCase

#: Columns never exported: secrets of links (hashes of tokens) are not data about the person.
SECRET_COLUMNS = frozenset({"token_hash", "view_token_hash", "submission_key", "link_mark"})


def _value(value: object) -> object:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: db.Model, *skip: str) -> dict:  # type: ignore[name-defined]
    """An ORM object's columns as JSON values, without secrets and ``skip``."""
    return {c.key: _value(getattr(obj, c.key)) for c in obj.__mapper__.column_attrs
            if c.key not in SECRET_COLUMNS and c.key not in skip}


def customer_export(customer: Customer) -> dict:
    """The customer's record, purchases, invitations (without their link secrets), responses with answers,
    follow-ups and win-back cases with their steps."""
    invitations = list(db.session.scalars(select(Invitation).where(Invitation.customer_id == customer.id)
                                          .order_by(Invitation.id)))
    responses = db.session.scalars(
        select(Response).where(or_(Response.customer_id == customer.id,
                                   Response.invitation_id.in_([i.id for i in invitations])))
        .order_by(Response.submitted_at, Response.id))
    purchases = db.session.scalars(select(Purchase).where(Purchase.customer_id == customer.id)
                                   .order_by(Purchase.day, Purchase.id))
    follow_ups = db.session.scalars(select(FollowUp).where(FollowUp.customer_id == customer.id)
                                    .order_by(FollowUp.id))
    cases = db.session.scalars(select(WinbackCase).where(WinbackCase.customer_id == customer.id)
                               .order_by(WinbackCase.id))
    return {
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "customer": _row(customer),
        "purchases": [_row(p) for p in purchases],
        "invitations": [{**_row(i), "survey": i.survey.slug} for i in invitations],
        "responses": [{**_row(r), "survey": r.survey.slug,
                       "answers": [{**_row(a, "guesses"), "question": dict(a.question.text)} for a in r.answers]}
                      for r in responses],
        "follow_ups": [_row(f) for f in follow_ups],
        "winback_cases": [{**_row(c), "steps": [_row(s) for s in c.steps]} for c in cases],
    }
