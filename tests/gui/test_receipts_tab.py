"""The receipts tab driven like a person would: record, allocate, overpay, void, age, state."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.services import orders, receipts
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.receipts.receipt_dialog import ReceiptDialog
from crm_desktop.ui.receipts.tab import ReceiptsTab
from tests.gui.settings_helpers import Answers, Notified, answers, show_tab  # noqa: F401
from tests.sales_fixtures import line, make_customer, make_order

CUSTOMER = "北京科技有限公司"


def open_tab(qtbot: QtBot, db: Database, actor: Actor) -> tuple[ReceiptsTab, AppContext, Notified]:
    """The tab as the main window shows it: visible, refreshed by the change bus."""
    return show_tab(qtbot, db, actor, ReceiptsTab, (1200, 700))


def two_orders(db: Database, boss: Actor, clock: FixedClock) -> tuple[int, int, int]:
    """A customer with an older 1,000.00 order and a newer 500.00 one."""
    today = local_today(clock)
    customer_id = make_customer(db, boss, CUSTOMER)
    older = make_order(
        db, boss, customer_id, [line("办公椅", 10, "100.00")], order_date=today - timedelta(10)
    )
    newer = make_order(db, boss, customer_id, [line("办公桌", 1, "500.00")], order_date=today)
    return customer_id, older, newer


def new_receipt(qtbot: QtBot, tab: ReceiptsTab, customer_id: int) -> ReceiptDialog:
    """Ctrl+N on the list, then the customer picked by typing part of the name."""
    tab.page.action("new").trigger()
    dialog = tab.list.dialog
    assert isinstance(dialog, ReceiptDialog)
    qtbot.keyClicks(dialog.customer, "bjkj")
    qtbot.waitUntil(lambda: dialog.customer.matches.rowCount() == 1)
    qtbot.keyClick(dialog.customer, Qt.Key.Key_Return)  # takes the only match
    assert dialog.customer.customer_id == customer_id
    return dialog


def pay(db: Database, actor: Actor, customer_id: int, amount: str, order_id: int) -> int:
    """A receipt of `amount` paying one order (recorded through the service)."""
    money = Decimal(amount)
    return receipts.record_receipt(
        db, actor, {"customer_id": customer_id, "amount": money}, [(order_id, money)]
    )


def outstanding(db: Database, actor: Actor, order_id: int) -> Decimal:
    return orders.get_order(db, actor, order_id).outstanding


def type_amount(qtbot: QtBot, edit, text: str) -> None:  # type: ignore[no-untyped-def]
    edit.clear()
    qtbot.keyClicks(edit, text)


def test_a_receipt_allocated_to_two_orders_lowers_what_both_still_owe(
    qtbot: QtBot, db: Database, boss: Actor, clock: FixedClock
) -> None:
    customer_id, older, newer = two_orders(db, boss, clock)
    tab, _ctx, notified = open_tab(qtbot, db, boss)
    assert tab.page.rows() == []

    dialog = new_receipt(qtbot, tab, customer_id)
    assert dialog.editor("payer").text() == CUSTOMER  # the payer follows the customer
    assert [o.number for o in dialog.allocations.orders] == [
        orders.get_order(db, boss, older).number,
        orders.get_order(db, boss, newer).number,
    ]  # oldest first
    type_amount(qtbot, dialog.amount, "1200")
    qtbot.mouseClick(dialog.oldest_first, Qt.MouseButton.LeftButton)
    assert dialog.allocations.editor(0).value() == Decimal("1000.00")
    assert dialog.allocations.editor(1).value() == Decimal("200.00")
    assert "0.00" in dialog.summary.text() and dialog.unallocated() == 0

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == ReceiptDialog.DialogCode.Accepted
    assert outstanding(db, boss, older) == Decimal("0.00")
    assert outstanding(db, boss, newer) == Decimal("300.00")
    assert {"receipts", "orders"} <= notified.kinds()
    qtbot.waitUntil(lambda: len(tab.page.rows()) == 1)
    row = tab.page.rows()[0]
    assert (row.customer_name, row.amount, row.allocated, row.unallocated) == (
        CUSTOMER,
        Decimal("1200.00"),
        Decimal("1200.00"),
        Decimal("0.00"),
    )

    again = new_receipt(qtbot, tab, customer_id)  # the paid order is no longer open
    assert [(o.id, o.outstanding) for o in again.allocations.orders] == [(newer, Decimal("300.00"))]
    again.reject()


def test_allocating_more_than_an_order_owes_is_refused_unless_overpayment_is_allowed(
    qtbot: QtBot, db: Database, boss: Actor, clock: FixedClock
) -> None:
    customer_id, older, _newer = two_orders(db, boss, clock)
    tab, _ctx, _notified = open_tab(qtbot, db, boss)
    dialog = new_receipt(qtbot, tab, customer_id)
    type_amount(qtbot, dialog.amount, "1500")
    number = orders.get_order(db, boss, older).number
    type_amount(qtbot, dialog.allocations.editor_for(number), "1500")
    assert "1,500.00" in dialog.summary.text()

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # still open, nothing saved
    error = dialog.panel.error.text()
    assert number in error and "1,000.00" in error and "Allow overpayment" in error
    assert receipts.count_receipts(db, boss) == 0
    assert outstanding(db, boss, older) == Decimal("1000.00")

    dialog.allow_overpayment.setChecked(True)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == ReceiptDialog.DialogCode.Accepted
    assert outstanding(db, boss, older) == Decimal("-500.00")
    receipt_id = receipts.list_receipts(db, boss)[0].id
    assert receipts.get_receipt(db, boss, receipt_id).overpayment is True


def test_allocations_above_the_amount_received_are_refused_before_saving(
    qtbot: QtBot, db: Database, boss: Actor, clock: FixedClock
) -> None:
    customer_id, _older, _newer = two_orders(db, boss, clock)
    tab, _ctx, _notified = open_tab(qtbot, db, boss)
    dialog = new_receipt(qtbot, tab, customer_id)
    type_amount(qtbot, dialog.amount, "100")
    type_amount(qtbot, dialog.allocations.editor(0), "60")
    type_amount(qtbot, dialog.allocations.editor(1), "60")
    assert "20.00 more than received" in dialog.summary.text()

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "120.00" in dialog.panel.error.text() and "100.00" in dialog.panel.error.text()
    assert receipts.count_receipts(db, boss) == 0


def test_editing_a_receipt_keeps_its_own_allocation_within_what_the_order_owed(
    qtbot: QtBot, db: Database, boss: Actor, clock: FixedClock
) -> None:
    customer_id, older, _newer = two_orders(db, boss, clock)
    receipt_id = pay(db, boss, customer_id, "1000", older)
    tab, _ctx, _notified = open_tab(qtbot, db, boss)
    qtbot.waitUntil(lambda: len(tab.page.rows()) == 1)
    tab.page.select_key(receipt_id)
    tab.page.action("edit").trigger()
    dialog = tab.list.dialog
    assert isinstance(dialog, ReceiptDialog)
    number = orders.get_order(db, boss, older).number
    # the order is paid in full by this very receipt, yet it is listed as owing 1,000.00
    assert dialog.allocations.editor_for(number).value() == Decimal("1000.00")
    assert dialog.allocations.orders[0].outstanding == Decimal("1000.00")
    type_amount(qtbot, dialog.editor("remarks"), "by bank transfer")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == ReceiptDialog.DialogCode.Accepted
    assert receipts.get_receipt(db, boss, receipt_id).remarks == "by bank transfer"
    assert outstanding(db, boss, older) == Decimal("0.00")


def test_voiding_a_receipt_makes_its_orders_owe_again_and_restoring_undoes_it(
    qtbot: QtBot,
    db: Database,
    boss: Actor,
    clock: FixedClock,
    answers: Answers,  # noqa: F811
) -> None:
    customer_id, older, _newer = two_orders(db, boss, clock)
    receipt_id = pay(db, boss, customer_id, "400", older)
    tab, _ctx, _notified = open_tab(qtbot, db, boss)
    qtbot.waitUntil(lambda: len(tab.page.rows()) == 1)
    tab.page.select_key(receipt_id)
    assert tab.page.action("archive").text() == "Void"
    tab.page.action("archive").trigger()
    assert answers.questions and "owe that money again" in answers.questions[0]
    qtbot.waitUntil(lambda: tab.page.rows() == [])
    assert outstanding(db, boss, older) == Decimal("1000.00")

    tab.list.voided.setChecked(True)
    qtbot.waitUntil(lambda: len(tab.page.rows()) == 1)
    tab.page.select_key(receipt_id)
    assert tab.page.action("archive").text() == "Restore"
    tab.page.action("archive").trigger()
    qtbot.waitUntil(lambda: tab.page.rows() == [])
    assert outstanding(db, boss, older) == Decimal("600.00")


def test_aging_puts_an_order_overdue_45_days_in_the_31_to_60_bucket(
    qtbot: QtBot, db: Database, boss: Actor, clock: FixedClock
) -> None:
    today = local_today(clock)
    customer_id = make_customer(db, boss, CUSTOMER)
    make_order(
        db, boss, customer_id, [line("办公椅", 3, "33.33")], order_date=today - timedelta(45)
    )
    make_order(db, boss, customer_id, [line("办公桌", 1, "50.00")], order_date=today)
    tab, _ctx, _notified = open_tab(qtbot, db, boss)
    with qtbot.waitSignal(tab.aging.computed):
        tab.pages.setCurrentWidget(tab.aging)

    first, total = tab.aging.rows()
    assert first.name == CUSTOMER
    assert (first.not_due, first.d1_30, first.d31_60, first.d61_90, first.over_90) == (
        Decimal("50.00"),
        Decimal("0.00"),
        Decimal("99.99"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert total.name == "Total" and total.total == Decimal("149.99")
    model = tab.aging.proxy
    assert model.headerData(3, Qt.Orientation.Horizontal) == "31–60 days"
    assert model.index(0, 3).data() == "99.99"
    assert model.index(1, 6).data() == "149.99"  # the totals row, shown last

    with qtbot.waitSignal(tab.aging.computed):
        tab.aging.by_salesperson.setChecked(True)
    assert [row.name for row in tab.aging.rows()] == ["王老板", "Total"]
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Salesperson"


def test_aging_double_click_opens_the_statement_from_the_oldest_order_still_owed(
    qtbot: QtBot, db: Database, boss: Actor, clock: FixedClock
) -> None:
    today = local_today(clock)
    customer_id = make_customer(db, boss, CUSTOMER)
    ordered = today - timedelta(120)  # before the page's usual three months
    order_id = make_order(db, boss, customer_id, order_date=ordered)
    receipts.record_receipt(
        db,
        boss,
        {"customer_id": customer_id, "amount": Decimal("30"), "received_on": today},
        [(order_id, Decimal("30"))],
    )
    tab, _ctx, _notified = open_tab(qtbot, db, boss)
    with qtbot.waitSignal(tab.aging.computed):
        tab.pages.setCurrentWidget(tab.aging)
    index = tab.aging.proxy.index(0, 0)
    with qtbot.waitSignal(tab.statement.computed):
        tab.aging.table.doubleClicked.emit(index)
    assert tab.pages.currentWidget() is tab.statement
    assert tab.statement.date_from.date().toPython() == ordered
    lines = tab.statement.lines()
    assert [(entry.kind, entry.debit, entry.credit, entry.balance) for entry in lines] == [
        ("order", Decimal("100.00"), Decimal("0.00"), Decimal("100.00")),
        ("receipt", Decimal("0.00"), Decimal("30.00"), Decimal("70.00")),
    ]
    assert "70.00" in tab.statement.closing.text()
    assert "0.00" in tab.statement.opening.text()


def test_a_change_elsewhere_reloads_the_aging_page_on_screen(
    qtbot: QtBot, db: Database, boss: Actor, clock: FixedClock
) -> None:
    today = local_today(clock)
    customer_id = make_customer(db, boss, CUSTOMER)
    order_id = make_order(db, boss, customer_id, order_date=today - timedelta(45))
    tab, ctx, _notified = open_tab(qtbot, db, boss)
    with qtbot.waitSignal(tab.aging.computed):
        tab.pages.setCurrentWidget(tab.aging)
    assert tab.aging.rows()[0].d31_60 == Decimal("100.00")

    pay(db, boss, customer_id, "100", order_id)
    from crm_desktop.core.changes import Changes

    with qtbot.waitSignal(tab.aging.computed):
        ctx.notify(Changes.of("receipts", "orders"))
    assert tab.aging.rows() == []
    assert tab.aging.status.text() == "Nobody owes anything."


def test_print_preview_shows_the_selected_receipt(
    qtbot: QtBot, db: Database, boss: Actor, clock: FixedClock
) -> None:
    from PySide6.QtWidgets import QApplication

    from crm_desktop.ui.documents.preview import PreviewWindow

    customer_id, older, _newer = two_orders(db, boss, clock)
    receipt_id = pay(db, boss, customer_id, "400", older)
    number = receipts.get_receipt(db, boss, receipt_id).number
    tab, _ctx, _notified = open_tab(qtbot, db, boss)
    qtbot.waitUntil(lambda: len(tab.page.rows()) == 1)
    tab.page.select_key(receipt_id)

    def previews() -> list[PreviewWindow]:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, PreviewWindow)]
        return [w for w in found if w.isVisible()]

    tab.page.action("print").trigger()
    qtbot.waitUntil(lambda: len(previews()) == 1, timeout=15000)
    window = previews()[0]
    assert number in window.windowTitle() and window.page_count() == 1
    window.close()


def test_a_salesperson_sees_receipts_of_their_customers_but_cannot_change_them(
    qtbot: QtBot, db: Database, boss: Actor, team: dict[str, Actor]
) -> None:
    li, zhao = team["li"], team["zhao"]
    mine = make_customer(db, li)
    pay(db, boss, mine, "100", make_order(db, li, mine))
    theirs = make_customer(db, zhao)
    pay(db, boss, theirs, "100", make_order(db, zhao, theirs))
    tab, _ctx, _notified = open_tab(qtbot, db, li)
    qtbot.waitUntil(lambda: len(tab.page.rows()) == 1)
    assert tab.page.rows()[0].customer_id == mine
    assert "new" not in tab.page.actions_by_key and "archive" not in tab.page.actions_by_key
    tab.page.select_key(tab.page.rows()[0].id)
    tab.page.action("edit").trigger()
    dialog = tab.list.dialog
    assert isinstance(dialog, ReceiptDialog)
    assert not dialog.save_button.isEnabled()
    dialog.reject()
