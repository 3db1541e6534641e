"""response submission key

Each showing of a public-link or interview form carries a random key; the response stores it, unique, so the
same form sent twice (a double click, a resend after a timeout) stores one response.

Revision ID: 7d237b17b3d1
Revises: 8c1e5f7b2a64
Create Date: 2026-12-01 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d237b17b3d1'
down_revision = '8c1e5f7b2a64'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_key', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_response_submission_key'), ['submission_key'])


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_response_submission_key'), type_='unique')
        batch_op.drop_column('submission_key')
