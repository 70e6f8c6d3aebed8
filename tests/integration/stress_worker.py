"""One PC of the shared-file stress workload: a mix of edits through the real services.

    python -m tests.integration.stress_worker DB CODE SEED EDITS HOT_IDS LOG [--no-pause]

Run from the repository root by tests/integration/test_stress.py and bench/concurrency.py. The
worker opens the database, prints ``ready``, waits for a line on stdin (so all PCs start
together), makes EDITS edits chosen by a seeded random generator, and writes a JSON log of what
the services acknowledged (and every refusal) to LOG, with its lock-wait statistics.

The short random pauses are part of the workload (a person between two clicks, the time between
reading a record and saving it), not synchronisation: they widen the window in which another PC
saves the same hot record.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.errors import ConflictError
from crm_desktop.core.pricing import LineInput
from crm_desktop.core.services import customers, followups, operators, orders

HOT_CUSTOMERS = 3
MAX_PAUSE_S = 0.01
# operation -> weight: about a quarter of the edits save a hot record everyone else saves too
MIX = {"customer": 25, "followup": 25, "hot": 30, "order": 20}


@dataclasses.dataclass(frozen=True)
class Workload:
    """What the worker processes are given: who they are and which customers are hot."""

    codes: list[str]
    hot: list[int]


def prepare(db: Database, boss: Actor, workers: int) -> Workload:
    """The operators (boss role, no password: workers never log in) and the hot customers."""
    from sqlalchemy import select

    from crm_desktop.core.models import Role

    with db.read() as session:
        role_id = session.scalar(select(Role.id).where(Role.code == "boss"))
    codes = [f"w{n}" for n in range(workers)]
    for code in codes:
        operators.create_operator(
            db, boss, {"code": code, "name": f"压力{code}", "role_id": role_id}
        )
    hot = [
        customers.create_customer(db, boss, {"name": f"热点客户{n}有限公司"})
        for n in range(HOT_CUSTOMERS)
    ]
    return Workload(codes, hot)


class Worker:
    """Makes the edits and remembers every acknowledged write and every refusal."""

    def __init__(self, db: Database, actor: Actor, seed: int, hot: list[int], pause: bool) -> None:
        self.db = db
        self.actor = actor
        self.random = random.Random(seed)
        self.hot = hot
        self.pause_enabled = pause
        self.own: list[int] = []
        self.log: dict[str, Any] = {
            "operator": actor.code,
            "customers": [],  # {"id", "name"}
            "followups": [],  # {"id", "customer_id", "subject"}
            "orders": [],  # {"id", "number", "lines"}
            "hot_updates": [],  # {"id", "version" (the one read and saved against), "value"}
            "conflicts": [],  # {"id", "version", "current"}
            "errors": [],  # {"op", "type", "message"}: anything else that reached the caller
        }

    def pause(self) -> None:
        if self.pause_enabled:
            time.sleep(self.random.uniform(0, MAX_PAUSE_S))

    def customer(self) -> int:
        """Any customer this PC may write to: a hot one or one it created."""
        return self.random.choice(self.hot + self.own[-20:])

    def run(self, edits: int) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        for index in range(edits):
            kind = self.random.choices(kinds, weights)[0]
            self.pause()
            try:
                getattr(self, f"edit_{kind}")(index)
            except ConflictError as exc:
                self.log["conflicts"].append(
                    {
                        "id": exc.entity_id,
                        "version": exc.expected_version,
                        "current": exc.current_version,
                    }
                )
            except Exception as exc:  # what the test must never see: recorded, not raised
                self.log["errors"].append(
                    {"op": kind, "type": type(exc).__name__, "message": str(exc)}
                )

    def edit_customer(self, index: int) -> None:
        name = f"压力客户{self.actor.code}号{index}"
        customer_id = customers.create_customer(self.db, self.actor, {"name": name})
        self.own.append(customer_id)
        self.log["customers"].append({"id": customer_id, "name": name})

    def edit_followup(self, index: int) -> None:
        customer_id = self.customer()
        subject = f"回访{self.actor.code}-{index}"
        values = {"customer_id": customer_id, "subject": subject}
        followup_id = followups.record_followup(self.db, self.actor, values)
        self.log["followups"].append(
            {"id": followup_id, "customer_id": customer_id, "subject": subject}
        )

    def edit_hot(self, index: int) -> None:
        """Read a hot customer, think a moment, save a new value against the version read."""
        customer_id = self.random.choice(self.hot)
        version = customers.get_customer(self.db, self.actor, customer_id)["version"]
        self.pause()
        value = f"{self.actor.code}-{index}"
        customers.update_customer(self.db, self.actor, customer_id, version, {"remarks": value})
        self.log["hot_updates"].append({"id": customer_id, "version": version, "value": value})

    def edit_order(self, index: int) -> None:
        count = self.random.randint(1, 4)
        lines = [LineInput(f"货品{n}", Decimal(n + 1), Decimal("12.50")) for n in range(count)]
        values = {"customer_id": self.customer()}
        order_id = orders.save_order(self.db, self.actor, None, None, values, lines)
        number = orders.get_order(self.db, self.actor, order_id).number
        self.log["orders"].append({"id": order_id, "number": number, "lines": count})


class WorkersFailed(AssertionError):
    """A worker process crashed or did not finish in time; carries its output."""


def run_workers(
    db_path: Path,
    workload: Workload,
    edits: int,
    folder: Path,
    *,
    timeout: float = 240,
    pause: bool = True,
) -> tuple[list[dict[str, Any]], float]:
    """One worker process per operator, started together; their logs and the wall time from
    the go signal to the last exit. Raises WorkersFailed naming the worker that failed."""
    hot = ",".join(map(str, workload.hot))
    commands = {}
    for seed, code in enumerate(workload.codes):
        cmd = [sys.executable, "-m", "tests.integration.stress_worker", str(db_path), code]
        cmd += [str(seed), str(edits), hot, str(folder / f"{code}.json")]
        commands[code] = cmd + ([] if pause else ["--no-pause"])
    seconds = start_together(commands, timeout=timeout)
    logs = [json.loads((folder / f"{code}.json").read_text("utf-8")) for code in workload.codes]
    return logs, seconds


def start_together(commands: dict[str, list[str]], *, timeout: float) -> float:
    """Run the commands (from the repository root), each of which prints ``ready`` and waits for
    a line on stdin; send them all the go line at once and wait for every one to exit 0 within
    `timeout` seconds. Returns the wall time from the go line to the last exit."""
    import subprocess

    root = Path(__file__).resolve().parents[2]
    procs = {
        name: subprocess.Popen(
            cmd,
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, cmd in commands.items()
    }
    try:
        for name, proc in procs.items():
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise WorkersFailed(f"worker {name} did not start: {_tail(proc)}")
        started = time.perf_counter()
        for proc in procs.values():
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        deadline = started + timeout
        for name, proc in procs.items():
            try:
                proc.wait(timeout=max(0.0, deadline - time.perf_counter()))
            except subprocess.TimeoutExpired:
                late = f"worker {name} did not finish within {timeout:.0f} s"
                raise WorkersFailed(late) from None
            if proc.returncode != 0:
                raise WorkersFailed(f"worker {name} exited with {proc.returncode}: {_tail(proc)}")
        return time.perf_counter() - started
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


def _tail(proc: Any) -> str:
    if proc.poll() is None:
        proc.kill()
    _out, err = proc.communicate()
    return (err or "").strip()[-2000:] or "(no output)"


def main(argv: list[str]) -> int:
    from tests.conftest import actor_of

    path, code, seed, edits, hot, log_path = argv[:6]
    database = Database(f"sqlite:///{path}", clock=FixedClock())
    actor = actor_of(database, code)
    worker = Worker(
        database, actor, int(seed), [int(h) for h in hot.split(",")], "--no-pause" not in argv
    )
    print("ready", flush=True)
    sys.stdin.readline()  # the go signal: every PC starts at once
    started = time.perf_counter()
    worker.run(int(edits))
    worker.log["seconds"] = time.perf_counter() - started
    worker.log["edits"] = int(edits)
    worker.log["stats"] = dataclasses.asdict(database.stats)
    database.dispose()
    Path(log_path).write_text(json.dumps(worker.log, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
