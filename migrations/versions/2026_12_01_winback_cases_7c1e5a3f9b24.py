"""winback cases

Win-back cases of lost customers (the real reason, the offer, the state, the return) and the steps of their plans.

Revision ID: 7c1e5a3f9b24
Revises: 3f6a2d9c1b57
Create Date: 2026-12-01 21:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e5a3f9b24'
down_revision = '3f6a2d9c1b57'
branch_labels = None
depends_on = None


def _enum(name, length, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=False, length=length)


def upgrade():
    op.create_table(
        "winback_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("lost_at", sa.Date(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("state", _enum("casestate", 20, "open", "in_progress", "won_back", "not_won_back", "let_go"),
                  nullable=False),
        sa.Column("reason_response_id", sa.Integer(), nullable=True),
        sa.Column("reason_code", sa.String(length=64), nullable=True),
        sa.Column("reason_bucket", sa.String(length=20), nullable=True),
        sa.Column("reason_text", sa.Text(), nullable=False),
        sa.Column("offer", sa.Text(), nullable=False),
        sa.Column("agreed_at", sa.Date(), nullable=True),
        sa.Column("returned_at", sa.Date(), nullable=True),
        sa.Column("days_to_return", sa.Integer(), nullable=True),
        sa.Column("return_channel", sa.String(length=10), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("state_changed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("priority BETWEEN 1 AND 4", name=op.f("ck_winback_case_priority_range")),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_winback_case_customer_id_customer"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["staff_user.id"], name=op.f("fk_winback_case_owner_id_staff_user"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reason_response_id"], ["response.id"],
                                name=op.f("fk_winback_case_reason_response_id_response"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff_user.id"],
                                name=op.f("fk_winback_case_created_by_id_staff_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_winback_case")),
        sa.UniqueConstraint("customer_id", "lost_at", name="uq_winback_case_customer_lost_at"),
    )
    op.create_index("ix_winback_case_owner_state", "winback_case", ["owner_id", "state"])
    op.create_index("ix_winback_case_state", "winback_case", ["state"])
    op.create_table(
        "winback_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("channel", _enum("channel", 10, "call", "meeting", "visit", "email", "letter", "event", "offer"),
                  nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["winback_case.id"], name=op.f("fk_winback_step_case_id_winback_case"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["done_by_id"], ["staff_user.id"], name=op.f("fk_winback_step_done_by_id_staff_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_winback_step")),
    )
    op.create_index(op.f("ix_winback_step_case_id"), "winback_step", ["case_id"])
    op.create_index("ix_winback_step_due", "winback_step", ["done_on", "notified_at", "due"])


def downgrade():
    op.drop_index("ix_winback_step_due", table_name="winback_step")
    op.drop_index(op.f("ix_winback_step_case_id"), table_name="winback_step")
    op.drop_table("winback_step")
    op.drop_index("ix_winback_case_state", table_name="winback_case")
    op.drop_index("ix_winback_case_owner_state", table_name="winback_case")
    op.drop_table("winback_case")
