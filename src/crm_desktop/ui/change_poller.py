"""Bring what other PCs changed into the open windows, and stay calm when the database is gone.

    poller = ChangePoller(ctx)          # the launcher owns one per session
    poller.start()                      # polls now, then every POLL_MS
    poller.stop()                       # at log-out

Every few seconds a worker thread asks the core `ChangeWatcher` what other app instances wrote;
anything it names goes to `ctx.notify(changes)`, the same path a local save takes, so each tab
refreshes exactly as after its own edits (keeping selection and scroll position). The poll never
runs on the GUI thread (a LAN share can stall for seconds) and never twice at once: while one is
still running, the next tick is skipped.

When a poll (or the heartbeat, through `went_offline`) fails because the database cannot be
reached — the share dropped, the NAS fell asleep, the file was renamed — `offline` carries one
calm sentence for the status bar: no message box every three seconds, no traceback, and what the
person typed stays in the open windows. Polling goes on; the first poll that works again emits
`online` and refreshes everything, since what happened meanwhile was not seen.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from crm_desktop.core.changes import Changes
from crm_desktop.core.db.watch import ChangeWatcher
from crm_desktop.core.errors import DatabaseError, DatabaseMissing, NotACrmDatabase
from crm_desktop.core.i18n import _
from crm_desktop.ui import ops
from crm_desktop.ui.context import AppContext

POLL_MS = 3000


def unreachable(exc: BaseException) -> bool:
    """Does `exc` mean the database cannot be reached (gone, the share failed, something else in
    its place)? A busy lock or a read-only file are other stories, told to whoever wrote."""
    return isinstance(exc, DatabaseMissing | NotACrmDatabase) or type(exc) is DatabaseError


class ChangePoller(QObject):
    """Polls the change log for one session; owns its `ChangeWatcher` (which is not thread-safe,
    so only one poll runs at a time)."""

    offline = Signal(str, str)  # the sentence for the status bar, the underlying reason
    online = Signal()  # reachable again after `offline`; everything has been refreshed
    problem = Signal(str)  # an unexpected failure (a bug, not the network): a passing notice

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.watcher: ChangeWatcher | None = None  # made by the first poll, on the worker
        self.operation: ops.Operation | None = None  # the poll running now, if any
        self.is_offline = False
        self.offline_text = ""
        self.offline_reason = ""
        self._active = False
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll_now)

    def start(self) -> None:
        """Start from the newest change (the windows have just read everything) and keep polling."""
        self._active = True
        self.poll_now()
        self.timer.start()

    def stop(self) -> None:
        """No more polls; a poll still running finishes on its worker and is ignored."""
        self._active = False
        self.timer.stop()

    def poll_now(self) -> ops.Operation | None:
        """Poll once now (the timer's tick; tests). None when the previous poll still runs."""
        if self.operation is not None:
            return None
        db, watcher = self.ctx.db, self.watcher

        def work(_progress: Any) -> tuple[ChangeWatcher, Changes]:
            db.check_reachable()  # a pooled connection would go on reading a moved file
            if watcher is None:  # its constructor reads the newest entry: not on the GUI thread
                return ChangeWatcher(db), Changes()
            return watcher, watcher.poll()

        operation = ops.run(
            work, show_progress=False, on_success=self._polled, on_error=self._failed
        )
        operation.finished.connect(lambda: self._finished(operation))
        self.operation = operation
        return operation

    def _finished(self, operation: ops.Operation) -> None:
        if self.operation is operation:
            self.operation = None

    def _polled(self, result: tuple[ChangeWatcher, Changes]) -> None:
        if not self._active:
            return
        self.watcher, changes = result
        if self.is_offline:
            self.is_offline, self.offline_text, self.offline_reason = False, "", ""
            self.online.emit()
            changes = Changes.everything()  # what changed while away was not seen
        self.ctx.notify(changes)

    def _failed(self, exc: BaseException) -> None:
        if not self._active:
            return
        if unreachable(exc):
            self.went_offline(exc)
        elif isinstance(exc, DatabaseError):
            return  # e.g. busy: another PC holds a long write; the next tick will see it
        else:
            text = _("Checking for changes from other PCs failed: {error}").format(error=exc)
            self.problem.emit(text)

    def went_offline(self, exc: BaseException) -> None:
        """The database cannot be reached (a poll or the heartbeat said so); said once."""
        if self.is_offline:
            return
        self.is_offline = True
        self.offline_text = _(
            "The database {location} is not reachable. What you typed stays in the open "
            "windows; retrying every few seconds."
        ).format(location=self.ctx.db.location)
        self.offline_reason = getattr(exc, "message", None) or str(exc)
        self.offline.emit(self.offline_text, self.offline_reason)
