"""Start-up of the packaged app (`make package`) next to `python -m crm_desktop` and a bare window.

    python bench/startup_packaged.py [--quick] [--pairs N] [--customers N] [--dist FOLDER]
    python bench/run.py --only packaged [--quick]

Three programs, each a whole process from spawn to exit, started in turn in every round (the order
rotates from round to round, so none always runs after the same one):

- **packaged**: `dist/crm-desktop/crm-desktop --db X --user boss --quit-after-show` (PyInstaller's
  one-folder app: its own Python, modules from the bundled archive);
- **source**: `python -m crm_desktop` with the same arguments (the venv, byte-compiled first);
- **bare window**: bench/bare_window.py (PERF-FLOORS 1c), the floor both are compared with.

The database is made once with `crm init` + `crm demo --customers N` (10,000 by default) in a
temporary folder. The table gives each program's median and the per-round ratios: packaged ÷ bare,
source ÷ bare and packaged ÷ source. Build the app first; the bench never builds it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from run import (
    BENCH,
    PASSWORD,
    PY,
    ROOT,
    Row,
    Run,
    checked,
    crm,
    env_with,
    initialized_db,
    print_table,
    run,
)

DEFAULT_DIST = ROOT / "dist" / "crm-desktop"


def packaged_program(dist: Path) -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    folder = dist / "Contents" / "MacOS" if dist.suffix == ".app" else dist
    program = folder / f"crm-desktop{suffix}"
    if not program.is_file():
        raise SystemExit(f"bench: {program} does not exist: build it first with `make package`")
    return program


def demo_db(folder: Path, customers: int) -> Path:
    db = initialized_db(folder)
    cmd = crm("--db", db, "--as", "boss", "demo", "--customers", customers)
    checked(run(cmd, env_with(CRM_PASSWORD=PASSWORD)), "crm demo")
    return db


def measure(commands: dict[str, list[str]], warmups: int, rounds: int) -> dict[str, list[Run]]:
    """Every command once per round, in an order that rotates; warm-up rounds are not kept."""
    env = env_with(CRM_PASSWORD=PASSWORD)
    names = list(commands)
    runs: dict[str, list[Run]] = {name: [] for name in names}
    for number in range(warmups + rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            result = checked(run(commands[name], env, timeout=300), name)
            if number >= warmups:
                runs[name].append(result)
        if number >= warmups:
            print(f"  round {number - warmups + 1}/{rounds}", file=sys.stderr, flush=True)
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 customers, 1 + 3 rounds")
    parser.add_argument("--pairs", type=int, help="measured rounds (default 10; quick 3)")
    parser.add_argument("--customers", type=int, help="demo customers (default 10,000)")
    parser.add_argument("--dist", type=Path, default=DEFAULT_DIST, help="the built app's folder")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    customers = args.customers or (1_000 if args.quick else 10_000)
    rounds = args.pairs or (3 if args.quick else 10)
    warmups = 1 if args.quick else 2
    program = packaged_program(args.dist)

    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    folder = Path(tempfile.mkdtemp(prefix="crm-bench-packaged-"))
    try:
        print(f"bench: working in {folder}", file=sys.stderr, flush=True)
        db = str(demo_db(folder, customers))
        login = ["--db", db, "--user", "boss", "--quit-after-show"]
        runs = measure(
            {
                "packaged": [str(program), *login],
                "source": [PY, "-m", "crm_desktop", *login],
                "bare window": [PY, str(BENCH / "bare_window.py")],
            },
            warmups,
            rounds,
        )
    finally:
        if args.keep:
            print(f"bench: kept {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)

    # Not following symlinks: PyInstaller links the Qt libraries into _internal/ as well.
    size = sum(f.lstat().st_size for f in program.parent.rglob("*") if not f.is_symlink())
    print()
    print_table(
        [
            Row("packaged app vs bare window", runs["packaged"], runs["bare window"]),
            Row("python -m crm_desktop vs bare window", runs["source"], runs["bare window"]),
            Row("packaged app vs python -m crm_desktop", runs["packaged"], runs["source"]),
        ]
    )
    print(
        f"- {customers:,} customers, logged in, first window shown then quit; {rounds} rounds "
        f"after {warmups} warm-up(s); the packaged folder is {size / 2**20:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
