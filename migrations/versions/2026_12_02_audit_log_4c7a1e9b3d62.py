"""audit log

Who viewed, exported, changed, erased, reclassified or signed in (staff and API keys), with time and address;
append-only: a trigger refuses updates (but the nulling of a deleted staff account) and, on PostgreSQL, deletes
other than the retention job's.

Revision ID: 4c7a1e9b3d62
Revises: 42b78cd47213
Create Date: 2026-12-02 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c7a1e9b3d62'
down_revision = '42b78cd47213'
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF current_setting('survey_app.audit_prune', true) = 'on' THEN
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
SQLITE_TRIGGER = "CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event WHEN NEW.actor_user_id IS NOT NULL OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.action IS NOT OLD.action OR NEW.api_key_id IS NOT OLD.api_key_id OR NEW.actor_label IS NOT OLD.actor_label OR NEW.target_type IS NOT OLD.target_type OR NEW.target_id IS NOT OLD.target_id OR NEW.detail IS NOT OLD.detail OR NEW.ip IS NOT OLD.ip OR NEW.user_agent IS NOT OLD.user_agent BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"


def upgrade():
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=300), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=True),
        sa.Column("target_id", sa.String(length=120), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["actor_user_id"], ["staff_user.id"],
                                name=op.f("fk_audit_event_actor_user_id_staff_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(op.f("ix_audit_event_at"), "audit_event", ["at"])
    op.create_index(op.f("ix_audit_event_action"), "audit_event", ["action"])
    op.create_index(op.f("ix_audit_event_actor_user_id"), "audit_event", ["actor_user_id"])
    op.create_index(op.f("ix_audit_event_target_type"), "audit_event", ["target_type"])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    elif dialect == "sqlite":
        op.execute(SQLITE_TRIGGER)


def downgrade():
    op.drop_table("audit_event")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
