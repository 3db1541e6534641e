"""Sending invitations: idempotent, resumable, one SMTP connection per batch.

Each message is written down before it is handed over (state ``sending``) and after the server
accepts it (``sent``), each step committed on its own. A rerun therefore never sends a ``sent``
invitation again and sends every ``pending`` one once. If the process is killed while one message
is with the server, that invitation stays ``sending``: its delivery is unknown, it is reported,
and it is not sent again unless asked (``--resend-interrupted``), so nobody gets it twice.
Ctrl-C and SIGTERM wait for the message in hand to be settled before stopping.
"""
from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload

from ..customers.models import Customer
from ..dbtypes import utcnow
from ..extensions import db
from ..surveys.models import Survey, SurveyState
from .mail import PermanentFailure, TemporaryFailure, render_invitation, transport
from .models import Invitation, InvitationState
from .services import renew_token

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
#: Wait before retrying after the n-th temporary failure: 5 min, 10, 20, 40…
BACKOFF = timedelta(minutes=5)


@dataclass
class SendReport:
    """What a sending run did."""

    sent: int = 0
    failed: int = 0
    bounced: int = 0
    interrupted: int = 0
    errors: list[str] = field(default_factory=list)


@contextmanager
def _settle_before_stopping():
    """Hold Ctrl-C and SIGTERM until the message in hand is recorded, then act on them."""
    pending: list[int] = []
    handlers = {}

    def remember(signum, _frame):
        pending.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            handlers[signum] = signal.signal(signum, remember)
        except ValueError:  # not the main thread: nothing to hold
            pass
    try:
        yield
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        if pending:
            raise KeyboardInterrupt


def due_query(survey: Survey | None, now, resend_interrupted: bool = False):
    """Invitations to send now: pending, or failed and due for a retry; open surveys, reachable customers."""
    states = [InvitationState.PENDING, InvitationState.FAILED]
    if resend_interrupted:
        states.append(InvitationState.SENDING)
    query = (select(Invitation.id).join(Customer, Customer.id == Invitation.customer_id)
             .join(Survey, Survey.id == Invitation.survey_id)
             .where(Invitation.state.in_(states), Survey.state == SurveyState.OPEN,
                    Customer.opted_out.is_(False), Customer.unreachable.is_(False), Customer.email.is_not(None),
                    Invitation.attempts < MAX_ATTEMPTS,
                    or_(Invitation.next_attempt_at.is_(None), Invitation.next_attempt_at <= now))
             .order_by(Invitation.id))
    if survey is not None:
        query = query.where(Invitation.survey_id == survey.id)
    return query


def reminder_query(survey: Survey | None, now, after_days: int, max_reminders: int):
    """Sent, unanswered invitations whose last email is at least ``after_days`` old, under the reminder limit."""
    query = (select(Invitation.id).join(Customer, Customer.id == Invitation.customer_id)
             .join(Survey, Survey.id == Invitation.survey_id)
             .where(Invitation.state == InvitationState.SENT, Survey.state == SurveyState.OPEN,
                    Customer.opted_out.is_(False), Customer.unreachable.is_(False),
                    Invitation.reminders_sent < max_reminders, Invitation.sent_at <= now - timedelta(days=after_days),
                    or_(Invitation.expires_at.is_(None), Invitation.expires_at > now))
             .order_by(Invitation.id))
    return query.where(Invitation.survey_id == survey.id) if survey is not None else query


def count_due(survey: Survey | None = None) -> int:
    """How many invitations a send would try now."""
    return db.session.scalar(select(func.count()).select_from(due_query(survey, utcnow()).subquery())) or 0


def send_reminders(survey: Survey | None, after_days: int, max_reminders: int, *, rate: float | None = None,
                   progress: Callable[[], None] | None = None) -> SendReport:
    """Email a reminder to those who have not answered: at most ``max_reminders``, ``after_days`` apart."""
    ids = db.session.scalars(reminder_query(survey, utcnow(), after_days, max_reminders)).all()
    return _send_ids(ids, rate, progress)


def _send_ids(ids: list[int], rate: float | None, progress, batch_size: int = 200,
              report: SendReport | None = None) -> SendReport:
    """Send these invitations, one mail-server connection per batch."""
    report = report or SendReport()
    pause = 1.0 / rate if rate else 0.0
    for start in range(0, len(ids), batch_size):
        with transport() as mailer:
            for invitation_id in ids[start:start + batch_size]:
                started = time.monotonic()
                with _settle_before_stopping():
                    _send_one(mailer, invitation_id, report)
                if progress:
                    progress()
                if pause:
                    time.sleep(max(0.0, pause - (time.monotonic() - started)))
    return report


def send_due(survey: Survey | None = None, *, rate: float | None = None, resend_interrupted: bool = False,
             progress: Callable[[], None] | None = None, batch_size: int = 200) -> SendReport:
    """Send every invitation that is due, in batches that share one mail-server connection."""
    report = SendReport()
    report.interrupted = db.session.scalar(
        select(func.count()).select_from(Invitation).where(Invitation.state == InvitationState.SENDING)
        .where(Invitation.survey_id == survey.id if survey else True)) or 0
    if resend_interrupted:
        report.interrupted = 0
    while True:
        ids = db.session.scalars(due_query(survey, utcnow(), resend_interrupted).limit(batch_size)).all()
        if not ids:
            break
        _send_ids(ids, rate, progress, batch_size, report)
        resend_interrupted = False  # only the first pass picks them up again
    return report


_INVITATION = Invitation.__table__
_CUSTOMER = Customer.__table__


def _send_one(mailer, invitation_id: int, report: SendReport) -> None:
    invitation = db.session.scalar(select(Invitation).where(Invitation.id == invitation_id)
                                   .options(joinedload(Invitation.customer), joinedload(Invitation.survey)))
    customer_id, address, reminder = invitation.customer_id, invitation.customer.email, invitation.sent_at is not None
    token = renew_token(invitation)
    message = render_invitation(invitation.survey, invitation.customer, invitation.locale, token, reminder=reminder)
    # From here on plain UPDATEs: two short commits per message, no objects reloaded after them.
    connection = db.session.connection()
    connection.execute(update(_INVITATION).where(_INVITATION.c.id == invitation_id).values(
        token_hash=invitation.token_hash, message_id=message["Message-ID"], state=InvitationState.SENDING,
        attempts=_INVITATION.c.attempts + 1))
    db.session.expunge(invitation)
    db.session.commit()
    attempts = invitation.attempts + 1
    now = utcnow()
    try:
        mailer.send(message, address)
    except PermanentFailure as error:
        values = {"state": InvitationState.BOUNCED, "last_error": str(error)[:1000]}
        db.session.connection().execute(update(_CUSTOMER).where(_CUSTOMER.c.id == customer_id).values(unreachable=True))
        report.bounced += 1
        report.errors.append(f"{address}: {error}")
    except TemporaryFailure as error:
        values = {"state": InvitationState.FAILED, "last_error": str(error)[:1000],
                  "next_attempt_at": now + BACKOFF * (2 ** (attempts - 1))}
        report.failed += 1
        report.errors.append(f"{address}: {error}")
    else:
        values = {"state": InvitationState.SENT, "sent_at": now, "last_error": None, "next_attempt_at": None,
                  "attempts": 0, "reminders_sent": _INVITATION.c.reminders_sent + (1 if reminder else 0)}
        report.sent += 1
    db.session.connection().execute(update(_INVITATION).where(_INVITATION.c.id == invitation_id).values(**values))
    db.session.commit()


def invitation_stats(survey: Survey) -> dict:
    """Invited, sent, failed, bounced, opened, answered and response rate, overall and per language."""
    rows = db.session.execute(
        select(Invitation.locale, Invitation.state, func.count(), func.count(Invitation.opened_at))
        .where(Invitation.survey_id == survey.id).group_by(Invitation.locale, Invitation.state)
    ).all()

    def empty() -> dict:
        return {"invited": 0, "sent": 0, "failed": 0, "bounced": 0, "opened": 0, "answered": 0}

    totals, by_language = empty(), {}
    for locale, state, count, opened in rows:
        for bucket in (totals, by_language.setdefault(locale, empty())):
            bucket["invited"] += count
            bucket["opened"] += opened
            if state in (InvitationState.SENT, InvitationState.ANSWERED):
                bucket["sent"] += count
            if state == InvitationState.ANSWERED:
                bucket["answered"] += count
            if state == InvitationState.FAILED:
                bucket["failed"] += count
            if state == InvitationState.BOUNCED:
                bucket["bounced"] += count
    for bucket in (totals, *by_language.values()):
        bucket["response_rate"] = round(bucket["answered"] / bucket["sent"], 4) if bucket["sent"] else 0.0
    return {"survey": survey.slug, **totals, "languages": dict(sorted(by_language.items()))}
