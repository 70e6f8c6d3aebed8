"""Drill-down: the records behind a figure, under the operator's scope, adding up to the figure.

Expected figures come from plain sqlite3 over the ledger's raw rows (tests/report_fixtures.py),
not from the services.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied
from crm_desktop.core.reports.drill import cell_drill, drill_rows
from crm_desktop.core.reports.tables import (
    Drill,
    ReportParams,
    ReportTable,
    analyses,
    money_total,
    run,
)
from crm_desktop.core.services import followups, opportunities, orders, service_records
from tests.conftest import MakeOperator
from tests.integration.test_postgresql import pg, pg_boss
from tests.report_fixtures import Ledger, in_range, ledger, raw, raw_sales_lines, sees
from tests.report_fixtures import visible_people as people_of
from tests.sales_fixtures import line, make_customer, make_order, make_receipt

__all__ = ["ledger", "pg", "pg_boss"]  # fixtures, imported for pytest

YEAR_2025 = {"date_from": date(2025, 1, 1), "date_to": date(2025, 12, 31)}


def cents(amount: Decimal) -> int:
    return int(amount * 100)


def amounts(table: ReportTable) -> Decimal:
    return money_total(table.rows, table.column("amount"))


def numbers(table: ReportTable) -> set[str]:
    return {row[table.column("number")] for row in table.rows}


def order_numbers(ledger: Ledger, order_ids: set[int]) -> set[str]:
    rows = raw(ledger.path, "SELECT id, number FROM sales_orders")
    return {row["number"] for row in rows if row["id"] in order_ids}


def test_a_salesperson_sales_row_lists_the_orders_that_add_up_to_it(ledger: Ledger) -> None:
    li, east = ledger.actor("li").id, ledger.regions["02"]
    drill = Drill("orders", {"salesperson_id": li, "region_id": east, **YEAR_2025})
    table = drill_rows(ledger.db, ledger.actor("boss"), drill)

    expected = [
        row
        for row in raw_sales_lines(ledger.path)
        if row["salesperson_id"] == li
        and row["region_id"] == east
        and in_range(row["order_date"], date(2025, 1, 1), date(2025, 12, 31))
    ]
    assert cents(amounts(table)) == sum(row["amount"] for row in expected)
    assert numbers(table) == order_numbers(ledger, {row["order_id"] for row in expected})
    # the order dated on the last day of February and the one on 31 March are in the year;
    # the one on 31 December 2024 is not
    dates = {row[table.column("order_date")] for row in table.rows}
    assert {date(2025, 2, 28), date(2025, 3, 31)} <= dates
    assert date(2024, 12, 31) not in dates
    assert table.totals is not None
    assert table.totals[table.column("amount")] == amounts(table)
    assert table.note == ""


def test_a_region_product_cell_lists_the_order_lines_that_add_up_to_it(ledger: Ledger) -> None:
    east, bolts = ledger.regions["02"], ledger.products["p1"]
    drill = Drill("order_lines", {"region_id": east, "product_id": bolts})
    table = drill_rows(ledger.db, ledger.actor("boss"), drill)

    expected = [
        row
        for row in raw_sales_lines(ledger.path)
        if row["region_id"] == east and row["product_id"] == bolts
    ]
    assert expected and len(table.rows) == len(expected)
    assert cents(amounts(table)) == sum(row["amount"] for row in expected)
    assert {row[table.column("product_code")] for row in table.rows} == {"P001"}


def test_an_order_drilled_by_product_counts_only_that_products_lines(ledger: Ledger) -> None:
    bearings = ledger.products["p2"]
    table = drill_rows(ledger.db, ledger.actor("boss"), Drill("orders", {"product_id": bearings}))
    expected = [row for row in raw_sales_lines(ledger.path) if row["product_id"] == bearings]
    assert cents(amounts(table)) == sum(row["amount"] for row in expected)
    assert len(table.rows) == len({row["order_id"] for row in expected})


def test_drafts_and_cancelled_orders_are_never_listed_but_archived_sales_are(
    ledger: Ledger,
) -> None:
    table = drill_rows(ledger.db, ledger.actor("boss"), Drill("orders", {}))
    listed = numbers(table)
    assert order_numbers(ledger, {ledger.orders["o5"], ledger.orders["o8"]}).isdisjoint(listed)
    assert order_numbers(ledger, {ledger.orders["o10"]}) <= listed  # closed, then archived
    assert cents(amounts(table)) == sum(row["amount"] for row in raw_sales_lines(ledger.path))


@pytest.mark.parametrize("who", ["li", "mgr", "sun"])
def test_a_drill_covers_only_the_operators_own_data(ledger: Ledger, who: str) -> None:
    operator = ledger.actor(who)
    table = drill_rows(ledger.db, operator, Drill("orders", {}))
    expected = raw_sales_lines(ledger.path, operator.id)
    assert numbers(table) == order_numbers(ledger, {row["order_id"] for row in expected})
    assert cents(amounts(table)) == sum(row["amount"] for row in expected)


def test_a_salesperson_sees_a_colleagues_sale_to_their_own_customer(ledger: Ledger) -> None:
    li, zhao = ledger.actor("li"), ledger.actor("zhao").id
    table = drill_rows(ledger.db, li, Drill("orders", {"salesperson_id": zhao}))
    assert numbers(table) == order_numbers(ledger, {ledger.orders["o9"]})  # zhao sold to li's c1


def test_a_none_filter_selects_the_records_without_that_value(ledger: Ledger) -> None:
    table = drill_rows(ledger.db, ledger.actor("boss"), Drill("customers", {"region_id": None}))
    names = {row[table.column("name")] for row in table.rows}
    expected = raw(
        ledger.path, "SELECT name FROM customers WHERE region_id IS NULL AND NOT archived"
    )
    assert names == {row["name"] for row in expected}
    assert len(names) == 2  # the pool customer and 周八's customer


def test_customers_drill_follows_owner_scope_and_leaves_out_archived_ones(ledger: Ledger) -> None:
    li = ledger.actor("li")
    table = drill_rows(ledger.db, li, Drill("customers", {}))
    expected = raw(
        ledger.path, "SELECT name FROM customers WHERE owner_id = ? AND NOT archived", (li.id,)
    )
    assert {row[table.column("name")] for row in table.rows} == {row["name"] for row in expected}


def test_a_capped_listing_says_so_and_its_totals_still_cover_every_record(
    ledger: Ledger,
) -> None:
    table = drill_rows(ledger.db, ledger.actor("boss"), Drill("order_lines", {}), limit=3)
    every = raw_sales_lines(ledger.path)
    assert len(table.rows) == 3
    assert f"first 3 of {len(every)}" in table.note
    assert table.totals is not None
    assert cents(table.totals[table.column("amount")]) == sum(row["amount"] for row in every)
    assert table.totals[0] == f"Total ({len(every)})"


def test_an_empty_drill_has_no_rows_and_no_totals(ledger: Ledger) -> None:
    drill = Drill("orders", {"date_from": date(2030, 1, 1)})
    table = drill_rows(ledger.db, ledger.actor("boss"), drill)
    assert table.rows == [] and table.totals is None


def test_a_filter_the_kind_does_not_know_is_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="stage_id"):
        drill_rows(ledger.db, ledger.actor("boss"), Drill("orders", {"stage_id": 1}))
    with pytest.raises(ValueError, match="kind"):
        drill_rows(ledger.db, ledger.actor("boss"), Drill("invoices", {}))


def test_drilling_needs_the_statistics_permission(
    ledger: Ledger, make_operator: MakeOperator
) -> None:
    desk = make_operator("desk", "service")
    with pytest.raises(PermissionDenied):
        drill_rows(ledger.db, desk, Drill("orders", {}))


def test_outstanding_orders_list_what_each_still_owes(ledger: Ledger) -> None:
    boss = ledger.actor("boss")
    c1 = ledger.customers["c1"]
    make_receipt(ledger.db, boss, c1, "100.00", (ledger.orders["o1"], "100.00"))
    drill = Drill("orders", {"outstanding": True, "customer_id": c1})
    table = drill_rows(ledger.db, boss, drill)
    owed = raw(
        ledger.path,
        "SELECT o.number, o.total - COALESCE((SELECT SUM(a.amount) FROM receipt_allocations a "
        "JOIN receipts r ON r.id = a.receipt_id WHERE a.order_id = o.id AND NOT r.archived), 0) "
        "AS owed FROM sales_orders o WHERE o.customer_id = ? AND NOT o.archived "
        "AND o.status != 'cancelled'",
        (c1,),
    )
    owing = {row["number"]: row["owed"] for row in owed if row["owed"] > 0}
    assert {row[0]: cents(row[table.column("amount")]) for row in table.rows} == owing


def test_receipts_drill_lists_live_receipts_in_scope(ledger: Ledger) -> None:
    boss = ledger.actor("boss")
    c1, c5 = ledger.customers["c1"], ledger.customers["c5"]
    make_receipt(ledger.db, boss, c1, "30.00", (ledger.orders["o1"], "30.00"))
    make_receipt(ledger.db, boss, c5, "45.50", (ledger.orders["o7"], "45.50"))
    everyone = drill_rows(ledger.db, boss, Drill("receipts", {}))
    assert amounts(everyone) == Decimal("75.50")
    # li sees the receipt of their own customer (handled by the boss), not sun's customer's
    mine = drill_rows(ledger.db, ledger.actor("li"), Drill("receipts", {}))
    assert amounts(mine) == Decimal("30.00")


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def test_service_opportunity_and_followup_drills_follow_scope_and_filters(
    ledger: Ledger,
) -> None:
    li, sun = ledger.actor("li"), ledger.actor("sun")
    c1, c5 = ledger.customers["c1"], ledger.customers["c5"]
    for actor, customer in ((li, c1), (sun, c5)):
        service_records.save_service_record(
            ledger.db, actor, None, None, {"customer_id": customer, "subject": "设备异响"}
        )
        opportunities.save_opportunity(
            ledger.db,
            actor,
            None,
            None,
            {"customer_id": customer, "name": "年度采购", "expected_amount": Decimal("5000.00")},
        )
        followups.record_followup(
            ledger.db,
            actor,
            {"customer_id": customer, "subject": "电话回访", "happened_at": _at(date(2026, 1, 2))},
        )
    boss = ledger.actor("boss")
    for kind in ("service", "opportunities", "followups"):
        assert len(drill_rows(ledger.db, boss, Drill(kind, {})).rows) == 2, kind
        only_li = drill_rows(ledger.db, li, Drill(kind, {}))
        customer = only_li.column("customer")
        assert [row[customer] for row in only_li.rows] == ["上海华盛机械有限公司"], kind
        by_sun = drill_rows(ledger.db, boss, Drill(kind, {"salesperson_id": sun.id})).rows
        assert len(by_sun) == 1, kind
    mine = drill_rows(ledger.db, li, Drill("opportunities", {"status": "open"}))
    assert amounts(mine) == Decimal("5000.00")
    january = drill_rows(
        ledger.db,
        boss,
        Drill("followups", {"date_from": date(2026, 1, 2), "date_to": date(2026, 1, 2)}),
    )
    assert len(january.rows) == 2
    later = Drill("followups", {"date_from": date(2026, 1, 3)})
    assert drill_rows(ledger.db, boss, later).rows == []


def test_idle_customers_are_those_without_a_recent_follow_up(ledger: Ledger) -> None:
    li = ledger.actor("li")
    c1 = ledger.customers["c1"]
    followups.record_followup(
        ledger.db, li, {"customer_id": c1, "subject": "拜访", "happened_at": _at(date(2026, 1, 4))}
    )
    table = drill_rows(ledger.db, li, Drill("customers", {"idle_days": 30}))  # today 2026-01-05
    names = {row[table.column("name")] for row in table.rows}
    owned = raw(
        ledger.path, "SELECT name FROM customers WHERE owner_id = ? AND NOT archived", (li.id,)
    )
    assert names == {row["name"] for row in owned} - {"上海华盛机械有限公司"}


def test_people_helper_agrees_with_the_drill_for_a_manager(ledger: Ledger) -> None:
    """The manager sees the east team's sales, also zhou's, not sun's (north)."""
    mgr: Actor = ledger.actor("mgr")
    people = people_of(ledger.path, mgr.id)
    table = drill_rows(ledger.db, mgr, Drill("order_lines", {}))
    expected = [
        row
        for row in raw_sales_lines(ledger.path)
        if sees(people, row["salesperson_id"], row["owner_id"])
    ]
    assert cents(amounts(table)) == sum(row["amount"] for row in expected)
    assert "孙七" not in {row[table.column("salesperson")] for row in table.rows}


# --- against the analyses themselves -------------------------------------------------------------


@pytest.mark.parametrize("who", ["boss", "li"])
def test_every_salesperson_sales_row_drills_to_orders_adding_up_to_it(
    ledger: Ledger, who: str
) -> None:
    actor = ledger.actor(who)
    params = ReportParams(date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    table = run(ledger.db, actor, "salesperson-sales", params)
    assert table.rows
    for row, drill in zip(table.rows, table.drills, strict=True):
        assert drill is not None
        assert amounts(drill_rows(ledger.db, actor, drill)) == row[table.column("amount")]


def test_every_region_product_cell_drills_to_lines_adding_up_to_it(ledger: Ledger) -> None:
    boss = ledger.actor("boss")
    table = run(ledger.db, boss, "region-product-sales", ReportParams())
    regions = [c.key for c in table.columns if c.key.startswith("region_")]
    assert "region_none" in regions  # the pool customer and zhou's customer have no region
    checked = 0
    for index, row in enumerate(table.rows):
        for key in regions:
            drill = cell_drill(table, index, key)
            assert drill is not None and drill.kind == "order_lines"
            listed = drill_rows(ledger.db, boss, drill)
            assert amounts(listed) == row[table.column(key)], (row, key)
            checked += bool(listed.rows)
        whole = table.drills[index]
        assert whole is not None
        assert amounts(drill_rows(ledger.db, boss, whole)) == row[table.column("total")]
    assert checked >= 5


def test_a_cell_drill_of_a_plain_column_is_the_rows_drill(ledger: Ledger) -> None:
    table = run(ledger.db, ledger.actor("boss"), "region-product-sales", ReportParams())
    assert cell_drill(table, 0, "total") == table.drills[0]
    assert cell_drill(table, 0, "product") == table.drills[0]


def test_every_aging_bucket_and_receivable_drills_to_what_it_owes(ledger: Ledger) -> None:
    boss = ledger.actor("boss")
    c1 = ledger.customers["c1"]
    make_receipt(ledger.db, boss, c1, "500.00", (ledger.orders["o1"], "500.00"))
    for name, column in (
        ("aging-buckets", "amount"),
        ("receivables-by-customer", "outstanding"),
        ("receivables-by-salesperson", "outstanding"),
    ):
        table = run(ledger.db, boss, name, ReportParams())
        assert table.rows, name
        for row, drill in zip(table.rows, table.drills, strict=True):
            assert drill is not None
            assert amounts(drill_rows(ledger.db, boss, drill)) == row[table.column(column)], (
                name,
                row,
            )


def test_every_analysis_builds_drills_that_drill_rows_understands(ledger: Ledger) -> None:
    boss = ledger.actor("boss")
    for analysis in analyses():
        table = run(ledger.db, boss, analysis.name, ReportParams(date_from=date(2025, 1, 1)))
        for drill in table.drills:
            if drill is not None:
                drill_rows(ledger.db, boss, drill, limit=5)  # raises on a filter it ignores


# --- PostgreSQL (team server mode) ---------------------------------------------------------------


@pytest.mark.pg
def test_every_drill_kind_lists_the_same_records_on_postgresql(
    pg: Database, pg_boss: Actor
) -> None:
    """Grouped order amounts, outstanding sums, aging shares, local days and the capped totals
    on the server, not only on SQLite."""
    db, boss = pg, pg_boss
    customer = make_customer(db, boss, "服务器客户有限公司")
    order = make_order(
        db, boss, customer, [line("螺栓", 3, "33.33", 1500), line("运费", 1, "0.10")],
        order_date=date(2025, 12, 31),
    )  # fmt: skip
    version = orders.get_order(db, boss, order).version
    orders.set_order_status(db, boss, order, version, "confirmed")
    make_receipt(db, boss, customer, "80.00", (order, "80.00"), received_on=date(2025, 12, 31))
    followups.record_followup(
        db, boss, {"customer_id": customer, "subject": "回访", "happened_at": _at(date(2026, 1, 4))}
    )
    opportunities.save_opportunity(
        db, boss, None, None, {"customer_id": customer, "name": "扩产", "expected_amount": "5.00"}
    )
    service_records.save_service_record(
        db, boss, None, None, {"customer_id": customer, "subject": "维修"}
    )
    total = Decimal("84.99") + Decimal("0.10")  # 3 × 33.33 at 15 % off (84.9915), freight
    dated = {"date_from": date(2025, 12, 31), "date_to": date(2025, 12, 31)}
    assert amounts(drill_rows(db, boss, Drill("orders", dated))) == total
    capped = drill_rows(db, boss, Drill("order_lines", dated), limit=1)
    assert capped.totals is not None and capped.totals[capped.column("amount")] == total
    owing = drill_rows(db, boss, Drill("orders", {"outstanding": True}))
    assert amounts(owing) == total - Decimal("80.00")
    overdue = Drill("orders", {"outstanding": True, "aging_bucket": 1})  # 5 days past due
    assert amounts(drill_rows(db, boss, overdue)) == total - Decimal("80.00")
    assert amounts(drill_rows(db, boss, Drill("receipts", dated))) == Decimal("80.00")
    assert amounts(drill_rows(db, boss, Drill("opportunities", {}))) == Decimal("5.00")
    day = {"date_from": date(2026, 1, 4), "date_to": date(2026, 1, 4)}
    assert len(drill_rows(db, boss, Drill("followups", day)).rows) == 1
    assert len(drill_rows(db, boss, Drill("service", {"resolved": False})).rows) == 1
    assert len(drill_rows(db, boss, Drill("customers", {"region_id": None})).rows) == 1
