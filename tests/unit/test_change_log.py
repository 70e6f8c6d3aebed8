"""Other PCs learn what changed from the change log; a PC never refreshes for its own writes."""

from __future__ import annotations

from sqlalchemy import func, select

from crm_desktop.core.actor import Actor
from crm_desktop.core.changes import Changes
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database, presence
from crm_desktop.core.db.watch import ChangeWatcher
from crm_desktop.core.models import ChangeLogEntry
from crm_desktop.core.services import customers, followups

FOLLOWUP = {"content": "电话回访"}


def other_pc(db: Database) -> Database:
    """A second app instance on the same file, as another PC would open it."""
    return Database(db.url, clock=db.clock)


def test_a_write_on_another_pc_is_reported_by_kind(db: Database, boss: Actor) -> None:
    watcher = ChangeWatcher(db)
    second = other_pc(db)
    customers.create_customer(second, boss, {"name": "上海远方贸易有限公司"})
    changes = watcher.poll()
    assert changes.touches("customers")
    assert not changes.touches("orders", "receipts", "operators")
    assert not watcher.poll()  # reported once
    second.dispose()


def test_own_writes_are_not_reported_back(db: Database, boss: Actor) -> None:
    watcher = ChangeWatcher(db)
    customers.create_customer(db, boss, {"name": "本机贸易有限公司"})
    assert watcher.poll() == Changes()


def test_kinds_come_from_the_tables_written_even_without_an_announcement(
    db: Database, boss: Actor
) -> None:
    second = other_pc(db)
    customer_id = customers.create_customer(second, boss, {"name": "跟进测试有限公司"})
    watcher = ChangeWatcher(db)
    followups.record_followup(second, boss, {"customer_id": customer_id, **FOLLOWUP})
    assert watcher.poll().touches("followups")
    second.dispose()


def test_heartbeats_and_audit_rows_announce_nothing(db: Database, boss: Actor) -> None:
    key = presence.join(db, boss)
    with db.read() as session:
        before = session.scalar(select(func.count()).select_from(ChangeLogEntry))
    presence.heartbeat(db, key)
    presence.leave(db, key)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ChangeLogEntry)) == before


def test_a_pruned_or_restored_log_refreshes_everything(db: Database, boss: Actor) -> None:
    second = other_pc(db)
    customers.create_customer(second, boss, {"name": "旧日志有限公司"})
    watcher = ChangeWatcher(db, last_seen=10_000)  # ahead of the log, as after a restore
    assert watcher.poll() == Changes.everything()
    assert not watcher.poll()
    second.dispose()


def test_entries_older_than_a_day_are_pruned_when_a_session_joins(
    db: Database, boss: Actor, clock: FixedClock
) -> None:
    customers.create_customer(db, boss, {"name": "过期日志有限公司"})
    clock.advance(days=2)
    presence.join(db, boss)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ChangeLogEntry)) <= 1
