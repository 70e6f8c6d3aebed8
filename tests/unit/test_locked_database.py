"""Another PC holding the write lock: the write waits, retries, then says so; nothing half-done."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import DatabaseBusy, DatabaseMissing, ReadOnlyDatabase
from crm_desktop.core.services import customers

pytestmark = pytest.mark.sqlite_only(reason="the SQLite file's own write lock and file mode")


def test_write_blocked_by_another_pc_reports_busy_and_writes_nothing(
    db: Database, boss: Actor, db_path: Path
) -> None:
    impatient = Database(f"sqlite:///{db_path}", busy_timeout_ms=20)
    other_pc = sqlite3.connect(db_path, isolation_level=None)
    other_pc.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseBusy, match="busy"):
            customers.create_customer(impatient, boss, {"name": "等锁客户"})
    finally:
        other_pc.execute("ROLLBACK")
        other_pc.close()
    assert customers.list_customers(db, boss) == []
    customers.create_customer(impatient, boss, {"name": "等锁客户"})  # lock released: works
    assert [r[1] for r in customers.list_customers(db, boss)] == ["等锁客户"]
    impatient.dispose()


def test_read_only_file_is_refused_with_a_message_and_left_unchanged(
    db: Database, boss: Actor, db_path: Path
) -> None:
    before = db_path.read_bytes()
    db_path.chmod(0o444)
    try:
        with pytest.raises(ReadOnlyDatabase, match="read-only"):
            customers.create_customer(db, boss, {"name": "只读客户"})
        assert customers.list_customers(db, boss) == []  # reading still works
    finally:
        db_path.chmod(0o644)
    assert db_path.read_bytes() == before


def test_a_team_server_that_is_down_is_reported_as_unreachable_not_as_a_driver_error() -> None:
    """The poller and the forms treat this like a dropped share: one calm message, retry later."""
    server = Database("postgresql+psycopg://crm_app@127.0.0.1:9/crm")  # nothing listens there
    with (
        pytest.raises(DatabaseMissing, match="Cannot reach the database server"),
        server.read() as session,
    ):
        session.execute(text("SELECT 1"))
    server.dispose()
