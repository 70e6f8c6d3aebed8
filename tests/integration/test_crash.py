"""A PC that dies mid-work (power cut, killed process) leaves the shared file consistent.

A child process (tests/integration/crash_worker.py) is killed with SIGKILL after a seeded random
delay while it saves orders, imports a sheet, or migrates the schema. Whatever moment the kill
hits, the file passes `PRAGMA integrity_check`, every unit of work is all there or not there at
all, an interrupted import is taken back by `recover_interrupted`, and an interrupted migration
is completed by the next start with the data intact.
"""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from openpyxl import Workbook

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.db.migrate import alembic_config, head_revision, revision_graph, upgrade
from crm_desktop.core.importing.batches import recover_interrupted
from crm_desktop.core.services import auth, followups
from tests.conftest import BOSS_PASSWORD, actor_of
from tests.integration.crash_worker import ORDER_LINES
from tests.sales_fixtures import line, make_customer, make_order

ROOT = Path(__file__).resolve().parents[2]
CHILD_TIMEOUT_S = 120  # a child that never says "ready" or never finishes fails the test
ORDER_ROUNDS = 4
MAX_ORDER_ROUNDS = 10  # more rounds only while fewer than two kills landed inside a save
IMPORT_ROWS = 2_000
IMPORT_ROUNDS = 3
MIGRATION_ROUNDS = 3
OLD_REVISION = "0003"
LATER = timedelta(hours=1)  # the next start: the killed PC's heartbeat is long stale


@dataclass(frozen=True)
class Outcome:
    killed: bool  # False: the child finished before the delay ran out
    interrupted_write: bool  # a hot journal was left: the kill landed inside a write
    seconds: float  # from "ready" to the kill or the exit


def run_child(args: list[Any], path: Path, delay: float | None) -> Outcome:
    """Start the child, wait for "ready", then SIGKILL it after `delay` seconds (None: let it
    finish). The wait for the child's exit is the delay: no sleeping beside it."""
    cmd = [sys.executable, "-m", "tests.integration.crash_worker", *map(str, args)]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            pytest.fail(f"{args[0]} child did not start: {_stderr(proc)}")
        started = time.perf_counter()
        try:
            proc.wait(timeout=CHILD_TIMEOUT_S if delay is None else delay)
        except subprocess.TimeoutExpired:
            if delay is None:
                pytest.fail(f"{args[0]} child did not finish in {CHILD_TIMEOUT_S} s")
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            journal = path.with_name(path.name + "-journal")
            hot = journal.exists() and journal.stat().st_size > 0
            return Outcome(True, hot, time.perf_counter() - started)
        if proc.returncode != 0:
            pytest.fail(f"{args[0]} child failed ({proc.returncode}): {_stderr(proc)}")
        return Outcome(False, False, time.perf_counter() - started)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def _stderr(proc: subprocess.Popen[str]) -> str:
    if proc.poll() is None:
        proc.kill()
    return (proc.communicate()[1] or "").strip()[-2000:] or "(no output)"


def query(path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """A plain sqlite3 look at the file, as the next PC to open it would have (a hot journal
    left by the kill is rolled back here)."""
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def assert_sound(path: Path) -> None:
    assert query(path, "PRAGMA integrity_check") == [("ok",)]
    assert query(path, "PRAGMA foreign_key_check") == []


# --- (a) saving an order: the order, its lines, its number and its audit row ---------------------


def assert_orders_whole(path: Path) -> int:
    lines = query(
        path,
        "SELECT o.id, count(l.id) FROM sales_orders o "
        "LEFT JOIN order_lines l ON l.order_id = o.id GROUP BY o.id",
    )
    assert all(count == ORDER_LINES for _id, count in lines), "an order lost some of its lines"
    ids = {order_id for order_id, _count in lines}
    audited = query(path, "SELECT entity_id FROM audit_log WHERE action = 'order.create'")
    assert sorted(row[0] for row in audited) == sorted(ids)
    announced = query(path, "SELECT count(*) FROM change_log WHERE kinds LIKE '%orders%'")
    assert announced == [(len(ids),)]
    numbers = sorted(int(row[0][-4:]) for row in query(path, "SELECT number FROM sales_orders"))
    assert numbers == list(range(1, len(ids) + 1)), "numbers must run on without gaps"
    assert query(path, "SELECT next_sequence FROM numbering_rules WHERE kind = 'order'") == [
        (len(ids) + 1,)
    ]
    return len(ids)


def test_a_save_killed_at_any_moment_leaves_whole_orders_or_none(
    db: Database, boss: Actor, db_path: Path
) -> None:
    customer = make_customer(db, boss)
    db.dispose()
    rng = random.Random(81)
    inside = 0
    saved = 0
    for number in range(MAX_ORDER_ROUNDS):
        if number >= ORDER_ROUNDS and inside >= 2:
            break
        outcome = run_child(["orders", db_path, customer], db_path, rng.uniform(0.1, 1.5))
        assert outcome.killed
        inside += outcome.interrupted_write
        assert_sound(db_path)
        saved = assert_orders_whole(db_path)
    assert inside >= 2, f"no kill landed inside a save in {MAX_ORDER_ROUNDS} rounds"
    assert saved > 0


# --- (b) an Excel import: taken back after the crash, or complete --------------------------------


def write_sheet(path: Path, rows: int) -> Path:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    sheet.append(["客户名称", "电话", "备注"])
    for n in range(rows):
        sheet.append([f"导入客户{n:05d}有限公司", f"1380000{n:04d}", f"第{n}行"])
    book.save(path)
    return path


def assert_import_whole(path: Path, rows: int) -> str:
    """After the next start's recovery the batch is finished with every row, or gone entirely."""
    assert_sound(path)
    later = Database(f"sqlite:///{path}", clock=FixedClock(FixedClock().now() + LATER))
    recover_interrupted(later)
    later.dispose()
    assert_sound(path)
    imported = query(path, "SELECT count(*) FROM customers WHERE name LIKE '导入客户%'")[0][0]
    batches = query(path, "SELECT status, created_count FROM import_batches")
    if batches == [("finished", rows)]:
        assert imported == rows
        return "finished"
    assert batches in ([], [("failed", 0)]), batches
    assert imported == 0, "rows of an interrupted import were left behind"
    assert query(path, "SELECT count(*) FROM import_changes") == [(0,)]
    return "taken back" if batches else "not started"


def test_b_import_killed_at_any_moment_is_taken_back_or_complete(
    db: Database, boss: Actor, db_path: Path, tmp_path: Path
) -> None:
    sheet = write_sheet(tmp_path / "客户.xlsx", IMPORT_ROWS)
    db.dispose()
    template = tmp_path / "template.db"
    shutil.copyfile(db_path, template)
    whole = run_child(["import", db_path, sheet], db_path, None)  # how long an import takes
    assert assert_import_whole(db_path, IMPORT_ROWS) == "finished"
    rng = random.Random(82)
    for number in range(IMPORT_ROUNDS):
        target = tmp_path / f"round{number}" / "crm.db"
        target.parent.mkdir()
        shutil.copyfile(template, target)
        run_child(["import", target, sheet], target, rng.uniform(0, whole.seconds))
        assert_import_whole(target, IMPORT_ROWS)


# --- (c) a migration: the recorded revision matches the schema; the next start completes it -----


def schema(path: Path) -> dict[str, Any]:
    """Tables with their columns, and the indexes: what a revision's migrations create (the
    column order may differ: the old file was made by downgrading, which appends columns)."""
    with sqlite3.connect(path) as conn:
        objects = conn.execute(
            "SELECT type, name, tbl_name FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        ).fetchall()
        columns = {
            name: sorted(c[1] for c in conn.execute(f'PRAGMA table_info("{name}")'))
            for kind, name, _table in objects
            if kind == "table"
        }
    return {"objects": objects, "columns": columns}


def chain_after(revision: str) -> list[str]:
    """The revisions from `revision` (included) to the head, in the order they run."""
    graph = revision_graph()
    chain = [head_revision()]
    while chain[-1] != revision:
        (parent,) = graph[chain[-1]]
        chain.append(parent)
    return chain[::-1]


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The schema of a fresh database at each revision from OLD_REVISION to the head."""
    path = tmp_path_factory.mktemp("schemas") / "fresh.db"
    database = Database(f"sqlite:///{path}", clock=FixedClock())
    found = {}
    for revision in chain_after(OLD_REVISION):
        command.upgrade(alembic_config(database), revision)
        found[revision] = schema(path)
    database.dispose()
    return found


DATA_TABLES = ("customers", "followups", "sales_orders", "order_lines", "audit_log")


def data(path: Path, like: dict[str, Any] | None = None) -> dict[str, Any]:
    """The data tables' rows; with `like`, only the columns `like` has (later migrations add
    columns, which must not change what was there)."""
    rows: dict[str, Any] = {}
    for table in DATA_TABLES:
        columns = (
            like[table]["columns"]
            if like
            else [c[1] for c in query(path, f"PRAGMA table_info({table})")]
        )
        listed = ", ".join(columns)
        rows[table] = {
            "columns": columns,
            "rows": query(path, f"SELECT {listed} FROM {table} ORDER BY id"),
        }
    return rows


@pytest.fixture(scope="module")
def old_database(
    tmp_path_factory: pytest.TempPathFactory, templates: dict[str, Path]
) -> Iterator[Path]:
    """A firm's file from before: customers, follow-ups and orders, at revision OLD_REVISION."""
    path = tmp_path_factory.mktemp("old") / "old.db"
    shutil.copyfile(templates["seeded"], path)
    database = Database(f"sqlite:///{path}", clock=FixedClock())
    boss = actor_of(database, "boss")
    for n in range(20):
        customer = make_customer(database, boss, f"老客户{n:02d}有限公司")
        followups.record_followup(database, boss, {"customer_id": customer, "subject": "回访"})
        make_order(database, boss, customer, [line(), line("螺栓", 3, "33.33", 1500)])
    command.downgrade(alembic_config(database), OLD_REVISION)
    database.dispose()
    yield path


def assert_migration_consistent(
    path: Path, schemas: dict[str, dict[str, Any]], before: dict[str, Any]
) -> str:
    """The revision recorded is the schema present; the next start upgrades it, data intact."""
    assert_sound(path)
    ((revision,),) = query(path, "SELECT version_num FROM alembic_version")
    assert schema(path) == schemas[revision], f"schema does not match revision {revision}"
    database = Database(f"sqlite:///{path}", clock=FixedClock())
    assert upgrade(database).current
    assert schema(path) == schemas[head_revision()]
    assert data(path, like=before) == before
    auth.login(database, "boss", BOSS_PASSWORD)  # the operators and their passwords came along
    database.dispose()
    assert_sound(path)
    return revision


def test_c_migration_killed_at_any_moment_is_completed_by_the_next_start(
    old_database: Path, schemas: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    before = data(old_database)
    assert before["sales_orders"]["rows"] and before["order_lines"]["rows"]
    first = tmp_path / "whole" / "crm.db"
    first.parent.mkdir()
    shutil.copyfile(old_database, first)
    whole = run_child(["migrate", first], first, None)
    assert assert_migration_consistent(first, schemas, before) == head_revision()
    rng = random.Random(83)
    for number in range(MIGRATION_ROUNDS):
        target = tmp_path / f"round{number}" / "crm.db"
        target.parent.mkdir()
        shutil.copyfile(old_database, target)
        run_child(["migrate", target], target, rng.uniform(0, whole.seconds))
        assert assert_migration_consistent(target, schemas, before) in schemas
