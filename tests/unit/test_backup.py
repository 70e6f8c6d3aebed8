"""Backups: verified copies beside the database, rotated, taken daily and on request."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.db.backup import backup_database, backup_dir, backup_if_due, rotate
from crm_desktop.core.services import customers

SQLITE_FILE_BACKUP = "the app copies SQLite files; a server is backed up by its own tools"


@pytest.mark.sqlite_only(reason=SQLITE_FILE_BACKUP)
def test_backup_is_a_complete_verified_copy(db: Database, boss: Actor, db_path: Path) -> None:
    customers.create_customer(db, boss, {"name": "备份测试有限公司"})
    result = backup_database(db)
    assert result.path.parent == backup_dir(db_path)
    with sqlite3.connect(result.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = [r[0] for r in conn.execute("SELECT name FROM customers")]
    assert names == ["备份测试有限公司"]
    assert not list(result.path.parent.glob("*.partial"))


@pytest.mark.sqlite_only(reason=SQLITE_FILE_BACKUP)
def test_daily_backup_is_taken_once_a_day(db: Database, boss: Actor, clock: FixedClock) -> None:
    first = backup_if_due(db)
    assert first is not None
    assert backup_if_due(db) is None  # the file just written is newer than a day


def test_rotation_keeps_only_the_newest(tmp_path: Path) -> None:
    for day in range(1, 6):
        (tmp_path / f"crm-2026010{day}-120000-daily.db").write_bytes(b"x")
    removed = rotate(tmp_path, "crm", keep=3)
    assert sorted(p.name for p in removed) == [
        "crm-20260101-120000-daily.db",
        "crm-20260102-120000-daily.db",
    ]
    assert len(list(tmp_path.glob("crm-*.db"))) == 3


@pytest.mark.sqlite_only(reason=SQLITE_FILE_BACKUP)
def test_backup_keeps_big_attachments_that_live_beside_the_database(
    db: Database, boss: Actor, tmp_path: Path
) -> None:
    from crm_desktop.core.services import attachments

    upload = tmp_path / "扫描件.pdf"
    upload.write_bytes(os.urandom(2 * 1024 * 1024))
    customer = customers.create_customer(db, boss, {"name": "附件客户"})
    attachments.add_attachment(db, boss, "customer", customer, upload)

    result = backup_database(db)

    mirrored = result.path.parent / f"{db.path.stem}.files"
    assert [p.read_bytes() for p in mirrored.iterdir()] == [upload.read_bytes()]
