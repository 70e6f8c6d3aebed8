"""The tabs inside a customer's detail window: contacts, follow-ups, orders and the rest.

Every inner tab is one `RecordListPage` made by `inner_list` from columns, a loader and actions;
the tabs differ only in those. A tab is built the first time it is shown (opening a customer
reads only what the person looks at) and is left out when the operator lacks its permission.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import NC_, _
from crm_desktop.core.money import format_money
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import Column, ListAction, RecordListPage


@dataclass
class CustomerPage:
    """What an inner tab needs: the context, the customer, a parent for its dialogs, and a way
    to tell the detail window that the customer itself changed (restore in field history)."""

    ctx: AppContext
    customer_id: int
    parent: QWidget
    customer_changed: Callable[[], None]

    def can(self, permission: str) -> bool:
        return self.ctx.actor.can(permission)


def translated(labels: dict[str, str]) -> Callable[[Any], str]:
    """A column formatter showing a stored code by its translated label."""
    return lambda value: _(labels[value]) if value in labels else str(value or "")


def inner_list(
    name: str,
    columns: Sequence[Column],
    loader: Callable[[], Sequence[Any]],
    actions: Sequence[ListAction] = (),
    *,
    on_new: Callable[[], Any] | None = None,
    on_edit: Callable[[Any], Any] | None = None,
    empty_text: str = "",
    key: str = "id",
) -> RecordListPage:
    """One inner list: the shared list page without its title (the tab names it), loaded."""
    page = RecordListPage(
        f"customer_detail.{name}",
        "",
        columns,
        loader,
        on_new=on_new,
        on_edit=on_edit,
        actions=actions,
        empty_text=empty_text,
        key=key,
    )
    page.title.hide()
    page.reload()
    return page


@dataclass(frozen=True)
class InnerTab:
    """An inner tab: shown with `permission`, reloaded when `kinds` change, made by `build`."""

    key: str
    title: str
    permission: str
    kinds: tuple[str, ...]
    build: Callable[[CustomerPage], RecordListPage]


class _LazyPage(QWidget):
    """A tab's placeholder that builds the real list the first time it is shown."""

    def __init__(self, tab: InnerTab, page: CustomerPage) -> None:
        super().__init__()
        self.tab = tab
        self.page = page
        self.list: RecordListPage | None = None
        self.setObjectName(f"tab_{tab.key}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

    def showEvent(self, event: QShowEvent) -> None:
        self.ensure_built()
        super().showEvent(event)

    def ensure_built(self) -> RecordListPage:
        if self.list is None:
            self.list = self.tab.build(self.page)
            self.layout().addWidget(self.list)
        return self.list


class CustomerTabs(QTabWidget):
    """The inner tabs of one existing customer, each built on first show."""

    def __init__(self, page: CustomerPage, tabs: Sequence[InnerTab]) -> None:
        super().__init__()
        self.setObjectName("customerTabs")
        self.pages: dict[str, _LazyPage] = {}
        for tab in tabs:
            if not page.can(tab.permission):
                continue
            lazy = _LazyPage(tab, page)
            self.pages[tab.key] = lazy
            self.addTab(lazy, tab.title)

    def open_tab(self, key: str) -> RecordListPage:
        """Show the tab `key` and return its list (built now if it was not yet)."""
        lazy = self.pages[key]
        self.setCurrentWidget(lazy)
        return lazy.ensure_built()

    def built(self, key: str) -> RecordListPage | None:
        lazy = self.pages.get(key)
        return lazy.list if lazy is not None else None

    def refresh(self, changes: Changes) -> None:
        """Reload the tabs already built whose records changed; the others load when shown."""
        for lazy in self.pages.values():
            if lazy.list is not None and changes.touches(*lazy.tab.kinds):
                lazy.list.reload()


# --- read-only lists ---------------------------------------------------------------------------


def orders_list(page: CustomerPage) -> RecordListPage:
    from crm_desktop.core.services import customer_records, sales_common

    orders = inner_list(
        "orders",
        [
            Column("number", _("Number"), width=130),
            Column("order_date", _("Date"), "date", width=95),
            Column(
                "status", _("Status"), formatter=translated(sales_common.STATUS_LABELS), width=90
            ),
            Column("total", _("Total"), "money", width=110),
            Column("received", _("Received"), "money", width=110),
            Column("outstanding", _("Outstanding"), "money"),
        ],
        lambda: customer_records.customer_orders(page.ctx.db, page.ctx.actor, page.customer_id),
        empty_text=_("This customer has no sales orders yet."),
    )
    _show_outstanding_total(orders)
    return orders


def _show_outstanding_total(orders: RecordListPage) -> None:
    """What the customer owes over all their orders, under the list, kept current on reload."""
    total_label = QLabel(orders)
    total_label.setObjectName("outstandingTotal")
    total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
    orders.layout().addWidget(total_label)

    def update() -> None:
        owed = sum((row.outstanding for row in orders.rows()), Decimal("0.00"))
        total_label.setText(_("Outstanding in total: {amount}").format(amount=format_money(owed)))

    orders.loaded.connect(update)
    update()


def receipts_list(page: CustomerPage) -> RecordListPage:
    from crm_desktop.core.services import customer_records

    return inner_list(
        "receipts",
        [
            Column("number", _("Number"), width=130),
            Column("received_on", _("Received on"), "date", width=95),
            Column("method", _("Method"), width=110),
            Column("amount", _("Amount"), "money", width=110),
            Column("handler_name", _("Handled by")),
        ],
        lambda: customer_records.customer_receipts(page.ctx.db, page.ctx.actor, page.customer_id),
        empty_text=_("No receipts from this customer yet."),
    )


def service_list(page: CustomerPage) -> RecordListPage:
    from crm_desktop.core.services import customer_records, service_records

    return inner_list(
        "service",
        [
            Column("subject", _("Subject"), width=220),
            Column(
                "status",
                _("Status"),
                formatter=translated(service_records.SERVICE_STATUS_LABELS),
                width=90,
            ),
            Column("accepted_at", _("Accepted at"), "datetime", width=130),
            Column("handler_name", _(NC_("service", "Handled by")), width=100),
            Column("result", _("Result")),
        ],
        lambda: customer_records.customer_service_records(
            page.ctx.db, page.ctx.actor, page.customer_id
        ),
        empty_text=_("No service records for this customer yet."),
    )


# --- follow-ups --------------------------------------------------------------------------------


def followups_list(page: CustomerPage) -> RecordListPage:
    from crm_desktop.core.services import followups

    def load() -> list[Any]:
        query = followups.FollowUpFilter(customer_id=page.customer_id)
        return followups.list_followups(page.ctx.db, page.ctx.actor, query)

    def record(_row: Any) -> None:
        # Another helper's dialog, imported when needed: the detail window must open without it.
        from crm_desktop.ui.followups.dialog import record_followup

        record_followup(page.ctx, page.parent, page.customer_id)

    def edit(row: Any) -> None:
        from crm_desktop.ui.followups.dialog import edit_followup

        edit_followup(page.ctx, page.parent, row.id)

    actions = []
    may_record = page.can("followups.create")
    if may_record:
        actions.append(ListAction("record", _("Record follow-up…"), record, needs_selection=False))
    return inner_list(
        "followups",
        [
            Column("happened_at", _("When"), "datetime", width=130),
            Column("operator_name", _("By"), width=90),
            Column("method", _("Method"), formatter=translated(followups.METHOD_LABELS), width=70),
            Column("contact_name", _("Contact"), width=90),
            Column("subject", _("Subject"), width=160),
            Column("content", _("Content"), width=240),
            Column("result", _("Result"), width=160),
            Column("next_followup_on", _("Next follow-up"), "date"),
        ],
        load,
        actions,
        on_edit=edit if may_record else None,  # the service refuses other people's
        empty_text=_("No follow-ups with this customer yet."),
    )


def all_tabs() -> list[InnerTab]:
    """The inner tabs in the order they are shown."""
    from crm_desktop.ui.customers.attachments_panel import attachments_list
    from crm_desktop.ui.customers.contacts_panel import contacts_list
    from crm_desktop.ui.customers.history_panel import history_list

    return [
        InnerTab("contacts", _("Contacts"), "customers.view", ("contacts",), contacts_list),
        InnerTab(
            "followups",
            _("Follow-ups"),
            "followups.view",
            ("followups", "annotations"),
            followups_list,
        ),
        InnerTab("orders", _("Orders"), "orders.view", ("orders", "receipts"), orders_list),
        InnerTab("receipts", _("Receipts"), "receipts.view", ("receipts",), receipts_list),
        InnerTab("service", _("Service records"), "service.view", ("service",), service_list),
        InnerTab(
            "attachments", _("Attachments"), "customers.view", ("attachments",), attachments_list
        ),
        InnerTab("history", _("Field history"), "customers.view", ("customers",), history_list),
    ]
