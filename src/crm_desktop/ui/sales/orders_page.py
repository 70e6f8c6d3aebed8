"""The sales orders list: find an order, edit it, move it through its life, print it.

Server-sorted and paged like the customers list. Each row shows what was received and what is
still outstanding (in red while money is owed). Status moves are offered by permission and
enabled by the row's status (confirm a draft, deliver a confirmed order, close a delivered one,
cancel a draft or confirmed one after asking); the service checks again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.importing.model import ImportKind
from crm_desktop.core.models import DocumentStatus
from crm_desktop.ui.sales.document_dialog import ORDER
from crm_desktop.ui.sales.document_list import (
    DocumentFilterBar,
    DocumentListPage,
    money_column,
    status_column,
)
from crm_desktop.ui.widgets import Column, ListAction, prompts
from crm_desktop.ui.widgets.import_action import import_action, open_import
from crm_desktop.ui.widgets.record_table_model import Row, ServerSort

S = DocumentStatus
ORDER_STATUSES = (S.DRAFT, S.CONFIRMED, S.DELIVERED, S.CLOSED, S.CANCELLED)


def _orders() -> Any:
    from crm_desktop.core.services import orders

    return orders


def owes(row: Row) -> bool:
    return bool(row.outstanding) and row.outstanding > Decimal(0)


class OrdersPage(DocumentListPage):
    KINDS = ("orders", "receipts", "customers")  # receipts move received/outstanding
    PRINT_KIND = "order"
    LIST_NAME = "orders"
    DIALOG_KIND = ORDER
    PLAN_OF = "order_id"

    # --- description -------------------------------------------------------------------------
    def make_bar(self) -> DocumentFilterBar:
        return DocumentFilterBar(
            self.ctx,
            ORDER_STATUSES,
            placeholder=_("Search number, customer or salesperson…"),
            checks=(
                (
                    "outstanding_only",
                    _("Outstanding only"),
                    _("Only orders with money still to receive"),
                ),
                ("archived", _("Archived"), _("Show the archived orders instead")),
            ),
        )

    def title(self) -> str:
        return _("Sales orders")

    def columns(self) -> list[Column]:
        width = self.chars
        return [
            Column("number", _("Number"), sort_key="number", width=width(16)),
            Column("order_date", _("Date"), "date", sort_key="order_date", width=width(11)),
            Column("customer_name", _("Customer"), sort_key="customer", width=width(26)),
            status_column(_("Status"), width(8)),
            money_column("total", _("Total"), sort_key="total", width=width(13)),
            money_column("received", _("Received"), width=width(13)),
            money_column(
                "outstanding",
                _("Outstanding"),
                sort_key="outstanding",
                emphasis=owes,
                width=width(13),
            ),
            # last: the last column stretches, and a name reads well with space after it
            Column("salesperson_name", _("Salesperson"), sort_key="salesperson"),
        ]

    def first_sort(self) -> ServerSort:
        return ServerSort("order_date", descending=True)

    def make_filter(self) -> Any:
        return _orders().OrderFilter(**self.bar.value())

    def queries(self) -> tuple[Any, Any]:
        return _orders().list_orders, _orders().count_orders

    def count_text(self, total: int) -> str:
        return ngettext("{n} order", "{n} orders", total).format(n=f"{total:,}")

    def empty_texts(self) -> tuple[str, str]:
        return (
            _("No order matches the search and filters."),
            _("No sales orders yet. Press Ctrl+N to add the first one."),
        )

    def may_create(self) -> bool:
        return self.ctx.actor.can("orders.create")

    def actions(self) -> list[ListAction]:
        can = self.ctx.actor.can
        move = self.status_action
        specs: list[tuple[str | None, ListAction]] = [
            (
                "orders.edit",
                move(
                    "confirm",
                    _("Confirm"),
                    S.CONFIRMED,
                    [S.DRAFT],
                    _("The customer has ordered: confirm the order"),
                ),
            ),
            (
                "orders.edit",
                move(
                    "deliver",
                    _("Deliver"),
                    S.DELIVERED,
                    [S.CONFIRMED],
                    _("The goods have been delivered"),
                ),
            ),
            (
                "orders.edit",
                move(
                    "close",
                    _("Close"),
                    S.CLOSED,
                    [S.DELIVERED],
                    _("Nothing more to do on this order"),
                ),
            ),
            (
                "orders.approve",
                move("cancel", _("Cancel order"), S.CANCELLED, [S.DRAFT, S.CONFIRMED]),
            ),
            (
                "orders.edit",
                ListAction(
                    "archive",
                    _("Archive"),
                    self.toggle_archived,
                    enabled=lambda row: self.is_archived(row) or row.status in _orders().ARCHIVABLE,
                    tooltip=_("Draft, closed and cancelled orders can be archived"),
                ),
            ),
            (None, self.print_action(_("Preview and print the order confirmation (Ctrl+P)"))),
            (None, self.payment_plan_action()),
            (
                "customers.view",
                ListAction("customer", _("Open customer"), self.open_customer),
            ),
            (
                "orders.import",
                import_action(
                    _("Import sales history…"),
                    _("Import past orders from an Excel or CSV file for the statistics"),
                    self.import_history,
                ),
            ),
        ]
        return [spec for permission, spec in specs if permission is None or can(permission)]

    def is_archived(self, row: Row) -> bool:
        """Rows say so when the service tells; else the list shows what the filter asked for."""
        archived = getattr(row, "archived", None)
        return bool(self.bar.checks["archived"].isChecked() if archived is None else archived)

    def muted(self, row: Row) -> bool:
        return row.status == S.CANCELLED or self.is_archived(row)

    def selection_changed(self, row: Row | None) -> None:
        archive = self.page.actions_by_key.get("archive")
        if archive is not None:
            archived = row is not None and self.is_archived(row)
            archive.setText(_("Restore") if archived else _("Archive"))

    # --- actions -----------------------------------------------------------------------------
    def set_status(self, row: Row, status: str) -> None:
        question = None
        if status == S.CANCELLED:
            question = _(
                "Cancel order {number} of {customer}? A cancelled order cannot be reopened."
            ).format(number=row.number, customer=row.customer_name)
        self.move_status(
            row,
            status,
            lambda: _orders().set_order_status(
                self.ctx.db, self.ctx.actor, row.id, row.version, status
            ),
            question,
            "orders",
        )

    def toggle_archived(self, row: Row) -> None:
        archive = not self.is_archived(row)
        if archive and not prompts.confirm(
            self,
            _("Archive order"),
            _("Archive order {number}? It leaves the list but keeps its history.").format(
                number=row.number
            ),
        ):
            return
        _orders().set_order_archived(self.ctx.db, self.ctx.actor, row.id, row.version, archive)
        self.announce("orders")

    def import_history(self) -> None:
        self.dialog = open_import(self.ctx, self, ImportKind.ORDERS)

    def open_customer(self, row: Row) -> None:
        from crm_desktop.ui.customers.detail import open_customer

        self.dialog = open_customer(self.ctx, self, row.customer_id)
