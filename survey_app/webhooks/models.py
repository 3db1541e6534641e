"""Webhook endpoints and their deliveries."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dbtypes import str_enum, utcnow
from ..extensions import db


class DeliveryState(enum.StrEnum):
    """Where a delivery is in its life."""

    #: Waiting for its next attempt (``next_attempt_at``).
    PENDING = "pending"
    #: Claimed by a run that is posting it now.
    SENDING = "sending"
    #: The endpoint answered 2xx.
    DELIVERED = "delivered"
    #: Every attempt failed; not tried again.
    FAILED = "failed"


class Webhook(db.Model):
    """An endpoint an admin registered, the events it gets and the secret its deliveries are signed with."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Where deliveries are posted (http or https).
    url: Mapped[str] = mapped_column(sa.String(2000))
    #: What the endpoint is for, as the admin describes it.
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The events it subscribed to (a list of event types).
    events: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: The signing secret (``whsec_`` + base64), shown to admins to set up the receiver.
    secret: Mapped[str] = mapped_column(sa.String(100))
    #: Off: no deliveries are made (by an admin, or automatically after repeated failure).
    enabled: Mapped[bool] = mapped_column(default=True)
    #: When it was disabled because it kept failing (None: not so).
    auto_disabled_at: Mapped[datetime | None]
    #: Deliveries in a row whose every attempt failed.
    failed_deliveries: Mapped[int] = mapped_column(default=0)
    #: First failed attempt since the last success (None: the last attempt succeeded, or none yet).
    failing_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<Webhook {self.id} {self.url}>"


class WebhookDelivery(db.Model):
    """One event for one endpoint: its signed payload, attempts and what the endpoint answered last."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_state_next", "state", "next_attempt_at"),
                      sa.Index("ix_webhook_delivery_webhook_id", "webhook_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook.id", ondelete="CASCADE"))
    #: The event's id (``webhook-id`` header, ``msg_…``): the same for every endpoint and attempt.
    event_id: Mapped[str] = mapped_column(sa.String(40))
    #: The event type, e.g. ``response.created``.
    event_type: Mapped[str] = mapped_column(sa.String(40))
    #: The body posted: ``{"type", "timestamp", "data"}``.
    payload: Mapped[dict] = mapped_column(sa.JSON)
    state: Mapped[DeliveryState] = mapped_column(str_enum(DeliveryState, 10), default=DeliveryState.PENDING)
    #: Attempts made so far.
    attempts: Mapped[int] = mapped_column(default=0)
    #: When the next attempt is due (pending deliveries).
    next_attempt_at: Mapped[datetime | None]
    #: When the current or last attempt started.
    last_attempt_at: Mapped[datetime | None]
    #: The HTTP status the endpoint answered last (None: no answer).
    status_code: Mapped[int | None]
    #: The start of what the endpoint answered last.
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    #: Why the last attempt failed (timeout, refused address…), if it did.
    error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    webhook: Mapped[Webhook] = relationship()

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.event_type} {self.state}>"
