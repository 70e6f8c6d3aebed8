"""Service records: visits, repairs, complaints and consultations after the sale."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_desktop.core.models.base import Base, Editable
from crm_desktop.core.models.types import UTCDateTime


class ServiceStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class ServiceKind(StrEnum):
    SERVICE = "service"
    COMPLAINT = "complaint"
    CONSULTATION = "consultation"


class ServiceRecord(Editable, Base):
    __tablename__ = "service_records"
    __table_args__ = (Index("ix_service_records_accepted", "accepted_at"),)

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    subject: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(15), default=ServiceKind.SERVICE)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    handler_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=ServiceStatus.OPEN, index=True)
    priority: Mapped[int] = mapped_column(Integer, default=2)  # 1 high, 2 normal, 3 low
    result: Mapped[str | None] = mapped_column(Text)
    remarks: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None] = mapped_column(Integer)  # 1-5 when closed
    satisfaction_comment: Mapped[str | None] = mapped_column(String(300))
    # a complaint open past the company's escalation days goes to the handler's manager
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
