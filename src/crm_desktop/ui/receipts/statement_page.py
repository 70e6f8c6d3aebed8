"""The customer statement: what a customer was billed and paid over a period, with the balance.

Pick a customer (searched like everywhere else) and a period; the receivables service computes the
opening balance (everything before the period), one line per order (debit) and receipt (credit)
in the period with the running balance, and the closing balance, off the GUI thread. The lines
keep the service's order: sorting them would break the running balance.

Printing or saving the statement is not offered yet.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.clock import local_today
from crm_desktop.core.i18n import N_, _, ngettext
from crm_desktop.core.money import format_money
from crm_desktop.core.services import receipts
from crm_desktop.core.services.receipts import Statement
from crm_desktop.ui import ops
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.followups.dialog import CustomerPicker
from crm_desktop.ui.receipts.payment_plan_dialog import add_months
from crm_desktop.ui.widgets.record_table_model import Column, RecordTableModel, shorten

DESCRIPTION = 3  # the column that takes the free room
LINE_KINDS = {"order": N_("Order"), "receipt": N_("Receipt")}


def statement_columns() -> list[Column]:
    kinds = {key: _(label) for key, label in LINE_KINDS.items()}
    return [
        Column("day", _("Date"), "date", width=100),
        Column("kind", _("Kind"), "lookup", lookup=kinds, width=70),
        Column("number", _("Number"), width=150),
        Column("description", _("Description"), formatter=shorten, width=260),
        Column("debit", _("Debit"), "money", width=110),
        Column("credit", _("Credit"), "money", width=110),
        Column("balance", _("Balance"), "money", width=120),
    ]


def _date_edit(name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _set(edit: QDateEdit, day: date) -> None:
    edit.setDate(QDate(day.year, day.month, day.day))


class StatementPage(QWidget):
    """Customer and period above; opening balance, the lines and the closing balance below."""

    computed = Signal()  # a statement (or its failure) is shown (tests wait for it)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stale = False  # nothing to show until a customer is chosen
        self.generation = 0
        self.statement: Statement | None = None
        self.operation: ops.Operation | None = None

        self.customer = CustomerPicker(ctx)
        self.customer.setObjectName("statementCustomer")
        self.customer.setMinimumWidth(260)
        self.customer.setMaximumWidth(380)
        self.customer.chosen.connect(lambda customer_id: customer_id and self.reload())
        today = local_today(ctx.db.clock)
        self.date_from = _date_edit("statementFrom")
        _set(self.date_from, add_months(today.replace(day=1), -2))  # this month and two before
        self.date_to = _date_edit("statementTo")
        _set(self.date_to, today)
        show = QPushButton(_("Show"))
        show.setObjectName("statementShow")
        show.setDefault(True)
        show.clicked.connect(self.reload)
        self.opening = QLabel()
        self.opening.setObjectName("openingBalance")
        self.closing = QLabel()
        self.closing.setObjectName("closingBalance")
        for label in (self.opening, self.closing):
            font = label.font()
            font.setBold(True)
            label.setFont(font)
        self.status = QLabel(_("Choose a customer to see their statement."))
        self.status.setObjectName("statementStatus")

        self.model = RecordTableModel(statement_columns(), key="number")
        self.table = QTableView()
        self.table.setObjectName("statementLines")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        for section, column in enumerate(self.model.columns):
            self.table.setColumnWidth(section, column.width or 100)

        top = QHBoxLayout()
        top.addWidget(QLabel(_("Customer")))
        top.addWidget(self.customer)
        top.addWidget(QLabel(_("From")))
        top.addWidget(self.date_from)
        top.addWidget(QLabel(_("To")))
        top.addWidget(self.date_to)
        top.addWidget(show)
        top.addStretch()
        balances = QHBoxLayout()
        balances.addWidget(self.opening)
        balances.addStretch()
        balances.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addLayout(balances)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.closing)

    def show_customer(self, customer_id: int, name: str) -> None:
        """Show this customer's statement (from the aging page): the period starts early
        enough to show every order they still owe on."""
        blocked = self.customer.blockSignals(True)  # one computation, not two
        self.customer.set_customer(customer_id, name)
        self.customer.blockSignals(blocked)
        self.reload(cover_open_orders=True)

    def lines(self) -> list[Any]:
        return [self.model.row_at(i) for i in range(self.model.rowCount())]

    def reload(self, *, cover_open_orders: bool = False) -> None:
        """Compute the statement off the GUI thread (nothing to do before a customer is chosen);
        with `cover_open_orders` the period starts no later than the oldest order still owed."""
        self.stale = False
        customer_id = self.customer.customer_id
        if customer_id is None:
            self.status.setText(_("Choose the customer from the list."))
            return
        self.generation += 1
        generation = self.generation
        first = self.date_from.date().toPython()
        last = self.date_to.date().toPython()
        db, actor = self.ctx.db, self.ctx.actor
        self.status.setText(_("Computing…"))

        def work(_progress: object) -> Statement:
            start = first
            if cover_open_orders:
                owed = receipts.open_orders(db, actor, customer_id)  # oldest first
                start = min([start, *(order.order_date for order in owed[:1])])
            return receipts.customer_statement(db, actor, customer_id, start, last)

        self.operation = ops.run(
            work,
            parent=self,
            label=_("Computing the statement…"),
            on_success=lambda statement: self._show(generation, statement),
            on_error=lambda exc: self._failed(generation, exc),
            cancellable=False,
        )

    def _show(self, generation: int, statement: Statement) -> None:
        if generation != self.generation:
            return
        self.statement = statement
        _set(self.date_from, statement.date_from)
        self.model.set_rows(statement.lines)
        self.opening.setText(
            _("Opening balance on {day}: {amount}").format(
                day=statement.date_from.isoformat(),
                amount=format_money(statement.opening_balance),
            )
        )
        self.closing.setText(
            _("Closing balance on {day}: {amount}").format(
                day=statement.date_to.isoformat(),
                amount=format_money(statement.closing_balance),
            )
        )
        count = len(statement.lines)
        self.status.setText(
            ngettext("{customer}: {n} line", "{customer}: {n} lines", count).format(
                customer=statement.customer_name, n=count
            )
            if count
            else _("{customer}: no orders or receipts in this period.").format(
                customer=statement.customer_name
            )
        )
        self.computed.emit()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self.generation:
            return
        self.statement = None
        self.model.set_rows([])
        self.opening.clear()
        self.closing.clear()
        self.status.setText(_("Not computed."))
        from crm_desktop.ui.messages import show_error

        show_error(self, exc)
        self.computed.emit()
