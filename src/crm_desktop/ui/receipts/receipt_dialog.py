"""The receipt dialog: money received from a customer, and which of their orders it pays.

The shared `FormDialog` holds the plain fields (payer, method, date, handler, amount, remarks);
the customer picker sits on top and the allocation table below. The table lists the customer's
open orders (oldest first) with an editable amount each; "Allocate oldest first" fills it from
the amount (`receipts.suggest_allocation`), and a live line says what is left unallocated (an
advance payment). Before the service is asked, the dialog refuses allocations above the amount and
allocations above an order's outstanding unless "Allow overpayment" is ticked; the service checks
the same again.

When a receipt is edited, the orders it already pays are listed with their outstanding as if this
receipt did not exist yet, so its own allocations never count as an overpayment.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.clock import local_today
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.money import ZERO, format_money
from crm_desktop.core.services import pool, receipts
from crm_desktop.core.services.receipts import OpenOrder
from crm_desktop.ui.choices import base_data_field
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.followups.dialog import CustomerPicker
from crm_desktop.ui.widgets import Field, FormDialog, MoneyEdit

KINDS = ("receipts", "orders", "customers")  # a receipt moves orders' and customers' balances
OVER_STYLE = "QLineEdit { color: #c62828; font-weight: bold; }"
NUMBER, DAY, TOTAL, OUTSTANDING, ALLOCATE = range(5)


def _item(text: str, *, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class AllocationTable(QTableWidget):
    """The customer's open orders, each with an amount of this receipt allocated to it."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 5, parent)
        self.setObjectName("allocations")
        self.orders: list[OpenOrder] = []
        self.setHorizontalHeaderLabels(
            [_("Order"), _("Date"), _("Total"), _("Outstanding"), _("Allocate")]
        )
        self.verticalHeader().hide()
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(NUMBER, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DAY, QHeaderView.ResizeMode.ResizeToContents)
        self.setMinimumHeight(180)

    def set_orders(self, orders: Sequence[OpenOrder], allocated: dict[int, Decimal]) -> None:
        """Show `orders` with `allocated` amounts ({order id: amount}) in their editors."""
        self.orders = list(orders)
        self.setRowCount(len(self.orders))
        for row, order in enumerate(self.orders):
            self.setItem(row, NUMBER, _item(order.number))
            self.setItem(row, DAY, _item(order.order_date.isoformat()))
            self.setItem(row, TOTAL, _item(format_money(order.total), right=True))
            self.setItem(row, OUTSTANDING, _item(format_money(order.outstanding), right=True))
            edit = MoneyEdit()
            edit.setObjectName(f"allocate_{order.number}")
            edit.setFrame(False)
            edit.set_value(allocated.get(order.id))
            edit.textChanged.connect(lambda _text: self.changed.emit())
            self.setCellWidget(row, ALLOCATE, edit)
        self.changed.emit()

    def editor(self, row: int) -> MoneyEdit:
        edit = self.cellWidget(row, ALLOCATE)
        assert isinstance(edit, MoneyEdit)
        return edit

    def editor_for(self, number: str) -> MoneyEdit:
        """The amount editor of the order with this number (tests and the focus on errors)."""
        for row, order in enumerate(self.orders):
            if order.number == number:
                return self.editor(row)
        raise KeyError(number)

    def amounts(self) -> list[tuple[OpenOrder, Decimal]]:
        """(order, amount) for every row with an amount; a text that is no amount is refused."""
        chosen = []
        for row, order in enumerate(self.orders):
            try:
                amount = self.editor(row).value()
            except ValidationError:
                self.editor(row).setFocus()
                raise
            if amount:
                chosen.append((order, amount))
        return chosen

    def set_amounts(self, amounts: dict[int, Decimal]) -> None:
        for row, order in enumerate(self.orders):
            self.editor(row).set_value(amounts.get(order.id))

    def mark_over(self, *, allowed: bool) -> None:
        """Show in red the amounts above their order's outstanding (unless that is allowed)."""
        for row, order in enumerate(self.orders):
            edit = self.editor(row)
            try:
                over = not allowed and (edit.value() or ZERO) > order.outstanding
            except ValidationError:
                over = True
            edit.setStyleSheet(OVER_STYLE if over else "")


def _fields(ctx: AppContext) -> list[Field]:
    handlers = lambda: pool.assignable_operators(ctx.db, ctx.actor)  # noqa: E731
    return [
        Field("payer", _("Payer"), placeholder=_("Who paid (the customer if empty)")),
        base_data_field(ctx, "payment_method_id", _("Method"), BaseDataKind.PAYMENT_METHOD),
        Field("received_on", _("Date received"), "date", required=True),
        Field("handler_id", _("Handler"), "choice", choices=handlers, allow_empty=False),
        Field("amount", _("Amount"), "money", required=True),
        Field("remarks", _("Remarks"), "multiline"),
    ]


class ReceiptDialog(FormDialog):
    """Record a new receipt (`receipt_id` None) or edit one."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        receipt_id: int | None = None,
        customer_id: int | None = None,
    ) -> None:
        self.ctx = ctx
        self.receipt_id = receipt_id
        title = _("Record a receipt") if receipt_id is None else _("Edit receipt")
        super().__init__(title, _fields(ctx), None, self._save, reload=self._reload, parent=parent)
        self.setObjectName("receiptDialog")
        self.customer_name = ""
        self.own: dict[int, Decimal] = {}  # what this receipt already allocates (when editing)
        self.customer = CustomerPicker(ctx)
        self.customer.setObjectName("field_customer")
        self.panel.form.insertRow(0, _("Customer") + " *", self.customer)
        self.editor("remarks").setMaximumHeight(80)  # the allocation table needs the room
        self._build_allocations()
        self._tab_order()
        self.customer.chosen.connect(self._customer_chosen)
        self.amount.textChanged.connect(lambda _text: self._update_summary())
        if receipt_id is None:
            self._start_new(customer_id)
        else:
            self.panel.always_save = True  # the customer and allocations are outside its diff
            self.panel.set_values(self._load(receipt_id))
            self.customer.setReadOnly(True)
        if not ctx.actor.can("receipts.edit" if receipt_id is not None else "receipts.create"):
            self.save_button.setEnabled(False)
            self.save_button.setToolTip(_("You may look at this receipt but not change it."))
        self.resize(760, 720)

    # --- building ----------------------------------------------------------------------------
    @property
    def amount(self) -> MoneyEdit:
        editor = self.editor("amount")
        assert isinstance(editor, MoneyEdit)
        return editor

    def _build_allocations(self) -> None:
        self.allocations = AllocationTable()
        self.allocations.changed.connect(self._update_summary)
        self.oldest_first = QPushButton(_("Allocate oldest first"))
        self.oldest_first.setObjectName("allocateOldestFirst")
        self.oldest_first.setToolTip(_("Spread the amount over the open orders, the oldest first"))
        self.oldest_first.clicked.connect(self.allocate_oldest_first)
        self.clear_button = QPushButton(_("Clear"))
        self.clear_button.clicked.connect(lambda: self.allocations.set_amounts({}))
        self.allow_overpayment = QCheckBox(_("Allow overpayment"))
        self.allow_overpayment.setObjectName("allowOverpayment")
        self.allow_overpayment.setToolTip(
            _("Let an order receive more than it still owes (e.g. a known surcharge)")
        )
        self.allow_overpayment.toggled.connect(lambda _on: self._update_summary())
        self.summary = QLabel()
        self.summary.setObjectName("allocationSummary")
        self.summary.setWordWrap(True)

        heading = QLabel(_("Allocate to open orders"))
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        buttons = QHBoxLayout()
        buttons.addWidget(self.oldest_first)
        buttons.addWidget(self.clear_button)
        buttons.addStretch()
        buttons.addWidget(self.allow_overpayment)
        box = QVBoxLayout()
        box.addWidget(heading)
        box.addLayout(buttons)
        box.addWidget(self.allocations, 1)
        box.addWidget(self.summary)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertLayout(layout.indexOf(self.buttons), box, 1)

    def _tab_order(self) -> None:
        editors = self.panel.editors
        chain: list[QWidget] = [
            self.customer,
            editors["payer"],
            editors["payment_method_id"],
            editors["received_on"],
            editors["handler_id"],
            editors["amount"],
            editors["remarks"],
            self.oldest_first,
            self.clear_button,
            self.allow_overpayment,
            self.allocations,
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    # --- values ------------------------------------------------------------------------------
    def _start_new(self, customer_id: int | None) -> None:
        self.panel.set_values({"handler_id": self.ctx.actor.id})
        today = local_today(self.ctx.db.clock)
        received_on = self.editor("received_on")
        assert isinstance(received_on, QDateEdit)
        received_on.setDate(QDate(today.year, today.month, today.day))
        if customer_id is not None:
            self.customer.preset(customer_id)
            self.amount.setFocus()
        else:
            self.customer.setFocus()
        self._update_summary()

    def _load(self, receipt_id: int) -> dict[str, Any]:
        """The receipt's values for the panel; also shows its customer and allocations."""
        detail = receipts.get_receipt(self.ctx.db, self.ctx.actor, receipt_id)
        self.own = {}
        for allocation in detail.allocations:
            self.own[allocation.order_id] = self.own.get(allocation.order_id, ZERO) + (
                allocation.amount
            )
        self.customer.set_customer(detail.customer_id, detail.customer_name)  # lists its orders
        self.allow_overpayment.setChecked(bool(detail.overpayment))
        return {
            "version": detail.version,
            "payer": detail.payer,
            "payment_method_id": detail.payment_method_id,
            "received_on": detail.received_on,
            "handler_id": detail.handler_id,
            "amount": detail.amount,
            "remarks": detail.remarks,
        }

    def _reload(self) -> dict[str, Any]:
        assert self.receipt_id is not None
        return self._load(self.receipt_id)

    def _open_orders(self, customer_id: int) -> list[OpenOrder]:
        """The customer's open orders, plus those this receipt pays, as if it were not saved."""
        found = {o.id: o for o in receipts.open_orders(self.ctx.db, self.ctx.actor, customer_id)}
        for order_id, amount in self.own.items():
            order = found.get(order_id) or self._order(order_id)
            found[order_id] = order._replace(
                received=order.received - amount, outstanding=order.outstanding + amount
            )
        return sorted(found.values(), key=lambda o: (o.order_date, o.number))

    def _order(self, order_id: int) -> OpenOrder:
        """An order this receipt pays in full (so it is no longer open)."""
        from crm_desktop.core.services import orders

        detail = orders.get_order(self.ctx.db, self.ctx.actor, order_id)
        return OpenOrder(
            detail.id,
            detail.number,
            detail.order_date,
            detail.total,
            detail.received,
            detail.outstanding,
        )

    def _customer_chosen(self, customer_id: int | None) -> None:
        """List the customer's open orders; the payer follows the customer unless typed."""
        payer = self.editor("payer")
        assert isinstance(payer, QLineEdit)
        if payer.text().strip() in ("", self.customer_name):
            payer.setText(self.customer.text() if customer_id is not None else "")
        self.customer_name = self.customer.text() if customer_id is not None else ""
        orders = self._open_orders(customer_id) if customer_id is not None else []
        self.allocations.set_orders(orders, self.own)

    def allocate_oldest_first(self) -> None:
        """Fill the allocations from the amount, paying the oldest orders first."""
        try:
            amount = self.amount.value()
        except ValidationError as exc:
            self.panel.show_error(exc.message)
            return
        if not amount or amount <= ZERO:
            self.panel.show_error(_("Enter the amount received first."))
            self.amount.setFocus()
            return
        self.panel.clear_error()
        suggested = receipts.suggest_allocation(self.allocations.orders, amount)
        self.allocations.set_amounts(dict(suggested))

    # --- the live figures --------------------------------------------------------------------
    def _update_summary(self) -> None:
        self.allocations.mark_over(allowed=self.allow_overpayment.isChecked())
        try:
            amount = self.amount.value() or ZERO
            allocated = sum((a for _o, a in self.allocations.amounts()), ZERO)
        except ValidationError:
            self.summary.setText(_("Amounts that are not numbers cannot be added up."))
            return
        outstanding = sum((o.outstanding for o in self.allocations.orders), ZERO)
        rest = amount - allocated
        parts = [
            _("Open orders owe {owed}.").format(owed=format_money(outstanding)),
            _("Allocated {allocated} of {amount}.").format(
                allocated=format_money(allocated), amount=format_money(amount)
            ),
        ]
        if rest < ZERO:
            parts.append(_("{over} more than received!").format(over=format_money(-rest)))
            self.summary.setStyleSheet("color: #c62828; font-weight: bold;")
        else:
            parts.append(_("Unallocated (advance payment): {rest}").format(rest=format_money(rest)))
            self.summary.setStyleSheet("")
        self.summary.setText("  ".join(parts))

    def unallocated(self) -> Decimal:
        """The amount minus what is allocated (what the live line shows)."""
        amount = self.amount.value() or ZERO
        return amount - sum((a for _o, a in self.allocations.amounts()), ZERO)

    # --- saving ------------------------------------------------------------------------------
    def _checked_allocations(self, amount: Decimal | None) -> list[tuple[int, Decimal]]:
        """The allocations, refused here when above the amount or (unless allowed) an order's
        outstanding: the person sees which order and by how much before anything is saved."""
        chosen = self.allocations.amounts()
        for order, allocated in chosen:
            if allocated < ZERO:
                self.allocations.editor_for(order.number).setFocus()
                raise ValidationError(
                    _("Order {number}: an allocation cannot be negative.").format(
                        number=order.number
                    )
                )
            if allocated > order.outstanding and not self.allow_overpayment.isChecked():
                self.allocations.editor_for(order.number).setFocus()
                raise ValidationError(
                    _(
                        "Order {number} still owes {outstanding}; {allocated} is more than that. "
                        "Lower the amount, or tick “Allow overpayment” to record it anyway."
                    ).format(
                        number=order.number,
                        outstanding=format_money(order.outstanding),
                        allocated=format_money(allocated),
                    )
                )
        total = sum((a for _o, a in chosen), ZERO)
        if amount is not None and total > amount:
            raise ValidationError(
                _(
                    "The allocations add up to {total}, more than the {amount} received. "
                    "Lower them or raise the amount."
                ).format(total=format_money(total), amount=format_money(amount))
            )
        return [(order.id, allocated) for order, allocated in chosen]

    def _save(self, values: dict[str, Any], version: int | None) -> int:
        customer_id = self.customer.customer_id
        if customer_id is None:
            self.customer.setFocus()
            raise ValidationError(_("Choose the customer from the list."))
        amount = values.get("amount", self.amount.value())
        allocations = self._checked_allocations(amount)
        overpay = self.allow_overpayment.isChecked()
        if self.receipt_id is None:
            values = {**values, "customer_id": customer_id}
            if not values.get("payer"):
                values["payer"] = self.customer.text()
            return receipts.record_receipt(
                self.ctx.db, self.ctx.actor, values, allocations, allow_overpayment=overpay
            )
        receipts.update_receipt(
            self.ctx.db,
            self.ctx.actor,
            self.receipt_id,
            version,
            values,
            allocations,
            allow_overpayment=overpay,
        )
        return self.receipt_id


def open_receipt(
    ctx: AppContext,
    parent: QWidget | None,
    receipt_id: int | None = None,
    *,
    customer_id: int | None = None,
) -> ReceiptDialog:
    """Open the dialog window-modally (a new receipt when `receipt_id` is None) and return it;
    a save announces receipts, orders and customers."""
    dialog = ReceiptDialog(ctx, parent, receipt_id=receipt_id, customer_id=customer_id)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: ctx.notify(Changes.of(*KINDS)))
    dialog.open()
    return dialog
