"""List export of 100,000 customers to xlsx, next to openpyxl writing the same rows alone.

    python bench/export.py               # 100,000 customers, 1 warm-up + 3 pairs (~8 min)
    python bench/export.py --quick       # 10,000 customers, 1 warm-up + 3 pairs (~1 min)
    python bench/export.py --profile     # also cProfile one export (top 25 cumulative, tottime)
    python bench/run.py --only export [--quick]

The database is bench/importing.py's cached one (`crm init` + `crm demo --customers N`, zh_CN,
/tmp/crm-import-bench/), built there the first time; each sitting works on its own copy, since
every export adds an audit row. Measured in one sitting, A B A B … (which goes first alternates),
every run its own child process (peak RSS from wait4):

- floor: the same rows the boss's customer list shows (hand-written plain `sqlite3` with the six
  joins, `ORDER BY sort_name, id`), turned into Excel-ready tuples (local naive times, dates)
  first, then written with openpyxl `write_only` (`append` per row, `save`): PERF-FLOORS 3a. Only
  the writing is the floor; the query is timed apart ("plain SQL");
- app: `core.exporting.lists.export_list(db, boss, "customers", path, progress=…)` in process,
  everything included (permissions, count, pages, typed cells, widths, atomic save, audit). Its
  queries (the count and the pages, timed by wrapping the service's functions) are reported apart.

The goal (brief of the export speed work): export ≤ 1.5× the floor plus the app's own query time,
i.e. (export − its queries) ÷ floor ≤ 1.5, taken per pair. The first app file is read back with
python-calamine and compared with the floor's rows (count and a digest of the names).
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import hashlib
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# bench/ is not a package: the helpers shared with bench/run.py and the cached database
import importing as bench_importing
import run as bench_run

GOAL = 1.5
CACHE = Path("/tmp/crm-export-bench")
FLOOR_SQL = """
SELECT c.name, t.name, s.name, i.name, r.name, c.phone, o.name, c.last_followup_at,
       c.next_followup_on, l.name
FROM customers c
LEFT JOIN base_data_items t ON t.id = c.type_id
LEFT JOIN base_data_items s ON s.id = c.source_id
LEFT JOIN base_data_items i ON i.id = c.industry_id
LEFT JOIN base_data_items r ON r.id = c.region_id
LEFT JOIN base_data_items l ON l.id = c.level_id
LEFT JOIN operators o ON o.id = c.owner_id
WHERE c.archived = 0
ORDER BY c.sort_name, c.id
"""


def log(text: str) -> None:
    print(f"bench export: {text}", file=sys.stderr, flush=True)


def digest(names: Sequence[str]) -> str:
    return hashlib.sha1("\n".join(names).encode()).hexdigest()[:12]


# --- the children ---------------------------------------------------------------------------------


def floor_child(db_path: str, xlsx: str, out: str) -> int:
    """The rows as tuples in memory (not timed as the floor), then openpyxl write_only alone."""
    began = time.perf_counter()
    from openpyxl import Workbook

    from crm_desktop.core.exporting.lists import default_columns

    header = [column.label for column in default_columns("customers")]
    imported = time.perf_counter()
    with sqlite3.connect(db_path) as conn:
        fetched = conn.execute(FLOOR_SQL).fetchall()
    rows = [
        (*row[:7], _local(row[7]), date.fromisoformat(row[8]) if row[8] else None, row[9])
        for row in fetched
    ]
    queried, cpu = time.perf_counter(), time.process_time()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Customers")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(xlsx)
    done = time.perf_counter()
    facts = {
        "seconds": done - queried,
        "cpu_seconds": time.process_time() - cpu,
        "query_seconds": queried - imported,
        "setup_seconds": imported - began,
        "rows": len(rows),
        "digest": digest([row[0] for row in rows]),
        "size": Path(xlsx).stat().st_size,
    }
    Path(out).write_text(json.dumps(facts))
    return 0


def _local(text: str | None) -> datetime | None:
    """A stored UTC time as the local naive time Excel shows (what the app writes)."""
    if not text:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def app_child(db_path: str, xlsx: str, out: str, profile: str = "") -> int:
    """`export_list` as the boss; the time spent in the list service's queries is summed."""
    began = time.perf_counter()
    from crm_desktop.core.db import Database
    from crm_desktop.core.exporting import lists
    from crm_desktop.core.models import Operator
    from crm_desktop.core.services import auth

    db = Database(f"sqlite:///{db_path}")
    with db.read() as session:
        boss = auth.actor_for(session.query(Operator).filter(Operator.code == "boss").one())
    spent: list[tuple[float, float]] = []  # (wall, CPU) seconds in the service's queries
    spec = lists._services()["customers"]
    timed = {"counter": _timed_call(spec.counter, spent), "lister": _timed_call(spec.lister, spent)}
    if getattr(spec, "walker", None) is not None:  # keyset pages (absent in older versions)
        timed["walker"] = _timed_pages(spec.walker, spent)
    lists._services()["customers"] = dataclasses.replace(spec, **timed)
    calls = [0]

    def progress(_done: int, _total: int) -> bool:  # the tab and the CLI always pass one
        calls[0] += 1
        return True

    ready, cpu = time.perf_counter(), time.process_time()
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    rows = lists.export_list(db, boss, "customers", xlsx, progress=progress)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    done, cpu = time.perf_counter(), time.process_time() - cpu
    db.dispose()
    facts = {
        "seconds": done - ready,
        "query_seconds": sum(wall for wall, _cpu in spent),
        "cpu_seconds": cpu,
        "query_cpu_seconds": sum(cpu for _wall, cpu in spent),
        "setup_seconds": ready - began,
        "rows": rows,
        "progress_calls": calls[0],
        "size": Path(xlsx).stat().st_size,
    }
    Path(out).write_text(json.dumps(facts))
    return 0


def _timed_call(function: Callable[..., Any], spent: list[tuple[float, float]]) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent.append((time.perf_counter() - start, time.process_time() - cpu))

    return call


def _timed_pages(walker: Callable[..., Any], spent: list[tuple[float, float]]) -> Any:
    def pages(*args: Any, **kwargs: Any) -> Iterator[Any]:
        found = iter(walker(*args, **kwargs))
        while True:
            start, cpu = time.perf_counter(), time.process_time()
            page = next(found, None)
            spent.append((time.perf_counter() - start, time.process_time() - cpu))
            if page is None:
                return
            yield page

    return pages


# --- measuring ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Sitting:
    floor: list[tuple[bench_run.Run, dict[str, Any]]] = dataclasses.field(default_factory=list)
    app: list[tuple[bench_run.Run, dict[str, Any]]] = dataclasses.field(default_factory=list)
    check: str = ""


def run_child(kind: str, db: Path, folder: Path, profile: str = "") -> tuple[bench_run.Run, Any]:
    xlsx, out = folder / f"{kind}.xlsx", folder / f"{kind}.json"
    out.unlink(missing_ok=True)
    cmd = [bench_run.PY, __file__, f"--{kind}-child", str(db), str(xlsx), str(out)]
    cmd += [profile] if profile else []
    done = bench_run.checked(bench_run.run(cmd, bench_run.env_with()), f"{kind} child")
    return done, json.loads(out.read_text())


def read_back(path: Path) -> tuple[int, str, str]:
    """Rows, digest of the names and the phone/date cell types of an exported file."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    body = rows[1:]
    phone = next((row[5] for row in body if row[5]), None)
    last = next((row[7] for row in body if row[7]), None)
    kinds = f"phone {type(phone).__name__}, last follow-up {type(last).__name__}"
    return len(body), digest([str(row[0]) for row in body]), kinds


def measure(db: Path, folder: Path, pairs: int, warmups: int) -> Sitting:
    sitting = Sitting()
    for _i in range(warmups):
        run_child("floor", db, folder)
        run_child("app", db, folder)
    for number in range(pairs):
        for side in ("floor", "app") if number % 2 == 0 else ("app", "floor"):
            getattr(sitting, side).append(run_child(side, db, folder))
            if side == "app" and not sitting.check:
                sitting.check = check(folder / "app.xlsx", sitting)
        floor, app = sitting.floor[-1][1], sitting.app[-1][1]
        log(
            f"pair {number + 1}/{pairs}: floor write {floor['seconds']:.2f} s "
            f"(its query {floor['query_seconds']:.2f} s), export {app['seconds']:.2f} s "
            f"(its queries {app['query_seconds']:.2f} s)"
        )
    return sitting


def check(path: Path, sitting: Sitting) -> str:
    rows, names, kinds = read_back(path)
    floor = sitting.floor[-1][1] if sitting.floor else None
    if floor is None:
        return f"file read back: {rows:,} rows, {kinds}"
    same = rows == floor["rows"] and names == floor["digest"]
    verdict = "the same rows in the same order as the floor" if same else "ROWS DIFFER"
    return f"file read back with calamine: {rows:,} rows, {verdict}; {kinds}"


# --- output ---------------------------------------------------------------------------------------


def rows_for(sitting: Sitting, count: int) -> list[bench_run.Row]:
    """In-process rows (the peak RSS column is the whole child's), then the whole processes."""

    def runs(side: str, value: Callable[[dict[str, Any]], float]) -> list[bench_run.Run]:
        return [bench_run.Run(value(f), r.peak_mib, 0) for r, f in getattr(sitting, side)]

    write_floor = runs("floor", lambda f: f["seconds"])
    return [
        bench_run.Row(
            f"export_list customers, {count:,} rows (in process)",
            runs("app", lambda f: f["seconds"]),
            write_floor,
        ),
        bench_run.Row(
            "  the export without its queries",
            runs("app", lambda f: f["seconds"] - f["query_seconds"]),
            write_floor,
        ),
        bench_run.Row(
            "  the same in CPU time (process_time)",
            runs("app", lambda f: f["cpu_seconds"] - f["query_cpu_seconds"]),
            runs("floor", lambda f: f["cpu_seconds"]),
        ),
        bench_run.Row(
            "  its queries (count + pages) vs plain SQL",
            runs("app", lambda f: f["query_seconds"]),
            runs("floor", lambda f: f["query_seconds"]),
        ),
        bench_run.Row(
            "  whole process (start, export, exit)",
            [r for r, _f in sitting.app],
            [r for r, _f in sitting.floor],
        ),
    ]


def notes(sitting: Sitting, count: int) -> list[str]:
    app = [f for _r, f in sitting.app]
    floor = [f for _r, f in sitting.floor]
    seconds = statistics.median(f["seconds"] for f in app)
    write = statistics.median(f["seconds"] for f in floor)
    setup = statistics.median(f["setup_seconds"] for f in app)
    return [
        f"floor: openpyxl write_only {write:.2f} s = {count / write:,.0f} rows/s, "
        f"file {floor[-1]['size'] / 2**20:.1f} MiB; export {seconds:.2f} s = "
        f"{count / seconds:,.0f} rows/s, file {app[-1]['size'] / 2**20:.1f} MiB",
        "peak RSS: the floor's child holds every row as a tuple; the export streams (pages of "
        "`lists.PAGE` rows, the first 1,000 held for the column widths)",
        f"progress calls per export: {app[-1]['progress_calls']:,}; child start before the "
        f"export (imports, Database, boss): {setup:.2f} s",
        sitting.check,
    ]


def verdict(sitting: Sitting) -> str:
    pairs = list(zip(sitting.app, sitting.floor, strict=False))
    wall = [(a["seconds"] - a["query_seconds"]) / f["seconds"] for (_r, a), (_s, f) in pairs]
    cpu = [
        (a["cpu_seconds"] - a["query_cpu_seconds"]) / f["cpu_seconds"] for (_r, a), (_s, f) in pairs
    ]
    ratio = statistics.median(wall)
    met = "met" if ratio <= GOAL else "NOT met"
    return (
        f"goal: export ≤ {GOAL}× the floor plus its own query time: {met} "
        f"((export − queries) ÷ floor = {ratio:.2f}×, {min(wall):.2f}–{max(wall):.2f}; "
        f"in CPU time {statistics.median(cpu):.2f}×)"
    )


# --- main -----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 customers")
    parser.add_argument("--customers", type=int, help="customers (default 100,000)")
    parser.add_argument("--pairs", type=int, default=3, help="floor/export pairs (default 3, ≥ 1)")
    parser.add_argument("--warmups", type=int, default=1, help="unmeasured pairs first")
    parser.add_argument("--profile", action="store_true", help="cProfile one more export")
    args = parser.parse_args(argv)
    args.customers = args.customers or (10_000 if args.quick else 100_000)
    args.pairs = max(args.pairs, 1)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--floor-child"]:
        return floor_child(*argv[1:4])
    if argv[:1] == ["--app-child"]:
        return app_child(*argv[1:5])
    args = parse_args(argv)
    # PYTHONDONTWRITEBYTECODE=1 here: without this the app's modules compile on every start.
    src = bench_run.ROOT / "src"
    subprocess.run([bench_run.PY, "-m", "compileall", "-q", str(src)], check=True)
    cached = bench_importing.existing_database(args.customers)
    CACHE.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="runs-", dir=CACHE))
    try:
        db = folder / "crm.db"
        shutil.copyfile(cached, db)
        sitting = measure(db, folder, args.pairs, args.warmups)
        profiled = ""
        if args.profile:
            stats = str(CACHE / f"profile-{args.customers}c.pstats")
            run_child("app", db, folder, profile=stats)
            profiled = bench_importing.print_profile(stats)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    count = sitting.app[-1][1]["rows"]
    print()
    print(
        f"{count:,} customers exported as the boss (cached database of {args.customers:,}); "
        f"{bench_importing.machine()}; {args.pairs} pairs after {args.warmups} warm-up(s)\n"
    )
    bench_run.print_table(rows_for(sitting, count))
    for line in notes(sitting, count):
        print(f"- {line}")
    print(f"- {verdict(sitting)}")
    if profiled:
        print(profiled)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
