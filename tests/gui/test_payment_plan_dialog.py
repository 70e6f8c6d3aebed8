"""The payment plan dialog: split evenly to the cent, the sum must match, paid figures shown."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.services import receipts
from crm_desktop.ui.receipts.payment_plan_dialog import (
    OUTSTANDING,
    OVERDUE,
    PAID,
    PaymentPlanDialog,
    add_months,
    split_evenly,
)
from tests.gui.settings_helpers import make_ctx
from tests.sales_fixtures import line, make_customer, make_order


def open_dialog(qtbot: QtBot, db: Database, actor: Actor, order_id: int) -> PaymentPlanDialog:
    ctx, _notified = make_ctx(db, actor)
    dialog = PaymentPlanDialog(ctx, order_id=order_id)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_split_evenly_adds_up_to_the_total_to_the_cent() -> None:
    assert split_evenly(Decimal("1000.00"), 3) == [
        Decimal("333.33"),
        Decimal("333.33"),
        Decimal("333.34"),
    ]
    assert sum(split_evenly(Decimal("0.10"), 3)) == Decimal("0.10")
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_a_plan_split_into_three_saves_three_instalments_summing_to_the_total(
    qtbot: QtBot, db: Database, boss: Actor, clock: FixedClock
) -> None:
    today = local_today(clock)
    customer_id = make_customer(db, boss)
    order_id = make_order(db, boss, customer_id, [line("办公椅", 3, "333.33")], order_date=today)
    dialog = open_dialog(qtbot, db, boss, order_id)  # total 999.99
    assert dialog.table.rowCount() == 0

    dialog.parts.setValue(3)
    qtbot.mouseClick(dialog.split_button, Qt.MouseButton.LeftButton)
    assert dialog.table.rowCount() == 3
    assert "the total" in dialog.sum_label.text() and dialog.save_button.isEnabled()

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == PaymentPlanDialog.DialogCode.Accepted
    plan = receipts.payment_plan(db, boss, order_id=order_id)
    assert [(i.due_on, i.amount) for i in plan] == [
        (today, Decimal("333.33")),
        (add_months(today, 1), Decimal("333.33")),
        (add_months(today, 2), Decimal("333.33")),
    ]
    assert sum(i.amount for i in plan) == Decimal("999.99")


def test_save_waits_until_the_instalments_add_up_to_the_total(
    qtbot: QtBot, db: Database, boss: Actor, clock: FixedClock
) -> None:
    customer_id = make_customer(db, boss)
    order_id = make_order(db, boss, customer_id, [line("办公椅", 1, "1000.00")])
    dialog = open_dialog(qtbot, db, boss, order_id)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)  # for the whole rest
    assert dialog.amount_editor(0).value() == Decimal("1000.00")
    edit = dialog.amount_editor(0)
    edit.clear()
    qtbot.keyClicks(edit, "600")
    assert "400.00 less than the total" in dialog.sum_label.text()
    assert not dialog.save_button.isEnabled()

    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)  # offered the 400.00 left
    assert dialog.amount_editor(1).value() == Decimal("400.00")
    assert dialog.save_button.isEnabled()
    assert dialog.save()
    assert [i.amount for i in receipts.payment_plan(db, boss, order_id=order_id)] == [
        Decimal("600.00"),
        Decimal("400.00"),
    ]


def test_the_saved_plan_shows_what_each_instalment_was_paid_and_how_late_it_is(
    qtbot: QtBot, db: Database, boss: Actor, clock: FixedClock
) -> None:
    today = local_today(clock)
    customer_id = make_customer(db, boss)
    start = today - timedelta(45)
    order_id = make_order(db, boss, customer_id, [line("办公椅", 1, "900.00")], order_date=start)
    receipts.set_payment_plan(
        db,
        boss,
        order_id=order_id,
        instalments=[
            (start, Decimal("300.00"), None),
            (today + timedelta(10), Decimal("600.00"), None),
        ],
    )
    paid = Decimal("100.00")
    receipts.record_receipt(
        db, boss, {"customer_id": customer_id, "amount": paid}, [(order_id, paid)]
    )
    dialog = open_dialog(qtbot, db, boss, order_id)
    cells = [
        [dialog.table.item(row, column).text() for column in (PAID, OUTSTANDING, OVERDUE)]
        for row in range(2)
    ]
    assert cells == [["100.00", "200.00", "45 days"], ["0.00", "600.00", ""]]

    edit = dialog.amount_editor(0)  # an edited instalment forgets the saved figures
    edit.clear()
    qtbot.keyClicks(edit, "250")
    assert dialog.table.item(0, PAID).text() == ""
