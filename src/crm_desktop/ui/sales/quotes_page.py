"""The quotes list: draft, send, revise, and turn an accepted quote into a sales order.

Each quote number shows its latest revision (tick "All revisions" to see the older ones). A sent
quote is not edited in place: "Revise" makes the next revision as a draft and keeps the old one
as it was sent. "Convert to order" makes the order with every line in one step and then shows it
in the Orders page (`order_created`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal

from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.models import DocumentStatus
from crm_desktop.ui.sales.document_dialog import QUOTE, open_document
from crm_desktop.ui.sales.document_list import (
    DocumentFilterBar,
    DocumentListPage,
    money_column,
    status_column,
)
from crm_desktop.ui.widgets import Column, ListAction
from crm_desktop.ui.widgets.record_table_model import Row, ServerSort

S = DocumentStatus
QUOTE_STATUSES = (S.DRAFT, S.SENT, S.ACCEPTED, S.REJECTED, S.SUPERSEDED)


def _quotes() -> Any:
    from crm_desktop.core.services import quotes

    return quotes


class QuotesPage(DocumentListPage):
    KINDS = ("quotes", "customers")
    PRINT_KIND = "quote"
    LIST_NAME = "quotes"
    DIALOG_KIND = QUOTE

    order_created = Signal(int)  # the id of an order just made from a quote

    # --- description -------------------------------------------------------------------------
    def make_bar(self) -> DocumentFilterBar:
        return DocumentFilterBar(
            self.ctx,
            QUOTE_STATUSES,
            placeholder=_("Search number, customer or salesperson…"),
            checks=(
                (
                    "all_revisions",
                    _("All revisions"),
                    _("Show every revision of a quote, not only the latest"),
                ),
            ),
        )

    def title(self) -> str:
        return _("Quotes")

    def columns(self) -> list[Column]:
        width = self.chars
        return [
            Column("number", _("Number"), sort_key="number", width=width(16)),
            Column("revision", _("Rev."), "int", width=width(4)),
            Column("quote_date", _("Date"), "date", sort_key="quote_date", width=width(11)),
            Column(
                "valid_until", _("Valid until"), "date", sort_key="valid_until", width=width(11)
            ),
            Column("customer_name", _("Customer"), sort_key="customer", width=width(26)),
            status_column(_("Status"), width(8)),
            money_column("total", _("Total"), sort_key="total", width=width(13)),
            Column("salesperson_name", _("Salesperson"), sort_key="salesperson"),  # stretches
        ]

    def first_sort(self) -> ServerSort:
        return ServerSort("quote_date", descending=True)

    def make_filter(self) -> Any:
        return _quotes().QuoteFilter(**self.bar.value())

    def queries(self) -> tuple[Any, Any]:
        return _quotes().list_quotes, _quotes().count_quotes

    def count_text(self, total: int) -> str:
        return ngettext("{n} quote", "{n} quotes", total).format(n=f"{total:,}")

    def empty_texts(self) -> tuple[str, str]:
        return (
            _("No quote matches the search and filters."),
            _("No quotes yet. Press Ctrl+N to write the first one."),
        )

    def may_create(self) -> bool:
        return self.ctx.actor.can("quotes.edit")

    def muted(self, row: Row) -> bool:
        return row.status in (S.SUPERSEDED, S.REJECTED)

    def actions(self) -> list[ListAction]:
        can = self.ctx.actor.can
        move = self.status_action
        status_is = self.status_is
        specs: list[tuple[str | None, ListAction]] = [
            (
                "quotes.edit",
                move("send", _("Send"), S.SENT, [S.DRAFT], _("The quote went to the customer")),
            ),
            (
                "quotes.edit",
                move("accept", _("Accept"), S.ACCEPTED, [S.SENT], _("The customer accepted it")),
            ),
            (
                "quotes.edit",
                move("reject", _("Reject"), S.REJECTED, [S.SENT], _("The customer turned it down")),
            ),
            (
                "quotes.edit",
                ListAction(
                    "revise",
                    _("Revise"),
                    self.revise,
                    enabled=status_is(S.SENT, S.ACCEPTED, S.REJECTED),
                    tooltip=_("Make a new version to change; the sent one is kept as it was"),
                ),
            ),
            (
                "orders.create",
                ListAction(
                    "convert",
                    _("Convert to order"),
                    self.convert,
                    enabled=status_is(S.SENT, S.ACCEPTED),
                    tooltip=_("Make a sales order with every line of this quote"),
                ),
            ),
            (None, self.print_action(_("Preview and print the quote (Ctrl+P)"))),
        ]
        return [spec for permission, spec in specs if permission is None or can(permission)]

    # --- actions -----------------------------------------------------------------------------
    def set_status(self, row: Row, status: str) -> None:
        self.move_status(
            row,
            status,
            lambda: _quotes().set_quote_status(
                self.ctx.db, self.ctx.actor, row.id, row.version, status
            ),
            None,
            "quotes",
        )

    def revise(self, row: Row) -> None:
        """The next revision as a draft, opened for editing at once."""
        new_id = _quotes().revise_quote(self.ctx.db, self.ctx.actor, row.id, row.version)
        self.announce("quotes", select=new_id)
        self.dialog = open_document(self.ctx, self, QUOTE, new_id, on_saved=self.saved)

    def convert(self, row: Row) -> None:
        from crm_desktop.ui.widgets import prompts

        if not prompts.confirm(
            self,
            _("Convert to order"),
            _("Make a sales order from quote {number} for {customer}?").format(
                number=row.number, customer=row.customer_name
            ),
        ):
            return
        order_id = _quotes().convert_to_order(self.ctx.db, self.ctx.actor, row.id, row.version)
        self.announce("quotes", "orders")
        self.order_created.emit(order_id)
