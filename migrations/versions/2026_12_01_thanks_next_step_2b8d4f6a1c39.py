"""thanks next step

A survey's thank-you page can show what happens next: a text and link words per language, and a link.

Revision ID: 2b8d4f6a1c39
Revises: 7c1e5a3f9b24
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2b8d4f6a1c39'
down_revision = '7c1e5a3f9b24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("survey") as batch:
        batch.add_column(sa.Column("next_step", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("next_step_label", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("next_step_url", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("survey") as batch:
        batch.drop_column("next_step_url")
        batch.drop_column("next_step_label")
        batch.drop_column("next_step")
