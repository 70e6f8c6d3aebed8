"""Numbers to aim at and time to keep: sales targets, appointments and tasks."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_desktop.core.models.base import Base, Editable
from crm_desktop.core.models.types import Money, UTCDateTime


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class SalesTarget(Editable, Base):
    """业绩指标: what one salesperson (operator_id) or one team (team_id) should reach in a period.

    `period_start` is the first day of the month, quarter or year. Exactly one of operator_id and
    team_id is set; the service keeps one target per holder and period.
    """

    __tablename__ = "sales_targets"
    __table_args__ = (
        Index("ix_sales_targets_period", "period_kind", "period_start", "operator_id", "team_id"),
    )

    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    period_kind: Mapped[str] = mapped_column(String(8), default=PeriodKind.MONTH)
    period_start: Mapped[date] = mapped_column(Date)
    sales_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    received_amount: Mapped[Decimal | None] = mapped_column(Money)
    new_customers: Mapped[int | None] = mapped_column(Integer)


class AppointmentKind(StrEnum):
    APPOINTMENT = "appointment"  # 约会/拜访: has a time and usually a place
    TASK = "task"  # 待办: due at a time, done or not


class Appointment(Editable, Base):
    """日程: an appointment or task of one operator, optionally about a customer and contact."""

    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_operator_start", "operator_id", "starts_at"),)

    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    kind: Mapped[str] = mapped_column(String(12), default=AppointmentKind.APPOINTMENT)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    place: Mapped[str | None] = mapped_column(String(200))
    remind_minutes: Mapped[int | None] = mapped_column(Integer)  # before starts_at; None: no
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # shown/dismissed
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remarks: Mapped[str | None] = mapped_column(Text)
