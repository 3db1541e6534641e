"""stored files in the database: uploads waiting to be imported and trained models

Revision ID: 6d2f8b4a9e13
Revises: 90fff30301f8
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '6d2f8b4a9e13'
down_revision = '90fff30301f8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_blob',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('complete', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_blob')),
    )
    with op.batch_alter_table('stored_blob', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_blob_kind'), ['kind'], unique=False)
    op.create_table(
        'stored_blob_chunk',
        sa.Column('blob_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['blob_id'], ['stored_blob.id'], name=op.f('fk_stored_blob_chunk_blob_id_stored_blob'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('blob_id', 'seq', name=op.f('pk_stored_blob_chunk')),
    )
    with op.batch_alter_table('classifier_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blob_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_classifier_version_blob_id_stored_blob'), 'stored_blob',
                                    ['blob_id'], ['id'], ondelete='SET NULL')
        batch_op.alter_column('file_name', existing_type=sa.String(length=120), nullable=True)


def downgrade():
    with op.batch_alter_table('classifier_version', schema=None) as batch_op:
        batch_op.alter_column('file_name', existing_type=sa.String(length=120), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_classifier_version_blob_id_stored_blob'), type_='foreignkey')
        batch_op.drop_column('blob_id')
    op.drop_table('stored_blob_chunk')
    with op.batch_alter_table('stored_blob', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_blob_kind'))
    op.drop_table('stored_blob')
