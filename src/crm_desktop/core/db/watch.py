"""Notice what other PCs changed: poll the change log, answer with the `Changes` to refresh.

    watcher = ChangeWatcher(db)          # starts after the newest entry: nothing to refresh yet
    changes = watcher.poll()             # every few seconds, off the GUI thread
    if changes: ctx.notify(changes)      # the same path a local edit uses

Each committed write appends one `change_log` row naming the kinds of records it touched and the
app instance that wrote it (`Database.instance_key`); this instance's own rows are skipped, since
the window that saved already announced them. The poll is one primary-key lookup when nothing
changed, so it is cheap on a shared file and on a server alike.

If the log was pruned past what this instance last saw (a PC asleep for a day), or rows vanished
(a restored backup), everything is refreshed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from crm_desktop.core.changes import Changes
from crm_desktop.core.db.database import Database, UnitOfWork
from crm_desktop.core.models import ChangeLogEntry

KEEP_LOG_FOR = timedelta(days=1)
MAX_ENTRIES_PER_POLL = 500  # more than this at once: refresh everything instead of reading them


@dataclass
class ChangeWatcher:
    """Remembers the last change-log entry seen; not thread-safe (one poller owns it)."""

    db: Database
    last_seen: int | None = None

    def __post_init__(self) -> None:
        if self.last_seen is None:
            self.last_seen = self.newest()

    def newest(self) -> int:
        with self.db.read() as session:
            return session.scalar(select(func.max(ChangeLogEntry.id))) or 0

    def poll(self) -> Changes:
        """What other instances changed since the last poll (empty when nothing)."""
        last = self.last_seen or 0
        with self.db.read() as session:
            newest = session.scalar(select(func.max(ChangeLogEntry.id))) or 0
            if newest == last:
                return Changes()
            if newest < last or newest - last > MAX_ENTRIES_PER_POLL:
                self.last_seen = newest
                return Changes.everything()
            rows = session.execute(
                select(ChangeLogEntry.origin, ChangeLogEntry.kinds).where(
                    ChangeLogEntry.id > last, ChangeLogEntry.id <= newest
                )
            ).all()
        self.last_seen = newest
        kinds = {
            kind
            for origin, text in rows
            if origin != self.db.instance_key
            for kind in text.split(",")
            if kind
        }
        return Changes(frozenset(kinds))


def prune(uow: UnitOfWork) -> None:
    """Drop log entries nobody needs any more (called when a session joins)."""
    cutoff = uow.clock.now() - KEEP_LOG_FOR
    uow.session.execute(delete(ChangeLogEntry).where(ChangeLogEntry.at < cutoff))
