"""The Receipts tab: money received, what customers still owe by age, and customer statements.

Three pages. Receipts is a server-sorted, paged `RecordListPage` (the receipts service filters by
search text, payment method, handler and an inclusive date range, and sorts); New (Ctrl+N) and
Edit open the receipt dialog, Void/Restore archives a receipt (a void receipt pays nothing, so its
orders owe again), and Print preview shows the printed receipt. Aging and Statement are computed
off the GUI thread. Any change to receipts, orders or payment plans marks every page stale; a page
reloads when it is next on screen.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.services import pool, receipts
from crm_desktop.core.services.receipts import ReceiptFilter, ReceiptRow
from crm_desktop.ui.choices import base_data_choices
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.documents.warm_up import warm_up_printing
from crm_desktop.ui.receipts.aging_page import AgingPage
from crm_desktop.ui.receipts.receipt_dialog import KINDS as SAVED_KINDS
from crm_desktop.ui.receipts.receipt_dialog import ReceiptDialog, open_receipt
from crm_desktop.ui.receipts.statement_page import StatementPage
from crm_desktop.ui.widgets import Column, ListAction, RecordListPage, prompts
from crm_desktop.ui.widgets.filter_bar import DateRange, choice_combo, fill_choices, search_box
from crm_desktop.ui.widgets.list_export import ListExport
from crm_desktop.ui.widgets.record_table_model import PagedSource, ServerSort, service_pages

SEARCH_DELAY_MS = 300
KINDS = ("receipts", "orders", "payment_plans")  # what the pages show


def columns(em: int) -> list[Column]:
    """The receipt list's columns, sized in characters of the current font."""

    def column(key: str, title: str, chars: int, **options: Any) -> Column:
        return Column(key, title, width=em * chars + 16, **options)

    return [
        column("number", _("Number"), 16, sort_key="number"),
        column("received_on", _("Date"), 10, kind="date", sort_key="received_on"),
        column("customer_name", _("Customer"), 24, sort_key="customer"),
        column("payer", _("Payer"), 18),
        column("method_name", _("Method"), 10, sort_key="method"),
        column("amount", _("Amount"), 13, kind="money", sort_key="amount"),
        column("allocated", _("Allocated"), 13, kind="money"),
        column("unallocated", _("Unallocated"), 13, kind="money"),
        column("handler_name", _("Handler"), 8, sort_key="handler"),  # last: it stretches
    ]


class ReceiptList(QWidget):
    """The filter bar above the paged receipt list and its actions."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: ReceiptDialog | None = None  # the dialog opened last (tests)
        self._build_filters()
        can = ctx.actor.can
        self.page = RecordListPage(
            "receipts",
            _("Receipts"),
            columns(self.fontMetrics().horizontalAdvance("0")),
            self._source,
            on_new=self.new_receipt if can("receipts.create") else None,
            on_edit=self.open_row,
            actions=self._actions(),
            empty_text=self._empty_text,
            muted=lambda row: self.voided.isChecked(),
            server_sort=True,
            sort=ServerSort("received_on", descending=True),
            search_widget=self.search,
            count_text=lambda n: ngettext("{n} receipt", "{n} receipts", n).format(n=f"{n:,}"),
            bars=[self.filter_bar],  # under the toolbar, as on every other list
            export=ListExport("receipts", ctx, self.current_filter),
        )
        if "new" in self.page.actions_by_key:
            self.page.action("new").setText(_("Record receipt…"))
            self.page.action("new").setToolTip(_("Record money received (Ctrl+N)"))
        self.page.selection_changed.connect(self._selection_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.page, 1)
        self.page.reload()

    # --- filters -----------------------------------------------------------------------------
    def _build_filters(self) -> None:
        self.search, self.search_timer = search_box(
            self,
            _("Number, customer or payer…"),
            self.apply_filters,
            name="receiptSearch",
            delay_ms=SEARCH_DELAY_MS,
            max_width=320,
        )
        self.method = choice_combo("filter_method", _("All methods"))
        self.handler = choice_combo("filter_handler", _("All handlers"))
        self.reload_choices()
        self.dates = DateRange(
            _("Only receipts on or after this day"),
            _("Only receipts on or before this day"),
            max_width=160,
        )
        self.date_from, self.date_to = self.dates.date_from, self.dates.date_to
        self.voided = QCheckBox(_("Voided"))
        self.voided.setObjectName("filter_voided")
        self.voided.setToolTip(_("Show the voided receipts instead of the valid ones"))
        for combo in (self.method, self.handler):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.dates.changed.connect(self.apply_filters)
        self.voided.toggled.connect(lambda _on: self.apply_filters())

        self.filter_bar = QWidget()
        bar = QHBoxLayout(self.filter_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        for widget in (self.method, self.handler, self.dates, self.voided):
            bar.addWidget(widget)
        bar.addStretch()

    def reload_choices(self) -> None:
        """Read the payment methods and the handlers again (after settings changed)."""
        try:
            methods = base_data_choices(self.ctx, BaseDataKind.PAYMENT_METHOD)()
            handlers = pool.assignable_operators(self.ctx.db, self.ctx.actor)
        except CrmError as exc:
            prompts.show_error(self, exc)
            return
        fill_choices(self.method, methods)
        fill_choices(self.handler, handlers)
        self.handler.setVisible(self.handler.count() > 2)

    def current_filter(self) -> ReceiptFilter:
        return ReceiptFilter(
            search=self.search.text().strip(),
            method_id=self.method.currentData(),
            handler_id=self.handler.currentData(),
            date_from=self.date_from.value(),
            date_to=self.date_to.value(),
            archived=self.voided.isChecked(),
        )

    def apply_filters(self) -> None:
        self.search_timer.stop()
        self.page.reload(fresh=True)

    def _empty_text(self) -> str:
        if self.current_filter() != ReceiptFilter():
            return _("No receipts match these filters.")
        return _("No receipts yet. Record the first with “Record receipt…” (Ctrl+N).")

    def _source(self, sort: ServerSort) -> PagedSource:
        db, actor, wanted = self.ctx.db, self.ctx.actor, self.current_filter()
        return service_pages(
            receipts.list_receipts, receipts.count_receipts, db, actor, wanted, sort
        )

    # --- actions -----------------------------------------------------------------------------
    def _actions(self) -> list[ListAction]:
        actions = []
        if self.ctx.actor.can("receipts.edit"):
            actions.append(
                ListAction(
                    "archive",
                    _("Void"),
                    self.toggle_void,
                    tooltip=_(
                        "Void the receipt: its orders owe the money again (it can be restored)"
                    ),
                )
            )
        actions.append(
            ListAction(
                "print",
                _("Print preview…"),
                self.print_preview,
                shortcut=QKeySequence.StandardKey.Print,
                tooltip=_("Preview and print the receipt (Ctrl+P)"),
            )
        )
        return actions

    def _selection_changed(self, _row: ReceiptRow | None) -> None:
        archive = self.page.actions_by_key.get("archive")
        if archive is not None:
            archive.setText(_("Restore") if self.voided.isChecked() else _("Void"))

    def new_receipt(self) -> ReceiptDialog:
        self.dialog = open_receipt(self.ctx, self)
        return self.dialog

    def open_row(self, row: ReceiptRow) -> ReceiptDialog:
        self.dialog = open_receipt(self.ctx, self, row.id)
        return self.dialog

    def toggle_void(self, row: ReceiptRow) -> None:
        void = not self.voided.isChecked()
        if void and not prompts.confirm(
            self,
            _("Void receipt"),
            _(
                "Void receipt {number} of {amount}? Its orders will owe that money again. "
                "A voided receipt can be restored."
            ).format(number=row.number, amount=f"{row.amount:,.2f}"),
        ):
            return
        receipts.set_receipt_archived(self.ctx.db, self.ctx.actor, row.id, row.version, void)
        self.ctx.notify(Changes.of(*SAVED_KINDS))

    def print_preview(self, row: ReceiptRow) -> Any:
        from crm_desktop.ui.documents.preview import open_preview

        return open_preview(self, self.ctx, "receipt", row.number)


class ReceiptsTab(QWidget):
    """Receipts, Aging and Statement pages; each reloads when shown after a change."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._announced: Changes | None = None
        self.list = ReceiptList(ctx)
        self.aging = AgingPage(ctx)
        self.statement = StatementPage(ctx)
        self.aging.open_statement.connect(self.show_statement)
        self.pages = QTabWidget()
        self.pages.setObjectName("receiptPages")
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.list, _("Receipts"))
        self.pages.addTab(self.aging, _("Aging"))
        self.pages.addTab(self.statement, _("Statement"))
        self.pages.currentChanged.connect(lambda _i: self._reload_stale())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.pages)
        warm_up_printing(self)

    @property
    def page(self) -> RecordListPage:
        return self.list.page

    def show_statement(self, customer_id: int, name: str) -> None:
        """The statement of one customer (from the aging page)."""
        self.pages.setCurrentWidget(self.statement)
        self.statement.show_customer(customer_id, name)

    def refresh(self, changes: Changes) -> None:
        """Mark the pages stale when what they show changed; reload the one on screen."""
        if changes.touches("base_data", "operators"):
            self.list.reload_choices()
        if not changes.touches(*KINDS):
            return
        self.list.page.reload_when_shown()
        self.aging.stale = True
        self.statement.stale = True
        self._reload_stale()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._reload_stale()

    def _reload_stale(self) -> None:
        for page in (self.aging, self.statement):
            if page.stale and page.isVisible():
                page.reload()
