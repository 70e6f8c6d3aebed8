"""The aging page: what customers still owe, by how long it is overdue.

Per customer or per salesperson (a toggle), the outstanding amounts fall into not due, 1–30,
31–60, 61–90 and over 90 days overdue, with a total per row and a bold totals row kept at the
bottom whatever the sort. Due dates come from the orders' payment plans (else the order date); the
receivables service computes the table off the GUI thread, as of a chosen day (today by the
injected clock). Double-clicking a customer opens their statement.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.clock import local_today
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.money import ZERO, format_money
from crm_desktop.core.services import receipts
from crm_desktop.core.services.receipts import AgingRow
from crm_desktop.ui import ops
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets.record_table_model import Column, RecordFilterProxy, RecordTableModel

AnyIndex = QModelIndex | QPersistentModelIndex
Grouping = Literal["customer", "salesperson"]
BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "over_90", "total")


def is_total(row: Any) -> bool:
    return getattr(row, "key_id", 0) is None


def totals_row(rows: list[AgingRow]) -> AgingRow:
    """The sums of every bucket, as one row named "Total" (key_id None)."""
    sums = [sum((getattr(r, key) for r in rows), ZERO) for key in BUCKETS]
    return AgingRow(None, _("Total"), *sums)


class TotalsModel(RecordTableModel):
    """A table model whose totals row (key_id None) is bold."""

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            role == Qt.ItemDataRole.FontRole
            and index.isValid()
            and is_total(self.row_at(index.row()))
        ):
            font = QFont()
            font.setBold(True)
            return font
        return super().data(index, role)


class TotalsLastProxy(RecordFilterProxy):
    """Sorts like every list, but the totals row stays last in either direction."""

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        model = self.records()
        left_total, right_total = (
            is_total(model.row_at(left.row())),
            is_total(model.row_at(right.row())),
        )
        if left_total or right_total:
            ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return right_total if ascending else left_total
        return super().lessThan(left, right)


def bucket_columns(name_title: str) -> list[Column]:
    titles = (
        _("Not due"),
        _("1–30 days"),
        _("31–60 days"),
        _("61–90 days"),
        _("Over 90 days"),
        _("Total"),
    )
    money = [
        Column(key, title, "money", width=110) for key, title in zip(BUCKETS, titles, strict=True)
    ]
    return [Column("name", name_title, width=240), *money]


class AgingPage(QWidget):
    """The aging table with its grouping toggle, as-of day and a status line."""

    open_statement = Signal(int, str)  # customer id, name
    computed = Signal()  # the table shows a fresh result (tests wait for it)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stale = True  # computed when first shown
        self.generation = 0  # results of an older request are dropped
        self.operation: ops.Operation | None = None

        self.by_customer = QRadioButton(_("By customer"))
        self.by_customer.setObjectName("agingByCustomer")
        self.by_salesperson = QRadioButton(_("By salesperson"))
        self.by_salesperson.setObjectName("agingBySalesperson")
        self.by_customer.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.by_customer)
        group.addButton(self.by_salesperson)
        group.buttonToggled.connect(lambda _button, on: on and self.reload())
        self.as_of = QDateEdit()
        self.as_of.setObjectName("agingAsOf")
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self._set_today()
        self.as_of.editingFinished.connect(self.reload)
        refresh = QPushButton(_("Refresh"))
        refresh.setToolTip(_("Compute the table again (F5)"))
        refresh.setShortcut("F5")
        refresh.clicked.connect(self.reload)
        self.status = QLabel()
        self.status.setObjectName("agingStatus")

        self.model = TotalsModel(bucket_columns(_("Customer")), key="key_id")
        self.proxy = TotalsLastProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("agingTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # names take the room
        self.table.doubleClicked.connect(self._double_clicked)
        self._size_columns()

        top = QHBoxLayout()
        top.addWidget(self.by_customer)
        top.addWidget(self.by_salesperson)
        top.addSpacing(16)
        top.addWidget(QLabel(_("As of")))
        top.addWidget(self.as_of)
        top.addWidget(refresh)
        top.addStretch()
        top.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    def _set_today(self) -> None:
        today = local_today(self.ctx.db.clock)
        self.as_of.setDate(QDate(today.year, today.month, today.day))

    def _size_columns(self) -> None:
        for section, column in enumerate(self.model.columns):
            if column.width:
                self.table.setColumnWidth(section, column.width)

    def grouping(self) -> Grouping:
        return "salesperson" if self.by_salesperson.isChecked() else "customer"

    def rows(self) -> list[AgingRow]:
        """The rows as shown, the totals row last."""
        return [self.proxy.row_at(i) for i in range(self.proxy.rowCount())]

    # --- computing ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Compute the table off the GUI thread; a newer request replaces an older one."""
        self.stale = False
        self.generation += 1
        generation, by = self.generation, self.grouping()
        as_of = self.as_of.date().toPython()
        db, actor = self.ctx.db, self.ctx.actor
        self.status.setText(_("Computing…"))
        self.operation = ops.run(
            lambda _progress: receipts.aging(db, actor, by, as_of=as_of),
            parent=self,
            label=_("Computing the aging table…"),
            on_success=lambda rows: self._show(generation, by, rows),
            on_error=lambda exc: self._failed(generation, exc),
            cancellable=False,
        )

    def _show(self, generation: int, by: Grouping, rows: list[AgingRow]) -> None:
        if generation != self.generation:
            return
        title = _("Customer") if by == "customer" else _("Salesperson")
        self.model.columns = bucket_columns(title)
        self.model.set_rows([*rows, totals_row(rows)] if rows else [])
        self._size_columns()
        total: Decimal = sum((r.total for r in rows), ZERO)
        if not rows:
            self.status.setText(_("Nobody owes anything."))
        elif by == "customer":
            self.status.setText(
                ngettext(
                    "{n} customer owes {total}", "{n} customers owe {total}", len(rows)
                ).format(n=len(rows), total=format_money(total))
            )
        else:
            self.status.setText(_("Outstanding in all: {total}").format(total=format_money(total)))
        self.computed.emit()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self.generation:
            return
        self.model.set_rows([])
        self.status.setText(_("Not computed."))
        from crm_desktop.ui.messages import show_error

        show_error(self, exc)
        self.computed.emit()

    def _double_clicked(self, index: QModelIndex) -> None:
        row = self.proxy.row_at(index.row())
        if self.grouping() == "customer" and not is_total(row):
            self.open_statement.emit(row.key_id, row.name)
