"""Verified, rotated backups of a SQLite database with SQLite's online backup API.

The backup API copies a consistent snapshot even while other PCs keep working. Each copy is
checked with `PRAGMA integrity_check` before it counts; a copy that fails is removed and the
failure is raised, so nobody relies on a broken backup.
"""

from __future__ import annotations

import shutil
import sqlite3
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
    db: Database, dest: Path | None = None, *, reason: str = "manual"
) -> BackupResult:
    if db.path is None:
        raise DatabaseError(_("Backups from this application are for SQLite files only."))
    if dest is None or dest.is_dir():
        folder = dest or backup_dir(db.path)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = db.clock.now().astimezone().strftime("%Y%m%d-%H%M%S")
        dest = folder / f"{db.path.stem}-{stamp}-{reason}.db"
    result = copy_sqlite(db.path, dest)
    mirror_attachment_files(db.path, dest.parent)
    if dest.parent == backup_dir(db.path):
        rotate(dest.parent, db.path.stem)
    return result


def copy_sqlite(source: Path, dest: Path) -> BackupResult:
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=10)
    try:
        out = sqlite3.connect(partial)
        try:
            src.backup(out, pages=1024)
            status = out.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            out.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
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
