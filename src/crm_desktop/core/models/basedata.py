"""Base data lists (regions, customer types, sources, industries, ...) in one table.

Every list is the same shape (code, name, active, order), so one table with a `kind` column serves
them all and one settings page edits them all. Entries are deactivated, never deleted once used.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_desktop.core.i18n import N_
from crm_desktop.core.models.base import Base, Editable


class BaseDataKind(StrEnum):
    REGION = "region"
    CUSTOMER_TYPE = "customer_type"
    CUSTOMER_SOURCE = "customer_source"
    INDUSTRY = "industry"
    CONTACT_CATEGORY = "contact_category"
    PERSON_TYPE = "person_type"
    PAYMENT_METHOD = "payment_method"
    UNIT = "unit"
    PRODUCT_CATEGORY = "product_category"
    SERVICE_CATEGORY = "service_category"
    OPPORTUNITY_STAGE = "opportunity_stage"
    CUSTOMER_LEVEL = "customer_level"
    FOLLOWUP_CATEGORY = "followup_category"


BASE_DATA_LABELS: dict[BaseDataKind, str] = {
    BaseDataKind.REGION: N_("Regions"),
    BaseDataKind.CUSTOMER_TYPE: N_("Customer types"),
    BaseDataKind.CUSTOMER_SOURCE: N_("Customer sources"),
    BaseDataKind.INDUSTRY: N_("Industries"),
    BaseDataKind.CONTACT_CATEGORY: N_("Contact categories"),
    BaseDataKind.PERSON_TYPE: N_("Person types"),
    BaseDataKind.PAYMENT_METHOD: N_("Payment methods"),
    BaseDataKind.UNIT: N_("Units"),
    BaseDataKind.PRODUCT_CATEGORY: N_("Product categories"),
    BaseDataKind.SERVICE_CATEGORY: N_("Service categories"),
    BaseDataKind.OPPORTUNITY_STAGE: N_("Opportunity stages"),
    BaseDataKind.CUSTOMER_LEVEL: N_("Customer levels"),
    BaseDataKind.FOLLOWUP_CATEGORY: N_("Follow-up categories"),
}


class BaseDataItem(Editable, Base):
    __tablename__ = "base_data_items"
    __table_args__ = (UniqueConstraint("kind", "code"),)

    kind: Mapped[str] = mapped_column(String(40), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    remarks: Mapped[str | None] = mapped_column(String(300))
