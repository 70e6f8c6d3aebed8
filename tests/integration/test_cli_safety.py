"""`crm` on unsafe set-ups: a WAL-mode file, a cloud-synced folder, a newer schema, a vanished or
read-only file — each refused or warned about on one line, exit code 4, no traceback."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_desktop.core.db import Database
from crm_desktop.core.db.safety import beside, in_wal_mode
from crm_desktop.core.errors import NewerDatabase
from crm_desktop.ui.launcher import open_database
from tests.conftest import BOSS_PASSWORD
from tests.integration.test_cli import crm, one_line_error

EXIT_DATABASE = 4


@pytest.fixture
def seeded(templates: dict[str, Path], tmp_path: Path) -> Iterator[Path]:
    """A set-up database (company and boss) in a folder of its own."""
    folder = tmp_path / "share"
    folder.mkdir()
    path = folder / "crm.db"
    shutil.copyfile(templates["seeded"], path)
    yield path
    path.chmod(0o644)


def _switch_to_wal(path: Path) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None)
    assert other.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    other.execute("UPDATE company_profile SET name = 'WAL 公司'")
    return other


def test_check_refuses_a_file_another_program_holds_in_wal_mode(seeded: Path) -> None:
    other = _switch_to_wal(seeded)
    try:
        result = crm("--db", seeded, "check", process=True)  # another process holds it
        line = one_line_error(result)
        assert result.returncode == EXIT_DATABASE
        assert "WAL mode" in line and "Close every program" in line
        assert in_wal_mode(seeded)
    finally:
        other.close()


def test_check_switches_back_a_wal_file_nobody_has_open_and_reports_ok(seeded: Path) -> None:
    _switch_to_wal(seeded).close()
    result = crm("--db", seeded, "check")
    assert result.returncode == 0, result.stderr
    assert "uses the safe journal mode again" in result.stdout
    assert "Result: ok" in result.stdout
    assert not in_wal_mode(seeded) and not beside(seeded, "-wal").exists()


def test_a_command_that_writes_refuses_a_wal_file_in_use_and_changes_nothing(
    seeded: Path,
) -> None:
    other = _switch_to_wal(seeded)
    try:
        result = crm(
            "--db",
            seeded,
            "--as",
            "boss",
            "customers",
            "add",
            "--name",
            "WAL客户",
            password=BOSS_PASSWORD,
        )
        assert result.returncode == EXIT_DATABASE
        assert "WAL mode" in one_line_error(result)
        assert other.execute("SELECT count(*) FROM customers").fetchone() == (0,)
    finally:
        other.close()


@pytest.mark.parametrize("folder", ["Dropbox", "OneDrive - 公司"])
def test_check_warns_about_a_database_in_a_cloud_synced_folder(
    templates: dict[str, Path], tmp_path: Path, folder: str
) -> None:
    path = tmp_path / folder / "crm.db"
    path.parent.mkdir()
    shutil.copyfile(templates["seeded"], path)
    result = crm("--db", path, "check")
    assert result.returncode == 0, result.stderr
    assert "Warning:" in result.stdout and "conflicted copies" in result.stdout
    assert folder.split()[0] in result.stdout
    assert "Result: ok" in result.stdout


def _newer(path: Path) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    connection.close()


@pytest.mark.parametrize(
    "command",
    [("check",), ("migrate",), ("--as", "boss", "customers", "add", "--name", "新客户")],
)
def test_a_database_a_newer_version_upgraded_is_refused_by_every_command(
    seeded: Path, command: tuple[str, ...]
) -> None:
    _newer(seeded)
    before = seeded.read_bytes()
    result = crm("--db", seeded, *command, password=BOSS_PASSWORD)
    assert result.returncode == EXIT_DATABASE
    assert "upgraded by a newer version" in one_line_error(result)
    assert seeded.read_bytes() == before


def test_the_app_refuses_to_open_a_database_a_newer_version_upgraded(seeded: Path) -> None:
    _newer(seeded)
    with pytest.raises(NewerDatabase, match="newer version"):
        open_database(str(seeded))


def test_a_missing_database_is_one_line_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "gone.db"
    result = crm("--db", path, "--as", "boss", "customers", "list", password=BOSS_PASSWORD)
    assert result.returncode == EXIT_DATABASE
    assert "There is no database" in one_line_error(result)
    assert not path.exists()


def test_a_read_only_database_refuses_writes_on_one_line_and_stays_unchanged(
    seeded: Path,
) -> None:
    seeded.chmod(0o444)
    before = seeded.read_bytes()
    result = crm(
        "--db",
        seeded,
        "--as",
        "boss",
        "customers",
        "add",
        "--name",
        "只读客户",
        password=BOSS_PASSWORD,
    )
    assert result.returncode == EXIT_DATABASE
    assert "read-only" in one_line_error(result)
    assert seeded.read_bytes() == before


def test_a_file_that_vanishes_while_open_is_refused_and_works_again_when_back(
    seeded: Path, tmp_path: Path
) -> None:
    """The GUI path: the database stays open while the share drops and comes back."""
    from crm_desktop.core.errors import DatabaseMissing
    from crm_desktop.core.services import auth, customers

    db: Database = open_database(str(seeded))
    try:
        boss = auth.login(db, "boss", BOSS_PASSWORD)
        parked = tmp_path / "parked.db"
        seeded.rename(parked)
        with pytest.raises(DatabaseMissing, match="not available"):
            customers.create_customer(db, boss, {"name": "断线客户"})
        assert not seeded.exists()
        parked.rename(seeded)
        customers.create_customer(db, boss, {"name": "恢复客户"})
        assert [row[1] for row in customers.list_customers(db, boss)] == ["恢复客户"]
    finally:
        db.dispose()
