"""Sales orders: exact totals and balances, data scope, status moves, conflicts and audit."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import select

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.db.database import UnitOfWork
from crm_desktop.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from crm_desktop.core.models import AuditEntry, Receipt, ReceiptAllocation
from crm_desktop.core.pricing import LineInput
from crm_desktop.core.services import customers, orders
from crm_desktop.core.services.orders import OrderFilter
from tests.sales_fixtures import line, make_customer, make_order, make_product

CENT = Decimal("0.01")
_receipts = itertools.count(1)


def receive(
    db: Database, customer_id: int, allocations: dict[int, str], *, archived: bool = False
) -> int:
    """A receipt paying orders (written directly: the receipts service is not under test)."""
    with db.write(None) as uow:
        receipt = Receipt(
            number=f"SK-TEST-{next(_receipts)}",
            customer_id=customer_id,
            received_on=date(2026, 1, 5),
            handler_id=1,
            amount=sum(Decimal(a) for a in allocations.values()),
            archived=archived,
        )
        uow.session.add(receipt)
        uow.session.flush()
        for order_id, amount in allocations.items():
            uow.session.add(
                ReceiptAllocation(receipt_id=receipt.id, order_id=order_id, amount=Decimal(amount))
            )
        return receipt.id


def audit_actions(db: Database, order_id: int) -> list[str]:
    with db.read() as session:
        query = (
            select(AuditEntry.action)
            .where(AuditEntry.entity == "order", AuditEntry.entity_id == order_id)
            .order_by(AuditEntry.id)
        )
        return list(session.scalars(query))


# --- totals and balances -------------------------------------------------------------------------


def test_point_one_plus_point_two_orders_total_exactly_and_owe_exactly(
    db: Database, boss: Actor
) -> None:
    customer = make_customer(db, boss)
    order = make_order(db, boss, customer, [line("甲", 1, "0.10"), line("乙", 1, "0.20")])
    detail = orders.get_order(db, boss, order)
    assert (detail.subtotal, detail.tax, detail.total) == (
        Decimal("0.30"),
        Decimal("0.00"),
        Decimal("0.30"),
    )
    receive(db, customer, {order: "0.10"})
    receive(db, customer, {order: "0.10"})
    [row] = orders.list_orders(db, boss)
    assert (row.total, row.received, row.outstanding) == (
        Decimal("0.30"),
        Decimal("0.20"),
        Decimal("0.10"),
    )
    detail = orders.get_order(db, boss, order)
    assert (detail.received, detail.outstanding) == (Decimal("0.20"), Decimal("0.10"))


def test_discounted_lines_with_13_percent_tax_match_an_independent_computation(
    db: Database, boss: Actor
) -> None:
    customer = make_customer(db, boss)
    order = make_order(
        db,
        boss,
        customer,
        [line("椅子", 3, "33.33", 1500), line("桌子", "2.5", "0.01"), line("灯", 7, "19.99", 333)],
        tax_rate_bp=1300,
    )
    subtotal = sum(
        (Decimal(q) * Decimal(p) * (1 - Decimal(d))).quantize(CENT, rounding=ROUND_HALF_UP)
        for q, p, d in (("3", "33.33", "0.15"), ("2.5", "0.01", "0"), ("7", "19.99", "0.0333"))
    )
    tax = (subtotal * Decimal("0.13")).quantize(CENT, rounding=ROUND_HALF_UP)
    detail = orders.get_order(db, boss, order)
    assert [x.amount for x in detail.lines] == [
        Decimal("84.99"),
        Decimal("0.03"),
        Decimal("135.27"),
    ]
    assert (detail.subtotal, detail.tax, detail.total) == (subtotal, tax, subtotal + tax)


def test_an_order_of_1200_lines_totals_to_the_cent(db: Database, boss: Actor) -> None:
    customer = make_customer(db, boss)
    prices = ["0.10", "0.20", "33.33", "0.01", "12.345"[:5], "999.99"]
    lines = [
        line(f"物料{i}", f"{(i % 17) + 1}.{i % 1000:03d}", prices[i % len(prices)], (i * 37) % 2000)
        for i in range(1200)
    ]
    order = make_order(db, boss, customer, lines, tax_rate_bp=1300)
    expected = sum(
        (x.quantity * x.unit_price * (10000 - x.discount_bp) / 10000).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
        for x in lines
    )
    detail = orders.get_order(db, boss, order)
    assert len(detail.lines) == 1200
    assert [x.line_no for x in detail.lines] == list(range(1, 1201))
    assert detail.subtotal == expected == sum(x.amount for x in detail.lines)
    assert detail.tax == (expected * Decimal("0.13")).quantize(CENT, rounding=ROUND_HALF_UP)
    receive(db, customer, {order: "0.30"})
    [row] = orders.list_orders(db, boss)
    assert row.outstanding == detail.total - Decimal("0.30")


def test_a_void_receipt_and_a_cancelled_order_owe_and_pay_nothing(
    db: Database, boss: Actor
) -> None:
    customer = make_customer(db, boss)
    paid, cancelled = make_order(db, boss, customer), make_order(db, boss, customer)
    receive(db, customer, {paid: "40.00"}, archived=True)
    orders.set_order_status(db, boss, cancelled, 1, "cancelled")
    rows = {r.id: r for r in orders.list_orders(db, boss)}
    assert (rows[paid].received, rows[paid].outstanding) == (Decimal("0.00"), Decimal("100.00"))
    assert rows[cancelled].outstanding == Decimal("0.00")
    owing = orders.list_orders(db, boss, OrderFilter(outstanding_only=True))
    assert [r.id for r in owing] == [paid]
    assert orders.count_orders(db, boss, OrderFilter(outstanding_only=True)) == 1


def test_catalogue_lines_keep_the_product_code(db: Database, boss: Actor) -> None:
    product = make_product(db, boss, "BLT-8", "不锈钢螺栓 M8", "0.35")
    customer = make_customer(db, boss)
    order = make_order(
        db,
        boss,
        customer,
        [LineInput("不锈钢螺栓 M8", Decimal(1000), Decimal("0.35"), 0, "个", product)],
    )
    [stored] = orders.get_order(db, boss, order).lines
    assert (stored.product_id, stored.product_code, stored.unit, stored.amount) == (
        product,
        "BLT-8",
        "个",
        Decimal("350.00"),
    )


def test_an_order_needs_a_line_and_a_sane_tax_rate(db: Database, boss: Actor) -> None:
    customer = make_customer(db, boss)
    with pytest.raises(ValidationError, match="at least one line"):
        orders.save_order(db, boss, None, None, {"customer_id": customer}, [])
    with pytest.raises(ValidationError, match="tax rate"):
        make_order(db, boss, customer, tax_rate_bp=10001)
    with pytest.raises(ValidationError, match="Choose a customer"):
        orders.save_order(db, boss, None, None, {}, [line()])
    assert orders.count_orders(db, boss) == 0


# --- saving, audit, conflicts -------------------------------------------------------------------


def test_saving_replaces_lines_recomputes_totals_and_audits(db: Database, boss: Actor) -> None:
    customer = make_customer(db, boss)
    order = make_order(db, boss, customer, remarks="first")
    orders.save_order(
        db, boss, order, 1, {"remarks": "  second ", "tax_rate_bp": 1300}, [line("新", 2, "50.00")]
    )
    detail = orders.get_order(db, boss, order)
    assert detail.remarks == "second"
    assert [(x.description, x.amount) for x in detail.lines] == [("新", Decimal("100.00"))]
    assert (detail.tax, detail.total, detail.version) == (Decimal("13.00"), Decimal("113.00"), 2)
    assert audit_actions(db, order) == ["order.create", "order.update", "order.lines"]


def test_changing_only_the_lines_makes_a_new_version(db: Database, boss: Actor) -> None:
    customer = make_customer(db, boss)
    order = make_order(db, boss, customer, [line("甲", 1, "10.00"), line("乙", 1, "10.00")])
    orders.save_order(db, boss, order, 1, {}, [line("乙", 1, "10.00"), line("甲", 1, "10.00")])
    assert orders.get_order(db, boss, order).version == 2
    with pytest.raises(ConflictError):
        orders.save_order(db, boss, order, 1, {"remarks": "stale"}, [line()])


def test_a_stale_save_conflicts_and_changes_nothing(db: Database, team: dict[str, Actor]) -> None:
    li, manager = team["li"], team["manager"]
    order = make_order(db, li, make_customer(db, li))
    orders.save_order(db, manager, order, 1, {"remarks": "经理改的"}, [line()])
    with pytest.raises(ConflictError) as conflict:
        orders.save_order(db, li, order, 1, {"remarks": "李四改的"}, [line("别的", 9, "9.00")])
    assert conflict.value.theirs["remarks"] == "经理改的"
    detail = orders.get_order(db, li, order)
    assert (detail.remarks, detail.total) == ("经理改的", Decimal("100.00"))
    with pytest.raises(ConflictError):
        orders.set_order_status(db, li, order, 1, "confirmed")
    with pytest.raises(ConflictError):
        orders.set_order_archived(db, li, order, 1, True)


def test_the_total_cannot_drop_below_what_was_received(db: Database, boss: Actor) -> None:
    customer = make_customer(db, boss)
    order = make_order(db, boss, customer)
    receive(db, customer, {order: "60.00"})
    with pytest.raises(ValidationError, match=r"less than the 60\.00 already received"):
        orders.save_order(db, boss, order, 1, {}, [line("小", 1, "59.99")])
    orders.save_order(db, boss, order, 1, {}, [line("刚好", 1, "60.00")])
    assert orders.get_order(db, boss, order).outstanding == Decimal("0.00")


def test_a_paid_order_keeps_its_customer(db: Database, boss: Actor) -> None:
    customer, other = make_customer(db, boss), make_customer(db, boss)
    order = make_order(db, boss, customer)
    receive(db, customer, {order: "1.00"})
    with pytest.raises(ValidationError, match="customer cannot change"):
        orders.save_order(db, boss, order, 1, {"customer_id": other}, [line()])


def test_a_contact_of_another_customer_is_refused(db: Database, boss: Actor) -> None:
    from crm_desktop.core.services import contacts

    customer, other = make_customer(db, boss), make_customer(db, boss)
    theirs = contacts.save_contact(
        db, boss, other, None, None, {"name": "王五", "mobile": "13800000000"}
    )
    with pytest.raises(ValidationError, match="contact does not belong"):
        make_order(db, boss, customer, contact_id=theirs)
    order = make_order(db, boss, other, contact_id=theirs)
    assert orders.get_order(db, boss, order).contact_phone == "13800000000"
    assert orders.get_order(db, boss, order).contact_name == "王五"


# --- status ------------------------------------------------------------------------------------


def test_an_order_moves_from_draft_to_closed_one_step_at_a_time(db: Database, boss: Actor) -> None:
    order = make_order(db, boss, make_customer(db, boss))
    with pytest.raises(ValidationError, match="“Draft” cannot become “Delivered”"):
        orders.set_order_status(db, boss, order, 1, "delivered")
    for version, status in enumerate(("confirmed", "delivered", "closed"), start=1):
        orders.set_order_status(db, boss, order, version, status)
    assert orders.get_order(db, boss, order).status == "closed"
    for status in ("draft", "cancelled", "confirmed", "nonsense"):
        with pytest.raises(ValidationError):
            orders.set_order_status(db, boss, order, 4, status)
    assert audit_actions(db, order).count("order.status") == 3


def test_a_delivered_order_keeps_its_lines_and_tax(db: Database, boss: Actor) -> None:
    order = make_order(db, boss, make_customer(db, boss))
    orders.set_order_status(db, boss, order, 1, "confirmed")
    orders.save_order(db, boss, order, 2, {}, [line("确认后还能改", 1, "100.00")])
    orders.set_order_status(db, boss, order, 3, "delivered")
    with pytest.raises(ValidationError, match="“Delivered” order can no longer change"):
        orders.save_order(db, boss, order, 4, {}, [line("太晚了", 1, "1.00")])
    with pytest.raises(ValidationError, match="can no longer change"):
        orders.save_order(db, boss, order, 4, {"tax_rate_bp": 600}, [line("确认后还能改")])
    orders.save_order(db, boss, order, 4, {"remarks": "送货时客户不在"}, [line("确认后还能改")])
    assert orders.get_order(db, boss, order).remarks == "送货时客户不在"


def test_cancelling_needs_approval_and_no_live_receipts(
    db: Database, team: dict[str, Actor]
) -> None:
    li, manager = team["li"], team["manager"]
    customer = make_customer(db, li)
    order, paid = make_order(db, li, customer), make_order(db, li, customer)
    with pytest.raises(PermissionDenied, match="Approve and cancel"):
        orders.set_order_status(db, li, order, 1, "cancelled")
    orders.set_order_status(db, manager, order, 1, "cancelled")
    receive(db, customer, {paid: "10.00"})
    with pytest.raises(ValidationError, match="Receipts are allocated"):
        orders.set_order_status(db, manager, paid, 1, "cancelled")
    assert audit_actions(db, order)[-1] == "order.cancel"


def test_only_finished_or_abandoned_orders_are_archived(db: Database, boss: Actor) -> None:
    customer = make_customer(db, boss)
    order = make_order(db, boss, customer)
    orders.set_order_status(db, boss, order, 1, "confirmed")
    with pytest.raises(ValidationError, match="can be archived"):
        orders.set_order_archived(db, boss, order, 2, True)
    orders.set_order_status(db, boss, order, 2, "cancelled")
    orders.set_order_archived(db, boss, order, 3, True)
    assert orders.list_orders(db, boss) == []
    assert [r.id for r in orders.list_orders(db, boss, OrderFilter(archived=True))] == [order]
    orders.set_order_archived(db, boss, order, 4, False)
    assert orders.count_orders(db, boss) == 1
    assert audit_actions(db, order)[-2:] == ["order.archive", "order.restore"]


# --- data scope -------------------------------------------------------------------------------


def test_a_salesperson_cannot_see_list_load_or_change_a_colleagues_orders(
    db: Database, team: dict[str, Actor]
) -> None:
    li, zhao = team["li"], team["zhao"]
    theirs = make_order(db, zhao, make_customer(db, zhao))
    mine = make_order(db, li, make_customer(db, li))
    number = orders.get_order(db, zhao, theirs).number
    assert [r.id for r in orders.list_orders(db, li)] == [mine]
    assert orders.count_orders(db, li) == 1
    assert orders.list_orders(db, li, OrderFilter(search=number)) == []
    with pytest.raises(PermissionDenied):
        orders.get_order(db, li, theirs)
    with pytest.raises(PermissionDenied):
        orders.order_id_by_number(db, li, number)
    with pytest.raises(PermissionDenied):
        orders.save_order(db, li, theirs, 1, {"remarks": "x"}, [line()])
    with pytest.raises(PermissionDenied):
        orders.set_order_status(db, li, theirs, 1, "confirmed")
    with pytest.raises(PermissionDenied):
        orders.set_order_archived(db, li, theirs, 1, True)
    assert orders.get_order(db, zhao, theirs).version == 1


def test_a_salesperson_cannot_order_for_a_colleagues_customer_or_in_their_name(
    db: Database, team: dict[str, Actor]
) -> None:
    li, zhao = team["li"], team["zhao"]
    with pytest.raises(PermissionDenied):
        make_order(db, li, make_customer(db, zhao))
    with pytest.raises(PermissionDenied):
        make_order(db, li, make_customer(db, li), salesperson_id=zhao.id)


def test_the_manager_sees_and_changes_the_teams_orders(
    db: Database, team: dict[str, Actor], boss: Actor
) -> None:
    li, zhao, manager = team["li"], team["zhao"], team["manager"]
    outsider = make_order(db, boss, make_customer(db, boss))
    team_orders = {
        make_order(db, li, make_customer(db, li)),
        make_order(db, zhao, make_customer(db, zhao)),
    }
    assert {r.id for r in orders.list_orders(db, manager)} == team_orders
    for order in team_orders:
        orders.set_order_status(db, manager, order, 1, "confirmed")
    with pytest.raises(PermissionDenied):
        orders.get_order(db, manager, outsider)
    mine = make_order(db, manager, make_customer(db, manager, owner=li), salesperson_id=zhao.id)
    assert orders.get_order(db, zhao, mine).salesperson_name == "赵六"


def test_a_customer_handed_over_shows_its_old_orders_to_the_new_owner(
    db: Database, team: dict[str, Actor], boss: Actor
) -> None:
    li, zhao = team["li"], team["zhao"]
    customer = make_customer(db, zhao, "交接客户有限公司")
    old = make_order(db, zhao, customer)
    version = customers.get_customer(db, boss, customer)["version"]
    customers.update_customer(
        db, boss, customer, version, {"name": "交接客户有限公司", "owner_id": li.id}
    )
    assert [r.id for r in orders.list_orders(db, li)] == [old]
    assert orders.get_order(db, li, old).salesperson_name == "赵六"
    orders.set_order_status(db, li, old, 1, "confirmed")
    assert orders.list_orders(db, zhao, OrderFilter(customer_id=customer))[0].id == old  # still his


# --- lists ------------------------------------------------------------------------------------


def test_lists_filter_search_sort_and_page_in_sql(
    db: Database, boss: Actor, team: dict[str, Actor]
) -> None:
    li = team["li"]
    acme = make_customer(db, boss, "阿尔法贸易有限公司")
    beta = make_customer(db, boss, "北京贝塔科技有限公司")
    a1 = make_order(db, boss, acme, [line("x", 1, "30.00")], order_date=date(2025, 3, 1))
    a2 = make_order(db, boss, acme, [line("x", 1, "10.00")], order_date=date(2025, 5, 1))
    b1 = make_order(
        db, boss, beta, [line("x", 1, "20.00")], order_date=date(2025, 4, 1), salesperson_id=li.id
    )
    ids = lambda **kw: [r.id for r in orders.list_orders(db, boss, **kw)]  # noqa: E731
    assert ids() == [a2, b1, a1]  # newest first
    assert ids(sort="total", descending=False) == [a2, b1, a1]
    assert ids(sort="customer", descending=False) == [a1, a2, b1]  # pinyin: a… before b…
    assert ids(sort="outstanding", descending=True) == [a1, b1, a2]
    assert ids(sort="number", descending=False) == [a1, a2, b1]
    assert ids(limit=1, offset=1) == [b1]
    f = OrderFilter(search="beita")
    assert [r.id for r in orders.list_orders(db, boss, f)] == [b1]
    number = orders.get_order(db, boss, a2).number
    assert [
        r.id for r in orders.list_orders(db, boss, OrderFilter(search=number[-6:].lower()))
    ] == [a2]
    window = OrderFilter(date_from=date(2025, 3, 2), date_to=date(2025, 5, 1))
    assert [r.id for r in orders.list_orders(db, boss, window)] == [a2, b1]
    assert orders.count_orders(db, boss, window) == 2
    assert [r.id for r in orders.list_orders(db, boss, OrderFilter(salesperson_id=li.id))] == [b1]
    assert [
        r.id for r in orders.list_orders(db, boss, OrderFilter(status="draft", customer_id=acme))
    ] == [a2, a1]
    with pytest.raises(ValidationError):
        orders.list_orders(db, boss, sort="nonsense")
    row = orders.list_orders(db, boss, OrderFilter(customer_id=beta))[0]
    assert (row.customer_name, row.salesperson_name, row.status) == (
        "北京贝塔科技有限公司",
        "李四",
        "draft",
    )


def test_order_id_by_number_finds_the_order_or_says_none(db: Database, boss: Actor) -> None:
    order = make_order(db, boss, make_customer(db, boss))
    number = orders.get_order(db, boss, order).number
    assert orders.order_id_by_number(db, boss, f" {number} ") == order
    with pytest.raises(NotFound):
        orders.order_id_by_number(db, boss, "SO-nothing")


def test_writes_tell_the_orders_views_to_refresh(
    db: Database, boss: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    touched: list[tuple[str, ...]] = []
    original = UnitOfWork.touched
    monkeypatch.setattr(
        UnitOfWork, "touched", lambda self, *kinds: (touched.append(kinds), original(self, *kinds))
    )
    customer = make_customer(db, boss)
    order = make_order(db, boss, customer)
    orders.set_order_status(db, boss, order, 1, "confirmed")
    assert touched[-2:] == [("orders",), ("orders",)]


def test_clearing_a_required_field_is_refused_not_stored_empty(db: Database, boss: Actor) -> None:
    order = make_order(db, boss, make_customer(db, boss))
    for key in ("order_date", "customer_id", "salesperson_id"):
        with pytest.raises(ValidationError, match="must not be empty"):
            orders.save_order(db, boss, order, 1, {key: None}, [line()])
    assert orders.get_order(db, boss, order).version == 1
