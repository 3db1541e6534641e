"""Reminding owners of plan steps that fell due: one email per owner, in the owner's language."""
from __future__ import annotations

import logging
from datetime import date
from email.message import EmailMessage

from flask import render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from ..auth.models import StaffUser
from ..dbtypes import rows_changed, utcnow
from ..extensions import db
from ..invitations.mail import PermanentFailure, TemporaryFailure, transport
from ..staffmail import base_url, staff_message
from .forms import CHANNEL_LABELS
from .models import WinbackCase, WinbackStep
from .rules import ACTIVE

logger = logging.getLogger(__name__)


def message_for(owner: StaffUser, steps: list[WinbackStep]) -> EmailMessage:
    """The email reminding ``owner`` of their win-back steps that fell due, in the owner's language."""
    base = base_url()
    with force_locale(owner.locale or "en"):
        subject = ngettext("%(num)d win-back step is due", "%(num)d win-back steps are due", len(steps))
        rows = [{"due": step.due.isoformat(), "channel": str(CHANNEL_LABELS[step.channel]), "action": step.action,
                 "customer": step.case.customer.name or step.case.customer.external_ref,
                 "ref": step.case.customer.external_ref, "link": f"{base}/staff/winback/{step.case_id}"}
                for step in steps]
        body = render_template("winback/email.txt", owner=owner, rows=rows, cases_link=f"{base}/staff/winback/",
                               greeting=_("Hello %(name)s,", name=owner.name or owner.email))
    return staff_message(owner, subject, body)


def _due_steps(today: date) -> dict[int, list[int]]:
    """Ids of the steps due by ``today``, not done and not reminded of, in cases being worked on, per owner."""
    rows = db.session.execute(
        select(WinbackCase.owner_id, WinbackStep.id).join(WinbackCase, WinbackCase.id == WinbackStep.case_id)
        .join(StaffUser, StaffUser.id == WinbackCase.owner_id)
        .where(WinbackStep.done_on.is_(None), WinbackStep.notified_at.is_(None), WinbackStep.due <= today,
               WinbackCase.state.in_(ACTIVE), StaffUser.active.is_(True))
        .order_by(WinbackCase.owner_id, WinbackStep.due, WinbackStep.id))
    found: dict[int, list[int]] = {}
    for owner_id, step_id in rows:
        found.setdefault(owner_id, []).append(step_id)
    return found


def remind_owners(today: date) -> dict[str, int]:
    """Email every owner whose steps fell due by ``today`` once per step (steps are claimed before the email goes,
    so two runs never send one twice; those of an email that could not be sent are claimed again next time)."""
    table = WinbackStep.__table__
    counts = {"sent": 0, "failed": 0, "steps": 0}
    due = _due_steps(today)
    if not due:
        return counts
    with transport() as outgoing:
        for owner_id, step_ids in due.items():
            claimed = []
            for step_id in step_ids:
                result = db.session.execute(update(table).where(table.c.id == step_id, table.c.notified_at.is_(None))
                                            .values(notified_at=utcnow()))
                if rows_changed(result) == 1:
                    claimed.append(step_id)
            db.session.commit()
            if not claimed:
                continue
            owner = db.session.get(StaffUser, owner_id)
            steps = list(db.session.scalars(select(WinbackStep).where(WinbackStep.id.in_(claimed))
                                            .options(selectinload(WinbackStep.case).selectinload(WinbackCase.customer))
                                            .order_by(WinbackStep.due, WinbackStep.id)))
            try:
                outgoing.send(message_for(owner, steps), owner.email)
            except PermanentFailure as error:  # an address no server takes: not tried again
                logger.warning("Win-back reminder to staff %s refused: %s", owner_id, error)
                counts["failed"] += 1
                continue
            except (TemporaryFailure, OSError) as error:
                logger.warning("Win-back reminder to staff %s not sent now: %s", owner_id, error)
                db.session.execute(update(table).where(table.c.id.in_(claimed)).values(notified_at=None))
                db.session.commit()
                counts["failed"] += 1
                continue
            counts["sent"] += 1
            counts["steps"] += len(claimed)
    return counts
