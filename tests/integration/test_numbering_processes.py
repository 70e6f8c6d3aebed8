"""Document numbers stay unique and contiguous when several PCs create orders at the same moment:
two OS processes on one SQLite file, and two connections on a PostgreSQL server (row lock)."""

from __future__ import annotations

import multiprocessing
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import event

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.services import numbering, orders
from tests.sales_fixtures import make_customer, make_order

pytest_plugins = ["tests.integration.test_postgresql"]

PROCESSES = 2
ORDERS_EACH = 40


def _create_orders(
    path: str, customer_id: int, ready: multiprocessing.synchronize.Barrier
) -> list[str]:
    """One PC: log in as the boss and create orders as fast as it can."""
    from tests.conftest import actor_of

    database = Database(f"sqlite:///{path}", clock=FixedClock())
    boss = actor_of(database, "boss")
    ready.wait()
    ids = [make_order(database, boss, customer_id) for _i in range(ORDERS_EACH)]
    numbers = [orders.get_order(database, boss, order_id).number for order_id in ids]
    database.dispose()
    return numbers


def _sequences(numbers: list[str], prefix: str) -> list[int]:
    assert all(re.fullmatch(rf"{prefix}\d{{4}}", n) for n in numbers), numbers
    return sorted(int(n[len(prefix) :]) for n in numbers)


def test_two_processes_creating_orders_at_once_never_share_a_number(
    db: Database, boss: Actor, db_path: Path
) -> None:
    customer = make_customer(db, boss)
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(PROCESSES)
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(_create_orders, [(str(db_path), customer, barrier)] * PROCESSES)
    numbers = [n for result in results for n in result]
    prefix = f"SO{local_today(db.clock):%Y%m%d}"
    assert len(set(numbers)) == PROCESSES * ORDERS_EACH
    assert _sequences(numbers, prefix) == list(range(1, PROCESSES * ORDERS_EACH + 1))
    for result in results:  # each PC saw its own numbers rising
        assert result == sorted(result)
    rule = next(r for r in numbering.list_rules(db, boss) if r.kind == "order")
    assert rule.next_sequence == PROCESSES * ORDERS_EACH + 1
    assert orders.count_orders(db, boss) == PROCESSES * ORDERS_EACH


@pytest.mark.pg
def test_orders_created_at_once_on_postgresql_lock_the_rule_row(
    pg: Database, pg_boss: Actor
) -> None:
    customer = make_customer(pg, pg_boss)
    statements: list[str] = []

    @event.listens_for(pg.engine, "before_cursor_execute")
    def remember(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    barrier = threading.Barrier(PROCESSES)
    results: list[list[str]] = [[] for _i in range(PROCESSES)]
    failures: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait()
            for _i in range(ORDERS_EACH // 2):
                order = make_order(pg, pg_boss, customer)
                results[index].append(orders.get_order(pg, pg_boss, order).number)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(PROCESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    numbers = [n for result in results for n in result]
    prefix = f"SO{local_today(pg.clock):%Y%m%d}"
    assert _sequences(numbers, prefix) == list(range(1, PROCESSES * (ORDERS_EACH // 2) + 1))
    locking = [s for s in statements if "FROM numbering_rules" in s]
    assert locking and all("FOR UPDATE" in s for s in locking)
    listed = orders.list_orders(pg, pg_boss, sort="number", descending=False, limit=500)
    assert [r.number for r in listed] == sorted(numbers)
