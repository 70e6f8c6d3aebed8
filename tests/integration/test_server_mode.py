"""Team server mode: the PCs' role uses the data but can never read the password hashes.

The owner (the test server's admin) migrates and initializes; `create_app_role` makes the role
the PCs connect as. Everything a person does (log in, be locked out, change passwords, create
operators, customers and orders) works through that role; reading `operator_passwords` does not.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from crm_desktop import cli
from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.db.migrate import alembic_config, schema_state, upgrade
from crm_desktop.core.db.server import create_app_role
from crm_desktop.core.errors import (
    AccountLocked,
    AuthenticationFailed,
    DatabaseError,
    ValidationError,
)
from crm_desktop.core.services import auth, customers, demo, operators, orders
from tests.integration.test_postgresql import PASSWORD, pg, pg_boss  # noqa: F401 (fixtures)
from tests.sales_fixtures import make_customer, make_order

pytestmark = pytest.mark.pg
APP_PASSWORD = "App-role-pass-2026"


def _drop_role(owner: Database, role: str) -> None:
    with owner.engine.begin() as connection:
        connection.exec_driver_sql(f'DROP OWNED BY "{role}"')
        connection.exec_driver_sql(f'DROP ROLE "{role}"')


@pytest.fixture
def app_role(pg: Database, pg_boss: Actor) -> Iterator[str]:  # noqa: F811
    """A fresh app role on the migrated, initialized test database; its URL."""
    role = f"crm_app_{uuid.uuid4().hex[:10]}"
    url = create_app_role(pg.url, role, APP_PASSWORD)
    yield url
    _drop_role(pg, role)


@pytest.fixture
def app(app_role: str, clock: FixedClock) -> Iterator[Database]:
    """The database as a PC sees it: connected as the app role."""
    database = Database(app_role, clock=clock)
    yield database
    database.dispose()


def _role_id(db: Database, actor: Actor, code: str) -> int:
    return next(r["id"] for r in operators.list_roles(db, actor) if r["code"] == code)


def _select_hashes(db: Database) -> list[object]:
    with db.engine.connect() as connection:
        return list(connection.execute(text("SELECT * FROM operator_passwords")))


def test_the_app_role_cannot_read_or_write_the_password_hashes(app: Database) -> None:
    with pytest.raises(DBAPIError, match="permission denied"):
        _select_hashes(app)
    for statement in (
        "UPDATE operator_passwords SET failed_checks = 0",
        "DELETE FROM operator_passwords",
        "INSERT INTO operator_passwords (operator_id, password_hash, failed_checks) "
        "VALUES (1, '$argon2id$x', 0)",
        "ALTER TABLE operator_passwords OWNER TO CURRENT_USER",
    ):
        with app.engine.connect() as connection, pytest.raises(DBAPIError):
            connection.exec_driver_sql(statement)


def test_the_salt_function_gives_the_parameters_and_salt_never_the_hash(
    pg: Database,  # noqa: F811
    app: Database,
) -> None:
    stored = _select_hashes(pg)[0].password_hash  # the owner may read it
    with app.engine.connect() as connection:
        salt = connection.scalar(text("SELECT crm_password_salt('boss')"))
        nobody = [connection.scalar(text("SELECT crm_password_salt('nobody')")) for _ in range(2)]
    assert stored.startswith(salt + "$") and salt != stored
    assert salt.count("$") == nobody[0].count("$") == 4  # an unknown login looks the same
    assert nobody[0] == nobody[1] and nobody[0] != salt


def test_login_and_lockout_through_the_app_role_behave_as_on_sqlite(
    app: Database,
    pg_boss: Actor,  # noqa: F811
    clock: FixedClock,
) -> None:
    assert auth.login(app, "BOSS", PASSWORD).id == pg_boss.id
    with pytest.raises(AuthenticationFailed, match="Wrong user name or password"):
        auth.login(app, "nobody", PASSWORD)
    for _attempt in range(4):
        with pytest.raises(AuthenticationFailed):
            auth.login(app, "boss", "wrong-password")
    with pytest.raises(AccountLocked):
        auth.login(app, "boss", "wrong-password")
    with pytest.raises(AccountLocked, match="locked"):
        auth.login(app, "boss", PASSWORD)
    clock.advance(minutes=5, seconds=1)
    assert auth.login(app, "boss", PASSWORD).id == pg_boss.id


def test_passwords_are_changed_and_set_through_the_app_role(app: Database) -> None:
    boss = auth.login(app, "boss", PASSWORD)
    with pytest.raises(AuthenticationFailed):
        auth.change_own_password(app, boss, "guess-guess", "Newer-pass-1", "Newer-pass-1")
    auth.change_own_password(app, boss, PASSWORD, "Newer-pass-1", "Newer-pass-1")
    assert auth.login(app, "boss", "Newer-pass-1").id == boss.id

    role_id = _role_id(app, boss, "salesperson")
    li = operators.create_operator(
        app, boss, {"code": "li", "name": "李四", "role_id": role_id}, password="Li-pass-2026"
    )
    qian = operators.create_operator(app, boss, {"code": "qian", "name": "钱", "role_id": role_id})
    assert auth.login(app, "li", "Li-pass-2026").id == li
    with pytest.raises(AuthenticationFailed):
        auth.login(app, "qian", "")
    has_password = {row["code"]: row["has_password"] for row in operators.list_operators(app, boss)}
    assert has_password == {"boss": True, "li": True, "qian": False}
    auth.reset_password(app, boss, qian, "Qian-pass-2026")
    assert auth.login(app, "qian", "Qian-pass-2026").id == qian


def test_guessing_through_the_function_directly_is_stopped_by_the_server(
    app: Database,
) -> None:
    """The role's holder could skip the app's lockout and call crm_password_matches in a loop:
    after 20 wrong candidates the server stops answering (NULL), even for the right one."""
    boss = auth.login(app, "boss", PASSWORD)
    role_id = _role_id(app, boss, "salesperson")
    operators.create_operator(
        app, boss, {"code": "li", "name": "李四", "role_id": role_id}, password="Li-pass-2026"
    )
    with app.engine.begin() as connection:
        answers = [
            connection.scalar(text("SELECT crm_password_matches('li', :c)"), {"c": f"x{n}"})
            for n in range(21)
        ]
    assert answers[:20] == [False] * 20 and answers[20] is None
    with pytest.raises(AccountLocked, match="server"):
        auth.login(app, "li", "Li-pass-2026")
    li_id = operators.operator_id_by_code(app, boss, "li")
    auth.reset_password(app, boss, li_id, "Li-new-pass-2026")  # an administrator lifts it
    assert auth.login(app, "li", "Li-new-pass-2026").id == li_id


def test_everyday_services_work_as_the_app_role(app: Database) -> None:
    boss = auth.login(app, "boss", PASSWORD)
    customer = make_customer(app, boss, "服务器模式客户有限公司")
    customers.update_customer(app, boss, customer, 1, {"phone": "010-12345678"})
    order = make_order(app, boss, customer)
    assert orders.get_order(app, boss, order).customer_id == customer
    assert customers.get_customer(app, boss, customer)["phone"] == "010-12345678"


def test_demo_data_with_passwords_works_as_the_app_role(app: Database) -> None:
    boss = auth.login(app, "boss", PASSWORD)
    demo.generate(app, boss, customers=20, seed=3, operator_password="Demo-pass-2026")
    assert auth.login(app, "sales01", "Demo-pass-2026").code == "sales01"
    assert customers.create_customer(app, boss, {"name": "演示之后的客户"}) > 0


def test_migrating_as_the_owner_grants_the_app_role_again_but_never_the_hashes(
    pg: Database,  # noqa: F811
    app: Database,
) -> None:
    """0006 is taken back and applied again by the owner: the recreated hashes table and
    functions get default privileges, which the post-migration step corrects."""
    command.downgrade(alembic_config(pg), "0005")
    with pytest.raises(DatabaseError, match="owner"):
        upgrade(app)  # the PCs' role cannot migrate and is told who can
    assert upgrade(pg).current
    assert schema_state(app).current
    with pytest.raises(DBAPIError, match="permission denied"):
        _select_hashes(app)
    assert auth.login(app, "boss", PASSWORD).id  # the hash went down and up unchanged
    make_customer(app, auth.login(app, "boss", PASSWORD), "迁移之后的客户")


def test_an_app_role_must_not_be_the_owner_or_able_to_read_the_hashes(
    pg: Database,  # noqa: F811
    pg_boss: Actor,  # noqa: F811
) -> None:
    owner = make_url(pg.url).username or "postgres"
    with pytest.raises(ValidationError, match="owns the database"):
        create_app_role(pg.url, owner, APP_PASSWORD)
    with pytest.raises(ValidationError, match="role name"):
        create_app_role(pg.url, "Robert'); DROP TABLE customers;--", APP_PASSWORD)
    powerful = f"crm_super_{uuid.uuid4().hex[:8]}"
    with pg.engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE ROLE {powerful} LOGIN CREATEROLE")
    try:
        with pytest.raises(ValidationError, match="could read the password hashes"):
            create_app_role(pg.url, powerful, APP_PASSWORD)
    finally:
        _drop_role(pg, powerful)


def test_cli_makes_the_app_role_and_prints_the_url_without_the_password(
    pg: Database,  # noqa: F811
    pg_boss: Actor,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    role = f"crm_app_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("CRM_APP_PASSWORD", APP_PASSWORD)
    try:
        assert cli.main(["--db", pg.url, "server", "app-role", role]) == 0
    finally:
        out = capsys.readouterr().out
        _drop_role(pg, role)
    expected = make_url(pg.url).set(username=role, password=None).render_as_string()
    assert expected in out and APP_PASSWORD not in out
