"""followups

Follow-up tasks of company-caused answers from customers who agreed to be contacted; the templates'
"May we contact you about your answers?" question becomes its own type (contact_consent).

Revision ID: 3f6a2d9c1b57
Revises: 8b1e4c7d2a90
Create Date: 2026-12-01 19:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f6a2d9c1b57'
down_revision = '8b1e4c7d2a90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "followup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.Enum("exit", "risk", name="followupkind", native_enum=False, create_constraint=False,
                                  length=10), nullable=False),
        sa.Column("bucket", sa.String(length=20), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("state", sa.Enum("open", "closed", name="followupstate", native_enum=False, create_constraint=False,
                                   length=10), nullable=False),
        sa.Column("outcome", sa.Enum("apologised", "fixed", "offer_made", "not_reached", name="outcome",
                                     native_enum=False, create_constraint=False, length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["response_id"], ["response.id"], name=op.f("fk_followup_response_id_response"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_followup_customer_id_customer"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["owner_id"], ["staff_user.id"], name=op.f("fk_followup_owner_id_staff_user"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff_user.id"],
                                name=op.f("fk_followup_created_by_id_staff_user"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["closed_by_id"], ["staff_user.id"], name=op.f("fk_followup_closed_by_id_staff_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup")),
        sa.UniqueConstraint("response_id", name=op.f("uq_followup_response_id")),
    )
    op.create_index("ix_followup_owner_state_due", "followup", ["owner_id", "state", "due"])
    op.create_index("ix_followup_state_due", "followup", ["state", "due"])
    op.execute("UPDATE question SET type = 'contact_consent' WHERE type = 'yes_no' "
               "AND CAST(text AS TEXT) LIKE '%May we contact you about your answers?%'")


def downgrade():
    op.execute("UPDATE question SET type = 'yes_no' WHERE type = 'contact_consent'")
    op.drop_index("ix_followup_state_due", table_name="followup")
    op.drop_index("ix_followup_owner_state_due", table_name="followup")
    op.drop_table("followup")
