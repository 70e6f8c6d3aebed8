"""Smoke test of the built app: only the programs in dist/ are run, never the source tree.

    python packaging/smoke_test.py [FOLDER]     # default: dist/crm-desktop (make package runs it)

FOLDER is the one-folder app (the macOS .app works too). In a fresh temporary folder, with a
private settings and cache folder, it:

1. creates a database with the built `crm` (`init`, in Chinese) and fills it (`demo`: pypinyin,
   the services, every table);
2. starts the built `crm-desktop` offscreen, logged in, with `--smoke`: every tab is built and a
   chart drawn with Chinese labels (matplotlib's Qt canvas, the shipped CJK font), then the first
   painted window ends the run with exit code 0;
3. runs `crm check` (integrity ok, the schema is this version's);
4. prints an order to PDF with `crm render` and reads it back with pdftotext (or pypdfium2 when
   poppler is not installed, e.g. on Windows): the company's and the customer's Chinese names must
   be in the text, so the font was embedded;
5. exports the customers to Excel (openpyxl) and reads that file back with `crm import --dry-run`
   (python-calamine): every row unchanged, no errors.

Any failure prints the step's command, exit code and output, and ends with exit code 1. Runs with
any Python 3.11+ (it imports nothing of the app).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Smoke-pass-2026"
COMPANY = "冒烟测试贸易有限公司"
CUSTOMERS = 20
TIMEOUT = 300  # seconds per step: a cold first start on a slow CI runner takes a while


class SmokeFailure(Exception):
    pass


def programs(folder: Path) -> tuple[Path, Path]:
    """The built `crm` and `crm-desktop` in `folder` (or in a macOS .app's Contents/MacOS), as
    absolute paths (the steps run in the temporary folder)."""
    folder = folder.resolve()
    if folder.suffix == ".app":
        folder = folder / "Contents" / "MacOS"
    suffix = ".exe" if sys.platform == "win32" else ""
    crm, gui = folder / f"crm{suffix}", folder / f"crm-desktop{suffix}"
    for program in (crm, gui):
        if not program.is_file():
            raise SmokeFailure(f"{program} does not exist: build it with `make package`")
    return crm, gui


def private_env(home: Path) -> dict[str, str]:
    """The environment of every step: offscreen Qt, the password, and settings, data and cache
    folders of its own on Linux (QSettings, platformdirs, matplotlib), so the smoke test neither
    reads nor changes the person's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "PYTHON"))}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        CRM_PASSWORD=PASSWORD,
        CRM_DEMO_PASSWORD=PASSWORD,
    )
    if sys.platform.startswith("linux"):
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            env[name] = str(home / name.lower())
    return env


class Steps:
    """Runs the steps, times them and keeps their output for the report."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.times: list[tuple[str, float]] = []

    def run(self, name: str, cmd: Sequence[str | Path]) -> str:
        """Run `cmd`; its stdout, or SmokeFailure with everything it said."""
        args = [str(part) for part in cmd]
        started = time.perf_counter()
        try:
            done = subprocess.run(
                args,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=TIMEOUT,
            )
        except subprocess.TimeoutExpired as exc:
            raise SmokeFailure(f"{name}: no end after {TIMEOUT} s: {' '.join(args)}") from exc
        seconds = time.perf_counter() - started
        out = done.stdout.decode("utf-8", errors="replace")
        err = done.stderr.decode("utf-8", errors="replace")
        if done.returncode != 0:
            raise SmokeFailure(
                f"{name}: exit code {done.returncode}\n$ {' '.join(args)}\n{out}\n{err}".rstrip()
            )
        self.times.append((name, seconds))
        print(f"smoke: {name}: ok ({seconds:.1f} s)", flush=True)
        return out

    def check(self, name: str, condition: bool, detail: str) -> None:
        if not condition:
            raise SmokeFailure(f"{name}: {detail}")


def pdf_text(pdf: Path) -> str:
    """The PDF's text: pdftotext when installed (poppler), else pypdfium2 if importable."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        done = subprocess.run([pdftotext, "-enc", "UTF-8", str(pdf), "-"], capture_output=True)
        if done.returncode != 0:
            raise SmokeFailure(f"pdftotext failed on {pdf}: {done.stderr.decode(errors='replace')}")
        return done.stdout.decode("utf-8", errors="replace")
    try:
        import pypdfium2
    except ImportError as exc:
        raise SmokeFailure("cannot read the PDF back: install poppler (pdftotext)") from exc
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def smoke(folder: Path, work: Path) -> Steps:
    crm, gui = programs(folder)
    steps = Steps(private_env(work), work)
    db = work / "smoke.db"
    steps.run(
        "crm init",
        [crm, "--lang", "zh_CN", "--db", db, "init", "--company", COMPANY, "--admin", "boss"],
    )
    steps.run("crm demo", [crm, "--db", db, "--as", "boss", "demo", "--customers", CUSTOMERS])

    steps.run(
        "crm-desktop --smoke", [gui, "--lang", "zh_CN", "--db", db, "--user", "boss", "--smoke"]
    )

    report = steps.run("crm check", [crm, "--lang", "en", "--db", db, "check"])
    steps.check("crm check", "Integrity: ok" in report, f"integrity not ok:\n{report}")
    steps.check("crm check", "Result: ok" in report, f"the check did not pass:\n{report}")

    listed = steps.run(
        "crm orders list",
        [crm, "--db", db, "--as", "boss", "orders", "list", "--format", "json", "--limit", "1"],
    )
    orders = json.loads(listed)
    steps.check("crm orders list", bool(orders), "the demo made no orders")
    order, pdf = orders[0], work / "order.pdf"
    steps.run(
        "crm render", [crm, "--db", db, "render", "order", order["number"], pdf, "--as", "boss"]
    )
    text = pdf_text(pdf)
    for expected in (COMPANY, order["customer"], order["number"]):
        steps.check("PDF text", expected in text, f"{expected!r} is not in the printed order")

    sheet = work / "customers.xlsx"
    steps.run("crm export", [crm, "--db", db, "--as", "boss", "export", "customers", sheet])
    read_back = ["import", "customers", sheet, "--dry-run", "--mode", "upsert", "--key", "name"]
    imported = steps.run(
        "crm import --dry-run", [crm, "--lang", "en", "--db", db, "--as", "boss", *read_back]
    )
    steps.check(
        "crm import --dry-run",
        f"Unchanged: {CUSTOMERS}" in imported and "Errors: 0" in imported,
        f"the exported customers did not read back unchanged:\n{imported}",
    )
    return steps


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "dist" / "crm-desktop"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="crm-smoke-"))
    started = time.perf_counter()
    try:
        smoke(Path(args.folder), work)
    except SmokeFailure as exc:
        print(f"smoke: FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"smoke: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"smoke: passed in {time.perf_counter() - started:.1f} s ({args.folder})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
