"""Sales analyses against an independent computation: plain Python over the raw order lines read
with sqlite3 from the same file, for the boss (all), a manager (team) and a salesperson (own)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied
from crm_desktop.core.reports.tables import ReportParams, ReportTable, analyses, run
from tests.conftest import MakeOperator, actor_of
from tests.integration.test_postgresql import pg, pg_boss
from tests.report_fixtures import (
    Ledger,
    RawSource,
    build_ledger_with_team,
    in_range,
    ledger,
    line_matches,
    raw,
    raw_sales_lines,
    raw_source,
)

__all__ = ["ledger", "pg", "pg_boss"]  # fixtures, imported for pytest

WHO = ("boss", "mgr", "li")
SALES_ANALYSES = (
    "salesperson-sales",
    "salesperson-ranking",
    "region-sales",
    "salesperson-product-sales",
    "region-product-sales",
    "sales-by-period",
    "salesperson-by-period",
    "top-customers",
    "top-products",
)
RANGES = (
    (None, None),
    (date(2025, 1, 1), date(2025, 12, 31)),
    (date(2026, 1, 1), date(2026, 1, 31)),
    (date(2025, 2, 28), date(2026, 1, 1)),
)
Key = tuple[Any, ...]


def cents(amount: Decimal) -> int:
    value = amount * 100
    assert value == int(value), f"{amount} is not whole cents"
    return int(value)


def codes(path: RawSource) -> dict[str, dict[int | None, str]]:
    """id -> code of operators, base data and products, read raw; None (empty) is ""."""
    found: dict[str, dict[int | None, str]] = {}
    for kind, table in (("op", "operators"), ("base", "base_data_items"), ("prod", "products")):
        found[kind] = {row["id"]: row["code"] for row in raw(path, f"SELECT id, code FROM {table}")}
        found[kind][None] = ""
    return found


def lines_for(ledger: Ledger, who: str, first: date | None, last: date | None) -> list[Any]:
    lines = raw_sales_lines(ledger.path, ledger.actor(who).id)
    return [row for row in lines if in_range(row["order_date"], first, last)]


def summed(lines: list[dict[str, Any]], key: Any) -> dict[Key, int]:
    totals: dict[Key, int] = defaultdict(int)
    for row in lines:
        totals[key(row)] += row["amount"]
    return dict(totals)


def compute(ledger: Ledger, who: str, name: str, **params: Any) -> ReportTable:
    return run(ledger.db, ledger.actor(who), name, ReportParams(**params))


def figure_column(table: ReportTable) -> int:
    keys = [column.key for column in table.columns]
    return table.column("amount" if "amount" in keys else "total")


# --- each analysis against the raw lines ---------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
def test_salesperson_sales_match_the_raw_lines_per_region_and_salesperson(
    ledger: Ledger, who: str
) -> None:
    code = codes(ledger.path)
    for first, last in RANGES:
        table = compute(ledger, who, "salesperson-sales", date_from=first, date_to=last)
        expected = summed(
            lines_for(ledger, who, first, last),
            lambda r: (code["base"][r["region_id"]], code["op"][r["salesperson_id"]]),
        )
        assert {(r[0], r[2]): cents(r[4]) for r in table.rows} == expected
        assert len(table.rows) == len(expected)
        if table.rows:
            assert cents(table.totals[-1]) == sum(expected.values())


@pytest.mark.parametrize("who", WHO)
def test_salesperson_ranking_orders_by_amount_with_order_counts(ledger: Ledger, who: str) -> None:
    first, last = date(2025, 1, 1), date(2026, 12, 31)
    code = codes(ledger.path)
    lines = lines_for(ledger, who, first, last)
    amounts = summed(lines, lambda r: (r["salesperson_id"],))
    orders: dict[int, set[int]] = defaultdict(set)
    for row in lines:
        orders[row["salesperson_id"]].add(row["order_id"])
    ranked = sorted(amounts, key=lambda k: (-amounts[k], k[0]))
    table = compute(ledger, who, "salesperson-ranking", date_from=first, date_to=last)
    assert [(r[1], cents(r[3]), r[4]) for r in table.rows] == [
        (code["op"][k[0]], amounts[k], len(orders[k[0]])) for k in ranked
    ]
    assert [r[0] for r in table.rows] == list(range(1, len(ranked) + 1))  # no ties here


@pytest.mark.parametrize("who", WHO)
def test_region_sales_match_the_raw_lines_per_customer_region(ledger: Ledger, who: str) -> None:
    code = codes(ledger.path)
    for first, last in RANGES:
        lines = lines_for(ledger, who, first, last)
        expected = summed(lines, lambda r: (code["base"][r["region_id"]],))
        table = compute(ledger, who, "region-sales", date_from=first, date_to=last)
        assert {(r[0],): cents(r[2]) for r in table.rows} == expected
        assert [cents(r[2]) for r in table.rows] == sorted(expected.values(), reverse=True)
        whole = sum(expected.values())
        for row in table.rows:
            assert row[4] == (Decimal(cents(row[2])) / whole).quantize(Decimal("0.0001"))


@pytest.mark.parametrize("who", WHO)
def test_salesperson_product_sales_match_quantities_and_amounts(ledger: Ledger, who: str) -> None:
    code = codes(ledger.path)

    def key(r: dict[str, Any]) -> Key:
        return (code["op"][r["salesperson_id"]], code["prod"][r["product_id"]])

    for first, last in RANGES:
        lines = lines_for(ledger, who, first, last)
        amounts = summed(lines, key)
        quantities: dict[Key, int] = defaultdict(int)
        for row in lines:
            quantities[key(row)] += row["quantity"]  # thousandths
        table = compute(ledger, who, "salesperson-product-sales", date_from=first, date_to=last)
        assert {(r[0], r[2]): (int(r[4] * 1000), cents(r[5])) for r in table.rows} == {
            k: (quantities[k], amounts[k]) for k in amounts
        }
        assert [cents(r[5]) for r in table.rows] == sorted(amounts.values(), reverse=True)


@pytest.mark.parametrize("who", WHO)
def test_region_product_cross_table_matches_every_cell(ledger: Ledger, who: str) -> None:
    for first, last in RANGES:
        check_region_product_cells(ledger, who, first, last)


def check_region_product_cells(
    ledger: Ledger, who: str, first: date | None, last: date | None
) -> None:
    code = codes(ledger.path)
    lines = lines_for(ledger, who, first, last)
    expected = summed(
        lines, lambda r: (code["prod"][r["product_id"]], code["base"][r["region_id"]])
    )
    table = compute(ledger, who, "region-product-sales", date_from=first, date_to=last)
    region_columns = table.columns[2:-1]
    regions = {r["id"]: r for r in raw(ledger.path, "SELECT id, code FROM base_data_items")}
    column_codes = [
        "" if c.key == "region_none" else regions[int(c.key.split("_")[1])]["code"]
        for c in region_columns
    ]
    found = {}
    for row in table.rows:
        for index, region in enumerate(column_codes):
            if row[2 + index]:
                found[(row[0], region)] = cents(row[2 + index])
        assert sum(row[2:-1], Decimal("0.00")) == row[-1]  # a row adds up to its total
    assert found == expected
    if table.rows:
        assert cents(table.totals[-1]) == sum(expected.values())
        for index, region in enumerate(column_codes):
            column = sum(v for (_p, r), v in expected.items() if r == region)
            assert cents(table.totals[2 + index]) == column


# --- sales by period against the same period last year -------------------------------------------


def period_of(day: date, granularity: str) -> str:
    if granularity == "year":
        return str(day.year)
    if granularity == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def previous(key: str) -> str:
    return str(int(key[:4]) - 1) + key[4:]


def one_year_back(day: date) -> date:
    return day.replace(year=day.year - 1, day=min(day.day, 28 if day.month == 2 else 31))


PERIOD_RANGES = (
    (date(2025, 1, 1), date(2025, 12, 31)),
    (date(2026, 1, 1), date(2026, 2, 28)),
    (date(2025, 1, 16), date(2026, 1, 31)),  # over a year, starting mid-month
    (None, date(2025, 12, 31)),
    (date(2025, 3, 1), None),
    (None, date(2025, 8, 20)),
)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("granularity", ["month", "quarter", "year"])
def test_sales_by_period_compare_with_the_same_period_last_year(
    ledger: Ledger, who: str, granularity: str
) -> None:
    for first, last in PERIOD_RANGES:
        check_periods(ledger, who, granularity, first, last)


def check_periods(
    ledger: Ledger, who: str, granularity: str, first: date | None, last: date | None
) -> None:
    lines = raw_sales_lines(ledger.path, ledger.actor(who).id)
    now = summed(
        [r for r in lines if in_range(r["order_date"], first, last)],
        lambda r: (period_of(r["order_date"], granularity),),
    )
    back = (first and one_year_back(first), last and one_year_back(last))
    before = summed(
        [r for r in lines if in_range(r["order_date"], *back)],
        lambda r: (period_of(r["order_date"], granularity),),
    )
    table = compute(
        ledger, who, "sales-by-period", date_from=first, date_to=last, granularity=granularity
    )
    shown = [r[0] for r in table.rows]
    assert shown[0] == (period_of(first, granularity) if first else min(now)[0])
    assert shown[-1] == (period_of(last, granularity) if last else max(now)[0])
    assert shown == sorted(set(shown))  # every period once, in order
    for period, amount, last_year, change in table.rows:
        assert cents(amount) == now.get((period,), 0)
        assert cents(last_year) == before.get((previous(period),), 0)
        if last_year:
            assert change == ((amount - last_year) / last_year).quantize(Decimal("0.0001"))
        else:
            assert change is None
    assert cents(table.totals[1]) == sum(now.values())


def test_sales_by_month_shows_months_without_sales_and_last_years_december(
    ledger: Ledger,
) -> None:
    table = compute(
        ledger, "boss", "sales-by-period", date_from=date(2025, 1, 1), date_to=date(2025, 12, 31)
    )
    assert [r[0] for r in table.rows] == [f"2025-{m:02d}" for m in range(1, 13)]
    by_month = {r[0]: r for r in table.rows}
    assert by_month["2025-04"][1:] == (Decimal("0.00"), Decimal("0.00"), None)
    # 31 Dec 2025 (o4 880.00; the draft on that day does not count) against 31 Dec 2024 (125.00)
    assert by_month["2025-12"][1:] == (Decimal("880.00"), Decimal("125.00"), Decimal("6.0400"))


def test_sales_by_year_without_a_range_lists_every_year_with_sales(ledger: Ledger) -> None:
    table = compute(ledger, "boss", "sales-by-period", granularity="year")
    lines = raw_sales_lines(ledger.path)
    per_year = summed(lines, lambda r: (str(r["order_date"].year),))
    assert [(r[0], cents(r[1]), cents(r[2])) for r in table.rows] == [
        (year, per_year[(year,)], per_year.get((str(int(year) - 1),), 0))
        for year in ("2024", "2025", "2026")
    ]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("granularity", ["month", "quarter", "year"])
def test_salesperson_by_period_matches_every_cell(
    ledger: Ledger, who: str, granularity: str
) -> None:
    code = codes(ledger.path)
    for first, last in PERIOD_RANGES:
        lines = lines_for(ledger, who, first, last)
        expected = summed(
            lines,
            lambda r: (code["op"][r["salesperson_id"]], period_of(r["order_date"], granularity)),
        )
        table = compute(
            ledger,
            who,
            "salesperson-by-period",
            date_from=first,
            date_to=last,
            granularity=granularity,
        )
        periods = [c.label for c in table.columns[2:-1]]
        assert periods[0] == (period_of(first, granularity) if first else min(expected)[1])
        assert periods == sorted(set(periods))
        found = {
            (row[0], period): cents(row[2 + index])
            for row in table.rows
            for index, period in enumerate(periods)
            if row[2 + index]
        }
        assert found == expected
        totals = [cents(row[-1]) for row in table.rows]
        assert totals == sorted(totals, reverse=True)


# --- top N ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
def test_top_customers_are_the_largest_with_ties_in_entry_order(ledger: Ledger, who: str) -> None:
    names = {r["id"]: r["name"] for r in raw(ledger.path, "SELECT id, name FROM customers")}
    for first, last in RANGES:
        amounts = summed(lines_for(ledger, who, first, last), lambda r: (r["customer_id"],))
        for top_n in (1, 2, 3, 10):
            expected = sorted(amounts, key=lambda k: (-amounts[k], k[0]))[:top_n]
            table = compute(
                ledger, who, "top-customers", date_from=first, date_to=last, top_n=top_n
            )
            assert [(r[2], cents(r[3])) for r in table.rows] == [
                (names[k[0]], amounts[k]) for k in expected
            ]


def test_tied_customers_share_a_rank_and_keep_entry_order(ledger: Ledger) -> None:
    table = compute(
        ledger, "boss", "top-customers", date_from=date(2026, 1, 1), date_to=date(2026, 2, 28)
    )
    c4, c6 = ledger.customers["c4"], ledger.customers["c6"]
    ranked = [
        (r[0], r[3], d.filters["customer_id"])
        for r, d in zip(table.rows, table.drills, strict=True)
    ]
    assert ranked == [
        (1, Decimal("2424.19"), ledger.customers["c5"]),  # 2400.00 + 2.5 × 10.01 at 3.33 % off
        (2, Decimal("1056.00"), c4),
        (2, Decimal("1056.00"), c6),
        (4, Decimal("800.00"), ledger.customers["c1"]),
    ]
    again = compute(
        ledger, "boss", "top-customers", date_from=date(2026, 1, 1), date_to=date(2026, 2, 28)
    )
    assert again.rows == table.rows


@pytest.mark.parametrize("who", WHO)
def test_top_products_are_the_largest_with_free_text_lines_as_none(
    ledger: Ledger, who: str
) -> None:
    code = codes(ledger.path)
    for first, last in RANGES:
        amounts = summed(lines_for(ledger, who, first, last), lambda r: (r["product_id"],))
        for top_n in (1, 2, 10):
            ranked = sorted(amounts, key=lambda k: (-amounts[k], k[0] is None, k[0] or 0))
            table = compute(ledger, who, "top-products", date_from=first, date_to=last, top_n=top_n)
            assert [(r[1], cents(r[4])) for r in table.rows] == [
                (code["prod"][k[0]], amounts[k]) for k in ranked[:top_n]
            ]


# --- what counts ---------------------------------------------------------------------------------


def region_total(ledger: Ledger, first: date, last: date) -> Decimal | None:
    table = compute(ledger, "boss", "region-sales", date_from=first, date_to=last)
    return table.totals[2] if table.totals else None


def test_an_order_on_the_last_day_of_the_year_is_in_that_year_only(ledger: Ledger) -> None:
    # o4 confirmed 880.00 on 2025-12-31; the draft o5 of the same day never counts
    assert region_total(ledger, date(2025, 12, 1), date(2025, 12, 31)) == Decimal("880.00")
    assert region_total(ledger, date(2025, 12, 31), date(2025, 12, 31)) == Decimal("880.00")
    # o6 on 2026-01-01 is 1056.00; nothing of 31 December
    assert region_total(ledger, date(2026, 1, 1), date(2026, 1, 1)) == Decimal("1056.00")
    assert region_total(ledger, date(2024, 12, 31), date(2024, 12, 31)) == Decimal("125.00")


def test_an_order_on_the_last_day_of_a_month_is_in_that_month_only(ledger: Ledger) -> None:
    assert region_total(ledger, date(2025, 2, 1), date(2025, 2, 28)) == Decimal("512.00")
    assert region_total(ledger, date(2025, 3, 1), date(2025, 3, 30)) is None
    assert region_total(ledger, date(2025, 3, 31), date(2025, 3, 31)) == Decimal("550.00")
    # 31 Jan 2026: o7 counts (2424.19), the cancelled o8 of the same day does not
    assert region_total(ledger, date(2026, 1, 31), date(2026, 1, 31)) == Decimal("2424.19")
    assert region_total(ledger, date(2026, 2, 1), date(2026, 2, 28)) == Decimal("1056.00")


def test_drafts_and_cancelled_orders_never_count_but_archived_ones_do(ledger: Ledger) -> None:
    statuses = {
        r["id"]: (r["status"], r["archived"])
        for r in raw(ledger.path, "SELECT id, status, archived FROM sales_orders")
    }
    assert statuses[ledger.orders["o5"]][0] == "draft"
    assert statuses[ledger.orders["o8"]][0] == "cancelled"
    assert statuses[ledger.orders["o10"]] == ("closed", 1)
    table = compute(ledger, "boss", "top-customers", top_n=50)
    drilled = {
        d.filters["customer_id"]: r[4] for r, d in zip(table.rows, table.drills, strict=True)
    }
    assert drilled[ledger.customers["c3"]] == 1  # o4 only, not the draft o5
    assert drilled[ledger.customers["c5"]] == 1  # o7 only, not the cancelled o8
    assert drilled[ledger.customers["c7"]] == 1  # o10, closed and archived


@pytest.mark.parametrize("name", SALES_ANALYSES)
def test_the_grand_total_is_the_sum_of_the_order_lines_to_the_cent(
    ledger: Ledger, name: str
) -> None:
    lines = raw(
        ledger.path,
        "SELECT l.amount, o.status FROM order_lines l JOIN sales_orders o ON o.id = l.order_id",
    )
    expected = sum(
        r["amount"] for r in lines if r["status"] in ("confirmed", "delivered", "closed")
    )
    table = compute(ledger, "boss", name, top_n=100)
    column = figure_column(table)
    assert sum(cents(r[column]) for r in table.rows) == expected
    assert expected == 1029021  # the ledger's 12 sales, 10290.21


@pytest.mark.parametrize("who", [*WHO, "zhou"])
def test_no_sales_in_the_range_gives_no_rows(ledger: Ledger, who: str) -> None:
    for name in SALES_ANALYSES:
        table = compute(ledger, who, name, date_from=date(2030, 1, 1), date_to=date(2030, 12, 31))
        assert table.rows == [], name
        assert table.totals is None
        assert table.drills == []
    # zhou sold only in August 2025
    table = compute(ledger, "zhou", "top-products", date_from=date(2025, 9, 1))
    assert table.rows == []


def test_zhou_sees_only_his_own_sale(ledger: Ledger) -> None:
    table = compute(ledger, "zhou", "salesperson-ranking")
    assert [(r[1], r[3]) for r in table.rows] == [("zhou", Decimal("256.03"))]


def test_li_sees_a_colleagues_sale_to_his_own_customer(ledger: Ledger) -> None:
    # zhao sold o9 (800.00) to li's customer c1: li's figures include it (record scope)
    table = compute(ledger, "li", "salesperson-ranking", date_from=date(2026, 1, 1))
    assert [(r[1], r[3]) for r in table.rows] == [("zhao", Decimal("800.00"))]
    table = compute(ledger, "sun", "salesperson-ranking", date_from=date(2026, 1, 1))
    assert [(r[1], r[3]) for r in table.rows] == [("sun", Decimal("3480.19"))]


@pytest.mark.parametrize("who", WHO)
def test_filters_by_region_salesperson_and_product_match_the_raw_lines(
    ledger: Ledger, who: str
) -> None:
    east, p2 = ledger.regions["02"], ledger.products["p2"]
    li, zhao = ledger.actor("li").id, ledger.actor("zhao").id
    lines = lines_for(ledger, who, None, None)
    for filters in (
        {"region_id": east},
        {"salesperson_id": zhao},
        {"product_id": p2},
        {"region_id": east, "salesperson_id": li, "product_id": p2},
    ):
        expected = sum(r["amount"] for r in lines if line_matches(r, filters))
        for name in ("salesperson-product-sales", "region-product-sales", "sales-by-period"):
            table = compute(ledger, who, name, **filters)
            column = figure_column(table)
            assert sum(cents(r[column]) for r in table.rows) == expected, (name, filters)


# --- drill-down and the demo ---------------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
def test_every_row_drills_to_exactly_the_lines_it_sums(ledger: Ledger, who: str) -> None:
    for name in SALES_ANALYSES:
        check_drills(ledger, who, name)


def check_drills(ledger: Ledger, who: str, name: str) -> None:
    params = {"date_from": date(2025, 1, 16), "date_to": date(2026, 1, 31), "top_n": 100}
    lines = raw_sales_lines(ledger.path, ledger.actor(who).id)
    table = compute(ledger, who, name, **params)
    assert table.rows, "the ledger has sales for everyone in this range"
    assert len(table.drills) == len(table.rows)
    column = figure_column(table)
    for row, drill in zip(table.rows, table.drills, strict=True):
        assert drill is not None
        assert drill.kind in ("orders", "order_lines")
        matched = sum(r["amount"] for r in lines if line_matches(r, drill.filters))
        assert matched == cents(row[column]), (row, drill)


def test_a_role_without_statistics_view_may_not_run_them(
    ledger: Ledger, make_operator: MakeOperator
) -> None:
    service = make_operator("svc", "service")
    for name in SALES_ANALYSES:
        with pytest.raises(PermissionDenied):
            run(ledger.db, service, name, ReportParams())


def test_every_sales_analysis_is_registered_in_the_sales_group() -> None:
    found = {a.name: a for a in analyses()}
    for name in SALES_ANALYSES:
        assert found[name].group == "Sales"
        assert "date_range" in found[name].filters


def test_sales_analyses_on_the_demo_data_match_the_raw_lines(db: Database, boss: Actor) -> None:
    from crm_desktop.core.services import demo

    demo.generate(db, boss, customers=300, seed=5)
    path = raw_source(db)
    people = raw(
        path,
        "SELECT o.code, r.code AS role FROM operators o JOIN roles r ON r.id = o.role_id "
        "WHERE o.active ORDER BY o.id",
    )
    manager = next(p["code"] for p in people if p["role"] == "sales_manager")
    seller = next(p["code"] for p in people if p["role"] == "salesperson")
    for code in ("boss", manager, seller):
        actor = boss if code == "boss" else actor_of(db, code)
        lines = raw_sales_lines(path, actor.id)
        assert lines, f"the demo has sales for {code}"
        last = max(r["order_date"] for r in lines)
        first = date(last.year - 1, 1, 1)
        expected = sum(r["amount"] for r in lines if in_range(r["order_date"], first, last))
        for name in SALES_ANALYSES:
            params = ReportParams(date_from=first, date_to=last, top_n=100_000)
            table = run(db, actor, name, params)
            column = figure_column(table)
            assert sum(cents(r[column]) for r in table.rows) == expected, (code, name)
            for row, drill in zip(table.rows, table.drills, strict=True):
                matched = sum(r["amount"] for r in lines if line_matches(r, drill.filters))
                assert matched == cents(row[column]), (code, name, row)


@pytest.mark.pg
@pytest.mark.sqlite_only(reason="compares SQLite with PostgreSQL itself (in the SQLite run)")
def test_postgresql_gives_the_same_tables_as_sqlite(
    ledger: Ledger, pg: Database, pg_boss: Actor, clock: FixedClock
) -> None:
    """Period keys, integer sums, the CASE sums of part periods and the scope on the server."""
    server = build_ledger_with_team(pg, clock)
    cases = (
        {},
        {"date_from": date(2025, 1, 1), "date_to": date(2025, 12, 31)},
        {"date_from": date(2025, 1, 16), "date_to": date(2026, 1, 31), "granularity": "quarter"},
        {"region_id": ledger.regions["02"], "granularity": "year", "top_n": 2},
    )
    for name in SALES_ANALYSES:
        for who in WHO:
            for params in cases:
                here = compute(ledger, who, name, **params)
                there = run(pg, server.actor(who), name, ReportParams(**params))
                assert there.rows == here.rows, (name, who, params)
                assert there.totals == here.totals
                assert [c.label for c in there.columns] == [c.label for c in here.columns]
