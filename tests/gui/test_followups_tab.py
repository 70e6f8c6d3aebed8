"""The follow-ups tab driven like a person would: record a visit, filter, annotate, supervise."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QComboBox, QPlainTextEdit
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.services import contacts, customers, followups
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.followups.annotations import AnnotationDialog
from crm_desktop.ui.followups.dialog import FollowUpDialog, record_followup
from crm_desktop.ui.followups.tab import FollowUpsTab
from crm_desktop.ui.status_bar import StatusBar
from tests.gui.settings_helpers import Answers, Notified, answers, show_tab  # noqa: F401


def open_tab(qtbot: QtBot, db: Database, actor: Actor) -> tuple[FollowUpsTab, AppContext, Notified]:
    """The tab as the main window shows it: visible, refreshed by the change bus."""
    return show_tab(qtbot, db, actor, FollowUpsTab, (1200, 700))


def visit(db: Database, actor: Actor, customer_id: int, content: str, **values: Any) -> int:
    return followups.record_followup(
        db, actor, {"customer_id": customer_id, "content": content, **values}
    )


def shown(tab: FollowUpsTab, key: str = "content") -> list[Any]:
    return [getattr(row, key) for row in tab.page.rows()]


def choose(combo: Any, text: str) -> None:
    assert isinstance(combo, QComboBox)
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not offered"
    combo.setCurrentIndex(index)


def set_date(edit: Any, day: date) -> None:
    """Tick an optional date and set it, as a person would with the box and the calendar."""
    edit.check.setChecked(True)
    edit.date.setDate(QDate(day.year, day.month, day.day))


def bold(tab: FollowUpsTab, row: int) -> bool:
    font = tab.page.proxy.index(row, 1).data(Qt.ItemDataRole.FontRole)
    return font is not None and font.bold()


def test_recording_a_follow_up_lists_it_and_moves_the_customers_next_date(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    customer_id = customers.create_customer(db, li, {"name": "北京科技有限公司"})
    contacts.save_contact(db, li, customer_id, None, None, {"name": "张三", "is_primary": True})
    tab, ctx, notified = open_tab(qtbot, db, li)
    assert shown(tab) == []

    dialog = record_followup(ctx, tab, customer_id)
    assert dialog.customer.text() == "北京科技有限公司"
    assert dialog.editor("contact_id").currentText() == "张三"  # the primary contact
    choose(dialog.editor("method"), "Visit")
    choose(dialog.editor("category_id"), "Quote follow-up")  # the firm's own list
    qtbot.keyClicks(dialog.editor("subject"), "Quarterly visit")
    content = dialog.editor("content")
    assert isinstance(content, QPlainTextEdit)
    qtbot.keyClicks(content, "Talked about the new price list")
    next_on = local_today(clock) + timedelta(days=7)
    set_date(dialog.next_date, next_on)
    qtbot.keyClicks(dialog.editor("next_action"), "Send the quote")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    assert {"followups", "customers"} <= notified.kinds()
    qtbot.waitUntil(lambda: shown(tab) == ["Talked about the new price list"])
    row = tab.page.rows()[0]
    assert (row.customer_name, row.contact_name, row.operator_name) == (
        "北京科技有限公司",
        "张三",
        "李四",
    )
    assert (row.method, row.next_followup_on, row.happened_at) == ("visit", next_on, clock.now())
    assert row.category_name == "Quote follow-up"
    saved = customers.get_customer(db, li, customer_id)
    assert saved["next_followup_on"] == next_on
    assert saved["last_followup_at"] == clock.now()


def test_the_customer_is_found_by_pinyin_initials_while_typing(
    qtbot: QtBot, db: Database, team: dict[str, Actor]
) -> None:
    li = team["li"]
    customer_id = customers.create_customer(db, li, {"name": "北京科技"})
    customers.create_customer(db, li, {"name": "上海贸易"})
    tab, _ctx, _notified = open_tab(qtbot, db, li)
    tab.list.record()
    dialog = tab.list.dialog
    assert isinstance(dialog, FollowUpDialog)
    assert dialog.focusWidget() is dialog.customer
    qtbot.keyClicks(dialog.customer, "bjkj")
    qtbot.waitUntil(lambda: dialog.customer.matches.rowCount() == 1)
    qtbot.keyClick(dialog.customer, Qt.Key.Key_Return)  # takes the only match, does not save
    assert dialog.customer.customer_id == customer_id
    assert dialog.isVisible()
    assert dialog.customer.text() == "北京科技"
    qtbot.keyClicks(dialog.editor("content"), "First call")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shown(tab, "customer_name") == ["北京科技"])


def test_saving_without_a_chosen_customer_keeps_the_dialog_open_with_a_message(
    qtbot: QtBot, db: Database, team: dict[str, Actor]
) -> None:
    tab, ctx, notified = open_tab(qtbot, db, team["li"])
    dialog = record_followup(ctx, tab)
    qtbot.keyClicks(dialog.editor("content"), "Who was it?")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "Choose the customer" in dialog.panel.error.text()
    assert notified.changes == []


def test_filters_by_method_and_inclusive_date_range(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    customer_id = customers.create_customer(db, li, {"name": "广州电子"})
    now = clock.now()
    for days_ago, method, content in (
        (10, "phone", "call ten days ago"),
        (5, "visit", "visit five days ago"),
        (3, "phone", "call three days ago"),
        (0, "visit", "visit today"),
    ):
        visit(
            db, li, customer_id, content, method=method, happened_at=now - timedelta(days=days_ago)
        )
    tab, _ctx, _notified = open_tab(qtbot, db, li)
    assert shown(tab) == [
        "visit today",
        "call three days ago",
        "visit five days ago",
        "call ten days ago",
    ]

    choose(tab.list.method, "Visit")
    assert shown(tab) == ["visit today", "visit five days ago"]

    choose(tab.list.method, "All methods")
    today = local_today(clock)
    set_date(tab.list.date_from, today - timedelta(days=5))
    set_date(tab.list.date_to, today - timedelta(days=3))
    assert shown(tab) == ["call three days ago", "visit five days ago"]

    choose(tab.list.method, "Phone")
    assert shown(tab) == ["call three days ago"]

    tab.list.clear_filters()
    assert len(shown(tab)) == 4


def test_manager_annotates_and_the_salesperson_sees_it_unread_until_opened(
    qtbot: QtBot,
    db: Database,
    team: dict[str, Actor],
    answers: Answers,  # noqa: F811
) -> None:
    manager, li = team["manager"], team["li"]
    customer_id = customers.create_customer(db, li, {"name": "深圳软件"})
    visit(db, li, customer_id, "Demo of the product")

    # The manager annotates li's follow-up from the list.
    boss_tab, _ctx, notified = open_tab(qtbot, db, manager)
    assert boss_tab.page.select_key(boss_tab.page.rows()[0].id)
    boss_tab.page.action("annotate").trigger()
    dialog = boss_tab.list.dialog
    assert isinstance(dialog, AnnotationDialog)
    qtbot.keyClicks(dialog.body, "Bring the technical lead next time")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert "Bring the technical lead next time" in dialog.history.toPlainText()
    assert "annotations" in notified.kinds()
    assert answers.errors == []
    dialog.reject()

    # li: the status bar counts it, the row is bold until li opens the annotations.
    li_tab, li_ctx, _li_notified = open_tab(qtbot, db, li)
    bar = StatusBar(li, "test.db")
    qtbot.addWidget(bar)
    bar.watch_unread(li_ctx)
    assert bar.unread_count() == 1
    assert bar.unread.text() == "1 unread annotation"
    assert not bar.unread.isHidden()
    assert li_tab.page.rows()[0].unread_annotations == 1
    assert bold(li_tab, 0)

    li_tab.page.select_key(li_tab.page.rows()[0].id)
    li_tab.page.action("annotate").trigger()
    opened = li_tab.list.dialog
    assert isinstance(opened, AnnotationDialog)
    assert "Bring the technical lead next time" in opened.history.toPlainText()
    assert not opened.add_button.isVisible()  # a salesperson reads, does not annotate
    assert bar.unread_count() == 0
    assert bar.unread.isHidden()
    qtbot.waitUntil(lambda: li_tab.page.rows()[0].unread_annotations == 0)
    assert not bold(li_tab, 0)


def test_status_bar_button_asks_for_the_today_tab(qtbot: QtBot, boss: Actor) -> None:
    bar = StatusBar(boss, "test.db")
    qtbot.addWidget(bar)
    bar.show()
    bar.set_unread(3)
    assert bar.unread.text() == "3 unread annotations"
    with qtbot.waitSignal(bar.unread_clicked):
        qtbot.mouseClick(bar.unread, Qt.MouseButton.LeftButton)
    bar.set_unread(0)
    assert bar.unread.isHidden()


def test_a_salesperson_edits_own_follow_ups_and_only_reads_a_colleagues(
    qtbot: QtBot, db: Database, boss: Actor, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    customer_id = customers.create_customer(db, li, {"name": "杭州食品"})
    own = visit(db, li, customer_id, "my call", happened_at=clock.now() - timedelta(hours=1))
    bosses = visit(db, boss, customer_id, "the boss's call on my customer")
    tab, _ctx, _notified = open_tab(qtbot, db, li)
    assert shown(tab) == ["the boss's call on my customer", "my call"]

    tab.page.select_key(bosses)
    assert not tab.page.action("edit").isEnabled()
    tab.list.open_row(tab.page.selected_row())  # double-click: read it, with its annotations
    assert isinstance(tab.list.dialog, AnnotationDialog)
    tab.list.dialog.reject()

    tab.page.select_key(own)
    assert tab.page.action("edit").isEnabled()
    tab.page.action("edit").trigger()
    dialog = tab.list.dialog
    assert isinstance(dialog, FollowUpDialog)
    assert dialog.customer.isReadOnly()
    content = dialog.editor("content")
    assert isinstance(content, QPlainTextEdit)
    content.setPlainText("my call, corrected")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "my call, corrected" in shown(tab))
    assert followups.get_followup(db, li, own)["content"] == "my call, corrected"


def test_supervision_counts_follow_ups_by_day_and_person_and_opens_them(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    manager, li, zhao = team["manager"], team["li"], team["zhao"]
    today = local_today(clock)
    now = clock.now()
    li_customer = customers.create_customer(db, li, {"name": "成都机械"})
    zhao_customer = customers.create_customer(db, zhao, {"name": "武汉光电"})
    visit(db, li, li_customer, "li one", happened_at=now)
    visit(db, li, li_customer, "li two", happened_at=now + timedelta(minutes=5))
    visit(db, zhao, zhao_customer, "zhao one", happened_at=now - timedelta(days=1))
    tab, _ctx, _notified = open_tab(qtbot, db, manager)
    assert tab.supervision is not None

    tab.show_supervision()
    view = tab.supervision
    view.set_range(today - timedelta(days=1), today)
    assert view.count_at("李四", today) == 2
    assert view.count_at("李四", today - timedelta(days=1)) == 0
    assert view.count_at("赵六", today - timedelta(days=1)) == 1

    row = view.people.index(li.id)
    view.table.cellDoubleClicked.emit(row, view.days.index(today))
    assert tab.pages.currentWidget() is tab.list
    assert shown(tab) == ["li two", "li one"]


def test_salespeople_have_no_supervision_page(
    qtbot: QtBot, db: Database, team: dict[str, Actor]
) -> None:
    tab, _ctx, _notified = open_tab(qtbot, db, team["li"])
    assert tab.supervision is None
    assert tab.list.salesperson.isHidden()  # only their own follow-ups to choose from
    assert tab.page.action("annotate").text() == "Annotations…"
