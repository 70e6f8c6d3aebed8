"""Eight PCs editing one shared SQLite file at once lose nothing and see every conflict.

Eight OS processes (tests/integration/stress_worker.py) each make 300 mixed edits through the
real services: new customers, follow-ups, orders with lines, and saves of the same three hot
customers against the version they read. Afterwards every write a service acknowledged is in
the file, every hot customer's version and audit trail account for exactly the saves that were
acknowledged (a lost update would show as a missing or doubled version), the only refusals were
conflicts, and the file is sound.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.db.database import decode_changes
from tests.integration.stress_worker import Workload, prepare, run_workers

WORKERS = 8
EDITS = 300
TIMEOUT_S = 240


@pytest.fixture
def results(
    db: Database, boss: Actor, db_path: Path, tmp_path: Path
) -> tuple[Workload, list[dict[str, Any]]]:
    workload = prepare(db, boss, WORKERS)
    db.dispose()
    logs, _seconds = run_workers(db_path, workload, EDITS, tmp_path, timeout=TIMEOUT_S)
    return workload, logs


def every(logs: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [entry for log in logs for entry in log[key]]


def query(db_path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


def test_eight_pcs_on_one_file_lose_nothing_and_see_every_conflict(
    results: tuple[Workload, list[dict[str, Any]]], db_path: Path
) -> None:
    workload, logs = results
    assert every(logs, "errors") == [], "only conflicts may reach a caller"
    for log in logs:
        done = sum(len(log[k]) for k in ("customers", "followups", "orders", "hot_updates"))
        assert done + len(log["conflicts"]) == EDITS, log["operator"]
    assert_acknowledged_writes_present(db_path, logs)
    assert_orders_whole_and_numbered_once(db_path, logs)
    for customer_id in workload.hot:
        assert_no_lost_update(db_path, logs, customer_id)
    assert_conflicts_were_real(logs)
    assert query(db_path, "PRAGMA integrity_check") == [("ok",)]


def assert_acknowledged_writes_present(db_path: Path, logs: list[dict[str, Any]]) -> None:
    created = dict(query(db_path, "SELECT id, name FROM customers"))
    for entry in every(logs, "customers"):
        assert created.get(entry["id"]) == entry["name"]
    recorded = {
        row[0]: row[1:] for row in query(db_path, "SELECT id, customer_id, subject FROM followups")
    }
    for entry in every(logs, "followups"):
        assert recorded.get(entry["id"]) == (entry["customer_id"], entry["subject"])


def assert_orders_whole_and_numbered_once(db_path: Path, logs: list[dict[str, Any]]) -> None:
    acknowledged = every(logs, "orders")
    numbers = [entry["number"] for entry in acknowledged]
    assert len(set(numbers)) == len(numbers), "an order number was handed out twice"
    stored = dict(query(db_path, "SELECT id, number FROM sales_orders"))
    assert len(set(stored.values())) == len(stored)
    lines = dict(query(db_path, "SELECT order_id, count(*) FROM order_lines GROUP BY order_id"))
    for entry in acknowledged:
        assert stored.get(entry["id"]) == entry["number"]
        assert lines.get(entry["id"]) == entry["lines"]


def assert_no_lost_update(db_path: Path, logs: list[dict[str, Any]], customer_id: int) -> None:
    """Each acknowledged save moved the hot customer on from the version it read, one by one:
    two saves against the same version (a lost update) or a missing one would break the run."""
    saves = [entry for entry in every(logs, "hot_updates") if entry["id"] == customer_id]
    assert sorted(entry["version"] for entry in saves) == list(range(1, len(saves) + 1))
    ((version, remarks),) = query(
        db_path, "SELECT version, remarks FROM customers WHERE id = ?", customer_id
    )
    assert version == 1 + len(saves)
    if saves:
        assert remarks == max(saves, key=lambda entry: entry["version"])["value"]
    audited = [
        decode_changes(changes)["remarks"][1]
        for (changes,) in query(
            db_path,
            "SELECT changes FROM audit_log WHERE action = 'customer.update' AND entity_id = ?",
            customer_id,
        )
    ]
    assert Counter(audited) == Counter(entry["value"] for entry in saves)


def assert_conflicts_were_real(logs: list[dict[str, Any]]) -> None:
    """Every conflict came from a stale version: someone's acknowledged save had moved on."""
    saved = {(entry["id"], entry["version"]) for entry in every(logs, "hot_updates")}
    for conflict in every(logs, "conflicts"):
        assert conflict["current"] > conflict["version"]
        assert (conflict["id"], conflict["version"]) in saved
