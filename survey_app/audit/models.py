"""Audit events: one row per thing staff or an API key did, never changed afterwards."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import utcnow
from ..extensions import db


class AuditEvent(db.Model):
    """Something a member of staff, an API key, the CLI or the system did (append-only)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: When it happened (UTC).
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: What was done, dotted: ``auth.sign_in``, ``customer.view``, ``report.export``, ``survey.close``…
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    #: The signed-in staff member who did it; None for API keys, the CLI, the system, or a deleted account.
    actor_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_user.id", ondelete="SET NULL"), index=True)
    #: The API key that did it (no foreign key: keys live in another feature and may be deleted).
    api_key_id: Mapped[int | None]
    #: Who did it, as shown: the staff member's email, ``API key: NAME``, ``CLI`` or ``system``.
    actor_label: Mapped[str] = mapped_column(sa.String(300))
    #: The kind of thing acted on (``customer``, ``survey``, ``report``…), if any.
    target_type: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    #: Its id or name.
    target_id: Mapped[str | None] = mapped_column(sa.String(120))
    #: What else is worth knowing: the format of an export, the fields changed, the typed email of a failed sign-in.
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: The client's address as the app sees it (``request.remote_addr``).
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    #: The client's User-Agent header, truncated.
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} by {self.actor_label}>"


#: The columns an UPDATE may never touch on SQLite (all but ``actor_user_id``, which deleting a staff account nulls).
_FIXED = ("id", "at", "action", "api_key_id", "actor_label", "target_type", "target_id", "detail", "ip",
          "user_agent")

#: The PostgreSQL session setting that lets the retention job (and the test suite's cleanup) delete events.
PRUNE_SETTING = "survey_app.audit_prune"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF current_setting('{PRUNE_SETTING}', true) = 'on' THEN
            RETURN OLD;
        END IF;
    ELSIF NEW.actor_user_id IS NULL
            AND (to_jsonb(NEW) - 'actor_user_id') = (to_jsonb(OLD) - 'actor_user_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_event is append-only' USING ERRCODE = 'insufficient_privilege';
END
$fn$
"""
PG_TRIGGER = ("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
              "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
SQLITE_TRIGGER = (
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event "
    "WHEN NEW.actor_user_id IS NOT NULL OR " + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FIXED) + " "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
)

# The same triggers as the migration makes, for schemas built from the models (tests, ``db.create_all``).
for _statement, _dialect in ((PG_FUNCTION, "postgresql"), (PG_TRIGGER, "postgresql"), (SQLITE_TRIGGER, "sqlite")):
    sa.event.listen(AuditEvent.__table__, "after_create", sa.DDL(_statement).execute_if(dialect=_dialect))
