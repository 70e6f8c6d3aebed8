"""The Target protocol: what one kind of record (customers, contacts, products, sales history)
has to provide so the one import engine can plan and write it, plus the lookups they share.

How the engine drives a target (engine.run_import; preview_import stops after step 4):

1. ``target = TARGETS[request.kind]`` (a registry that imports ``targets/<kind>.py`` on first
   use and takes its module-level ``TARGET``; a kind whose module does not exist yet is simply
   absent). ``target.permissions`` are all required of the actor (``access.require``), in a read
   transaction, before anything else.
2. The engine builds one `Context` in that read transaction: the importer (`Context.operator_id`,
   their data scope as a set of operator ids, `Context.in_scope`), `Context.base` (every base
   data entry as plain tuples: `BaseDataLookup.resolve(kind, text)` by name, code or the name's
   Chinese/English translation, folded) and `Context.operators` (`OperatorLookup.resolve`,
   by code or name). Shared record lookups are loaded lazily and at most once:
   `Context.customers(session)` (`CustomerLookup`: by code / normalized name / phone digits, with
   owner and pool status for the scope test) and `Context.products(session)` (`ProductLookup`).
   Then ``run = target.begin(ctx, session)``: the target loads what else it needs (existing
   records as tuples, never ORM objects) and returns its per-run state, a `TargetRun`.
3. The engine converts every data row: one cheap converter per mapped column (values.py), empty
   cells -> None, base-data and operator columns resolved through the lookups (an unknown entry
   is a row problem unless ``request.create_missing``: then it gets a placeholder id (< 0) in a
   dry run or a real entry created once in the batch's first transaction, recorded as an
   ImportChange with entity "base_data" so undo removes it; placeholders in ``plan.values`` are
   replaced by the real ids before ``write`` is called, so build rows in ``write``). Operator
   columns hold the operator id, or `PUBLIC_POOL` (0) for "公海"/"Public pool". Columns of kind
   "customer" and "product" arrive as text: the target resolves them with
   ``ctx.customers_loaded().find(text)`` / ``ctx.products_loaded().find(text)`` (load them in
   ``begin``), because it knows which other columns (a customer code) take part. Required
   fields are checked. A row with problems is ``RowAction.ERROR`` and never reaches the target.
4. ``run.plan(plan)`` for every other row, in sheet order: the target sets ``plan.action``
   (CREATE / UPDATE / UNCHANGED / SKIP / ERROR), ``plan.message`` (why skipped or refused),
   ``plan.entity_id`` and ``plan.changes`` ({field: (old, new)}) for updates. It must remember
   the keys of rows it accepted so later rows of the same file are found as duplicates ("same
   customer as row N", first row wins). It may keep anything it needs for writing on itself.
   Then ``run.finish(plans)`` once (e.g. sales history: an order whose line failed fails whole),
   and ``run.planned()`` if the run has it: planning is over, so it may let go of what only
   planning needed (a 100k-customer lookup is ~70 MiB the writes can use).
5. Dry run: stop here. Otherwise (only if something is to be written) a verified backup
   (SQLite), the `ImportBatch` row (status "running"), then ``run.chunks(plans_to_write)`` splits
   the CREATE/UPDATE plans into chunks of about `CHUNK_ROWS` rows (override to keep an order's
   lines together) and each chunk is written in its own short write transaction:
   ``run.write(writer, chunk)`` with a `Writer` bound to that transaction. A run may also
   have ``prepare(chunk, checkpoint)``, called for each chunk in order before its transaction
   opens, on the engine's one worker thread while earlier chunks are written: CPU work there
   (building rows, pinyin keys) neither holds the database lock other PCs wait for nor waits
   for the writes. It must only read the run's planning state, and call ``checkpoint()`` every
   few hundred rows (it pauses while the main thread inserts, and raises when the import
   stops); ``write`` then finds what it built.
6. The `Writer` does the SQL: ``writer.insert(table, rows)`` (driver-level executemany; ids are
   assigned by the writer and returned; version/created/updated stamps and ``import_batch_id``
   are added) records each created row in import_changes (entity, id, "create", new_version 1);
   ``writer.update(table, entity, updates)`` runs ``UPDATE ... WHERE id = ? AND version = ?``
   (a row changed by someone since the plan raises ConflictError: the whole batch is rolled
   back), records old values (stored form, JSON) and the new version in import_changes and
   writes one audit row per record (action "<entity>.import", {field: [old, new]}), so the
   record's field history shows the import. Rows given to the writer are in *stored form*
   (`StoredForm`: money as cents, dates/datetimes as the dialect stores them) because they go
   to the driver without SQLAlchemy's type processing; that is what makes 100k rows take
   seconds instead of a minute.
7. Cancel (progress returns False) or any exception after the batch exists: batches.rollback
   removes the batch's rows again (created rows deleted, updated rows restored from the stored
   old values, in `UNDO_ORDER` so children go before parents) and marks it cancelled/failed.

A target module defines a class with the `Target` attributes and ``TARGET = TheTarget()``.
`BaseRun` gives the default `chunks` and `finish`.
"""

from __future__ import annotations

import gettext
import importlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any, Protocol

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from crm_desktop.core.actor import Actor
from crm_desktop.core.db.database import encode_changes, plain_value
from crm_desktop.core.errors import ConflictError
from crm_desktop.core.i18n import _
from crm_desktop.core.importing.model import (
    FieldSpec,
    ImportKind,
    ImportRequest,
    RowAction,
    RowPlan,
)
from crm_desktop.core.models import Base, BaseDataItem, Operator, Product
from crm_desktop.core.money import to_cents
from crm_desktop.core.resources import locale_dir
from crm_desktop.core.search_keys import fold, normalized_name, phone_digits

# Rows per write transaction. Random inserts dirty most leaf pages of every customers index in
# each transaction, so a commit costs about the same for 5,000 rows as for 10,000 (measured at
# 100k customers: 0.9 s vs 1.3 s of lock on a busy 2-CPU VM, the rows' pinyin built before the
# lock is taken); 10,000 halves the number of commits and keeps each lock around a second.
CHUNK_ROWS = 10_000
# Undo/rollback deletes children before parents and restores in this order.
UNDO_ORDER = ("lead", "order", "contact", "customer", "product", "base_data")
# import_changes.entity -> table
ENTITY_TABLES: dict[str, str] = {
    "order": "sales_orders",
    "contact": "contacts",
    "customer": "customers",
    "product": "products",
    "base_data": "base_data_items",
    "lead": "leads",
}
# Update.old[CHILD_ROWS_KEY]: the child rows an update replaced (stored form, without ids), put
# back by undo into ENTITY_CHILDREN[entity] = (table, column naming the parent).
CHILD_ROWS_KEY = "__lines__"
ENTITY_CHILDREN: dict[str, tuple[str, str]] = {"order": ("order_lines", "order_id")}
PUBLIC_POOL_WORDS = frozenset({"public pool", "公海", "公海客户", "公共池"})
PUBLIC_POOL = 0  # an operator column's value for "公海"/"Public pool" (no operator has id 0)


# --- stored form ---------------------------------------------------------------------------------


class StoredForm:
    """Values as the dialect stores them, for driver-level SQL (no SQLAlchemy type processing).

    SQLite: datetimes as naive UTC text with microseconds (SQLAlchemy's own format, so string
    comparisons in SQL keep working), dates as ISO text. PostgreSQL: the objects themselves.
    Money is integer cents everywhere (core/models/types.py).
    """

    def __init__(self, dialect_name: str) -> None:
        self.sqlite = dialect_name == "sqlite"

    def dt(self, value: datetime | None) -> Any:
        if value is None:
            return None
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None).isoformat(" ", "microseconds") if self.sqlite else utc

    def date(self, value: date | None) -> Any:
        if value is None:
            return None
        return value.isoformat() if self.sqlite else value

    @staticmethod
    def money(value: Decimal | None) -> int | None:
        return None if value is None else to_cents(value)

    @staticmethod
    def json(value: Any) -> Any:
        """A stored value as JSON can hold it and the driver takes back (SQLite stores text
        already; PostgreSQL hands back date objects: aware ISO text keeps the moment exact)."""
        return plain_value(value)


def driver_rows(session: Session, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """All rows of a query as the driver returns them (stored form, plain tuples): loading
    100k rows this way takes a fifth of the time of iterating a SQLAlchemy result."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        sql = sql.replace("?", "%s")
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, tuple(params))
        return cursor.fetchall()
    finally:
        cursor.close()


def stored_rows(
    session: Session, table: str, columns: Sequence[str], *, live_only: bool = False
) -> dict[int, tuple[Any, ...]]:
    """A target's existing records by id (the first column), as driver tuples of `columns`;
    `live_only` leaves archived ones out."""
    names = ", ".join(f'"{c}"' for c in columns)
    sql, params = f"SELECT {names} FROM {table}", ()
    if live_only:
        sql, params = f"{sql} WHERE archived = ?", (False,)
    return {row[0]: row for row in driver_rows(session, sql, params)}


# --- lookups -------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _chinese() -> gettext.NullTranslations:
    return gettext.translation(
        "crm_desktop", localedir=str(locale_dir()), languages=["zh_CN"], fallback=True
    )


def spellings(stored: str) -> set[str]:
    """A stored name folded, plus its zh_CN translation (starter entries are catalog messages:
    the sheet an export wrote in Chinese says 华东 where the database says "East China")."""
    return {fold(stored), fold(_chinese().gettext(stored)), fold(_(stored))} - {""}


class BaseDataLookup:
    """Every base data entry, folded name/code/translation -> id, per kind."""

    def __init__(self, rows: Iterable[tuple[int, str, str, str]]) -> None:
        self.ids: dict[str, dict[str, int]] = {}
        self.names: dict[int, str] = {}
        self.created: dict[tuple[str, str], int] = {}  # (kind, folded text) -> id made for it
        self._next_placeholder = -1
        for item_id, kind, code, name in rows:
            self.names[item_id] = name
            table = self.ids.setdefault(kind, {})
            for text in (fold(code),):
                table.setdefault(text, item_id)
            for text in spellings(name):
                table[text] = item_id  # a name wins over a code that reads the same

    @classmethod
    def load(cls, session: Session) -> BaseDataLookup:
        query = select(BaseDataItem.id, BaseDataItem.kind, BaseDataItem.code, BaseDataItem.name)
        return cls(session.execute(query.order_by(BaseDataItem.id)))

    def resolve(self, kind: str, text: str | None) -> int | None:
        """The entry's id, or None when the text names nothing (None/"" -> None too)."""
        if not text:
            return None
        key = fold(text)
        found = self.ids.get(kind, {}).get(key)
        if found is None:
            found = self.created.get((kind, key))
        return found

    def add_placeholder(self, kind: str, text: str) -> int:
        """A dry run's stand-in for an entry that would be created (negative, never written)."""
        key = (kind, fold(text))
        if key not in self.created:
            self.created[key] = self._next_placeholder
            self._next_placeholder -= 1
        return self.created[key]

    def add_created(self, kind: str, text: str, item_id: int) -> None:
        self.created[(kind, fold(text))] = item_id
        self.names[item_id] = text


class OperatorLookup:
    """Operators by folded code or name; a name two operators share is ambiguous."""

    def __init__(self, rows: Iterable[tuple[int, str, str, bool]]) -> None:
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = {}
        self.active: dict[int, bool] = {}
        self.names: dict[int, str] = {}
        for op_id, code, name, active in rows:
            self.by_code[fold(code)] = op_id
            self.by_name.setdefault(fold(name), []).append(op_id)
            self.active[op_id] = bool(active)
            self.names[op_id] = name

    @classmethod
    def load(cls, session: Session) -> OperatorLookup:
        query = select(Operator.id, Operator.code, Operator.name, Operator.active)
        return cls(session.execute(query.order_by(Operator.id)))

    def resolve(self, text: str | None) -> tuple[int | None, str | None]:
        """(id, None) or (None, problem); (None, None) for an empty cell."""
        if not text:
            return None, None
        key = fold(text)
        found = self.by_code.get(key)
        if found is not None:
            return found, None
        ids = self.by_name.get(key, [])
        if len(ids) == 1:
            return ids[0], None
        if ids:
            return None, _("Several operators are named “{name}”; use the code.").format(name=text)
        return None, _("No operator is named “{name}”.").format(name=text)


@dataclass
class CustomerLookup:
    """Every customer as plain keys: code, normalized name and phone digits -> ids.

    Loaded once per import (100k customers ≈ 0.3 s as tuples). `info` holds what the scope
    test needs: id -> (owner_id, pool_status, name).
    """

    by_code: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    by_phone: dict[str, list[int]] = field(default_factory=dict)
    info: dict[int, tuple[int | None, str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> CustomerLookup:
        lookup = cls()
        add = lookup.add
        rows = driver_rows(  # plain tuples: 100k rows in ~0.2 s
            session,
            "SELECT id, code, normalized_name, phone_digits, owner_id, pool_status, name "
            "FROM customers",
        )
        for row in rows:
            add(*row)
        return lookup

    def add(
        self,
        cid: int,
        code: str | None,
        key: str | None,
        digits: str | None,
        owner: int | None,
        pool: str,
        name: str,
    ) -> None:
        if code:
            self.by_code[code] = cid
        if key:
            self.by_name.setdefault(key, []).append(cid)
        if digits:
            self.by_phone.setdefault(digits, []).append(cid)
        self.info[cid] = (owner, pool, name)

    def who(self, customer_id: int, operator_names: dict[int, str]) -> dict[str, str]:
        """{name, owner} of a customer for the duplicate and scope messages ("public pool"
        for a customer nobody owns)."""
        owner, pool, name = self.info[customer_id]
        if pool == "public" or owner is None:
            return {"name": name, "owner": _("public pool")}
        return {"name": name, "owner": operator_names.get(owner, "?")}

    def find(self, text: str | None) -> tuple[int | None, str | None]:
        """A customer named by code or name (normalized like the duplicate guard):
        (id, None), (None, problem) or (None, None) for an empty cell."""
        if not text:
            return None, None
        wanted = text.strip()
        if wanted in self.by_code:
            return self.by_code[wanted], None
        ids = self.by_name.get(normalized_name(wanted), [])
        if len(ids) == 1:
            return ids[0], None
        if ids:
            return None, _("Several customers are named “{name}”; use the code.").format(name=text)
        return None, _("No customer is named “{name}”.").format(name=text)

    def by_phone_text(self, text: str | None) -> list[int]:
        digits = phone_digits(text)
        return self.by_phone.get(digits, []) if len(digits) >= 6 else []


@dataclass
class ProductLookup:
    """Products by code (as typed, then folded) and by folded name (unique names only)."""

    by_code: dict[str, int] = field(default_factory=dict)
    by_folded_code: dict[str, int] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> ProductLookup:
        lookup = cls()
        for pid, code, name in session.execute(select(Product.id, Product.code, Product.name)):
            lookup.add(pid, code, name)
        return lookup

    def add(self, pid: int, code: str, name: str) -> None:
        self.by_code[code] = pid
        self.by_folded_code[fold(code)] = pid
        self.by_name.setdefault(fold(name), []).append(pid)

    def find(self, text: str | None) -> tuple[int | None, str | None]:
        if not text:
            return None, None
        wanted = text.strip()
        found = self.by_code.get(wanted) or self.by_folded_code.get(fold(wanted))
        if found is not None:
            return found, None
        ids = self.by_name.get(fold(wanted), [])
        if len(ids) == 1:
            return ids[0], None
        if ids:
            return None, _("Several products are named “{name}”; use the code.").format(name=text)
        return None, _("No product has the code or name “{name}”.").format(name=text)


@dataclass
class Context:
    """What every target may use during one import (built by the engine, read-only for targets
    except the lazily loaded lookups)."""

    request: ImportRequest
    actor: Actor
    operator_id: int
    scope_ids: frozenset[int] | None  # operators within the importer's scope; None = everyone
    permissions: frozenset[str]
    now: datetime
    stored: StoredForm
    base: BaseDataLookup
    operators: OperatorLookup
    fields: tuple[FieldSpec, ...]
    dry_run: bool = False
    mapping: dict[int, str] = field(default_factory=dict)  # column index -> field key
    _customers: CustomerLookup | None = None
    _products: ProductLookup | None = None

    def in_scope(self, owner_id: int | None) -> bool:
        """access.require_in_scope's rule on plain ids (loaded once per import)."""
        return self.scope_ids is None or owner_id in self.scope_ids

    def may_see_customer(self, customer_id: int) -> bool:
        """Within the importer's scope, or in the public pool (customers._visible)."""
        owner, pool, _name = self.customers_loaded().info[customer_id]
        return pool == "public" or self.in_scope(owner)

    def customers(self, session: Session) -> CustomerLookup:
        if self._customers is None:
            self._customers = CustomerLookup.load(session)
        return self._customers

    def forget_customers(self) -> None:
        """Planning is over: the customer lookup's memory goes back (a run whose writes
        need it keeps its own reference)."""
        self._customers = None

    def customers_loaded(self) -> CustomerLookup:
        if self._customers is None:
            raise RuntimeError("Context.customers(session) was not called in begin()")
        return self._customers

    def products(self, session: Session) -> ProductLookup:
        if self._products is None:
            self._products = ProductLookup.load(session)
        return self._products

    def products_loaded(self) -> ProductLookup:
        if self._products is None:
            raise RuntimeError("Context.products(session) was not called in begin()")
        return self._products

    def mapped(self, key: str) -> bool:
        """Whether a column of the sheet fills this field."""
        return key in self.mapping.values()

    def label(self, key: str) -> str:
        for spec in self.fields:
            if spec.key == key:
                return _(spec.label)
        return key


def too_long(table: str, values: dict[str, Any]) -> str | None:
    """A readable problem for the first text longer than its column (PostgreSQL refuses it;
    SQLite would keep it but every other PC's form would cut it)."""
    limits = text_limits(table)
    for name, value in values.items():
        if value.__class__ is str and len(value) > limits.get(name, 1 << 30):
            return _("“{text}…” is longer than {n} characters.").format(
                text=value[:20], n=limits[name]
            )
    return None


@cache
def text_limits(table: str) -> dict[str, int]:
    columns = Base.metadata.tables[table].c
    return {c.name: c.type.length for c in columns if getattr(c.type, "length", None)}


# --- the writer ----------------------------------------------------------------------------------


@dataclass
class Update:
    """One record to change: `values` and `old` in stored form (column -> value), `audit` as a
    person reads it in the history ({field: (old, new)}, ids and text as the services audit)."""

    id: int
    version: int
    values: dict[str, Any]
    old: dict[str, Any]
    audit: dict[str, tuple[Any, Any]]

    @classmethod
    def of(
        cls,
        record_id: int,
        row: tuple[Any, ...],
        at: dict[str, int],
        values: dict[str, Any],
        audit: dict[str, tuple[Any, Any]],
    ) -> Update:
        """The update of a loaded driver `row` (column positions in `at`, with "version") to
        `values`: the old values are the row's own."""
        before = {column: row[at[column]] for column in values}
        return cls(record_id, row[at["version"]], values, before, audit)


class Writer:
    """Driver-level writes inside one of the import's short write transactions."""

    def __init__(
        self,
        conn: Connection,
        *,
        batch_id: int,
        actor: Actor,
        now: datetime,
        stored: StoredForm,
        pc_name: str,
    ) -> None:
        self.conn = conn
        self.batch_id = batch_id
        self.actor = actor
        self.stored = stored
        self.now = stored.dt(now)
        self.pc_name = pc_name
        self.changes: list[tuple[Any, ...]] = []
        self.audits: list[tuple[Any, ...]] = []
        self.created: dict[str, int] = {}
        self.updated: dict[str, int] = {}

    def new_ids(self, table: str, count: int) -> list[int]:
        """Ids for rows about to be inserted. SQLite: after the highest (this transaction holds
        the write lock). PostgreSQL: taken from the table's sequence, safe with other writers."""
        if count <= 0:
            return []
        if self.stored.sqlite:
            top = self.conn.exec_driver_sql(f'SELECT max(id) FROM "{table}"').scalar() or 0
            return list(range(top + 1, top + 1 + count))
        sql = f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)"
        return [row[0] for row in self.conn.exec_driver_sql(sql, (count,))]

    def insert(
        self,
        table: str,
        entity: str | None,
        rows: Sequence[dict[str, Any]],
        *,
        editable: bool = True,
    ) -> list[int]:
        """Insert rows (stored form, all with the keys of the first); returns their ids in order.

        `editable`: the table has version and who/when stamps (and import_batch_id where the
        table has that column); an order's lines have none of them. `entity` None: not
        recorded in import_changes (an order's lines go with their order).
        """
        if not rows:
            return []
        ids = self.new_ids(table, len(rows))
        extra: dict[str, Any] = {}
        columns_of = Base.metadata.tables[table].c
        if editable:
            who = self.actor.id
            extra = {
                "version": 1,
                "created_at": self.now,
                "updated_at": self.now,
                "created_by_id": who,
                "updated_by_id": who,
                "import_batch_id": self.batch_id,
            }
            extra = {
                key: value
                for key, value in extra.items()
                if key not in rows[0] and key in columns_of
            }
        keys = list(rows[0])
        columns = ["id", *keys, *extra]
        tail = tuple(extra.values())
        pick = itemgetter(*keys)
        if len(keys) == 1:
            params = [(new_id, pick(row), *tail) for new_id, row in zip(ids, rows, strict=True)]
        else:
            params = [(new_id, *pick(row), *tail) for new_id, row in zip(ids, rows, strict=True)]
        self._executemany(table, columns, params)
        if entity is not None:
            self.changes.extend(
                (self.batch_id, entity, new_id, "create", None, 1 if editable else None)
                for new_id in ids
            )
            self.created[entity] = self.created.get(entity, 0) + len(ids)
        return ids

    def update(self, table: str, entity: str, updates: Sequence[Update]) -> None:
        """UPDATE the changed columns, grouped by column set; a stale version raises.

        The stamps the UPDATE overwrites (updated_at/by, import_batch_id) are read first and
        kept with the old values, so undo puts the row back exactly, version included.
        """
        if not updates:
            return
        meta = self._meta(table, [u.id for u in updates])
        groups: dict[tuple[str, ...], list[Update]] = {}
        for item in updates:
            groups.setdefault(tuple(item.values), []).append(item)
        who = self.actor.id
        for columns, items in groups.items():
            sets = "".join(f'"{c}" = ?, ' for c in columns)
            sql = (
                f'UPDATE "{table}" SET {sets}"version" = "version" + 1, "updated_at" = ?, '
                f'"updated_by_id" = ?, "import_batch_id" = ? WHERE "id" = ? AND "version" = ?'
            )
            params = [
                (*u.values.values(), self.now, who, self.batch_id, u.id, u.version) for u in items
            ]
            if self._run(sql, params) != len(items):
                raise ConflictError(
                    _(
                        "Someone changed a record of this import while it was running; "
                        "nothing was imported. Please run the import again."
                    ),
                    entity=entity,
                    entity_id=0,
                    expected_version=0,
                    current_version=0,
                    theirs={},
                    yours={},
                )
        for u in updates:
            old = {key: StoredForm.json(value) for key, value in u.old.items()}
            old.update(meta.get(u.id, {}))
            text = json.dumps(old, ensure_ascii=False)
            self.changes.append((self.batch_id, entity, u.id, "update", text, u.version + 1))
            self.audit(f"{entity}.import", entity, u.id, u.audit)
        self.updated[entity] = self.updated.get(entity, 0) + len(updates)

    def _meta(self, table: str, ids: list[int]) -> dict[int, dict[str, Any]]:
        """updated_at, updated_by_id and import_batch_id of these rows as stored now."""
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(ids), 900):
            part = ids[start : start + 900]
            marks = ", ".join(self._mark for _i in part)
            sql = (
                'SELECT "id", "updated_at", "updated_by_id", "import_batch_id" '
                f'FROM "{table}" WHERE "id" IN ({marks})'
            )
            for row_id, at, by, batch in self.conn.exec_driver_sql(sql, tuple(part)):
                found[row_id] = {
                    "updated_at": StoredForm.json(at),
                    "updated_by_id": by,
                    "import_batch_id": batch,
                }
        return found

    @property
    def _mark(self) -> str:
        return "?" if self.stored.sqlite else "%s"

    def record_created(self, entity: str, entity_id: int) -> None:
        """An ImportChange for a row created outside `insert` (e.g. by the engine)."""
        self.changes.append((self.batch_id, entity, entity_id, "create", None, 1))

    def audit(
        self,
        action: str,
        entity: str | None,
        entity_id: int | None,
        changes: dict[str, tuple[Any, Any]] | None,
        summary: str | None = None,
    ) -> None:
        self.audits.append(
            (
                self.now,
                self.actor.id,
                self.actor.code,
                action,
                entity,
                entity_id,
                summary[:300] if summary else None,
                encode_changes(changes) if changes else None,
                self.pc_name,
            )
        )

    def flush(self) -> None:
        """Write the collected import_changes and audit rows (called by the engine per chunk)."""
        if self.changes:
            self._executemany(
                "import_changes",
                ["batch_id", "entity", "entity_id", "action", "old_values", "new_version"],
                self.changes,
            )
            self.changes = []
        if self.audits:
            self._executemany(
                "audit_log",
                [
                    "at",
                    "operator_id",
                    "operator_code",
                    "action",
                    "entity",
                    "entity_id",
                    "summary",
                    "changes",
                    "pc_name",
                ],
                self.audits,
            )
            self.audits = []

    def _executemany(self, table: str, columns: Sequence[str], params: list[tuple[Any, ...]]):
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _c in columns)
        self._run(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', params)

    def _run(self, sql: str, params: list[tuple[Any, ...]]) -> int:
        """executemany on the driver's cursor; returns the rows affected."""
        if not self.stored.sqlite:
            sql = sql.replace("?", "%s")
        cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, params)
            return cursor.rowcount
        finally:
            cursor.close()


# --- the protocol --------------------------------------------------------------------------------


class TargetRun(Protocol):
    """A target's state for one import (existing records, keys seen in the file so far)."""

    def plan(self, plan: RowPlan) -> None:
        """Decide one converted row (plan.values): set action, message, entity_id, changes."""

    def finish(self, plans: list[RowPlan]) -> None:
        """After every row is planned: cross-row decisions (default: nothing)."""

    def chunks(self, plans: list[RowPlan]) -> Iterator[list[RowPlan]]:
        """The CREATE/UPDATE plans split into write transactions (default: CHUNK_ROWS rows)."""

    def write(self, writer: Writer, plans: list[RowPlan]) -> None:
        """Insert/update one chunk through the writer (stored form)."""


class Target(Protocol):
    kind: ImportKind
    entity: str  # import_changes.entity of the main record ("customer", ...)
    permissions: tuple[str, ...]  # every one is required

    def begin(self, ctx: Context, session: Session) -> TargetRun:
        """Load the lookups this kind needs (read transaction) and return the run's state."""


class BaseRun:
    """Defaults for `TargetRun`: no cross-row step, chunks of CHUNK_ROWS rows."""

    def finish(self, plans: list[RowPlan]) -> None:
        return None

    def chunks(self, plans: list[RowPlan]) -> Iterator[list[RowPlan]]:
        size = CHUNK_ROWS  # read at call time: tests make it small
        for start in range(0, len(plans), size):
            yield plans[start : start + size]

    @staticmethod
    def refuse(plan: RowPlan, message: str) -> None:
        plan.action = RowAction.ERROR
        plan.message = message

    @staticmethod
    def skip(plan: RowPlan, message: str) -> None:
        plan.action = RowAction.SKIP
        plan.message = message


def changed_values(new: dict[str, Any], old: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """{column: (old, new)} for the given new values (stored form) that differ from `old`.

    None in `new` means "the cell was empty": it leaves the stored value alone, so a sheet with
    fewer columns filled never erases data.
    """
    return {
        column: (old.get(column), value)
        for column, value in new.items()
        if value is not None and old.get(column) != value
    }


# --- the registry --------------------------------------------------------------------------------


class _Registry(dict[ImportKind, Target]):
    """TARGETS[kind]: imports targets/<kind>.py on first use; a missing module = no such kind."""

    def _load(self, kind: ImportKind) -> bool:
        if dict.__contains__(self, kind):
            return True
        try:
            module = importlib.import_module(f"crm_desktop.core.importing.targets.{kind.value}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.endswith(f"targets.{kind.value}"):
                return False
            raise
        self[kind] = module.TARGET
        return True

    def __missing__(self, kind: ImportKind) -> Target:
        if self._load(ImportKind(kind)):
            return dict.__getitem__(self, kind)
        raise KeyError(kind)

    def __contains__(self, kind: object) -> bool:
        try:
            return self._load(ImportKind(kind))  # type: ignore[arg-type]
        except ValueError:
            return False

    def available(self) -> list[ImportKind]:
        return [kind for kind in ImportKind if kind in self]


TARGETS: _Registry = _Registry()
