"""Purchase records."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import utcnow
from ..extensions import db


class Purchase(db.Model):
    """One purchase (an order, an invoice, a renewal) by a customer on a day."""

    __tablename__ = "purchase"
    __table_args__ = (
        # One order reference per customer: importing the same file twice adds nothing.
        sa.UniqueConstraint("customer_id", "order_ref", name="uq_purchase_customer_order"),
        # A customer's history in date order, and the rows without a reference found again.
        sa.Index("ix_purchase_customer_day", "customer_id", "day", "amount"),
        # Sums per period over every customer.
        sa.Index("ix_purchase_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id", ondelete="CASCADE"))
    #: The day of the purchase.
    day: Mapped[date]
    #: What the customer paid, in the company's currency.
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    #: The company's order or invoice number, if the file has one.
    order_ref: Mapped[str | None] = mapped_column(sa.String(64))
    #: When the row was recorded.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Purchase {self.id} customer={self.customer_id} {self.day} {self.amount}>"
