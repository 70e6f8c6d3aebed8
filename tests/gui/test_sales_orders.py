"""The Sales tab's orders and quotes driven like a person would, over a real database.

The tab is shown as the main window shows it (refreshed by the change bus); orders are typed into
the shared document dialog line by line, status moves come from the toolbar, and questions are
answered by the `answers` fixture.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.services import contacts, customers, orders, quotes
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.placeholder_tab import PlaceholderTab
from crm_desktop.ui.sales import tab as tab_module
from crm_desktop.ui.sales.document_dialog import DocumentDialog
from crm_desktop.ui.sales.lines_editor import CODE, QUANTITY
from crm_desktop.ui.sales.orders_page import OrdersPage
from crm_desktop.ui.sales.quotes_page import QuotesPage
from crm_desktop.ui.sales.tab import PageSpec, SalesTab
from tests.gui.settings_helpers import Answers, Notified, answers, make_ctx  # noqa: F401
from tests.gui.test_lines_editor import add_line, type_cell
from tests.sales_fixtures import (
    line,
    make_confirmed_order,
    make_customer,
    make_order,
    make_product,
    make_quote,
)

CTRL = Qt.KeyboardModifier.ControlModifier


def open_tab(qtbot: QtBot, db: Database, actor: Actor) -> tuple[SalesTab, AppContext, Notified]:
    ctx, notified = make_ctx(db, actor)
    tab = SalesTab(ctx)
    qtbot.addWidget(tab)
    ctx.bus.changed.connect(tab.refresh)
    tab.resize(1280, 760)
    tab.show()
    with qtbot.waitActive(tab):
        tab.activateWindow()
    return tab, ctx, notified


def orders_page(tab: SalesTab) -> OrdersPage:
    page = tab.select_page("orders")
    assert isinstance(page, OrdersPage)
    return page


def quotes_page(tab: SalesTab) -> QuotesPage:
    page = tab.select_page("quotes")
    assert isinstance(page, QuotesPage)
    return page


def dialog_of(qtbot: QtBot, page: OrdersPage | QuotesPage) -> DocumentDialog:
    """The editor the page opened, made the active window (its shortcuts need that)."""
    dialog = page.dialog
    assert isinstance(dialog, DocumentDialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def edit(qtbot: QtBot, page: OrdersPage | QuotesPage, record_id: int) -> DocumentDialog:
    assert page.page.select_key(record_id)
    page.page.action("edit").trigger()
    return dialog_of(qtbot, page)


def text_of(dialog: DocumentDialog, key: str) -> str:
    editor = dialog.editor(key)
    if isinstance(editor, QPlainTextEdit):
        return editor.toPlainText()
    assert isinstance(editor, QLineEdit | QComboBox)
    return editor.text() if isinstance(editor, QLineEdit) else editor.currentText()


def test_an_order_typed_with_three_lines_is_listed_with_its_exact_total(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    team: dict[str, Actor],
    answers: Answers,  # noqa: F811
) -> None:
    li = team["li"]
    make_product(db, boss, "P001", "不锈钢螺栓", "12.50")
    customer_id = make_customer(db, li, "北京远航科技有限公司")
    contacts.save_contact(
        db,
        li,
        customer_id,
        None,
        None,
        {"name": "张三", "mobile": "13800138000", "is_primary": True},
    )
    tab, _ctx, notified = open_tab(qtbot, db, li)
    page = orders_page(tab)

    page.bar.search.setFocus()  # the list is empty: its table is not shown
    qtbot.keyClick(page.bar.search, Qt.Key.Key_N, CTRL)
    dialog = dialog_of(qtbot, page)
    assert dialog.customer.search("远航") == 1
    dialog.customer.choose_row(0)
    assert text_of(dialog, "contact_id") == "张三"  # the primary contact
    assert text_of(dialog, "contact_phone") == "13800138000"
    assert text_of(dialog, "salesperson_id") == "李四"
    lines = dialog.lines
    lines.add_line()
    type_cell(qtbot, lines, 0, CODE, "P001")  # the catalogue fills name, unit and price
    type_cell(qtbot, lines, 0, QUANTITY, "4")  # 50.00
    add_line(qtbot, lines, "Installation", "1", "0.10")
    add_line(qtbot, lines, "Freight", "3", "0.20", "50")  # 0.60 at half price: 0.30
    lines.tax_rate.setCurrentIndex(lines.tax_rate.findText("13%"))
    assert lines.total_label.text() == "Total ¥56.95"  # 50.40 + 6.552 tax
    qtbot.keyClick(dialog, Qt.Key.Key_S, CTRL)

    assert dialog.result() == DocumentDialog.DialogCode.Accepted, dialog.panel.error.text()
    (row,) = page.rows()
    assert (row.customer_name, row.salesperson_name, row.status) == (
        "北京远航科技有限公司",
        "李四",
        "draft",
    )
    assert (row.total, row.received, row.outstanding) == (Decimal("56.95"), 0, Decimal("56.95"))
    assert page.page.selected_row() == row
    order = orders.get_order(db, li, row.id)
    assert [(x.product_code, x.description, x.amount) for x in order.lines] == [
        ("P001", "不锈钢螺栓", Decimal("50.00")),
        (None, "Installation", Decimal("0.10")),
        (None, "Freight", Decimal("0.30")),
    ]
    assert order.contact_phone == "13800138000"
    assert "orders" in notified.kinds()


def test_a_salesperson_does_not_see_a_colleagues_orders(
    qtbot: QtBot, db: Database, team: dict[str, Actor]
) -> None:
    li, zhao = team["li"], team["zhao"]
    mine = make_order(db, li, make_customer(db, li, "李四的客户有限公司"))
    theirs = make_order(db, zhao, make_customer(db, zhao, "赵六的客户有限公司"))

    tab, _ctx, _notified = open_tab(qtbot, db, li)
    page = orders_page(tab)
    assert [row.id for row in page.rows()] == [mine]
    page.bar.search.setText("赵六")
    qtbot.keyClick(page.bar.search, Qt.Key.Key_Return)
    assert page.rows() == []
    assert not page.bar.salesperson.isVisibleTo(page)  # only themselves to choose

    manager_tab, _ctx, _notified = open_tab(qtbot, db, team["manager"])
    assert {row.id for row in orders_page(manager_tab).rows()} == {mine, theirs}


def test_a_converted_quote_shows_in_orders_with_the_same_lines(
    qtbot: QtBot,
    db: Database,
    team: dict[str, Actor],
    answers: Answers,  # noqa: F811
) -> None:
    li = team["li"]
    customer_id = make_customer(db, li, "上海星辰贸易有限公司")
    quote_id = make_quote(
        db,
        li,
        customer_id,
        [line("办公椅", 2, "399.00", 1000, unit="把"), line("运费", 1, "0.30")],
        tax_rate_bp=1300,
    )
    quotes.set_quote_status(db, li, quote_id, quotes.get_quote(db, li, quote_id).version, "sent")
    tab, _ctx, notified = open_tab(qtbot, db, li)
    page = quotes_page(tab)

    assert page.page.select_key(quote_id)
    page.page.action("convert").trigger()

    assert len(answers.questions) == 1
    assert tab.currentWidget() is tab.holders["orders"]
    row = orders_page(tab).page.selected_row()
    assert row is not None and row.customer_name == "上海星辰贸易有限公司"
    order = orders.get_order(db, li, row.id)
    quote = quotes.get_quote(db, li, quote_id)
    assert [x.as_input() for x in order.lines] == [x.as_input() for x in quote.lines]
    assert [x.amount for x in order.lines] == [Decimal("718.20"), Decimal("0.30")]
    assert (order.total, order.quote_id) == (quote.total, quote_id)
    assert {"orders", "quotes"} <= notified.kinds()
    assert [r.status for r in quotes_page(tab).rows()] == ["accepted"]


def test_an_order_moves_through_its_statuses_from_the_toolbar(
    qtbot: QtBot,
    db: Database,
    team: dict[str, Actor],
    answers: Answers,  # noqa: F811
) -> None:
    manager = team["manager"]
    order_id = make_order(db, manager, make_customer(db, manager))
    tab, _ctx, _notified = open_tab(qtbot, db, manager)
    page = orders_page(tab)
    action = page.page.action

    assert page.page.select_key(order_id)
    assert action("confirm").isEnabled() and not action("deliver").isEnabled()
    action("confirm").trigger()
    assert page.page.selected_row().status == "confirmed"
    assert action("deliver").isEnabled() and not action("confirm").isEnabled()
    assert not action("archive").isEnabled()  # only draft, closed or cancelled orders

    answers.confirm = False
    action("cancel").trigger()
    assert page.page.selected_row().status == "confirmed"
    answers.confirm = True
    action("cancel").trigger()
    assert len(answers.questions) == 2
    assert page.page.selected_row().status == "cancelled"
    assert not action("cancel").isEnabled()


def test_a_salesperson_is_not_offered_to_cancel_an_order(
    qtbot: QtBot, db: Database, team: dict[str, Actor]
) -> None:
    tab, _ctx, _notified = open_tab(qtbot, db, team["li"])

    assert "cancel" not in orders_page(tab).page.actions_by_key
    assert "confirm" in orders_page(tab).page.actions_by_key


def test_outstanding_money_is_shown_in_red(
    qtbot: QtBot, db: Database, team: dict[str, Actor]
) -> None:
    li = team["li"]
    make_confirmed_order(db, li, make_customer(db, li), "250.00")
    tab, _ctx, _notified = open_tab(qtbot, db, li)
    page = orders_page(tab)

    column = [c.key for c in page.page.model.columns].index("outstanding")
    cell = page.page.proxy.index(0, column)
    assert cell.data() == "250.00"
    assert cell.data(Qt.ItemDataRole.ForegroundRole) is not None


def test_escape_asks_before_throwing_away_edits(
    qtbot: QtBot,
    db: Database,
    team: dict[str, Actor],
    answers: Answers,  # noqa: F811
) -> None:
    li = team["li"]
    order_id = make_order(db, li, make_customer(db, li), remarks="call first")
    tab, _ctx, _notified = open_tab(qtbot, db, li)
    page = orders_page(tab)

    dialog = edit(qtbot, page, order_id)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and answers.questions == []  # nothing changed: no question

    dialog = edit(qtbot, page, order_id)
    qtbot.keyClicks(dialog.editor("remarks"), " twice")
    answers.confirm = False
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and len(answers.questions) == 1
    answers.confirm = True
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert orders.get_order(db, li, order_id).remarks == "call first"


def test_a_delivered_order_keeps_its_lines_but_its_address_can_change(
    qtbot: QtBot,
    db: Database,
    team: dict[str, Actor],
    answers: Answers,  # noqa: F811
) -> None:
    li = team["li"]
    order_id = make_confirmed_order(db, li, make_customer(db, li), "99.90", status="delivered")
    tab, _ctx, _notified = open_tab(qtbot, db, li)

    dialog = edit(qtbot, orders_page(tab), order_id)
    assert dialog.lines.model.read_only and not dialog.lines.add_button.isEnabled()
    assert "can no longer change" in dialog.read_only_note.text()
    address = dialog.editor("delivery_address")
    assert isinstance(address, QLineEdit)
    address.setText("上海市浦东新区世纪大道1号")
    qtbot.keyClick(dialog, Qt.Key.Key_S, CTRL)

    assert answers.errors == [] and not dialog.isVisible()
    saved = orders.get_order(db, li, order_id)
    assert saved.delivery_address == "上海市浦东新区世纪大道1号"
    assert saved.total == Decimal("99.90")


def test_a_sent_quote_opens_read_only_and_revising_it_opens_the_new_draft(
    qtbot: QtBot,
    db: Database,
    team: dict[str, Actor],
    answers: Answers,  # noqa: F811
) -> None:
    li = team["li"]
    quote_id = make_quote(db, li, make_customer(db, li))
    tab, _ctx, _notified = open_tab(qtbot, db, li)
    page = quotes_page(tab)
    assert page.page.select_key(quote_id)
    page.page.action("send").trigger()
    assert page.page.selected_row().status == "sent"

    sent = edit(qtbot, page, quote_id)
    assert sent.read_only and not sent.save_button.isVisible()
    qtbot.keyClick(sent, Qt.Key.Key_Escape)

    page.page.action("revise").trigger()
    draft = dialog_of(qtbot, page)
    assert not draft.read_only and draft.doc_id != quote_id
    assert "rev. 2" in draft.windowTitle()
    assert [(r.revision, r.status) for r in page.rows()] == [(2, "draft")]


def test_someone_elses_save_meanwhile_is_shown_as_a_conflict(
    qtbot: QtBot,
    db: Database,
    team: dict[str, Actor],
    answers: Answers,  # noqa: F811
) -> None:
    li = team["li"]
    order_id = make_order(db, li, make_customer(db, li), remarks="first")
    tab, _ctx, _notified = open_tab(qtbot, db, li)
    dialog = edit(qtbot, orders_page(tab), order_id)
    stored = orders.get_order(db, li, order_id)
    orders.save_order(
        db,
        li,
        order_id,
        stored.version,
        {"remarks": "theirs"},
        [x.as_input() for x in stored.lines],
    )

    remarks = dialog.editor("remarks")
    assert isinstance(remarks, QPlainTextEdit)
    remarks.setPlainText("mine")
    answers.conflict = "theirs"
    qtbot.keyClick(dialog, Qt.Key.Key_S, CTRL)

    assert len(answers.conflicts) == 1 and "theirs" in answers.conflicts[0]
    assert dialog.isVisible() and remarks.toPlainText() == "theirs"


def test_saving_without_a_customer_says_what_is_missing(
    qtbot: QtBot,
    db: Database,
    team: dict[str, Actor],
    answers: Answers,  # noqa: F811
) -> None:
    tab, _ctx, _notified = open_tab(qtbot, db, team["li"])
    page = orders_page(tab)
    page.page.action("new").trigger()
    dialog = dialog_of(qtbot, page)

    qtbot.keyClick(dialog, Qt.Key.Key_S, CTRL)

    assert dialog.isVisible()
    assert dialog.panel.error.text() == "Choose the customer from the list."


def test_the_sales_tab_builds_a_page_when_first_shown_and_notes_a_missing_one(
    qtbot: QtBot, db: Database, team: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = PageSpec("contracts", "Contracts", "contracts.view", "crm_desktop.ui.sales.nope:X")
    monkeypatch.setattr(tab_module, "PAGES", (*tab_module.PAGES[:2], missing))
    tab, _ctx, _notified = open_tab(qtbot, db, team["manager"])

    assert [tab.tabText(i) for i in range(tab.count())] == ["Orders", "Quotes", "Contracts"]
    assert tab.holders["orders"].content is not None
    assert tab.holders["quotes"].content is None  # not shown yet: not built
    assert isinstance(tab.select_page("contracts"), PlaceholderTab)


def test_print_preview_and_payment_plan_open_for_the_selected_order(
    qtbot: QtBot, db: Database, team: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_desktop.ui.documents import preview
    from crm_desktop.ui.receipts import payment_plan_dialog

    opened: list[tuple[str, object]] = []
    monkeypatch.setattr(
        preview, "open_preview", lambda _p, _ctx, kind, number: opened.append((kind, number))
    )
    monkeypatch.setattr(
        payment_plan_dialog,
        "open_payment_plan",
        lambda _ctx, _p, *, order_id: opened.append(("plan", order_id)),
    )
    li = team["li"]
    order_id = make_order(db, li, make_customer(db, li))
    tab, _ctx, _notified = open_tab(qtbot, db, li)
    page = orders_page(tab)
    assert page.page.select_key(order_id)
    number = page.page.selected_row().number

    page.page.table.setFocus()
    qtbot.keyClick(page.page.table, Qt.Key.Key_P, CTRL)
    page.page.action("payment_plan").trigger()

    assert opened == [("order", number), ("plan", order_id)]


def test_another_customer_replaces_the_filled_in_phone_and_address_but_not_typed_ones(
    qtbot: QtBot,
    db: Database,
    team: dict[str, Actor],
    answers: Answers,  # noqa: F811
) -> None:
    li = team["li"]
    for name, address, mobile in (
        ("甲方科技有限公司", "北京市海淀区中关村大街1号", "13900000001"),
        ("乙方贸易有限公司", "上海市黄浦区南京东路2号", "13900000002"),
    ):
        customer_id = customers.create_customer(db, li, {"name": name, "address": address})
        person = {"name": "联系人", "mobile": mobile, "is_primary": True}
        contacts.save_contact(db, li, customer_id, None, None, person)
    tab, _ctx, _notified = open_tab(qtbot, db, li)
    page = orders_page(tab)
    page.page.action("new").trigger()
    dialog = dialog_of(qtbot, page)

    assert dialog.customer.search("甲方") == 1
    dialog.customer.choose_row(0)
    assert text_of(dialog, "delivery_address") == "北京市海淀区中关村大街1号"
    phone = dialog.editor("contact_phone")
    assert isinstance(phone, QLineEdit)
    phone.setText("010-12345678")  # typed by the person: it stays
    assert dialog.customer.search("乙方") == 1
    dialog.customer.choose_row(0)

    assert text_of(dialog, "delivery_address") == "上海市黄浦区南京东路2号"
    assert text_of(dialog, "contact_phone") == "010-12345678"
