"""Verified, rotated backups of a SQLite database with SQLite's online backup API.

The backup API copies a consistent snapshot even while other PCs keep working. Each copy is
checked with `PRAGMA integrity_check` before it counts; a copy that fails is removed and the
failure is raised, so nobody relies on a broken backup.

`BackgroundBackup` takes one on a thread (an import reads and plans its sheet meanwhile: the
copy and the check run in SQLite's C code, which releases the interpreter lock) and can be
stopped half way, leaving nothing behind.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from crm_desktop.core.db.database import Database
from crm_desktop.core.errors import DatabaseError
from crm_desktop.core.i18n import _

KEEP_BACKUPS = 14
DAILY = timedelta(days=1)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int


def backup_dir(db_path: Path) -> Path:
    """Backups live beside the database (on the share too), in `<name>-backups/`."""
    return db_path.parent / f"{db_path.stem}-backups"


def backup_database(
    db: Database,
    dest: Path | None = None,
    *,
    reason: str = "manual",
    stop: BackupStop | None = None,
    rotate_old: bool = True,
) -> BackupResult:
    """A verified copy of the database (in `backup_dir` unless `dest` says otherwise).

    `stop`: lets another thread stop it (DatabaseError, nothing left). `rotate_old` False: the
    oldest backups are not removed yet (the caller rotates once it keeps this one).
    """
    if db.path is None:
        raise DatabaseError(_("Backups from this application are for SQLite files only."))
    if dest is None or dest.is_dir():
        folder = dest or backup_dir(db.path)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = db.clock.now().astimezone().strftime("%Y%m%d-%H%M%S")
        dest = folder / f"{db.path.stem}-{stamp}-{reason}.db"
    result = copy_sqlite(db.path, dest, stop=stop)
    mirror_attachment_files(db.path, dest.parent)
    if rotate_old and dest.parent == backup_dir(db.path):
        rotate(dest.parent, db.path.stem)
    return result


def copy_sqlite(source: Path, dest: Path, *, stop: BackupStop | None = None) -> BackupResult:
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=10)
    try:
        out = sqlite3.connect(partial)
        try:
            src.backup(out, pages=1024, progress=stop.check if stop else None)
            if stop is None:
                status = out.execute("PRAGMA integrity_check").fetchone()[0]
            else:
                with stop.watching(out):
                    status = out.execute("PRAGMA integrity_check").fetchone()[0]
                stop.check()
        finally:
            out.close()
    except (sqlite3.Error, BackupStopped) as exc:
        partial.unlink(missing_ok=True)
        if stop is not None and stop.stopped:
            raise BackupStopped(_("The backup of {path} was stopped.").format(path=source)) from exc
        raise DatabaseError(
            _("The backup of {path} failed: {error}").format(path=source, error=exc)
        ) from exc
    finally:
        src.close()
    if status != "ok":
        partial.unlink(missing_ok=True)
        raise DatabaseError(
            _("The backup copy of {path} failed its integrity check: {status}").format(
                path=source, status=status
            )
        )
    partial.replace(dest)
    return BackupResult(dest, dest.stat().st_size)


def mirror_attachment_files(db_path: Path, folder: Path) -> int:
    """Copy big attachments ("<stem>.files/", named by their SHA-256) beside the backup.

    The files never change once written, so only new ones are copied, and one mirror serves
    every backup in the folder. Returns how many were copied.
    """
    source = db_path.parent / f"{db_path.stem}.files"
    if not source.is_dir():
        return 0
    target = folder / source.name
    target.mkdir(parents=True, exist_ok=True)
    copied = 0
    for item in source.iterdir():
        if item.is_file() and not item.name.startswith(".") and not (target / item.name).exists():
            partial = target / f".{item.name}.partial"
            shutil.copyfile(item, partial)
            partial.replace(target / item.name)
            copied += 1
    return copied


def rotate(folder: Path, stem: str, keep: int = KEEP_BACKUPS) -> list[Path]:
    """Keep the newest `keep` backups of this database; return the ones removed."""
    backups = sorted(folder.glob(f"{stem}-*.db"), key=lambda p: p.name, reverse=True)
    removed = backups[keep:]
    for old in removed:
        old.unlink(missing_ok=True)
    return removed


def latest_backup_time(db_path: Path) -> datetime | None:
    folder = backup_dir(db_path)
    times = [p.stat().st_mtime for p in folder.glob(f"{db_path.stem}-*.db")]
    return datetime.fromtimestamp(max(times)).astimezone() if times else None


def backup_if_due(db: Database) -> BackupResult | None:
    """The daily automatic backup: taken when the newest one is a day old or missing."""
    if db.path is None or not db.path.exists():
        return None
    latest = latest_backup_time(db.path)
    if latest is not None and db.clock.now() - latest < DAILY:
        return None
    return backup_database(db, reason="daily")


# --- a backup on a thread ------------------------------------------------------------------------


class BackupStopped(DatabaseError):
    """The backup was stopped on request (`BackupStop`); nothing of it was kept."""


class BackupStop:
    """Stops a backup running on another thread: between copy steps, and during the integrity
    check through `sqlite3.Connection.interrupt` (the one call SQLite allows from any thread)."""

    def __init__(self) -> None:
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
            if self._conn is not None:
                self._conn.interrupt()

    def check(self, *_progress: int) -> None:
        """Raises BackupStopped once stopped (also the backup API's progress callback)."""
        if self._stopped.is_set():
            raise BackupStopped("stopped")

    @contextmanager
    def watching(self, conn: sqlite3.Connection) -> Iterator[None]:
        """While inside, `stop` interrupts what `conn` runs (an interrupt that comes before
        the statement starts is lost to SQLite: the caller checks again afterwards)."""
        with self._lock:
            self._conn = conn
        try:
            self.check()
            yield
        finally:
            with self._lock:
                self._conn = None


class BackgroundBackup:
    """`backup_database` on a thread, started at once.

    `result()` waits for it and returns it (or raises its failure) and only then rotates the
    old backups; `abandon()` stops it and removes what it wrote, so an import that ends before
    writing anything leaves the backup folder as it was. The file gets a name of its own even
    when another backup was taken in the same second.
    """

    def __init__(self, db: Database, *, reason: str) -> None:
        if db.path is None:
            raise DatabaseError(_("Backups from this application are for SQLite files only."))
        self._db = db
        self._folder = backup_dir(db.path)
        self._folder.mkdir(parents=True, exist_ok=True)
        self._dest = _free_name(self._folder, db.path.stem, db.clock.now(), reason)
        self._stop = BackupStop()
        self._done: BackupResult | None = None
        self._error: BaseException | None = None
        self._kept = False
        self._thread = threading.Thread(target=self._run, name=f"backup-{reason}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            # a global looked up when called: a wrapper put on the module (bench) sees it
            self._done = backup_database(self._db, self._dest, stop=self._stop, rotate_old=False)
        except BaseException as exc:  # handed to the thread that waits
            self._error = exc

    def result(self) -> BackupResult:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._done is not None and self._db.path is not None
        if not self._kept:
            self._kept = True
            rotate(self._folder, self._db.path.stem)
        return self._done

    def abandon(self) -> None:
        """Stop and remove the backup, unless `result()` handed it out already."""
        if self._kept:
            return
        self._stop.stop()
        self._thread.join()
        if self._done is not None:
            self._done.path.unlink(missing_ok=True)


def _free_name(folder: Path, stem: str, now: datetime, reason: str) -> Path:
    stamp = now.astimezone().strftime("%Y%m%d-%H%M%S")
    dest, n = folder / f"{stem}-{stamp}-{reason}.db", 2
    while dest.exists():
        dest, n = folder / f"{stem}-{stamp}-{reason}-{n}.db", n + 1
    return dest
