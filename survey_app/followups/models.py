"""Follow-up tasks."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import StaffUser
from ..customers.models import Customer
from ..dbtypes import str_enum, utcnow
from ..extensions import db
from ..responses.models import Response
from .rules import FollowUpKind, FollowUpState, Outcome


class FollowUp(db.Model):
    """A company-caused answer someone must answer by ``due``: one per response."""

    __tablename__ = "followup"
    __table_args__ = (sa.Index("ix_followup_owner_state_due", "owner_id", "state", "due"),
                      sa.Index("ix_followup_state_due", "state", "due"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The response followed up (one task per response).
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id", ondelete="CASCADE"), unique=True)
    #: The customer to contact.
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer.id", ondelete="SET NULL"))
    #: exit or risk.
    kind: Mapped[FollowUpKind] = mapped_column(str_enum(FollowUpKind, 10))
    #: The response's cause when the task was opened.
    bucket: Mapped[str | None] = mapped_column(sa.String(20))
    #: Who must follow it up: the customer's account manager, else the configured default owner.
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    #: The last day to follow it up.
    due: Mapped[date]
    state: Mapped[FollowUpState] = mapped_column(str_enum(FollowUpState, 10), default=FollowUpState.OPEN)
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome, 20))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Staff member who opened it by hand (None: opened by itself).
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    #: When the owner was told by email (None: not yet, or nobody to tell).
    notified_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))

    response: Mapped[Response] = relationship()
    customer: Mapped[Customer | None] = relationship()
    owner: Mapped[StaffUser | None] = relationship(foreign_keys=[owner_id])
    closed_by: Mapped[StaffUser | None] = relationship(foreign_keys=[closed_by_id])

    def overdue(self, today: date) -> bool:
        """Still open after its last day."""
        return self.state == FollowUpState.OPEN and today > self.due

    def __repr__(self) -> str:
        return f"<FollowUp {self.id} response={self.response_id} {self.kind} {self.state}>"
