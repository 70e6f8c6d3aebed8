"""A `ReportTable` as a sortable table: the shared `RecordTableModel` over its plain rows.

Money is right-aligned with thousands separators, counts too, percents as "12.5 %"; sorting
compares the raw values (Decimal, int, date), never the shown text; the totals row is bold and
stays last whichever way the person sorts. Used by the statistics tab and the drill dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from crm_desktop.core.money import format_money
from crm_desktop.core.reports.tables import ReportColumn, ReportTable
from crm_desktop.ui.widgets.record_table_model import (
    RIGHT,
    Column,
    RecordFilterProxy,
    RecordTableModel,
)

AnyIndex = QModelIndex | QPersistentModelIndex
MAX_AUTO_WIDTH = 320  # pixels: a long name column does not push the numbers out of sight


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _count(value: Any) -> str:
    return f"{value:,}" if _is_number(value) else _text(value)


def _money(value: Any) -> str:
    return format_money(Decimal(value)) if _is_number(value) else _text(value)


def _percent(value: Any) -> str:
    return f"{float(value) * 100:,.1f} %" if _is_number(value) else _text(value)


def _decimal(value: Any) -> str:
    return f"{float(value):,.2f}" if _is_number(value) else _text(value)


def _text(value: Any) -> str:
    """Whatever else a cell holds (a totals row's "Total" in a number column) as it is."""
    return "" if value is None else str(value)


FORMATTERS: dict[str, Callable[[Any], str]] = {
    "money": _money,
    "int": _count,
    "days": _count,
    "percent": _percent,
    "month": _text,
}


@dataclass(frozen=True)
class NumberColumn(Column):
    """A column shown through a formatter but sorted on its raw number."""

    def sort_value(self, row: Any) -> Any:
        return self.raw(row)


def report_column(index: int, column: ReportColumn) -> Column:
    """The list column for one report column (rows are tuples: the key is the index)."""
    kind = column.kind
    if kind == "date":
        return Column(index, column.label, kind)
    if kind == "text":
        return Column(index, column.label, "text")
    formatter = FORMATTERS.get(kind, _decimal)
    alignment = None if kind == "month" else RIGHT
    return NumberColumn(index, column.label, "text", formatter=formatter, alignment=alignment)


class ReportModel(RecordTableModel):
    """A report's rows plus its totals row (bold, the last row)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__([], key=0, parent=parent)
        self.table: ReportTable | None = None
        self.totals: tuple[Any, ...] | None = None

    def show_table(self, table: ReportTable | None) -> None:
        self.table = table
        self.totals = table.totals if table is not None and table.rows else None
        self.set_rows([])  # no row may be read with the new columns before the new rows are in
        self.beginResetModel()
        self.columns = (
            [] if table is None else [report_column(i, c) for i, c in enumerate(table.columns)]
        )
        self.endResetModel()
        rows = [] if table is None else list(table.rows)
        self.set_rows(rows + ([self.totals] if self.totals is not None else []))

    def is_totals(self, source_row: int) -> bool:
        return self.totals is not None and source_row == self.source.count() - 1

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.FontRole and index.isValid() and self.is_totals(index.row()):
            font = QFont()
            font.setBold(True)
            return font
        try:
            return super().data(index, role)
        except (TypeError, ValueError, ArithmeticError):
            # An odd cell must not reach Qt as an exception (PySide aborts on it): shown raw.
            value = self.columns[index.column()].raw(self.row_at(index.row()))
            return _text(value) if role == Qt.ItemDataRole.DisplayRole else None


class TotalsLastProxy(RecordFilterProxy):
    """Sorts on raw values; the totals row stays last in either direction."""

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        model = self.records()
        assert isinstance(model, ReportModel)
        left_total, right_total = model.is_totals(left.row()), model.is_totals(right.row())
        if left_total or right_total:
            ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return right_total if ascending else left_total
        return super().lessThan(left, right)


class ReportTableView(QTableView):
    """The table of a report; `source_row(index)` maps a clicked cell back to the report row
    (None for the totals row)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.report_model = ReportModel(self)
        self.proxy = TotalsLastProxy(self)
        self.proxy.setSourceModel(self.report_model)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the analysis's own order first
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.content_width = 0  # the columns' own widths, set by show_table
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

    def show_table(self, table: ReportTable | None) -> None:
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.report_model.show_table(table)
        self.resizeColumnsToContents()
        for section in range(self.report_model.columnCount()):
            if self.columnWidth(section) > MAX_AUTO_WIDTH:
                self.setColumnWidth(section, MAX_AUTO_WIDTH)
        self.content_width = self.horizontalHeader().length()

    def needed_width(self) -> int:
        """The width that shows every column whole."""
        frame = 2 * self.frameWidth() + self.verticalScrollBar().sizeHint().width()
        return self.content_width + frame

    def source_row(self, index: QModelIndex) -> int | None:
        """The report row behind a view index; None for the totals row or nothing."""
        if not index.isValid():
            return None
        row = self.proxy.mapToSource(index).row()
        return None if self.report_model.is_totals(row) else row

    def shown_texts(self) -> list[list[str]]:
        """Every cell as shown, row by row in the view's order (tests compare with core)."""
        proxy = self.proxy
        return [
            [str(proxy.index(r, c).data() or "") for c in range(proxy.columnCount())]
            for r in range(proxy.rowCount())
        ]
