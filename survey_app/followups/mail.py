"""Telling an owner about a new follow-up: one email, in the owner's language."""
from __future__ import annotations

import logging
from email.message import EmailMessage

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..dbtypes import rows_changed, utcnow
from ..extensions import db
from ..invitations.mail import PermanentFailure, TemporaryFailure, transport
from ..labels import bucket_label
from ..staffmail import base_url, staff_message
from ..text import one_line
from .models import FollowUp
from .rules import FollowUpState

logger = logging.getLogger(__name__)


def message_for(task: FollowUp) -> EmailMessage:
    """The email telling ``task``'s owner what to follow up and by when, in the owner's language."""
    owner = task.owner
    assert owner is not None
    base = base_url()
    with force_locale(owner.locale or "en"):
        customer = one_line(task.customer.name or task.customer.external_ref) if task.customer else "—"
        subject = _("Follow-up due by %(due)s: %(customer)s", due=task.due.isoformat(), customer=customer)
        body = render_template("followups/email.txt", task=task, customer=customer,
                               bucket=bucket_label(task.bucket, short=True) if task.bucket else "",
                               link=f"{base}/staff/responses/{task.response_id}", tasks_link=f"{base}/staff/followups/")
    return staff_message(owner, subject, body)


def notify_owners() -> dict[str, int]:
    """Email the owner of every open follow-up not announced yet, once each (a task is claimed before it is sent,
    so two runs never send it twice; one that fails is claimed again by the next run); return counts."""
    table = FollowUp.__table__
    ids = list(db.session.scalars(select(FollowUp.id).where(FollowUp.notified_at.is_(None),
                                                           FollowUp.owner_id.is_not(None),
                                                           FollowUp.state == FollowUpState.OPEN)))
    counts = {"sent": 0, "failed": 0}
    if not ids:
        return counts
    with transport() as outgoing:
        for task_id in ids:
            claimed = db.session.execute(update(table).where(table.c.id == task_id, table.c.notified_at.is_(None))
                                         .values(notified_at=utcnow()))
            db.session.commit()
            if rows_changed(claimed) != 1:
                continue
            task = db.session.get(FollowUp, task_id)
            try:
                outgoing.send(message_for(task), task.owner.email)
            except PermanentFailure as error:  # an owner address no server takes: not tried again
                logger.warning("Follow-up %s: the owner's address was refused: %s", task_id, error)
                counts["failed"] += 1
                continue
            except (TemporaryFailure, OSError) as error:
                logger.warning("Follow-up %s: the email could not be sent now: %s", task_id, error)
                db.session.execute(update(table).where(table.c.id == task_id).values(notified_at=None))
                db.session.commit()
                counts["failed"] += 1
                continue
            counts["sent"] += 1
    return counts
