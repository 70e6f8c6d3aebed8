"""Customer search and the customers tab at 100,000 customers and 1,000,000 follow-ups.

    python bench/search.py                       # full: 100k customers, 1M follow-ups, 200 queries
    python bench/search.py --keep /tmp/crm-search   # keep (and reuse) the built database there
    python bench/search.py --customers 10000 --followups 100000 --queries 50 --repeats 1  # smoke
    python bench/run.py --only search            # the same through the bench runner

The database is made the way a person makes one (`crm init`, `crm demo --customers N`, helpers
shared with bench/run.py); the follow-ups `crm demo` does not write are then added with a plain
`sqlite3` executemany (rows copied in shape from an existing follow-up) and `ANALYZE` runs.

Search: 200 seeded queries per kind, sampled from real rows. For each query, in one process and
alternating, the service (`list_customers` + `count_customers`, as the tab calls both; as the boss
and as a salesperson) and the floor: one plain `sqlite3` `LIKE` on the same file. Opening the
tab: whole processes (customers tab vs settings tab selected at start) and in process (building
`CustomersTab` until its first page is in the model), plus single page fetches by sort order.
See bench/README.md ("Search and the customers tab") for how to read the tables.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# bench/ is not a package: the helpers shared with bench/run.py
import run as bench_run

GOAL_MS = 50.0
KINDS = ("name 2 chars", "name 3 chars", "phone 4 digits", "initials 2-4", "pinyin pair", "owner")
BASELINE_SQL = (
    "SELECT id, name, phone FROM customers WHERE {column} LIKE ? AND archived = 0 "
    "ORDER BY sort_name LIMIT 200"
)
# The floor LIKEs the same short key the app picks for the kind of term (search_keys.search_term).
BASELINE_COLUMN = {"name": "name_key", "phone": "phone_digits", "latin": "search_key"}
# Plain-SQL twins of the list's page fetches, for the page table.
PAGE_SQL = {
    "name": "SELECT id, name, phone FROM customers WHERE archived = 0 "
    "ORDER BY sort_name, id LIMIT 200 OFFSET ?",
    "region": "SELECT c.id, c.name, c.phone FROM customers c "
    "LEFT JOIN base_data_items r ON r.id = c.region_id WHERE c.archived = 0 "
    "ORDER BY r.name IS NULL, r.name, c.id LIMIT 200 OFFSET ?",
    "next_followup_on": "SELECT id, name, phone FROM customers WHERE archived = 0 "
    "ORDER BY next_followup_on IS NULL, next_followup_on, id LIMIT 200 OFFSET ?",
}
CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


# --- the database ---------------------------------------------------------------------------------


def demo_database(folder: Path, customers: int, followups: int, seed: int) -> Path:
    """`crm init` + `crm demo`, then follow-ups up to `followups`; reused if already in `folder`."""
    schema = bench_run.schema_hash()
    target = folder / f"search-{customers}c-{followups}f-s{seed}-{schema}.db"
    if target.exists():
        log(f"reusing {target}")
        return target
    (folder / "init.db").unlink(missing_ok=True)  # left by an older build: `crm init` refuses
    template = bench_run.initialized_db(folder)
    building = folder / "search-building.db"
    shutil.copyfile(template, building)
    log(f"crm demo --customers {customers:,} (a minute or more per 100k)…")
    cmd = bench_run.crm("--db", building, "--as", "boss", "demo", "--customers", customers)
    env = bench_run.env_with(CRM_PASSWORD=bench_run.PASSWORD)
    bench_run.checked(bench_run.run(cmd, env), "crm demo")
    added = add_followups(building, followups, seed)
    log(f"added {added:,} follow-ups with sqlite3; ANALYZE")
    building.replace(target)
    return target


def add_followups(path: Path, wanted: int, seed: int) -> int:
    """Fill `followups` up to `wanted` rows: done visits of a customer by its owner (or any
    salesperson for pool customers), spread over the last 3 years, stamped like the demo's."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    try:
        have = conn.execute("SELECT count(*) FROM followups").fetchone()[0]
        missing = max(wanted - have, 0)
        if missing:
            conn.execute("PRAGMA cache_size=-262144")
            conn.execute("PRAGMA synchronous=OFF")
            _insert_followups(conn, rng, missing)
        conn.execute("ANALYZE")
        conn.commit()
    finally:
        conn.close()
    return missing


def _insert_followups(conn: sqlite3.Connection, rng: random.Random, count: int) -> None:
    conn.row_factory = sqlite3.Row
    sample = dict(conn.execute("SELECT * FROM followups LIMIT 1").fetchone())
    conn.row_factory = None
    columns = [c for c in sample if c != "id"]
    owners = conn.execute("SELECT id, owner_id FROM customers").fetchall()
    sales = [
        r[0]
        for r in conn.execute(
            "SELECT o.id FROM operators o JOIN roles r ON r.id = o.role_id "
            "WHERE r.code = 'salesperson'"
        )
    ]
    methods = ("phone", "visit", "wechat", "email", "other")
    contents = [r[0] for r in conn.execute("SELECT DISTINCT content FROM followups LIMIT 50")]
    end = datetime.now().replace(microsecond=0) - timedelta(days=1)
    span = 3 * 365 * 24 * 3600

    def rows() -> Any:
        for _i in range(count):
            customer_id, owner_id = owners[int(rng.random() * len(owners))]
            operator = owner_id or sales[int(rng.random() * len(sales))]
            at = (end - timedelta(seconds=int(rng.random() * span))).isoformat(" ", "microseconds")
            values = dict(sample)
            values.update(
                customer_id=customer_id,
                contact_id=None,
                operator_id=operator,
                opportunity_id=None,
                method=methods[int(rng.random() * 5)],
                category_id=None,
                happened_at=at,
                content=contents[int(rng.random() * len(contents))],
                result=None,
                next_followup_on=None,
                done=1,
                archived=0,
                version=1,
                created_at=at,
                updated_at=at,
                created_by_id=operator,
                updated_by_id=operator,
            )
            yield tuple(values[c] for c in columns)

    names = ", ".join(columns)
    marks = ", ".join("?" * len(columns))
    conn.executemany(f"INSERT INTO followups ({names}) VALUES ({marks})", rows())


def log(text: str) -> None:
    print(f"bench search: {text}", file=sys.stderr, flush=True)


# --- queries --------------------------------------------------------------------------------------


def sample_queries(path: Path, count: int, seed: int) -> dict[str, list[str]]:
    """`count` search texts per kind, each taken from a random real (current) customer."""
    from pypinyin import Style, lazy_pinyin

    from crm_desktop.core.search_keys import fold, normalized_name

    rng = random.Random(seed)
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT c.name, c.phone_digits, o.name FROM customers c "
            "LEFT JOIN operators o ON o.id = c.owner_id WHERE c.archived = 0 ORDER BY c.id"
        ).fetchall()

    def fragment(text: str, size: int) -> str | None:
        if len(text) < size:
            return None
        start = rng.randrange(len(text) - size + 1)
        return text[start : start + size]

    def chars(name: str, size: int) -> str | None:
        runs = [run for run in CJK_RUN.findall(normalized_name(name)) if len(run) >= size]
        return fragment(rng.choice(runs), size) if runs else None

    def syllables(name: str) -> list[str]:
        return lazy_pinyin(fold(name), style=Style.NORMAL, errors="ignore")

    def initials(name: str) -> str | None:
        letters = "".join(s[0] for s in syllables(name) if s)
        size = rng.randint(2, 4)
        return letters[:size] if len(letters) >= size else None

    def pair(name: str) -> str | None:
        spelled = syllables(name)
        if len(spelled) < 2:
            return None
        start = rng.randrange(len(spelled) - 1)
        return spelled[start] + spelled[start + 1]

    makers: dict[str, Callable[[tuple[str, str | None, str | None]], str | None]] = {
        "name 2 chars": lambda r: chars(r[0], 2),
        "name 3 chars": lambda r: chars(r[0], 3),
        "phone 4 digits": lambda r: fragment(r[1] or "", 4),
        "initials 2-4": lambda r: initials(r[0]),
        "pinyin pair": lambda r: pair(r[0]),
        "owner": lambda r: r[2],
    }
    queries: dict[str, list[str]] = {}
    for kind in KINDS:
        found: list[str] = []
        while len(found) < count:
            text = makers[kind](rng.choice(rows))
            if text:
                found.append(text)
        queries[kind] = found
    return queries


# --- search latency -------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


@dataclass
class Latency:
    """One kind of query for one operator: per repeat, the queries' times in ms."""

    kind: str
    who: str
    list_ms: list[list[float]] = field(default_factory=list)
    total_ms: list[list[float]] = field(default_factory=list)  # list + count, as the tab does
    base_ms: list[list[float]] = field(default_factory=list)
    matches: list[int] = field(default_factory=list)

    def summary(self, series: list[list[float]], share: float) -> list[float]:
        return [percentile(values, share) for values in series]


def load_actors(db: Any, salesperson: str) -> dict[str, Any]:
    from crm_desktop.core.models import Operator
    from crm_desktop.core.services import auth

    with db.read() as session:
        found = {}
        for code in ("boss", salesperson):
            operator = session.query(Operator).filter(Operator.code == code).one()
            found[f"{code} ({operator.data_scope})"] = auth.actor_for(operator)
        return found


def measure_search(
    db: Any, path: Path, actors: dict[str, Any], queries: dict[str, list[str]], repeats: int
) -> list[Latency]:
    """Every query: the service as each actor and the plain LIKE, alternating, `repeats` times."""
    from crm_desktop.core.search_keys import search_term
    from crm_desktop.core.services import customers
    from crm_desktop.core.services.customers import CustomerFilter

    plain = sqlite3.connect(path)
    results = {(k, w): Latency(k, w) for k in KINDS for w in actors}
    clock = time.perf_counter

    def app(actor: Any, wanted: CustomerFilter) -> tuple[float, float, int]:
        start = clock()
        customers.list_customers(db, actor, wanted, limit=200)
        listed = clock()
        total = customers.count_customers(db, actor, wanted)
        return (listed - start) * 1000, (clock() - start) * 1000, total

    def base(text: str) -> float:
        start = clock()
        term = search_term(text)
        sql = BASELINE_SQL.format(column=BASELINE_COLUMN[term.key])
        plain.execute(sql, (f"%{term.text}%",)).fetchall()
        return (clock() - start) * 1000

    for kind in KINDS:  # warm-up: the file into the page cache, the statement caches filled
        for text in queries[kind][:20]:
            base(text)
            for actor in actors.values():
                app(actor, CustomerFilter(search=text))
    for repeat in range(repeats):
        for kind in KINDS:
            for latency in (results[kind, w] for w in actors):
                latency.list_ms.append([])
                latency.total_ms.append([])
                latency.base_ms.append([])
            for number, text in enumerate(queries[kind]):
                wanted = CustomerFilter(search=text)
                first_base = number % 2 == 1  # alternate which side goes first
                floor = base(text) if first_base else 0.0
                for who, actor in actors.items():
                    latency = results[kind, who]
                    listed, total, count = app(actor, wanted)
                    latency.list_ms[-1].append(listed)
                    latency.total_ms[-1].append(total)
                    if repeat == 0:
                        latency.matches.append(count)
                if not first_base:
                    floor = base(text)
                for who in actors:  # one floor per query, paired with every operator's figure
                    results[kind, who].base_ms[-1].append(floor)
            log(f"search repeat {repeat + 1}/{repeats}: {kind} done")
    plain.close()
    return list(results.values())


def _cell(r: Latency) -> Callable[..., str]:
    def cell(series: list[list[float]], spread: bool = True) -> str:
        p50 = statistics.median(r.summary(series, 0.5))
        p95s = r.summary(series, 0.95)
        text = f"{p50:.1f} / **{statistics.median(p95s):.1f}**"
        if spread and len(p95s) > 1:
            text += f" ({min(p95s):.0f}–{max(p95s):.0f})"
        return text

    return cell


def search_table(results: list[Latency]) -> tuple[list[str], list[list[str]]]:
    """The list is what a person waits for (the tab counts off the GUI thread); then the count."""
    header = [
        "kind",
        "as",
        "matches (median)",
        "app list p50 / p95",
        "app list+count p50 / p95",
        "plain LIKE p50 / p95",
        "p95 ratio list ÷ LIKE",
        "p95 ratio list+count ÷ LIKE",
        "p95 ≤ 50 ms: list / list+count",
    ]
    lines = []
    for r in results:
        cell = _cell(r)
        base_p95 = r.summary(r.base_ms, 0.95)
        verdicts, ratios = [], []
        for series in (r.list_ms, r.total_ms):
            p95s = r.summary(series, 0.95)
            verdicts.append("yes" if statistics.median(p95s) <= GOAL_MS else "no")
            paired = [a / b for a, b in zip(p95s, base_p95, strict=True)]
            ratios.append(f"{statistics.median(paired):.1f}×")
        lines.append(
            [
                r.kind,
                r.who,
                f"{statistics.median(r.matches):,.0f}",
                cell(r.list_ms),
                cell(r.total_ms),
                cell(r.base_ms),
                *ratios,
                " / ".join(verdicts),
            ]
        )
    return header, lines


def query_plans(db: Any, path: Path, actors: dict[str, Any], text: str) -> list[str]:
    """EXPLAIN QUERY PLAN of the statements the service sends for one search, and the floor's."""
    from sqlalchemy import event

    from crm_desktop.core.services import customers
    from crm_desktop.core.services.customers import CustomerFilter

    sent: list[tuple[str, Any]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, params: Any, *_rest: Any) -> None:
        sent.append((statement, params))

    lines = []
    plain = sqlite3.connect(path)
    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        for who, actor in actors.items():
            for what, call in (
                ("list", customers.list_customers),
                ("count", customers.count_customers),
            ):
                sent.clear()
                call(db, actor, CustomerFilter(search=text))
                statement, params = next((s, p) for s, p in reversed(sent) if "FROM customers" in s)
                lines.append(f"{what} as {who}: " + _plan(plain, statement, params))
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    sql = BASELINE_SQL.format(column="name_key")
    lines.append("plain LIKE: " + _plan(plain, sql, ("%x%",)))
    plain.close()
    return lines


def _plan(conn: sqlite3.Connection, statement: str, params: Any) -> str:
    rows = conn.execute("EXPLAIN QUERY PLAN " + statement, tuple(params or ())).fetchall()
    return "; ".join(row[-1] for row in rows)


# --- page fetches ---------------------------------------------------------------------------------


def measure_pages(db: Any, path: Path, actor: Any, runs: int) -> tuple[list[str], list[list[str]]]:
    """One page of 200 at the top and at offset 49,800 by three sort orders, with its SQL twin."""
    from crm_desktop.core.services import customers

    plain = sqlite3.connect(path)
    header = ["page", "sort", "app median", "app min–max", "plain SQL median", "ratio"]
    lines = []
    start = time.perf_counter()
    total = customers.count_customers(db, actor)
    count_ms = (time.perf_counter() - start) * 1000
    lines.append(["count (no filter)", "-", f"{count_ms:.1f} ms", "-", "-", "-"])
    far = max(0, min(49_800, (total - 200) // 200 * 200))  # page 250 (or the last at --quick)
    for sort in PAGE_SQL:
        for offset in (0, far):
            app, base = [], []
            for _i in range(runs + 1):  # the first is a warm-up
                start = time.perf_counter()
                rows = customers.list_customers(db, actor, sort=sort, limit=200, offset=offset)
                app.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                plain.execute(PAGE_SQL[sort], (offset,)).fetchall()
                base.append((time.perf_counter() - start) * 1000)
                assert len(rows) == 200, (sort, offset, len(rows))
            app, base = app[1:], base[1:]
            page = f"{offset // 200 + 1} (offset {offset:,})"
            lines.append(
                [
                    page,
                    sort,
                    f"{statistics.median(app):.1f} ms",
                    f"{min(app):.1f}–{max(app):.1f}",
                    f"{statistics.median(base):.1f} ms",
                    f"{statistics.median(app) / statistics.median(base):.1f}×",
                ]
            )
    plain.close()
    log(f"page fetches done ({total:,} customers visible to the boss)")
    return header, lines


# --- opening the customers tab --------------------------------------------------------------------


def app_with_tab(key: str, argv: Sequence[str]) -> int:
    """The real `python -m crm_desktop`, with `key` as the tab shown first.

    The launcher always opens on "today" (the day's work first), so the remembered tab cannot
    choose it; this replaces only that choice.
    """
    from crm_desktop import app
    from crm_desktop.ui.launcher import Launcher

    show_window = Launcher.show_window

    def with_tab(self: Any, tab: str | None = None, geometry: Any = None) -> None:
        show_window(self, tab=key, geometry=geometry)

    Launcher.show_window = with_tab  # type: ignore[method-assign]
    return app.main(list(argv))


def tab_in_process(path: Path, salesperson: str, runs: int) -> dict[str, Any]:
    """Build `CustomersTab(ctx)` until its first page is in the model (read synchronously), until
    shown and painted, and until the total (counted off the GUI thread) is known; offscreen, in
    this process (a child of the bench)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["bench"])
    app.setOrganizationName("crm-desktop-bench")
    app.setApplicationName("crm-desktop-bench")
    from crm_desktop.core.db import Database
    from crm_desktop.ui.context import AppContext

    start = time.perf_counter()
    from crm_desktop.ui.customers.tab import CustomersTab

    result: dict[str, Any] = {"import_ms": (time.perf_counter() - start) * 1000}
    db = Database(f"sqlite:///{path}")
    for who, actor in load_actors(db, salesperson).items():
        ctx = AppContext(db, actor)
        times: list[list[float]] = []
        for _i in range(runs + 1):
            start = time.perf_counter()
            tab = CustomersTab(ctx)
            rows = tab.page.model.rowCount()
            built = time.perf_counter()
            tab.resize(1100, 700)
            tab.show()
            app.processEvents()
            shown = time.perf_counter()
            source = getattr(tab.page.model, "source", None)
            known = getattr(source, "total_known", lambda: True)
            while not known() and time.perf_counter() - start < 60:
                app.processEvents()
                time.sleep(0.001)
            counted = time.perf_counter()
            assert rows > 0, "the first page is empty"
            times.append([(t - start) * 1000 for t in (built, shown, counted)])
            tab.close()
            tab.deleteLater()
            app.processEvents()
        result[who] = {"first": times[0], "then": times[1:]}
    db.dispose()
    return result


def measure_tab_in_process(path: Path, salesperson: str, runs: int, env: dict[str, str]) -> Any:
    cmd = [bench_run.PY, __file__, "--tab-child", str(path), salesperson, str(runs)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=bench_run.ROOT)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        return f"not measured: exit {done.returncode}: {last[:160]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def tab_table(measured: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = ["CustomersTab(ctx), in process", "as", "median", "min–max", "first in process"]
    lines = []
    labels = (
        "until the first page is in the model",
        "until shown and painted",
        "until the total is counted",
    )
    for who, figures in measured.items():
        if who == "import_ms":
            continue
        for index, label in enumerate(labels):
            values = [run[index] for run in figures["then"]]
            lines.append(
                [
                    label,
                    who,
                    f"{statistics.median(values):.0f} ms",
                    f"{min(values):.0f}–{max(values):.0f}",
                    f"{figures['first'][index]:.0f} ms",
                ]
            )
    return header, lines


def measure_startup(path: Path, warmups: int, pairs: int, env: dict[str, str]) -> list[Any]:
    """Whole processes: customers (and today) tab shown first vs settings, in turn (A B C …)."""

    def command(key: str) -> list[str]:
        return [
            bench_run.PY,
            __file__,
            "--app-tab",
            key,
            "--db",
            str(path),
            "--user",
            "boss",
            "--quit-after-show",
        ]

    tabs = ["customers", "today", "settings"]
    failed: dict[str, str] = {}
    for _i in range(warmups):  # a tab that cannot open (an error dialog waits) is left out
        for key in list(tabs):
            probe = bench_run.run(command(key), env, timeout=120)
            if probe.returncode != 0:
                last = (probe.stderr.strip().splitlines() or ["(no message)"])[-1]
                failed[key] = f"the {key} tab did not open: exit {probe.returncode}: {last[:100]}"
                tabs.remove(key)
    runs: dict[str, list[Any]] = {key: [] for key in ("customers", "today", "settings")}
    for index in range(pairs):
        for key in tabs:
            runs[key].append(bench_run.run(command(key), env, timeout=120))
        log(f"start-up round {index + 1}/{pairs}")
    rows = []
    for key, label in (("customers", "customers tab"), ("today", "today tab (as launched)")):
        row = bench_run.Row(f"start-up to {label} vs settings tab", runs[key], runs["settings"])
        row.note = "; ".join(failed.get(k, "") for k in (key, "settings") if k in failed)
        rows.append(row)
    return rows


# --- output and main ------------------------------------------------------------------------------


def markdown(header: Sequence[str], lines: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
    out = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"]
    out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in lines:
        out.append(
            "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        )
    return "\n".join(out)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k customers, 100k follow-ups")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--followups", type=int)
    parser.add_argument("--queries", type=int, help="per kind (default 200)")
    parser.add_argument("--repeats", type=int, help="runs over all queries (default 2)")
    parser.add_argument("--pairs", type=int, help="start-up rounds (default 5)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--salesperson", default="sales01", help="the own-scope operator")
    parser.add_argument("--folder", type=Path, help="build or reuse the database here (kept)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--skip-startup", action="store_true", help="no whole-process runs")
    args = parser.parse_args(argv)
    args.customers = args.customers or (10_000 if args.quick else 100_000)
    args.followups = args.followups or args.customers * 10
    args.queries = args.queries or (50 if args.quick else 200)
    args.repeats = args.repeats or (1 if args.quick else 2)
    args.pairs = args.pairs or (2 if args.quick else 5)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--app-tab"]:
        return app_with_tab(argv[1], argv[2:])
    if argv[:1] == ["--tab-child"]:
        print(json.dumps(tab_in_process(Path(argv[1]), argv[2], int(argv[3]))))
        return 0
    args = parse_args(argv)
    # PYTHONDONTWRITEBYTECODE=1 here: without this the app's modules compile on every start.
    subprocess.run(
        [bench_run.PY, "-m", "compileall", "-q", str(bench_run.ROOT / "src")], check=True
    )
    folder = args.folder or Path(tempfile.mkdtemp(prefix="crm-bench-search-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        report(args, folder)
    finally:
        if args.folder is None and not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            log(f"kept {folder}")
    return 0


def report(args: argparse.Namespace, folder: Path) -> None:
    """Each table is printed as soon as it is measured (a later failure loses nothing)."""
    from crm_desktop.core.db import Database

    path = demo_database(folder, args.customers, args.followups, args.seed)
    queries = sample_queries(path, args.queries, args.seed)
    with sqlite3.connect(path) as conn:
        counts = [
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("customers", "followups")
        ]
        version = conn.execute("SELECT sqlite_version()").fetchone()[0]
    db = Database(f"sqlite:///{path}")
    actors = load_actors(db, args.salesperson)
    plans = query_plans(db, path, actors, queries["name 2 chars"][0])
    searched = measure_search(db, path, actors, queries, args.repeats)
    say(
        f"{counts[0]:,} customers, {counts[1]:,} follow-ups, SQLite {version}; "
        f"{args.queries} queries per kind, {args.repeats} repeat(s): median of the p50s and "
        "p95s in ms (range of the p95s)\n",
        markdown(*search_table(searched)),
        "\nQuery plans (a 2-character name search):",
        *(f"- {line}" for line in plans),
    )
    say(markdown(*measure_pages(db, path, next(iter(actors.values())), runs=5)))
    db.dispose()
    config = Path(tempfile.mkdtemp(prefix="crm-bench-config-", dir=folder))
    env = bench_run.env_with(CRM_PASSWORD=bench_run.PASSWORD, XDG_CONFIG_HOME=str(config))
    in_process = measure_tab_in_process(path, args.salesperson, 5, env)
    if isinstance(in_process, str):
        say(f"CustomersTab in process: {in_process}")
    else:
        say(
            markdown(*tab_table(in_process)),
            f"(importing crm_desktop.ui.customers.tab: {in_process['import_ms']:.0f} ms)",
        )
    if not args.skip_startup:
        rows = measure_startup(path, 1, args.pairs, env)
        print()
        bench_run.print_table(rows)


def say(*lines: str) -> None:
    print()
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
