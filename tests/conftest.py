"""Shared fixtures: a real, migrated database per test, the boss, and operators of each role.

Migrating and hashing passwords (argon2, ~0.2 s each) once per session and copying the resulting
file per test keeps the suite fast while every test still runs on its own real database file.

With CRM_TEST_BACKEND=postgresql (and CRM_TEST_PG_URL, an admin URL) the same `db` fixture gives
each test a fresh PostgreSQL database instead, created from a migrated template database
(`CREATE DATABASE … TEMPLATE …`, a file copy on the server), so the service suite proves the
team server mode too. Tests that read the SQLite file itself are marked `sqlite_only` and skip.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

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
BACKEND = os.environ.get("CRM_TEST_BACKEND", "sqlite")
ON_POSTGRESQL = BACKEND == "postgresql"
PG_ADMIN_URL = os.environ.get("CRM_TEST_PG_URL", "")
if BACKEND not in {"sqlite", "postgresql"}:
    raise pytest.UsageError(f"CRM_TEST_BACKEND={BACKEND!r}: use sqlite or postgresql")
if ON_POSTGRESQL and not PG_ADMIN_URL:
    raise pytest.UsageError("CRM_TEST_BACKEND=postgresql needs CRM_TEST_PG_URL (an admin URL)")


@pytest.hookimpl(tryfirst=True)  # marks first, so that `-m "not sqlite_only"` sees them
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On PostgreSQL, tests about the SQLite file itself skip with their marker's reason; a test
    that asks for `db_path` (the file) counts as one even without the marker."""
    if not ON_POSTGRESQL:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is None and "db_path" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.sqlite_only(reason="uses the SQLite file (db_path)"))
            marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Tests read messages in English unless they switch language themselves."""
    i18n.set_language("en")
    yield
    i18n.set_language("en")


def _initialize(database: Database) -> None:
    setup.initialize(
        database,
        company_name="测试贸易有限公司",
        admin_code="boss",
        admin_name="王老板",
        password=BOSS_PASSWORD,
    )


class PgServer:
    """Databases on the test PostgreSQL server: made from a template, dropped after use."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin: Engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.prefix = f"crm_t{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.templates: list[str] = []
        with self.admin.connect() as connection:
            version = int(connection.execute(text("SHOW server_version_num")).scalar_one())
        self.strategy = " STRATEGY FILE_COPY" if version >= 150000 else ""

    def url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(False)

    def create(
        self, name: str, template: str | None = None, clock: FixedClock | None = None
    ) -> Database:
        """A new database (a copy of `template` when given); the template must have no
        open connections, so the Database objects made on templates are disposed first."""
        # FILE_COPY (PostgreSQL 15+) copies the files at once: ~8x faster than the default
        # WAL_LOG on the test server, which runs without fsync (packaging/linux/test-postgres.sh).
        clause = f' TEMPLATE "{template}"{self.strategy}' if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        return Database(self.url(name), clock=clock or FixedClock())

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def fresh_name(self) -> str:
        return f"{self.prefix}_{uuid.uuid4().hex[:10]}"

    def template(self, key: str, base: str | None, build: Callable[[Database], None]) -> str:
        """A template database named after `key`, copied from `base` and changed by `build`;
        dropped at the end of the session."""
        name = f"{self.prefix}_{key}"
        database = self.create(name, base)
        self.templates.append(name)
        try:
            build(database)
        finally:
            database.dispose()
        return name


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The PostgreSQL server the suite runs on (only with CRM_TEST_BACKEND=postgresql)."""
    if not ON_POSTGRESQL:
        pytest.skip("CRM_TEST_BACKEND is not postgresql")
    server = PgServer(PG_ADMIN_URL)
    yield server
    for name in server.templates:
        server.drop(name)
    server.admin.dispose()


@pytest.fixture(scope="session")
def templates(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, TemplateRef]:
    """A migrated empty database and one initialized with the boss, made once per session:
    SQLite files, or on PostgreSQL the names of template databases."""
    if ON_POSTGRESQL:
        server: PgServer = request.getfixturevalue("pg_server")
        empty: TemplateRef = server.template("empty", None, upgrade)
    else:
        empty = tmp_path_factory.mktemp("templates") / "empty.db"
        database = Database(f"sqlite:///{empty}", clock=FixedClock())
        upgrade(database)
        database.dispose()
    folder = Path(str(empty)).parent
    return {"empty": empty, "seeded": make_template(request, "seeded", empty, _initialize, folder)}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def shanghai(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This computer in China (UTC+8), so a local day differs from the UTC day around midnight
    (20:00 UTC on 31 December is already New Year's Day)."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


DB_FILE = "crm.db"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """The `db` fixture's SQLite file; a test asking for it is about the file (sqlite_only)."""
    return tmp_path / DB_FILE


TemplateRef = Path | str  # a SQLite file, or the name of a PostgreSQL template database


def make_template(
    request: pytest.FixtureRequest,
    key: str,
    base: TemplateRef,
    build: Callable[[Database], None],
    folder: Path,
) -> TemplateRef:
    """A copy of `base` changed by `build` once, for tests to copy (`database_from`): a file in
    `folder`, or on PostgreSQL a template database dropped at the end of the session."""
    if ON_POSTGRESQL:
        server: PgServer = request.getfixturevalue("pg_server")
        return server.template(key, str(base), build)
    path = folder / f"{key}.db"
    shutil.copyfile(base, path)
    database = Database(f"sqlite:///{path}", clock=FixedClock())
    try:
        build(database)
    finally:
        database.dispose()
    return path


def database_from(
    request: pytest.FixtureRequest, template: TemplateRef, clock: FixedClock, path: Path
) -> Database:
    """A fresh database copied from `template` (to `path` on SQLite), disposed and on
    PostgreSQL dropped when the requesting fixture ends."""
    if ON_POSTGRESQL:
        server: PgServer = request.getfixturevalue("pg_server")
        name = server.fresh_name()
        database = server.create(name, str(template), clock)

        def drop() -> None:
            database.dispose()
            server.drop(name)

        request.addfinalizer(drop)
        return database
    shutil.copyfile(template, path)
    database = Database(f"sqlite:///{path}", clock=clock)
    request.addfinalizer(database.dispose)
    return database


def refill(request: pytest.FixtureRequest, database: Database, template: TemplateRef) -> None:
    """Replace the contents of a test's database with a copy of `template` (same URL)."""
    database.dispose()
    if ON_POSTGRESQL:
        server: PgServer = request.getfixturevalue("pg_server")
        name = str(database.engine.url.database)
        server.drop(name)
        server.create(name, str(template)).dispose()
        return
    assert database.path is not None
    shutil.copyfile(template, database.path)


@pytest.fixture
def db(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clock: FixedClock,
    templates: dict[str, TemplateRef],
) -> Database:
    """A migrated database (the file `db_path`, or a PostgreSQL database); already set up with
    the boss when the test asks for `boss`."""
    seeded = BOSS_FIXTURES.intersection(request.fixturenames)
    template = templates["seeded" if seeded else "empty"]
    return database_from(request, template, clock, tmp_path / DB_FILE)


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
