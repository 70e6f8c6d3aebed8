"""Marketing: campaigns, and leads (prospects not yet customers) that may come from them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_desktop.core.models.base import Base, Editable
from crm_desktop.core.models.types import Money, UTCDateTime


class CampaignKind(StrEnum):
    EXHIBITION = "exhibition"  # 展会
    SEMINAR = "seminar"  # 研讨会
    ONLINE = "online"  # 网络推广
    MAILING = "mailing"  # 邮件/短信
    TELEMARKETING = "telemarketing"  # 电话营销
    OTHER = "other"


class Campaign(Editable, Base):
    """A marketing campaign; leads and customers link to the one they came from."""

    __tablename__ = "campaigns"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=CampaignKind.OTHER)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    budget: Mapped[Decimal | None] = mapped_column(Money)
    actual_cost: Mapped[Decimal | None] = mapped_column(Money)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class LeadStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    CONVERTED = "converted"  # became a customer (+ contact, + opportunity); read-only after


class Lead(Editable, Base):
    """A prospect: a person and/or company not yet a customer, owned by a salesperson."""

    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_owner_status", "owner_id", "status"),)

    name: Mapped[str] = mapped_column(String(80))  # the person
    company: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(120))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    status: Mapped[str] = mapped_column(String(15), default=LeadStatus.NEW)
    remarks: Mapped[str | None] = mapped_column(Text)
    # derived, for the duplicate check against customers and other leads
    normalized_company: Mapped[str] = mapped_column(String(200), default="", index=True)
    phone_digits: Mapped[str | None] = mapped_column(String(60), index=True)
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
