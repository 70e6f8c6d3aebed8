"""The Sales tab: orders, quotes, opportunities and contracts, one page each.

Pages are described by data and built the first time they are shown (like the main window's
tabs), so opening Sales costs one list query. A page whose module is not there (a build without
it) shows a short note instead of an error. Changes are handed to the pages already built; each
reloads only on the kinds it shows. Converting a quote switches to Orders with the new order
selected.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QTabWidget, QWidget

from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import N_, _
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.documents.warm_up import warm_up_printing
from crm_desktop.ui.main_window import LazyTab
from crm_desktop.ui.placeholder_tab import PlaceholderTab


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str  # N_ marked
    permission: str
    factory: str  # "module:Class", called with the context


PAGES: tuple[PageSpec, ...] = (
    PageSpec("orders", N_("Orders"), "orders.view", "crm_desktop.ui.sales.orders_page:OrdersPage"),
    PageSpec("quotes", N_("Quotes"), "quotes.view", "crm_desktop.ui.sales.quotes_page:QuotesPage"),
    PageSpec(
        "opportunities",
        N_("Opportunities"),
        "opportunities.view",
        "crm_desktop.ui.sales.opportunities_page:OpportunitiesPage",
    ),
    PageSpec(
        "contracts",
        N_("Contracts"),
        "contracts.view",
        "crm_desktop.ui.sales.contracts_page:ContractsPage",
    ),
)


def build_page(spec: PageSpec, ctx: AppContext) -> QWidget:
    """The page's content, or a note when its module is not part of this build."""
    module_name, _sep, class_name = spec.factory.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # a missing dependency inside the page is a bug, shown as one
        return PlaceholderTab(_(spec.title), "")
    return getattr(module, class_name)(ctx)


class SalesTab(QTabWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("salesPages")
        self.setDocumentMode(True)
        self.holders: dict[str, LazyTab] = {}
        for spec in PAGES:
            if ctx.actor.can(spec.permission):
                holder = LazyTab(spec.key, self._builder(spec))
                holder.setObjectName(f"sales_{spec.key}")
                self.holders[spec.key] = holder
                self.addTab(holder, _(spec.title))
        warm_up_printing(self)

    def _builder(self, spec: PageSpec) -> Callable[[], QWidget]:
        def build() -> QWidget:
            page = build_page(spec, self.ctx)
            order_created = getattr(page, "order_created", None)
            if order_created is not None:
                order_created.connect(self.show_order)
            return page

        return build

    def page(self, key: str) -> QWidget | None:
        """The page's content, built now if it was not yet (None: not allowed to see it)."""
        holder = self.holders.get(key)
        return holder.ensure_built() if holder is not None else None

    def select_page(self, key: str) -> QWidget | None:
        holder = self.holders.get(key)
        if holder is None:
            return None
        self.setCurrentWidget(holder)
        return holder.ensure_built()

    def show_order(self, order_id: int) -> None:
        """Switch to the orders list with this order selected (after a quote was converted)."""
        page = self.select_page("orders")
        show_record = getattr(page, "show_record", None)
        if callable(show_record):
            show_record(order_id)

    def refresh(self, changes: Changes) -> None:
        for holder in self.holders.values():
            holder.refresh(changes)
