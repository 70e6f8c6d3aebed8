"""The contracts list: the firm's agreements, their linked orders, signed copies and end dates.

A `DocumentListPage` like orders and quotes (server-sorted, paged, one filter bar); the bar
filters by status and salesperson and can keep only contracts ending within 30 days. A running
contract that ends within 30 days is shown in the warning colour. The dialog picks the customer,
then ticks that customer's orders; the amount follows their total until the person types another.
The signed copy is an attachment of the contract (`contracts.attach_signed_file`), opened with the
system's program; Print preview renders the contract PDF (`ui.documents.preview`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.models import DocumentStatus
from crm_desktop.core.money import ZERO, format_money
from crm_desktop.core.services import attachments, contracts, orders, pool
from crm_desktop.core.services.contracts import ContractDetail, ContractFilter, ContractRow
from crm_desktop.core.services.orders import OrderFilter
from crm_desktop.core.services.sales_common import status_label
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.customers.attachments_panel import open_file, open_folder
from crm_desktop.ui.followups.dialog import CustomerPicker
from crm_desktop.ui.messages import show_info
from crm_desktop.ui.sales.document_list import (
    DocumentFilterBar,
    DocumentListPage,
    money_column,
    status_column,
)
from crm_desktop.ui.widgets import Column, Field, FormDialog, ListAction, MoneyEdit
from crm_desktop.ui.widgets.filter_bar import OptionalDateEdit
from crm_desktop.ui.widgets.record_table_model import Row, ServerSort

S = DocumentStatus
CONTRACT_STATUSES = (S.DRAFT, S.CONFIRMED, S.CLOSED, S.CANCELLED)
EXPIRING_DAYS = 30
ORDER_ROLE = Qt.ItemDataRole.UserRole
ORDERS_SHOWN = 500  # a customer's orders offered for linking


def choose_signed_file(parent: QWidget | None) -> Path | None:
    """The scanned, signed contract to attach (a module function so tests answer it)."""
    path, _filter = QFileDialog.getOpenFileName(
        parent,
        _("Attach the signed contract"),
        "",
        _("Scans and documents (*.pdf *.jpg *.png);;All files (*)"),
    )
    return Path(path) if path else None


def expiring(row: ContractRow) -> bool:
    """A running contract whose end is within the reminder window (today included)."""
    return (
        row.status == S.CONFIRMED
        and row.days_left is not None
        and 0 <= row.days_left <= EXPIRING_DAYS
    )


def days_left_text(days: int | None) -> str:
    """Days until the end; "Ended" once it is past (the list sorts on the number)."""
    if days is None:
        return ""
    return _("Ended") if days < 0 else str(days)


class ContractFilterBar(DocumentFilterBar):
    """Status, salesperson and "ending within 30 days"; contracts have no document-date filter,
    so the bar has no date range."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(
            ctx,
            CONTRACT_STATUSES,
            placeholder=_("Search number, title or customer…"),
            checks=(
                (
                    "expiring",
                    _("Ending within {n} days").format(n=EXPIRING_DAYS),
                    _("Only signed contracts that end in the next {n} days").format(
                        n=EXPIRING_DAYS
                    ),
                ),
            ),
            dates=False,
            parent=parent,
        )

    def contract_filter(self) -> ContractFilter:
        values = self.value()
        return ContractFilter(
            search=values["search"],
            status=values["status"],
            salesperson_id=values["salesperson_id"],
            expiring_within_days=EXPIRING_DAYS if values["expiring"] else None,
        )


# --- the dialog ---------------------------------------------------------------------------------


class OrderChecklist(QListWidget):
    """The customer's orders, ticked when the contract covers them."""

    def set_orders(self, rows: Sequence[tuple[int, str, Decimal, str]], ticked: set[int]) -> None:
        blocked = self.blockSignals(True)
        self.clear()
        for order_id, text, total, _status in rows:
            item = QListWidgetItem(text)
            item.setData(ORDER_ROLE, (order_id, total))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if order_id in ticked else Qt.CheckState.Unchecked
            )
            self.addItem(item)
        self.blockSignals(blocked)

    def items(self) -> list[QListWidgetItem]:
        return [self.item(i) for i in range(self.count())]

    def ticked(self) -> list[int]:
        return [
            item.data(ORDER_ROLE)[0]
            for item in self.items()
            if item.checkState() == Qt.CheckState.Checked
        ]

    def ticked_total(self) -> Decimal:
        return sum(
            (
                item.data(ORDER_ROLE)[1]
                for item in self.items()
                if item.checkState() == Qt.CheckState.Checked
            ),
            ZERO,
        )

    def tick(self, order_id: int, on: bool = True) -> None:
        for item in self.items():
            if item.data(ORDER_ROLE)[0] == order_id:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


class ContractDialog(FormDialog):
    """New (`contract_id` None) or edit: customer, title, linked orders, amount, dates,
    signatory, terms."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None, contract_id: int | None = None
    ) -> None:
        self.ctx = ctx
        self.contract_id = contract_id
        people = pool.assignable_operators(ctx.db, ctx.actor)
        if ctx.actor.id not in {person_id for person_id, _name in people}:
            people = [(ctx.actor.id, ctx.actor.name), *people]
        fields = [
            Field("title", _("Contract title"), placeholder=_("e.g. Annual supply agreement")),
            Field("amount", _("Amount"), "money"),
            Field("salesperson_id", _("Salesperson"), "choice", choices=people, allow_empty=False),
            Field("signatory", _("Signatory"), placeholder=_("Who signs for the customer")),
            Field("terms", _("Terms"), "multiline"),
        ]
        title = _("New contract") if contract_id is None else _("Edit contract")
        super().__init__(title, fields, None, self._save, reload=self._reload, parent=parent)
        self.setObjectName("contractDialog")
        self.customer = CustomerPicker(ctx)
        self.customer.setObjectName("field_customer")
        self.orders = OrderChecklist()
        self.orders.setObjectName("field_orders")
        self.orders.setMinimumHeight(110)
        self.orders.setToolTip(_("The customer's orders this contract covers"))
        self.start_on = OptionalDateEdit(_("Set the day the contract starts"))
        self.end_on = OptionalDateEdit(_("Set the day the contract ends"))
        self.signed_on = OptionalDateEdit(_("Set the day it was signed"))
        for key, editor in (
            ("start_on", self.start_on),
            ("end_on", self.end_on),
            ("signed_on", self.signed_on),
        ):
            editor.setObjectName(f"field_{key}")
        form = self.panel.form
        form.insertRow(0, _("Customer") + " *", self.customer)
        form.insertRow(2, _("Orders"), self.orders)
        form.insertRow(4, _("Starts on"), self.start_on)
        form.insertRow(5, _("Ends on"), self.end_on)
        form.insertRow(6, _("Signed on"), self.signed_on)
        self.amount = self.panel.editor("amount")
        assert isinstance(self.amount, MoneyEdit)
        self.amount.setToolTip(_("The linked orders' total unless you enter another amount"))
        self.amount_follows_orders = True
        self.amount.textEdited.connect(self._amount_typed)
        self.orders.itemChanged.connect(lambda _item: self._orders_ticked())
        self.customer.chosen.connect(self._customer_chosen)
        self.initial_extras: dict[str, Any] = {}
        self.initial_orders: list[int] = []
        if contract_id is None:
            self.panel.set_values({"salesperson_id": ctx.actor.id})
            self.initial_extras = self._extras()
            self.customer.setFocus()
        else:
            self.panel.always_save = True  # the extra editors are outside the panel's diff
            self.panel.set_values(self._load(contract_id))
            self.customer.setReadOnly(True)
        self.resize(600, self.sizeHint().height())

    # --- values ------------------------------------------------------------------------------
    def _load(self, contract_id: int) -> dict[str, Any]:
        detail = contracts.get_contract(self.ctx.db, self.ctx.actor, contract_id)
        self.customer.set_customer(detail.customer_id, detail.customer_name)  # lists orders
        self._offer_orders(detail.customer_id, detail)
        self.start_on.set_value(detail.start_on)
        self.end_on.set_value(detail.end_on)
        self.signed_on.set_value(detail.signed_on)
        self.initial_orders = self.orders.ticked()
        self.amount_follows_orders = detail.amount == self.orders.ticked_total()
        self.initial_extras = self._extras()
        return {
            "version": detail.version,
            "title": detail.title,
            "amount": detail.amount,
            "salesperson_id": detail.salesperson_id,
            "signatory": detail.signatory,
            "terms": detail.terms,
        }

    def _reload(self) -> dict[str, Any]:
        assert self.contract_id is not None
        return self._load(self.contract_id)

    def _extras(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer.customer_id,
            "start_on": self.start_on.value(),
            "end_on": self.end_on.value(),
            "signed_on": self.signed_on.value(),
        }

    def _customer_chosen(self, customer_id: int | None) -> None:
        if self.contract_id is None:
            self._offer_orders(customer_id, None)
            self._orders_ticked()

    def _offer_orders(self, customer_id: int | None, detail: ContractDetail | None) -> None:
        """The customer's orders (not cancelled ones), plus those the contract already covers."""
        if customer_id is None:
            self.orders.set_orders([], set())
            return
        rows = orders.list_orders(
            self.ctx.db,
            self.ctx.actor,
            OrderFilter(customer_id=customer_id),
            sort="order_date",
            descending=False,
            limit=ORDERS_SHOWN,
        )
        linked = {order_id for order_id, _number, _total in (detail.orders if detail else [])}
        offered = [
            (row.id, self._order_text(row), row.total, row.status)
            for row in rows
            if row.status != S.CANCELLED or row.id in linked
        ]
        shown = {row[0] for row in offered}
        for order_id, number, total in detail.orders if detail else []:
            if order_id not in shown:  # linked but no longer visible to this operator
                offered.append((order_id, f"{number}    {format_money(total)}", total, ""))
        self.orders.set_orders(offered, linked)

    @staticmethod
    def _order_text(row: Any) -> str:
        return "    ".join(
            (
                row.number,
                row.order_date.isoformat(),
                format_money(row.total),
                status_label(row.status),
            )
        )

    def _amount_typed(self, text: str) -> None:
        """The person's own amount stays; clearing it goes back to the orders' total."""
        self.amount_follows_orders = not text.strip()

    def _orders_ticked(self) -> None:
        if self.amount_follows_orders:
            self.amount.set_value(self.orders.ticked_total() if self.orders.ticked() else None)

    # --- saving ------------------------------------------------------------------------------
    def _save(self, values: dict[str, Any], version: int | None) -> int | None:
        extras = self._extras()
        if extras["customer_id"] is None:
            self.customer.setFocus()
            raise ValidationError(_("Choose the customer from the list."))
        order_ids = self.orders.ticked()
        db, actor = self.ctx.db, self.ctx.actor
        if self.contract_id is None:
            return contracts.save_contract(db, actor, None, None, {**values, **extras}, order_ids)
        changed = {k: v for k, v in extras.items() if v != self.initial_extras.get(k)}
        changed.pop("customer_id", None)
        changed.update(values)
        relinked = order_ids != self.initial_orders
        if relinked:
            changed["amount"] = self.amount.value()  # the shown amount, not a recomputed one
        if not changed and not relinked:
            return None
        contracts.save_contract(db, actor, self.contract_id, version, changed, order_ids)
        return self.contract_id


# --- the page -----------------------------------------------------------------------------------


class ContractsPage(DocumentListPage):
    KINDS = ("contracts", "orders", "customers")  # order numbers and customer names shown
    PRINT_KIND = "contract"
    LIST_NAME = "contracts"
    PLAN_OF = "contract_id"

    def make_bar(self) -> DocumentFilterBar:
        return ContractFilterBar(self.ctx)

    def title(self) -> str:
        return _("Contracts")

    def columns(self) -> list[Column]:
        width = self.chars
        return [
            Column("number", _("Number"), sort_key="number", width=width(16), emphasis=expiring),
            Column("title", _("Contract title"), sort_key="title", width=width(20)),
            Column("customer_name", _("Customer"), sort_key="customer", width=width(24)),
            Column("salesperson_name", _("Salesperson"), sort_key="salesperson", width=width(9)),
            money_column("amount", _("Amount"), sort_key="amount", width=width(13)),
            Column("start_on", _("Start"), "date", sort_key="start_on", width=width(11)),
            Column(
                "end_on", _("End"), "date", sort_key="end_on", width=width(11), emphasis=expiring
            ),
            Column(
                "days_left",
                _("Days left"),
                "int",
                formatter=days_left_text,
                sort_key="days_left",
                emphasis=expiring,
                width=width(8),
            ),
            status_column(_("Status")),
        ]

    def first_sort(self) -> ServerSort:
        return ServerSort("number", descending=True)

    def make_filter(self) -> ContractFilter:
        assert isinstance(self.bar, ContractFilterBar)
        return self.bar.contract_filter()

    def queries(self) -> tuple[Any, Any]:
        return contracts.list_contracts, contracts.count_contracts

    def count_text(self, total: int) -> str:
        return ngettext("{n} contract", "{n} contracts", total).format(n=f"{total:,}")

    def empty_texts(self) -> tuple[str, str]:
        return (
            _("No contract matches the search and filters."),
            _("No contracts yet. Press Ctrl+N to add the first one."),
        )

    def may_create(self) -> bool:
        return self.ctx.actor.can("contracts.edit")

    def muted(self, row: Row) -> bool:
        return row.status in (S.CLOSED, S.CANCELLED)

    def actions(self) -> list[ListAction]:
        move = self.status_action
        editing = [
            ListAction(
                "attach_signed",
                _("Attach signed file…"),
                self.attach_signed,
                enabled=self.status_is(S.DRAFT, S.CONFIRMED),
                tooltip=_("Attach the scanned, signed contract"),
            ),
            move(
                "confirm",
                _("Confirm"),
                S.CONFIRMED,
                [S.DRAFT],
                _("The contract is signed: it runs from now on"),
            ),
            move("close", _("Close"), S.CLOSED, [S.CONFIRMED], _("The contract is fulfilled")),
            move("cancel", _("Cancel contract"), S.CANCELLED, [S.DRAFT, S.CONFIRMED]),
        ]
        always = [
            ListAction("open_signed", _("Open signed file"), self.open_signed),
            self.print_action(_("Preview and print the contract (Ctrl+P)")),
            self.payment_plan_action(),
        ]
        return [*(editing if self.ctx.actor.can("contracts.edit") else []), *always]

    # --- actions -----------------------------------------------------------------------------
    def new_document(self) -> None:
        self._open(None)

    def open_document(self, row: Row) -> None:
        self._open(row.id)

    def _open(self, contract_id: int | None) -> ContractDialog:
        dialog = ContractDialog(self.ctx, self, contract_id)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.saved(dialog.result_value))
        self.dialog = dialog
        dialog.open()
        return dialog

    def set_status(self, row: Row, status: str) -> None:
        question = None
        if status == S.CANCELLED:
            question = _(
                "Cancel contract {number} of {customer}? A cancelled contract cannot be reopened."
            ).format(number=row.number, customer=row.customer_name)
        elif status == S.CLOSED:
            question = _("Close contract {number}? It can no longer be changed then.").format(
                number=row.number
            )
        self.move_status(
            row,
            status,
            lambda: contracts.set_contract_status(
                self.ctx.db, self.ctx.actor, row.id, row.version, status
            ),
            question,
            "contracts",
        )

    def attach_signed(self, row: Row) -> None:
        path = choose_signed_file(self)
        if path is None:
            return
        contracts.attach_signed_file(self.ctx.db, self.ctx.actor, row.id, path)
        self.announce("contracts", "attachments", select=row.id)

    def open_signed(self, row: Row) -> Path | None:
        """Copy the signed file out and open it with the system's program."""
        detail = contracts.get_contract(self.ctx.db, self.ctx.actor, row.id)
        if detail.signed_file is None:
            show_info(
                self,
                _("Signed file"),
                _("No signed file is attached to contract {number} yet.").format(number=row.number),
            )
            return None
        path = attachments.export_attachment(
            self.ctx.db, self.ctx.actor, detail.signed_file.id, open_folder()
        )
        open_file(path)
        return path
