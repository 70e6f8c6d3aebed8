"""A small sales ledger for statistics tests, built through the real services, and the raw rows
behind it read with plain SQL (the independent side of every comparison): sqlite3 on the file,
or plain SQL on the PostgreSQL database when the suite runs there (CRM_TEST_BACKEND).

Who is who (the `team` fixture's east team 华东组 plus a north team 华北组):
- boss 王老板 (all), mgr 马经理 (east, team scope, also sells), li 李四, zhao 赵六, zhou 周八
  (east salespeople), sun 孙七 (north salesperson, own scope).
- Regions, customer types, sources and industries are the starter lists (codes 01, 02, ...);
  some customers have none of them (shown as "(none)"), one is in the public pool, one is
  archived.
- Orders from 2024-12-31 to 2026-02-15, dated on the last day of a month (2025-02-28,
  2025-03-31, 2026-01-31) and of a year (2024-12-31, 2025-12-31), confirmed / delivered / closed
  (one closed and archived: still a sale), plus a draft and a cancelled order that never count.
  zhao sold once to li's customer (li sees it through the customer), sun sold to the pool
  customer. Two customers tie on their totals in 2026 (c4, c6: 1056.00 each).

Usage: `from tests.report_fixtures import ledger` (a fixture: built once per session, copied into
the test's `db` file; `boss`, `team`, `make_operator` work alongside it), or `build_ledger(...)`;
then `raw_sales_lines(ledger.path)`, `visible_people(...)`, `line_matches(...)` etc. for the
independent computation. Others may add builders at the end of this file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock
from crm_desktop.core.db import Database
from crm_desktop.core.models import BaseDataKind
from tests.conftest import TemplateRef, make_template, refill
from tests.sales_fixtures import line, make_product

SALES = ("confirmed", "delivered", "closed")  # what counts as a sale (tables.SALES_STATUSES)

# (key, name, owner key or None for the pool, region, type, source, industry (starter codes or
# None), created at (UTC))
CUSTOMERS: tuple[tuple[Any, ...], ...] = (
    ("c1", "上海华盛机械有限公司", "li", "02", "01", "01", "01", datetime(2025, 1, 10, 2, 0)),
    ("c2", "杭州鑫达贸易有限公司", "li", "02", "03", "02", "02", datetime(2025, 3, 31, 15, 30)),
    # 20:00 UTC on 31 Dec is already 1 Jan in Shanghai (new-customers-monthly uses local dates)
    ("c3", "南京宏远建材有限公司", "zhao", "02", "01", "03", "03", datetime(2025, 12, 31, 20, 0)),
    ("c4", "苏州金泰电子有限公司", "zhao", "03", "04", None, "04", datetime(2026, 1, 1, 8, 0)),
    ("c5", "北京恒通科技有限公司", "sun", "01", "01", "01", "04", datetime(2026, 1, 31, 9, 0)),
    ("c6", "天津瑞丰物流有限公司", "sun", "01", "02", "04", None, datetime(2026, 2, 1, 1, 0)),
    ("c7", "广州永昌零售有限公司", "mgr", "03", "03", "05", "05", datetime(2025, 6, 15, 6, 0)),
    ("c8", "成都东方服务有限公司", None, None, None, None, None, datetime(2025, 7, 1, 3, 0)),
    ("c9", "武汉长城机电有限公司", "li", "04", "01", "02", "01", datetime(2025, 5, 5, 4, 0)),
    ("c10", "西安中联化工有限公司", "zhou", None, "01", "03", "06", datetime(2025, 8, 20, 7, 0)),
)
ARCHIVED_CUSTOMERS = ("c9",)

PRODUCTS = (
    ("p1", "P001", "不锈钢螺栓", "12.50"),
    ("p2", "P002", "深沟球轴承", "88.00"),
    ("p3", "P003", "闸阀 DN50", "256.00"),
    ("p4", "P004", "安装调试服务", "800.00"),
)

# (key, customer, salesperson, date, status, lines as (product key or None, qty, price, disc bp))
ORDERS: tuple[tuple[Any, ...], ...] = (
    (
        "o1",
        "c1",
        "li",
        date(2025, 1, 15),
        "confirmed",
        (("p1", 100, "12.50", 0), ("p2", 3, "33.33", 1500)),
    ),
    ("o2", "c1", "li", date(2025, 2, 28), "delivered", (("p3", 2, "256.00", 0),)),
    (
        "o3",
        "c2",
        "li",
        date(2025, 3, 31),
        "closed",
        (("p1", 40, "12.50", 0), (None, 1, "50.00", 0)),
    ),
    ("o4", "c3", "zhao", date(2025, 12, 31), "confirmed", (("p2", 10, "88.00", 0),)),
    ("o5", "c3", "zhao", date(2025, 12, 31), "draft", (("p2", 99, "88.00", 0),)),
    (
        "o6",
        "c4",
        "zhao",
        date(2026, 1, 1),
        "confirmed",
        (("p3", 1, "256.00", 0), ("p4", 1, "800.00", 0)),
    ),
    (
        "o7",
        "c5",
        "sun",
        date(2026, 1, 31),
        "delivered",
        (("p1", 200, "12.00", 0), ("p2", "2.5", "10.01", 333)),
    ),
    ("o8", "c5", "sun", date(2026, 1, 31), "cancelled", (("p3", 5, "256.00", 0),)),
    ("o9", "c1", "zhao", date(2026, 1, 15), "confirmed", (("p4", 1, "800.00", 0),)),
    ("o10", "c7", "mgr", date(2025, 6, 30), "closed", (("p2", 5, "88.00", 0),)),
    ("o11", "c8", "sun", date(2025, 7, 1), "confirmed", (("p3", 3, "256.00", 0),)),
    ("o12", "c6", "sun", date(2026, 2, 15), "confirmed", (("p4", 1, "1056.00", 0),)),
    ("o13", "c2", "li", date(2024, 12, 31), "closed", (("p1", 10, "12.50", 0),)),
    ("o14", "c9", "li", date(2025, 5, 5), "confirmed", (("p2", 1, "88.00", 0),)),
    (
        "o15",
        "c10",
        "zhou",
        date(2025, 8, 20),
        "delivered",
        (("p3", 1, "256.00", 0), ("p1", 3, "0.01", 0)),
    ),
)
ARCHIVED_ORDERS = ("o10",)  # closed, then archived: still a sale
TIED_CUSTOMERS = ("c4", "c6")  # 1056.00 each

_PRODUCT_NAMES = {key: name for key, _code, name, _price in PRODUCTS}

_STEPS = {
    "draft": (),
    "confirmed": ("confirmed",),
    "delivered": ("confirmed", "delivered"),
    "closed": ("confirmed", "delivered", "closed"),
    "cancelled": ("cancelled",),
}


@dataclass
class Ledger:
    db: Database
    path: RawSource  # what the raw side reads (`raw`): the file, or the PostgreSQL database
    actors: dict[str, Actor]  # boss, mgr, li, zhao, zhou, sun
    teams: dict[str, int]  # east, north
    regions: dict[str, int] = field(default_factory=dict)  # starter code -> id
    types: dict[str, int] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)
    industries: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)  # p1 .. -> id
    customers: dict[str, int] = field(default_factory=dict)  # c1 .. -> id
    orders: dict[str, int] = field(default_factory=dict)  # o1 .. -> id

    def actor(self, key: str) -> Actor:
        return self.actors[key]


def _base_ids(db: Database, kind: BaseDataKind) -> dict[str, int]:
    with db.read() as session:
        from crm_desktop.core.models import BaseDataItem

        rows = session.query(BaseDataItem.code, BaseDataItem.id).filter(
            BaseDataItem.kind == str(kind)
        )
        return {code: item_id for code, item_id in rows}


def _set_time(clock: FixedClock, when: datetime) -> None:
    clock.advance(seconds=(when.replace(tzinfo=UTC) - clock.now()).total_seconds())


def build_ledger(
    db: Database,
    boss: Actor,
    team: dict[str, Actor],
    make_operator: Any,
    clock: FixedClock,
) -> Ledger:
    """Operators, customers (created at the listed times), products and orders; the clock is
    put back where it was."""
    from crm_desktop.core.services import customers, operators, orders

    started = clock.now()
    east = team["li"].team_id
    assert east is not None
    north = operators.save_team(db, boss, None, None, {"code": "N", "name": "华北组"})
    actors = {
        "boss": boss,
        "mgr": team["manager"],
        "li": team["li"],
        "zhao": team["zhao"],
        "zhou": make_operator("zhou", "salesperson", team_id=east, name="周八"),
        "sun": make_operator("sun", "salesperson", team_id=north, name="孙七"),
    }
    ledger = Ledger(
        db,
        raw_source(db),
        actors,
        {"east": east, "north": north},
        regions=_base_ids(db, BaseDataKind.REGION),
        types=_base_ids(db, BaseDataKind.CUSTOMER_TYPE),
        sources=_base_ids(db, BaseDataKind.CUSTOMER_SOURCE),
        industries=_base_ids(db, BaseDataKind.INDUSTRY),
    )
    for key, code, name, price in PRODUCTS:
        ledger.products[key] = make_product(db, boss, code, name, price)
    for key, name, owner, region, kind, source, industry, created in CUSTOMERS:
        _set_time(clock, created)
        values: dict[str, Any] = {
            "name": name,
            "region_id": ledger.regions.get(region),
            "type_id": ledger.types.get(kind),
            "source_id": ledger.sources.get(source),
            "industry_id": ledger.industries.get(industry),
        }
        if owner is None:
            values["pool_status"] = "public"
        else:
            values["owner_id"] = actors[owner].id
        ledger.customers[key] = customers.create_customer(db, boss, values, allow_duplicate=True)
    _set_time(clock, started)
    for key in ARCHIVED_CUSTOMERS:
        customers.set_archived(db, boss, ledger.customers[key], True)
    for key, customer, seller, when, status, lines in ORDERS:
        inputs = [
            line(
                "运费" if product is None else _PRODUCT_NAMES[product],
                quantity,
                price,
                discount,
                product_id=None if product is None else ledger.products[product],
            )
            for product, quantity, price, discount in lines
        ]
        values = {
            "customer_id": ledger.customers[customer],
            "salesperson_id": actors[seller].id,
            "order_date": when,
        }
        order_id = orders.save_order(db, boss, None, None, values, inputs)
        for step in _STEPS[status]:
            version = orders.get_order(db, boss, order_id).version
            orders.set_order_status(db, boss, order_id, version, step)
        ledger.orders[key] = order_id
    for key in ARCHIVED_ORDERS:
        version = orders.get_order(db, boss, ledger.orders[key]).version
        orders.set_order_archived(db, boss, ledger.orders[key], version, True)
    return ledger


# Built once per test session (the services take ~1 s for the whole ledger) and copied per test.
_TEMPLATES: dict[TemplateRef, tuple[TemplateRef, Ledger]] = {}


def build_ledger_with_team(db: Database, clock: FixedClock) -> Ledger:
    """The ledger on an initialized database without the `team` fixture (e.g. on PostgreSQL):
    the east team and its people made exactly as tests/conftest.py's `team` makes them."""
    from crm_desktop.core.models import Role
    from crm_desktop.core.services import operators
    from tests.conftest import actor_of

    boss = actor_of(db, "boss")

    def make(code: str, role_code: str, *, team_id: int | None = None, name: str = "") -> Actor:
        with db.read() as session:
            role_id = session.query(Role.id).filter(Role.code == role_code).scalar()
        values = {"code": code, "name": name or code, "role_id": role_id, "team_id": team_id}
        operators.create_operator(db, boss, values, password=None)
        return actor_of(db, code)

    east = operators.save_team(db, boss, None, None, {"code": "E", "name": "华东组"})
    team = {
        "manager": make("mgr", "sales_manager", team_id=east, name="马经理"),
        "li": make("li", "salesperson", team_id=east, name="李四"),
        "zhao": make("zhao", "salesperson", team_id=east, name="赵六"),
    }
    return build_ledger(db, boss, team, make, clock)


@pytest.fixture
def ledger(
    request: pytest.FixtureRequest,
    db: Database,
    templates: dict[str, TemplateRef],
    tmp_path_factory: pytest.TempPathFactory,
) -> Ledger:
    """The statistics ledger (see the module docstring) in the test's own database.

    Built once on a copy of the seeded database (with the same ids a test gets from the `team`
    fixture and `build_ledger`), so `team`, `boss` and `make_operator` keep working alongside
    it (a test asking for `team` gets it made first).
    """
    from tests.conftest import actor_of

    team = request.getfixturevalue("team") if "team" in request.fixturenames else {}
    seeded = templates["seeded"]
    if seeded not in _TEMPLATES:
        made: list[Ledger] = []

        def build(database: Database) -> None:
            assert isinstance(database.clock, FixedClock)
            made.append(build_ledger_with_team(database, database.clock))

        folder = tmp_path_factory.mktemp("ledger")
        _TEMPLATES[seeded] = (make_template(request, "ledger", seeded, build, folder), made[0])
    template, built = _TEMPLATES[seeded]
    refill(request, db, template)
    actors = {key: actor_of(db, actor.code) for key, actor in built.actors.items()}
    for key, actor in team.items():  # the same people under the same ids
        assert actors["mgr" if key == "manager" else key].id == actor.id
    return replace(built, db=db, path=raw_source(db), actors=actors)


# --- the raw side: plain sqlite3, no services, no ORM ---------------------------------------------


RawSource = Path | Database  # a SQLite file, or a PostgreSQL database read with plain SQL


def raw_source(db: Database) -> RawSource:
    """What `raw` reads for this database: its file, or on PostgreSQL the server database."""
    return db.path if db.path is not None else db


def database_path(db: Database) -> RawSource:
    return raw_source(db)


def _sqlite_form(value: Any) -> Any:
    """A PostgreSQL value as SQLite stores it, so the raw side computes the same on both."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def raw(path: RawSource, sql: str, args: Iterable[Any] = ()) -> list[dict[str, Any]]:
    """Rows of a plain query (no ORM, no services) on the database, as dicts; `?` placeholders.
    On PostgreSQL (a Database) values come back in SQLite's stored forms (dates as text)."""
    if isinstance(path, Database):
        with path.engine.connect() as connection:
            result = connection.exec_driver_sql(sql.replace("?", "%s"), tuple(args))
            names = list(result.keys())
            return [dict(zip(names, map(_sqlite_form, r), strict=True)) for r in result.fetchall()]
    conn = sqlite3.connect(path)
    try:
        cursor = conn.execute(sql, tuple(args))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        conn.close()


def visible_people(path: RawSource, operator_id: int) -> set[int] | None:
    """The operator ids whose records this operator sees (None: everyone), worked out from the
    operators and teams tables: own scope = self; team scope = self and the members of their
    team, the teams they manage and those teams' sub-teams; all = None."""
    people = {r["id"]: r for r in raw(path, "SELECT id, team_id, data_scope FROM operators")}
    teams = raw(path, "SELECT id, manager_id, parent_id FROM teams")
    me = people[operator_id]
    if me["data_scope"] == "all":
        return None
    if me["data_scope"] != "team":
        return {operator_id}
    mine = {me["team_id"]} - {None} | {t["id"] for t in teams if t["manager_id"] == operator_id}
    grown = True
    while grown:
        more = {t["id"] for t in teams if t["parent_id"] in mine} - mine
        mine |= more
        grown = bool(more)
    return {operator_id} | {p for p, row in people.items() if row["team_id"] in mine}


def sees(people: set[int] | None, *owners: int | None) -> bool:
    """A record whose salesperson/handler or customer owner is one of `people` is visible."""
    return people is None or any(owner in people for owner in owners if owner is not None)


def raw_sales_lines(path: RawSource, operator_id: int | None = None) -> list[dict[str, Any]]:
    """Every order line of a sale (confirmed, delivered, closed; archived orders too) with its
    order and customer fields, limited to what `operator_id` sees (record scope) if given.
    Amounts and quantities are the stored integers (cents, thousandths)."""
    rows = raw(
        path,
        "SELECT l.id AS line_id, l.order_id, l.product_id, l.quantity, l.amount, "
        "o.order_date, o.status, o.salesperson_id, o.customer_id, o.archived AS order_archived, "
        "c.owner_id, c.region_id, c.type_id FROM order_lines l "
        "JOIN sales_orders o ON o.id = l.order_id JOIN customers c ON c.id = o.customer_id",
    )
    people = visible_people(path, operator_id) if operator_id is not None else None
    return [
        {**row, "order_date": date.fromisoformat(row["order_date"])}
        for row in rows
        if row["status"] in SALES and sees(people, row["salesperson_id"], row["owner_id"])
    ]


def raw_customers(path: RawSource, operator_id: int | None = None) -> list[dict[str, Any]]:
    """Customers that are not archived, within `operator_id`'s owner scope if given."""
    rows = raw(
        path,
        "SELECT id, name, owner_id, region_id, type_id, source_id, industry_id, created_at, "
        "archived FROM customers",
    )
    people = visible_people(path, operator_id) if operator_id is not None else None
    return [
        row for row in rows if not row["archived"] and (people is None or row["owner_id"] in people)
    ]


def in_range(day: date, first: date | None, last: date | None) -> bool:
    """Inclusive calendar dates."""
    return (first is None or first <= day) and (last is None or day <= last)


def line_matches(line: dict[str, Any], filters: dict[str, Any]) -> bool:
    """Whether a raw sales line (from `raw_sales_lines`) is selected by a drill's filters: an
    absent key does not limit, None means empty, dates are inclusive order dates."""
    columns = {
        "region_id": "region_id",
        "type_id": "type_id",
        "salesperson_id": "salesperson_id",
        "product_id": "product_id",
        "customer_id": "customer_id",
    }
    for key, value in filters.items():
        if key == "date_from":
            ok = line["order_date"] >= value
        elif key == "date_to":
            ok = line["order_date"] <= value
        else:
            ok = line[columns[key]] == value
        if not ok:
            return False
    return True


def local_created(row: dict[str, Any]) -> date:
    """The local calendar date a raw customer row was created on (stored as naive UTC text)."""
    stored = datetime.fromisoformat(str(row["created_at"]))
    return stored.replace(tzinfo=UTC).astimezone().date()


def customer_matches(row: dict[str, Any], filters: dict[str, Any]) -> bool:
    """Whether a raw customer (from `raw_customers`) is selected by a customers drill's filters
    (salesperson_id is the owner; dates are local creation days)."""
    for key, value in filters.items():
        if key == "date_from":
            ok = local_created(row) >= value
        elif key == "date_to":
            ok = local_created(row) <= value
        elif key == "salesperson_id":
            ok = row["owner_id"] == value
        else:
            ok = row[key] == value
        if not ok:
            return False
    return True
