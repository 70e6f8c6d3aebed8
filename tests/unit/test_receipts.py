"""Receipts: what they pay, what each order still owes, voiding, data scope and payment plans."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.errors import ConflictError, PermissionDenied, ValidationError
from crm_desktop.core.services import basedata, operators, receipts
from crm_desktop.core.services.balances import order_balances
from tests.conftest import MakeOperator
from tests.sales_fixtures import (
    make_confirmed_order,
    make_customer,
    make_receipt,
    make_signed_contract,
)


@pytest.fixture
def finance(make_operator: MakeOperator) -> Actor:
    return make_operator("cw", "finance", name="钱会计")


def owed(db: Database, order_id: int) -> Decimal:
    with db.read() as session:
        return order_balances(session, [order_id])[order_id][1]


def receipt_count(db: Database) -> int:
    with db.engine.connect() as conn:
        return conn.scalar(text("SELECT COUNT(*) FROM receipts")) or 0


# --- allocation rules ----------------------------------------------------------------------------


def test_an_allocation_above_what_the_order_still_owes_is_refused(
    db: Database, boss: Actor, finance: Actor
) -> None:
    customer = make_customer(db, boss, "上海贸易")
    order = make_confirmed_order(db, boss, customer, "100.00")
    with pytest.raises(ValidationError, match="still owes"):
        make_receipt(db, finance, customer, "150.00", (order, "100.01"))
    assert receipt_count(db) == 0

    make_receipt(db, finance, customer, "60.00", (order, "60.00"))
    with pytest.raises(ValidationError, match=r"still owes \(40\.00\)"):
        make_receipt(db, finance, customer, "50.00", (order, "50.00"))
    assert owed(db, order) == Decimal("40.00")


def test_an_explicit_overpayment_is_recorded_flagged_and_audited(
    db: Database, boss: Actor, finance: Actor
) -> None:
    customer = make_customer(db, boss, "上海贸易")
    order = make_confirmed_order(db, boss, customer, "100.00")
    receipt_id = make_receipt(db, finance, customer, "120.00", (order, "120.00"), overpay=True)

    detail = receipts.get_receipt(db, finance, receipt_id)
    assert detail.overpayment is True
    assert detail.allocations == [
        receipts.Allocation(order, detail.allocations[0].order_number, Decimal("120.00"))
    ]
    assert owed(db, order) == Decimal("-20.00")
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT operator_code, summary FROM audit_log"
                " WHERE action = 'receipt.overpayment' AND entity_id = :id"
            ),
            {"id": receipt_id},
        ).all()
    assert [tuple(row) for row in rows] == [
        ("cw", f"Overpayment allowed on order(s) {detail.allocations[0].order_number}.")
    ]


def test_a_receipt_within_what_is_owed_is_not_flagged_even_when_overpayment_is_allowed(
    db: Database, boss: Actor, finance: Actor
) -> None:
    customer = make_customer(db, boss)
    order = make_confirmed_order(db, boss, customer, "100.00")
    receipt_id = make_receipt(db, finance, customer, "100.00", (order, "100.00"), overpay=True)
    assert receipts.get_receipt(db, finance, receipt_id).overpayment is False


def test_allocations_may_not_add_up_to_more_than_the_receipt(
    db: Database, boss: Actor, finance: Actor
) -> None:
    customer = make_customer(db, boss)
    first = make_confirmed_order(db, boss, customer, "100.00")
    second = make_confirmed_order(db, boss, customer, "100.00")
    with pytest.raises(ValidationError, match="add up to more than the receipt"):
        make_receipt(db, finance, customer, "150.00", (first, "100.00"), (second, "50.01"))
    with pytest.raises(ValidationError, match="add up to more than the receipt"):
        make_receipt(db, finance, customer, "10.00", (first, "20.00"), overpay=True)
    assert receipt_count(db) == 0


def test_orders_of_another_customer_and_cancelled_orders_cannot_be_paid(
    db: Database, boss: Actor, finance: Actor
) -> None:
    customer, other = make_customer(db, boss, "上海贸易"), make_customer(db, boss, "北京科技")
    others_order = make_confirmed_order(db, boss, other, "100.00")
    cancelled = make_confirmed_order(db, boss, customer, "100.00", status="cancelled")
    with pytest.raises(ValidationError, match="belongs to another customer"):
        make_receipt(db, finance, customer, "100.00", (others_order, "100.00"))
    with pytest.raises(ValidationError, match="cancelled"):
        make_receipt(db, finance, customer, "100.00", (cancelled, "100.00"), overpay=True)
    assert receipt_count(db) == 0


def test_amounts_must_be_positive_and_an_order_listed_once(
    db: Database, boss: Actor, finance: Actor
) -> None:
    customer = make_customer(db, boss)
    order = make_confirmed_order(db, boss, customer, "100.00")
    with pytest.raises(ValidationError, match="greater than zero"):
        make_receipt(db, finance, customer, "0.00")
    with pytest.raises(ValidationError, match="greater than zero"):
        make_receipt(db, finance, customer, "-5.00")
    with pytest.raises(ValidationError, match="positive"):
        make_receipt(db, finance, customer, "10.00", (order, "-1.00"))
    with pytest.raises(ValidationError, match="only once"):
        make_receipt(db, finance, customer, "10.00", (order, "5.00"), (order, "5.00"))


def test_the_unallocated_rest_is_an_advance_payment(
    db: Database, boss: Actor, finance: Actor, clock: FixedClock
) -> None:
    customer = make_customer(db, boss, "上海贸易")
    order = make_confirmed_order(db, boss, customer, "100.00")
    receipt_id = make_receipt(db, finance, customer, "250.00", (order, "100.00"))

    [row] = receipts.list_receipts(db, finance)
    assert (row.id, row.customer_name, row.payer) == (receipt_id, "上海贸易", "上海贸易")
    assert (row.amount, row.allocated, row.unallocated) == (
        Decimal("250.00"),
        Decimal("100.00"),
        Decimal("150.00"),
    )
    assert row.received_on == local_today(clock)
    assert row.handler_name == "钱会计"
    assert receipts.get_receipt(db, finance, receipt_id).unallocated == Decimal("150.00")
    assert receipts.customer_outstanding(db, finance, customer) == Decimal("0.00")


def test_outstanding_stays_exact_in_cents_over_many_small_receipts(
    db: Database, boss: Actor, finance: Actor
) -> None:
    customer = make_customer(db, boss)
    small = make_confirmed_order(db, boss, customer, "0.30")
    make_receipt(db, finance, customer, "0.10", (small, "0.10"))
    make_receipt(db, finance, customer, "0.20", (small, "0.20"))
    assert owed(db, small) == Decimal("0.00")
    with pytest.raises(ValidationError):
        make_receipt(db, finance, customer, "0.01", (small, "0.01"))

    big = make_confirmed_order(db, boss, customer, "1000.00")
    shares = ["0.10", "0.20", "0.07", "33.33"] * 25
    for share in shares:
        make_receipt(db, finance, customer, share, (big, share))
    expected = Decimal("1000.00") - sum(Decimal(s) for s in shares)
    assert expected == Decimal("157.50")
    assert owed(db, big) == expected
    assert receipts.customer_outstanding(db, finance, customer) == expected
    [open_order] = receipts.open_orders(db, finance, customer)
    assert (open_order.id, open_order.received, open_order.outstanding) == (
        big,
        Decimal("842.50"),
        expected,
    )


def test_a_void_receipt_stops_counting_and_counts_again_when_restored(
    db: Database, boss: Actor, finance: Actor
) -> None:
    customer = make_customer(db, boss)
    order = make_confirmed_order(db, boss, customer, "100.00")
    receipt_id = make_receipt(db, finance, customer, "80.00", (order, "80.00"))
    version = receipts.get_receipt(db, finance, receipt_id).version

    receipts.set_receipt_archived(db, finance, receipt_id, version, True)
    assert owed(db, order) == Decimal("100.00")
    assert receipts.customer_outstanding(db, finance, customer) == Decimal("100.00")
    assert receipts.list_receipts(db, finance) == []
    void = receipts.ReceiptFilter(archived=True)
    assert [r.id for r in receipts.list_receipts(db, finance, void)] == [receipt_id]

    version = receipts.get_receipt(db, finance, receipt_id).version
    receipts.set_receipt_archived(db, finance, receipt_id, version, False)
    assert owed(db, order) == Decimal("20.00")


def test_restoring_a_void_receipt_is_refused_when_the_order_was_paid_meanwhile(
    db: Database, boss: Actor, finance: Actor
) -> None:
    customer = make_customer(db, boss)
    order = make_confirmed_order(db, boss, customer, "100.00")
    voided = make_receipt(db, finance, customer, "80.00", (order, "80.00"))
    receipts.set_receipt_archived(db, finance, voided, 1, True)
    make_receipt(db, finance, customer, "100.00", (order, "100.00"))

    version = receipts.get_receipt(db, finance, voided).version
    with pytest.raises(ValidationError, match="still owes"):
        receipts.set_receipt_archived(db, finance, voided, version, False)
    assert owed(db, order) == Decimal("0.00")


def test_editing_a_receipt_replaces_its_allocations_without_counting_itself_twice(
    db: Database, boss: Actor, finance: Actor
) -> None:
    customer = make_customer(db, boss)
    first = make_confirmed_order(db, boss, customer, "100.00")
    second = make_confirmed_order(db, boss, customer, "50.00")
    receipt_id = make_receipt(db, finance, customer, "100.00", (first, "100.00"))
    detail = receipts.get_receipt(db, finance, receipt_id)

    receipts.update_receipt(
        db, finance, receipt_id, detail.version, {"remarks": "银行转账"},
        [(first, Decimal("100.00"))],
    )  # fmt: skip
    detail = receipts.get_receipt(db, finance, receipt_id)
    receipts.update_receipt(
        db, finance, receipt_id, detail.version, {},
        [(first, Decimal("60.00")), (second, Decimal("40.00"))],
    )  # fmt: skip
    assert (owed(db, first), owed(db, second)) == (Decimal("40.00"), Decimal("10.00"))
    updated = receipts.get_receipt(db, finance, receipt_id)
    assert updated.version > detail.version  # new allocations are a new version
    assert updated.remarks == "银行转账"

    with pytest.raises(ConflictError):
        receipts.update_receipt(db, finance, receipt_id, detail.version, {}, [])
    with pytest.raises(ValidationError, match="add up to more"):
        receipts.update_receipt(
            db, finance, receipt_id, updated.version, {"amount": Decimal("90.00")},
            [(first, Decimal("60.00")), (second, Decimal("40.00"))],
        )  # fmt: skip


def test_open_orders_are_oldest_first_and_the_suggestion_pays_them_in_that_order(
    db: Database, boss: Actor, finance: Actor, clock: FixedClock
) -> None:
    today = local_today(clock)
    customer = make_customer(db, boss)
    newer = make_confirmed_order(db, boss, customer, "300.00", order_date=today)
    older = make_confirmed_order(db, boss, customer, "100.00", order_date=today - timedelta(9))
    paid = make_confirmed_order(db, boss, customer, "50.00", order_date=today - timedelta(20))
    make_confirmed_order(db, boss, customer, "70.00", status="cancelled")
    make_receipt(db, finance, customer, "50.00", (paid, "50.00"))
    make_receipt(db, finance, customer, "30.00", (older, "30.00"))

    orders = receipts.open_orders(db, finance, customer)
    assert [(o.id, o.outstanding) for o in orders] == [
        (older, Decimal("70.00")),
        (newer, Decimal("300.00")),
    ]
    assert receipts.suggest_allocation(orders, Decimal("100.00")) == [
        (older, Decimal("70.00")),
        (newer, Decimal("30.00")),
    ]
    assert receipts.suggest_allocation(orders, Decimal("50.00")) == [(older, Decimal("50.00"))]
    assert receipts.suggest_allocation(orders, Decimal("1000.00"))[-1] == (newer, Decimal("300.00"))


def test_receipt_numbers_come_from_the_rule_and_find_the_receipt(
    db: Database, boss: Actor, finance: Actor
) -> None:
    customer = make_customer(db, boss)
    first, second = (
        make_receipt(db, finance, customer, "1.00"),
        make_receipt(db, finance, customer, "2.00"),
    )
    one, two = receipts.get_receipt(db, finance, first), receipts.get_receipt(db, finance, second)
    assert one.number != two.number
    assert receipts.receipt_id_by_number(db, finance, two.number) == second
    found = receipts.list_receipts(db, finance, receipts.ReceiptFilter(search=two.number))
    assert [r.id for r in found] == [second]
    typed = receipts.ReceiptFilter(search=two.number.lower())  # "sk…" as typed in a hurry
    assert [r.id for r in receipts.list_receipts(db, finance, typed)] == [second]


def test_payment_method_and_date_are_kept_and_filtered(
    db: Database, boss: Actor, finance: Actor, clock: FixedClock
) -> None:
    customer = make_customer(db, boss)
    method_id, method_name = basedata.choices(db, finance, "payment_method")[0]
    day = local_today(clock) - timedelta(days=3)
    receipt_id = receipts.record_receipt(
        db, finance,
        {"customer_id": customer, "amount": "88.00", "payment_method_id": method_id,
         "received_on": day, "payer": "张三"},
        [],
    )  # fmt: skip
    detail = receipts.get_receipt(db, finance, receipt_id)
    assert (detail.method_name, detail.received_on, detail.payer) == (method_name, day, "张三")
    assert receipts.count_receipts(db, finance, receipts.ReceiptFilter(method_id=method_id)) == 1
    later = receipts.ReceiptFilter(date_from=day + timedelta(days=1))
    assert receipts.count_receipts(db, finance, later) == 0
    with pytest.raises(ValidationError, match="payment method"):
        receipts.record_receipt(
            db, finance, {"customer_id": customer, "amount": "1.00", "payment_method_id": 999}, []
        )


# --- permissions and data scope ------------------------------------------------------------------


def test_a_salesperson_sees_only_the_receipts_of_own_customers(
    db: Database, boss: Actor, finance: Actor, team: dict[str, Actor]
) -> None:
    li, zhao, manager = team["li"], team["zhao"], team["manager"]
    lis = make_customer(db, li, "李四的客户")
    zhaos = make_customer(db, zhao, "赵六的客户")
    lis_order = make_confirmed_order(db, li, lis, "100.00")
    mine = make_receipt(db, finance, lis, "100.00", (lis_order, "100.00"))
    theirs = make_receipt(db, finance, zhaos, "100.00")

    assert [r.id for r in receipts.list_receipts(db, li)] == [mine]
    assert receipts.count_receipts(db, li) == 1
    assert receipts.get_receipt(db, li, mine).allocations[0].order_id == lis_order
    with pytest.raises(PermissionDenied):
        receipts.get_receipt(db, li, theirs)
    number = receipts.get_receipt(db, finance, theirs).number
    with pytest.raises(PermissionDenied):
        receipts.receipt_id_by_number(db, li, number)
    assert sorted(r.id for r in receipts.list_receipts(db, manager)) == sorted([mine, theirs])
    with pytest.raises(PermissionDenied):
        receipts.customer_outstanding(db, li, zhaos)


def test_a_salesperson_may_not_record_or_void_receipts(
    db: Database, boss: Actor, finance: Actor, team: dict[str, Actor]
) -> None:
    li = team["li"]
    customer = make_customer(db, li)
    with pytest.raises(PermissionDenied, match="Record receipts"):
        make_receipt(db, li, customer, "10.00")
    receipt_id = make_receipt(db, finance, customer, "10.00")
    with pytest.raises(PermissionDenied, match="Edit and archive receipts"):
        receipts.set_receipt_archived(db, li, receipt_id, 1, True)


def test_a_handler_outside_the_actors_scope_is_refused(
    db: Database, boss: Actor, team: dict[str, Actor], make_operator: MakeOperator
) -> None:
    operators.save_role(
        db, boss, None, None, {"code": "cashier", "name": "出纳", "default_scope": "team"},
        {"customers.view", "receipts.view", "receipts.create"},
    )  # fmt: skip
    cashier = make_operator("cn", "cashier", team_id=team["li"].team_id)
    west = make_operator("xi", "salesperson", name="西部销售")
    customer = make_customer(db, team["li"])
    with pytest.raises(PermissionDenied):
        pay_with_handler(db, cashier, customer, west.id)
    receipt_id = pay_with_handler(db, cashier, customer, team["li"].id)
    assert receipts.get_receipt(db, cashier, receipt_id).handler_name == "李四"


def pay_with_handler(db: Database, actor: Actor, customer_id: int, handler_id: int) -> int:
    values = {"customer_id": customer_id, "amount": "10.00", "handler_id": handler_id}
    return receipts.record_receipt(db, actor, values, [])


# --- payment plans -------------------------------------------------------------------------------


def test_a_plan_must_add_up_to_the_order_total(
    db: Database, boss: Actor, clock: FixedClock
) -> None:
    today = local_today(clock)
    customer = make_customer(db, boss)
    order = make_confirmed_order(db, boss, customer, "300.00")
    with pytest.raises(ValidationError, match=r"add up to 299\.99"):
        receipts.set_payment_plan(
            db, boss, order_id=order,
            instalments=[(today, Decimal("100.00"), None), (today, Decimal("199.99"), None)],
        )  # fmt: skip
    with pytest.raises(ValidationError, match="either an order or a contract"):
        receipts.set_payment_plan(db, boss, instalments=[])
    receipts.set_payment_plan(
        db, boss, order_id=order,
        instalments=[(today + timedelta(30), Decimal("200.00"), "尾款"),
                     (today, Decimal("100.00"), "首付款")],
    )  # fmt: skip
    plan = receipts.payment_plan(db, boss, order_id=order)
    assert [(i.seq, i.due_on, i.amount, i.remarks) for i in plan] == [
        (1, today, Decimal("100.00"), "首付款"),
        (2, today + timedelta(30), Decimal("200.00"), "尾款"),
    ]
    receipts.set_payment_plan(db, boss, order_id=order, instalments=[])
    assert receipts.payment_plan(db, boss, order_id=order) == []


def test_instalments_are_paid_oldest_first_and_become_overdue_with_time(
    db: Database, boss: Actor, finance: Actor, clock: FixedClock
) -> None:
    today = local_today(clock)
    customer = make_customer(db, boss, "上海贸易")
    order = make_confirmed_order(db, boss, customer, "300.00")
    receipts.set_payment_plan(
        db, boss, order_id=order,
        instalments=[(today - timedelta(10), Decimal("100.00"), None),
                     (today + timedelta(5), Decimal("100.00"), None),
                     (today + timedelta(35), Decimal("100.00"), None)],
    )  # fmt: skip
    plan = receipts.payment_plan(db, boss, order_id=order)
    assert [(i.paid, i.outstanding, i.overdue_days) for i in plan] == [
        (Decimal("0.00"), Decimal("100.00"), 10),
        (Decimal("0.00"), Decimal("100.00"), 0),
        (Decimal("0.00"), Decimal("100.00"), 0),
    ]

    make_receipt(db, finance, customer, "150.00", (order, "150.00"))
    plan = receipts.payment_plan(db, boss, order_id=order)
    assert [(i.paid, i.outstanding, i.overdue_days) for i in plan] == [
        (Decimal("100.00"), Decimal("0.00"), 0),
        (Decimal("50.00"), Decimal("50.00"), 0),
        (Decimal("0.00"), Decimal("100.00"), 0),
    ]
    assert receipts.overdue_instalments(db, boss, own_only=False) == []

    clock.advance(days=8)  # the second instalment is three days late now
    [late] = receipts.overdue_instalments(db, boss, own_only=False)
    assert (late.customer_name, late.due_on, late.outstanding, late.overdue_days) == (
        "上海贸易",
        today + timedelta(5),
        Decimal("50.00"),
        3,
    )


def test_a_contract_plan_is_paid_by_what_its_orders_received(
    db: Database, boss: Actor, finance: Actor, clock: FixedClock
) -> None:
    today = local_today(clock)
    customer = make_customer(db, boss)
    first = make_confirmed_order(db, boss, customer, "600.00")
    second = make_confirmed_order(db, boss, customer, "400.00")
    contract = make_signed_contract(db, boss, customer, "1000.00", order_ids=(first, second))
    receipts.set_payment_plan(
        db, boss, contract_id=contract,
        instalments=[(today - timedelta(40), Decimal("500.00"), None),
                     (today - timedelta(10), Decimal("500.00"), None)],
    )  # fmt: skip
    make_receipt(db, finance, customer, "700.00", (first, "600.00"), (second, "100.00"))

    plan = receipts.payment_plan(db, boss, contract_id=contract)
    assert [(i.paid, i.outstanding, i.overdue_days) for i in plan] == [
        (Decimal("500.00"), Decimal("0.00"), 0),
        (Decimal("200.00"), Decimal("300.00"), 10),
    ]
    overdue = receipts.overdue_instalments(db, boss, own_only=False)
    assert [(o.outstanding, o.overdue_days) for o in overdue] == [(Decimal("300.00"), 10)]


def test_overdue_instalments_follow_the_data_scope_or_only_own_customers(
    db: Database, boss: Actor, team: dict[str, Actor], clock: FixedClock
) -> None:
    li, zhao, manager = team["li"], team["zhao"], team["manager"]
    past = local_today(clock) - timedelta(days=3)
    orders = {}
    for who in (li, zhao):
        customer = make_customer(db, who, f"{who.name}的客户")
        orders[who.code] = make_confirmed_order(db, who, customer, "100.00")
        receipts.set_payment_plan(
            db, manager, order_id=orders[who.code], instalments=[(past, Decimal("100.00"), None)]
        )
    assert [o.customer_name for o in receipts.overdue_instalments(db, li)] == ["李四的客户"]
    assert [o.customer_name for o in receipts.overdue_instalments(db, li, own_only=False)] == [
        "李四的客户"
    ]
    assert receipts.overdue_instalments(db, manager) == []  # the manager owns no customer
    assert len(receipts.overdue_instalments(db, manager, own_only=False)) == 2
