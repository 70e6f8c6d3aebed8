"""A salesperson's day through the real main window: create a customer, find it by pinyin,
record a follow-up, and see it on the Today tab when it falls due."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

from crm_desktop.core.clock import local_today
from crm_desktop.core.services import customers
from crm_desktop.ui.customers.detail import CustomerDialog
from crm_desktop.ui.customers.tab import CustomersTab
from crm_desktop.ui.followups.dialog import FollowUpDialog
from crm_desktop.ui.today import TodayTab


def test_create_search_and_follow_up_a_customer_through_the_window(logged_in, qtbot) -> None:
    window = logged_in.window
    db, boss = logged_in.ctx.db, logged_in.ctx.actor
    assert window.current_tab_key() == "home"  # targets and the day's work open first

    window.select_tab("customers")
    tab = window.tab_pages["customers"].ensure_built()
    assert isinstance(tab, CustomersTab)
    tab.page.action("new").trigger()
    dialog = tab.dialog
    assert isinstance(dialog, CustomerDialog)
    name = dialog.panel.editor("name")
    name.setFocus()
    name.insert("北京科技有限公司")  # typed through an input method
    qtbot.keyClicks(dialog.panel.editor("phone"), "010-6234 5678")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: customers.count_customers(db, boss) == 1)
    dialog.close()

    qtbot.keyClicks(tab.search, "bjkj")
    qtbot.waitUntil(lambda: [row.name for row in tab.page.rows()] == ["北京科技有限公司"])
    tab.page.select_key(tab.page.rows()[0].id)
    tab.page.action("followup").trigger()
    followup = tab.dialog
    assert isinstance(followup, FollowUpDialog)
    content = followup.editor("content")
    assert isinstance(content, QPlainTextEdit)
    qtbot.keyClicks(content, "Phoned about the price list")
    due = local_today(db.clock) - timedelta(days=1)  # already due: it must show on Today
    followup.next_date.check.setChecked(True)
    followup.next_date.date.setDate(due)
    qtbot.mouseClick(followup.save_button, Qt.MouseButton.LeftButton)

    window.select_tab("today")
    today = window.tab_pages["today"].ensure_built()
    assert isinstance(today, TodayTab)
    qtbot.waitUntil(lambda: [row.customer_name for row in today.due.rows()] == ["北京科技有限公司"])
