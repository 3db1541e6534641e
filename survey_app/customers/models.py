"""Customer records."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import StaffUser
from ..dbtypes import str_enum, utcnow
from ..extensions import db


class CustomerStatus(enum.StrEnum):
    """Where the customer stands with the company."""

    ACTIVE = "active"
    LOST = "lost"
    RETURNED = "returned"


class Customer(db.Model):
    """A customer who may be invited to a survey or interviewed."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The company's own reference (CRM id, account number); unique.
    external_ref: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Person or company name.
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Where invitations go; None when unknown or erased.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    #: Language the customer is written to in: en, fr, pl or ru.
    locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    #: Free segment label, e.g. "SMB" or "retail".
    segment: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    #: Staff member in charge of the account.
    account_manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"),
                                                          index=True)
    #: Yearly revenue from this customer, in the company's currency.
    annual_revenue: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    #: First purchase or contract date.
    customer_since: Mapped[date | None]
    #: Most recent purchase.
    last_purchase: Mapped[date | None]
    #: active, lost or returned.
    status: Mapped[CustomerStatus] = mapped_column(str_enum(CustomerStatus), default=CustomerStatus.ACTIVE, index=True)
    #: When the customer was counted as lost.
    lost_at: Mapped[date | None]
    #: Staff set the status or lost date (by hand or in a CSV file): lost-customer detection leaves them alone.
    status_manual: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: When a lost customer bought again.
    returned_at: Mapped[date | None]
    #: Median days between purchase days, as lost-customer detection last found it.
    usual_interval: Mapped[float | None] = mapped_column(sa.Float())
    #: Mail to this customer bounced permanently.
    unreachable: Mapped[bool] = mapped_column(default=False)
    #: The customer asked not to be surveyed.
    opted_out: Mapped[bool] = mapped_column(default=False)
    #: When the record was created.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account_manager: Mapped[StaffUser | None] = relationship()

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.external_ref}>"
