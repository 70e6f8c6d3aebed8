"""Speed and memory of crm-desktop next to the floors of PERF-FLOORS.md, measured in one sitting.

    python bench/run.py            # full: 100,000 customers, 2 warm-ups + 10 start-up pairs
    python bench/run.py --quick    # smoke run: 10,000 customers, 1 warm-up + 3 pairs
    python bench/run.py --only startup|demo
    python bench/run.py --only search   # bench/search.py: search latency and the customers tab
    python bench/run.py --only pdf      # bench/pdf.py: printed quotes vs a bare reportlab table
    python bench/run.py --only reports  # bench/reports.py: statistics vs hand-written SQL, 1M lines
    python bench/run.py --only import   # bench/importing.py: 100k-row xlsx import vs calamine
    python bench/run.py --only export   # bench/export.py: 100k-customer list export vs openpyxl
    python bench/run.py --only concurrency  # bench/concurrency.py: 8 processes on one file vs raw
    python bench/run.py --only packaged  # bench/startup_packaged.py: the built app's start-up

Every figure is a whole process (wall time from spawn to exit, peak RSS from wait4), and every
app figure is paired with its floor, run alternately (A B A B ...); the ratio is taken per pair and
the median of those ratios is printed. See bench/README.md for how to read the table.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
PY = sys.executable
PASSWORD = "Bench-pass-2026"
STARTUP_GOAL = 1.5


@dataclass
class Run:
    seconds: float
    peak_mib: float
    returncode: int
    stderr: str = ""


@dataclass
class Row:
    name: str
    app: list[Run] = field(default_factory=list)
    base: list[Run] = field(default_factory=list)
    note: str = ""

    @property
    def ratios(self) -> list[float]:
        return [a.seconds / b.seconds for a, b in zip(self.app, self.base, strict=False)]


def run(cmd: Sequence[str], env: dict[str, str] | None = None, timeout: float = 1800) -> Run:
    """Run a command; wall time and the peak RSS of that very process (wait4's rusage)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert proc.stderr is not None
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.002)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, err)  # ru_maxrss: KiB on Linux


def env_with(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.update(extra)
    return env


def crm(*args: str | Path) -> list[str]:
    return [PY, "-m", "crm_desktop.cli", "--lang", "en", *map(str, args)]


def checked(result: Run, what: str) -> Run:
    if result.returncode != 0:
        last = result.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise SystemExit(f"bench: {what} failed (exit {result.returncode}): {last[0]}")
    return result


def fmt_s(values: list[float]) -> tuple[str, str]:
    if not values:
        return "-", "-"
    return f"{statistics.median(values):.3f} s", f"{min(values):.3f}–{max(values):.3f} s"


def schema_hash() -> str:
    """A short hash of the migrations, for cached database names: a file made by older
    migrations is not reused."""
    versions = sorted((ROOT / "db" / "versions").glob("*.py"))
    return hashlib.sha1(b"".join(p.read_bytes() for p in versions)).hexdigest()[:8]


def cached_database(
    target: Path, build: Callable[[Path], Path], log: Callable[[str], None]
) -> Path:
    """`target` when an earlier sitting built it; else `build(work)` in a fresh work folder beside
    it and the database it returns moved to `target` (a build cut short leaves no target, so it
    is never mistaken for a whole one)."""
    if target.exists():
        log(f"reusing {target}")
        return target
    work = target.parent / f"building-{target.stem}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    started = time.perf_counter()
    build(work).replace(target)
    shutil.rmtree(work, ignore_errors=True)
    log(f"built {target} in {time.perf_counter() - started:.1f} s")
    return target


def initialized_db(folder: Path) -> Path:
    path = folder / "init.db"
    cmd = crm("--db", path, "init", "--company", "基准测试贸易有限公司", "--admin", "boss")
    checked(run(cmd, env_with(CRM_PASSWORD=PASSWORD)), "crm init")
    return path


def bench_demo(folder: Path, customers: int, repeats: int) -> tuple[Row, Path]:
    """`crm demo` as a process vs raw sqlite3 executemany of the same number of customers."""
    template = initialized_db(folder)
    row = Row(f"crm demo --customers {customers:,}")
    kept = folder / "demo.db"
    for index in range(repeats):
        target = folder / f"demo-{index}.db"
        shutil.copyfile(template, target)
        cmd = crm("--db", target, "--as", "boss", "demo", "--customers", customers)
        row.app.append(checked(run(cmd, env_with(CRM_PASSWORD=PASSWORD)), "crm demo"))
        floor_db = folder / f"floor-{index}.db"
        floor = run([PY, str(BENCH / "sqlite_floor.py"), str(customers), str(floor_db)])
        row.base.append(checked(floor, "sqlite floor"))
        floor_db.unlink(missing_ok=True)
        if index == 0:
            target.replace(kept)
        else:
            target.unlink()
        print(
            f"  demo run {index + 1}/{repeats}: {row.app[-1].seconds:.1f} s, "
            f"floor {row.base[-1].seconds:.2f} s",
            file=sys.stderr,
            flush=True,
        )
    rows = count_rows(kept) - count_rows(template)
    app_rate = rows / statistics.median(r.seconds for r in row.app)
    floor_rate = customers / statistics.median(r.seconds for r in row.base)
    row.note = (
        f"{rows:,} rows added across all tables (the floor writes {customers:,} rows to one "
        f"table): {app_rate:,.0f} rows/s vs the floor's {floor_rate:,.0f} rows/s, "
        f"{floor_rate / app_rate:.1f}× per row"
    )
    return row, kept


def count_rows(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return sum(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables)


def bench_startup(db: Path, warmups: int, pairs: int, customers: int) -> Row:
    """Cold start to a shown, logged-in main window vs the bare PySide6 window, paired."""
    app_cmd = [PY, "-m", "crm_desktop", "--db", str(db), "--user", "boss", "--quit-after-show"]
    bare_cmd = [PY, str(BENCH / "bare_window.py")]
    env = env_with(CRM_PASSWORD=PASSWORD)
    row = Row(f"start-up, {customers:,} customers, logged in")
    probe = run(app_cmd, env, timeout=120)
    app_ok = probe.returncode == 0
    if not app_ok:
        last = (probe.stderr.strip().splitlines() or ["(no message)"])[-1]
        row.note = f"app start-up not measured: exit {probe.returncode}: {last[:120]}"
    for _i in range(warmups):
        if app_ok:
            run(app_cmd, env)
        run(bare_cmd, env)
    for index in range(pairs):
        if app_ok:
            row.app.append(checked(run(app_cmd, env), "app start-up"))
        row.base.append(checked(run(bare_cmd, env), "bare window"))
        print(f"  start-up pair {index + 1}/{pairs}", file=sys.stderr, flush=True)
    return row


def print_table(rows: list[Row]) -> None:
    header = ("benchmark", "median", "min–max", "baseline median", "ratio", "peak RSS")
    lines = [header]
    for row in rows:
        median, spread = fmt_s([r.seconds for r in row.app])
        base_median, base_spread = fmt_s([r.seconds for r in row.base])
        ratios = row.ratios
        ratio = (
            f"{statistics.median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f})"
            if ratios
            else "-"
        )
        app_rss = statistics.median(r.peak_mib for r in row.app) if row.app else None
        base_rss = statistics.median(r.peak_mib for r in row.base) if row.base else None
        rss = (f"{app_rss:.0f} MiB" if app_rss else "-") + (
            f" (baseline {base_rss:.0f} MiB)" if base_rss else ""
        )
        lines.append((row.name, median, spread, f"{base_median} ({base_spread})", ratio, rss))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for number, line in enumerate(lines):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |")
        if number == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        if row.note:
            print(f"- {row.name}: {row.note}")


def search_args(args: argparse.Namespace) -> list[str]:
    """run.py's options for bench/search.py (which has more: see its --help)."""
    passed = ["--quick"] if args.quick else []
    passed += ["--keep"] if args.keep else []
    for name in ("customers", "pairs"):
        if getattr(args, name):
            passed += [f"--{name}", str(getattr(args, name))]
    return passed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k customers, 3 pairs")
    parser.add_argument(
        "--only",
        choices=(
            "startup",
            "demo",
            "search",
            "pdf",
            "reports",
            "import",
            "export",
            "packaged",
            "concurrency",
        ),
    )
    parser.add_argument("--customers", type=int)
    parser.add_argument("--pairs", type=int)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.only == "search":  # its own database (1M follow-ups) and tables: bench/search.py
        import search

        return search.main(search_args(args))
    if args.only == "pdf":  # in-process pairs and its own small database: bench/pdf.py
        import pdf

        passed = ["--quick"] if args.quick else []
        passed += ["--keep"] if args.keep else []
        passed += ["--pairs", str(args.pairs)] if args.pairs else []
        return pdf.main(passed)
    if args.only == "reports":  # in-process pairs on its own cached 1M-line database
        import reports

        passed = ["--quick"] if args.quick else []
        passed += ["--pairs", str(args.pairs)] if args.pairs else []
        return reports.main(passed)
    if args.only == "import":  # in-process import vs the calamine read, cached data in /tmp
        import importing

        passed = ["--quick"] if args.quick else []
        passed += ["--pairs", str(args.pairs)] if args.pairs else []
        passed += ["--customers", str(args.customers)] if args.customers else []
        return importing.main(passed)
    if args.only == "export":  # in-process export vs openpyxl alone, import's cached database
        import export

        passed = ["--quick"] if args.quick else []
        passed += ["--pairs", str(args.pairs)] if args.pairs else []
        passed += ["--customers", str(args.customers)] if args.customers else []
        return export.main(passed)
    if args.only == "packaged":  # dist/crm-desktop (make package) vs python -m vs bare window
        import startup_packaged

        passed = ["--quick"] if args.quick else []
        passed += ["--pairs", str(args.pairs)] if args.pairs else []
        passed += ["--customers", str(args.customers)] if args.customers else []
        passed += ["--keep"] if args.keep else []
        return startup_packaged.main(passed)
    if args.only == "concurrency":  # 8 processes x 300 edits on one file vs raw sqlite3 (7a)
        import concurrency

        return concurrency.main(["--rounds", str(args.pairs)] if args.pairs else [])
    customers = args.customers or (10_000 if args.quick else 100_000)
    pairs = args.pairs or (3 if args.quick else 10)
    warmups = 1 if args.quick else 2
    demo_repeats = 1 if args.quick else 3

    # PYTHONDONTWRITEBYTECODE=1 here: without this the app's modules compile on every start.
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    folder = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    rows: list[Row] = []
    try:
        print(f"bench: working in {folder}", file=sys.stderr, flush=True)
        demo_row, db = bench_demo(folder, customers, demo_repeats if args.only != "startup" else 1)
        if args.only != "startup":
            rows.append(demo_row)
        if args.only != "demo":
            rows.append(bench_startup(db, warmups, pairs, customers))
    finally:
        if args.keep:
            print(f"bench: kept {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)

    print()
    print_table(rows)
    startup = next((r for r in rows if r.name.startswith("start-up")), None)
    if startup is not None and startup.ratios:
        ratio = statistics.median(startup.ratios)
        verdict = "met" if ratio <= STARTUP_GOAL else "NOT met"
        print(f"- goal: start-up ≤ {STARTUP_GOAL}× bare window: {verdict} ({ratio:.2f}×)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
