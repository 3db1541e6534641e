"""pending answers

Free-text answers are stored *pending* and sorted by a background job: a small partial index finds them,
and the model's best guesses are stored with each answer it classifies, so the review queue never runs the
model in a web process. Answers stored while there was no model (never seen by one) become pending.

Revision ID: 8b1e4c7d2a90
Revises: 0f3dd5c25a72
Create Date: 2026-12-01 18:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b1e4c7d2a90'
down_revision = '0f3dd5c25a72'
branch_labels = None
depends_on = None

_PENDING = sa.text("bucket = 'pending'")


def upgrade():
    with op.batch_alter_table("answer") as batch:
        batch.add_column(sa.Column("guesses", sa.JSON(), nullable=True))
    op.create_index("ix_answer_pending", "answer", ["id"], sqlite_where=_PENDING, postgresql_where=_PENDING)
    op.execute("UPDATE answer SET bucket = 'pending', cause_group = NULL WHERE text IS NOT NULL AND source IS NULL "
               "AND model_version IS NULL AND bucket = 'unclassified'")
    op.execute("UPDATE response SET primary_bucket = 'pending' WHERE primary_bucket = 'unclassified' AND EXISTS "
               "(SELECT 1 FROM answer WHERE answer.response_id = response.id AND answer.is_primary "
               "AND answer.bucket = 'pending')")


def downgrade():
    op.execute("UPDATE response SET primary_bucket = 'unclassified' WHERE primary_bucket = 'pending'")
    op.execute("UPDATE answer SET bucket = 'unclassified' WHERE bucket = 'pending'")
    op.drop_index("ix_answer_pending", table_name="answer")
    with op.batch_alter_table("answer") as batch:
        batch.drop_column("guesses")
