"""Win-back cases and the steps of their plans."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import StaffUser
from ..customers.models import Customer
from ..dbtypes import str_enum, utcnow
from ..extensions import db
from ..responses.models import Response
from .rules import ACTIVE, CaseState, Channel


class WinbackCase(db.Model):
    """Winning back one customer lost on one day: the real reason, the offer, the plan, and how it ended."""

    __tablename__ = "winback_case"
    __table_args__ = (
        # One case per customer and lost date: a customer lost again after returning gets a new one.
        sa.UniqueConstraint("customer_id", "lost_at", name="uq_winback_case_customer_lost_at"),
        sa.Index("ix_winback_case_owner_state", "owner_id", "state"),
        sa.Index("ix_winback_case_state", "state"),
        sa.CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The customer to win back; their case goes with them when they are erased.
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id", ondelete="CASCADE"))
    #: The day they were counted as lost (for a case opened by hand for a customer not counted as lost: the day it
    #: was opened). Only a purchase after it wins them back.
    lost_at: Mapped[date]
    #: Their win-back priority when the case was opened (1 win back first … 4 let go).
    priority: Mapped[int]
    #: Who works on it: the customer's account manager by default.
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    state: Mapped[CaseState] = mapped_column(str_enum(CaseState), default=CaseState.OPEN)
    #: The answer (exit survey or interview) the real reason comes from, if it comes from one.
    reason_response_id: Mapped[int | None] = mapped_column(sa.ForeignKey("response.id", ondelete="SET NULL"))
    #: The catalogue reason staff chose, if they chose one.
    reason_code: Mapped[str | None] = mapped_column(sa.String(64))
    #: The real reason's bucket and words.
    reason_bucket: Mapped[str | None] = mapped_column(sa.String(20))
    reason_text: Mapped[str] = mapped_column(sa.Text(), default="")
    #: What the company offers to win them back.
    offer: Mapped[str] = mapped_column(sa.Text(), default="")
    #: When the customer agreed to return (a promise: not a return).
    agreed_at: Mapped[date | None]
    #: The first purchase after ``lost_at``, the days it took and the channel of the step done last before it.
    returned_at: Mapped[date | None]
    days_to_return: Mapped[int | None]
    return_channel: Mapped[str | None] = mapped_column(sa.String(10))
    #: Why staff closed it as not won back or let go.
    close_note: Mapped[str] = mapped_column(sa.Text(), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Staff member who opened it by hand (None: opened by itself when the customer became lost).
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    #: When it last changed state.
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship()
    owner: Mapped[StaffUser | None] = relationship(foreign_keys=[owner_id])
    reason_response: Mapped[Response | None] = relationship()
    steps: Mapped[list[WinbackStep]] = relationship(back_populates="case", order_by="WinbackStep.position",
                                                    cascade="all, delete-orphan", passive_deletes=True)

    @property
    def active(self) -> bool:
        """Someone is still working on it."""
        return self.state in ACTIVE

    def __repr__(self) -> str:
        return f"<WinbackCase {self.id} customer={self.customer_id} {self.state}>"


class WinbackStep(db.Model):
    """One step of a case's plan: what to do, through which channel, by when, and whether it was done."""

    __tablename__ = "winback_step"
    __table_args__ = (sa.Index("ix_winback_step_due", "done_on", "notified_at", "due"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("winback_case.id", ondelete="CASCADE"), index=True)
    #: Order in the plan (1 first).
    position: Mapped[int]
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 10))
    #: What to do.
    action: Mapped[str] = mapped_column(sa.Text(), default="")
    due: Mapped[date]
    #: The day it was done (None: not done).
    done_on: Mapped[date | None]
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))
    #: When the owner was reminded that it fell due (None: not yet).
    notified_at: Mapped[datetime | None]

    case: Mapped[WinbackCase] = relationship(back_populates="steps")

    def overdue(self, today: date) -> bool:
        """Not done after its due day."""
        return self.done_on is None and today > self.due

    def __repr__(self) -> str:
        return f"<WinbackStep {self.id} case={self.case_id} {self.channel} {self.due}>"
