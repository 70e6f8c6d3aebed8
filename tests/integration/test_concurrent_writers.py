"""Several OS processes writing one SQLite file at once lose nothing (rollback journal,
BEGIN IMMEDIATE, busy timeout): the shared-file set-up of a small office."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database

WRITERS = 4
CUSTOMERS_EACH = 30


def _writer(path: str, number: int, ready: multiprocessing.synchronize.Barrier) -> int:
    from crm_desktop.core.services import customers
    from tests.conftest import actor_of

    database = Database(f"sqlite:///{path}")
    boss = actor_of(database, "boss")
    ready.wait()
    for index in range(CUSTOMERS_EACH):
        customers.create_customer(
            database, boss, {"name": f"并发客户{number}-{index}", "phone": f"0{number}{index:04d}"}
        )
    database.dispose()
    return number


def test_processes_writing_concurrently_lose_nothing(
    db: Database, boss: Actor, db_path: Path
) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(WRITERS)
    with context.Pool(WRITERS) as pool:
        results = pool.starmap(_writer, [(str(db_path), n, barrier) for n in range(WRITERS)])
    assert sorted(results) == list(range(WRITERS))

    with sqlite3.connect(db_path) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM customers")}
        created = conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'customer.create'"
        ).fetchone()[0]
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    expected = {f"并发客户{n}-{i}" for n in range(WRITERS) for i in range(CUSTOMERS_EACH)}
    assert names == expected
    assert created == WRITERS * CUSTOMERS_EACH
    assert integrity == "ok"
    assert journal == "delete"
    assert not db_path.with_name(db_path.name + "-wal").exists()
