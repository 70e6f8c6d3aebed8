"""customers tab: pinyin order, pool rules, follow-up indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:09:24.794740
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_desktop.core.models.types
from crm_desktop.core.search_keys import name_key, search_key, sort_name

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

customers = sa.table(
    "customers",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("email", sa.String),
    sa.column("name_key", sa.String),
    sa.column("search_key", sa.String),
    sa.column("sort_name", sa.String),
    sa.column("owner_id", sa.Integer),
    sa.column("created_at", sa.String),
    sa.column("owned_since", sa.String),
)
role_permissions = sa.table(
    "role_permissions", sa.column("role_id", sa.Integer), sa.column("permission", sa.String)
)


def upgrade() -> None:
    op.create_table(
        "pool_rules",
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "in_force_since",
            crm_desktop.core.models.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("no_followup_days", sa.Integer(), nullable=False),
        sa.Column("no_deal_days", sa.Integer(), nullable=False),
        sa.Column("warn_days", sa.Integer(), nullable=False),
        sa.Column("max_private_customers", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", crm_desktop.core.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "updated_at", crm_desktop.core.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_rules")),
    )
    # Plain ADD COLUMN (no table rebuild on SQLite); the server default fills existing rows.
    op.add_column(
        "customers",
        sa.Column(
            "owned_since",
            crm_desktop.core.models.types.UTCDateTime(timezone=True),
            nullable=True,
        ),
    )
    op.add_column(
        "customers",
        sa.Column("sort_name", sa.String(length=400), nullable=False, server_default=""),
    )
    op.add_column(
        "customers",
        sa.Column("name_key", sa.String(length=200), nullable=False, server_default=""),
    )
    _fill_customers()
    op.drop_index("ix_customers_search", table_name="customers")
    op.create_index(
        "ix_customers_list",
        "customers",
        [
            "archived",
            "sort_name",
            "name_key",
            "search_key",
            "phone_digits",
            "owner_id",
            "pool_status",
        ],
    )
    op.create_index("ix_customers_owner_next", "customers", ["owner_id", "next_followup_on"])
    op.create_index("ix_followups_happened", "followups", ["happened_at"])
    op.create_index("ix_followups_operator_happened", "followups", ["operator_id", "happened_at"])
    _grant_pool_rules()


def _fill_customers() -> None:
    """Pinyin order and the split search keys for existing customers; owners are taken to own
    them since their creation."""
    bind = op.get_bind()
    bind.execute(
        customers.update()
        .where(customers.c.owner_id.is_not(None))
        .values(owned_since=customers.c.created_at)
    )
    rows = bind.execute(sa.select(customers.c.id, customers.c.name, customers.c.email)).all()
    if rows:
        bind.execute(
            customers.update().where(customers.c.id == sa.bindparam("cid")),
            [
                {
                    "cid": cid,
                    "sort_name": sort_name(name),
                    "name_key": name_key(name),
                    "search_key": search_key(name, email),
                }
                for cid, name, email in rows
            ],
        )


def _grant_pool_rules() -> None:
    """Whoever may edit the company profile may also edit the new pool rules."""
    bind = op.get_bind()
    roles = bind.scalars(
        sa.select(role_permissions.c.role_id).where(
            role_permissions.c.permission == "settings.company"
        )
    ).all()
    if roles:
        bind.execute(
            role_permissions.insert(),
            [{"role_id": role_id, "permission": "settings.pool"} for role_id in roles],
        )


def downgrade() -> None:
    op.execute(role_permissions.delete().where(role_permissions.c.permission == "settings.pool"))
    op.drop_index("ix_followups_operator_happened", table_name="followups")
    op.drop_index("ix_followups_happened", table_name="followups")
    op.drop_index("ix_customers_owner_next", table_name="customers")
    op.drop_index("ix_customers_list", table_name="customers")
    op.create_index(
        "ix_customers_search", "customers", ["name", "search_key", "phone_digits", "owner_id"]
    )
    with op.batch_alter_table("customers") as batch_op:
        batch_op.drop_column("name_key")
        batch_op.drop_column("sort_name")
        batch_op.drop_column("owned_since")
    op.drop_table("pool_rules")
