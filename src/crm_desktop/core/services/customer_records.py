"""Read-only summaries of a customer's orders, receipts and service records (detail tabs).

Each needs the customer to be visible plus the permission of that kind of record, so the detail
dialog can hide a tab the operator may not see. Amounts are summed in SQL over integer cents.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import Database
from crm_desktop.core.i18n import translated
from crm_desktop.core.models import (
    BaseDataItem,
    Operator,
    Receipt,
    ReceiptAllocation,
    SalesOrder,
    ServiceRecord,
)
from crm_desktop.core.services.access import require
from crm_desktop.core.services.customers import load_visible

ZERO = Decimal("0.00")


class OrderSummary(NamedTuple):
    id: int
    number: str
    order_date: date
    status: str
    total: Decimal
    received: Decimal
    outstanding: Decimal


class ReceiptSummary(NamedTuple):
    id: int
    number: str
    received_on: date
    method: str
    amount: Decimal
    handler_name: str


class ServiceSummary(NamedTuple):
    id: int
    subject: str
    status: str
    accepted_at: datetime
    handler_name: str
    result: str | None


def customer_orders(db: Database, actor: Actor, customer_id: int) -> list[OrderSummary]:
    """The customer's orders, newest first, with what was received and what is still owed."""
    with db.read() as session:
        _visible_customer(session, actor, customer_id, "orders.view")
        received = (
            select(
                ReceiptAllocation.order_id.label("order_id"),
                func.sum(ReceiptAllocation.amount).label("received"),
            )
            .join(Receipt, Receipt.id == ReceiptAllocation.receipt_id)
            .where(Receipt.archived.is_(False))
            .group_by(ReceiptAllocation.order_id)
            .subquery()
        )
        query = (
            select(
                SalesOrder.id,
                SalesOrder.number,
                SalesOrder.order_date,
                SalesOrder.status,
                SalesOrder.total,
                received.c.received,
            )
            .outerjoin(received, received.c.order_id == SalesOrder.id)
            .where(SalesOrder.customer_id == customer_id, SalesOrder.archived.is_(False))
            .order_by(SalesOrder.order_date.desc(), SalesOrder.id.desc())
        )
        rows = []
        for order_id, number, order_date, status, total, paid in session.execute(query):
            total, paid = total or ZERO, paid or ZERO  # SUM keeps the Money type
            rows.append(
                OrderSummary(order_id, number, order_date, status, total, paid, total - paid)
            )
        return rows


def customer_receipts(db: Database, actor: Actor, customer_id: int) -> list[ReceiptSummary]:
    """Receipts from the customer, or allocated to the customer's orders, newest first."""
    with db.read() as session:
        _visible_customer(session, actor, customer_id, "receipts.view")
        for_orders = (
            select(ReceiptAllocation.receipt_id)
            .join(SalesOrder, SalesOrder.id == ReceiptAllocation.order_id)
            .where(SalesOrder.customer_id == customer_id)
        )
        query = (
            select(
                Receipt.id,
                Receipt.number,
                Receipt.received_on,
                BaseDataItem.name,
                Receipt.amount,
                Operator.name,
            )
            .outerjoin(BaseDataItem, BaseDataItem.id == Receipt.payment_method_id)
            .outerjoin(Operator, Operator.id == Receipt.handler_id)
            .where(
                or_(Receipt.customer_id == customer_id, Receipt.id.in_(for_orders)),
                Receipt.archived.is_(False),
            )
            .order_by(Receipt.received_on.desc(), Receipt.id.desc())
        )
        return [
            ReceiptSummary(
                row_id, number, on, translated(method) if method else "", amount, handler or ""
            )
            for row_id, number, on, method, amount, handler in session.execute(query)
        ]


def customer_service_records(db: Database, actor: Actor, customer_id: int) -> list[ServiceSummary]:
    """The customer's service records (visits, repairs, complaints), newest first."""
    with db.read() as session:
        _visible_customer(session, actor, customer_id, "service.view")
        query = (
            select(
                ServiceRecord.id,
                ServiceRecord.subject,
                ServiceRecord.status,
                ServiceRecord.accepted_at,
                Operator.name,
                ServiceRecord.result,
            )
            .outerjoin(Operator, Operator.id == ServiceRecord.handler_id)
            .where(ServiceRecord.customer_id == customer_id)
            .order_by(ServiceRecord.accepted_at.desc(), ServiceRecord.id.desc())
        )
        return [
            ServiceSummary(row_id, subject, status, at, handler or "", result)
            for row_id, subject, status, at, handler, result in session.execute(query)
        ]


def _visible_customer(session: Session, actor: Actor, customer_id: int, permission: str) -> None:
    operator = require(session, actor, "customers.view")
    require(session, actor, permission)
    load_visible(session, operator, customer_id)
