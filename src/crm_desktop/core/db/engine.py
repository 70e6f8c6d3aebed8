"""One engine from one URL: a shared SQLite file (default) or a PostgreSQL server.

SQLite settings follow DESIGN.md §3: rollback journal (WAL breaks on network shares), full sync,
foreign keys, a 10 s busy timeout, and `BEGIN IMMEDIATE` for writes so a writer either gets the
lock at the start or waits; it never fails late at commit after the person's work is done.

A file that exists is opened with `mode=rw`: if it vanishes later (share dropped, NAS asleep) a
new connection fails with "unable to open" (DatabaseMissing) instead of SQLite quietly creating
a new, empty database where it was. Only an engine made for a file that does not exist yet may
create it, once (`crm init`, the first run, "create a new database").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "crm_write"


def database_url(location: str | Path) -> str:
    """Accept a path or a URL; a bare path means a SQLite file."""
    text = str(location)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def sqlite_file_uri(path: Path, mode: str) -> str:
    """A SQLite `file:` URI (mode "rw": never create; "rwc": may create) for a local or UNC path.

    The authority stays empty (`file:///C:/…`, `file:////server/share/…`): SQLite refuses any
    other, and `?`, `#` and `%` in names are escaped.
    """
    text = Path(os.path.abspath(path)).as_posix()
    if not text.startswith("/"):
        text = "/" + text  # a Windows drive: C:/… -> /C:/…
    return f"file://{quote(text, safe='/:')}?mode={mode}"


def make_engine(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout_ms)
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: str, busy_timeout_ms: int) -> Engine:
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})
    path = sqlite_path(url)
    plain_file = path is not None and "uri" not in make_url(url).query
    seen = {"file": plain_file and path is not None and path.exists()}

    @event.listens_for(engine, "do_connect")
    def _open(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        if not plain_file or path is None:
            return
        # Once the file has existed, never create it again: a vanished file is an error.
        seen["file"] = seen["file"] or path.exists()
        cargs[:] = [sqlite_file_uri(path, "rw" if seen["file"] else "rwc")]
        cparams["uri"] = True

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so we can say BEGIN IMMEDIATE ourselves.
        dbapi_connection.isolation_level = None
        seen["file"] = True
        cursor = dbapi_connection.cursor()
        _rollback_journal(cursor, path)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _rollback_journal(cursor: Any, path: Path | None) -> None:
    """Switch to the rollback journal, or refuse: a file kept in WAL mode breaks on a share.

    The switch fails when another program holds the file open in WAL mode ("locked" at once,
    or the mode stays "wal"); a busy rollback-journal file is only busy and is retried as such.
    """
    from crm_desktop.core.db import safety
    from crm_desktop.core.errors import UnsafeDatabase

    try:
        mode = str(cursor.execute("PRAGMA journal_mode=DELETE").fetchone()[0]).lower()
    except Exception as exc:
        if path is not None and "locked" in str(exc).lower() and safety.in_wal_mode(path):
            raise UnsafeDatabase(safety.wal_in_use_message(path)) from exc
        raise
    if mode not in ("delete", "memory"):
        raise UnsafeDatabase(safety.wal_in_use_message(path if path is not None else "?"))
