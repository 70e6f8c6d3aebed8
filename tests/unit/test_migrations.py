"""The schema comes only from the migrations, and matches the models exactly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from crm_desktop.core.db import Database
from crm_desktop.core.db.migrate import head_revision, schema_state, upgrade
from crm_desktop.core.errors import NewerDatabase, NotACrmDatabase
from crm_desktop.core.models import Base


def test_migrations_from_empty_create_every_table(db_path: Path) -> None:
    db = Database(f"sqlite:///{db_path}")
    state = upgrade(db)
    assert state.revision == head_revision()
    with db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_upgrade_twice_changes_nothing(db: Database) -> None:
    before = schema_state(db)
    assert upgrade(db) == before


def test_sqlite_connections_use_rollback_journal_and_foreign_keys(db: Database) -> None:
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_database_of_another_program_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    before = path.read_bytes()
    with pytest.raises(NotACrmDatabase, match="another program"):
        upgrade(Database(f"sqlite:///{path}"))
    assert path.read_bytes() == before


def test_database_from_a_newer_app_is_refused_untouched(db: Database, db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff9999'")
    before = db_path.read_bytes()
    with pytest.raises(NewerDatabase, match="newer version"):
        upgrade(Database(f"sqlite:///{db_path}"))
    assert db_path.read_bytes() == before


def test_text_file_is_reported_as_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("这不是数据库\n" * 200, encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(NotACrmDatabase, match="not a crm-desktop database"):
        upgrade(Database(f"sqlite:///{path}"))
    assert path.read_bytes() == before
