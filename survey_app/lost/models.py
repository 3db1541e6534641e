"""Win-back priorities: the admin's mapping of ABC × XYZ cells to priorities, and staff overrides per customer."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import StaffUser
from ..dbtypes import utcnow
from ..extensions import db


class WinbackRule(db.Model):
    """The win-back priority an admin gave one ABC × XYZ cell (cells without a row keep their default)."""

    __tablename__ = "winback_rule"
    __table_args__ = (sa.CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),)

    #: The cell, e.g. "AX".
    cell: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    #: 1 win back first, 2 must win back, 3 win back if possible, 4 let go.
    priority: Mapped[int]
    #: When an admin last set it.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<WinbackRule {self.cell}={self.priority}>"


class WinbackOverride(db.Model):
    """A customer's win-back priority as staff set it, whatever their cell says, with the reason why."""

    __tablename__ = "winback_override"
    __table_args__ = (sa.CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),)

    #: The customer; the override goes with them when they are erased.
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    #: 1 win back first, 2 must win back, 3 win back if possible, 4 let go.
    priority: Mapped[int]
    #: Why staff chose it.
    note: Mapped[str] = mapped_column(sa.Text(), default="")
    #: Who set it.
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    #: When it was set.
    set_at: Mapped[datetime] = mapped_column(default=utcnow)

    set_by: Mapped[StaffUser | None] = relationship()

    def __repr__(self) -> str:
        return f"<WinbackOverride customer={self.customer_id} priority={self.priority}>"
