"""One-time invitations to answer a survey."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..customers.models import Customer
from ..dbtypes import str_enum, utcnow
from ..extensions import db
from ..surveys.models import Survey


class InvitationState(enum.StrEnum):
    """Where an invitation is in its life."""

    PENDING = "pending"
    #: Handed to the mail server but not confirmed: if sending was killed here, delivery is unknown.
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"
    ANSWERED = "answered"


class Invitation(db.Model):
    """A customer's invitation to one survey; the token itself is only in the link sent."""

    __tablename__ = "invitation"
    __table_args__ = (sa.UniqueConstraint("survey_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The survey to answer.
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"))
    #: The customer invited.
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token (hex); the token is random, so a fast hash is safe here.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: Language the invitation is written in.
    locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    #: pending, sent, failed, bounced or answered.
    state: Mapped[InvitationState] = mapped_column(str_enum(InvitationState), default=InvitationState.PENDING)
    #: When the invitation was created.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The link stops working after this time.
    expires_at: Mapped[datetime | None]
    #: When the email left.
    sent_at: Mapped[datetime | None]
    #: Reminders sent so far.
    reminders_sent: Mapped[int] = mapped_column(default=0)
    #: Sending attempts so far (temporary failures are retried with back-off).
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not to be tried again before this time.
    next_attempt_at: Mapped[datetime | None]
    #: When a sender last claimed it to send it (state ``sending``).
    claimed_at: Mapped[datetime | None]
    #: Its first link was shown to staff (an invitation made by hand), so it must keep working after an email.
    link_shown: Mapped[bool] = mapped_column(default=False)
    #: Message-ID of the last email sent.
    message_id: Mapped[str | None] = mapped_column(sa.String(255))
    #: Last sending error, if any.
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    #: First time the link was visited.
    opened_at: Mapped[datetime | None]

    survey: Mapped[Survey] = relationship()
    customer: Mapped[Customer] = relationship()

    def __repr__(self) -> str:
        return f"<Invitation {self.id} survey={self.survey_id} customer={self.customer_id} {self.state}>"


class EarlierLink(db.Model):
    """The hash of a link sent in an earlier email (before a reminder): it keeps working."""

    __tablename__ = "invitation_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The invitation the link opens.
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("invitation.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the earlier token.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: When it was replaced by a newer link.
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<EarlierLink invitation={self.invitation_id}>"
