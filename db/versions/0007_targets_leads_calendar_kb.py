"""issue 9: targets, leads, campaigns, calendar, escalation, knowledge base

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 18:51:58.216938
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_desktop.core.models.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

role_permissions = sa.table(
    "role_permissions", sa.column("role_id", sa.Integer), sa.column("permission", sa.String)
)

# new permission -> the existing permission whose holders get it, so upgraded firms keep working
GRANTS = {
    "leads.view": "customers.create",
    "leads.edit": "customers.create",
    "leads.import": "customers.import",
    "campaigns.view": "customers.view",
    "campaigns.edit": "customers.transfer",
    "targets.view": "customers.view",
    "targets.edit": "customers.transfer",
    "kb.view": "customers.view",
    "kb.edit": "service.edit",
}


def upgrade() -> None:
    op.create_table(
        "kb_articles",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.String(length=300), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
    )
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_articles_category"), ["category"], unique=False)

    op.create_table(
        "campaigns",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("budget", crm_desktop.core.models.types.Money(), nullable=True),
        sa.Column("actual_cost", crm_desktop.core.models.types.Money(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["owner_id"], ["operators.id"], name=op.f("fk_campaigns_owner_id_operators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "sales_targets",
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("period_kind", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("sales_amount", crm_desktop.core.models.types.Money(), nullable=False),
        sa.Column("received_amount", crm_desktop.core.models.types.Money(), nullable=True),
        sa.Column("new_customers", sa.Integer(), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_sales_targets_operator_id_operators")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_sales_targets_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_targets")),
    )
    with op.batch_alter_table("sales_targets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_targets_period",
            ["period_kind", "period_start", "operator_id", "team_id"],
            unique=False,
        )

    op.create_table(
        "appointments",
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "starts_at", crm_desktop.core.models.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "ends_at", crm_desktop.core.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("remind_minutes", sa.Integer(), nullable=True),
        sa.Column(
            "reminded_at", crm_desktop.core.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column(
            "done_at", crm_desktop.core.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("remarks", sa.Text(), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_appointments_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_appointments_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_appointments_operator_id_operators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
    )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointments_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_appointments_operator_start", ["operator_id", "starts_at"], unique=False
        )

    op.create_table(
        "leads",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=80), nullable=True),
        sa.Column("phone", sa.String(length=60), nullable=True),
        sa.Column("email", sa.String(length=120), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=15), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=True),
        sa.Column("normalized_company", sa.String(length=200), nullable=False),
        sa.Column("phone_digits", sa.String(length=60), nullable=True),
        sa.Column(
            "converted_at", crm_desktop.core.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("opportunity_id", sa.Integer(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_leads_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_leads_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_leads_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["import_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_leads_import_batch_id_import_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_leads_opportunity_id_opportunities"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["operators.id"], name=op.f("fk_leads_owner_id_operators")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["base_data_items.id"], name=op.f("fk_leads_source_id_base_data_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_leads_normalized_company"), ["normalized_company"], unique=False
        )
        batch_op.create_index("ix_leads_owner_status", ["owner_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_phone_digits"), ["phone_digits"], unique=False)

    op.create_table(
        "kb_article_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("service_record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_article_links_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_record_id"],
            ["service_records.id"],
            name=op.f("fk_kb_article_links_service_record_id_service_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article_links")),
        sa.UniqueConstraint(
            "article_id",
            "service_record_id",
            name=op.f("uq_kb_article_links_article_id_service_record_id"),
        ),
    )
    with op.batch_alter_table("kb_article_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_article_links_service_record_id"), ["service_record_id"], unique=False
        )

    # Plain ADD COLUMN (no table copy on SQLite: customers may hold 100k rows, and copying a
    # table that others reference would fire their ON DELETE actions).
    op.add_column(
        "company_profile",
        sa.Column("complaint_escalation_days", sa.Integer(), nullable=False, server_default="3"),
    )
    _add_reference("customers", "campaign_id", "campaigns")
    op.create_index(op.f("ix_customers_campaign_id"), "customers", ["campaign_id"])
    op.add_column(
        "service_records",
        sa.Column("escalated_at", crm_desktop.core.models.types.UTCDateTime(timezone=True)),
    )
    _add_reference("service_records", "escalated_to_id", "operators")
    _grant_new_permissions()


def downgrade() -> None:
    op.execute(role_permissions.delete().where(role_permissions.c.permission.in_(list(GRANTS))))
    with op.batch_alter_table("service_records", recreate="never") as batch_op:
        if op.get_bind().dialect.name != "sqlite":
            batch_op.drop_constraint(
                op.f("fk_service_records_escalated_to_id_operators"), type_="foreignkey"
            )
        batch_op.drop_column("escalated_to_id")
        batch_op.drop_column("escalated_at")
    op.drop_index(op.f("ix_customers_campaign_id"), table_name="customers")
    with op.batch_alter_table("customers", recreate="never") as batch_op:
        if op.get_bind().dialect.name != "sqlite":
            batch_op.drop_constraint(op.f("fk_customers_campaign_id_campaigns"), type_="foreignkey")
        batch_op.drop_column("campaign_id")
    with op.batch_alter_table("company_profile", recreate="never") as batch_op:
        batch_op.drop_column("complaint_escalation_days")

    with op.batch_alter_table("kb_article_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_article_links_service_record_id"))

    op.drop_table("kb_article_links")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leads_phone_digits"))
        batch_op.drop_index("ix_leads_owner_status")
        batch_op.drop_index(batch_op.f("ix_leads_normalized_company"))
        batch_op.drop_index(batch_op.f("ix_leads_campaign_id"))

    op.drop_table("leads")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index("ix_appointments_operator_start")
        batch_op.drop_index(batch_op.f("ix_appointments_customer_id"))

    op.drop_table("appointments")
    with op.batch_alter_table("sales_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_targets_period")

    op.drop_table("sales_targets")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_owner_id"))

    op.drop_table("campaigns")
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_articles_category"))

    op.drop_table("kb_articles")


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


def _add_reference(table: str, column: str, target: str) -> None:
    """A nullable foreign key column, added in place: SQLite's ADD COLUMN accepts REFERENCES
    (Alembic's SQLite dialect would only offer a table copy)."""
    name = f"fk_{table}_{column}_{target}"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
            f"CONSTRAINT {name} REFERENCES {target} (id)"
        )
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, target, [column], ["id"])
