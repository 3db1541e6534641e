"""Sending invitations: idempotent, resumable, one SMTP connection per batch.

Each message is written down before it is handed over (state ``sending``, committed) and after the
server accepts it (``sent``); that second record is committed together with the next message's
claim, so each message costs one commit and at most one invitation per sender is ever in doubt.
A rerun therefore never sends a ``sent`` invitation again and sends every ``pending`` one once. If
the process is killed while one message is with the server (or just after), that invitation stays
``sending``: its delivery is unknown, it is reported, and it is not sent again unless asked
(``--resend-interrupted``), so nobody gets it twice. Ctrl-C and SIGTERM wait for the message in hand
to be settled before stopping. Claims are per message rather than per batch on purpose: invitations
claimed in bulk but never handed over would be stuck in doubt after a kill.
"""
from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, case, func, insert, or_, select, update
from sqlalchemy.orm import joinedload

from ..customers.models import Customer
from ..dbtypes import utcnow
from ..extensions import db
from ..surveys.models import Survey, SurveyState
from . import counts
from .mail import Drafts, PermanentFailure, TemporaryFailure, render_invitation, transport
from .models import EarlierLink, Invitation, InvitationState
from .services import hash_token, keeps_earlier_link, new_token

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
#: Wait before retrying after the n-th temporary failure: 5 min, 10, 20, 40…
BACKOFF = timedelta(minutes=5)
#: A message claimed this long ago and still ``sending`` was abandoned by a killed sender (SMTP gives up after 30 s).
INTERRUPTED_AFTER = timedelta(minutes=5)


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
    """Hold Ctrl-C and SIGTERM until the messages in hand are recorded, then act on them.

    Yields the signals held so far: a sender stops taking new messages as soon as it is not empty.
    """
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
        yield pending
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        if pending:
            raise KeyboardInterrupt


def _due_conditions(now: datetime, resend_interrupted: bool, retries_only: bool = False) -> list:
    """Conditions on the invitation table for "due to be sent now" (what a sender claims)."""
    # Comparisons rather than IN: a statement without an expanding list is compiled once for a whole run.
    due = or_(*(_INVITATION.c.state == state for state in ([InvitationState.FAILED] if retries_only
                                                           else [InvitationState.PENDING, InvitationState.FAILED])))
    if resend_interrupted:
        # Only messages abandoned long ago: one claimed a moment ago is with a live sender.
        due = or_(due, (_INVITATION.c.state == InvitationState.SENDING)
                  & or_(_INVITATION.c.claimed_at.is_(None), _INVITATION.c.claimed_at < now - INTERRUPTED_AFTER))
    return [due, _INVITATION.c.attempts < MAX_ATTEMPTS,
            or_(_INVITATION.c.next_attempt_at.is_(None), _INVITATION.c.next_attempt_at <= now)]


def _reminder_conditions(now: datetime, after_days: int, max_reminders: int) -> list:
    """Conditions on the invitation table for "due for a reminder now"."""
    return [_INVITATION.c.state == InvitationState.SENT, _INVITATION.c.reminders_sent < max_reminders,
            _INVITATION.c.sent_at <= now - timedelta(days=after_days),
            or_(_INVITATION.c.expires_at.is_(None), _INVITATION.c.expires_at > now)]


def _reachable() -> list:
    """Conditions on the survey and customer of an invitation: open survey, customer we may email."""
    return [Survey.state == SurveyState.OPEN, Customer.opted_out.is_(False), Customer.unreachable.is_(False),
            Customer.email.is_not(None)]


def _candidates(survey: Survey | None, conditions: list):
    query = (select(Invitation.id).join(Customer, Customer.id == Invitation.customer_id)
             .join(Survey, Survey.id == Invitation.survey_id).where(*conditions, *_reachable())
             .order_by(Invitation.id))
    return query.where(Invitation.survey_id == survey.id) if survey is not None else query


def due_query(survey: Survey | None, now, resend_interrupted: bool = False, retries_only: bool = False):
    """Invitations to send now: pending, or failed and due for a retry; open surveys, reachable customers."""
    return _candidates(survey, _due_conditions(now, resend_interrupted, retries_only))


def reminder_query(survey: Survey | None, now, after_days: int, max_reminders: int):
    """Sent, unanswered invitations whose last email is at least ``after_days`` old, under the reminder limit."""
    return _candidates(survey, _reminder_conditions(now, after_days, max_reminders))


def count_due(survey: Survey | None = None) -> int:
    """How many invitations a send would try now."""
    return db.session.scalar(select(func.count()).select_from(due_query(survey, utcnow()).subquery())) or 0


def send_reminders(survey: Survey | None, after_days: int, max_reminders: int, *, rate: float | None = None,
                   progress: Callable[[], None] | None = None) -> SendReport:
    """Email a reminder to those who have not answered: at most ``max_reminders``, ``after_days`` apart."""
    now = utcnow()
    ids = db.session.scalars(reminder_query(survey, now, after_days, max_reminders)).all()
    return _send_ids(ids, _reminder_conditions(now, after_days, max_reminders), rate, progress)


def _send_ids(ids: list[int], claim: list, rate: float | None, progress, batch_size: int = 200,
              report: SendReport | None = None) -> SendReport:
    """Send those of these invitations this run can claim, one mail-server connection per batch.

    Each batch's invitations are read in one query and each language's text is rendered once; each message
    then costs one commit, which records how the previous one ended and claims this one.
    """
    report = report or SendReport()
    pause = 1.0 / rate if rate else 0.0
    drafts, claims = Drafts(), _Claims(claim)
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False  # the batch read stays usable
    try:
        with _settle_before_stopping() as stop:
            for start in range(0, len(ids), batch_size):
                if stop:
                    break
                invitations = db.session.scalars(
                    select(Invitation).where(Invitation.id.in_(ids[start:start + batch_size])).order_by(Invitation.id)
                    .options(joinedload(Invitation.customer), joinedload(Invitation.survey))).all()
                with transport() as mailer:
                    outcome = _Outcome()
                    try:
                        for invitation in invitations:
                            if stop:
                                break
                            started = time.monotonic()
                            _send_one(mailer, invitation, claims, report, drafts, outcome)
                            if progress:
                                progress()
                            if pause:
                                time.sleep(max(0.0, pause - (time.monotonic() - started)))
                    except BaseException:
                        db.session.rollback()  # what failed was never committed; the last outcome still is
                        outcome.record()
                        raise
                    outcome.record()
    finally:
        session.expire_on_commit = expire_on_commit
        session.expire_all()  # what the commits would have done
    return report


def send_due(survey: Survey | None = None, *, rate: float | None = None, resend_interrupted: bool = False,
             progress: Callable[[], None] | None = None, batch_size: int = 200,
             retries_only: bool = False, id_range: tuple[int, int] | None = None) -> SendReport:
    """Send every invitation that is due, in batches that share one mail-server connection.

    Any number of runs may do this at once (CLI, web, workers): each invitation goes to the run
    that claims it first, so each is sent once.

    :param retries_only: only invitations whose sending failed before and whose back-off has passed.
    :param id_range: only invitations with ids from the first to the last of these (one part of a mailing
        split between workers).
    """
    report = SendReport()
    report.interrupted = db.session.scalar(
        select(func.count()).select_from(Invitation).where(Invitation.state == InvitationState.SENDING)
        .where(Invitation.survey_id == survey.id if survey else True)) or 0
    if resend_interrupted:
        report.interrupted = 0
    while True:
        now = utcnow()
        query = due_query(survey, now, resend_interrupted, retries_only)
        if id_range is not None:
            query = query.where(Invitation.id.between(*id_range))
        ids = db.session.scalars(query.limit(batch_size)).all()
        if not ids:
            break
        _send_ids(ids, _due_conditions(now, resend_interrupted, retries_only), rate, progress, batch_size, report)
        resend_interrupted = False  # only the first pass picks them up again
    return report


_INVITATION = Invitation.__table__
_CUSTOMER = Customer.__table__
_EARLIER = EarlierLink.__table__


class _Outcome:
    """How the message last handed to the server ended, written with the next commit (one commit per message)."""

    def __init__(self) -> None:
        self.pending: tuple[int, dict] | None = None
        #: One statement per set of columns written, built once for the batch.
        self._statements: dict[tuple, object] = {}

    def write(self) -> None:
        """Execute the pending statement in the current transaction (the caller commits)."""
        if self.pending is not None:
            invitation_id, values = self.pending
            key = tuple(values)
            if key not in self._statements:
                self._statements[key] = (
                    update(_INVITATION).where(_INVITATION.c.id == bindparam("settled_id"),
                                              _INVITATION.c.state == InvitationState.SENDING)
                    .values({k: v if isinstance(v, ColumnElement) else bindparam(f"v_{k}") for k, v in values.items()}))
            db.session.connection().execute(self._statements[key], {
                "settled_id": invitation_id,
                **{f"v_{k}": v for k, v in values.items() if not isinstance(v, ColumnElement)}})

    def record(self) -> None:
        """Write and commit the pending outcome now."""
        if self.pending is not None:
            self.write()
            db.session.commit()
            self.pending = None


class _Claims:
    """Taking invitations for this run under the given "still due" conditions, with statements built once."""

    def __init__(self, conditions: list) -> None:
        self.conditions = conditions
        self._statements: dict[tuple[str, ...], object] = {}

    def take(self, invitation_id: int, values: dict) -> bool:
        """Take one invitation (state ``sending``) if it is still due; only one run can win it."""
        key = tuple(values)
        if key not in self._statements:
            self._statements[key] = (
                update(_INVITATION).where(_INVITATION.c.id == bindparam("claimed_id"), *self.conditions)
                .values(state=InvitationState.SENDING, attempts=_INVITATION.c.attempts + 1,
                        claimed_at=bindparam("v_claimed_at"), **{k: bindparam(f"v_{k}") for k in key}))
        result = db.session.connection().execute(self._statements[key], {
            "claimed_id": invitation_id, "v_claimed_at": utcnow(), **{f"v_{k}": v for k, v in values.items()}})
        return result.rowcount == 1


def _commit(outcome: _Outcome) -> None:
    """Commit this transaction together with the previous message's outcome."""
    outcome.write()
    db.session.commit()
    outcome.pending = None


def _send_one(mailer, invitation: Invitation, claims: _Claims, report: SendReport, drafts: Drafts,
              outcome: _Outcome) -> None:
    """Write, claim and send one invitation; a failure here is this recipient's alone.

    Its claim is committed before the server has the message; how sending ended is left in ``outcome``.
    """
    invitation_id = invitation.id
    customer_id, address, reminder = invitation.customer_id, invitation.customer.email, invitation.sent_at is not None
    attempts = invitation.attempts + 1
    earlier_hash = invitation.token_hash if keeps_earlier_link(invitation) else None
    token = new_token()
    try:
        message = render_invitation(invitation.survey, invitation.customer, invitation.locale, token,
                                    reminder=reminder, drafts=drafts)
    except Exception as error:  # one unreadable record must not stop the others
        logger.exception("Invitation %s could not be written", invitation_id)
        if claims.take(invitation_id, {}):
            outcome.write()
            outcome.pending = (invitation_id, {
                "state": InvitationState.FAILED, "last_error": f"cannot write it: {error}"[:1000],
                "next_attempt_at": utcnow() + BACKOFF * (2 ** (attempts - 1))})
            report.failed += 1
            report.errors.append(f"{address}: {error}")
        _commit(outcome)
        return
    # Plain statements from here on: one short commit before the server has the message; its outcome is
    # committed with the next message's claim (or at the end of the batch).
    claimed = claims.take(invitation_id, {"token_hash": hash_token(token), "message_id": message["Message-ID"]})
    if claimed and earlier_hash is not None:
        db.session.connection().execute(insert(_EARLIER), {"invitation_id": invitation_id, "token_hash": earlier_hash,
                                                           "replaced_at": utcnow()})
    _commit(outcome)
    if not claimed:
        return  # another sender has it, or it is no longer due
    now = utcnow()
    try:
        mailer.send(message, address)
    except PermanentFailure as error:
        values = {"state": InvitationState.BOUNCED, "last_error": str(error)[:1000]}
        db.session.connection().execute(update(_CUSTOMER).where(_CUSTOMER.c.id == customer_id).values(unreachable=True))
        report.bounced += 1
        report.errors.append(f"{address}: {error}")
    except Exception as error:  # TemporaryFailure, or anything unforeseen: this recipient alone is retried later
        if not isinstance(error, TemporaryFailure):
            logger.exception("Sending invitation %s failed", invitation_id)
        values = {"state": InvitationState.FAILED, "last_error": str(error)[:1000],
                  "next_attempt_at": now + BACKOFF * (2 ** (attempts - 1))}
        report.failed += 1
        report.errors.append(f"{address}: {error}")
    else:
        values = {"state": InvitationState.SENT, "sent_at": now, "last_error": None, "next_attempt_at": None,
                  "attempts": 0, "reminders_sent": _INVITATION.c.reminders_sent + (1 if reminder else 0)}
        report.sent += 1
    outcome.pending = (invitation_id, values)


def invitation_stats(survey: Survey) -> dict:
    """Invited, sent, failed, bounced, opened, answered and response rate, overall and per language."""
    def tally(condition):
        return func.sum(case((condition, 1), else_=0))

    rows = db.session.execute(
        select(Invitation.locale, func.count(), tally(counts.IS_SENT), tally(counts.IS_FAILED),
               tally(counts.IS_BOUNCED), tally(counts.IS_OPENED), tally(counts.IS_ANSWERED))
        .where(Invitation.survey_id == survey.id).group_by(Invitation.locale)
    ).all()
    keys = ("invited", "sent", "failed", "bounced", "opened", "answered")
    totals, by_language = dict.fromkeys(keys, 0), {}
    for locale, *values in rows:
        by_language[locale] = {key: int(value or 0) for key, value in zip(keys, values, strict=True)}
        for key in keys:
            totals[key] += by_language[locale][key]
    for bucket in (totals, *by_language.values()):
        bucket["response_rate"] = counts.response_rate(bucket["answered"], bucket["sent"])
    return {"survey": survey.slug, **totals, "languages": dict(sorted(by_language.items()))}
