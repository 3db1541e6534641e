"""Telling the admins that an endpoint was disabled after repeated failure: one email each, in their language."""
from __future__ import annotations

import logging
from email.message import EmailMessage

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.models import Role, StaffUser
from ..extensions import db
from ..invitations.mail import PermanentFailure, TemporaryFailure, transport
from ..staffmail import base_url, staff_message
from .models import Webhook, WebhookDelivery

logger = logging.getLogger(__name__)


def message_for(admin: StaffUser, webhook: Webhook, last: WebhookDelivery | None) -> EmailMessage:
    """The email telling ``admin`` that ``webhook`` was disabled, in plain text and HTML, in their language."""
    with force_locale(admin.locale or "en"):
        subject = _("Webhook disabled after repeated failures: %(url)s", url=webhook.url)
        context = {"admin": admin, "webhook": webhook, "last": last,
                   "link": f"{base_url()}/staff/webhooks/{webhook.id}",
                   "greeting": _("Hello %(name)s,", name=admin.name or admin.email)}
        text = render_template("webhooks/email/disabled.txt", **context)
        html = render_template("webhooks/email/disabled.html", **context)
    message = staff_message(admin, subject, text)
    message.add_alternative(html, subtype="html")
    del message["Content-Language"]  # moved into the text part by add_alternative
    message["Content-Language"] = admin.locale or "en"
    return message


def notify_disabled(webhook_id: int) -> dict[str, int]:
    """Email every active admin that the endpoint was disabled (called once, by the run that disabled it)."""
    webhook = db.session.get(Webhook, webhook_id)
    counts = {"sent": 0, "failed": 0}
    if webhook is None:
        return counts
    last = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id,
                                                           WebhookDelivery.attempts > 0)
                             .order_by(WebhookDelivery.last_attempt_at.desc(), WebhookDelivery.id.desc()).limit(1))
    admins = db.session.scalars(select(StaffUser).where(StaffUser.role == Role.ADMIN, StaffUser.active.is_(True))
                                .order_by(StaffUser.id)).all()
    if not admins:
        return counts
    try:
        with transport() as outgoing:
            for admin in admins:
                try:
                    outgoing.send(message_for(admin, webhook, last), admin.email)
                    counts["sent"] += 1
                except (PermanentFailure, TemporaryFailure, OSError) as error:
                    logger.warning("Webhook %s: admin %s not told of its disabling: %s", webhook_id, admin.id, error)
                    counts["failed"] += 1
    except (TemporaryFailure, OSError) as error:
        logger.warning("Webhook %s: the admins could not be told of its disabling: %s", webhook_id, error)
        counts["failed"] += len(admins) - counts["sent"]
    return counts
