"""Staff supervision for managers: how many follow-ups each person recorded on each day.

A table of people × days (a week by default) with totals; double-clicking a count opens that
person's follow-ups of that day in the list. The counting is the supervision service's (in the
manager's data scope); this page only lays the numbers out.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.clock import local_today
from crm_desktop.core.errors import CrmError, ValidationError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import DataScope
from crm_desktop.core.services import followups, operators
from crm_desktop.ui.context import AppContext

WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
MAX_DAYS = 92  # a quarter: more columns than that is no longer readable
NUMBER = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def week_of(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week holding `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def team_choices(ctx: AppContext) -> list[tuple[int, str]]:
    """Active teams to narrow a list to; empty for operators who see only their own records."""
    if ctx.actor.data_scope == DataScope.OWN:
        return []
    return [(t["id"], t["name"]) for t in operators.list_teams(ctx.db, ctx.actor) if t["active"]]


class SupervisionView(QWidget):
    """Counts of follow-ups by day and person for a chosen range (default: this week)."""

    open_day = Signal(int, str, object)  # operator id, name, date: show those follow-ups

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stale = True  # read when first shown
        self.people: list[int] = []
        self.days: list[date] = []
        self.names: dict[int, str] = {}
        first, last = week_of(local_today(ctx.db.clock))
        self.date_from = self._date_edit("supervisionFrom", first)
        self.date_to = self._date_edit("supervisionTo", last)
        self.team = QComboBox()
        self.team.setObjectName("supervisionTeam")
        self.team.addItem(_("All teams"), None)
        for team_id, name in team_choices(ctx):
            self.team.addItem(name, team_id)
        self.team.setVisible(self.team.count() > 1)
        self.team.currentIndexChanged.connect(lambda _i: self.reload())
        previous = QPushButton(_("◀ Previous week"))
        previous.clicked.connect(lambda: self.shift_week(-1))
        this_week = QPushButton(_("This week"))
        this_week.clicked.connect(self.this_week)
        following = QPushButton(_("Next week ▶"))
        following.clicked.connect(lambda: self.shift_week(1))

        self.message = QLabel()
        self.message.setObjectName("supervisionMessage")
        self.message.setWordWrap(True)
        self.table = QTableWidget()
        self.table.setObjectName("supervisionTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.cellDoubleClicked.connect(self._cell_opened)

        controls = QHBoxLayout()
        controls.addWidget(QLabel(_("From")))
        controls.addWidget(self.date_from)
        controls.addWidget(QLabel(_("To")))
        controls.addWidget(self.date_to)
        controls.addWidget(previous)
        controls.addWidget(this_week)
        controls.addWidget(following)
        controls.addWidget(self.team)
        controls.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

    def _date_edit(self, name: str, day: date) -> QDateEdit:
        edit = QDateEdit(_qdate(day))
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        # Not on every key typed into the box: a range query per digit would stutter.
        edit.editingFinished.connect(self.reload)
        edit.calendarWidget().clicked.connect(lambda _d: self.reload())
        return edit

    def range(self) -> tuple[date, date]:
        return self.date_from.date().toPython(), self.date_to.date().toPython()  # type: ignore[return-value]

    def set_range(self, first: date, last: date) -> None:
        for edit, day in ((self.date_from, first), (self.date_to, last)):
            blocked = edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(blocked)
        self.reload()

    def shift_week(self, weeks: int) -> None:
        first, last = self.range()
        self.set_range(first + timedelta(weeks=weeks), last + timedelta(weeks=weeks))

    def this_week(self) -> None:
        self.set_range(*week_of(local_today(self.ctx.db.clock)))

    # --- the table ---------------------------------------------------------------------------
    def reload(self) -> None:
        self.stale = False
        first, last = self.range()
        try:
            if (last - first).days >= MAX_DAYS:
                raise ValidationError(
                    _("Choose at most {days} days at a time.").format(days=MAX_DAYS)
                )
            rows = followups.supervision(
                self.ctx.db, self.ctx.actor, first, last, team_id=self.team.currentData()
            )
        except CrmError as exc:
            self.table.clear()
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            self.message.setText(exc.message)
            return
        self._fill(first, last, rows)

    def _fill(self, first: date, last: date, rows: list[followups.SupervisionRow]) -> None:
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        counts: dict[int, dict[date, int]] = defaultdict(dict)
        names: dict[int, str] = {}
        for row in rows:
            counts[row.operator_id][row.day] = row.count
            names[row.operator_id] = row.operator_name
        people = sorted(names, key=lambda op: names[op])
        self.people = people
        self.names = names
        self.days = days
        self.table.clear()
        self.table.setColumnCount(len(days) + 1)
        self.table.setRowCount(len(people) + 1)
        self.table.setHorizontalHeaderLabels(
            [f"{_(WEEKDAYS[d.weekday()])} {d:%m-%d}" for d in days] + [_("Total")]
        )
        self.table.setVerticalHeaderLabels([names[op] for op in people] + [_("Total")])
        for r, op in enumerate(people):
            for c, day in enumerate(days):
                self._cell(r, c, counts[op].get(day, 0))
            self._cell(r, len(days), sum(counts[op].values()), bold=True)
        for c, day in enumerate(days):
            self._cell(len(people), c, sum(counts[op].get(day, 0) for op in people), bold=True)
        self._cell(len(people), len(days), sum(row.count for row in rows), bold=True)
        self.message.setText("" if people else _("No follow-ups were recorded in these days."))

    def _cell(self, row: int, column: int, count: int, *, bold: bool = False) -> None:
        item = QTableWidgetItem(str(count) if count else "")
        item.setTextAlignment(NUMBER)
        if bold:
            font = QFont(item.font())
            font.setBold(True)
            item.setFont(font)
        self.table.setItem(row, column, item)

    def count_at(self, operator_name: str, day: date) -> int:
        """The number shown for a person and a day (0 when the cell is empty)."""
        header = [self.table.verticalHeaderItem(r).text() for r in range(len(self.people))]
        item = self.table.item(header.index(operator_name), self.days.index(day))
        return int(item.text() or 0)

    def _cell_opened(self, row: int, column: int) -> None:
        if row < len(self.people) and column < len(self.days):
            operator_id = self.people[row]
            self.open_day.emit(operator_id, self.names[operator_id], self.days[column])
