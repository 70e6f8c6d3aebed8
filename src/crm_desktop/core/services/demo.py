"""Realistic, deterministic demo data across every table, fast enough for 100,000 customers.

    result = demo.generate(db, actor, customers=100_000, seed=1, progress=callback)

Everything happens in one write transaction (cancelling or any error rolls all of it back) with
bulk Core inserts in chunks of customers, explicit ids (no RETURNING round trips) and values
already in their stored form (integer cents, UTC timestamps), so per-row work stays in plain
Python. Pinyin is computed per name part (city, trade name, industry, legal form) and cached:
phrase-aware pinyin of 100k whole names would cost ~21 s (PERF-FLOORS 4c). One audit row records
the whole generation.
"""

from __future__ import annotations

import hashlib
import json
import random
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, DateTime, Table, column, func, insert, select, table, update
from sqlalchemy.engine import Connection

from crm_desktop.core import password_store
from crm_desktop.core.actor import Actor
from crm_desktop.core.changes import Changes
from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import CrmError, ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import (
    Attachment,
    BaseDataItem,
    BaseDataKind,
    CompanyProfile,
    Contact,
    Contract,
    ContractOrder,
    Customer,
    FollowUp,
    FollowUpAnnotation,
    NumberingRule,
    Operator,
    Opportunity,
    OrderLine,
    PaymentPlan,
    Product,
    Quote,
    QuoteLine,
    Receipt,
    ReceiptAllocation,
    Role,
    SalesOrder,
    SavedFilter,
    ServiceRecord,
    Team,
)
from crm_desktop.core.passwords import hash_password
from crm_desktop.core.search_keys import (
    name_key,
    normalized_name,
    phone_digits,
    pinyin_of,
    search_key,
    sort_name,
)
from crm_desktop.core.services import demo_data as D
from crm_desktop.core.services.access import require
from crm_desktop.core.services.demo_knowledge import add_demo_articles

Progress = Callable[[int, int], bool]
MAX_CUSTOMERS = 1_000_000
CHUNK = 2_000
REBUILD_INDEXES_FROM = 5_000  # customers; below this the indexes stay while inserting
K = BaseDataKind

# Insert order inside a chunk: parents before children (foreign keys are on).
CHUNK_MODELS: tuple[Any, ...] = (
    Customer,
    Contact,
    Opportunity,
    Quote,
    QuoteLine,
    SalesOrder,
    OrderLine,
    Attachment,
    Contract,
    ContractOrder,
    PaymentPlan,
    Receipt,
    ReceiptAllocation,
    FollowUp,
    FollowUpAnnotation,
    ServiceRecord,
)
CHUNK_TABLES: tuple[Table, ...] = tuple(model.__table__ for model in CHUNK_MODELS)


class DemoCancelled(CrmError):
    """The person cancelled the generation; nothing was written."""


@dataclass
class DemoResult:
    counts: dict[str, int] = field(default_factory=dict)  # rows added, per table
    changes: Changes = field(default_factory=Changes.everything)

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


def generate(
    db: Database,
    actor: Actor,
    *,
    customers: int,
    seed: int = 1,
    progress: Progress | None = None,
    operator_password: str | None = None,
    today: date | None = None,
) -> DemoResult:
    """Fill the database with demo data; needs `system.demo`.

    Demo operators get `operator_password` (hashed once, shared: they are demo accounts) or no
    password at all. The data is the same for the same seed, database and `today` (default: the
    clock's local date; documents are dated before it, next follow-ups around it).
    """
    if not 0 <= customers <= MAX_CUSTOMERS:
        raise ValidationError(
            _("The number of demo customers must be between 0 and {n}.").format(n=MAX_CUSTOMERS)
        )
    password_hash = hash_password(operator_password) if operator_password else None
    today = today or db.clock.now().astimezone().date()
    with db.write(actor) as uow:
        require(uow.session, actor, "system.demo")
        generator = _Generator(
            uow.session.connection(), FastRandom(seed), today, db.clock.now(), actor
        )
        generator.password_hash = password_hash
        with generator.fast_cache(), generator.indexes_rebuilt(customers):
            generator.run(customers, progress)
        generator.sync_sequences()
        from crm_desktop.core.services.calendar import demo_appointments

        generator.counts["appointments"] = demo_appointments(uow.session, today, db.clock.now())
        generator.counts["campaigns"] = demo_campaigns(uow.session, today, actor.id)
        generator.counts["leads"] = demo_leads(
            uow.session, today, [op for op, _team in generator.sales], customers, seed
        )
        generator.counts["kb_articles"] = add_demo_articles(uow)
        generator.counts["sales_targets"] = demo_targets(uow.session, today)
        counts = {name: n for name, n in generator.counts.items() if n}
        uow.audit(
            "system.demo",
            summary=_("Demo data: {customers} customers, {rows} rows (seed {seed})").format(
                customers=customers, rows=sum(counts.values()), seed=seed
            ),
        )
        uow.changes = Changes.everything()
    return DemoResult(counts)


class FastRandom:
    """`random.Random` with cheaper choice/randint/weighted picks (one `random()` call each).

    The standard methods cost about 1 µs each through several Python frames; a demo of 100k
    customers makes millions of picks. Deterministic for a seed, like `random.Random`.
    """

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self.random = self._rng.random
        self._cum: dict[tuple[int, ...], tuple[list[int], int]] = {}

    def choice(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None) -> int:
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))

    def randint(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def weighted(self, values: Sequence[Any], weights: tuple[int, ...]) -> Any:
        cum = self._cum.get(weights)
        if cum is None:
            running, total = [], 0
            for weight in weights:
                total += weight
                running.append(total)
            cum = self._cum[weights] = (running, total)
        return values[bisect_right(cum[0], self.random() * cum[1])]

    def sample(self, seq: Sequence[Any], k: int) -> list[Any]:
        chosen: list[Any] = []
        while len(chosen) < k:
            item = self.choice(seq)
            if item not in chosen:
                chosen.append(item)
        return chosen


def _light(model: Any) -> Any:
    """The table without column types: values go in exactly as given (already stored form)."""
    real: Table = model.__table__
    return table(real.name, *(column(c.name) for c in real.columns))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Generator:
    def __init__(
        self, conn: Connection, rng: FastRandom, today: date, now: datetime, actor: Actor
    ) -> None:
        self.conn = conn
        self.rng = rng
        self.today = today
        self.now = now.astimezone(UTC).replace(tzinfo=None)  # naive UTC internally
        self.actor = actor
        self.password_hash: str | None = None
        self.counts: dict[str, int] = {}
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.light = {t.name: _light(m) for t, m in _models().items()}
        dialect = conn.dialect
        self.sqlite = dialect.name == "sqlite"
        dt_proc = DateTime().dialect_impl(dialect).bind_processor(dialect)
        d_proc = Date().dialect_impl(dialect).bind_processor(dialect)
        if self.sqlite:  # SQLAlchemy's own storage format for SQLite: naive UTC text
            assert dt_proc is not None and d_proc is not None
            sample = datetime(2024, 2, 3, 4, 5, 6)
            if dt_proc(sample) == sample.isoformat(" ", "microseconds"):
                self.dt: Callable[[datetime | None], Any] = lambda v: (
                    None if v is None else v.isoformat(" ", "microseconds")
                )
            else:  # pragma: no cover - a SQLAlchemy with another format
                self.dt = lambda v: None if v is None else dt_proc(v)
            if d_proc(sample.date()) == sample.date().isoformat():
                self.d: Callable[[date | None], Any] = lambda v: (
                    None if v is None else v.isoformat()
                )
            else:  # pragma: no cover
                self.d = lambda v: None if v is None else d_proc(v)
        else:
            self.dt = lambda v: None if v is None else v.replace(tzinfo=UTC)
            self.d = lambda v: v
        self.statements: dict[str, tuple[str, Any]] = {}
        self.next_id: dict[str, int] = {}
        self.suffix_indexes = tuple(range(len(D.SUFFIXES)))
        self.suffix_weights = tuple(w for _s, w, _t in D.SUFFIXES)
        self.names_seen: set[str] = set()

    # --- plumbing ------------------------------------------------------------------------------

    @contextmanager
    def fast_cache(self) -> Iterator[None]:
        """A larger page cache while bulk inserting into indexed tables (PERF-FLOORS 4a)."""
        if not self.sqlite:
            yield
            return
        old = self.conn.exec_driver_sql("PRAGMA cache_size").scalar()
        self.conn.exec_driver_sql("PRAGMA cache_size=-65536")
        try:
            yield
        finally:
            self.conn.exec_driver_sql(f"PRAGMA cache_size={int(old or -2000)}")

    @contextmanager
    def indexes_rebuilt(self, customers: int) -> Iterator[None]:
        """For a big SQLite fill: drop the chunk tables' indexes, insert, create them again.

        Inserting into indexed tables costs about three times inserting into bare ones and
        building the indexes afterwards (PERF-FLOORS 4a/4b). The indexes are recreated from
        their own stored SQL inside the same transaction, so the schema after the commit is
        exactly as before, and a rollback (cancel, error) restores them untouched.
        Constraint indexes (UNIQUE, primary keys) stay: they have no stored SQL.
        """
        if not self.sqlite or customers < REBUILD_INDEXES_FROM:
            yield
            return
        names = [t.name for t in CHUNK_TABLES]
        marks = ", ".join("?" for _n in names)
        existing = self.conn.exec_driver_sql("SELECT count(*) FROM customers").scalar() or 0
        if existing > customers:  # rebuilding would cost more than it saves
            yield
            return
        indexes = self.conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY name",
            tuple(names),
        ).all()
        for name, _sql in indexes:
            self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
        yield
        for _name, sql in indexes:
            self.conn.exec_driver_sql(sql)

    def sync_sequences(self) -> None:
        """PostgreSQL: rows went in with explicit ids, so move each id sequence past them."""
        if self.conn.dialect.name != "postgresql":
            return
        for name in self.next_id:
            self.conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f'(SELECT max(id) FROM "{name}"))'
            )

    def new_id(self, name: str) -> int:
        value = self.next_id.get(name)
        if value is None:
            tbl = self.light[name]
            value = (self.conn.scalar(select(func.max(tbl.c.id))) or 0) + 1
        self.next_id[name] = value + 1
        return value

    def add(self, name: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(name, []).append(row)

    def flush(self, names: Iterable[str]) -> None:
        """Insert the collected rows, one driver-level executemany per table."""
        for name in names:
            rows = self.rows.pop(name, None)
            if not rows:
                continue
            statement = self.statements.get(name)
            if statement is None:
                compiled = insert(self.light[name]).compile(
                    dialect=self.conn.dialect, column_keys=list(rows[0])
                )
                order = compiled.positiontup
                statement = (str(compiled), itemgetter(*order) if order else None)
                self.statements[name] = statement
            sql, getter = statement
            self.conn.exec_driver_sql(sql, list(map(getter, rows)) if getter else rows)
            self.counts[name] = self.counts.get(name, 0) + len(rows)

    def stamps(self, at: datetime, by: int | None = None) -> dict[str, Any]:
        who = self.actor.id if by is None else by
        stamp = self.dt(at)
        return {
            "version": 1,
            "created_at": stamp,
            "updated_at": stamp,
            "created_by_id": who,
            "updated_by_id": who,
        }

    def day_time(self, day: date) -> datetime:
        """A moment during office hours in China (01:00-10:00 UTC) on that day."""
        rng = self.rng
        return datetime(day.year, day.month, day.day, rng.randrange(1, 10), rng.randrange(60))

    def past_day(self, after: date, max_days: int | None = None) -> date:
        """A day after `after` and before today (yesterday at the latest)."""
        span = (self.today - after).days - 1
        if max_days is not None:
            span = min(span, max_days)
        return after + timedelta(days=self.rng.randint(1, max(1, span)))

    # --- set-up: base data, teams, operators, products, numbering -------------------------------

    def run(self, customers: int, progress: Progress | None) -> None:
        self.load_base_data()
        self.load_numbering()
        self.make_products()
        self.make_teams_and_operators(customers)
        self.fill_company()
        self.flush(("products", "saved_filters"))
        if progress is not None and not progress(0, customers):
            raise DemoCancelled(_("Demo data generation was cancelled; nothing was written."))
        self.prepare_customers()
        done = 0
        while done < customers:
            size = min(CHUNK, customers - done)
            for _i in range(size):
                self.make_customer()
            self.flush(t.name for t in CHUNK_TABLES)
            done += size
            if progress is not None and not progress(done, customers):
                raise DemoCancelled(_("Demo data generation was cancelled; nothing was written."))

    def load_base_data(self) -> None:
        rows = self.conn.execute(
            select(BaseDataItem.id, BaseDataItem.kind)
            .where(BaseDataItem.active)
            .order_by(BaseDataItem.kind, BaseDataItem.sort_order, BaseDataItem.id)
        )
        self.base: dict[str, list[int]] = {}
        for item_id, kind in rows:
            self.base.setdefault(kind, []).append(item_id)

    def base_id(self, kind: BaseDataKind, index: int | None = None) -> int | None:
        ids = self.base.get(kind)
        if not ids:
            return None
        if index is None:
            return self.rng.choice(ids)
        return ids[index % len(ids)]

    def load_numbering(self) -> None:
        self.rules: dict[str, tuple[str, str, int]] = {
            kind: ("DEMO-" + kind.upper()[:2], "%Y%m%d", 4)
            for kind in ("order", "quote", "contract", "receipt")
        }
        for rule in self.conn.execute(
            select(
                NumberingRule.kind,
                NumberingRule.prefix,
                NumberingRule.date_format,
                NumberingRule.sequence_digits,
            )
        ):
            self.rules[rule.kind] = (
                rule.prefix or "",
                rule.date_format or "",
                rule.sequence_digits,
            )
        self.taken: dict[str, set[str]] = {}
        for kind, model in (
            ("order", SalesOrder),
            ("quote", Quote),
            ("contract", Contract),
            ("receipt", Receipt),
        ):
            self.taken[kind] = set(self.conn.scalars(select(model.number)))
        self.sequences: dict[tuple[str, str], int] = {}

    def number(self, kind: str, day: date) -> str:
        prefix, fmt, digits = self.rules[kind]
        period = day.strftime(fmt) if fmt else ""
        key = (kind, period)
        taken = self.taken[kind]
        while True:
            seq = self.sequences.get(key, 0) + 1
            self.sequences[key] = seq
            number = f"{prefix}{period}{seq:0{digits}d}"
            if number not in taken:
                taken.add(number)
                return number

    def make_products(self) -> None:
        existing = dict(self.conn.execute(select(Product.code, Product.id)).all())
        self.products: list[tuple[int, str, str, str, int, int]] = []
        unit_names = dict(
            self.conn.execute(
                select(BaseDataItem.id, BaseDataItem.name).where(BaseDataItem.kind == K.UNIT)
            ).all()
        )
        at = self.now - timedelta(days=5 * 365)
        for code, name, spec, unit_index, category_index, price in D.PRODUCTS:
            unit_id = self.base_id(K.UNIT, unit_index)
            product_id = existing.get(code)
            if product_id is None:
                product_id = self.new_id("products")
                self.add(
                    "products",
                    {
                        "id": product_id,
                        **self.stamps(at),
                        "code": code,
                        "name": name,
                        "spec": spec,
                        "unit_id": unit_id,
                        "category_id": self.base_id(K.PRODUCT_CATEGORY, category_index),
                        "unit_price": price,
                        "active": True,
                        "remarks": None,
                        "import_batch_id": None,
                    },
                )
            unit = unit_names.get(unit_id or 0)
            self.products.append((product_id, code, name, unit, price, unit_index))

    def person_name(self, english: bool = False) -> str:
        rng = self.rng
        if english:
            return f"{rng.choice(D.EN_GIVEN)} {rng.choice(D.EN_FAMILY)}"
        return rng.choice(D.SURNAMES) + rng.choice(D.GIVEN)

    def make_teams_and_operators(self, customers: int) -> None:
        conn = self.conn
        roles = {r.code: (r.id, r.default_scope) for r in conn.execute(select(Role))}
        missing = {"sales_manager", "salesperson", "finance", "service", "readonly"} - set(roles)
        if missing:
            raise ValidationError(
                _("The preset roles {roles} are missing; demo data needs them.").format(
                    roles=", ".join(sorted(missing))
                )
            )
        teams = dict(conn.execute(select(Team.code, Team.id)).all())
        ops = {
            row.code: (row.id, row.team_id)
            for row in conn.execute(select(Operator.code, Operator.id, Operator.team_id))
        }
        at = self.now - timedelta(days=6 * 365)
        new_teams: list[int] = []
        team_ids: list[int] = []
        for code, name in D.TEAMS:
            if code not in teams:
                teams[code] = self.new_id("teams")
                new_teams.append(teams[code])
                self.add(
                    "teams",
                    {
                        "id": teams[code],
                        **self.stamps(at),
                        "code": code,
                        "name": name,
                        "manager_id": None,
                        "parent_id": None,
                        "active": True,
                    },
                )
            team_ids.append(teams[code])
        self.flush(("teams",))

        def operator(code: str, role: str, team_id: int | None, english: bool = False) -> int:
            if code in ops:
                return ops[code][0]
            op_id = self.new_id("operators")
            role_id, scope = roles[role]
            self.add(
                "operators",
                {
                    "id": op_id,
                    **self.stamps(at),
                    "code": code,
                    "name": self.person_name(english),
                    "team_id": team_id,
                    "region_id": None,
                    "person_type_id": None,
                    "job_title": None,
                    "phone": "13" + f"{self.rng.randrange(10**9):09d}",
                    "email": f"{code}@example.com",
                    "role_id": role_id,
                    "data_scope": scope,
                    "active": True,
                    "failed_logins": 0,
                    "locked_until": None,
                    "last_login_at": None,
                    "password_changed_at": self.dt(self.now) if self.password_hash else None,
                    "language": None,
                },
            )
            ops[code] = (op_id, team_id)
            new_operators.append(op_id)
            return op_id

        new_operators: list[int] = []
        self.managers: dict[int, int] = {}  # team id -> manager id
        for number, team_id in enumerate(team_ids, start=1):
            self.managers[team_id] = operator(f"mgr{number:02d}", "sales_manager", team_id)
        count = max(4, min(40, customers // 2500))
        self.sales: list[tuple[int, int | None]] = []  # (operator id, team id)
        for number in range(1, count + 1):
            team_id = team_ids[(number - 1) % len(team_ids)]
            op_id = operator(f"sales{number:02d}", "salesperson", team_id, number % 7 == 0)
            self.sales.append((op_id, ops[f"sales{number:02d}"][1]))
        self.finance = [operator("finance01", "finance", None)]
        self.service = [operator(f"service{n:02d}", "service", None) for n in (1, 2)]
        operator("viewer01", "readonly", None)
        self.flush(("operators",))
        if self.password_hash:  # through the store: a team server's app role cannot insert them
            for op_id in new_operators:
                password_store.set_hash(conn, op_id, self.password_hash)
        for team_id in new_teams:
            manager_id = self.managers[team_id]
            conn.execute(
                update(self.light["teams"])
                .where(self.light["teams"].c.id == team_id)
                .values(manager_id=manager_id)
            )
        # Owners: salespeople mostly, their managers a little.
        self.owners = [op for op, _team in self.sales] * 4 + list(self.managers.values())
        self.team_of = {op: team for op, team in self.sales}
        self.team_of.update({m: t for t, m in self.managers.items()})

    def fill_company(self) -> None:
        """Fill an empty letterhead so documents look real; never overwrite what was entered."""
        tbl = self.light["company_profile"]
        values = {
            "address": "天津市滨海新区黄海路 188 号",
            "phone": "022-66881234",
            "bank_name": "中国工商银行天津滨海支行",
            "bank_account": "0302 0000 1234 5678 901",
            "tax_id": "91120116MA05XXXX1K",
        }
        for name, value in values.items():
            self.conn.execute(update(tbl).where(tbl.c[name].is_(None)).values({name: value}))
        for op_id, _team in self.sales[:6]:
            self.add(
                "saved_filters",
                {
                    "id": self.new_id("saved_filters"),
                    **self.stamps(self.now, op_id),
                    "operator_id": op_id,
                    "list_name": "customers",
                    "name": "我的A类客户",
                    "definition": json.dumps(
                        {"level_id": self.base_id(K.CUSTOMER_LEVEL, 0), "owner": "me"}
                    ),
                    "sort_order": 0,
                },
            )

    # --- customers and everything hanging off them ----------------------------------------------

    def prepare_customers(self) -> None:
        self.names_seen = set(self.conn.scalars(select(Customer.normalized_name)))
        self.codes_taken = set(
            self.conn.scalars(select(Customer.code).where(Customer.code.like("KH%")))
        )
        self.attachment_every = 0

    def company_name(self) -> tuple[str, str, str, int, int, int | None, bool, str]:
        """(name, normalized, pinyin "full initials", industry, type, city, english?, domain)"""
        rng = self.rng
        for attempt in range(8):
            if rng.random() < 0.08:
                first, (trade, industry) = rng.choice(D.EN_FIRST), rng.choice(D.EN_TRADE)
                name = f"{first} {trade} {rng.choice(D.EN_SUFFIXES)}"
                domain = (first + trade).lower().replace(" ", "") + ".com"
                pinyin, type_index, city_index, english = "", 0, None, True
            else:
                city_index = rng.randrange(len(D.CITIES))
                city = D.CITIES[city_index][0]
                brand = rng.choice(D.BRANDS)
                trade, industry = rng.choice(D.INDUSTRIES)
                suffix, _weight, type_index = D.SUFFIXES[
                    rng.weighted(self.suffix_indexes, self.suffix_weights)
                ]
                parts = [city, brand, trade, suffix]
                if attempt >= 4:  # crowded combination: a branch office keeps names unique
                    parts.insert(3, f"第{rng.randint(2, 99)}分")
                name = "".join(parts)
                syllables = [pinyin_of(part) for part in parts]
                pinyin = "{} {}".format(
                    "".join(s[0] for s in syllables), "".join(s[1] for s in syllables)
                )
                domain = syllables[1][0] + syllables[2][1] + ".com.cn"
                english = False
            key = normalized_name(name)
            if key not in self.names_seen:
                self.names_seen.add(key)
                return name, key, pinyin, industry, type_index, city_index, english, domain
        raise AssertionError("could not make a unique demo customer name")

    def phone(self, city_index: int | None) -> str:
        rng = self.rng
        if city_index is None or rng.random() < 0.25:
            return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        area = D.CITIES[city_index][2]
        local = rng.randrange(10**7, 10**8) if len(area) == 3 else rng.randrange(10**6, 10**8)
        sep = "-" if rng.random() < 0.7 else ""
        return f"{area}{sep}{local}"

    def make_customer(self) -> None:
        rng = self.rng
        today = self.today
        cid = self.new_id("customers")
        name, key, pinyin, industry, type_index, city_index, english, domain = self.company_name()
        phone = self.phone(city_index)
        email = f"{rng.choice(('sales', 'info', 'purchase', 'service'))}@{domain}"
        if english:
            address = f"{rng.randint(1, 300)} {rng.choice(D.EN_STREETS)}"
            region_index = rng.randrange(5)
        else:
            city, province, _area, region_index = D.CITIES[city_index or 0]
            prefix = city + "市" if province.endswith("省") or "自治区" in province else province
            address = (
                f"{prefix}{rng.choice(D.DISTRICTS)}{rng.choice(D.ROADS)}{rng.randint(1, 999)}号"
            )
        created_day = today - timedelta(days=rng.randint(30, 5 * 365))
        created = self.day_time(created_day)
        public = rng.random() < 0.12
        owner = None if public else rng.choice(self.owners)
        worker = owner or rng.choice(self.sales)[0]
        code = f"KH{cid:07d}"
        customer = {
            "id": cid,
            **self.stamps(created, worker),
            "code": None if code in self.codes_taken else code,
            "name": name,
            "short_name": None if english else name[len(D.CITIES[city_index or 0][0]) :][:6],
            "type_id": self.base_id(K.CUSTOMER_TYPE, type_index),
            "source_id": self.base_id(K.CUSTOMER_SOURCE),
            "industry_id": self.base_id(K.INDUSTRY, industry),
            "region_id": self.base_id(K.REGION, region_index),
            "level_id": self.base_id(K.CUSTOMER_LEVEL, rng.weighted((0, 1, 2), (15, 50, 35))),
            "address": address,
            "phone": phone,
            "email": email,
            "website": f"www.{domain}" if rng.random() < 0.4 else None,
            "tax_id": f"91{rng.randrange(10**15):015d}X" if rng.random() < 0.5 else None,
            "owner_id": owner,
            "pool_status": "public" if public else "private",
            "pool_since": self.dt(self.day_time(self.past_day(created_day))) if public else None,
            "owned_since": None if public else self.dt(created),
            "remarks": rng.choice((None, None, None, "老客户介绍", "展会认识", "Met at the fair")),
            "tags": rng.choice((None, None, "重点", "老客户", "VIP,重点")),
            "search_key": search_key(name, email, pinyin=pinyin),
            "name_key": name_key(name),
            "normalized_name": key,
            # the parts' cached pinyin: whole-name pinyin would cost ~20 s per 100k names
            "sort_name": pinyin.split(" ")[0] if pinyin else sort_name(name),
            "phone_digits": phone_digits(phone) or None,
            "last_followup_at": None,
            "next_followup_on": None,
            "last_deal_on": None,
            "archived": rng.random() < 0.02,
            "archived_at": None,
            "import_batch_id": None,
        }
        if customer["archived"]:
            customer["archived_at"] = self.dt(self.day_time(self.past_day(created_day)))
        self.add("customers", customer)

        contacts = self.make_contacts(cid, created, worker, english)
        opportunity = self.make_opportunity(cid, worker, created_day) if not public else None
        quote = self.make_quote(cid, worker, created_day, contacts) if rng.random() < 0.2 else None
        orders = []
        if not public and rng.random() < 0.4:
            orders = self.make_orders(cid, name, worker, created_day, contacts, quote, opportunity)
            dealt = [o["order_date"] for o in orders if o["status"] != "cancelled"]
            if dealt:
                customer["last_deal_on"] = max(dealt)
        if orders and rng.random() < 0.3:
            self.make_contract(cid, worker, orders)
        if orders:
            self.make_receipts(cid, name, orders)
        last, next_on = self.make_followups(cid, worker, created_day, contacts, opportunity)
        customer["last_followup_at"] = last
        customer["next_followup_on"] = next_on
        if rng.random() < 0.12:
            self.make_service(cid, created_day, contacts)
        if cid % 2500 == 7:
            self.make_attachment("customer", cid, f"拜访纪要-{cid}.txt", name)

    def make_contacts(
        self, cid: int, created: datetime, worker: int, english: bool
    ) -> list[tuple[int, str, str]]:
        rng = self.rng
        contacts = []
        for index in range(rng.weighted((1, 2, 3), (50, 35, 15))):
            contact_id = self.new_id("contacts")
            name = self.person_name(english or rng.random() < 0.03)
            mobile = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
            self.add(
                "contacts",
                {
                    "id": contact_id,
                    **self.stamps(created, worker),
                    "customer_id": cid,
                    "name": name,
                    "title": rng.choice(D.EN_TITLES if english else D.TITLES),
                    "category_id": self.base_id(K.CONTACT_CATEGORY),
                    "phone": None,
                    "mobile": mobile,
                    "email": None if rng.random() < 0.5 else f"c{contact_id}@example.com",
                    "wechat": None if english or rng.random() < 0.4 else f"wx_{mobile[-6:]}",
                    "birthday": self.d(
                        date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28))
                    )
                    if rng.random() < 0.2
                    else None,
                    "is_primary": index == 0,
                    "remarks": None,
                    "archived": False,
                    "import_batch_id": None,
                },
            )
            contacts.append((contact_id, name, mobile))
        return contacts

    def make_opportunity(self, cid: int, owner: int, created_day: date) -> dict[str, Any] | None:
        rng = self.rng
        if rng.random() >= 0.3:
            return None
        status = rng.weighted(("open", "won", "lost"), (60, 25, 15))
        day = self.past_day(created_day)
        close = (
            self.today + timedelta(days=rng.randint(7, 120))
            if status == "open"
            else self.past_day(day)
        )
        row = {
            "id": self.new_id("opportunities"),
            **self.stamps(self.day_time(day), owner),
            "customer_id": cid,
            "owner_id": owner,
            "name": rng.choice(D.OPPORTUNITY_NAMES),
            "stage_id": self.base_id(K.OPPORTUNITY_STAGE),
            "status": status,
            "expected_amount": rng.randrange(5_000, 500_000) * 100,
            "expected_close_on": self.d(close),
            "probability": {"open": rng.choice((10, 30, 50, 70)), "won": 100, "lost": 0}[status],
            "lost_reason": "价格偏高" if status == "lost" else None,
            "remarks": None,
        }
        self.add("opportunities", row)
        return row

    def lines(self, count: int) -> list[tuple[tuple[int, str, str, str, int, int], int, int]]:
        """(product, quantity in thousandths, amount in cents) for `count` lines."""
        rng = self.rng
        out = []
        for product in rng.sample(self.products, min(count, len(self.products))):
            unit_index = product[5]
            if unit_index in (3, 4):  # kg, m: fractional quantities
                quantity = rng.randint(1, 2000) * 250
            elif unit_index == 5:  # hours
                quantity = rng.randint(1, 16) * 500
            else:
                quantity = rng.randint(1, 200) * 1000
            amount = (product[4] * quantity + 500) // 1000  # cents, half up
            out.append((product, quantity, amount))
        return out

    def make_quote(
        self, cid: int, worker: int, created_day: date, contacts: list[tuple[int, str, str]]
    ) -> dict[str, Any]:
        rng = self.rng
        day = self.past_day(created_day)
        quote_id = self.new_id("quotes")
        subtotal = 0
        for line_no, (product, quantity, amount) in enumerate(
            self.lines(rng.randint(1, 4)), start=1
        ):
            subtotal += amount
            self.add(
                "quote_lines",
                {
                    "id": self.new_id("quote_lines"),
                    "quote_id": quote_id,
                    "line_no": line_no,
                    "product_id": product[0],
                    "product_code": product[1],
                    "description": product[2],
                    "unit": product[3],
                    "quantity": quantity,
                    "unit_price": product[4],
                    "discount_bp": 0,
                    "amount": amount,
                },
            )
        tax = (subtotal * 1300 + 5000) // 10000
        row = {
            "id": quote_id,
            **self.stamps(self.day_time(day), worker),
            "number": self.number("quote", day),
            "revision": 1,
            "previous_id": None,
            "customer_id": cid,
            "contact_id": contacts[0][0],
            "salesperson_id": worker,
            "opportunity_id": None,
            "quote_date": self.d(day),
            "valid_until": self.d(day + timedelta(days=30)),
            "status": rng.choice(("draft", "sent", "accepted", "rejected")),
            "tax_rate_bp": 1300,
            "subtotal": subtotal,
            "tax": tax,
            "total": subtotal + tax,
            "terms": "报价含 13% 增值税，有效期 30 天。",
            "remarks": None,
            "archived": False,
        }
        self.add("quotes", row)
        return row

    def make_orders(
        self,
        cid: int,
        customer_name: str,
        worker: int,
        created_day: date,
        contacts: list[tuple[int, str, str]],
        quote: dict[str, Any] | None,
        opportunity: dict[str, Any] | None,
    ) -> list[dict[str, Any]]:
        rng = self.rng
        orders = []
        start = max(created_day, self.today - timedelta(days=3 * 365))
        for index in range(rng.weighted((1, 2, 3), (60, 28, 12))):
            day = self.past_day(start)
            order_id = self.new_id("sales_orders")
            total = 0
            for line_no, (product, quantity, amount) in enumerate(
                self.lines(rng.weighted((1, 2, 3, 4, 5), (35, 25, 20, 12, 8))), start=1
            ):
                total += amount
                self.add(
                    "order_lines",
                    {
                        "id": self.new_id("order_lines"),
                        "order_id": order_id,
                        "line_no": line_no,
                        "product_id": product[0],
                        "product_code": product[1],
                        "product_name": product[2],
                        "unit": product[3],
                        "unit_price": product[4],
                        "quantity": quantity,
                        "discount_bp": 0,
                        "amount": amount,
                    },
                )
            contact = contacts[0]
            status = rng.weighted(
                ("draft", "confirmed", "delivered", "closed", "cancelled"), (5, 30, 35, 25, 5)
            )
            order = {
                "id": order_id,
                **self.stamps(self.day_time(day), worker),
                "number": self.number("order", day),
                "customer_id": cid,
                "contact_id": contact[0],
                "contact_phone": contact[2],
                "salesperson_id": worker,
                "quote_id": quote["id"] if quote and index == 0 and rng.random() < 0.5 else None,
                "opportunity_id": opportunity["id"]
                if opportunity and opportunity["status"] == "won" and index == 0
                else None,
                "order_date": self.d(day),
                "delivery_address": None,
                "status": status,
                "tax_rate_bp": 0,
                "subtotal": total,
                "tax": 0,
                "total": total,
                "terms": None,
                "remarks": None,
                "archived": False,
                "import_batch_id": None,
            }
            self.add("sales_orders", order)
            order["_day"] = day
            orders.append(order)
        return orders

    def split(self, amount: int, parts: int) -> list[int]:
        """Integer cents in `parts` instalments that add up exactly."""
        share = amount // parts
        return [share] * (parts - 1) + [amount - share * (parts - 1)]

    def make_attachment(self, kind: str, owner_id: int, filename: str, about: str) -> int:
        body = f"{filename}\n{about}\n演示附件 / demo attachment\n".encode()
        attachment_id = self.new_id("attachments")
        self.add(
            "attachments",
            {
                "id": attachment_id,
                **self.stamps(self.now),
                "owner_kind": kind,
                "owner_id": owner_id,
                "filename": filename,
                "mime_type": "text/plain",
                "size": len(body),
                "sha256": _sha(body),
                "data": body,
                "stored_path": None,
                "description": "演示附件",
            },
        )
        return attachment_id

    def make_contract(self, cid: int, worker: int, orders: list[dict[str, Any]]) -> None:
        rng = self.rng
        covered = [o for o in orders if o["status"] != "cancelled"][:2]
        if not covered:
            return
        signed = min(o["_day"] for o in covered)
        contract_id = self.new_id("contracts")
        amount = sum(o["total"] for o in covered)
        number = self.number("contract", signed)
        attachment = None
        if rng.random() < 0.05:
            attachment = self.make_attachment(
                "contract", contract_id, f"{number}.txt", "合同扫描件"
            )
        self.add(
            "contracts",
            {
                "id": contract_id,
                **self.stamps(self.day_time(signed), worker),
                "number": number,
                "customer_id": cid,
                "salesperson_id": worker,
                "title": "产品购销合同",
                "amount": amount,
                "signed_on": self.d(signed),
                "start_on": self.d(signed),
                "end_on": self.d(signed + timedelta(days=365)),
                "signatory": self.person_name(),
                "status": "confirmed",
                "terms": "货到验收合格后 30 日内付清。",
                "signed_attachment_id": attachment,
                "archived": False,
            },
        )
        for order in covered:
            self.add(
                "contract_orders",
                {
                    "id": self.new_id("contract_orders"),
                    "contract_id": contract_id,
                    "order_id": order["id"],
                },
            )
        instalments = rng.choice((2, 3))
        for seq, part in enumerate(self.split(amount, instalments), start=1):
            self.add(
                "payment_plans",
                {
                    "id": self.new_id("payment_plans"),
                    **self.stamps(self.day_time(signed), worker),
                    "order_id": None,
                    "contract_id": contract_id,
                    "seq": seq,
                    "due_on": self.d(signed + timedelta(days=30 * seq)),
                    "amount": part,
                    "remarks": None,
                },
            )

    def make_receipts(self, cid: int, customer_name: str, orders: list[dict[str, Any]]) -> None:
        rng = self.rng
        payable = []
        for order in orders:
            status = order["status"]
            if status == "closed" or (status == "delivered" and rng.random() < 0.6):
                payable.append((order, order["total"]))
            elif status in ("delivered", "confirmed") and rng.random() < 0.35:
                payable.append((order, order["total"] * 3 // 10))  # deposit / part payment
        payable = [(o, amount) for o, amount in payable if amount > 0]
        # Sometimes one transfer pays two orders at once.
        groups = (
            [payable[:2], *[[p] for p in payable[2:]]]
            if len(payable) >= 2 and rng.random() < 0.3
            else [[p] for p in payable]
        )
        for group in groups:
            last_day = max(o["_day"] for o, _a in group)
            day = min(last_day + timedelta(days=rng.randint(3, 60)), self.today - timedelta(1))
            day = max(day, last_day)
            receipt_id = self.new_id("receipts")
            self.add(
                "receipts",
                {
                    "id": receipt_id,
                    **self.stamps(self.day_time(day), self.finance[0]),
                    "number": self.number("receipt", day),
                    "customer_id": cid,
                    "payer": customer_name,
                    "payment_method_id": self.base_id(K.PAYMENT_METHOD),
                    "received_on": self.d(day),
                    "handler_id": self.finance[0],
                    "amount": sum(a for _o, a in group),
                    "remarks": None,
                    "archived": False,
                    "overpayment": False,
                },
            )
            for order, amount in group:
                self.add(
                    "receipt_allocations",
                    {
                        "id": self.new_id("receipt_allocations"),
                        "receipt_id": receipt_id,
                        "order_id": order["id"],
                        "amount": amount,
                    },
                )
        for order in orders:
            if order["status"] == "confirmed" and order["total"] and rng.random() < 0.3:
                for seq, part in enumerate(self.split(order["total"], 2), start=1):
                    self.add(
                        "payment_plans",
                        {
                            "id": self.new_id("payment_plans"),
                            **self.stamps(self.day_time(order["_day"]), order["salesperson_id"]),
                            "order_id": order["id"],
                            "contract_id": None,
                            "seq": seq,
                            "due_on": self.d(order["_day"] + timedelta(days=45 * seq)),
                            "amount": part,
                            "remarks": "首付款" if seq == 1 else "尾款",
                        },
                    )
            order.pop("_day", None)

    def make_followups(
        self,
        cid: int,
        worker: int,
        created_day: date,
        contacts: list[tuple[int, str, str]],
        opportunity: dict[str, Any] | None,
    ) -> tuple[Any, Any]:
        rng = self.rng
        count = rng.weighted((0, 1, 2, 3, 4), (15, 30, 25, 18, 12))
        if not count:
            return None, None
        days = sorted(self.past_day(created_day) for _i in range(count))
        last_at = None
        next_on = None
        manager = self.managers.get(self.team_of.get(worker, -1), self.actor.id)
        for index, day in enumerate(days):
            latest = index == count - 1
            happened = self.day_time(day)
            if latest:
                next_on = self.today + timedelta(days=rng.randint(-7, 30))
            else:
                next_on = min(days[index + 1], self.today)
            followup_id = self.new_id("followups")
            self.add(
                "followups",
                {
                    "id": followup_id,
                    **self.stamps(happened, worker),
                    "customer_id": cid,
                    "contact_id": rng.choice(contacts)[0],
                    "operator_id": worker,
                    "opportunity_id": opportunity["id"]
                    if opportunity and rng.random() < 0.4
                    else None,
                    "method": rng.weighted(
                        ("phone", "visit", "wechat", "email", "other"), (40, 20, 25, 10, 5)
                    ),
                    "category_id": None,
                    "happened_at": self.dt(happened),
                    "subject": rng.choice(D.FOLLOWUP_SUBJECTS),
                    "content": rng.choice(D.FOLLOWUP_CONTENTS),
                    "result": None,
                    "next_followup_on": self.d(next_on),
                    "next_action": rng.choice(D.NEXT_ACTIONS),
                    "done": not latest,
                    "archived": False,
                },
            )
            if rng.random() < 0.1:
                at = happened + timedelta(hours=rng.randint(1, 48))
                self.add(
                    "followup_annotations",
                    {
                        "id": self.new_id("followup_annotations"),
                        **self.stamps(at, manager),
                        "followup_id": followup_id,
                        "author_id": manager,
                        "body": rng.choice(D.ANNOTATIONS),
                        "read_at": self.dt(at + timedelta(hours=3)) if not latest else None,
                    },
                )
            last_at = happened
        return self.dt(last_at), self.d(next_on)

    def make_service(
        self, cid: int, created_day: date, contacts: list[tuple[int, str, str]]
    ) -> None:
        rng = self.rng
        for _i in range(rng.weighted((1, 2), (80, 20))):
            day = self.past_day(created_day)
            accepted = self.day_time(day)
            status = rng.weighted(("open", "in_progress", "resolved", "closed"), (10, 15, 25, 50))
            resolved = accepted + timedelta(hours=rng.randint(2, 96))
            done = status in ("resolved", "closed")
            handler = rng.choice(self.service)
            self.add(
                "service_records",
                {
                    "id": self.new_id("service_records"),
                    **self.stamps(accepted, handler),
                    "customer_id": cid,
                    "contact_id": contacts[0][0],
                    "subject": rng.choice(D.SERVICE_SUBJECTS),
                    "kind": rng.weighted(("service", "complaint", "consultation"), (60, 15, 25)),
                    "category_id": self.base_id(K.SERVICE_CATEGORY),
                    "handler_id": handler,
                    "accepted_at": self.dt(accepted),
                    "resolved_at": self.dt(resolved) if done else None,
                    "status": status,
                    "priority": rng.weighted((1, 2, 3), (20, 60, 20)),
                    "result": rng.choice(D.SERVICE_RESULTS) if done else None,
                    "remarks": None,
                    "satisfaction": rng.weighted((3, 4, 5), (15, 40, 45))
                    if status == "closed"
                    else None,
                    "satisfaction_comment": None,
                },
            )


def _models() -> dict[Table, Any]:
    models = (Team, Operator, Product, SavedFilter, CompanyProfile, *CHUNK_MODELS)
    return {model.__table__: model for model in models}


__all__ = ["DemoCancelled", "DemoResult", "generate"]


# --- marketing campaigns (issue 9) -------------------------------------------------------------

# name, kind, days before today it started, days it ran, budget, actual cost (None: not known yet)
DEMO_CAMPAIGNS = (
    ("2025 上海国际工业博览会", "exhibition", 400, 5, "80000.00", "76500.00"),
    ("百度搜索推广（华东）", "online", 250, 90, "30000.00", "28800.00"),
    ("新品技术研讨会", "seminar", 120, 1, "15000.00", "12600.00"),
    ("老客户电话回访营销", "telemarketing", 45, 60, "8000.00", None),
)
CAMPAIGN_SHARE = 9  # one customer in this many came from a campaign


def demo_campaigns(session: Any, today: date, owner_id: int) -> int:
    """A few campaigns with budgets and costs, and one customer in `CAMPAIGN_SHARE` linked to one
    of them (by id, so the same seed links the same customers). Runs after the customers exist;
    demo leads may name these campaigns afterwards. Returns the number of campaigns."""
    from decimal import Decimal

    from crm_desktop.core.models import Campaign, Customer

    ids = []
    for name, kind, ago, days, budget, cost in DEMO_CAMPAIGNS:
        start = today - timedelta(days=ago)
        campaign = Campaign(
            name=name,
            kind=kind,
            starts_on=start,
            ends_on=start + timedelta(days=days),
            budget=Decimal(budget),
            actual_cost=Decimal(cost) if cost else None,
            owner_id=owner_id,
        )
        session.add(campaign)
        session.flush()
        ids.append(campaign.id)
    cycle = CAMPAIGN_SHARE * len(ids)
    for index, campaign_id in enumerate(ids):
        session.execute(
            update(Customer)
            .where(Customer.campaign_id.is_(None), Customer.id % cycle == index * CAMPAIGN_SHARE)
            .values(campaign_id=campaign_id)
        )
    return len(ids)


# --- sales targets (issue 9) -------------------------------------------------------------------

TARGET_MONTHS = 12  # the last twelve months, this one included (and the rest of the year)
TARGET_FACTORS = (Decimal("0.9"), Decimal("1.0"), Decimal("1.1"), Decimal("1.2"), Decimal("1.3"))


def demo_targets(session: Any, today: date) -> int:
    """Monthly targets for every salesperson with sales in the last twelve months (about their
    average month, some months more ambitious), each team's as the sum of its members', and the
    quarters and years of those months as the sums of their months. Runs after the orders exist.
    Returns the number of targets."""
    from crm_desktop.core.models.planning import PeriodKind, SalesTarget
    from crm_desktop.core.services import targets

    months = [targets.period_of(PeriodKind.MONTH, today)]
    while len(months) < TARGET_MONTHS:
        months.append(targets.period_of(PeriodKind.MONTH, months[-1].start - timedelta(days=1)))
    past = list(months)
    while months[0].start.month != 12:  # the rest of this year too, so its quarters add up
        months.insert(0, targets.period_of(PeriodKind.MONTH, months[0].end + timedelta(days=1)))
    sold: dict[int, Decimal] = {}
    for month in past:
        for op, actual in targets.actuals(session, month).items():
            sold[op] = sold.get(op, Decimal("0")) + actual.sales
    team_of = dict(session.execute(select(Operator.id, Operator.team_id)).all())
    sums: dict[tuple[str, int, str, date], Decimal] = {}
    for op, total in sold.items():
        average = total / TARGET_MONTHS
        for month in months:
            factor = TARGET_FACTORS[(op * 7 + month.start.month) % len(TARGET_FACTORS)]
            amount = max(Decimal("10000"), (average * factor).quantize(Decimal("1E3")))
            holders = [("operator", op)] + ([("team", team_of[op])] if team_of.get(op) else [])
            for kind, holder in holders:
                for period in (
                    month,
                    targets.period_of(PeriodKind.QUARTER, month.start),
                    targets.period_of(PeriodKind.YEAR, month.start),
                ):
                    key = (kind, holder, period.kind, period.start)
                    sums[key] = sums.get(key, Decimal("0")) + amount
    for (kind, holder, period_kind, start), amount in sums.items():
        column = "operator_id" if kind == "operator" else "team_id"
        values = {column: holder, "period_kind": period_kind, "period_start": start}
        session.add(SalesTarget(**values, sales_amount=amount.quantize(Decimal("0.01"))))
    session.flush()
    return len(sums)


# --- leads (issue 9) ---------------------------------------------------------------------------

LEADS_PER_300_CUSTOMERS = 40
MAX_LEADS = 2_000  # a salesperson's list stays workable even in a 100k-customer demo
LEAD_STATUSES = ("new", "contacted", "qualified", "disqualified")
LEAD_STATUS_WEIGHTS = (35, 30, 20, 15)
CONVERTED_SHARE = 8  # one lead in this many became a customer
# source (starter list position: 0 Referral 1 Exhibition 2 Website 3 Cold call) per campaign kind
SOURCE_OF_KIND = {"exhibition": 1, "seminar": 0, "online": 2, "mailing": 2, "telemarketing": 3}
LEAD_REMARKS = (
    "展会上留了名片，对数控设备感兴趣",
    "下季度有采购计划，预算待定",
    "要求先寄样品和报价单",
    "已加微信，约下周电话沟通",
    "目前有固定供应商，价格敏感",
    "联系不上，电话无人接听",
    "预算不足，明年再联系",
)


def demo_leads(session: Any, today: date, owners: Sequence[int], customers: int, seed: int) -> int:
    """About `LEADS_PER_300_CUSTOMERS` leads per 300 customers for the demo salespeople, most of
    them from the campaigns just made (the last ones by id), in every status a person sets; and
    one in `CONVERTED_SHARE` converted into an existing demo customer created after its
    campaign started (with its primary contact and an opportunity), that customer naming the
    campaign, so the campaign figures show converted customers and won amounts. Runs after
    `demo_campaigns`. Returns the number of leads."""
    from crm_desktop.core.models import Campaign, Lead

    total = min(MAX_LEADS, round(customers * LEADS_PER_300_CUSTOMERS / 300))
    if not total or not owners:
        return 0
    rng = FastRandom(seed * 7919 + 11)
    campaigns = session.execute(
        select(Campaign.id, Campaign.kind, Campaign.starts_on, Campaign.ends_on)
        .order_by(Campaign.id.desc())
        .limit(len(DEMO_CAMPAIGNS))
    ).all()
    sources = list(
        session.scalars(
            select(BaseDataItem.id)
            .where(BaseDataItem.kind == K.CUSTOMER_SOURCE, BaseDataItem.active.is_(True))
            .order_by(BaseDataItem.sort_order, BaseDataItem.id)
        )
    )
    rows = _converted_leads(session, rng, campaigns, sources, total // CONVERTED_SHARE)
    rows += _open_leads(session, rng, today, owners, campaigns, sources, total - len(rows))
    if rows:
        session.execute(insert(Lead), rows)
    for row in rows:
        if row["customer_id"]:
            session.execute(
                update(Customer)
                .where(Customer.id == row["customer_id"])
                .values(campaign_id=row["campaign_id"], source_id=row["source_id"])
            )
    return len(rows)


def _lead_source(rng: FastRandom, sources: Sequence[int], kind: str | None) -> int | None:
    if not sources:
        return None
    if kind in SOURCE_OF_KIND:
        return sources[SOURCE_OF_KIND[kind] % len(sources)]
    return rng.choice(sources)


def _lead_row(**values: Any) -> dict[str, Any]:
    from crm_desktop.core.services.leads import customer_name_of

    at = values.pop("at")
    owner = values["owner_id"]
    row = {
        "version": 1,
        "created_at": at,
        "updated_at": at,
        "created_by_id": owner,
        "updated_by_id": owner,
        "title": None,
        "email": None,
        "remarks": None,
        "converted_at": None,
        "customer_id": None,
        "contact_id": None,
        "opportunity_id": None,
        "archived": False,
        "import_batch_id": None,
        **values,
    }
    row["normalized_company"] = normalized_name(customer_name_of(row["name"], row["company"]))
    row["phone_digits"] = phone_digits(row["phone"]) or None
    return row


def _converted_leads(
    session: Any, rng: FastRandom, campaigns: Sequence[Any], sources: Sequence[int], wanted: int
) -> list[dict[str, Any]]:
    """Leads already converted: each into a demo customer created after its campaign started,
    preferring customers who bought since (the campaign's won amount)."""
    from crm_desktop.core.reports.tables import SALES_STATUSES

    rows: list[dict[str, Any]] = []
    taken: set[int] = set()
    open_campaigns = [c for c in campaigns if c.starts_on is not None]
    index = 0
    while len(rows) < wanted and open_campaigns:
        campaign = open_campaigns[index % len(open_campaigns)]
        start = datetime.combine(campaign.starts_on, datetime.min.time(), UTC)
        bought = (
            select(SalesOrder.id)
            .where(
                SalesOrder.customer_id == Customer.id,
                SalesOrder.status.in_(SALES_STATUSES),
                SalesOrder.order_date >= campaign.starts_on,
            )
            .exists()
        )
        found = session.execute(
            select(
                Customer.id,
                Customer.name,
                Customer.owner_id,
                Customer.created_at,
                Contact.id,
                Contact.name,
                Contact.title,
                func.coalesce(Contact.mobile, Contact.phone),
                Contact.email,
                func.min(Opportunity.id),
            )
            .join(Contact, (Contact.customer_id == Customer.id) & Contact.is_primary)
            .join(Opportunity, Opportunity.customer_id == Customer.id)
            .where(
                Customer.owner_id.is_not(None),
                Customer.archived.is_(False),
                Customer.created_at >= start,
                Customer.id.not_in(taken) if taken else Customer.id.is_not(None),
            )
            .group_by(Customer.id, Contact.id)
            .order_by(bought.desc(), Customer.id)
            .limit(1)
        ).first()
        if found is None:  # nobody became a customer after this one started: try the others
            open_campaigns.remove(campaign)
            continue
        index += 1
        cid, company, owner, created, contact, name, title, phone, email, opportunity = found
        taken.add(cid)
        rows.append(
            _lead_row(
                at=max(start, created - timedelta(days=rng.randint(3, 20))),
                name=name,
                company=company,
                title=title,
                phone=phone,
                email=email,
                source_id=_lead_source(rng, sources, campaign.kind),
                campaign_id=campaign.id,
                owner_id=owner,
                status="converted",
                converted_at=created,
                customer_id=cid,
                contact_id=contact,
                opportunity_id=opportunity,
            )
        )
    return rows


def _open_leads(
    session: Any,
    rng: FastRandom,
    today: date,
    owners: Sequence[int],
    campaigns: Sequence[Any],
    sources: Sequence[int],
    count: int,
) -> list[dict[str, Any]]:
    """Leads still being worked (or given up): mostly from a campaign, dated within it."""
    names = _lead_companies(session, rng, count)
    rows = []
    for company in names:
        campaign = rng.choice(campaigns) if campaigns and rng.random() < 0.75 else None
        if campaign is not None and campaign.starts_on is not None:
            first = campaign.starts_on
            last = min(today, (campaign.ends_on or today) + timedelta(days=30))
        else:
            first, last = today - timedelta(days=180), today
        day = first + timedelta(days=rng.randint(0, max(0, (last - first).days)))
        at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
            hours=rng.randint(1, 9), minutes=rng.randrange(60)
        )
        mobile = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        rows.append(
            _lead_row(
                at=at,
                name=rng.choice(D.SURNAMES) + rng.choice(D.GIVEN),
                company=company,
                title=rng.choice(D.TITLES) if company else None,
                phone=mobile,
                email=f"{mobile[-6:]}@qq.com" if rng.random() < 0.3 else None,
                source_id=_lead_source(rng, sources, campaign.kind if campaign else None),
                campaign_id=campaign.id if campaign else None,
                owner_id=rng.choice(owners),
                status=rng.weighted(LEAD_STATUSES, LEAD_STATUS_WEIGHTS),
                remarks=rng.choice(LEAD_REMARKS) if rng.random() < 0.4 else None,
            )
        )
    return rows


def _lead_companies(session: Any, rng: FastRandom, count: int) -> list[str | None]:
    """Company names no customer (and no other lead) has yet; one in ten leads is a private buyer
    without a company."""
    names: list[str | None] = []
    seen: set[str] = set()
    for _attempt in range(count * 2):
        if len(names) >= count:
            break
        if rng.random() < 0.1:
            names.append(None)
            continue
        city = rng.choice(D.CITIES)[0]
        trade = rng.choice(D.INDUSTRIES)[0]
        suffix = rng.choice(D.SUFFIXES)[0]
        name = f"{city}{rng.choice(D.BRANDS)}{trade}{suffix}"
        if normalized_name(name) not in seen:
            seen.add(normalized_name(name))
            names.append(name)
    clashes = set()
    keys = list(seen)
    for start in range(0, len(keys), 500):
        clashes.update(
            session.scalars(
                select(Customer.normalized_name).where(
                    Customer.normalized_name.in_(keys[start : start + 500])
                )
            )
        )
    return [n for n in names if n is None or normalized_name(n) not in clashes]
