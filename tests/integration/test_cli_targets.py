"""`crm targets set|list` and `crm report target_achievement`: the boss sets targets, a
salesperson may not, and what was reached is counted like the statistics count sales."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_cli import BOSS_PASSWORD, SALES_PASSWORD, crm, one_line_error
from tests.integration.test_cli_receipts import add_order, boss

pytest_plugins = ["tests.integration.test_cli"]


def _confirm(path: Path, number: str) -> None:
    """Confirm an order through the service (the command line only adds drafts)."""
    from crm_desktop.core.db import Database
    from crm_desktop.core.models import SalesOrder
    from crm_desktop.core.services import orders
    from tests.conftest import actor_of

    db = Database(f"sqlite:///{path}")
    try:
        actor = actor_of(db, "boss")
        with db.read() as session:
            order = session.query(SalesOrder).filter(SalesOrder.number == number).one()
            order_id, version = order.id, order.version
        orders.set_order_status(db, actor, order_id, version, "confirmed")
    finally:
        db.dispose()


def _json(db: Path, user: str, password: str, *args: str) -> list[dict[str, str]]:
    result = crm("--db", db, "--as", user, *args, "--format", "json", password=password)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_boss_sets_a_target_and_the_list_shows_what_was_reached(fresh: Path) -> None:
    boss(fresh, "customers", "add", "--name", "北京科技有限公司", "--owner", "li")
    number = add_order(fresh, "北京科技有限公司", "800.00", "--date", "2026-11-30",
                       "--salesperson", "li")  # fmt: skip
    _confirm(fresh, number)
    add_order(fresh, "北京科技有限公司", "500.00", "--date", "2026-11-15")  # a draft: not counted
    out = boss(fresh, "targets", "set", "--operator", "li", "--period", "2026-11",
               "--sales", "1000", "--new-customers", "2")  # fmt: skip
    assert "2026-11" in out
    [row] = [r for r in _json(fresh, "li", SALES_PASSWORD, "targets", "list", "--period",
                              "2026-11") if r["code"] == "li"]  # fmt: skip
    assert (row["target_sales"], row["sales"], row["percent"]) == ("1000.00", "800.00", "80.0")
    assert row["target_new_customers"] == 2
    report = crm("--db", fresh, "--as", "boss", "report", "target_achievement", "--from",
                 "2026-10-01", "--to", "2026-11-30", password=BOSS_PASSWORD)  # fmt: skip
    assert report.returncode == 0, report.stderr
    assert "2026-11" in report.stdout  # October: no target, no sale, no row
    assert "800.00" in report.stdout


def test_a_salesperson_may_not_set_targets(fresh: Path) -> None:
    refused = crm("--db", fresh, "--as", "li", "targets", "set", "--operator", "li", "--period",
                  "2026", "--sales", "1", password=SALES_PASSWORD)  # fmt: skip
    assert refused.returncode != 0
    assert "permission" in one_line_error(refused).lower()
    bad = crm("--db", fresh, "--as", "boss", "targets", "list", "--period", "2026-13",
              password=BOSS_PASSWORD)  # fmt: skip
    assert "2026-13" in one_line_error(bad)
