"""Writing audit events where things happen, reading them back with filters, and pruning old ones."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import click
from flask import current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import Connection, Select, delete, select, text

from ..dbtypes import rows_changed, utcnow
from ..extensions import db
from .models import PRUNE_SETTING, AuditEvent

logger = logging.getLogger(__name__)

#: The longest User-Agent kept.
USER_AGENT_LENGTH = 255

#: What each kind of action is, for the log's filter and its "kind" column: the part of the action before the dot
#: names the thing, the part after it what was done to it.
KINDS = ("viewed", "exported", "changed", "erased", "reclassified", "signed_in", "api")


def kind_of(action: str) -> str:
    """The kind of an action: ``viewed``, ``exported``, ``changed``, ``erased``, ``reclassified``, ``signed_in``
    or ``api``."""
    thing, _dot, verb = action.partition(".")
    if thing == "api":
        return "api"
    if thing == "auth":
        return "signed_in"
    if verb.startswith("view"):
        return "viewed"
    if verb.startswith("export"):
        return "exported"
    if verb.startswith("erase"):
        return "erased"
    if thing in ("review", "classifier") or verb.startswith("reclassif"):
        return "reclassified"
    return "changed"


def _actor() -> tuple[int | None, int | None, str]:
    """Who is acting: ``(staff user id, API key id, label)``."""
    if has_request_context():
        key = g.get("api_key")
        if key is not None:
            return None, key.id, f"API key: {key.name}"[:300]
        if current_user and current_user.is_authenticated:
            return current_user.id, None, current_user.email
    return None, None, "CLI" if click.get_current_context(silent=True) is not None else "system"


def record(action: str, *, target_type: str | None = None, target_id: str | int | None = None,
           detail: dict | None = None) -> None:
    """Add an audit event to the current session: it is committed, or rolled back, with the action it records."""
    user_id, key_id, label = _actor()
    ip = user_agent = None
    if has_request_context():
        g.audited = True  # the request's change is recorded: the log's hook adds nothing
        ip = request.remote_addr
        # PostgreSQL refuses NUL in text: a header carrying one must not make the action fail.
        user_agent = (request.user_agent.string or "").replace("\0", "")[:USER_AGENT_LENGTH] or None
    db.session.add(AuditEvent(at=utcnow(), action=action, actor_user_id=user_id, api_key_id=key_id,
                              actor_label=label, target_type=target_type,
                              target_id=None if target_id is None else str(target_id)[:120],
                              detail=detail or {}, ip=ip, user_agent=user_agent))


def record_now(action: str, **kwargs) -> None:
    """Record an event and commit it at once: for reads (pages viewed, files exported), which commit nothing else.

    What the request has loaded stays loaded (nothing else changed): a download streamed after the view returns
    still reads the signed-in user and its rows without going back to the database.
    """
    record(action, **kwargs)
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


@dataclass(frozen=True)
class AuditFilter:
    """What the log shows: an actor (part of its label), an action (or the start of one), a target type, a span."""

    actor: str = ""
    action: str = ""
    target_type: str = ""
    since: date | None = None
    until: date | None = None

    def args(self) -> dict[str, str]:
        """The filter as query arguments (the empty ones left out)."""
        values = {"actor": self.actor, "action": self.action, "target_type": self.target_type,
                  "since": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else ""}
        return {k: v for k, v in values.items() if v}


def _query(f: AuditFilter) -> Select:
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if f.actor:
        query = query.where(AuditEvent.actor_label.ilike(f"%{_escape_like(f.actor)}%", escape="\\"))
    if f.action:
        # "survey" matches every survey action, "survey.close" that one.
        query = query.where((AuditEvent.action == f.action)
                            | AuditEvent.action.like(f"{_escape_like(f.action)}.%", escape="\\"))
    if f.target_type:
        query = query.where(AuditEvent.target_type == f.target_type)
    if f.since:
        query = query.where(AuditEvent.at >= datetime.combine(f.since, time.min))
    if f.until:
        query = query.where(AuditEvent.at < datetime.combine(f.until + timedelta(days=1), time.min))
    return query


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(f: AuditFilter, page: int = 1, per_page: int = 50):
    """One page of events matching ``f``, newest first."""
    return db.paginate(_query(f), page=max(page, 1), per_page=per_page, error_out=False)


def events(f: AuditFilter, limit: int | None = None) -> Iterator[AuditEvent]:
    """Every event matching ``f``, newest first, read in batches."""
    query = _query(f)
    if limit is not None:
        query = query.limit(limit)
    yield from db.session.scalars(query.execution_options(yield_per=1000))


def actions() -> list[str]:
    """The actions the log holds, for the filter's choices."""
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def target_types() -> list[str]:
    """The target types the log holds, for the filter's choices."""
    return list(db.session.scalars(select(AuditEvent.target_type).where(AuditEvent.target_type.is_not(None))
                                   .distinct().order_by(AuditEvent.target_type)))


def allow_pruning(connection: Connection) -> None:
    """Let this transaction delete audit events (PostgreSQL refuses it otherwise; SQLite only refuses updates)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT set_config(:name, 'on', true)"), {"name": PRUNE_SETTING})


def prune(now: datetime | None = None, days: int | None = None) -> int:
    """Delete the events older than ``AUDIT_RETENTION_DAYS`` (or ``days``) before ``now``; commit; return how many."""
    now = now or utcnow()
    days = current_app.config["AUDIT_RETENTION_DAYS"] if days is None else days
    allow_pruning(db.session.connection())
    pruned = rows_changed(db.session.execute(delete(AuditEvent).where(AuditEvent.at < now - timedelta(days=days))))
    db.session.commit()
    if pruned:
        logger.info("Audit log: %d events older than %d days pruned", pruned, days)
    return pruned
