"""The payment plan of an order or a contract: instalments with due dates that add up to its total.

Each instalment is a due date, an amount and remarks, edited in place; Add and Remove change the
list and "Split evenly into N" replaces it with N monthly instalments whose cents add up exactly
(the last one takes the rounding rest). A live line compares the sum with the document's total;
Save is offered only when they are equal (or when every instalment is removed, which drops the
plan). For the saved plan the dialog also shows what each instalment has been paid, what it still
owes and how many days it is overdue (`receipts.payment_plan`: money received is applied to the
oldest instalment first); an instalment's figures disappear once it is edited, as they no longer
describe it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.clock import local_today
from crm_desktop.core.errors import CrmError, ValidationError
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.money import CENT, ZERO, format_money
from crm_desktop.core.services import receipts
from crm_desktop.core.services.receipts import Instalment
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import MoneyEdit

DUE, AMOUNT, REMARKS, PAID, OUTSTANDING, OVERDUE = range(6)
MAX_INSTALMENTS = 120
ERROR_STYLE = (
    "QLabel#formError { color: #a61b1b; background: #fdecea; border: 1px solid #f5c2c0;"
    " border-radius: 3px; padding: 6px; }"
)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, on the month's last day when it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def split_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """`parts` amounts adding up to `total` to the cent; the last one takes the rounding rest."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    cents = int(total / CENT)
    share = cents // parts
    shares = [share] * (parts - 1) + [cents - share * (parts - 1)]
    return [(Decimal(c) * CENT).quantize(CENT) for c in shares]


@dataclass(frozen=True)
class Document:
    """What the plan belongs to: its kind, number, total and the day a plan starts from."""

    kind: str  # "order" or "contract"
    number: str
    total: Decimal
    start: date
    permission: str


def _document(ctx: AppContext, order_id: int | None, contract_id: int | None) -> Document:
    today = local_today(ctx.db.clock)
    if order_id is not None:
        from crm_desktop.core.services import orders

        order = orders.get_order(ctx.db, ctx.actor, order_id)
        return Document("order", order.number, order.total, order.order_date, "orders.edit")
    from crm_desktop.core.services import contracts

    contract = contracts.get_contract(ctx.db, ctx.actor, contract_id)
    start = contract.start_on or contract.signed_on or today
    return Document("contract", contract.number, contract.amount, start, "contracts.edit")


def _figure(text: str, *, warn: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if warn:
        item.setForeground(Qt.GlobalColor.red)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
    return item


class PaymentPlanDialog(QDialog):
    """Edit the instalments of one order (`order_id`) or one contract (`contract_id`)."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        order_id: int | None = None,
        contract_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if (order_id is None) == (contract_id is None):
            raise ValueError("a payment plan belongs to exactly one order or one contract")
        self.ctx = ctx
        self.order_id, self.contract_id = order_id, contract_id
        self.document = _document(ctx, order_id, contract_id)
        self.may_edit = ctx.actor.can(self.document.permission)
        self.setObjectName("paymentPlanDialog")
        title = (
            _("Payment plan of order {number}")
            if self.document.kind == "order"
            else _("Payment plan of contract {number}")
        )
        self.setWindowTitle(title.format(number=self.document.number))
        self._build()
        self.load()
        self.resize(820, 520)

    # --- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.heading = QLabel(
            _("Total to plan: {total}").format(total=format_money(self.document.total))
        )
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("instalments")
        self.table.setHorizontalHeaderLabels(
            [_("Due date"), _("Amount"), _("Remarks"), _("Paid"), _("Outstanding"), _("Overdue")]
        )
        self.table.verticalHeader().setVisible(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(REMARKS, QHeaderView.ResizeMode.Stretch)
        for column, width in ((DUE, 120), (AMOUNT, 120), (PAID, 100), (OUTSTANDING, 100)):
            self.table.setColumnWidth(column, width)

        self.add_button = QPushButton(_("Add"))
        self.add_button.setObjectName("addInstalment")
        self.add_button.clicked.connect(self.add_instalment)
        self.remove_button = QPushButton(_("Remove"))
        self.remove_button.setObjectName("removeInstalment")
        self.remove_button.clicked.connect(self.remove_current)
        self.parts = QSpinBox()
        self.parts.setObjectName("splitParts")
        self.parts.setRange(1, MAX_INSTALMENTS)
        self.parts.setValue(3)
        self.split_button = QPushButton(_("Split evenly"))
        self.split_button.setObjectName("splitEvenly")
        self.split_button.setToolTip(
            _("Replace the instalments with this many monthly ones of equal amounts")
        )
        self.split_button.clicked.connect(lambda: self.split(self.parts.value()))
        self.sum_label = QLabel()
        self.sum_label.setObjectName("planSum")

        tools = QHBoxLayout()
        tools.addWidget(self.add_button)
        tools.addWidget(self.remove_button)
        tools.addSpacing(16)
        tools.addWidget(QLabel(_("Split evenly into")))
        tools.addWidget(self.parts)
        tools.addWidget(self.split_button)
        tools.addStretch()
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(_("Save"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
        for widget in (self.add_button, self.remove_button, self.parts, self.split_button):
            widget.setEnabled(self.may_edit)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        if not self.may_edit:
            note = QLabel(_("You may look at this payment plan but not change it."))
            note.setObjectName("readOnlyNote")
            note.setEnabled(False)
            layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.sum_label)
        layout.addWidget(self.buttons)

    # --- rows --------------------------------------------------------------------------------
    def load(self) -> None:
        """Show the saved plan with what each instalment has been paid."""
        plan = receipts.payment_plan(
            self.ctx.db, self.ctx.actor, order_id=self.order_id, contract_id=self.contract_id
        )
        self.table.setRowCount(0)
        for instalment in plan:
            self._append(instalment.due_on, instalment.amount, instalment.remarks or "", instalment)
        self._update_sum()

    def _append(
        self, due: date, amount: Decimal | None, remarks: str, instalment: Instalment | None
    ) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        due_edit = QDateEdit(QDate(due.year, due.month, due.day))
        due_edit.setCalendarPopup(True)
        due_edit.setDisplayFormat("yyyy-MM-dd")
        due_edit.setFrame(False)
        due_edit.setReadOnly(not self.may_edit)
        amount_edit = MoneyEdit()
        amount_edit.setFrame(False)
        amount_edit.set_value(amount)
        amount_edit.setReadOnly(not self.may_edit)
        remarks_edit = QLineEdit(remarks)
        remarks_edit.setFrame(False)
        remarks_edit.setReadOnly(not self.may_edit)
        self.table.setCellWidget(row, DUE, due_edit)
        self.table.setCellWidget(row, AMOUNT, amount_edit)
        self.table.setCellWidget(row, REMARKS, remarks_edit)
        self._show_status(row, instalment)
        due_edit.dateChanged.connect(lambda _d, e=due_edit: self._edited(e))
        amount_edit.textEdited.connect(lambda _t, e=amount_edit: self._edited(e))
        amount_edit.textChanged.connect(lambda _t: self._update_sum())
        return row

    def _show_status(self, row: int, instalment: Instalment | None) -> None:
        if instalment is None:
            for column in (PAID, OUTSTANDING, OVERDUE):
                self.table.setItem(row, column, _figure(""))
            return
        overdue = instalment.overdue_days or 0
        self.table.setItem(row, PAID, _figure(format_money(instalment.paid)))
        self.table.setItem(row, OUTSTANDING, _figure(format_money(instalment.outstanding)))
        overdue_text = (
            ngettext("{n} day", "{n} days", overdue).format(n=overdue) if overdue > 0 else ""
        )
        self.table.setItem(row, OVERDUE, _figure(overdue_text, warn=overdue > 0))

    def _edited(self, editor: QWidget) -> None:
        """An edited instalment is no longer the saved one: forget its paid figures."""
        for row in range(self.table.rowCount()):
            if editor in (self.table.cellWidget(row, DUE), self.table.cellWidget(row, AMOUNT)):
                self._show_status(row, None)

    def _due(self, row: int) -> QDateEdit:
        widget = self.table.cellWidget(row, DUE)
        assert isinstance(widget, QDateEdit)
        return widget

    def amount_editor(self, row: int) -> MoneyEdit:
        widget = self.table.cellWidget(row, AMOUNT)
        assert isinstance(widget, MoneyEdit)
        return widget

    def _remarks(self, row: int) -> QLineEdit:
        widget = self.table.cellWidget(row, REMARKS)
        assert isinstance(widget, QLineEdit)
        return widget

    def add_instalment(self) -> int:
        """A new instalment a month after the last one, for what is still unplanned."""
        count = self.table.rowCount()
        if count >= MAX_INSTALMENTS:
            return count - 1
        due = (
            add_months(self._due(count - 1).date().toPython(), 1) if count else self.document.start
        )
        rest = self.document.total - self._sum_or_zero()
        row = self._append(due, rest if rest > ZERO else None, "", None)
        self.table.setCurrentCell(row, AMOUNT)
        self.amount_editor(row).setFocus()
        self._update_sum()
        return row

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            row = self.table.rowCount() - 1
        if row >= 0:
            self.table.removeRow(row)
            self._update_sum()

    def split(self, parts: int) -> None:
        """Replace the plan with `parts` monthly instalments adding up to the total exactly;
        the first keeps the current first due date, and remarks stay with their row."""
        first = self._due(0).date().toPython() if self.table.rowCount() else self.document.start
        remarks = [self._remarks(r).text() for r in range(self.table.rowCount())]
        self.table.setRowCount(0)
        for index, amount in enumerate(split_evenly(self.document.total, parts)):
            note = remarks[index] if index < len(remarks) else ""
            self._append(add_months(first, index), amount, note, None)
        self._update_sum()

    # --- values ------------------------------------------------------------------------------
    def instalments(self) -> list[tuple[date, Decimal, str | None]]:
        """(due date, amount, remarks) of every row, checked: each amount above zero."""
        rows = []
        for row in range(self.table.rowCount()):
            try:
                amount = self.amount_editor(row).value()
            except ValidationError:
                self.amount_editor(row).setFocus()
                raise
            if amount is None or amount <= ZERO:
                self.amount_editor(row).setFocus()
                raise ValidationError(
                    _("Instalment {n}: the amount must be above zero.").format(n=row + 1)
                )
            due: date = self._due(row).date().toPython()  # type: ignore[assignment]
            rows.append((due, amount, self._remarks(row).text().strip() or None))
        return rows

    def _sum_or_zero(self) -> Decimal:
        total = ZERO
        for row in range(self.table.rowCount()):
            try:
                total += self.amount_editor(row).value() or ZERO
            except ValidationError:
                continue
        return total

    def planned(self) -> Decimal:
        """What the instalments add up to now."""
        return self._sum_or_zero()

    def _update_sum(self) -> None:
        planned = self.planned()
        difference = self.document.total - planned
        empty = self.table.rowCount() == 0
        if empty:
            text = _("No instalments: saving removes the payment plan.")
        elif difference == ZERO:
            text = _("Instalments add up to {planned}, the total.").format(
                planned=format_money(planned)
            )
        elif difference > ZERO:
            text = _("Instalments add up to {planned}: {rest} less than the total {total}.")
        else:
            text = _("Instalments add up to {planned}: {rest} more than the total {total}.")
        self.sum_label.setText(
            text.format(
                planned=format_money(planned),
                rest=format_money(abs(difference)),
                total=format_money(self.document.total),
            )
        )
        balanced = empty or difference == ZERO
        self.sum_label.setStyleSheet("" if balanced else "color: #c62828; font-weight: bold;")
        self.save_button.setEnabled(self.may_edit and balanced)

    # --- saving ------------------------------------------------------------------------------
    def save(self) -> bool:
        """Replace the saved plan with the rows shown; True when saved (the dialog closes)."""
        if not self.save_button.isEnabled():
            return False
        self.error.hide()
        try:
            rows = self.instalments()
            if rows and sum((amount for _d, amount, _r in rows), ZERO) != self.document.total:
                raise ValidationError(
                    _("The instalments must add up to the total {total}.").format(
                        total=format_money(self.document.total)
                    )
                )
            receipts.set_payment_plan(
                self.ctx.db,
                self.ctx.actor,
                order_id=self.order_id,
                contract_id=self.contract_id,
                instalments=rows,
            )
        except CrmError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return False
        self.ctx.notify(Changes.of("payment_plans"))
        self.accept()
        return True


def open_payment_plan(
    ctx: AppContext,
    parent: QWidget | None,
    *,
    order_id: int | None = None,
    contract_id: int | None = None,
) -> PaymentPlanDialog:
    """Open the plan of an order or a contract window-modally and return the dialog."""
    dialog = PaymentPlanDialog(ctx, order_id=order_id, contract_id=contract_id, parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
