"""multi-PC: a change log other PCs poll, and the record each session is editing (soft lock)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_desktop.core.models.types import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EDITING_COLUMNS = (
    ("editing_entity", sa.String(length=30)),
    ("editing_id", sa.Integer()),
    ("editing_since", UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(length=40), nullable=False),
        sa.Column("kinds", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log")),
    )
    with op.batch_alter_table("presence") as batch:
        for name, kind in EDITING_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("presence") as batch:
        for name, _kind in reversed(EDITING_COLUMNS):
            batch.drop_column(name)
    op.drop_table("change_log")
