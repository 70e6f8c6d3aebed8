"""Sales targets: who may set which, what each operator sees, and achievement figures that match
an independent count over the raw rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm_desktop.core.errors import ConflictError, PermissionDenied, ValidationError
from crm_desktop.core.models import Customer, OrderLine, ReceiptAllocation, SalesOrder
from crm_desktop.core.models import Receipt as ReceiptModel
from crm_desktop.core.services import operators, orders, targets
from crm_desktop.core.services.targets import Holder, parse_period, period_of
from tests.sales_fixtures import line, make_customer, make_order, make_receipt

NOV = date(2026, 11, 1)
STEPS = {
    "draft": (),
    "confirmed": ("confirmed",),
    "delivered": ("confirmed", "delivered"),
    "closed": ("confirmed", "delivered", "closed"),
    "cancelled": ("cancelled",),
}


def _order(db, boss, customer_id, seller, day, status, *amounts):
    lines = [line("货款", 1, amount) for amount in amounts]
    order_id = make_order(db, boss, customer_id, lines, order_date=day, salesperson_id=seller.id)
    for step in STEPS[status]:
        version = orders.get_order(db, boss, order_id).version
        orders.set_order_status(db, boss, order_id, version, step)
    return order_id


@pytest.fixture
def world(db, boss, team, make_operator, clock):
    """East team (mgr, li, zhao) and west team (wang); orders around the month ends of
    November 2026, of every status, and receipts on both sides of the month."""
    west = operators.save_team(db, boss, None, None, {"code": "W", "name": "华西组"})
    wang = make_operator("wang", "salesperson", team_id=west, name="王五")
    li, zhao = team["li"], team["zhao"]
    clock._now = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)
    c_li = make_customer(db, boss, "李的客户", owner=li)
    c_zhao = make_customer(db, boss, "赵的客户", owner=zhao)
    clock._now = datetime(2026, 10, 20, 3, 0, tzinfo=UTC)
    c_wang = make_customer(db, boss, "王的客户", owner=wang)
    clock._now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    made = [
        _order(db, boss, c_li, li, date(2026, 11, 1), "confirmed", "1000.00", "250.50"),
        _order(db, boss, c_li, li, date(2026, 11, 30), "closed", "300.00"),
        _order(db, boss, c_li, li, date(2026, 12, 1), "confirmed", "999.00"),
        _order(db, boss, c_li, li, date(2026, 10, 31), "delivered", "777.00"),
        _order(db, boss, c_li, li, date(2026, 11, 15), "draft", "5000.00"),
        _order(db, boss, c_li, li, date(2026, 11, 15), "cancelled", "6000.00"),
        _order(db, boss, c_zhao, zhao, date(2026, 11, 20), "delivered", "420.00"),
        _order(db, boss, c_wang, wang, date(2026, 11, 5), "confirmed", "88.88"),
    ]
    make_receipt(db, boss, c_li, "500.00", (made[0], "500.00"), received_on=date(2026, 11, 30))
    make_receipt(db, boss, c_li, "300.00", (made[1], "300.00"), received_on=date(2026, 12, 1))
    make_receipt(db, boss, c_wang, "88.88", (made[7], "88.88"), received_on=date(2026, 11, 6))
    return {**team, "wang": wang, "west": west, "east": _team_id(db, "E")}


def _team_id(db, code):
    from crm_desktop.core.models import Team

    with db.read() as session:
        return session.scalar(select(Team.id).where(Team.code == code))


def _expected(db, first: date, last: date):
    """Sales, received and new customers per operator, counted in plain Python over raw rows."""
    from crm_desktop.core.clock import as_local_date

    sales: dict[int, Decimal] = defaultdict(Decimal)
    received: dict[int, Decimal] = defaultdict(Decimal)
    new: dict[int, int] = defaultdict(int)
    with db.read() as session:
        heads = {o.id: o for o in session.scalars(select(SalesOrder))}
        for item in session.scalars(select(OrderLine)):
            order = heads[item.order_id]
            counted = order.status in ("confirmed", "delivered", "closed")
            if counted and first <= order.order_date <= last:
                sales[order.salesperson_id] += item.amount
        receipts = {r.id: r for r in session.scalars(select(ReceiptModel))}
        for part in session.scalars(select(ReceiptAllocation)):
            receipt = receipts[part.receipt_id]
            if not receipt.archived and first <= receipt.received_on <= last:
                received[heads[part.order_id].salesperson_id] += part.amount
        for customer in session.scalars(select(Customer)):
            if customer.owner_id and first <= as_local_date(customer.created_at) <= last:
                new[customer.owner_id] += 1
    return sales, received, new


def _by_holder(rows):
    return {row.holder: row for row in rows}


def test_achievement_matches_an_independent_count_over_raw_rows(db, boss, world):
    targets.set_target(db, boss, Holder("operator", world["li"].id), "month", NOV, "2000.00")
    rows = _by_holder(targets.achievement(db, boss, "month", NOV))
    sales, received, new = _expected(db, date(2026, 11, 1), date(2026, 11, 30))
    for who in ("li", "zhao", "wang"):
        row = rows[Holder("operator", world[who].id)]
        assert row.sales == sales[world[who].id]
        assert row.received == received[world[who].id]
        assert row.new_customers == new[world[who].id]
    li = rows[Holder("operator", world["li"].id)]
    assert li.sales == Decimal("1550.50")  # month ends in, draft/cancelled/neighbours out
    assert li.received == Decimal("500.00")
    assert li.percent == Decimal("0.7753")
    east = rows[Holder("team", world["east"])]
    assert east.sales == sales[world["li"].id] + sales[world["zhao"].id]
    assert east.target_sales is None and east.percent is None


def test_a_quarter_and_a_year_add_up_their_months(db, boss, world):
    quarter = _by_holder(targets.achievement(db, boss, "quarter", date(2026, 11, 15)))
    year = _by_holder(targets.achievement(db, boss, "year", date(2026, 6, 1)))
    sales, _received, new = _expected(db, date(2026, 10, 1), date(2026, 12, 31))
    li = Holder("operator", world["li"].id)
    assert quarter[li].sales == sales[world["li"].id] == Decimal("3326.50")
    assert year[li].sales == quarter[li].sales
    wang = Holder("operator", world["wang"].id)
    assert quarter[wang].new_customers == new[world["wang"].id] == 1


def test_salesperson_sees_own_row_manager_the_team_boss_everyone(db, boss, world):
    li = {r.holder for r in targets.achievement(db, world["li"], "month", NOV)}
    assert li == {Holder("operator", world["li"].id)}
    manager = {r.holder for r in targets.achievement(db, world["manager"], "month", NOV)}
    assert Holder("operator", world["zhao"].id) in manager
    assert Holder("team", world["east"]) in manager
    assert Holder("operator", world["wang"].id) not in manager
    assert Holder("team", world["west"]) not in manager
    everyone = {r.holder for r in targets.achievement(db, boss, "month", NOV)}
    assert Holder("operator", world["wang"].id) in everyone
    assert Holder("team", world["west"]) in everyone


def test_manager_sets_targets_for_the_team_only(db, boss, world):
    manager = world["manager"]
    targets.set_target(db, manager, Holder("operator", world["li"].id), "month", NOV, "100")
    targets.set_target(db, manager, Holder("team", world["east"]), "quarter", NOV, "9000")
    with pytest.raises(PermissionDenied):
        targets.set_target(db, manager, Holder("operator", world["wang"].id), "month", NOV, "1")
    with pytest.raises(PermissionDenied):
        targets.set_target(db, manager, Holder("team", world["west"]), "month", NOV, "1")
    with pytest.raises(PermissionDenied):
        targets.set_target(db, world["li"], Holder("operator", world["li"].id), "month", NOV, "1")
    targets.set_target(db, boss, Holder("team", world["west"]), "year", NOV, "1")
    listed = targets.list_targets(db, manager, period_of("quarter", NOV))
    assert [(r.holder, r.sales_amount) for r in listed] == [
        (Holder("team", world["east"]), Decimal("9000.00"))
    ]


def test_one_target_per_holder_and_period_updated_with_its_version(db, boss, world):
    li = Holder("operator", world["li"].id)
    first = targets.set_target(db, boss, li, "month", date(2026, 11, 17), "100")
    again = targets.set_target(db, boss, li, "month", NOV, "200", "150", 3)
    assert again == first
    (row,) = targets.list_targets(db, boss, parse_period("2026-11"))
    assert (row.sales_amount, row.received_amount, row.new_customers) == (
        Decimal("200.00"),
        Decimal("150.00"),
        3,
    )
    with pytest.raises(ConflictError):
        targets.set_target(db, boss, li, "month", NOV, "300", version=row.version - 1)
    with pytest.raises(ValidationError):
        targets.set_target(db, boss, li, "month", NOV, "-1")


def test_periods_read_and_end_on_the_last_calendar_day():
    assert parse_period("2026-02").end == date(2026, 2, 28)
    assert parse_period("2028-02").end == date(2028, 2, 29)
    assert parse_period("2026-q4") == period_of("quarter", date(2026, 12, 31))
    assert parse_period("2026-Q4").end == date(2026, 12, 31)
    assert parse_period("2026").label == "2026"
    assert period_of("quarter", date(2026, 5, 31)).label == "2026-Q2"
    with pytest.raises(ValidationError):
        parse_period("2026-13")
