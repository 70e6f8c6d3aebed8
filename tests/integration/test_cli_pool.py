"""`crm pool run-rules` end to end: the firm's return-to-pool rule run from a script.

The command runs on the real clock, so the customers are made with a clock set 40 days back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.models import Customer, PoolStatus
from crm_desktop.core.services import customers, pool
from tests.conftest import BOSS_PASSWORD, STAFF_PASSWORD, MakeOperator
from tests.integration.test_cli import crm, one_line_error


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC) - timedelta(days=40))


@pytest.fixture
def idle_firm(
    db: Database, db_path: Path, boss: Actor, make_operator: MakeOperator, clock: FixedClock
) -> dict[str, int]:
    """Li's customers: one idle for 40 days, one returning in 3 days, one visited yesterday."""
    li = make_operator("li", "salesperson", name="李四", with_password=True)
    pool.save_rules(db, boss, 0, {"enabled": True, "no_followup_days": 30, "warn_days": 5})
    made = {
        key: customers.create_customer(db, boss, {"name": name, "owner_id": li.id})
        for key, name in (("idle", "久未跟进公司"), ("soon", "快到期公司"), ("busy", "常联系公司"))
    }
    now = datetime.now(UTC)
    with db.write(boss) as uow:
        uow.session.get(Customer, made["soon"]).last_followup_at = now - timedelta(days=27)
        uow.session.get(Customer, made["busy"]).last_followup_at = now - timedelta(days=1)
    db.dispose()
    return made


def pool_states(db: Database) -> dict[int, str]:
    with db.read() as session:
        return {c.id: c.pool_status for c in session.query(Customer)}


def test_dry_run_lists_what_would_return_and_the_warnings_and_changes_nothing(
    db: Database, db_path: Path, idle_firm: dict[str, int]
) -> None:
    before = pool_states(db)
    result = crm("--db", db_path, "--as", "boss", "pool", "run-rules", "--dry-run",
                 password=BOSS_PASSWORD)  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Would return to the public pool: 1" in out
    assert "Returning soon (owners warned): 1" in out
    assert "Dry run: nothing was changed." in out
    returned, warned = out.split("Returning soon")
    assert "久未跟进公司" in returned and "李四" in returned and "No follow-up for 30 days" in out
    assert "快到期公司" in warned
    assert "常联系公司" not in out
    assert pool_states(db) == before


def test_run_returns_idle_customers_to_the_pool_once(
    db: Database, db_path: Path, idle_firm: dict[str, int]
) -> None:
    result = crm("--db", db_path, "--as", "li", "pool", "run-rules", password=STAFF_PASSWORD,
                 process=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Returned to the public pool: 1" in result.stdout
    states = pool_states(db)
    assert states[idle_firm["idle"]] == PoolStatus.PUBLIC
    assert states[idle_firm["soon"]] == states[idle_firm["busy"]] == PoolStatus.PRIVATE

    again = crm("--db", db_path, "--as", "boss", "pool", "run-rules", password=BOSS_PASSWORD)
    assert again.returncode == 0, again.stderr
    assert "Returned to the public pool: 0" in again.stdout


def test_run_rules_needs_an_operator(db_path: Path, idle_firm: dict[str, int]) -> None:
    line = one_line_error(crm("--db", db_path, "pool", "run-rules"))
    assert "--as USER" in line
