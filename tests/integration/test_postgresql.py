"""Team server mode: the same migrations and services on a real PostgreSQL server.

`make test` starts a throw-away server when it runs as root (always in CI) and passes its URL in
CRM_TEST_PG_URL; elsewhere these tests skip and say why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.db.migrate import alembic_config, upgrade
from crm_desktop.core.errors import AccountLocked, AuthenticationFailed, ConflictError
from crm_desktop.core.models import Base
from crm_desktop.core.services import auth, customers, operators, setup

pytestmark = pytest.mark.pg
ADMIN_URL = os.environ.get("CRM_TEST_PG_URL")
PASSWORD = "Server-pass-2026"


@pytest.fixture
def pg(clock: FixedClock) -> Iterator[Database]:
    if not ADMIN_URL:
        pytest.skip("no PostgreSQL server: CRM_TEST_PG_URL is not set (make test sets it as root)")
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(make_url(ADMIN_URL).set(database=name).render_as_string(False), clock=clock)
    try:
        yield database
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_boss(pg: Database) -> Actor:
    upgrade(pg)
    return setup.initialize(
        pg, company_name="服务器模式公司", admin_code="boss", admin_name="老板", password=PASSWORD
    )


def test_migrations_build_the_models_schema_on_postgresql(pg: Database) -> None:
    upgrade(pg)
    with pg.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_migrations_downgrade_cleanly_on_postgresql(pg: Database) -> None:
    upgrade(pg)
    command.downgrade(alembic_config(pg), "base")
    with pg.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}


def test_stale_save_conflicts_on_postgresql(pg: Database, pg_boss: Actor) -> None:
    cid = customers.create_customer(pg, pg_boss, {"name": "服务器客户有限公司"})
    customers.update_customer(pg, pg_boss, cid, 1, {"phone": "010-1"})
    with pytest.raises(ConflictError):
        customers.update_customer(pg, pg_boss, cid, 1, {"phone": "010-2"})
    assert customers.get_customer(pg, pg_boss, cid)["phone"] == "010-1"


def test_salesperson_sees_only_own_customers_on_postgresql(pg: Database, pg_boss: Actor) -> None:
    role_id = next(r["id"] for r in operators.list_roles(pg, pg_boss) if r["code"] == "salesperson")
    li = operators.create_operator(
        pg, pg_boss, {"code": "li", "name": "李", "role_id": role_id}, password=PASSWORD
    )
    own = customers.create_customer(pg, pg_boss, {"name": "李的客户", "owner_id": li})
    customers.create_customer(pg, pg_boss, {"name": "老板的客户"})
    salesperson = auth.login(pg, "li", PASSWORD)
    assert [row[0] for row in customers.list_customers(pg, salesperson)] == [own]


def test_lockout_on_postgresql(pg: Database, pg_boss: Actor) -> None:
    for _attempt in range(4):
        with pytest.raises(AuthenticationFailed):
            auth.login(pg, "boss", "wrong-password")
    with pytest.raises(AccountLocked):
        auth.login(pg, "boss", "wrong-password")


def test_customer_ledger_work_on_postgresql(pg: Database, pg_boss: Actor) -> None:
    """Search, server-side order (empty owners last), duplicates, a follow-up and the pool."""
    from datetime import date

    from crm_desktop.core.errors import DuplicateCustomer
    from crm_desktop.core.services import followups, pool

    bj = customers.create_customer(
        pg, pg_boss, {"name": "北京科技有限公司", "phone": "010-62345678"}
    )
    customers.create_customer(pg, pg_boss, {"name": "长沙公海客户", "pool_status": "public"})
    found = customers.list_customers(pg, pg_boss, customers.CustomerFilter(search="bjkj"))
    assert [row.id for row in found] == [bj]
    assert [row.owner_name for row in customers.list_customers(pg, pg_boss, sort="owner")] == [
        "老板",
        None,
    ]
    with pytest.raises(DuplicateCustomer):
        customers.create_customer(pg, pg_boss, {"name": "北京科技"})
    followups.record_followup(
        pg, pg_boss, {"customer_id": bj, "content": "电话", "next_followup_on": date(2030, 1, 2)}
    )
    assert customers.get_customer(pg, pg_boss, bj)["next_followup_on"] == date(2030, 1, 2)
    public = customers.list_customers(pg, pg_boss, customers.CustomerFilter(pool="public"))
    assert pool.claim(pg, pg_boss, [public[0].id]) == 1
    assert customers.count_customers(pg, pg_boss, customers.CustomerFilter(pool="mine")) == 2
