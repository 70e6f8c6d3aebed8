""" "Export to Excel…" on every list tab: offered by permission, and writing what the list shows
(its search and filters, its visible columns in their on-screen order). The file dialog is
answered by replacing QFileDialog.getSaveFileName; the "open the folder?" question by `boxes`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.services import contacts, customers
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.customers.contacts_panel import contacts_list
from crm_desktop.ui.customers.detail_tabs import CustomerPage
from crm_desktop.ui.customers.tab import CustomersTab
from crm_desktop.ui.followups.tab import FollowUpsTab
from crm_desktop.ui.receipts.tab import ReceiptList
from crm_desktop.ui.sales.orders_page import OrdersPage
from crm_desktop.ui.sales.quotes_page import QuotesPage
from crm_desktop.ui.service.tab import ServiceTab
from crm_desktop.ui.widgets import RecordListPage
from crm_desktop.ui.widgets import list_export as list_export_module
from tests.conftest import MakeOperator
from tests.gui.conftest import Box
from tests.gui.settings_helpers import make_ctx


def add(db: Database, actor: Actor, name: str, **values: Any) -> int:
    return customers.create_customer(db, actor, {"name": name, **values}, allow_duplicate=True)


def contacts_page(ctx: AppContext, host: QWidget) -> RecordListPage:
    """The contacts tab of a customer's window (a customer made for it when the actor may)."""
    may_create = ctx.actor.can("customers.create")
    customer_id = add(ctx.db, ctx.actor, "联系人测试公司") if may_create else 0
    return contacts_list(CustomerPage(ctx, customer_id, host, lambda: None))


def paged(make: Callable[[AppContext], QWidget]) -> Callable[[AppContext, QWidget], QWidget]:
    return lambda ctx, _host: make(ctx)


# Every list tab: how to build it (its widget has the list page as `page`).
LISTS: dict[str, Callable[[AppContext, QWidget], Any]] = {
    "customers": paged(CustomersTab),
    "contacts": contacts_page,
    "followups": paged(FollowUpsTab),
    "quotes": paged(QuotesPage),
    "orders": paged(OrdersPage),
    "receipts": paged(ReceiptList),
    "service": paged(ServiceTab),
}


def open_list(qtbot: QtBot, kind: str, ctx: AppContext, host: QWidget) -> RecordListPage:
    widget = LISTS[kind](ctx, host)
    if isinstance(widget, RecordListPage):
        qtbot.addWidget(widget)
        return widget
    widget.setParent(host)  # kept alive by the host (qtbot holds only a weak reference)
    return widget.page


@pytest.fixture
def host(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def save_to(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """The file dialog answered with out/<name>; what it suggested is kept."""
    folder = tmp_path / "out"
    folder.mkdir()
    asked: dict[str, Any] = {"name": "export.xlsx", "opened": []}

    def answer(_parent: Any, _title: str, suggested: str, _pattern: str) -> tuple[str, str]:
        asked["suggested"] = suggested
        return str(folder / asked["name"]), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer)
    monkeypatch.setattr(list_export_module, "open_folder", asked["opened"].append)
    asked["folder"] = folder
    return asked


def export(qtbot: QtBot, page: RecordListPage, *, by_key: bool = False) -> None:
    """Export with the toolbar action, or with Ctrl+E in the table, and wait until written."""
    action = page.action("export")
    assert action.isVisible() and action.isEnabled()
    assert action.shortcut().toString() == "Ctrl+E"
    if by_key:
        window = page.window()
        window.show()
        with qtbot.waitActive(window):
            window.activateWindow()
        page.table.setFocus()
        qtbot.keyClick(page.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    else:
        action.trigger()
    operation = page.export_operation
    assert operation is not None
    qtbot.waitUntil(lambda: operation.done, timeout=10_000)
    assert operation.error is None, operation.error


def sheet_rows(path: Path) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(path).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("kind", list(LISTS))
def test_every_list_offers_the_export_to_the_boss(
    qtbot: QtBot, db: Database, boss: Actor, host: QWidget, kind: str
) -> None:
    ctx, _notified = make_ctx(db, boss)
    page = open_list(qtbot, kind, ctx, host)
    assert page.list_export is not None and page.list_export.kind == kind
    assert page.action("export").isVisible()


@pytest.mark.parametrize("kind", list(LISTS))
def test_the_export_is_hidden_without_the_permission(
    qtbot: QtBot, db: Database, make_operator: MakeOperator, host: QWidget, kind: str
) -> None:
    ctx, _notified = make_ctx(db, make_operator("li", "salesperson"))
    page = open_list(qtbot, kind, ctx, host)
    assert not page.action("export").isVisible()
    assert list_export_module.export_page(page) is None  # Ctrl+E does nothing either


def test_exporting_the_customers_tab_writes_only_the_rows_its_search_finds(
    qtbot: QtBot, db: Database, boss: Actor, save_to: dict[str, Any], boxes: list[Box]
) -> None:
    add(db, boss, "上海甲机械有限公司", phone="02112345678")
    add(db, boss, "上海乙贸易有限公司")
    add(db, boss, "杭州丙茶叶有限公司")
    ctx, _notified = make_ctx(db, boss)
    tab = CustomersTab(ctx)
    qtbot.addWidget(tab)
    tab.search.setText("上海")
    tab.apply_filter()
    assert len(tab.page.rows()) == 2

    export(qtbot, tab.page, by_key=True)

    assert Path(save_to["suggested"]).name.startswith("Customers-2026-01-05")
    rows = sheet_rows(save_to["folder"] / "export.xlsx")
    assert rows[0][:2] == ["Name", "Type"]
    assert sorted(row[0] for row in rows[1:]) == ["上海乙贸易有限公司", "上海甲机械有限公司"]
    assert "2 rows" in boxes[-1].text and "Open the folder?" in boxes[-1].text
    assert save_to["opened"] == [save_to["folder"]]


def test_the_visible_columns_are_written_in_their_on_screen_order(
    qtbot: QtBot, db: Database, boss: Actor, save_to: dict[str, Any], boxes: list[Box]
) -> None:
    add(db, boss, "甲公司", phone="0571-8888")
    ctx, _notified = make_ctx(db, boss)
    tab = CustomersTab(ctx)
    qtbot.addWidget(tab)
    header = tab.page.table.horizontalHeader()
    header.moveSection(5, 0)  # Phone first
    for logical in range(1, header.count()):
        if logical != 5:
            header.hideSection(logical)  # keep Name and Phone only

    export(qtbot, tab.page)

    assert sheet_rows(save_to["folder"] / "export.xlsx") == [
        ["Phone", "Name"],
        ["0571-8888", "甲公司"],
    ]


def test_a_customers_contacts_are_exported_with_the_customer(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    host: QWidget,
    save_to: dict[str, Any],
    boxes: list[Box],
) -> None:
    ctx, _notified = make_ctx(db, boss)
    page = open_list(qtbot, "contacts", ctx, host)
    customer_id = page.list_export.filters().customer_id  # type: ignore[union-attr]
    contacts.save_contact(db, boss, customer_id, None, None, {"name": "张三", "mobile": "013900"})
    add_other = add(db, boss, "别家公司")
    contacts.save_contact(db, boss, add_other, None, None, {"name": "李四"})
    contacts.save_contact(db, boss, customer_id, None, None, {"name": "王五"})
    page.reload()
    page.filter.setText("张")  # the quick filter of the customer's contacts

    export(qtbot, page)

    rows = sheet_rows(save_to["folder"] / "export.xlsx")
    assert rows[0][:3] == ["Customer", "Name", "Title"]
    assert [row[:2] for row in rows[1:]] == [["联系人测试公司", "张三"]]
    assert rows[1][4] == "013900"


def test_cancelling_the_file_dialog_writes_nothing(
    qtbot: QtBot, db: Database, boss: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args: ("", ""))
    ctx, _notified = make_ctx(db, boss)
    tab = CustomersTab(ctx)
    qtbot.addWidget(tab)
    tab.page.action("export").trigger()
    assert tab.page.export_operation is None
