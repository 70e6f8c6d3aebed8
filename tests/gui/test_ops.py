"""The background runner: results and errors come back on the GUI thread; Cancel stops work."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication, QPushButton

from crm_desktop.core.errors import CrmError, ValidationError
from crm_desktop.ui import ops


def test_result_arrives_on_the_gui_thread(qtbot):
    seen = {}

    def work(progress):
        seen["worker"] = QThread.currentThread()
        progress(1, 1)
        return 42

    def done(result):
        seen["result"] = result
        seen["delivered"] = QThread.currentThread()

    operation = ops.run(work, on_success=done)
    qtbot.waitUntil(lambda: operation.done)
    assert seen["result"] == 42
    assert seen["delivered"] is QApplication.instance().thread()
    assert seen["worker"] is not seen["delivered"]


def test_errors_go_to_the_error_handler(qtbot):
    errors = []
    operation = ops.run(
        lambda _p: (_ for _ in ()).throw(ValidationError("bad input")), on_error=errors.append
    )
    qtbot.waitUntil(lambda: operation.done)
    assert [str(e) for e in errors] == ["bad input"]


def test_unhandled_errors_are_shown_by_the_bridge(qtbot, boxes):
    operation = ops.run(lambda _p: 1 / 0)
    qtbot.waitUntil(lambda: operation.done)
    assert boxes[-1].kind == "box"
    assert "ZeroDivisionError" in boxes[-1].details


def test_progress_dialog_appears_for_slow_work_and_cancel_stops_it(qtbot):
    started, stop = threading.Event(), threading.Event()
    cancelled = []

    def work(progress):
        started.set()
        done = 0
        while progress(done, 1000):
            done = min(done + 1, 999)
            stop.wait(0.01)  # a slice of work; the test never sets `stop`
        raise CrmError("cancelled, nothing written")

    operation = ops.run(work, label="Slow", delay_ms=0, on_cancelled=lambda: cancelled.append(1))
    qtbot.waitUntil(lambda: operation.dialog is not None and operation.dialog.isVisible())
    assert operation.dialog.labelText() == "Slow"
    qtbot.waitUntil(lambda: operation.dialog.maximum() == 1000)
    qtbot.mouseClick(operation.dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: operation.done)
    assert cancelled == [1]
    assert operation.was_cancelled
    assert operation.dialog is None


def test_quick_work_shows_no_dialog(qtbot):
    operation = ops.run(lambda _p: "quick", delay_ms=60_000)
    qtbot.waitUntil(lambda: operation.done)
    assert operation.dialog is None
    assert operation.result == "quick"
