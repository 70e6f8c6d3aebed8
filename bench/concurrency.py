"""Eight PCs on one SQLite file: the app's mixed workload next to raw sqlite3 (PERF-FLOORS 7a).

    .venv/bin/python bench/concurrency.py               # one round: the raw floor, then the app
    .venv/bin/python bench/concurrency.py --rounds 2    # floor and app alternating
    .venv/bin/python bench/run.py --only concurrency [--pairs N]

App: the workload of tests/integration/test_stress.py (tests/integration/stress_worker.py), 8
processes × 300 edits through the services (new customers, follow-ups, orders with lines, saves
of 3 hot customers against the version read, seeded random pauses under 10 ms), each with its
own `Database`; the lock waits are each process's `db.stats` (WriteStats), summed. Floor: 8
processes × 300 transactions of plain sqlite3 (`BEGIN IMMEDIATE`; insert a row; `UPDATE counter
SET n=n+1`; `COMMIT`), the same journal, sync and busy-timeout settings, in the same sitting.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 8
EDITS = 300
TIMEOUT_S = 600
WAITED_AFTER_S = 0.05  # the app's WriteStats threshold (database.WAITED_AFTER_S)


@dataclass
class Result:
    name: str
    edits: int
    seconds: float
    writes: int
    waited: int
    max_wait_s: float
    total_wait_s: float
    retries: int = 0
    busy_failures: int = 0
    conflicts: int = 0
    errors: int = 0
    check: str = ""

    @property
    def rate(self) -> float:
        return self.edits / self.seconds


# --- the floor: plain sqlite3 -------------------------------------------------------------------


def raw_worker(path: str, transactions: int, log: str) -> int:
    """One process of the floor: its lock waits (time to get BEGIN IMMEDIATE) into `log`."""
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    for pragma in ("journal_mode=DELETE", "synchronous=FULL", "busy_timeout=10000"):
        conn.execute(f"PRAGMA {pragma}")
    print("ready", flush=True)
    sys.stdin.readline()
    waits: list[float] = []
    errors = 0
    for n in range(transactions):
        started = time.perf_counter()
        try:
            conn.execute("BEGIN IMMEDIATE")
            waits.append(time.perf_counter() - started)
            conn.execute("INSERT INTO items (worker, n) VALUES (?, ?)", (log, n))
            conn.execute("UPDATE counter SET n = n + 1")
            conn.execute("COMMIT")
        except sqlite3.OperationalError:
            errors += 1
            if conn.in_transaction:
                conn.execute("ROLLBACK")
    conn.close()
    Path(log).write_text(json.dumps({"waits": waits, "errors": errors}), encoding="utf-8")
    return 0


def run_floor(folder: Path) -> Result:
    from tests.integration.stress_worker import start_together

    folder.mkdir()
    path = folder / "floor.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, worker TEXT, n INTEGER)")
        conn.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
        conn.execute("INSERT INTO counter VALUES (0)")
    logs = [folder / f"floor-{n}.json" for n in range(WORKERS)]
    commands = {
        f"floor{n}": [sys.executable, __file__, "--raw-worker", str(path), str(EDITS), str(log)]
        for n, log in enumerate(logs)
    }
    seconds = start_together(commands, timeout=TIMEOUT_S)
    runs = [json.loads(log.read_text("utf-8")) for log in logs]
    waits = [w for run in runs for w in run["waits"]]
    with sqlite3.connect(path) as conn:
        counter = conn.execute("SELECT n FROM counter").fetchone()[0]
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    return Result(
        "raw sqlite3 (PERF-FLOORS 7a)",
        edits=WORKERS * EDITS,
        seconds=seconds,
        writes=len(waits),
        waited=sum(w > WAITED_AFTER_S for w in waits),
        max_wait_s=max(waits),
        total_wait_s=sum(waits),
        errors=sum(run["errors"] for run in runs),
        check=f"counter {counter}, integrity {integrity}",
    )


# --- the app: the stress test's workload --------------------------------------------------------


def app_database(folder: Path) -> tuple[Path, Any]:
    """A migrated file with the boss, 8 operators and the hot customers (tests' `prepare`)."""
    from tests.conftest import BOSS_PASSWORD, actor_of
    from tests.integration.stress_worker import prepare

    from crm_desktop.core.clock import FixedClock
    from crm_desktop.core.db import Database
    from crm_desktop.core.db.migrate import upgrade
    from crm_desktop.core.services import setup

    path = folder / "app.db"
    database = Database(f"sqlite:///{path}", clock=FixedClock())
    upgrade(database, backup=False)
    setup.initialize(
        database,
        company_name="基准测试贸易有限公司",
        admin_code="boss",
        admin_name="王老板",
        password=BOSS_PASSWORD,
    )
    workload = prepare(database, actor_of(database, "boss"), WORKERS)
    database.dispose()
    return path, workload


def run_app(folder: Path, template: Path, workload: Any, pause: bool) -> Result:
    from tests.integration.stress_worker import run_workers

    path = folder / "app-run.db"
    shutil.copyfile(template, path)
    logs, seconds = run_workers(path, workload, EDITS, folder, timeout=TIMEOUT_S, pause=pause)
    stats = [log["stats"] for log in logs]
    with sqlite3.connect(path) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    return Result(
        "app, mixed edits" + ("" if pause else " (no pauses)"),
        edits=sum(log["edits"] for log in logs),
        seconds=seconds,
        writes=sum(s["writes"] for s in stats),
        waited=sum(s["waited"] for s in stats),
        max_wait_s=max(s["max_wait_s"] for s in stats),
        total_wait_s=sum(s["total_wait_s"] for s in stats),
        retries=sum(s["retries"] for s in stats),
        busy_failures=sum(s["busy_failures"] for s in stats),
        conflicts=sum(len(log["conflicts"]) for log in logs),
        errors=sum(len(log["errors"]) for log in logs),
        check=f"integrity {integrity}",
    )


# --- the table ----------------------------------------------------------------------------------


def print_table(results: list[Result]) -> None:
    header = (
        "workload",
        "edits",
        "wall",
        "edits/s",
        "waited > 50 ms",
        "max wait",
        "mean wait",
        "retries / busy",
        "conflicts",
        "errors",
        "check",
    )
    lines = [header]
    for r in results:
        lines.append(
            (
                r.name,
                f"{r.edits:,}",
                f"{r.seconds:.1f} s",
                f"{r.rate:.0f}",
                f"{r.waited / r.writes:.1%} ({r.waited:,} of {r.writes:,})",
                f"{r.max_wait_s:.2f} s",
                f"{1000 * r.total_wait_s / r.writes:.0f} ms",
                f"{r.retries} / {r.busy_failures}",
                f"{r.conflicts}",
                f"{r.errors}",
                r.check,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for number, line in enumerate(lines):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |")
        if number == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="floor + app pairs (default 1)")
    parser.add_argument("--no-pause", action="store_true", help="the app without its pauses")
    parser.add_argument(
        "--raw-worker", nargs=3, metavar=("DB", "TX", "LOG"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.raw_worker:
        path, transactions, log = args.raw_worker
        return raw_worker(path, int(transactions), log)
    sys.path.insert(0, str(ROOT))  # the workload lives beside the stress test
    folder = Path(tempfile.mkdtemp(prefix="crm-concurrency-"))
    results: list[Result] = []
    ratios: list[float] = []
    try:
        template, workload = app_database(folder)
        for number in range(args.rounds):
            floor = run_floor(folder / f"floor{number}")
            print(f"  round {number + 1}: floor {floor.seconds:.1f} s", file=sys.stderr)
            app = run_app(folder, template, workload, not args.no_pause)
            print(f"  round {number + 1}: app {app.seconds:.1f} s", file=sys.stderr)
            results += [floor, app]
            ratios.append(app.seconds / floor.seconds)  # the same 2,400 edits on both sides
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print_table(results)
    print(
        f"- app ÷ raw: wall {statistics.median(ratios):.1f}× (median of {len(ratios)} rounds; "
        f"{min(ratios):.1f}–{max(ratios):.1f}×); the floor does one tiny transaction per edit, "
        "the app a whole unit of work (permission check, record, audit row, change log)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
