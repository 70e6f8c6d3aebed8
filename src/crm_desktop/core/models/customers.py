"""Customers, their contacts, follow-ups (visit records) and annotations on them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_desktop.core.models.base import Base, Editable
from crm_desktop.core.models.types import UTCDateTime


class PoolStatus(StrEnum):
    PRIVATE = "private"  # owned by a salesperson
    PUBLIC = "public"  # in the public pool, any salesperson may claim it


class Customer(Editable, Base):
    __tablename__ = "customers"
    __table_args__ = (
        # Walks the list's default order (pinyin) and answers every LIKE of the search box and the
        # data-scope test from the index alone; the table row is read only for rows shown
        # (PERF-FLOORS 4e: p95 22-37 ms at 100k rows). Each kind of search term has its own short
        # key (name_key, search_key, phone_digits), so a LIKE scans only what it can match.
        Index(
            "ix_customers_list",
            "archived",
            "sort_name",
            "name_key",
            "search_key",
            "phone_digits",
            "owner_id",
            "pool_status",
        ),
        # The today queue and the pool rules: an owner's customers by next/last follow-up.
        Index("ix_customers_owner_next", "owner_id", "next_followup_on"),
    )

    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(80))
    type_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"), index=True)
    level_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(120))
    website: Mapped[str | None] = mapped_column(String(200))
    tax_id: Mapped[str | None] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), index=True)
    pool_status: Mapped[str] = mapped_column(String(10), default=PoolStatus.PRIVATE)
    pool_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the current owner got the customer (created, claimed, transferred): the pool rules
    # count idle days from here at the earliest, so a customer just claimed is not returned.
    owned_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remarks: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[str | None] = mapped_column(String(300))
    # Maintained by the customer service on every write (see core/search_keys.py).
    name_key: Mapped[str] = mapped_column(String(200), default="")
    search_key: Mapped[str] = mapped_column(Text, default="")
    # The name spelled in pinyin (Latin text as is), so Chinese names list in 拼音 order.
    sort_name: Mapped[str] = mapped_column(String(400), default="")
    normalized_name: Mapped[str] = mapped_column(String(200), default="", index=True)
    phone_digits: Mapped[str | None] = mapped_column(String(60), index=True)
    last_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_followup_on: Mapped[date | None] = mapped_column(Date)
    last_deal_on: Mapped[date | None] = mapped_column(Date)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)


class Contact(Editable, Base):
    __tablename__ = "contacts"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    title: Mapped[str | None] = mapped_column(String(80))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    phone: Mapped[str | None] = mapped_column(String(60))
    mobile: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(120))
    wechat: Mapped[str | None] = mapped_column(String(80))
    birthday: Mapped[date | None] = mapped_column(Date)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    remarks: Mapped[str | None] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))


class FollowUpMethod(StrEnum):
    PHONE = "phone"
    VISIT = "visit"
    WECHAT = "wechat"
    EMAIL = "email"
    OTHER = "other"


class FollowUp(Editable, Base):
    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_operator_next", "operator_id", "next_followup_on"),
        # The follow-ups tab lists by date, for everyone or for the operators in a scope.
        Index("ix_followups_happened", "happened_at"),
        Index("ix_followups_operator_happened", "operator_id", "happened_at"),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))
    method: Mapped[str] = mapped_column(String(10), default=FollowUpMethod.PHONE)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    happened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    subject: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    next_followup_on: Mapped[date | None] = mapped_column(Date)
    next_action: Mapped[str | None] = mapped_column(String(300))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class FollowUpAnnotation(Editable, Base):
    """A manager's comment (批注) on a follow-up; the salesperson sees it as unread until opened."""

    __tablename__ = "followup_annotations"

    followup_id: Mapped[int] = mapped_column(ForeignKey("followups.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    body: Mapped[str] = mapped_column(Text)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SavedFilter(Editable, Base):
    """A named filter an operator saved on a list tab."""

    __tablename__ = "saved_filters"

    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    list_name: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    definition: Mapped[str] = mapped_column(Text)  # JSON
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class PoolRules(Editable, Base):
    """The firm's public-pool rule (one row): when idle customers go back to the pool.

    A day count of 0 switches that part of the rule off.
    """

    __tablename__ = "pool_rules"

    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the rule was last switched on: idle days count from here at the earliest, so turning
    # the rule on gives everyone the full period instead of emptying half the ledger at once.
    in_force_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    no_followup_days: Mapped[int] = mapped_column(Integer, default=30)
    no_deal_days: Mapped[int] = mapped_column(Integer, default=0)
    warn_days: Mapped[int] = mapped_column(Integer, default=3)
    max_private_customers: Mapped[int] = mapped_column(Integer, default=0)
