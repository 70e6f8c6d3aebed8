"""Aging of what customers owe (not due, 1-30, 31-60, 61-90, over 90 days) and the customer
statement (orders, receipts, balance brought forward and a running balance)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied, ValidationError
from crm_desktop.core.services import orders, receipts
from tests.conftest import MakeOperator
from tests.sales_fixtures import make_confirmed_order, make_customer, make_receipt

BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "over_90")
# Written out by hand from the buckets' names, not computed like the service does.
BUCKET_AT_DAYS = {
    -5: "not_due",
    0: "not_due",
    1: "d1_30",
    30: "d1_30",
    31: "d31_60",
    60: "d31_60",
    61: "d61_90",
    90: "d61_90",
    91: "over_90",
    400: "over_90",
}


def bucket_by_hand(days: int) -> str:
    """The bucket for an amount this many days past due, spelled out range by range."""
    if days <= 0:
        return "not_due"
    if 1 <= days <= 30:
        return "d1_30"
    if 31 <= days <= 60:
        return "d31_60"
    if 61 <= days <= 90:
        return "d61_90"
    return "over_90"


def test_the_hand_written_buckets_agree_with_the_boundary_table() -> None:
    assert {days: bucket_by_hand(days) for days in BUCKET_AT_DAYS} == BUCKET_AT_DAYS


def expected_row(pieces: list[tuple[int, str]]) -> dict[str, Decimal]:
    """The buckets a row should have for (days past due, amount) pieces."""
    sums: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for days, amount in pieces:
        sums[bucket_by_hand(days)] += Decimal(amount)
    row = {name: sums[name] for name in BUCKETS}
    row["total"] = sum(row.values(), Decimal("0.00"))
    return row


def as_dict(row: receipts.AgingRow) -> dict[str, Decimal]:
    return {name: getattr(row, name) for name in (*BUCKETS, "total")}


@pytest.fixture
def finance(make_operator: MakeOperator) -> Actor:
    return make_operator("cw", "finance", name="钱会计")


# --- aging ---------------------------------------------------------------------------------------


def test_each_bucket_boundary_falls_where_the_aging_buckets_say(
    db: Database, boss: Actor, clock: FixedClock
) -> None:
    as_of = local_today(clock)
    customer = make_customer(db, boss, "上海贸易")
    pieces = []
    for index, days in enumerate(sorted(BUCKET_AT_DAYS), start=1):
        amount = f"{index}.0{index % 10}"
        make_confirmed_order(db, boss, customer, amount, order_date=as_of - timedelta(days))
        pieces.append((days, amount))

    [row] = receipts.aging(db, boss, "customer", as_of=as_of)
    assert (row.key_id, row.name) == (customer, "上海贸易")
    assert as_dict(row) == expected_row(pieces)


def test_one_day_later_the_amount_due_today_is_one_to_thirty_days_old(
    db: Database, boss: Actor, clock: FixedClock
) -> None:
    customer = make_customer(db, boss)
    make_confirmed_order(db, boss, customer, "10.00", order_date=local_today(clock))
    assert as_dict(receipts.aging(db, boss, "customer")[0]) == expected_row([(0, "10.00")])
    clock.advance(days=1)
    assert as_dict(receipts.aging(db, boss, "customer")[0]) == expected_row([(1, "10.00")])
    clock.advance(days=30)
    assert as_dict(receipts.aging(db, boss, "customer")[0]) == expected_row([(31, "10.00")])


def test_paid_cancelled_and_void_receipts_are_aged_by_what_is_really_owed(
    db: Database, boss: Actor, finance: Actor, clock: FixedClock
) -> None:
    as_of = local_today(clock)
    customer = make_customer(db, boss)
    paid = make_confirmed_order(db, boss, customer, "100.00", order_date=as_of - timedelta(40))
    part = make_confirmed_order(db, boss, customer, "0.30", order_date=as_of - timedelta(70))
    make_confirmed_order(db, boss, customer, "500.00", status="cancelled")
    make_receipt(db, finance, customer, "100.00", (paid, "100.00"))
    make_receipt(db, finance, customer, "0.10", (part, "0.10"))
    void = make_receipt(db, finance, customer, "0.20", (part, "0.20"))
    receipts.set_receipt_archived(db, finance, void, 1, True)

    [row] = receipts.aging(db, finance, "customer", as_of=as_of)
    assert as_dict(row) == expected_row([(70, "0.20")])


def test_a_payment_plan_gives_the_due_dates_and_money_pays_the_oldest_instalment(
    db: Database, boss: Actor, finance: Actor, clock: FixedClock
) -> None:
    as_of = local_today(clock)
    customer = make_customer(db, boss)
    order = make_confirmed_order(db, boss, customer, "300.00", order_date=as_of - timedelta(100))
    receipts.set_payment_plan(
        db, boss, order_id=order,
        instalments=[(as_of - timedelta(95), Decimal("100.00"), None),
                     (as_of - timedelta(45), Decimal("100.00"), None),
                     (as_of + timedelta(10), Decimal("100.00"), None)],
    )  # fmt: skip
    make_receipt(db, finance, customer, "150.00", (order, "150.00"))

    [row] = receipts.aging(db, finance, "customer", as_of=as_of)
    assert as_dict(row) == expected_row([(45, "50.00"), (-5, "100.00")])


def test_aging_by_salesperson_follows_the_data_scope(
    db: Database, boss: Actor, team: dict[str, Actor], clock: FixedClock
) -> None:
    li, zhao, manager = team["li"], team["zhao"], team["manager"]
    day = local_today(clock)
    for who, amount, age in ((li, "100.00", 10), (li, "50.00", 70), (zhao, "30.00", 0)):
        customer = make_customer(db, who)
        make_confirmed_order(db, who, customer, amount, order_date=day - timedelta(age))

    rows = receipts.aging(db, manager, "salesperson")
    assert [(r.key_id, r.name) for r in rows] == [(li.id, "李四"), (zhao.id, "赵六")]
    assert as_dict(rows[0]) == expected_row([(10, "100.00"), (70, "50.00")])
    assert [r.name for r in receipts.aging(db, li, "salesperson")] == ["李四"]
    assert [r.total for r in receipts.aging(db, zhao, "customer")] == [Decimal("30.00")]
    with pytest.raises(ValidationError):
        receipts.aging(db, li, "region")  # type: ignore[arg-type]


# --- customer statement --------------------------------------------------------------------------


def test_statement_brings_the_balance_forward_and_runs_it_line_by_line(
    db: Database, boss: Actor, finance: Actor, clock: FixedClock
) -> None:
    today = local_today(clock)

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    customer = make_customer(db, boss, "上海贸易")
    old = make_confirmed_order(db, boss, customer, "500.00", order_date=ago(60))
    make_confirmed_order(db, boss, customer, "77.00", order_date=ago(58), status="cancelled")
    make_receipt(db, finance, customer, "200.00", (old, "200.00"), received_on=ago(50))
    void = make_receipt(db, finance, customer, "100.00", (old, "100.00"), received_on=ago(55))
    receipts.set_receipt_archived(db, finance, void, 1, True)
    # In the period [ago(30), ago(1)]:
    small = make_confirmed_order(db, boss, customer, "0.10", order_date=ago(20))
    make_receipt(db, finance, customer, "0.20", received_on=ago(20))
    big = make_confirmed_order(db, boss, customer, "1000.00", order_date=ago(10))
    late = make_receipt(db, finance, customer, "300.00", (old, "300.00"), received_on=ago(5))
    # After the period:
    make_receipt(db, finance, customer, "1.00", received_on=today)

    statement = receipts.customer_statement(db, finance, customer, ago(30), ago(1))
    assert statement.customer_name == "上海贸易"
    assert statement.opening_balance == Decimal("300.00")
    number = {oid: orders.get_order(db, boss, oid).number for oid in (small, big, old)}
    late_number = receipts.get_receipt(db, finance, late).number
    rows = [(ln.day, ln.kind, ln.debit, ln.credit, ln.balance) for ln in statement.lines]
    assert rows == [
        (ago(20), "order", Decimal("0.10"), Decimal("0.00"), Decimal("300.10")),
        (ago(20), "receipt", Decimal("0.00"), Decimal("0.20"), Decimal("299.90")),
        (ago(10), "order", Decimal("1000.00"), Decimal("0.00"), Decimal("1299.90")),
        (ago(5), "receipt", Decimal("0.00"), Decimal("300.00"), Decimal("999.90")),
    ]  # fmt: skip
    assert [line.number for line in statement.lines][0::2] == [number[small], number[big]]
    assert statement.lines[3].number == late_number
    assert number[old] in statement.lines[3].description
    assert "Advance payment" in statement.lines[1].description
    assert statement.closing_balance == Decimal("999.90")
    debits = sum((line.debit for line in statement.lines), Decimal("0.00"))
    credits = sum((line.credit for line in statement.lines), Decimal("0.00"))
    assert statement.closing_balance == statement.opening_balance + debits - credits

    # From the beginning, the closing balance is what the orders owe less the advance payments.
    whole = receipts.customer_statement(db, finance, customer, ago(365), today)
    assert whole.opening_balance == Decimal("0.00")
    owed = receipts.customer_outstanding(db, finance, customer)
    assert owed == Decimal("1000.10")
    assert whole.closing_balance == owed - Decimal("0.20") - Decimal("1.00")


def test_statement_refuses_a_backwards_period_and_a_colleagues_customer(
    db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    today = local_today(clock)
    lis, zhaos = make_customer(db, team["li"]), make_customer(db, team["zhao"])
    with pytest.raises(ValidationError):
        receipts.customer_statement(db, team["li"], lis, today, today - timedelta(days=1))
    with pytest.raises(PermissionDenied):
        receipts.customer_statement(db, team["li"], zhaos, today, today)
    empty = receipts.customer_statement(db, team["li"], lis, today, today)
    assert (empty.opening_balance, empty.lines, empty.closing_balance) == (
        Decimal("0.00"),
        [],
        Decimal("0.00"),
    )
