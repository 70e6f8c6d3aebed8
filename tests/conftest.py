"""Shared fixtures: a real, migrated SQLite file per test, the boss, and operators of each role.

Migrating and hashing passwords (argon2, ~0.2 s each) once per session and copying the resulting
file per test keeps the suite fast while every test still runs on its own real database file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from crm_desktop.core import i18n
from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.db.migrate import upgrade
from crm_desktop.core.models import Operator, Role
from crm_desktop.core.services import auth, operators, setup

BOSS_PASSWORD = "Boss-pass-2026"
STAFF_PASSWORD = "Staff-pass-2026"
BOSS_FIXTURES = {"boss", "make_operator"}


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Tests read messages in English unless they switch language themselves."""
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A migrated empty database and one initialized with the boss, made once per session."""
    folder = tmp_path_factory.mktemp("templates")
    empty, seeded = folder / "empty.db", folder / "seeded.db"
    database = Database(f"sqlite:///{empty}", clock=FixedClock())
    upgrade(database)
    database.dispose()
    shutil.copyfile(empty, seeded)
    database = Database(f"sqlite:///{seeded}", clock=FixedClock())
    setup.initialize(
        database,
        company_name="测试贸易有限公司",
        admin_code="boss",
        admin_name="王老板",
        password=BOSS_PASSWORD,
    )
    database.dispose()
    return {"empty": empty, "seeded": seeded}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "crm.db"


@pytest.fixture
def db(
    request: pytest.FixtureRequest, db_path: Path, clock: FixedClock, templates: dict[str, Path]
) -> Iterator[Database]:
    """A migrated database file; already set up with the boss when the test asks for `boss`."""
    seeded = BOSS_FIXTURES.intersection(request.fixturenames)
    shutil.copyfile(templates["seeded" if seeded else "empty"], db_path)
    database = Database(f"sqlite:///{db_path}", clock=clock)
    yield database
    database.dispose()


def actor_of(db: Database, code: str) -> Actor:
    """The operator as a logged-in actor, without paying for a password check."""
    with db.read() as session:
        operator = session.query(Operator).filter(Operator.code == code).one()
        return auth.actor_for(operator, db.pc_name)


@pytest.fixture
def boss(db: Database) -> Actor:
    return actor_of(db, "boss")


MakeOperator = Callable[..., Actor]


@pytest.fixture
def make_operator(db: Database, boss: Actor) -> MakeOperator:
    """Create an operator with a preset role (and optional team) and return them as an actor.

    With `with_password=True` they get STAFF_PASSWORD and log in for real.
    """

    def make(
        code: str,
        role_code: str,
        *,
        team_id: int | None = None,
        name: str = "",
        with_password: bool = False,
    ) -> Actor:
        with db.read() as session:
            role_id = session.query(Role.id).filter(Role.code == role_code).scalar()
        operators.create_operator(
            db,
            boss,
            {"code": code, "name": name or code, "role_id": role_id, "team_id": team_id},
            password=STAFF_PASSWORD if with_password else None,
        )
        if with_password:
            return auth.login(db, code, STAFF_PASSWORD)
        return actor_of(db, code)

    return make


@pytest.fixture
def team(db: Database, boss: Actor, make_operator: MakeOperator) -> dict[str, Actor]:
    """The east team (华东组): a sales manager 马经理 and the salespeople 李四 and 赵六."""
    east = operators.save_team(db, boss, None, None, {"code": "E", "name": "华东组"})
    return {
        "manager": make_operator("mgr", "sales_manager", team_id=east, name="马经理"),
        "li": make_operator("li", "salesperson", team_id=east, name="李四"),
        "zhao": make_operator("zhao", "salesperson", team_id=east, name="赵六"),
    }
