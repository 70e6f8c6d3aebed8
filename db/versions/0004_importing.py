"""importing: import batch details, per-row import changes for undo, import/export permissions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

role_permissions = sa.table(
    "role_permissions", sa.column("role_id", sa.Integer), sa.column("permission", sa.String)
)

# new permission -> the existing permission whose holders get it, so upgraded firms keep working
GRANTS = {
    "orders.import": "customers.import",
    "orders.export": "customers.export",
    "receipts.export": "customers.export",
    "service.export": "customers.export",
}

BATCH_COLUMNS = (
    ("sheet", sa.String(length=120)),
    ("mode", sa.String(length=10)),
    ("match_key", sa.String(length=10)),
    ("backup_path", sa.String(length=500)),
    ("pc_name", sa.String(length=80)),
    ("session_key", sa.String(length=40)),
)


def upgrade() -> None:
    for name, kind in BATCH_COLUMNS:
        op.add_column("import_batches", sa.Column(name, kind, nullable=True))
    for name in ("unchanged_count", "error_count"):
        op.add_column(
            "import_batches", sa.Column(name, sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "import_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("old_values", sa.Text(), nullable=True),
        sa.Column("new_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_import_changes_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_changes")),
    )
    op.create_index(
        "ix_import_changes_batch", "import_changes", ["batch_id", "entity", "entity_id"]
    )
    _grant_new_permissions()


def _grant_new_permissions() -> None:
    bind = op.get_bind()
    for new, existing in GRANTS.items():
        roles = bind.scalars(
            sa.select(role_permissions.c.role_id).where(role_permissions.c.permission == existing)
        ).all()
        if roles:
            bind.execute(
                role_permissions.insert(),
                [{"role_id": role_id, "permission": new} for role_id in roles],
            )


def downgrade() -> None:
    op.execute(role_permissions.delete().where(role_permissions.c.permission.in_(list(GRANTS))))
    op.drop_index("ix_import_changes_batch", table_name="import_changes")
    op.drop_table("import_changes")
    with op.batch_alter_table("import_batches") as batch:
        for name in ("error_count", "unchanged_count", *(n for n, _k in reversed(BATCH_COLUMNS))):
            batch.drop_column(name)
