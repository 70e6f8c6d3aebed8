"""Shared fixtures: a real, migrated SQLite file per test, the boss, and operators of each role."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from crm_desktop.core import i18n  # noqa: E402
from crm_desktop.core.actor import Actor  # noqa: E402
from crm_desktop.core.clock import FixedClock  # noqa: E402
from crm_desktop.core.db import Database  # noqa: E402
from crm_desktop.core.db.migrate import upgrade  # noqa: E402
from crm_desktop.core.models import Role  # noqa: E402
from crm_desktop.core.services import auth, operators, setup  # noqa: E402

BOSS_PASSWORD = "Boss-pass-2026"
STAFF_PASSWORD = "Staff-pass-2026"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Tests read messages in English unless they switch language themselves."""
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "crm.db"


@pytest.fixture
def db(db_path: Path, clock: FixedClock) -> Iterator[Database]:
    """A migrated but not yet initialized database file."""
    database = Database(f"sqlite:///{db_path}", clock=clock)
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def boss(db: Database) -> Actor:
    return setup.initialize(
        db,
        company_name="测试贸易有限公司",
        admin_code="boss",
        admin_name="王老板",
        password=BOSS_PASSWORD,
    )


MakeOperator = Callable[..., Actor]


@pytest.fixture
def make_operator(db: Database, boss: Actor) -> MakeOperator:
    """Create an operator with a preset role (and optional team) and return them logged in."""

    def make(code: str, role_code: str, *, team_id: int | None = None, name: str = "") -> Actor:
        with db.read() as session:
            role_id = session.query(Role.id).filter(Role.code == role_code).scalar()
        operators.create_operator(
            db,
            boss,
            {"code": code, "name": name or code, "role_id": role_id, "team_id": team_id},
            password=STAFF_PASSWORD,
        )
        return auth.login(db, code, STAFF_PASSWORD)

    return make
