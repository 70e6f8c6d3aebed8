"""Reminders inside the running app: every 30 s ask which items are due, pop up a small window.

The question runs off the GUI thread (a LAN share may stall) and quietly: a failed check is
simply asked again at the next tick. A reminder window is not modal and stays on top; Dismiss
stamps the item in the database (every PC of the operator stops showing it), Snooze hides it
here for five minutes (closing the window does the same), Open dismisses it and opens the item.
A window whose item was dismissed or done elsewhere closes at the next check.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.services import calendar
from crm_desktop.ui import ops
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets.record_table_model import local_time

CHECK_EVERY_MS = 30_000
SNOOZE = timedelta(minutes=5)


def when_text(reminder: calendar.Reminder, now: datetime) -> str:
    """ "2026-11-23 14:00 (in 15 minutes)", or "(started)"."""
    at = local_time(reminder.starts_at).strftime("%Y-%m-%d %H:%M")
    minutes = int((reminder.starts_at - now).total_seconds() // 60)
    if minutes <= 0:
        return _("{time} (now)").format(time=at)
    soon = ngettext("in {n} minute", "in {n} minutes", minutes).format(n=minutes)
    return f"{at} ({soon})"


class ReminderPopup(QWidget):
    """One reminder: title, time, customer, place; Dismiss, Snooze 5 min, Open."""

    dismissed = Signal(int)
    snoozed = Signal(int)
    opened = Signal(int)

    def __init__(self, reminder: calendar.Reminder, now: datetime) -> None:
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
        self.reminder = reminder
        self.answered = False
        self.setObjectName("reminderPopup")
        self.setWindowTitle(_("Reminder"))
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        title = QLabel(reminder.title)
        title.setObjectName("reminderTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        title.setFont(font)
        title.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(calendar.kind_label(reminder.kind)))
        layout.addWidget(title)
        lines = [when_text(reminder, now)]
        if reminder.customer_name:
            lines.append(_("Customer: {name}").format(name=reminder.customer_name))
        if reminder.place:
            lines.append(_("Place: {place}").format(place=reminder.place))
        self.details = QLabel("\n".join(lines))
        self.details.setObjectName("reminderDetails")
        layout.addWidget(self.details)
        buttons = QHBoxLayout()
        self.dismiss_button = self._button(_("Dismiss"), self.dismissed, buttons)
        self.snooze_button = self._button(_("Snooze 5 min"), self.snoozed, buttons)
        self.open_button = self._button(_("Open"), self.opened, buttons)
        layout.addLayout(buttons)
        self.setMinimumWidth(340)

    def _button(self, text: str, signal: Any, row: QHBoxLayout) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(lambda: self._answer(signal))
        row.addWidget(button)
        return button

    def _answer(self, signal: Any) -> None:
        self.answered = True
        signal.emit(self.reminder.id)
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closed with the window's X: like Snooze, it comes back a little later."""
        if not self.answered:
            self.answered = True
            self.snoozed.emit(self.reminder.id)
        super().closeEvent(event)


class ReminderWatcher(QObject):
    """Started after login; shows each due reminder once until it is answered."""

    def __init__(
        self, ctx: AppContext, window: Callable[[], QWidget | None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.window = window
        self.popups: dict[int, ReminderPopup] = {}
        self.snoozed_until: dict[int, datetime] = {}
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        self.timer.start()
        self.check()

    def stop(self) -> None:
        self.timer.stop()
        for popup in list(self.popups.values()):
            popup.answered = True
            popup.close()
        self.popups.clear()

    def check(self) -> ops.Operation:
        """Ask the database off the GUI thread; the answer is shown on it."""
        ctx = self.ctx
        return ops.run(
            lambda _progress: calendar.due_reminders(ctx.db, ctx.actor),
            parent=self.window(),
            show_progress=False,
            on_success=self.show_due,
            on_error=lambda _exc: None,  # asked again at the next tick
        )

    def show_due(self, due: list[calendar.Reminder]) -> None:
        if not self.timer.isActive():
            return  # logged out meanwhile
        now = self.ctx.db.clock.now()
        wanted = {r.id for r in due}
        for item_id in [i for i in self.popups if i not in wanted]:
            self._close(item_id)  # dismissed or done elsewhere
        for reminder in due:
            if reminder.id in self.popups or self.snoozed_until.get(reminder.id, now) > now:
                continue
            popup = ReminderPopup(reminder, now)
            popup.dismissed.connect(self.dismiss)
            popup.snoozed.connect(self.snooze)
            popup.opened.connect(self.open)
            self.popups[reminder.id] = popup
            self._place(popup, len(self.popups) - 1)
            popup.show()

    def _place(self, popup: ReminderPopup, index: int) -> None:
        """Bottom right of the main window, stacked upwards."""
        window = self.window()
        if window is None:
            return
        popup.adjustSize()
        corner = window.geometry().bottomRight()
        popup.move(
            corner.x() - popup.width() - 24, corner.y() - (popup.height() + 40) * (index + 1)
        )

    def _close(self, item_id: int) -> None:
        popup = self.popups.pop(item_id, None)
        if popup is not None:
            popup.answered = True
            popup.close()
            popup.deleteLater()

    def dismiss(self, item_id: int) -> None:
        self._close(item_id)
        ctx = self.ctx
        ops.run(
            lambda _progress: calendar.dismiss_reminder(ctx.db, ctx.actor, item_id),
            parent=self.window(),
            show_progress=False,
            on_success=lambda _result: ctx.notify(Changes.of("appointments")),
        )

    def snooze(self, item_id: int) -> None:
        self._close(item_id)
        self.snoozed_until[item_id] = self.ctx.db.clock.now() + SNOOZE

    def open(self, item_id: int) -> None:
        from crm_desktop.ui.calendar.dialog import open_appointment

        self.dismiss(item_id)
        open_appointment(self.ctx, self.window(), item_id)
