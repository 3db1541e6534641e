"""response drafts

What a customer typed through their personal link and has not sent yet, kept so reopening the link resumes it.

Revision ID: 9e4b2c7d5a18
Revises: 2b8d4f6a1c39
Create Date: 2026-12-01 22:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e4b2c7d5a18'
down_revision = '2b8d4f6a1c39'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "response_draft",
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitation.id"],
                                name=op.f("fk_response_draft_invitation_id_invitation"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("invitation_id", name=op.f("pk_response_draft")),
    )


def downgrade():
    op.drop_table("response_draft")
