"""winback priorities

The admin's win-back priority per ABC × XYZ cell (cells without a row keep the default mapping), and the
priority staff set by hand for one customer, with a note.

Revision ID: 0f3dd5c25a72
Revises: 504ce5fa2efa
Create Date: 2026-12-01 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0f3dd5c25a72'
down_revision = '504ce5fa2efa'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "winback_rule",
        sa.Column("cell", sa.String(length=2), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("priority BETWEEN 1 AND 4", name=op.f("ck_winback_rule_priority_range")),
        sa.PrimaryKeyConstraint("cell", name=op.f("pk_winback_rule")),
    )
    op.create_table(
        "winback_override",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("priority BETWEEN 1 AND 4", name=op.f("ck_winback_override_priority_range")),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_winback_override_customer_id_customer"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["set_by_id"], ["staff_user.id"], name=op.f("fk_winback_override_set_by_id_staff_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_winback_override")),
    )


def downgrade():
    op.drop_table("winback_override")
    op.drop_table("winback_rule")
