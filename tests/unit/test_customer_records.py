"""The customer detail's orders, receipts and service tabs: exact money, permissions, scope."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied
from crm_desktop.core.models import (
    Receipt,
    ReceiptAllocation,
    SalesOrder,
    ServiceRecord,
    ServiceStatus,
)
from crm_desktop.core.services import basedata, customer_records, customers
from tests.conftest import MakeOperator


@pytest.fixture
def li(make_operator: MakeOperator) -> Actor:
    return make_operator("li", "salesperson", name="李四")


@pytest.fixture
def customer(db: Database, boss: Actor, li: Actor) -> int:
    return customers.create_customer(db, boss, {"name": "订单测试有限公司", "owner_id": li.id})


def _order(db: Database, boss: Actor, customer_id: int, number: str, on: date, total: str) -> int:
    with db.write(boss) as uow:
        order = SalesOrder(
            number=number,
            customer_id=customer_id,
            salesperson_id=boss.id,
            order_date=on,
            status="confirmed",
            total=Decimal(total),
        )
        uow.session.add(order)
        uow.session.flush()
        return order.id


def _receipt(
    db: Database,
    boss: Actor,
    customer_id: int,
    number: str,
    amount: str,
    allocations: dict[int, str],
    *,
    method_id: int | None = None,
    archived: bool = False,
) -> int:
    with db.write(boss) as uow:
        receipt = Receipt(
            number=number,
            customer_id=customer_id,
            received_on=date(2026, 1, int(number[-2:])),
            handler_id=boss.id,
            amount=Decimal(amount),
            payment_method_id=method_id,
            archived=archived,
        )
        uow.session.add(receipt)
        uow.session.flush()
        for order_id, part in allocations.items():
            uow.session.add(
                ReceiptAllocation(receipt_id=receipt.id, order_id=order_id, amount=Decimal(part))
            )
        return receipt.id


def test_orders_show_received_and_outstanding_exact_to_the_cent(
    db: Database, boss: Actor, li: Actor, customer: int
) -> None:
    older = _order(db, boss, customer, "SO-001", date(2026, 1, 2), "1000.10")
    newer = _order(db, boss, customer, "SO-002", date(2026, 1, 3), "0.30")
    _receipt(db, boss, customer, "RC-01", "300.20", {older: "300.10", newer: "0.10"})
    _receipt(db, boss, customer, "RC-02", "0.10", {older: "0.10"})
    _receipt(db, boss, customer, "RC-03", "999.00", {older: "999.00"}, archived=True)

    rows = customer_records.customer_orders(db, li, customer)

    assert [(r.number, r.total, r.received, r.outstanding) for r in rows] == [
        ("SO-002", Decimal("0.30"), Decimal("0.10"), Decimal("0.20")),
        ("SO-001", Decimal("1000.10"), Decimal("300.20"), Decimal("699.90")),
    ]
    assert all(isinstance(r.received, Decimal) for r in rows)


def test_unpaid_order_has_its_total_outstanding(
    db: Database, boss: Actor, li: Actor, customer: int
) -> None:
    _order(db, boss, customer, "SO-009", date(2026, 1, 2), "88.80")
    (row,) = customer_records.customer_orders(db, li, customer)
    assert (row.received, row.outstanding) == (Decimal("0.00"), Decimal("88.80"))


def test_receipts_include_those_paid_by_others_for_the_customers_orders(
    db: Database, boss: Actor, li: Actor, customer: int
) -> None:
    payer = customers.create_customer(db, boss, {"name": "母公司", "owner_id": li.id})
    order = _order(db, boss, customer, "SO-001", date(2026, 1, 2), "500.00")
    transfer = basedata.save_item(
        db, boss, None, None, {"kind": "payment_method", "code": "TX", "name": "银行转账"}
    )
    _receipt(db, boss, customer, "RC-04", "100.00", {order: "100.00"}, method_id=transfer)
    _receipt(db, boss, payer, "RC-05", "200.00", {order: "200.00"})
    _receipt(db, boss, payer, "RC-06", "50.00", {})  # the parent company's own business

    rows = customer_records.customer_receipts(db, li, customer)

    assert [(r.number, r.amount, r.method, r.handler_name) for r in rows] == [
        ("RC-05", Decimal("200.00"), "", "王老板"),
        ("RC-04", Decimal("100.00"), "银行转账", "王老板"),
    ]


def test_service_records_newest_first_with_handler(
    db: Database, boss: Actor, li: Actor, customer: int
) -> None:
    with db.write(boss) as uow:
        for day, subject in ((3, "上门维修"), (5, "咨询保修")):
            uow.session.add(
                ServiceRecord(
                    customer_id=customer,
                    subject=subject,
                    handler_id=li.id,
                    accepted_at=datetime(2026, 1, day, 8, tzinfo=UTC),
                    status=ServiceStatus.OPEN,
                )
            )

    rows = customer_records.customer_service_records(db, li, customer)

    assert [(r.subject, r.handler_name, r.status) for r in rows] == [
        ("咨询保修", "李四", "open"),
        ("上门维修", "李四", "open"),
    ]


def test_each_tab_needs_its_own_view_permission(
    db: Database, customer: int, make_operator: MakeOperator
) -> None:
    service_desk = make_operator("desk", "service")  # sees customers and service, not money
    with pytest.raises(PermissionDenied):
        customer_records.customer_orders(db, service_desk, customer)
    with pytest.raises(PermissionDenied):
        customer_records.customer_receipts(db, service_desk, customer)
    assert customer_records.customer_service_records(db, service_desk, customer) == []


def test_salesperson_cannot_read_a_colleagues_customers_orders(
    db: Database, boss: Actor, customer: int, make_operator: MakeOperator
) -> None:
    zhao = make_operator("zhao", "salesperson")
    _order(db, boss, customer, "SO-001", date(2026, 1, 2), "10.00")
    with pytest.raises(PermissionDenied):
        customer_records.customer_orders(db, zhao, customer)
    with pytest.raises(PermissionDenied):
        customer_records.customer_receipts(db, zhao, customer)
    with pytest.raises(PermissionDenied):
        customer_records.customer_service_records(db, zhao, customer)
