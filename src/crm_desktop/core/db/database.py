"""Units of work: short read and write transactions that never wait on a person.

    with db.write(actor) as uow:        # BEGIN IMMEDIATE ... COMMIT, retried while locked
        customer = uow.session.get(Customer, customer_id)
        ...
        uow.audit("customer.update", customer, changes)

Stamps (created/updated at/by) are filled by a flush hook, audit rows are written in the same
transaction as the change, and SQLite's low-level errors become messages a person can act on.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, inspect
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from crm_desktop.core.actor import Actor
from crm_desktop.core.changes import Changes
from crm_desktop.core.clock import Clock, SystemClock
from crm_desktop.core.db.engine import BUSY_TIMEOUT_MS, WRITE_OPTION, make_engine, sqlite_path
from crm_desktop.core.errors import (
    ConflictError,
    DatabaseBusy,
    DatabaseError,
    DatabaseMissing,
    NotACrmDatabase,
    ReadOnlyDatabase,
    ValidationError,
)
from crm_desktop.core.i18n import _
from crm_desktop.core.models import AuditEntry, ChangeLogEntry, Editable

LOCK_RETRIES = 3  # each try already waits up to the 10 s busy timeout
WAITED_AFTER_S = 0.05  # a write that needed longer than this to get the lock "had to wait"

# Tables whose rows are not records a view shows: writing them announces nothing to other PCs.
UNANNOUNCED_TABLES = frozenset({"audit_log", "presence", "change_log", "import_changes"})
# Table -> the kind of record the views know it as (`Changes` kinds), where the names differ.
TABLE_KINDS = {
    "sales_orders": "orders",
    "order_lines": "orders",
    "quote_lines": "quotes",
    "service_records": "service",
    "followup_annotations": "annotations",
    "base_data_items": "base_data",
    "company_profile": "company",
    "role_permissions": "roles",
    "receipt_allocations": "receipts",
    "contract_orders": "contracts",
    "numbering_rules": "numbering",
    "import_batches": "imports",
}


# What the PostgreSQL driver says when the server cannot be reached (down, restarted, no network).
SERVER_GONE = (
    "could not connect",
    "connection refused",
    "connection timed out",
    "server closed the connection",
    "terminating connection",
    "no route to host",
    "connection is closed",
)


@dataclass
class WriteStats:
    """How writes got the lock in this process: how many had to wait, and how long at most.

    The GUI uses `waiting` to show a wait cursor; the concurrency bench reports the shares.
    """

    writes: int = 0
    waited: int = 0
    retries: int = 0
    busy_failures: int = 0
    total_wait_s: float = 0.0
    max_wait_s: float = 0.0

    def record(self, wait_s: float) -> None:
        self.writes += 1
        self.total_wait_s += wait_s
        self.max_wait_s = max(self.max_wait_s, wait_s)
        if wait_s > WAITED_AFTER_S:
            self.waited += 1


class UnitOfWork:
    """One write transaction on behalf of one operator."""

    def __init__(self, session: Session, actor: Actor | None, clock: Clock, pc_name: str) -> None:
        self.session = session
        self.actor = actor
        self.clock = clock
        self.pc_name = pc_name
        self.changes = Changes()

    def touched(self, *kinds: str) -> None:
        self.changes = self.changes | Changes.of(*kinds)

    def audit(
        self,
        action: str,
        entity: str | None = None,
        entity_id: int | None = None,
        changes: dict[str, tuple[Any, Any]] | None = None,
        summary: str | None = None,
        actor: Actor | None = None,
    ) -> None:
        """Record who did what; `changes` maps field -> (old, new)."""
        who = actor or self.actor
        self.session.add(
            AuditEntry(
                at=self.clock.now(),
                operator_id=who.id if who else None,
                operator_code=who.code if who else None,
                action=action,
                entity=entity,
                entity_id=entity_id,
                summary=summary[:300] if summary else None,
                changes=encode_changes(changes) if changes else None,
                pc_name=self.pc_name,
            )
        )


def plain_value(value: Any) -> Any:
    """A stored value as JSON holds it: exact decimals and ISO dates as text (audit changes,
    import undo records, the CLI's JSON output)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def encode_changes(changes: dict[str, tuple[Any, Any]]) -> str:
    return json.dumps(
        {name: [plain_value(old), plain_value(new)] for name, (old, new) in changes.items()},
        ensure_ascii=False,
    )


def decode_changes(text: str | None) -> dict[str, tuple[Any, Any]]:
    if not text:
        return {}
    return {name: (pair[0], pair[1]) for name, pair in json.loads(text).items()}


class Database:
    """The database the app works on, and the only way to open transactions on it."""

    def __init__(
        self,
        url: str,
        *,
        clock: Clock | None = None,
        engine: Engine | None = None,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> None:
        self.url = url
        self.path: Path | None = sqlite_path(url)
        self.engine = engine or make_engine(url, busy_timeout_ms=busy_timeout_ms)
        self.clock: Clock = clock or SystemClock()
        self.pc_name = socket.gethostname()[:80] or "PC"
        # Identifies this app instance's writes in the change log, so its own poller skips them.
        self.instance_key = uuid.uuid4().hex
        self.stats = WriteStats()
        self._stats_lock = threading.Lock()
        self._read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None or self.engine.dialect.name == "sqlite"

    @property
    def location(self) -> str:
        """Where the data is, for the status bar (never shows a password)."""
        if self.path is not None:
            return str(self.path)
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only snapshot; rolled back at the end so it never holds a lock."""
        session = self._read_sessions()
        try:
            with translate_errors(self):
                yield session
        finally:
            session.rollback()
            session.close()

    @contextmanager
    def write(self, actor: Actor | None) -> Iterator[UnitOfWork]:
        """A write transaction: takes the write lock first, commits at the end or rolls back."""
        self.check_reachable()
        self.refuse_read_only()
        session = self._begin_write_session()
        session.info["actor_id"] = actor.id if actor else None
        session.info["clock"] = self.clock
        uow = UnitOfWork(session, actor, self.clock, self.pc_name)
        try:
            with translate_errors(self):
                yield uow
                self._log_changes(uow)
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _log_changes(self, uow: UnitOfWork) -> None:
        """Append what this write touched to the change log other PCs poll (same transaction)."""
        uow.session.flush()
        tables = uow.session.info.get(FLUSHED_TABLES, set())
        kinds = set(uow.changes.kinds) | {
            TABLE_KINDS.get(table, table) for table in tables - UNANNOUNCED_TABLES
        }
        if kinds:
            uow.session.add(
                ChangeLogEntry(
                    at=self.clock.now(), origin=self.instance_key, kinds=",".join(sorted(kinds))
                )
            )

    def _begin_write_session(self) -> Session:
        started = time.monotonic()
        for attempt in range(LOCK_RETRIES):
            session = self._write_sessions()
            try:
                with translate_errors(self):
                    session.connection()  # emits BEGIN IMMEDIATE: waits for the lock here
                self._record_wait(time.monotonic() - started, attempt)
                return session
            except DatabaseBusy:
                session.close()
                if attempt == LOCK_RETRIES - 1:
                    with self._stats_lock:
                        self.stats.busy_failures += 1
                    raise
                time.sleep(0.2 * (attempt + 1))
            except BaseException:
                session.close()
                raise
        raise AssertionError("unreachable")

    def _record_wait(self, wait_s: float, retries: int) -> None:
        with self._stats_lock:
            self.stats.record(wait_s)
            self.stats.retries += retries

    def check_reachable(self) -> None:
        """Refuse to write when the shared file has gone (share dropped, NAS asleep, renamed).

        Without this a pooled connection would keep writing into the vanished file's inode, or
        SQLite would create a new empty file where the old one was.
        """
        if self.path is not None and not self.path.exists():
            self.engine.dispose()  # reconnect from scratch once the file is back
            raise DatabaseMissing(
                _(
                    "Cannot reach the database {path}: the file or its network drive is not "
                    "available. Nothing was changed; try again when it is back."
                ).format(path=self.path)
            )

    def refuse_read_only(self) -> None:
        """A file marked read-only is refused even for administrators, before anything runs."""
        if self.path is not None and self.path.exists() and not (self.path.stat().st_mode & 0o222):
            raise ReadOnlyDatabase(
                _("The database file {path} is read-only; nothing was changed.").format(
                    path=self.path
                )
            )


@contextmanager
def translate_errors(db: Database) -> Iterator[None]:
    """Turn driver errors into messages that name the file and say what to do."""
    try:
        yield
    except StaleDataError as exc:
        raise ConflictError(
            _("Someone else changed this record while you were editing it."),
            entity="",
            entity_id=0,
            expected_version=0,
            current_version=0,
            theirs={},
            yours={},
        ) from exc
    except (OperationalError, DBAPIError) as exc:
        raise _readable(db, exc) from exc


def _readable(db: Database, exc: DBAPIError) -> DatabaseError | DBAPIError:
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    where = db.location
    if "locked" in text or "busy" in text:
        return DatabaseBusy(
            _("The database {path} is busy (another PC is writing). Please try again.").format(
                path=where
            )
        )
    if "readonly" in text or "read-only" in text:
        return ReadOnlyDatabase(
            _("The database {path} is read-only; nothing was changed.").format(path=where)
        )
    if "not a database" in text or "malformed" in text or "encrypted" in text:
        return NotACrmDatabase(
            _("{path} is not a crm-desktop database (it is not a valid SQLite file).").format(
                path=where
            )
        )
    if "unable to open" in text:
        return DatabaseMissing(
            _("Cannot open the database {path}: the file or its folder is not reachable.").format(
                path=where
            )
        )
    if any(sign in text for sign in SERVER_GONE):
        return DatabaseMissing(
            _(
                "Cannot reach the database server {path}: it is not running or the network is "
                "down. Nothing was changed; try again when it is back."
            ).format(path=where)
        )
    if "disk i/o" in text or "disk is full" in text:
        return DatabaseError(
            _("Cannot write to {path}: the disk or network share failed ({error}).").format(
                path=where, error=text
            )
        )
    return exc


FLUSHED_TABLES = "crm_flushed_tables"


@event.listens_for(Session, "before_flush")
def _note_tables(session: Session, _context: Any, _instances: Any) -> None:
    """Remember which tables a write session flushed, for the change log."""
    if session.info.get("clock") is None:
        return
    tables: set[str] = session.info.setdefault(FLUSHED_TABLES, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table:
            tables.add(table)


@event.listens_for(Session, "before_flush")
def _stamp(session: Session, _context: Any, _instances: Any) -> None:
    """Fill created/updated at/by on every editable record a write session flushes."""
    clock: Clock | None = session.info.get("clock")
    if clock is None:
        return
    now = clock.now()
    actor_id = session.info.get("actor_id")
    for obj in session.new:
        if isinstance(obj, Editable):
            obj.created_at = obj.created_at or now
            obj.created_by_id = obj.created_by_id or actor_id
            obj.updated_at = now
            obj.updated_by_id = actor_id
    for obj in session.dirty:
        if isinstance(obj, Editable) and session.is_modified(obj, include_collections=False):
            obj.updated_at = now
            obj.updated_by_id = actor_id


@event.listens_for(Session, "before_flush")
def _refuse_too_long(session: Session, _context: Any, _instances: Any) -> None:
    """Text longer than its column is refused alike on every backend: PostgreSQL rejects it
    with a driver error (a traceback, not a message), SQLite would keep it (and the file could
    then not move to a server)."""
    if session.info.get("clock") is None:
        return
    for obj in (*session.new, *session.dirty):
        for prop in inspect(obj).mapper.column_attrs:
            limit = getattr(prop.columns[0].type, "length", None)
            value = getattr(obj, prop.key, None)
            if isinstance(limit, int) and isinstance(value, str) and len(value) > limit:
                raise ValidationError(
                    _("“{start}…” is too long: {count} characters, at most {limit} fit.").format(
                        start=value[:20], count=len(value), limit=limit
                    )
                )
