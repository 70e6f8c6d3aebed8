"""The home tab (首页), opened after login: my target, the ranking and what needs doing today.

One `home.dashboard` call fills it: progress bars for this month's and this quarter's sales
target, the sales ranking, the opportunity funnel, customers with overdue money, today's
follow-ups and appointments, and the number of unread annotations. It refreshes when any of
those kinds of records change (here or on another PC), and only while it is on screen.

The dashboard is computed on a worker thread: it is the first tab after login, and its queries
(sales, receipts, aging) must delay neither the first paint nor typing elsewhere. A result that
arrives after a newer reload started is dropped. Those who may set targets get a "Set targets…"
button.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.clock import local_today
from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.money import format_money
from crm_desktop.core.services import calendar, home, targets
from crm_desktop.ui import ops
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.messages import show_error
from crm_desktop.ui.widgets.lazy_tab import LazyTab

KINDS = ("orders", "receipts", "targets", "followups", "appointments", "annotations")
MAX_BAR = 100


def percent_text(fraction: Decimal | None) -> str:
    return "—" if fraction is None else f"{fraction * 100:.1f}%"


def _table(headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: Sequence[Sequence[Any]], empty: str) -> None:
    """Show the rows (numbers right-aligned); no rows: one grey line saying so."""
    table.setRowCount(0)
    table.setRowCount(len(rows) or 1)
    if not rows:
        item = QTableWidgetItem(empty)
        item.setForeground(Qt.GlobalColor.gray)
        table.setItem(0, 0, item)
        table.setSpan(0, 0, 1, table.columnCount())
        return
    table.clearSpans()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(_cell(value))
            if isinstance(value, Decimal | int) and not isinstance(value, bool):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_money(value)
    return str(value)


class ProgressBox(QGroupBox):
    """One period's target: a bar and "actual / target (share)"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, MAX_BAR)
        self.bar.setTextVisible(True)
        self.figures = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.bar)
        layout.addWidget(self.figures)

    def show_progress(self, title: str, progress: home.Progress) -> None:
        self.setTitle(f"{title} · {progress.period.label} · {progress.holder_name}")
        fraction = progress.fraction
        self.bar.setValue(min(MAX_BAR, int((fraction or 0) * 100)))
        self.bar.setFormat(percent_text(fraction))
        if progress.target is None:
            text = _("Sales {actual}; no target set").format(actual=format_money(progress.actual))
        else:
            text = _("Sales {actual} of {target}").format(
                actual=format_money(progress.actual), target=format_money(progress.target)
            )
        self.figures.setText(text)


class HomeTab(LazyTab):
    reload_kinds = KINDS

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.board: home.Dashboard | None = None
        self.loading: ops.Operation | None = None  # the reload whose result will be shown
        self.dialog: Any = None  # the last dialog opened (tests)
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.unread = QLabel()
        self.message = QLabel()
        self.month, self.quarter = ProgressBox(), ProgressBox()
        self.set_targets = QPushButton(_("Set targets…"))
        self.set_targets.clicked.connect(self.open_targets)
        self.set_targets.setVisible(ctx.actor.can("targets.edit"))
        self.ranking = _table([_("Rank"), _("Salesperson"), _("Sales"), _("Target")])
        self.funnel = _table([_("Stage"), _("Opportunities"), _("Expected amount")])
        self.overdue = _table([_("Customer"), _("Overdue"), _("Over 90 days")])
        self.followups = _table([_("Customer"), _("Due on"), _("Planned")])
        self.agenda = _table([_("Time"), _(calendar.TITLE_LABEL), _("Customer"), _("Place")])
        self.ranking_box = QGroupBox()
        self.overdue_box = QGroupBox(_("Overdue receivables"))
        self._layout()
        self.reload()

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.unread)
        top.addWidget(self.set_targets)
        bars = QHBoxLayout()
        bars.addWidget(self.month)
        bars.addWidget(self.quarter)
        grid = QGridLayout()
        boxes = [
            (self.ranking_box, self.ranking),
            (QGroupBox(_("My funnel")), self.funnel),
            (self.overdue_box, self.overdue),
            (QGroupBox(_("Today's follow-ups")), self.followups),
            (QGroupBox(_("Today's appointments")), self.agenda),
        ]
        for index, (box, table) in enumerate(boxes):
            inner = QVBoxLayout(box)
            inner.addWidget(table)
            grid.addWidget(box, index // 3, index % 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addLayout(bars)
        layout.addLayout(grid, 1)

    # --- loading -------------------------------------------------------------------------------

    def reload(self) -> None:
        """Compute the dashboard off the GUI thread; the newest reload wins."""
        self.stale = False
        day = local_today(self.ctx.db.clock)
        self.heading.setText(
            _("{name}, today is {date}").format(name=self.ctx.actor.name, date=day.isoformat())
        )
        db, actor = self.ctx.db, self.ctx.actor
        operation = ops.run(
            lambda _progress: home.dashboard(db, actor, day),
            parent=self,
            show_progress=False,
            on_success=lambda board: self._loaded(operation, board),
            on_error=lambda exc: self._failed(operation, exc),
        )
        self.loading = operation

    def _loaded(self, operation: ops.Operation, board: home.Dashboard) -> None:
        if operation is not self.loading:
            return  # a newer reload is on its way
        self.loading = None
        self.board = board
        self.message.hide()
        self._show(board)

    def _failed(self, operation: ops.Operation, exc: BaseException) -> None:
        if operation is not self.loading:
            return
        self.loading = None
        if not isinstance(exc, CrmError):
            from crm_desktop.ui.messages import show_error

            show_error(self, exc)  # a bug: reported, not swallowed
            return
        self.board = None
        self.message.setText(exc.message)
        self.message.show()

    def _show(self, board: home.Dashboard) -> None:
        self.month.show_progress(_("This month"), board.month)
        self.quarter.show_progress(_("This quarter"), board.quarter)
        self.ranking_box.setTitle(board.ranking_title)
        ranking = [(r.rank, r.name, r.sales, r.target) for r in board.ranking]
        _fill(self.ranking, ranking, _("No sales this month yet."))
        funnel = [(s.name, s.count, s.amount) for s in board.funnel]
        _fill(self.funnel, funnel, _("No opportunities."))
        self.overdue_box.setTitle(
            _("Overdue receivables ({amount})").format(amount=format_money(board.overdue_total))
        )
        overdue = [(r.customer_name, r.overdue, r.over_90) for r in board.overdue]
        _fill(self.overdue, overdue, _("Nothing is overdue."))
        due = [(f.customer_name, f.next_followup_on, f.next_action) for f in board.followups]
        _fill(self.followups, due, _("Nothing due today."))
        agenda = [
            (_time(a.starts_at), a.title, a.customer_name, a.place) for a in board.appointments
        ]
        _fill(self.agenda, agenda, _("No appointments today."))
        count = board.unread_annotations
        self.unread.setText(
            ngettext("{n} unread annotation", "{n} unread annotations", count).format(n=count)
        )

    def open_targets(self) -> None:
        self.dialog = TargetsDialog(self.ctx, self)
        self.dialog.open()


def _time(at: Any) -> str:
    if at is None:
        return _("All day")
    return f"{at.astimezone():%H:%M}"


class TargetsDialog(QDialog):
    """Targets of one period in an editable grid: sales, received, new customers per team and
    salesperson the operator may set. Saving writes the changed rows."""

    COLUMNS = 3  # editable: sales, received, new customers

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Set targets"))
        self.resize(640, 480)
        self.period = QLineEdit(targets.period_of("month", local_today(ctx.db.clock)).label)
        self.period.setPlaceholderText(_("2026-11, 2026-Q4 or 2026"))
        self.period.editingFinished.connect(self.load)
        self.grid = QTableWidget(0, 5)
        self.grid.setHorizontalHeaderLabels(
            [_("Code"), _("Name"), _("Sales target"), _("Received target"), _("New customers")]
        )
        self.grid.verticalHeader().hide()
        self.grid.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Period")))
        row.addWidget(self.period)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.grid, 1)
        layout.addWidget(buttons)
        self.choices: list[targets.HolderChoice] = []
        self.loaded: dict[targets.Holder, tuple[str, str, str]] = {}
        self.load()

    def load(self) -> None:
        try:
            period = targets.parse_period(self.period.text())
            self.choices = targets.settable_holders(self.ctx.db, self.ctx.actor)
            current = {
                r.holder: r for r in targets.list_targets(self.ctx.db, self.ctx.actor, period)
            }
        except CrmError as exc:
            show_error(self, exc)
            return
        self.grid.setRowCount(len(self.choices))
        self.loaded = {}
        for r, choice in enumerate(self.choices):
            found = current.get(choice.holder)
            values = (
                _cell(found.sales_amount) if found else "",
                _cell(found.received_amount) if found else "",
                _cell(found.new_customers) if found else "",
            )
            self.loaded[choice.holder] = values
            name = (
                choice.name if choice.holder.kind == "operator" else f"[{_('Team')}] {choice.name}"
            )
            for c, text in enumerate((choice.code, name, *values)):
                item = QTableWidgetItem(text)
                if c < 2:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.grid.setItem(r, c, item)

    def _values(self, row: int) -> tuple[str, str, str]:
        texts = [
            (self.grid.item(row, c).text() if self.grid.item(row, c) else "") for c in (2, 3, 4)
        ]
        return (texts[0].strip(), texts[1].strip(), texts[2].strip())

    def save(self) -> None:
        try:
            period = targets.parse_period(self.period.text())
            changed = 0
            for row, choice in enumerate(self.choices):
                values = self._values(row)
                if values == self.loaded.get(choice.holder) or not values[0]:
                    continue
                sales, received, new = (v.replace(",", "") for v in values)
                targets.set_target(
                    self.ctx.db,
                    self.ctx.actor,
                    choice.holder,
                    period.kind,
                    period.start,
                    sales,
                    received or None,
                    new or None,
                )
                changed += 1
        except CrmError as exc:
            show_error(self, exc)
            return
        if changed:
            self.ctx.notify(Changes.of("targets"))
        self.accept()
