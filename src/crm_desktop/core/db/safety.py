"""Set-ups that damage a shared SQLite file: refuse WAL mode, warn about cloud-synced folders.

WAL mode keeps recent changes in `<db>-wal` and coordinates readers through shared memory in
`<db>-shm`, which only works between programs on one computer: PCs sharing the file over SMB or
a NAS each see their own view of it and corrupt it. The app itself always uses the rollback
journal (engine.py), so WAL files beside the database come from another program, an older copy
of the app, or a tool that was pointed at the file.

What can be recovered, and what is refused:

* The file's header says WAL mode (bytes 18/19 == 2). Its `-wal` is its own log: whatever is
  in there was committed and every SQLite reader already sees it. If nobody else has the file
  open, one local connection switching to `journal_mode=DELETE` makes SQLite fold the log into
  the file and delete `-wal` and `-shm` — SQLite's own checkpoint, no change is lost. SQLite
  does that only when it gets the file to itself (a connection in WAL mode keeps a lock on the
  file), so a program still using it makes the switch fail at once and the file is refused
  with "close every program that uses it".
* The header says rollback journal, but a non-empty `-wal` sits beside it. That log cannot be
  this file's own (switching back from WAL folds it in and deletes it): it is left over from a
  copy of the database put in place of the old one, or from a crash of something odd. SQLite
  would still replay it into the file on the next open, so it is refused and the person is
  told to move the files away (and keep them), never replayed or deleted by us.
* An empty `-wal` or a lone `-shm` beside a rollback-journal file holds nothing; SQLite ignores
  them (and removes the empty log), so they are not reported.

A cloud-synced folder (Dropbox, OneDrive, …) is only a warning: the file works, but the sync
tool copies it half-written and makes "conflicted copies", so the person is told and may go on.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from crm_desktop.core.db.engine import sqlite_file_uri
from crm_desktop.core.errors import UnsafeDatabase
from crm_desktop.core.i18n import _

SQLITE_MAGIC = b"SQLite format 3\x00"
WAL_VERSION = 2  # header bytes 18 (write version) and 19 (read version): 1 rollback, 2 WAL
CONVERT_TIMEOUT_S = 1.0  # a program holding the file in WAL mode makes the switch fail at once


def beside(path: Path, suffix: str) -> Path:
    """`crm.db` -> `crm.db-wal` / `crm.db-shm`."""
    return path.with_name(path.name + suffix)


def in_wal_mode(path: Path) -> bool:
    """The file's header says WAL mode (persistent: set by whoever switched it to WAL)."""
    try:
        with path.open("rb") as file:
            header = file.read(20)
    except OSError:
        return False
    return header.startswith(SQLITE_MAGIC) and WAL_VERSION in (header[18], header[19])


def _has_log(path: Path) -> bool:
    wal = beside(path, "-wal")
    try:
        return wal.stat().st_size > 0
    except OSError:
        return False


def switch_to_rollback_journal(path: Path) -> bool:
    """Fold a WAL file's log into it and leave it in the rollback journal; False if in use.

    SQLite checkpoints the whole log and deletes `-wal` and `-shm` only when this is the only
    connection; otherwise the switch fails ("database is locked") and nothing changes.
    """
    try:
        connection = sqlite3.connect(
            sqlite_file_uri(path, "rw"), uri=True, timeout=CONVERT_TIMEOUT_S, isolation_level=None
        )
    except sqlite3.Error:
        return False
    try:
        mode = connection.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.Error:
        return False
    finally:
        connection.close()
    return str(mode).lower() == "delete" and not in_wal_mode(path) and not _has_log(path)


def wal_in_use_message(path: Path | str) -> str:
    return _(
        "{path} is in WAL mode and another program has it open (another copy of crm-desktop, "
        "an older version, or a database tool). WAL mode does not work on network drives: PCs "
        "sharing the file would damage it. Close every program that uses the file, on every "
        "PC, then open it again or run “crm check”: the file is switched back to the safe mode "
        "without losing any change."
    ).format(path=path)


def _stray_log_message(path: Path) -> str:
    return _(
        "Beside {path} are the files {wal} and {shm} from a program that used WAL mode, which "
        "does not work on network drives. They do not belong to the database as it is now, and "
        "opening it would mix them in. Close every program that uses the database, on every "
        "PC; if the files are still there, move them into another folder (keep them) and open "
        "the database again."
    ).format(path=path, wal=beside(path, "-wal").name, shm=beside(path, "-shm").name)


def refuse_unsafe(path: Path) -> bool:
    """Raise UnsafeDatabase for a file in WAL mode that cannot be switched back safely.

    Returns True when a WAL file nobody else had open was switched back to the rollback
    journal (its log folded in), False when there was nothing to do. A missing file is not
    checked here: opening says it is missing.
    """
    if not path.is_file():
        return False
    if in_wal_mode(path):
        if switch_to_rollback_journal(path):
            return True
        raise UnsafeDatabase(wal_in_use_message(path))
    if _has_log(path):
        raise UnsafeDatabase(_stray_log_message(path))
    return False


# --- cloud-synced folders -------------------------------------------------------------------


@dataclass(frozen=True)
class SyncService:
    """A sync tool, recognized by its folder's name or by a marker file in its top folder."""

    name: str
    names: frozenset[str] = frozenset()  # folder names, case-folded
    prefixes: tuple[str, ...] = ()  # "OneDrive - 公司", "Dropbox (Firma)", "GoogleDrive-x@y"
    markers: tuple[str, ...] = ()  # files a folder synced by this tool contains at its top

    def matches_name(self, folder: str) -> bool:
        folded = folder.casefold()
        return folded in self.names or folded.startswith(self.prefixes)


SYNC_SERVICES = (
    SyncService("Dropbox", prefixes=("dropbox",), markers=(".dropbox", ".dropbox.cache")),
    SyncService("OneDrive", prefixes=("onedrive",)),
    SyncService(
        "iCloud Drive",
        names=frozenset({"icloud drive", "iclouddrive", "mobile documents", "com~apple~clouddocs"}),
    ),
    SyncService(
        "Google Drive",
        names=frozenset({"google drive", "googledrive", "my drive", "我的云端硬盘"}),
        prefixes=("googledrive-",),
    ),
    SyncService("Box", names=frozenset({"box", "box sync", "box drive"}), prefixes=("box-",)),
    SyncService("pCloud", prefixes=("pcloud",)),
    SyncService(
        "坚果云 (Nutstore)", names=frozenset({"我的坚果云", "坚果云"}), prefixes=("nutstore",)
    ),
    SyncService(
        "百度网盘 (Baidu Netdisk)",
        names=frozenset({"百度网盘", "百度网盘同步空间"}),
        prefixes=("baidunetdisk", "baidusyncdisk"),
    ),
    SyncService("Syncthing", markers=(".stfolder",)),
    SyncService("Resilio Sync", markers=(os.path.join(".sync", "IgnoreList"),)),
)


def synced_by(path: Path) -> list[tuple[SyncService, Path]]:
    """Each sync tool whose folder holds `path`, with that folder (innermost first, once each)."""
    found: dict[str, tuple[SyncService, Path]] = {}
    folder = Path(os.path.abspath(path)).parent
    for ancestor in (folder, *folder.parents):
        for service in SYNC_SERVICES:
            if service.name in found:
                continue
            if (ancestor.name and service.matches_name(ancestor.name)) or any(
                _exists(ancestor / marker) for marker in service.markers
            ):
                found[service.name] = (service, ancestor)
    return list(found.values())


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a share that stopped answering: no marker we can see
        return False


def location_warnings(path: Path) -> list[str]:
    """Why keeping the database at `path` risks it (cloud-synced folder); empty when fine."""
    return [
        _(
            "{path} is in a folder synced by {service} ({folder}). Sync tools copy the database "
            "while it is half-written and make “conflicted copies”, so changes get lost or the "
            "file is damaged. Keep the shared database on a network drive (a LAN share or a "
            "NAS) that is not synced, or use a team server."
        ).format(path=path, service=service.name, folder=folder)
        for service, folder in synced_by(path)
    ]
