"""Why a customer counts as lost, in words, in the current language."""
from __future__ import annotations

from datetime import date

from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from ..customers.models import Customer, CustomerStatus


def lost_reason(customer: Customer, today: date) -> str | None:
    """E.g. "usually buys every 91 days; last purchase 143 days ago; lost since 3 May 2026"; None unless lost.

    Customers whom staff marked lost get only their lost date: no rhythm is claimed for them.
    """
    if customer.status != CustomerStatus.LOST:
        return None
    parts = []
    if not customer.status_manual and customer.usual_interval is not None:
        every = max(1, round(customer.usual_interval))
        parts.append(ngettext("usually buys every %(num)d day", "usually buys every %(num)d days", every))
    if customer.last_purchase is not None:
        ago = (today - customer.last_purchase).days
        parts.append(ngettext("last purchase %(num)d day ago", "last purchase %(num)d days ago", ago))
    if customer.lost_at is not None:
        parts.append(_("lost since %(date)s", date=format_date(customer.lost_at, "medium")))
    if customer.status_manual:
        parts.append(_("marked lost by staff"))
    return "; ".join(parts) or None
