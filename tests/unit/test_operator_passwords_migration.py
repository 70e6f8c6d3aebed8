"""Migration 0006 moves the password hashes to their own table and back, losing none."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.db.migrate import alembic_config, upgrade
from crm_desktop.core.services import auth, operators
from tests.conftest import BOSS_PASSWORD, STAFF_PASSWORD, MakeOperator

pytestmark = pytest.mark.sqlite_only("reads the SQLite file directly")


def _rows(path: Path, sql: str) -> dict[int, str | None]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute(sql).fetchall())


def test_hashes_survive_0006_down_and_up(
    db: Database, db_path: Path, boss: Actor, make_operator: MakeOperator
) -> None:
    """With a team whose manager points at an operator (a table copy would trip over it)."""
    manager = make_operator("mgr", "sales_manager", with_password=True)
    make_operator("qian", "finance")  # no password
    operators.save_team(
        db, boss, None, None, {"code": "E", "name": "华东组", "manager_id": manager.id}
    )
    before = _rows(db_path, "SELECT operator_id, password_hash FROM operator_passwords")
    assert set(before) == {boss.id, manager.id}
    db.dispose()

    command.downgrade(alembic_config(db), "0005")
    moved_back = _rows(db_path, "SELECT id, password_hash FROM operators")
    assert {k: v for k, v in moved_back.items() if v} == before
    assert len(moved_back) == 3

    upgrade(db, backup=False)
    assert _rows(db_path, "SELECT operator_id, password_hash FROM operator_passwords") == before
    assert auth.login(db, "boss", BOSS_PASSWORD).id == boss.id
    assert auth.login(db, "mgr", STAFF_PASSWORD).id == manager.id
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT manager_id FROM teams").fetchall() == [(manager.id,)]
