"""Run slow work off the GUI thread (DESIGN §6), so the window never freezes on a LAN share.

    ops.run(lambda progress: importing.run(db, actor, path, progress=progress),
            parent=self, label=_("Importing customers…"), on_success=self._imported)

The function runs on a worker thread and receives `progress(done, total) -> bool`; returning
False from it means the person pressed Cancel (core functions then stop and roll back). A
progress dialog appears only when the work takes longer than half a second, so quick operations
do not flash a window. The result, or the error, comes back on the GUI thread: errors go to
`messages.show_error` unless the caller handles them. Nothing here knows about databases.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from crm_desktop.core.i18n import _

Progress = Callable[[int, int], bool]
Work = Callable[[Progress], Any]
DIALOG_DELAY_MS = 500
PROGRESS_EVERY_S = 0.05  # at most ~20 progress updates a second cross to the GUI thread

_pool: QThreadPool | None = None
_running: set[Operation] = set()


def pool() -> QThreadPool:
    """The app's own worker pool (not the global one, so shutdown can wait for just ours)."""
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(max(2, QThreadPool.globalInstance().maxThreadCount()))
    return _pool


def wait_for_all(msecs: int = 30_000) -> bool:
    """At shutdown: let running work (a backup, say) finish rather than cut it off."""
    return pool().waitForDone(msecs) if _pool is not None else True


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits through it, so slots run on the GUI thread."""

    progressed = Signal(int, int)
    done = Signal(object)
    error = Signal(object)


class _Task(QRunnable):
    def __init__(self, work: Work, relay: _Relay, cancel: threading.Event) -> None:
        super().__init__()
        self.work, self.relay, self.cancel = work, relay, cancel
        self._last_report = 0.0

    def progress(self, done: int, total: int) -> bool:
        now = time.monotonic()
        if now - self._last_report >= PROGRESS_EVERY_S or done >= total:
            self._last_report = now
            self._emit(self.relay.progressed, done, total)
        return not self.cancel.is_set()

    def run(self) -> None:
        try:
            result = self.work(self.progress)
        except BaseException as exc:  # delivered to the GUI thread, never lost on a worker
            self._emit(self.relay.error, exc)
        else:
            self._emit(self.relay.done, result)

    def _emit(self, signal: Any, *args: Any) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the app is shutting down and the relay is gone: nobody to tell
            self.cancel.set()


class Operation(QObject):
    """A handle on one piece of background work; exactly one of the outcomes is emitted."""

    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()  # after any outcome

    def __init__(self, parent: QWidget | None, label: str, cancellable: bool) -> None:
        super().__init__()
        self._parent = parent
        self._label = label
        self._cancellable = cancellable
        self._cancel = threading.Event()
        self._relay = _Relay()
        self._relay.progressed.connect(self._on_progress)
        self._relay.done.connect(self._on_done)
        self._relay.error.connect(self._on_error)
        self.dialog: QProgressDialog | None = None
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self._progress: tuple[int, int] | None = None

    @property
    def was_cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the work to stop; it sees False from its next progress() call."""
        self._cancel.set()
        if self.dialog is not None:
            self.dialog.setLabelText(_("Cancelling…"))

    def start(self, work: Work, delay_ms: int | None) -> None:
        _running.add(self)
        if delay_ms is not None:
            QTimer.singleShot(delay_ms, self._show_dialog)
        pool().start(_Task(work, self._relay, self._cancel))

    @Slot()
    def _show_dialog(self) -> None:
        if self.done or self.dialog is not None:
            return
        cancel_text = _("Cancel") if self._cancellable else ""
        dialog = QProgressDialog(self._label, cancel_text, 0, 0, self._parent)
        dialog.setWindowTitle(_("Please wait"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if not self._cancellable:
            dialog.setCancelButton(None)
        dialog.canceled.connect(self.cancel)  # the Cancel button and closing the dialog
        dialog.rejected.connect(self.cancel)  # Esc
        self.dialog = dialog
        if self._progress is not None:
            self._on_progress(*self._progress)
        dialog.show()

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self._progress = (done, total)
        if self.dialog is not None and total > 0:
            self.dialog.setMaximum(total)
            self.dialog.setValue(min(done, total))

    @Slot(object)
    def _on_done(self, result: Any) -> None:
        self.result = result
        self._finish()
        if self._parent_alive():
            self.succeeded.emit(result)
        self.finished.emit()

    @Slot(object)
    def _on_error(self, exc: BaseException) -> None:
        self.error = exc
        self._finish()
        if not self._parent_alive():
            pass  # the window that asked is gone; nobody is left to tell
        elif self.was_cancelled:
            self.cancelled.emit()  # the work stopped because it was asked to: not an error
        else:
            self.failed.emit(exc)
        self.finished.emit()

    def _parent_alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    def _finish(self) -> None:
        self.done = True
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.canceled.disconnect(self.cancel)
            self.dialog.rejected.disconnect(self.cancel)
            self.dialog.close()
            self.dialog.deleteLater()
        self.dialog = None
        _running.discard(self)


def run(
    work: Work,
    *,
    parent: QWidget | None = None,
    label: str = "",
    on_success: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
    show_progress: bool = True,
    cancellable: bool = True,
    delay_ms: int = DIALOG_DELAY_MS,
) -> Operation:
    """Start `work(progress)` on a worker thread and return its `Operation`.

    Without `on_error` a failure is shown with `messages.show_error`. `show_progress=False` is for
    quiet housekeeping (heartbeats, the daily backup) that must not put up any window.
    """
    operation = Operation(parent, label or _("Working…"), cancellable)
    if on_success is not None:
        operation.succeeded.connect(on_success)
    operation.failed.connect(on_error or (lambda exc: _show_error(parent, exc)))
    if on_cancelled is not None:
        operation.cancelled.connect(on_cancelled)
    operation.start(work, delay_ms if show_progress else None)
    return operation


def _show_error(parent: QWidget | None, exc: BaseException) -> None:
    from crm_desktop.ui.messages import show_error

    show_error(parent, exc)
