"""signed links and consent text

Surveys may take links signed by a product's own cancel flow (a secret, on/off, and what a bad signature leads
to) and have a consent wording per language; each response keeps the consent text shown and, when it came
through a signed link, that link's mark (unique: a link is answered once).

Revision ID: 42b78cd47213
Revises: dc3990743ccd
Create Date: 2026-12-02 01:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '42b78cd47213'
down_revision = 'dc3990743ccd'
branch_labels = None
depends_on = None


def upgrade():
    # Columns are added in place: rebuilding the survey table would delete its questions and responses (cascade).
    with op.batch_alter_table("survey", recreate="never") as batch:
        batch.add_column(sa.Column("consent_text", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("signed_links", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("link_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("link_fallback", sa.String(length=10), server_default="refuse",
                                   nullable=False))
    with op.batch_alter_table("response", recreate="never") as batch:
        batch.add_column(sa.Column("consent_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("link_mark", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_response_link_mark"), "response", ["link_mark"], unique=True)


def downgrade():
    op.drop_index(op.f("ix_response_link_mark"), table_name="response")
    with op.batch_alter_table("response") as batch:
        batch.drop_column("link_mark")
        batch.drop_column("consent_text")
    with op.batch_alter_table("survey") as batch:
        batch.drop_column("link_fallback")
        batch.drop_column("link_secret")
        batch.drop_column("signed_links")
        batch.drop_column("consent_text")
