"""The calendar tab (日程): one day or one week, a column per day with its items in time order.

Each column lists the day's planned follow-ups (all day, green), appointments (blue) and tasks
(yellow); done items are grey and struck through. Previous/Today/Next move by a day or a week;
a manager picks a team member's calendar to read it. Double-click opens an item (a planned
follow-up opens its customer); double-click on an empty part of a day creates an item then.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.clock import local_today
from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.services import calendar
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import prompts
from crm_desktop.ui.widgets.lazy_tab import LazyTab
from crm_desktop.ui.widgets.record_table_model import local_time

KINDS = ("appointments", "followups", "customers")
WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
COLOURS = {
    calendar.AppointmentKind.APPOINTMENT: "#e3efff",
    calendar.AppointmentKind.TASK: "#fff6d6",
    calendar.FOLLOWUP: "#e4f5e4",
}
ITEM_ROLE = Qt.ItemDataRole.UserRole
WEEK, DAY = "week", "day"


def item_text(item: calendar.AgendaItem) -> str:
    """Two short lines: when and what, then with whom and where."""
    if item.all_day:
        first = _("Follow up: {customer}").format(customer=item.customer_name)
    else:
        assert item.starts_at is not None
        when = local_time(item.starts_at).strftime("%H:%M")
        if item.ends_at is not None:
            when += "–" + local_time(item.ends_at).strftime("%H:%M")
        mark = ("☑ " if item.done else "☐ ") if item.kind == calendar.AppointmentKind.TASK else ""
        first = f"{mark}{when}  {item.title}"
    details = [part for part in (item.customer_name, item.contact_name, item.place) if part]
    if item.all_day:
        details = []
    return "\n".join([first, " · ".join(details)]) if details else first


class DayColumn(QFrame):
    """One day: a heading and the list of its items."""

    def __init__(self, tab: CalendarTab) -> None:
        super().__init__()
        self.tab = tab
        self.day = date.today()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.heading = QLabel()
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.itemDoubleClicked.connect(lambda entry: tab.open_item(entry.data(ITEM_ROLE)))
        self.list.itemSelectionChanged.connect(lambda: tab.selected_in(self))
        self.list.viewport().installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.heading)
        layout.addWidget(self.list, 1)

    def show_day(self, day: date, items: list[calendar.AgendaItem], today: date) -> None:
        self.day = day
        name = _(WEEKDAYS[day.weekday()])
        self.heading.setText(f"{name}  {day.month}-{day.day:02d}")
        style = "font-weight: bold; padding: 4px;"
        if day == today:
            style += " background: #2f6fd0; color: white; border-radius: 3px;"
        self.heading.setStyleSheet(style)
        self.list.clear()
        for item in items:
            entry = QListWidgetItem(item_text(item))
            entry.setData(ITEM_ROLE, item)
            entry.setBackground(QBrush(QColor(COLOURS.get(item.kind, "#eeeeee"))))
            entry.setToolTip(item.title)
            if item.done:
                font = QFont(entry.font())
                font.setStrikeOut(True)
                entry.setFont(font)
                entry.setForeground(QBrush(QColor("#888888")))
            self.list.addItem(entry)

    def eventFilter(self, watched: Any, event: Any) -> bool:
        """Double-click on an empty part of the day: a new item on that day."""
        if event.type() == event.Type.MouseButtonDblClick and self.list.itemAt(event.pos()) is None:
            self.tab.new_item(self.day)
            return True
        return super().eventFilter(watched, event)


class CalendarTab(LazyTab):
    """The operator's calendar (or, for a manager, a team member's) by day or by week."""

    reload_kinds = KINDS

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.mode = WEEK
        self.anchor = local_today(ctx.db.clock)
        self.items: list[calendar.AgendaItem] = []
        self.selected: calendar.AgendaItem | None = None
        self.stale = False
        self.dialog: Any = None  # the last dialog opened (tests)
        self.columns: list[DayColumn] = []
        self._build()
        self.reload()

    # --- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        def button(text: str, slot: Any, name: str) -> QPushButton:
            widget = QPushButton(text)
            widget.setObjectName(name)
            widget.clicked.connect(slot)
            return widget

        self.previous = button("◀", lambda: self.move(-1), "calendarPrevious")
        self.previous.setToolTip(_("Previous"))
        self.today_button = button(_("Today"), self.go_today, "calendarToday")
        self.next = button("▶", lambda: self.move(1), "calendarNext")
        self.next.setToolTip(_("Next"))
        self.period = QLabel()
        self.period.setObjectName("calendarPeriod")
        font = self.period.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.period.setFont(font)
        self.view = QComboBox()
        self.view.addItem(_("Week"), WEEK)
        self.view.addItem(_("Day"), DAY)
        self.view.currentIndexChanged.connect(lambda _i: self.set_mode(self.view.currentData()))
        self.owner = QComboBox()
        self.owner.setObjectName("calendarOwner")
        for operator_id, name in self._owners():
            self.owner.addItem(name, operator_id)
        self.owner.setVisible(self.owner.count() > 1)
        self.owner.currentIndexChanged.connect(lambda _i: self.reload())
        self.new_button = button(_("New…"), lambda: self.new_item(None), "calendarNew")
        self.open_button = button(_("Open"), lambda: self.open_item(self.selected), "calendarOpen")
        self.done_button = button(_("Mark done"), self.toggle_done, "calendarDone")
        self.delete_button = button(_("Delete"), self.delete_selected, "calendarDelete")

        bar = QHBoxLayout()
        for widget in (self.previous, self.today_button, self.next):
            bar.addWidget(widget)
        bar.addSpacing(12)
        bar.addWidget(self.period)
        bar.addStretch(1)
        for widget in (self.owner, self.view, self.new_button, self.open_button):
            bar.addWidget(widget)
        bar.addWidget(self.done_button)
        bar.addWidget(self.delete_button)
        self.days = QHBoxLayout()
        self.days.setSpacing(4)
        self.message = QLabel()
        self.message.setObjectName("calendarMessage")
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addLayout(self.days, 1)

    def _owners(self) -> list[tuple[int, str]]:
        try:
            return calendar.calendar_owners(self.ctx.db, self.ctx.actor)
        except CrmError:
            return [(self.ctx.actor.id, self.ctx.actor.name)]

    # --- the period --------------------------------------------------------------------------
    def first_and_last(self) -> tuple[date, date]:
        if self.mode == DAY:
            return self.anchor, self.anchor
        monday = self.anchor - timedelta(days=self.anchor.weekday())
        return monday, monday + timedelta(days=6)

    def move(self, steps: int) -> None:
        self.anchor += timedelta(days=steps * (1 if self.mode == DAY else 7))
        self.reload()

    def go_today(self) -> None:
        self.anchor = local_today(self.ctx.db.clock)
        self.reload()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.view.setCurrentIndex(self.view.findData(mode))
        self.reload()

    @property
    def owner_id(self) -> int:
        return self.owner.currentData() or self.ctx.actor.id

    @property
    def is_mine(self) -> bool:
        return self.owner_id == self.ctx.actor.id

    # --- loading -----------------------------------------------------------------------------
    def reload(self) -> None:
        self.stale = False
        first, last = self.first_and_last()
        try:
            self.items = calendar.agenda(self.ctx.db, self.ctx.actor, first, last, self.owner_id)
            self.message.hide()
        except CrmError as exc:
            self.items = []
            self.message.setText(exc.message)
            self.message.show()
        if first == last:
            self.period.setText(f"{first.isoformat()}  {_(WEEKDAYS[first.weekday()])}")
        else:
            self.period.setText(f"{first.isoformat()} – {last.isoformat()}")
        self._show_columns(first, last)
        self.selected = None
        self._enable()

    def _show_columns(self, first: date, last: date) -> None:
        count = (last - first).days + 1
        while len(self.columns) < count:
            column = DayColumn(self)
            self.columns.append(column)
            self.days.addWidget(column, 1)
        while len(self.columns) > count:
            column = self.columns.pop()
            self.days.removeWidget(column)
            column.hide()  # at once: deleteLater waits for the event loop
            column.deleteLater()
        today = local_today(self.ctx.db.clock)
        for offset, column in enumerate(self.columns):
            day = first + timedelta(days=offset)
            column.show_day(day, [i for i in self.items if i.day == day], today)

    # --- selection and actions ---------------------------------------------------------------
    def selected_in(self, column: DayColumn) -> None:
        entries = column.list.selectedItems()
        if not entries:
            if all(not c.list.selectedItems() for c in self.columns):
                self.selected = None
            self._enable()
            return
        for other in self.columns:
            if other is not column:
                other.list.blockSignals(True)
                other.list.clearSelection()
                other.list.blockSignals(False)
        self.selected = entries[0].data(ITEM_ROLE)
        self._enable()

    def _enable(self) -> None:
        item = self.selected
        own_stored = item is not None and item.id is not None and self.is_mine
        self.new_button.setEnabled(self.is_mine)
        self.open_button.setEnabled(item is not None)
        self.done_button.setEnabled(own_stored)
        self.delete_button.setEnabled(own_stored)
        done = bool(item and item.done)
        self.done_button.setText(_("Mark not done") if done else _("Mark done"))

    def new_item(self, day: date | None) -> Any:
        if not self.is_mine:
            return None
        from crm_desktop.ui.calendar.dialog import open_appointment

        start = None
        if day is not None:
            now = local_time(self.ctx.db.clock.now())
            hour = min(now.hour + 1, 23) if day == now.date() else 9
            start = datetime.combine(day, time(hour, 0))
        self.dialog = open_appointment(self.ctx, self, start=start)
        return self.dialog

    def open_item(self, item: calendar.AgendaItem | None) -> Any:
        if item is None:
            return None
        if item.id is None:  # a planned follow-up: its customer
            from crm_desktop.ui.customers.detail import open_customer

            self.dialog = open_customer(self.ctx, self, item.customer_id)
        else:
            from crm_desktop.ui.calendar.dialog import open_appointment

            self.dialog = open_appointment(self.ctx, self, item.id)
        return self.dialog

    def toggle_done(self) -> None:
        item = self.selected
        if item is None or item.id is None:
            return
        try:
            calendar.set_done(self.ctx.db, self.ctx.actor, item.id, not item.done)
        except CrmError as exc:
            prompts.show_error(self, exc)
            return
        self.ctx.notify(Changes.of("appointments"))
        self.reload()

    def delete_selected(self) -> None:
        item = self.selected
        if item is None or item.id is None:
            return
        question = _("Delete “{title}”?").format(title=item.title)
        if not prompts.confirm(self, _("Delete"), question):
            return
        try:
            calendar.delete_appointment(self.ctx.db, self.ctx.actor, item.id)
        except CrmError as exc:
            prompts.show_error(self, exc)
            return
        self.ctx.notify(Changes.of("appointments"))
        self.reload()
