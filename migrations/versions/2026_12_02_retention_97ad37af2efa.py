"""retention and self-service

Per survey: anonymise answers N months after submission (optionally removing free text); per response: when it
was anonymised, and the hash of the secret that lets a public respondent see or delete their own answer.

Revision ID: 97ad37af2efa
Revises: 4c7a1e9b3d62
Create Date: 2026-12-02 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '97ad37af2efa'
down_revision = '4c7a1e9b3d62'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN: recreating the survey table on SQLite would cascade into its responses.
    op.add_column("survey", sa.Column("retention_months", sa.Integer(), nullable=True))
    op.add_column("survey", sa.Column("retention_free_text", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    # Plain ADD COLUMN and a unique index: recreating the response table on SQLite (foreign keys on) would empty
    # the tables that cascade from it, answers first.
    op.add_column("response", sa.Column("anonymised_at", sa.DateTime(), nullable=True))
    op.add_column("response", sa.Column("view_token_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_response_view_token_hash", "response", ["view_token_hash"], unique=True)


def downgrade():
    op.drop_index("ix_response_view_token_hash", table_name="response")
    op.drop_column("response", "view_token_hash")
    op.drop_column("response", "anonymised_at")
    op.drop_column("survey", "retention_free_text")
    op.drop_column("survey", "retention_months")
