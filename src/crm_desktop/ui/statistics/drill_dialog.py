"""The records behind one figure of an analysis: a window listing them, opened by a drill-down.

`core.reports.drill.drill_rows` lists them (same scope as the analysis; their money adds up to the
figure) off the GUI thread; this window shows that table with its totals row. Double-clicking a
record opens it as the other tabs do: the customer column (or a customer listing) opens the
customer's window, an order's row opens the order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _
from crm_desktop.core.reports.tables import Drill, ReportTable
from crm_desktop.ui import ops
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.messages import show_error
from crm_desktop.ui.statistics.table_view import ReportTableView

ORDER_KINDS = ("orders", "order_lines")
CUSTOMER_COLUMNS = ("customer",)  # double-clicking this column opens the customer


class DrillDialog(QDialog):
    """A listing of records (a `ReportTable` from drill_rows) for the drill `drill`."""

    opened_record = Signal(str, int)  # "customer" | "order", id (tests wait for it)

    def __init__(
        self,
        ctx: AppContext,
        drill: Drill,
        table: ReportTable,
        heading: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.drill = drill
        self.table = table
        self.setObjectName("drillDialog")
        self.setWindowTitle(heading or table.title)
        self.opened: Any = None  # the record window opened last

        title = QLabel(heading or table.title)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.note = QLabel(table.note)
        self.note.setWordWrap(True)
        self.note.setVisible(bool(table.note))
        hint = QLabel(_("Double-click a record to open it."))
        hint.setEnabled(False)
        self.view = ReportTableView("drillTable")
        self.view.show_table(table)
        self.view.doubleClicked.connect(self._double_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.note)
        layout.addWidget(self.view, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.resize(900, 520)

    def rows(self) -> list[tuple[Any, ...]]:
        return list(self.table.rows)

    # --- opening a record ----------------------------------------------------------------------
    def _double_clicked(self, index: QModelIndex) -> None:
        row = self.view.source_row(index)
        if row is None:
            return
        key = self.table.columns[index.column()].key
        try:
            self.open_row(row, customer=key in CUSTOMER_COLUMNS)
        except CrmError as exc:
            show_error(self, exc)

    def open_row(self, row: int, *, customer: bool = False) -> None:
        """Open the record of `row`: the order of an order listing, else (or when the customer
        column was clicked) its customer."""
        order_id = None if customer else self._order_id(row)
        if order_id is not None:
            self._open_order(order_id)
            return
        customer_id = self._customer_id(row)
        if customer_id is not None:
            self._open_customer(customer_id)

    def _cells(self, row: int) -> dict[str, Any]:
        values = self.table.rows[row]
        return {column.key: values[i] for i, column in enumerate(self.table.columns)}

    def _given(self, row: int, key: str) -> int | None:
        """An id the listing put in the row's own drill, if it did."""
        own = self.table.drills[row] if row < len(self.table.drills) else None
        value = own.filters.get(key) if own is not None else None
        return value if isinstance(value, int) else None

    def _order_id(self, row: int) -> int | None:
        """The order of a row of an order listing (by its id, else by its number)."""
        if self.drill.kind not in ORDER_KINDS:
            return None
        given = self._given(row, "order_id")
        number = self._cells(row).get("number")
        if given is not None or not number:
            return given
        from crm_desktop.core.services import orders

        return orders.order_id_by_number(self.ctx.db, self.ctx.actor, str(number))

    def _customer_id(self, row: int) -> int | None:
        """The customer of a row (by id, else by the customer's code or name)."""
        given = self._given(row, "customer_id")
        if given is not None:
            return given
        cells = self._cells(row)
        if self.drill.kind == "customers":
            wanted = cells.get("code") or cells.get("name")
        else:
            wanted = cells.get("customer")
        if not wanted:
            return None
        from crm_desktop.core.services import customers

        return customers.resolve_customer(self.ctx.db, self.ctx.actor, str(wanted))

    def _open_customer(self, customer_id: int) -> None:
        from crm_desktop.ui.customers.detail import open_customer

        self.opened = open_customer(self.ctx, self, customer_id)
        self.opened_record.emit("customer", customer_id)

    def _open_order(self, order_id: int) -> None:
        from crm_desktop.ui.sales.document_dialog import open_document

        self.opened = open_document(self.ctx, self, "order", order_id)
        self.opened_record.emit("order", order_id)


def row_label(table: ReportTable, row: int) -> str:
    """What a row is about: its chart category (a salesperson's name), else its first text."""
    values = table.rows[row]
    category = table.chart.category
    if category and any(c.key == category for c in table.columns):
        value = values[table.column(category)]
        return "" if value is None else str(value)
    return next((str(v) for v in values if isinstance(v, str) and v), "")


def cell_target(table: ReportTable, row: int, column_key: str = "") -> tuple[Drill, str] | None:
    """The drill of a row, or of one cell of a cross table, and a heading that names it."""
    from crm_desktop.core.reports.drill import cell_drill

    own = table.drills[row] if 0 <= row < len(table.drills) else None
    drill = cell_drill(table, row, column_key) if column_key else own
    if drill is None:
        return None
    label = row_label(table, row)
    heading = f"{table.title} — {label}" if label else table.title
    if drill != own:
        heading += f" × {table.columns[table.column(column_key)].label}"
    return drill, heading


def open_drill(
    ctx: AppContext,
    parent: QWidget,
    drill: Drill,
    heading: str = "",
    on_opened: Callable[[DrillDialog], None] | None = None,
) -> ops.Operation:
    """List the records behind `drill` off the GUI thread, then show them in a `DrillDialog`
    (`on_opened(dialog)` is called with it)."""
    from crm_desktop.core.reports.drill import drill_rows

    db, actor = ctx.db, ctx.actor

    def show(table: ReportTable) -> None:
        dialog = DrillDialog(ctx, drill, table, heading, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        if on_opened is not None:
            on_opened(dialog)

    return ops.run(
        lambda _progress: drill_rows(db, actor, drill),
        parent=parent,
        label=_("Listing the records…"),
        on_success=show,
        on_cancelled=lambda: None,
    )
