"""Unsafe set-ups of the shared file: WAL mode refused or safely switched back, synced folders
warned about, and a vanished or read-only file refused without creating or changing anything."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.db.migrate import upgrade
from crm_desktop.core.db.safety import (
    beside,
    in_wal_mode,
    location_warnings,
    refuse_unsafe,
)
from crm_desktop.core.errors import DatabaseMissing, ReadOnlyDatabase, UnsafeDatabase
from crm_desktop.core.services import customers


def _wal_database(path: Path) -> sqlite3.Connection:
    """Another program that switched the file to WAL mode and still has it open."""
    other = sqlite3.connect(path, isolation_level=None)
    assert other.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    other.execute("CREATE TABLE IF NOT EXISTS notes(text)")
    other.execute("INSERT INTO notes VALUES ('written in WAL mode')")
    return other


@pytest.fixture
def wal_in_use(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "shared.db"
    other = _wal_database(path)
    assert beside(path, "-wal").stat().st_size > 0
    yield path
    other.close()


def _notes(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT text FROM notes")]
    finally:
        connection.close()


# --- WAL mode --------------------------------------------------------------------------------


def test_a_file_another_program_holds_in_wal_mode_is_refused_with_what_to_do(
    wal_in_use: Path,
) -> None:
    with pytest.raises(UnsafeDatabase) as refused:
        refuse_unsafe(wal_in_use)
    message = refused.value.message
    assert "WAL mode" in message and "network drives" in message
    assert "Close every program" in message and "crm check" in message
    assert refused.value.exit_code == 4
    assert in_wal_mode(wal_in_use) and beside(wal_in_use, "-wal").exists()  # left alone


def test_opening_a_database_held_in_wal_mode_is_refused_not_reported_as_busy(
    wal_in_use: Path,
) -> None:
    db = Database(f"sqlite:///{wal_in_use}")
    try:
        with pytest.raises(UnsafeDatabase, match="WAL mode"), db.read() as session:
            session.connection()
    finally:
        db.dispose()


def test_a_wal_file_nobody_has_open_is_switched_back_and_keeps_its_changes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shared.db"
    _wal_database(path).close()
    assert in_wal_mode(path)

    assert refuse_unsafe(path) is True

    assert not in_wal_mode(path)
    assert not beside(path, "-wal").exists() and not beside(path, "-shm").exists()
    assert _notes(path) == ["written in WAL mode"]
    assert refuse_unsafe(path) is False  # nothing left to do


def test_a_crash_left_wal_log_is_folded_in_when_nobody_has_the_file_open(tmp_path: Path) -> None:
    """The copy of an open WAL database is what a PC that crashed leaves: file, -wal, -shm."""
    live, crashed = tmp_path / "live", tmp_path / "crashed"
    live.mkdir()
    crashed.mkdir()
    other = _wal_database(live / "crm.db")
    for name in ("crm.db", "crm.db-wal", "crm.db-shm"):
        shutil.copyfile(live / name, crashed / name)
    other.close()
    path = crashed / "crm.db"
    assert beside(path, "-wal").stat().st_size > 0

    assert refuse_unsafe(path) is True

    assert _notes(path) == ["written in WAL mode"]  # the committed change in the log survived
    assert not beside(path, "-wal").exists()


def test_a_stray_wal_log_beside_a_normal_file_is_refused_and_left_for_the_person(
    db: Database, db_path: Path, tmp_path: Path
) -> None:
    db.dispose()
    other = _wal_database(tmp_path / "other.db")
    stray = beside(db_path, "-wal")
    shutil.copyfile(beside(tmp_path / "other.db", "-wal"), stray)
    other.close()
    before, log = db_path.read_bytes(), stray.read_bytes()

    with pytest.raises(UnsafeDatabase, match="move them into another folder"):
        refuse_unsafe(db_path)

    assert db_path.read_bytes() == before and stray.read_bytes() == log


def test_an_empty_wal_file_or_a_lone_shm_file_beside_a_normal_file_is_harmless(
    db: Database, db_path: Path, boss: Actor
) -> None:
    beside(db_path, "-wal").write_bytes(b"")
    beside(db_path, "-shm").write_bytes(b"\0" * 64)
    assert refuse_unsafe(db_path) is False
    customers.create_customer(db, boss, {"name": "普通客户"})
    assert not in_wal_mode(db_path)


# --- a vanished or read-only file ------------------------------------------------------------


def test_a_write_after_the_file_vanished_says_so_and_creates_no_new_file(
    db: Database, boss: Actor, db_path: Path, tmp_path: Path
) -> None:
    customers.create_customer(db, boss, {"name": "共享客户"})
    moved = tmp_path / "share-dropped.db"
    db_path.rename(moved)

    with pytest.raises(DatabaseMissing, match="Cannot reach the database") as missing:
        customers.create_customer(db, boss, {"name": "丢失客户"})
    assert str(db_path) in missing.value.message and "Nothing was changed" in missing.value.message
    assert not db_path.exists()

    moved.rename(db_path)  # the share is back
    customers.create_customer(db, boss, {"name": "回来客户"})
    names = sorted(row[1] for row in customers.list_customers(db, boss))
    assert names == sorted(["共享客户", "回来客户"])


def test_a_new_connection_to_a_vanished_file_fails_instead_of_creating_an_empty_one(
    db: Database, boss: Actor, db_path: Path, tmp_path: Path
) -> None:
    db.dispose()  # no pooled connection keeps the old file open
    db_path.rename(tmp_path / "elsewhere.db")

    with pytest.raises(DatabaseMissing, match="not reachable"):
        customers.list_customers(db, boss)
    assert not db_path.exists()


def test_a_database_for_a_file_that_does_not_exist_yet_still_creates_it(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = Database(f"sqlite:///{path}")
    try:
        upgrade(db)
        assert path.is_file()
        db.dispose()
        path.unlink()
        with pytest.raises(DatabaseMissing):  # created once; never silently again
            upgrade(db)
        assert not path.exists()
    finally:
        db.dispose()


def test_a_read_only_file_refuses_writes_and_stays_unchanged(
    db: Database, boss: Actor, db_path: Path
) -> None:
    before = db_path.read_bytes()
    db_path.chmod(0o444)
    try:
        with pytest.raises(ReadOnlyDatabase, match="read-only; nothing was changed"):
            customers.create_customer(db, boss, {"name": "只读客户"})
    finally:
        db_path.chmod(0o644)
    assert db_path.read_bytes() == before
    customers.create_customer(db, boss, {"name": "可写客户"})  # writable again: works


# --- cloud-synced folders --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("folder", "service"),
    [
        ("Dropbox", "Dropbox"),
        ("Dropbox (公司)", "Dropbox"),
        ("OneDrive - 公司", "OneDrive"),
        ("iCloud Drive", "iCloud Drive"),
        ("Mobile Documents/com~apple~CloudDocs", "iCloud Drive"),
        ("Google Drive/My Drive", "Google Drive"),
        ("Box", "Box"),
        ("pCloud Drive", "pCloud"),
        ("我的坚果云", "坚果云"),
        ("Nutstore Files", "坚果云"),
        ("BaiduNetdisk", "百度网盘"),
    ],
)
def test_a_database_in_a_cloud_synced_folder_is_warned_about(
    tmp_path: Path, folder: str, service: str
) -> None:
    path = tmp_path / folder / "客户" / "crm.db"
    warnings = location_warnings(path)
    assert len(warnings) == 1
    assert service in warnings[0] and "conflicted copies" in warnings[0]


@pytest.mark.parametrize(
    ("marker", "service"), [(".dropbox", "Dropbox"), (".stfolder", "Syncthing")]
)
def test_a_sync_tool_marker_in_an_ancestor_folder_is_warned_about(
    tmp_path: Path, marker: str, service: str
) -> None:
    top = tmp_path / "Firma"
    (top / "销售").mkdir(parents=True)
    (top / marker).mkdir()
    warnings = location_warnings(top / "销售" / "crm.db")
    assert len(warnings) == 1 and service in warnings[0] and str(top) in warnings[0]


def test_a_database_on_a_plain_share_gets_no_warning(tmp_path: Path) -> None:
    (tmp_path / "NAS" / "Boxes").mkdir(parents=True)
    assert location_warnings(tmp_path / "NAS" / "Boxes" / "crm.db") == []
