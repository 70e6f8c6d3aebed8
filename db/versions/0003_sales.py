"""sales: order tax and discounts, quote line codes, overpayment flag, list indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _int_column(name: str, kind: type = sa.BigInteger) -> sa.Column:
    return sa.Column(name, kind(), nullable=False, server_default="0")


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild on SQLite); server defaults fill existing rows.
    op.add_column("sales_orders", _int_column("tax_rate_bp", sa.Integer))
    op.add_column("sales_orders", _int_column("subtotal"))
    op.add_column("sales_orders", _int_column("tax"))
    op.add_column("sales_orders", sa.Column("terms", sa.Text(), nullable=True))
    op.add_column("order_lines", _int_column("discount_bp", sa.Integer))
    op.add_column("quote_lines", sa.Column("product_code", sa.String(length=40), nullable=True))
    op.add_column(
        "receipts",
        sa.Column("overpayment", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # Orders made before tax was stored: their total is their subtotal.
    op.execute("UPDATE sales_orders SET subtotal = total")
    op.create_index("ix_quotes_salesperson_date", "quotes", ["salesperson_id", "quote_date"])
    op.create_index("ix_contracts_salesperson_end", "contracts", ["salesperson_id", "end_on"])
    op.create_index("ix_service_records_accepted", "service_records", ["accepted_at"])


def downgrade() -> None:
    op.drop_index("ix_service_records_accepted", table_name="service_records")
    op.drop_index("ix_contracts_salesperson_end", table_name="contracts")
    op.drop_index("ix_quotes_salesperson_date", table_name="quotes")
    with op.batch_alter_table("receipts") as batch:
        batch.drop_column("overpayment")
    with op.batch_alter_table("quote_lines") as batch:
        batch.drop_column("product_code")
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("discount_bp")
    with op.batch_alter_table("sales_orders") as batch:
        for name in ("terms", "tax", "subtotal", "tax_rate_bp"):
            batch.drop_column(name)
