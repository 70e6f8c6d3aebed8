"""Customer analyses against an independent computation: plain Python over the raw customers read
with sqlite3 from the same file, for the boss (all), a manager (team) and a salesperson (own)."""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import date
from typing import Any

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.errors import PermissionDenied
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.reports.tables import ReportParams, ReportTable, analyses, run
from crm_desktop.core.services import basedata, customers
from tests.conftest import MakeOperator, actor_of
from tests.integration.test_postgresql import pg, pg_boss
from tests.report_fixtures import (
    Ledger,
    RawSource,
    build_ledger_with_team,
    customer_matches,
    in_range,
    ledger,
    local_created,
    raw,
    raw_customers,
    raw_source,
)

__all__ = ["ledger", "pg", "pg_boss"]  # fixtures, imported for pytest

WHO = ("boss", "mgr", "li")
BY_COLUMN = {
    "customers-by-type": "type_id",
    "customers-by-region": "region_id",
    "customers-by-source": "source_id",
    "customers-by-industry": "industry_id",
}
CUSTOMER_ANALYSES = ("customers-region-type", *BY_COLUMN, "new-customers-monthly")
RANGES = (
    (None, None),
    (date(2025, 1, 1), date(2025, 12, 31)),
    (date(2025, 3, 31), date(2026, 1, 1)),
    (date(2026, 1, 1), None),
)


def base_codes(path: RawSource) -> dict[int | None, str]:
    found: dict[int | None, str] = {
        r["id"]: r["code"] for r in raw(path, "SELECT id, code FROM base_data_items")
    }
    found[None] = ""
    return found


def seen(ledger: Ledger, who: str, first: date | None, last: date | None) -> list[dict[str, Any]]:
    """The raw customers the operator sees, created (local day) within the range."""
    rows = raw_customers(ledger.path, ledger.actor(who).id)
    return [row for row in rows if in_range(local_created(row), first, last)]


def compute(ledger: Ledger, who: str, name: str, **params: Any) -> ReportTable:
    return run(ledger.db, ledger.actor(who), name, ReportParams(**params))


def count_column(table: ReportTable) -> int:
    keys = [column.key for column in table.columns]
    return table.column("customers" if "customers" in keys else "total")


def counted(table: ReportTable) -> int:
    """The customers a table counts, added up over its rows."""
    return sum(row[count_column(table)] for row in table.rows)


# --- counts against the raw customers ------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name", list(BY_COLUMN))
def test_counts_by_one_list_match_the_raw_customers(ledger: Ledger, who: str, name: str) -> None:
    code = base_codes(ledger.path)
    for first, last in RANGES:
        rows = seen(ledger, who, first, last)
        expected = Counter(code[row[BY_COLUMN[name]]] for row in rows)
        table = compute(ledger, who, name, date_from=first, date_to=last)
        assert {r[0]: r[2] for r in table.rows} == expected
        assert [r[2] for r in table.rows] == sorted(expected.values(), reverse=True)
        if rows:
            assert table.totals is not None and table.totals[2] == len(rows)
            assert sum(r[3] for r in table.rows) == pytest.approx(1, abs=0.001)
        else:
            assert table.rows == []


@pytest.mark.parametrize("who", WHO)
def test_region_type_cross_table_matches_every_cell(ledger: Ledger, who: str) -> None:
    code = base_codes(ledger.path)
    for first, last in RANGES:
        rows = seen(ledger, who, first, last)
        expected = Counter((code[r["region_id"]], code[r["type_id"]]) for r in rows)
        table = compute(ledger, who, "customers-region-type", date_from=first, date_to=last)
        type_codes = [
            "" if c.key == "type_none" else code[int(c.key.split("_")[1])]
            for c in table.columns[2:-1]
        ]
        found = Counter()
        for row in table.rows:
            for index, kind in enumerate(type_codes):
                if row[2 + index]:
                    found[(row[0], kind)] = row[2 + index]
            assert sum(row[2:-1]) == row[-1]
        assert found == expected
        if rows:
            assert table.totals is not None and table.totals[-1] == len(rows)


def test_region_type_lists_regions_in_their_order_and_none_last(ledger: Ledger) -> None:
    table = compute(ledger, "boss", "customers-region-type")
    assert [r[1] for r in table.rows] == ["North China", "East China", "South China", "(none)"]
    assert [c.label for c in table.columns] == [
        "Region code",
        "Region",
        "Enterprise",
        "Individual",
        "Distributor",
        "Government",
        "(none)",
        "Total",
    ]
    assert table.chart.kind == "stacked"
    assert table.chart.values == tuple(c.key for c in table.columns[2:-1])


def test_archived_customers_are_not_counted_and_the_pool_only_by_those_who_see_all(
    ledger: Ledger,
) -> None:
    central = ledger.regions["04"]  # only c9 (archived) is there
    table = compute(ledger, "boss", "customers-by-region")
    ids = {drill.filters["region_id"] for drill in table.drills}
    assert central not in ids
    boss_total = compute(ledger, "boss", "customers-by-type").totals
    assert boss_total is not None and boss_total[2] == 9  # 10 customers, c9 archived
    mgr_total = compute(ledger, "mgr", "customers-by-type").totals
    assert mgr_total is not None and mgr_total[2] == 6  # the east team's, not the pool's c8


@pytest.mark.parametrize("who", WHO)
def test_region_and_owner_filters_match_the_raw_customers(ledger: Ledger, who: str) -> None:
    east, li = ledger.regions["02"], ledger.actor("li").id
    rows = seen(ledger, who, None, None)
    for params in (
        {"region_id": east},
        {"salesperson_id": li},
        {"region_id": east, "salesperson_id": li},
    ):
        expected = sum(1 for r in rows if customer_matches(r, params))
        for name in CUSTOMER_ANALYSES:
            assert counted(compute(ledger, who, name, **params)) == expected, (name, params)


# --- new customers per month, local days ----------------------------------------------------


@pytest.mark.usefixtures("shanghai")
@pytest.mark.parametrize("who", WHO)
def test_new_customers_per_month_count_the_local_creation_day(ledger: Ledger, who: str) -> None:
    for first, last in RANGES:
        rows = seen(ledger, who, first, last)
        expected = Counter(f"{local_created(r):%Y-%m}" for r in rows)
        table = compute(ledger, who, "new-customers-monthly", date_from=first, date_to=last)
        assert {r[0]: r[1] for r in table.rows if r[1]} == expected
        shown = [r[0] for r in table.rows]
        if rows:
            assert shown[0] == (f"{first:%Y-%m}" if first else min(expected))
            assert shown[-1] == (f"{last:%Y-%m}" if last else max(expected))
            assert len(shown) == len(set(shown))
        else:
            assert table.rows == []


@pytest.mark.usefixtures("shanghai")
def test_a_customer_created_on_new_years_eve_utc_is_new_in_january_in_china(
    ledger: Ledger,
) -> None:
    # c3 was created at 2025-12-31 20:00 UTC, 2026-01-01 04:00 in Shanghai
    table = compute(ledger, "boss", "new-customers-monthly", date_from=date(2025, 12, 1))
    assert table.rows == [("2025-12", 0), ("2026-01", 3), ("2026-02", 1)]
    ended = compute(ledger, "boss", "customers-by-type", date_to=date(2025, 12, 31))
    started = compute(ledger, "boss", "customers-by-type", date_from=date(2026, 1, 1))
    assert counted(ended) == 5  # c1, c2, c7, c8, c10 (c9 is archived)
    assert counted(started) == 4  # c3, c4, c5, c6
    # c2 at 2025-03-31 15:30 UTC is 23:30 on the last day of March there: still March
    march = compute(
        ledger, "boss", "customers-by-type", date_from=date(2025, 3, 31), date_to=date(2025, 3, 31)
    )
    assert counted(march) == 1


def test_in_utc_the_same_customer_is_new_in_december(ledger: Ledger) -> None:
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        table = compute(ledger, "boss", "new-customers-monthly", date_from=date(2025, 12, 1))
        assert table.rows == [("2025-12", 1), ("2026-01", 2), ("2026-02", 1)]
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


# --- charts, empties, drills, permission ---------------------------------------------------------


def test_a_pie_only_while_the_types_are_few(ledger: Ledger) -> None:
    table = compute(ledger, "boss", "customers-by-type")
    assert len(table.rows) == 5
    assert table.chart.kind == "pie"
    boss = ledger.actor("boss")
    for number in range(1, 3):
        kind = basedata.save_item(
            ledger.db,
            boss,
            None,
            None,
            {"kind": BaseDataKind.CUSTOMER_TYPE, "code": f"X{number}", "name": f"类型{number}"},
        )
        customers.create_customer(ledger.db, boss, {"name": f"新客户{number}", "type_id": kind})
    table = compute(ledger, "boss", "customers-by-type")
    assert len(table.rows) == 7
    assert table.chart.kind == "barh"
    assert compute(ledger, "boss", "customers-by-region").chart.kind == "barh"


@pytest.mark.parametrize("who", [*WHO, "zhou"])
def test_no_customers_in_the_range_gives_no_rows(ledger: Ledger, who: str) -> None:
    for name in CUSTOMER_ANALYSES:
        table = compute(ledger, who, name, date_from=date(2030, 1, 1), date_to=date(2030, 12, 31))
        assert table.rows == [], name
        assert table.totals is None
        assert table.drills == []


@pytest.mark.parametrize("who", WHO)
def test_every_row_drills_to_exactly_the_customers_it_counts(ledger: Ledger, who: str) -> None:
    rows = raw_customers(ledger.path, ledger.actor(who).id)
    params = {"date_from": date(2025, 3, 31), "date_to": date(2026, 1, 31)}
    for name in CUSTOMER_ANALYSES:
        table = compute(ledger, who, name, **params)
        assert table.rows
        count = count_column(table)
        for row, drill in zip(table.rows, table.drills, strict=True):
            assert drill is not None and drill.kind == "customers"
            matched = sum(1 for r in rows if customer_matches(r, drill.filters))
            assert matched == row[count], (name, row, drill)


def test_a_role_without_statistics_view_may_not_run_them(
    ledger: Ledger, make_operator: MakeOperator
) -> None:
    service = make_operator("svc", "service")
    for name in CUSTOMER_ANALYSES:
        with pytest.raises(PermissionDenied):
            run(ledger.db, service, name, ReportParams())


def test_every_customer_analysis_is_registered_in_the_customers_group() -> None:
    found = {a.name: a for a in analyses()}
    for name in CUSTOMER_ANALYSES:
        assert found[name].group == "Customers"
        assert found[name].filters == ("date_range", "region", "salesperson")


def test_customer_analyses_on_the_demo_data_match_the_raw_customers(
    db: Database, boss: Actor
) -> None:
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
    code = base_codes(path)
    for who in ("boss", manager, seller):
        actor = boss if who == "boss" else actor_of(db, who)
        rows = raw_customers(path, actor.id)
        assert rows, f"the demo has customers for {who}"
        for name, column in BY_COLUMN.items():
            table = run(db, actor, name, ReportParams())
            assert {r[0]: r[2] for r in table.rows} == Counter(code[r[column]] for r in rows)
        cross = run(db, actor, "customers-region-type", ReportParams())
        assert cross.totals is not None and cross.totals[-1] == len(rows)
        monthly = run(db, actor, "new-customers-monthly", ReportParams())
        expected = Counter(f"{local_created(r):%Y-%m}" for r in rows)
        assert {r[0]: r[1] for r in monthly.rows if r[1]} == expected


@pytest.mark.pg
@pytest.mark.sqlite_only(reason="compares SQLite with PostgreSQL itself (in the SQLite run)")
@pytest.mark.usefixtures("shanghai")
def test_postgresql_gives_the_same_tables_as_sqlite(
    ledger: Ledger, pg: Database, pg_boss: Actor, clock: FixedClock
) -> None:
    """Local creation days (UTC+8 at New Year), counts and the owner scope on the server."""
    server = build_ledger_with_team(pg, clock)
    cases = (
        {},
        {"date_from": date(2025, 12, 1), "date_to": date(2026, 1, 31)},
        {"date_to": date(2025, 12, 31), "region_id": ledger.regions["02"]},
    )
    for name in CUSTOMER_ANALYSES:
        for who in WHO:
            for params in cases:
                here = compute(ledger, who, name, **params)
                there = run(pg, server.actor(who), name, ReportParams(**params))
                assert there.rows == here.rows, (name, who, params)
                assert there.totals == here.totals
