"""Products, opportunities, quotes, sales orders, contracts, payment plans, receipts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_desktop.core.models.base import Base, Editable
from crm_desktop.core.models.types import Money, Quantity


class Product(Editable, Base):
    __tablename__ = "products"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[str | None] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    unit_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    remarks: Mapped[str | None] = mapped_column(Text)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))


class OpportunityStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Opportunity(Editable, Base):
    __tablename__ = "opportunities"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    status: Mapped[str] = mapped_column(String(10), default=OpportunityStatus.OPEN)
    expected_amount: Mapped[Decimal | None] = mapped_column(Money)
    expected_close_on: Mapped[date | None] = mapped_column(Date)
    probability: Mapped[int | None] = mapped_column(Integer)  # percent
    lost_reason: Mapped[str | None] = mapped_column(String(300))
    remarks: Mapped[str | None] = mapped_column(Text)


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CONFIRMED = "confirmed"
    DELIVERED = "delivered"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"  # a quote revised into a newer version


class Quote(Editable, Base):
    __tablename__ = "quotes"
    __table_args__ = (
        UniqueConstraint("number", "revision"),
        Index("ix_quotes_salesperson_date", "salesperson_id", "quote_date"),
    )

    number: Mapped[str] = mapped_column(String(40))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    salesperson_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))
    quote_date: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=DocumentStatus.DRAFT)
    tax_rate_bp: Mapped[int] = mapped_column(Integer, default=0)  # basis points: 1300 = 13 %
    subtotal: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    tax: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    terms: Mapped[str | None] = mapped_column(Text)
    remarks: Mapped[str | None] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class QuoteLine(Base):
    __tablename__ = "quote_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    product_code: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str | None] = mapped_column(String(20))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    discount_bp: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Money)


class SalesOrder(Editable, Base):
    __tablename__ = "sales_orders"
    __table_args__ = (Index("ix_sales_orders_salesperson_date", "salesperson_id", "order_date"),)

    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    contact_phone: Mapped[str | None] = mapped_column(String(60))
    salesperson_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id"))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))
    order_date: Mapped[date] = mapped_column(Date, index=True)
    delivery_address: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default=DocumentStatus.DRAFT)
    tax_rate_bp: Mapped[int] = mapped_column(Integer, default=0)  # basis points: 1300 = 13 %
    subtotal: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    tax: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    terms: Mapped[str | None] = mapped_column(Text)
    remarks: Mapped[str | None] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True
    )
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    product_code: Mapped[str | None] = mapped_column(String(40))
    product_name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(20))
    unit_price: Mapped[Decimal] = mapped_column(Money)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    discount_bp: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Money)


class Contract(Editable, Base):
    __tablename__ = "contracts"
    __table_args__ = (Index("ix_contracts_salesperson_end", "salesperson_id", "end_on"),)

    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    salesperson_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    title: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    signed_on: Mapped[date | None] = mapped_column(Date)
    start_on: Mapped[date | None] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date, index=True)
    signatory: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12), default=DocumentStatus.DRAFT)
    terms: Mapped[str | None] = mapped_column(Text)
    signed_attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)


class ContractOrder(Base):
    """A contract may cover several orders."""

    __tablename__ = "contract_orders"
    __table_args__ = (UniqueConstraint("contract_id", "order_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"))


class PaymentPlan(Editable, Base):
    """One instalment due on an order or a contract."""

    __tablename__ = "payment_plans"

    order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer, default=1)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    remarks: Mapped[str | None] = mapped_column(String(300))


class Receipt(Editable, Base):
    __tablename__ = "receipts"

    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    payer: Mapped[str | None] = mapped_column(String(200))
    payment_method_id: Mapped[int | None] = mapped_column(ForeignKey("base_data_items.id"))
    received_on: Mapped[date] = mapped_column(Date, index=True)
    handler_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    remarks: Mapped[str | None] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when an allocation was allowed to pay an order beyond its total, on purpose.
    overpayment: Mapped[bool] = mapped_column(Boolean, default=False)


class ReceiptAllocation(Base):
    """How much of a receipt pays which order."""

    __tablename__ = "receipt_allocations"
    __table_args__ = (UniqueConstraint("receipt_id", "order_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
