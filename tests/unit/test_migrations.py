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


@pytest.mark.sqlite_only(reason="the SQLite connection settings")
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


@pytest.mark.sqlite_only(reason="compares the SQLite file's bytes")
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


def test_fast_revision_reading_agrees_with_alembic() -> None:
    """Start-up reads revisions without Alembic; both views of the scripts must agree."""
    from alembic.script import ScriptDirectory

    from crm_desktop.core.db.migrate import known_revisions
    from crm_desktop.core.resources import migrations_dir

    script = ScriptDirectory(str(migrations_dir()))
    assert head_revision() == script.get_current_head()
    assert known_revisions() == {rev.revision for rev in script.walk_revisions()}


def test_opening_a_current_database_does_not_import_alembic(db_path: Path) -> None:
    import subprocess
    import sys

    upgrade(Database(f"sqlite:///{db_path}"))
    code = (
        "import sys; from crm_desktop.core.db import Database;"
        "from crm_desktop.core.db.migrate import upgrade;"
        f"upgrade(Database('sqlite:///{db_path}'));"
        "print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
