"""response primary bucket and submitted month

Each response keeps the bucket of its primary answer (its cause) and the month it was submitted in, so reports
count causes, and the monthly trend, from the response table's indexes alone, without joining every answer or
sorting every row by month. Existing responses are filled in, and (if there are any) the reports' revision is
raised so cached figures are computed afresh from the new columns.

Revision ID: 504ce5fa2efa
Revises: c4e2a9b7d150
Create Date: 2026-12-01 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '504ce5fa2efa'
down_revision = 'c4e2a9b7d150'
branch_labels = None
depends_on = None

response = sa.table("response", sa.column("id", sa.Integer()), sa.column("primary_bucket", sa.String()),
                    sa.column("submitted_at", sa.DateTime()), sa.column("submitted_month", sa.String()))
answer = sa.table("answer", sa.column("id", sa.Integer()), sa.column("response_id", sa.Integer()),
                  sa.column("bucket", sa.String()), sa.column("is_primary", sa.Boolean()))
data_revision = sa.table("data_revision", sa.column("name", sa.String()), sa.column("value", sa.Integer()))


def upgrade():
    op.add_column('response', sa.Column('primary_bucket', sa.String(length=20), nullable=True))
    op.add_column('response', sa.Column('submitted_month', sa.String(length=7), nullable=True))
    primary = sa.and_(answer.c.is_primary.is_(True), answer.c.bucket.is_not(None))
    bind = op.get_bind()
    # The same answer the app copies: the response's primary answer (the first, should there ever be two).
    bind.execute(response.update()
                 .where(response.c.id.in_(sa.select(answer.c.response_id).where(primary)))
                 .values(primary_bucket=sa.select(answer.c.bucket)
                         .where(answer.c.response_id == response.c.id, answer.c.is_primary.is_(True))
                         .order_by(answer.c.id).limit(1).scalar_subquery()))
    # UTC 'YYYY-MM', as the app writes it (SQLite stores timestamps as ISO text).
    month = (sa.func.to_char(response.c.submitted_at, sa.literal_column("'YYYY-MM'"))
             if bind.dialect.name == "postgresql" else
             sa.func.substr(response.c.submitted_at, sa.literal_column("1"), sa.literal_column("7")))
    filled = bind.execute(response.update().values(submitted_month=month)).rowcount
    if filled:  # figures may be cached: raise the revision so they are computed again from the new columns
        raised = bind.execute(data_revision.update().where(data_revision.c.name == "reports")
                              .values(value=data_revision.c.value + 1))
        if not raised.rowcount:
            bind.execute(data_revision.insert().values(name="reports", value=1))
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index('ix_response_customer_id')
        batch_op.create_index('ix_response_customer_bucket',
                              ['customer_id', 'primary_bucket', 'survey_id', 'submitted_month'], unique=False)
        batch_op.create_index('ix_response_causes', ['survey_id', 'submitted_month', 'primary_bucket', 'submitted_at',
                                                     'locale', 'channel'], unique=False)


def downgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index('ix_response_causes')
        batch_op.drop_index('ix_response_customer_bucket')
        batch_op.create_index('ix_response_customer_id', ['customer_id'], unique=False)
        batch_op.drop_column('submitted_month')
        batch_op.drop_column('primary_bucket')
