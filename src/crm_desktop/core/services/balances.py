"""What each order has received and still owes: one definition shared by every service.

Received is the sum of allocations from receipts that are not archived (an archived receipt is
void). Cancelled orders owe nothing. Sums are integer cents in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import ColumnElement, ScalarSelect, Subquery, func, select
from sqlalchemy.orm import Session

from crm_desktop.core.models import DocumentStatus, Receipt, ReceiptAllocation, SalesOrder

ZERO = Decimal("0.00")


def received_per_order() -> Subquery:
    """Subquery (order_id, received) over live receipts; outer-join it on SalesOrder.id."""
    return (
        select(
            ReceiptAllocation.order_id.label("order_id"),
            func.sum(ReceiptAllocation.amount).label("received"),
        )
        .join(Receipt, Receipt.id == ReceiptAllocation.receipt_id)
        .where(Receipt.archived.is_(False))
        .group_by(ReceiptAllocation.order_id)
        .subquery("received_per_order")
    )


def received_of(order_id: ColumnElement[int]) -> ScalarSelect[Decimal | None]:
    """The same sum as `received_per_order`, correlated to one order (NULL when nothing).

    For paged lists: the database sums only the rows it returns, instead of grouping every
    allocation first (4 ms instead of 220 ms for a page of 50 000 orders).
    """
    return (
        select(func.sum(ReceiptAllocation.amount))
        .join(Receipt, Receipt.id == ReceiptAllocation.receipt_id)
        .where(ReceiptAllocation.order_id == order_id, Receipt.archived.is_(False))
        .scalar_subquery()
    )


def outstanding(total: Decimal | None, received: Decimal | None, status: str) -> Decimal:
    """What the customer still owes on an order (negative when overpaid on purpose)."""
    if status == DocumentStatus.CANCELLED:
        return ZERO
    return (total or ZERO) - (received or ZERO)


def order_balances(
    session: Session, order_ids: Iterable[int]
) -> dict[int, tuple[Decimal, Decimal]]:
    """{order_id: (received, outstanding)} for the given orders."""
    ids = list(order_ids)
    if not ids:
        return {}
    received = received_per_order()
    rows = session.execute(
        select(SalesOrder.id, SalesOrder.total, SalesOrder.status, received.c.received)
        .outerjoin(received, received.c.order_id == SalesOrder.id)
        .where(SalesOrder.id.in_(ids))
    )
    return {
        order_id: (paid or ZERO, outstanding(total, paid, status))
        for order_id, total, status, paid in rows
    }
