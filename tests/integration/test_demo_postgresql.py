"""Demo data in team server mode: the same generator on a real PostgreSQL server."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.services import customers, demo
from tests.integration.test_postgresql import pg, pg_boss  # noqa: F401 (fixtures)

pytestmark = pytest.mark.pg


def test_demo_fills_postgresql_and_later_inserts_get_fresh_ids(
    pg: Database,  # noqa: F811
    pg_boss: Actor,  # noqa: F811
) -> None:
    result = demo.generate(pg, pg_boss, customers=120, seed=4)
    assert result.counts["customers"] == 120
    new_id = customers.create_customer(pg, pg_boss, {"name": "演示之后的新客户", "phone": "022-1"})
    with pg.read() as session:
        assert new_id > session.scalar(
            text("SELECT max(id) FROM customers WHERE id <> :i"), {"i": new_id}
        )
        bad = session.execute(
            text(
                "SELECT o.id FROM sales_orders o WHERE o.total != "
                "(SELECT sum(amount) FROM order_lines l WHERE l.order_id = o.id)"
            )
        ).all()
        assert bad == []
        assert session.scalar(text("SELECT count(*) FROM customers")) == 121
