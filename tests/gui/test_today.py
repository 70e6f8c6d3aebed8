"""The Today tab: what is due or overdue, what returns to the pool, what managers wrote."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.changes import Changes
from crm_desktop.core.clock import FixedClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.services import customers, followups, pool, receipts
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.followups.annotations import AnnotationDialog
from crm_desktop.ui.followups.dialog import FollowUpDialog
from crm_desktop.ui.today import TodayTab
from crm_desktop.ui.widgets import RecordListPage
from tests.gui.settings_helpers import show_tab
from tests.sales_fixtures import (
    make_confirmed_order,
    make_customer,
    make_receipt,
    make_signed_contract,
)


def open_today(qtbot: QtBot, db: Database, actor: Actor) -> tuple[TodayTab, AppContext]:
    tab, ctx, _notified = show_tab(qtbot, db, actor, TodayTab, (1000, 800))
    return tab, ctx


def customer_due(db: Database, owner: Actor, name: str, next_on: date) -> tuple[int, int]:
    """A customer of `owner` whose last follow-up planned the next one for `next_on`."""
    customer_id = customers.create_customer(db, owner, {"name": name})
    followup_id = followups.record_followup(
        db,
        owner,
        {
            "customer_id": customer_id,
            "content": "call",
            "next_followup_on": next_on,
            "next_action": f"call {name} back",
        },
    )
    return customer_id, followup_id


def names(page: RecordListPage, key: str = "customer_name") -> list[Any]:
    return [getattr(row, key) for row in page.rows()]


def cell(page: RecordListPage, row: int, column: int, role: Qt.ItemDataRole) -> Any:
    return page.proxy.index(row, column).data(role)


def test_overdue_customers_are_listed_first_and_highlighted(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    today = local_today(clock)
    customer_due(db, li, "due today", today)
    customer_due(db, li, "three days late", today - timedelta(days=3))
    customer_due(db, li, "next week", today + timedelta(days=7))
    tab, _ctx = open_today(qtbot, db, li)

    assert names(tab.due) == ["three days late", "due today"]
    assert cell(tab.due, 0, 2, Qt.ItemDataRole.DisplayRole) == "3 days overdue"
    assert cell(tab.due, 1, 2, Qt.ItemDataRole.DisplayRole) == "Due today"
    assert cell(tab.due, 0, 4, Qt.ItemDataRole.DisplayRole) == "call three days late back"
    assert cell(tab.due, 0, 0, Qt.ItemDataRole.FontRole).bold()
    assert cell(tab.due, 1, 0, Qt.ItemDataRole.FontRole) is None
    assert tab.summary.text().startswith("2 customers to follow up, 1 overdue")


def test_a_day_later_todays_customer_is_one_day_overdue(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    customer_due(db, li, "due today", local_today(clock))
    tab, _ctx = open_today(qtbot, db, li)
    assert cell(tab.due, 0, 2, Qt.ItemDataRole.DisplayRole) == "Due today"

    clock.advance(days=1)
    tab.refresh(Changes.everything())
    assert cell(tab.due, 0, 2, Qt.ItemDataRole.DisplayRole) == "1 day overdue"


def test_nothing_due_says_so(qtbot: QtBot, db: Database, team: dict[str, Actor]) -> None:
    tab, _ctx = open_today(qtbot, db, team["li"])
    assert tab.due.stack.currentWidget() is tab.due.empty
    assert tab.due.empty.text() == "Nothing due today."
    assert tab.annotations.empty.text() == "No unread annotations."
    assert tab.summary.text() == "Nothing due today. All caught up."


def test_recording_the_follow_up_takes_the_customer_off_the_list(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    customer_due(db, li, "late one", local_today(clock) - timedelta(days=1))
    tab, _ctx = open_today(qtbot, db, li)
    tab.due.select_key(tab.due.rows()[0].customer_id)

    tab.due.action("record").trigger()
    dialog = tab.dialog
    assert isinstance(dialog, FollowUpDialog)
    assert dialog.customer.text() == "late one"
    qtbot.keyClicks(dialog.editor("content"), "Called back, all fine")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.due.rows() == [])
    assert tab.summary.text() == "Nothing due today. All caught up."


def test_unread_annotations_open_and_leave_the_list(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    manager, li = team["manager"], team["li"]
    _customer_id, followup_id = customer_due(db, li, "南京化工", local_today(clock) + timedelta(5))
    followups.annotate(db, manager, followup_id, "Ask for the decision maker")
    tab, _ctx = open_today(qtbot, db, li)
    assert names(tab.annotations, "body") == ["Ask for the decision maker"]
    assert names(tab.annotations, "author_name") == ["马经理"]

    tab.annotations.select_key(tab.annotations.rows()[0].annotation_id)
    qtbot.keyClick(tab.annotations.table, Qt.Key.Key_Return)  # Enter opens it, as double-click
    assert isinstance(tab.dialog, AnnotationDialog)
    assert "Ask for the decision maker" in tab.dialog.history.toPlainText()
    qtbot.waitUntil(lambda: tab.annotations.rows() == [])
    assert followups.unread_annotation_count(db, li) == 0


def test_customers_about_to_return_to_the_pool_show_their_return_date(
    qtbot: QtBot, db: Database, boss: Actor, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    clock.advance(days=-28)
    version = pool.get_rules(db, boss)["version"]
    pool.save_rules(db, boss, version, {"enabled": True, "no_followup_days": 30, "warn_days": 3})
    customer_due(db, li, "idle customer", local_today(clock) + timedelta(days=7))
    clock.advance(days=28)
    tab, _ctx = open_today(qtbot, db, li)

    assert names(tab.returning, "name") == ["idle customer"]
    returns_on = tab.returning.rows()[0].returns_on
    assert local_today(clock) <= returns_on <= local_today(clock) + timedelta(days=3)
    assert cell(tab.returning, 0, 1, Qt.ItemDataRole.DisplayRole) == returns_on.isoformat()


def test_the_tab_refreshes_only_for_its_kinds_and_later_when_hidden(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    tab, ctx = open_today(qtbot, db, li)
    customer_due(db, li, "new plan", local_today(clock))
    ctx.notify(Changes.of("products"))
    assert tab.due.rows() == []

    tab.hide()
    ctx.notify(Changes.of("followups"))
    assert tab.due.rows() == []  # hidden: read when shown again
    tab.show()
    assert names(tab.due) == ["new plan"]


def test_double_click_on_a_due_customer_opens_the_customer(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    customer_due(db, li, "双击客户", local_today(clock))
    tab, _ctx = open_today(qtbot, db, li)
    table = tab.due.table
    rect = table.visualRect(tab.due.proxy.index(0, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    assert "双击客户" in dialog.windowTitle()
    dialog.close()


def test_overdue_instalments_and_contracts_ending_soon_are_listed_and_open_the_customer(
    qtbot: QtBot, db: Database, boss: Actor, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    today = local_today(clock)
    customer = make_customer(db, li, "欠款客户")
    order = make_confirmed_order(db, li, customer, "100.00")
    receipts.set_payment_plan(
        db, li, order_id=order, instalments=[(today - timedelta(4), Decimal("100.00"), None)]
    )
    make_signed_contract(db, boss, customer, "2000.00", end_on=today + timedelta(days=12))
    tab, ctx = open_today(qtbot, db, li)

    assert names(tab.overdue) == ["欠款客户"]
    assert cell(tab.overdue, 0, 3, Qt.ItemDataRole.DisplayRole) == "4 days overdue"
    assert cell(tab.overdue, 0, 4, Qt.ItemDataRole.DisplayRole) == "100.00"
    assert names(tab.expiring) == ["欠款客户"]
    assert cell(tab.expiring, 0, 4, Qt.ItemDataRole.DisplayRole) == "12 days left"
    assert "1 overdue instalment (100.00)" in tab.summary.text()
    assert "1 contract ending soon" in tab.summary.text()

    table = tab.overdue.table
    rect = table.visualRect(tab.overdue.proxy.index(0, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    assert "欠款客户" in dialog.windowTitle()
    dialog.close()

    make_receipt(db, boss, customer, "100.00", (order, "100.00"))
    ctx.notify(Changes.of("receipts"))
    assert tab.overdue.rows() == []
    assert tab.overdue.empty.text() == "No instalments are overdue."
