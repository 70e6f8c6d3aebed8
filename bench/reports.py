"""Statistics at 1,000,000 order lines: the analyses next to hand-written SQL on the same file.

    python bench/reports.py                 # 1,000,000 order lines, 7 pairs per row
    python bench/reports.py --quick         # 100,000 order lines, 3 pairs per row
    python bench/run.py --only reports      # the same through the bench runner

The database is made by the real migrations (`crm init`, then `crm demo --customers 2500` for
teams, managers, salespeople and a sample row of every table), then filled with plain `sqlite3`
executemany to ~40 salespeople in 4 teams, 12 regions, 300 products, ~100k customers (~8 % in
the pool) and ~250k orders over the last 3 years (drafts, cancelled and a few archived ones
included) holding exactly N order lines; then `ANALYZE`. It is cached in /tmp/crm-reports/ under
a name that carries the size, the seed and a hash of db/versions/, so reruns start at once.

Each row times, in one process and in turn (A B C, A B C …, which side goes first rotates):
- app: `core.reports.tables.run(db, actor, NAME, params)`, the whole analysis (operator reload,
  scope, the query, labels, Decimal rows, drill filters);
- floor: the same aggregate as one hand-written `sqlite3` query on the same file (GROUP BY over
  order_lines join sales_orders, join customers where the region is needed, same status and date
  filters, and for a manager or a salesperson the same data scope written by hand);
- app SQL: the statement the app sent, captured and re-run through plain `sqlite3` (tells the
  query's shape apart from the Python around it).
The ratio app ÷ floor is taken per pair (goal ≤ 1.3×). The app's and the floor's grand totals
must agree to the cent, or the row says so. Rows "…, by day" are floors alone: the same months
from per-day sums (what grouping on the date column instead of strftime would cost).
See bench/README.md ("Statistics").
"""

from __future__ import annotations

import argparse
import bisect
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# bench/ is not a package: the helpers shared with bench/run.py
import run as bench_run

GOAL = 1.3
CACHE = Path("/tmp/crm-reports")
GENERATOR = "2"  # bump when the generated data changes: the cached file is then rebuilt
SALES = ("confirmed", "delivered", "closed")  # core.reports.tables.SALES_STATUSES
SALESPEOPLE = 40
REGIONS = 12
PRODUCTS = 300
NEW_REGIONS = ("东北区", "西北区", "西南区", "华中南区", "京津冀", "长三角", "港澳台")
# Bigger regions first: a firm sells most where it sits.
REGION_WEIGHTS = (20, 15, 12, 10, 8, 8, 6, 6, 5, 4, 3, 3)
LINES_PER_ORDER = (1, 2, 3, 4, 5, 6, 7)
LINE_WEIGHTS = (10, 14, 17, 18, 16, 14, 11)  # mean ≈ 4 lines: 1M lines ≈ 250k orders
STATUSES = ("draft", "confirmed", "delivered", "closed", "cancelled")
STATUS_WEIGHTS = (5, 30, 35, 25, 5)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉"
CITIES = ("天津", "北京", "上海", "广州", "深圳", "成都", "武汉", "西安", "杭州", "南京", "沈阳")
BRANDS = ("绿海城", "华盛", "鑫达", "宏远", "金泰", "恒通", "瑞丰", "永昌", "长城", "东方", "中联")
TRADES = ("五金制品", "机械设备", "电子科技", "化工", "纺织", "建材", "食品", "物流", "医疗器械")
GOODS = ("螺栓", "轴承", "阀门", "电缆", "水泵", "电机", "钢管", "法兰", "滤芯", "胶管", "开关")
GRADES = ("标准型", "加强型", "不锈钢", "国标", "进口", "经济型")


def log(text: str) -> None:
    print(f"bench reports: {text}", file=sys.stderr, flush=True)


# --- the database ---------------------------------------------------------------------------------


def reports_database(lines: int, seed: int) -> Path:
    """The cached database with `lines` order lines, built once (about a minute for 1M)."""

    def build(work: Path) -> Path:
        started = time.perf_counter()
        template = bench_run.initialized_db(work)
        cmd = bench_run.crm("--db", template, "--as", "boss", "demo", "--customers", 2500)
        env = bench_run.env_with(CRM_PASSWORD=bench_run.PASSWORD)
        bench_run.checked(bench_run.run(cmd, env), "crm demo")
        log(f"crm init + demo in {time.perf_counter() - started:.1f} s; adding rows with sqlite3")
        Filler(template, random.Random(seed)).fill(lines)
        return template

    target = CACHE / f"reports-{lines}l-s{seed}-g{GENERATOR}-{bench_run.schema_hash()}.db"
    return bench_run.cached_database(target, build, log)


class Weighted:
    """A weighted pick with one `random()` and a bisect (the standard `choices` is slower)."""

    def __init__(self, values: Sequence[Any], weights: Sequence[float]) -> None:
        self.values = list(values)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> Any:
        index = bisect.bisect_right(self.cumulative, rng.random() * self.total)
        return self.values[min(index, len(self.values) - 1)]


class Filler:
    """Adds regions, products, salespeople, customers, orders and lines to a demo database,
    every row copied in shape from one the app wrote (so every NOT NULL column is filled)."""

    def __init__(self, path: Path, rng: random.Random) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.rng = rng
        self.now = datetime.now().replace(microsecond=0)
        self.stamp = self.now.isoformat(" ", "microseconds")

    def fill(self, lines: int) -> None:
        conn = self.conn
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")
        conn.execute("BEGIN")
        with self.indexes_rebuilt(("customers", "sales_orders", "order_lines")):
            regions = self.regions()
            products = self.products()
            sales = self.salespeople()
            customers = self.customers(lines // 10, regions, sales)
            orders, added = self.orders(lines, customers, sales, products)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.close()
        log(f"added {orders:,} orders with {added:,} lines")

    @contextmanager
    def indexes_rebuilt(self, tables: Sequence[str]) -> Iterator[None]:
        """Bulk insert without the secondary indexes, then the very same CREATE INDEX again."""
        marks = ", ".join("?" * len(tables))
        found = self.conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})",
            tuple(tables),
        ).fetchall()
        for name, _sql in found:
            self.conn.execute(f'DROP INDEX "{name}"')
        yield
        for _name, sql in found:
            self.conn.execute(sql)

    def sample(self, table: str, where: str = "1") -> dict[str, Any]:
        cursor = self.conn.execute(f"SELECT * FROM {table} WHERE {where} LIMIT 1")
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))

    def insert(self, table: str, sample: dict[str, Any], rows: Iterator[dict[str, Any]]) -> int:
        columns = [c for c in sample if c != "id"] + ["id"]
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        count = 0

        def values() -> Iterator[tuple[Any, ...]]:
            nonlocal count
            for row in rows:
                count += 1
                merged = {**sample, **row}
                yield tuple(merged[c] for c in columns)

        self.conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values())
        return count

    def next_id(self, table: str) -> int:
        return self.conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]

    def regions(self) -> list[int]:
        have = [
            r[0] for r in self.conn.execute("SELECT id FROM base_data_items WHERE kind = 'region'")
        ]
        sample = self.sample("base_data_items", "kind = 'region'")
        first = self.next_id("base_data_items")
        missing = NEW_REGIONS[: max(REGIONS - len(have), 0)]
        self.insert(
            "base_data_items",
            sample,
            (
                {"id": first + n, "code": f"B{n + 6:02d}", "name": name, "sort_order": n + 6}
                for n, name in enumerate(missing)
            ),
        )
        return have + [first + n for n in range(len(missing))]

    def products(self) -> list[tuple[int, str, str, int]]:
        have = self.conn.execute("SELECT count(*) FROM products").fetchone()[0]
        sample = self.sample("products")
        first = self.next_id("products")
        rng = self.rng

        def rows() -> Iterator[dict[str, Any]]:
            for n in range(max(PRODUCTS - have, 0)):
                name = f"{GRADES[n % len(GRADES)]}{GOODS[n // len(GRADES) % len(GOODS)]}"
                yield {
                    "id": first + n,
                    "code": f"B-{2001 + n}",
                    "name": f"{name} {n // (len(GRADES) * len(GOODS)) + 1}号",
                    "spec": None,
                    "unit_price": rng.randrange(1_000, 500_000),  # 10.00 … 5,000.00 in cents
                }

        self.insert("products", sample, rows())
        return self.conn.execute("SELECT id, code, name, unit_price FROM products").fetchall()

    def salespeople(self) -> list[int]:
        """sales05 … sales40 in the demo's teams, round-robin, like the demo's own."""
        sample = self.sample("operators", "code = 'sales01'")
        teams = [r[0] for r in self.conn.execute("SELECT id FROM teams ORDER BY id")]
        have = {r[0] for r in self.conn.execute("SELECT code FROM operators")}
        first = self.next_id("operators")
        rng = self.rng
        wanted = [f"sales{n:02d}" for n in range(1, SALESPEOPLE + 1)]
        new = [code for code in wanted if code not in have]
        self.insert(
            "operators",
            sample,
            (
                {
                    "id": first + n,
                    "code": code,
                    "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    "email": f"{code}@example.com",
                    "team_id": teams[(int(code[5:]) - 1) % len(teams)],
                }
                for n, code in enumerate(new)
            ),
        )
        marks = ", ".join("?" * len(wanted))
        return [
            r[0]
            for r in self.conn.execute(f"SELECT id FROM operators WHERE code IN ({marks})", wanted)
        ]

    def customers(
        self, wanted: int, regions: list[int], sales: list[int]
    ) -> list[tuple[int, int | None]]:
        """Customers up to `wanted`: owners uneven (some salespeople hold three times as many),
        ~8 % in the pool; regions uneven (REGION_WEIGHTS)."""
        have = self.conn.execute("SELECT count(*) FROM customers").fetchone()[0]
        sample = self.sample("customers", "owner_id IS NOT NULL")
        first = self.next_id("customers")
        rng = self.rng
        owner = Weighted([*sales, None], [1 + (n % 3) for n in range(len(sales))] + [7])
        region = Weighted(regions, REGION_WEIGHTS[: len(regions)])
        kinds = {
            kind: [
                r[0]
                for r in self.conn.execute("SELECT id FROM base_data_items WHERE kind = ?", (kind,))
            ]
            for kind in ("customer_type", "customer_source", "industry", "customer_level")
        }

        def rows() -> Iterator[dict[str, Any]]:
            for n in range(max(wanted - have, 0)):
                name = (
                    f"{rng.choice(CITIES)}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司{n:06d}"
                )
                who = owner.pick(rng)
                yield {
                    "id": first + n,
                    "code": f"BK{first + n:07d}",
                    "name": name,
                    "short_name": None,
                    "owner_id": who,
                    "pool_status": "private" if who else "pool",
                    "region_id": region.pick(rng),
                    "type_id": rng.choice(kinds["customer_type"]),
                    "source_id": rng.choice(kinds["customer_source"]),
                    "industry_id": rng.choice(kinds["industry"]),
                    "level_id": rng.choice(kinds["customer_level"]),
                    "search_key": f"bk{first + n}",
                    "normalized_name": name,
                    "sort_name": name,
                    "name_key": name,
                    "phone": None,
                    "phone_digits": None,
                    "email": None,
                }

        self.insert("customers", sample, rows())
        return self.conn.execute("SELECT id, owner_id FROM customers").fetchall()

    def orders(
        self,
        lines: int,
        customers: list[tuple[int, int | None]],
        sales: list[int],
        products: list[tuple[int, str, str, int]],
    ) -> tuple[int, int]:
        """Orders until the table holds exactly `lines` order lines.

        A few customers order much more than most (index drawn as n·u²); the order's
        salesperson is the customer's owner 92 % of the time (else a colleague, e.g. before a
        handover; a pool customer's order goes to anyone); products are Zipf-popular.
        """
        have = self.conn.execute("SELECT count(*) FROM order_lines").fetchone()[0]
        missing = max(lines - have, 0)
        order_sample = self.sample("sales_orders")
        line_sample = self.sample("order_lines")
        first_order, first_line = self.next_id("sales_orders"), self.next_id("order_lines")
        rng = self.rng
        product = Weighted(products, [1 / (rank + 1) ** 0.8 for rank in range(len(products))])
        per_order = Weighted(LINES_PER_ORDER, LINE_WEIGHTS)
        status = Weighted(STATUSES, STATUS_WEIGHTS)
        span = 3 * 365
        start = self.now.date() - timedelta(days=span + 1)
        mean = sum(n * w for n, w in zip(LINES_PER_ORDER, LINE_WEIGHTS, strict=True))
        step = span / max(missing / (mean / sum(LINE_WEIGHTS)), 1)  # days per order
        orders_made = 0
        buffered: list[dict[str, Any]] = []
        made = 0

        def order_rows() -> Iterator[dict[str, Any]]:
            nonlocal made, orders_made
            order_id, line_id = first_order, first_line
            while made < missing:
                customer_id, owner_id = customers[int(len(customers) * rng.random() ** 2)]
                seller = owner_id if owner_id and rng.random() < 0.92 else rng.choice(sales)
                # Entered day by day, as in real life: ids (and the rows on disk) follow the
                # date, a few days' jitter for late entries.
                late = int(rng.random() * 4)
                day = start + timedelta(days=min(span, int(orders_made * step) + late))
                orders_made += 1
                total = 0
                for line_no in range(1, min(per_order.pick(rng), missing - made) + 1):
                    pid, code, name, price = product.pick(rng)
                    quantity = rng.randint(1, 50)
                    amount = price * quantity
                    total += amount
                    buffered.append(
                        {
                            "id": line_id,
                            "order_id": order_id,
                            "line_no": line_no,
                            "product_id": pid,
                            "product_code": code,
                            "product_name": name,
                            "unit_price": price,
                            "quantity": quantity * 1000,  # Quantity: three decimals
                            "discount_bp": 0,
                            "amount": amount,
                        }
                    )
                    line_id += 1
                    made += 1
                state = status.pick(rng)
                at = f"{day.isoformat()} 10:00:00.000000"
                yield {
                    "id": order_id,
                    "number": f"BSO{order_id:08d}",
                    "customer_id": customer_id,
                    "contact_id": None,
                    "contact_phone": None,
                    "salesperson_id": seller,
                    "quote_id": None,
                    "opportunity_id": None,
                    "order_date": day.isoformat(),
                    "status": state,
                    "tax_rate_bp": 0,
                    "subtotal": total,
                    "tax": 0,
                    "total": total,
                    "archived": 1 if state == "closed" and rng.random() < 0.1 else 0,
                    "created_at": at,
                    "updated_at": at,
                    "created_by_id": seller,
                    "updated_by_id": seller,
                }
                order_id += 1
                if len(buffered) >= 50_000:
                    self.insert("order_lines", line_sample, iter(buffered))
                    buffered.clear()

        orders = self.insert("sales_orders", order_sample, order_rows())
        self.insert("order_lines", line_sample, iter(buffered))
        return orders, made


# --- what is measured -----------------------------------------------------------------------------

STATUS_IN = "so.status IN ('confirmed', 'delivered', 'closed')"
# Both ends written out as the app writes them: with BETWEEN, SQLite 3.40 did not put the date
# range into the salesperson index of a MULTI-INDEX OR (a salesperson's 3 years were read).
WHERE = f"WHERE {STATUS_IN} AND so.order_date >= ? AND so.order_date <= ? {{scope}}"
# The customers join only where a figure needs it (region, scope): the tightest floor.
FROM = "FROM order_lines ol JOIN sales_orders so ON so.id = ol.order_id{customers}"
CUSTOMERS = " JOIN customers c ON c.id = so.customer_id"
# A person's scope written by hand: the order's salesperson or the customer's owner is theirs
# (access.record_scope). {people} is "= ?" (own) or "IN (SELECT id FROM operators WHERE …)".
# Written on sales_orders' own columns (customer_id IN …), not on the joined customer's owner:
# SQLite then reads a salesperson's orders through two indexes (MULTI-INDEX OR) instead of every
# order of the year; `c.owner_id` in the join was 1.3-2.6× slower at 100k lines.
SCOPE = (
    "(so.salesperson_id {people} OR so.customer_id IN "
    "(SELECT id FROM customers WHERE owner_id {people}))"
)
TEAM_PEOPLE = "IN (SELECT id FROM operators WHERE team_id = ?)"


@dataclass
class Floor:
    """A hand-written aggregate: SQL with `{scope}` and where the amount sum is in a row."""

    sql: str
    amount: int  # index of SUM(amount) (integer cents) in a row


FLOORS = {
    "salesperson-sales": Floor(
        f"SELECT c.region_id, so.salesperson_id, SUM(ol.amount) {FROM} {WHERE} "
        "GROUP BY c.region_id, so.salesperson_id",
        2,
    ),
    # The month and the same month one year earlier (the table's comparison column).
    "sales-by-period": Floor(
        f"SELECT strftime('%Y-%m', so.order_date) AS ym, SUM(ol.amount) {FROM} {WHERE} GROUP BY ym",
        1,
    ),
    "region-product-sales": Floor(
        f"SELECT c.region_id, ol.product_id, SUM(ol.amount) {FROM} {WHERE} "
        "GROUP BY c.region_id, ol.product_id",
        2,
    ),
    # The same months from per-day sums (≤ 366 a year), folded into months in Python: strftime
    # on every line is most of the cost above (floor only, to show what the app could gain).
    "sales-by-period, by day": Floor(
        f"SELECT so.order_date, SUM(ol.amount) {FROM} {WHERE} GROUP BY so.order_date",
        1,
    ),
    # Salesperson × month, the first benchmark aggregate.
    "salesperson-by-period": Floor(
        f"SELECT so.salesperson_id, strftime('%Y-%m', so.order_date) AS ym, SUM(ol.amount) "
        f"{FROM} {WHERE} GROUP BY so.salesperson_id, ym",
        2,
    ),
    "salesperson-by-period, by day": Floor(
        f"SELECT so.salesperson_id, so.order_date, SUM(ol.amount) {FROM} {WHERE} "
        "GROUP BY so.salesperson_id, so.order_date",
        2,
    ),
}


@dataclass
class Who:
    label: str
    actor: Any
    scope_sql: str  # "" for all
    scope_args: tuple[Any, ...]


@dataclass
class Case:
    name: str  # analysis name (or a floor-only key)
    who: Who
    date_from: date
    date_to: date
    params: dict[str, Any] = field(default_factory=dict)
    span: str = "1 year"

    def floor(self) -> tuple[str, tuple[Any, ...]]:
        floor = FLOORS[self.name]
        first = self.date_from
        if self.name.startswith("sales-by-period"):  # the table shows last year's figure too
            first = first.replace(year=first.year - 1)
        scope = f"AND {self.who.scope_sql}" if self.who.scope_sql else ""
        args = (first.isoformat(), self.date_to.isoformat(), *self.who.scope_args)
        joined = CUSTOMERS if "c.region_id" in floor.sql else ""
        return floor.sql.format(scope=scope, customers=joined), args


def load_people(db: Any) -> list[Who]:
    """The boss (all), mgr01 (team scope, manager of team 1) and sales01 (own scope)."""
    from crm_desktop.core.models import Operator
    from crm_desktop.core.services import auth

    with db.read() as session:
        found = {}
        for code in ("boss", "mgr01", "sales01"):
            operator = session.query(Operator).filter(Operator.code == code).one()
            found[code] = (auth.actor_for(operator), operator.id, operator.team_id)
    boss, manager, seller = found["boss"], found["mgr01"], found["sales01"]
    own = SCOPE.format(people="= ?")
    team = SCOPE.format(people=TEAM_PEOPLE)
    return [
        Who("boss (all)", boss[0], "", ()),
        Who("mgr01 (team)", manager[0], team, (manager[2], manager[2])),
        Who("sales01 (own)", seller[0], own, (seller[1], seller[1])),
    ]


def cases(db: Any, path: Path, names: Sequence[str]) -> list[Case]:
    """One calendar year (the last full one in the data) for everyone; 3 years for the boss."""
    with sqlite3.connect(path) as conn:
        first, last = conn.execute(
            "SELECT min(order_date), max(order_date) FROM sales_orders"
        ).fetchone()
        first, last = date.fromisoformat(first), date.fromisoformat(last)
    year = last.year - 1
    people = load_people(db)
    found = []
    for name in names:
        for who in people[:1] if name in FLOOR_ONLY else people:
            found.append(Case(name, who, date(year, 1, 1), date(year, 12, 31)))
        if not name.startswith("sales-by-period"):
            found.append(Case(name, people[0], first, last, span="3 years"))
    return found


# --- measuring ------------------------------------------------------------------------------------


def app_total(table: Any) -> Decimal:
    from crm_desktop.core.reports.tables import money_total

    keys = [c.key for c in table.columns]
    key = "total" if "total" in keys else "amount"  # a cross table's row total, or the amount
    return money_total(table.rows, table.column(key))


def capture(db: Any, work: Callable[[], Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """The statements SQLAlchemy sends while `work` runs, with their DB-API parameters."""
    from sqlalchemy import event

    sent: list[tuple[str, tuple[Any, ...]]] = []

    def remember(_conn: Any, _cursor: Any, statement: str, params: Any, *_rest: Any) -> None:
        sent.append((statement, tuple(params or ())))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    return sent


def plan(conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> str:
    rows = conn.execute("EXPLAIN QUERY PLAN " + sql, tuple(args)).fetchall()
    return "; ".join(row[-1] for row in rows)


@dataclass
class Measured:
    case: Case
    row: Any  # bench_run.Row: app vs floor
    app_sql: list[float] = field(default_factory=list)
    agree: str = ""
    rows: int = 0
    app_plan: str = ""
    floor_plan: str = ""
    statements: int = 0


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def measure(db: Any, path: Path, case: Case, pairs: int, registered: set[str]) -> Measured:
    """`pairs` rounds of app / floor / app SQL alone; the floor alone if there is no such
    analysis (yet)."""
    from crm_desktop.core.reports import tables

    plain = sqlite3.connect(path)
    sql, args = case.floor()
    label = f"{case.name}, {case.who.label}, {case.span}"
    result = Measured(case, bench_run.Row(label))
    result.floor_plan = plan(plain, sql, args)

    def floor() -> list[tuple[Any, ...]]:
        return plain.execute(sql, args).fetchall()

    if case.name not in registered:
        result.agree = "floor only" if case.name in FLOOR_ONLY else "not registered yet"
        sides: list[tuple[str, Callable[[], Any]]] = [("floor", floor)]
    else:
        params = tables.ReportParams(date_from=case.date_from, date_to=case.date_to, **case.params)

        def app() -> Any:
            return tables.run(db, case.who.actor, case.name, params)

        sent = capture(db, app)  # also the warm-up
        result.statements = len(sent)
        main = max(sent, key=lambda s: ("order_lines" in s[0], len(s[0])))
        result.app_plan = plan(plain, *main)

        def app_sql() -> list[tuple[Any, ...]]:
            return plain.execute(*main).fetchall()

        sides = [("app", app), ("floor", floor), ("app_sql", app_sql)]
    floor()
    results: dict[str, Any] = {}
    for number in range(pairs):
        shift = number % len(sides)  # rotate which side goes first
        for name, work in sides[shift:] + sides[:shift]:
            seconds, results[name] = timed(work)
            run = bench_run.Run(seconds, 0.0, 0)
            if name == "app":
                result.row.app.append(run)
            elif name == "floor":
                result.row.base.append(run)
            else:
                result.app_sql.append(seconds)
    plain.close()
    floor_rows = results["floor"]
    floor_total = Decimal(sum(r[FLOORS[case.name].amount] or 0 for r in floor_rows)) / 100
    result.rows = len(floor_rows)
    if "app" in results:
        total = app_total(results["app"])
        if case.name == "sales-by-period":  # the floor adds the year before: compare the months
            floor_total = (
                Decimal(
                    sum(r[1] or 0 for r in floor_rows if r[0] >= case.date_from.isoformat()[:7])
                )
                / 100
            )
        same = total == floor_total
        result.agree = "totals agree" if same else f"TOTALS DIFFER: app {total} vs {floor_total}"
        result.rows = len(results["app"].rows)
    return result


# --- output and main ------------------------------------------------------------------------------


def ms(values: Sequence[float]) -> str:
    return f"{1000 * statistics.median(values):.0f} ms" if values else "-"


def detail_table(measured: list[Measured]) -> str:
    header = [
        "row",
        "rows",
        "app ms",
        "app SQL alone ms",
        "floor ms",
        "app SQL ÷ floor",
        "Python around it",
        "SQL sent",
        "check",
    ]
    lines = []
    for m in measured:
        app = [r.seconds for r in m.row.app]
        base = [r.seconds for r in m.row.base]
        alone = (
            f"{statistics.median(a / b for a, b in zip(m.app_sql, base, strict=False)):.2f}×"
            if m.app_sql
            else "-"
        )
        python = (
            f"{1000 * (statistics.median(app) - statistics.median(m.app_sql)):.0f} ms"
            if app
            else "-"
        )
        lines.append(
            [
                m.row.name,
                f"{m.rows:,}",
                ms(app),
                ms(m.app_sql),
                ms(base),
                alone,
                python,
                str(m.statements or "-"),
                m.agree or "-",
            ]
        )
    from search import markdown

    return markdown(header, lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 order lines, 3 pairs")
    parser.add_argument("--lines", type=int, help="order lines (default 1,000,000)")
    parser.add_argument("--pairs", type=int, help="pairs per row (default 7)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--plans", action="store_true", help="print every query plan")
    args = parser.parse_args(argv)
    args.lines = args.lines or (100_000 if args.quick else 1_000_000)
    args.pairs = args.pairs or (3 if args.quick else 7)
    return args


ANALYSES = (
    "salesperson-by-period",
    "salesperson-by-period, by day",
    "region-product-sales",
    "salesperson-sales",
    "sales-by-period",
    "sales-by-period, by day",
)
# Per-day sums folded into months in Python: what grouping on the date itself would cost.
FLOOR_ONLY = ("salesperson-by-period, by day", "sales-by-period, by day")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    path = reports_database(args.lines, args.seed)
    from crm_desktop.core.db import Database
    from crm_desktop.core.reports import tables

    registered = {a.name for a in tables.analyses()}
    missing = [n for n in ANALYSES if n not in registered and n not in FLOOR_ONLY]
    if missing:
        log(f"not registered yet (floor only): {', '.join(missing)}")
    with sqlite3.connect(path) as conn:
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("order_lines", "sales_orders", "customers", "products")
        }
        version = conn.execute("SELECT sqlite_version()").fetchone()[0]
    db = Database(f"sqlite:///{path}")
    measured = []
    for case in cases(db, path, ANALYSES):
        measured.append(measure(db, path, case, args.pairs, registered))
        log(f"{measured[-1].row.name}: done")
    db.dispose()
    print()
    print(
        f"{counts['order_lines']:,} order lines in {counts['sales_orders']:,} orders, "
        f"{counts['customers']:,} customers, {counts['products']:,} products; SQLite {version}; "
        f"{args.pairs} pairs per row\n"
    )
    bench_run.print_table([m.row for m in measured])
    print()
    print(detail_table(measured))
    print()
    shown = set()
    for m in measured:
        key = (m.case.name, m.case.who.label)
        if key in shown or not (args.plans or m.case.who.label.startswith("boss")):
            continue
        shown.add(key)
        if m.app_plan:
            print(f"- plan, app, {m.row.name}: {m.app_plan}")
        print(f"- plan, floor, {m.row.name}: {m.floor_plan}")
    print()
    for line in verdicts(measured):
        print(f"- {line}")
    return 0


def verdicts(measured: list[Measured]) -> list[str]:
    lines = []
    for m in measured:
        if not m.row.ratios:
            continue
        ratio = statistics.median(m.row.ratios)
        verdict = "met" if ratio <= GOAL else "NOT met"
        lines.append(f"goal ≤ {GOAL}× hand-written SQL, {m.row.name}: {verdict} ({ratio:.2f}×)")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
