"""clear impossible annual revenue

Older customer forms accepted "Infinity", "NaN", "1e20" and negative amounts as annual revenue. The form and
the CSV import now accept 0 <= x < 10**12 only; amounts outside that range already stored are cleared (the
revenue becomes unknown, as if never recorded), and the reports' revision is raised so no cached figure keeps
counting them.

Revision ID: 181d42980385
Revises: 7d237b17b3d1
Create Date: 2026-12-01 12:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '181d42980385'
down_revision = '7d237b17b3d1'
branch_labels = None
depends_on = None

customer = sa.table("customer", sa.column("annual_revenue", sa.Numeric()))
data_revision = sa.table("data_revision", sa.column("name", sa.String()), sa.column("value", sa.Integer()))


def upgrade():
    revenue = customer.c.annual_revenue
    # NaN is never less than, equal to or greater than anything: only "not (0 <= x < 10**12)" catches it too.
    impossible = sa.not_(sa.and_(revenue >= sa.literal_column("0"), revenue < sa.literal_column("1000000000000")))
    bind = op.get_bind()
    cleared = bind.execute(customer.update().where(revenue.is_not(None), impossible).values(annual_revenue=None))
    if cleared.rowcount:
        raised = bind.execute(data_revision.update().where(data_revision.c.name == "reports")
                              .values(value=data_revision.c.value + 1))
        if not raised.rowcount:
            bind.execute(data_revision.insert().values(name="reports", value=1))


def downgrade():
    pass  # the cleared amounts were never real figures
