"""periodic runs: when each scheduled task last started

Revision ID: 8c1e5f7b2a64
Revises: 6d2f8b4a9e13
Create Date: 2026-12-01 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '8c1e5f7b2a64'
down_revision = '6d2f8b4a9e13'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'periodic_run',
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('last_run_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_periodic_run')),
    )


def downgrade():
    op.drop_table('periodic_run')
