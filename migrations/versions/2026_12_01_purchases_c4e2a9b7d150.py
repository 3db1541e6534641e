"""purchases

Each customer's purchases (day, amount, optional order reference), imported from the company's order
history: the ground for telling who is lost, the lost revenue and who to win back first. Customers gain
whether their status was set by staff (then detection leaves it), when a lost customer returned, and their
usual interval between purchases.

Revision ID: c4e2a9b7d150
Revises: 181d42980385
Create Date: 2026-12-01 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e2a9b7d150'
down_revision = '181d42980385'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "purchase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("order_ref", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_purchase_customer_id_customer"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase")),
        sa.UniqueConstraint("customer_id", "order_ref", name="uq_purchase_customer_order"),
    )
    op.create_index("ix_purchase_customer_day", "purchase", ["customer_id", "day", "amount"])
    op.create_index("ix_purchase_day", "purchase", ["day"])
    with op.batch_alter_table("customer") as batch:
        batch.add_column(sa.Column("status_manual", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("returned_at", sa.Date(), nullable=True))
        batch.add_column(sa.Column("usual_interval", sa.Float(), nullable=True))
    # Statuses and lost dates stored so far were typed by staff or imported: detection must not change them.
    customer = sa.table("customer", sa.column("status", sa.String()), sa.column("lost_at", sa.Date()),
                        sa.column("status_manual", sa.Boolean()))
    op.get_bind().execute(customer.update().where(sa.or_(customer.c.status != "active", customer.c.lost_at.is_not(None)))
                          .values(status_manual=True))


def downgrade():
    with op.batch_alter_table("customer") as batch:
        batch.drop_column("usual_interval")
        batch.drop_column("returned_at")
        batch.drop_column("status_manual")
    op.drop_index("ix_purchase_day", table_name="purchase")
    op.drop_index("ix_purchase_customer_day", table_name="purchase")
    op.drop_table("purchase")
