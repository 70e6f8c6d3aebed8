"""The calendar tab, the appointment dialog, reminder pop-ups by the injected clock, and the
Today tab's list of today's appointments."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from PySide6.QtWidgets import QLineEdit, QSpinBox
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.clock import FixedClock, local_today
from crm_desktop.core.db import Database
from crm_desktop.core.services import calendar
from crm_desktop.ui.calendar.dialog import AppointmentDialog
from crm_desktop.ui.calendar.reminders import ReminderWatcher
from crm_desktop.ui.calendar.tab import CalendarTab
from crm_desktop.ui.today import TodayTab
from tests.gui.settings_helpers import make_ctx


def add(db: Database, actor: Actor, start: datetime, **values: object) -> int:
    return calendar.save_appointment(
        db,
        actor,
        None,
        None,
        {"title": values.pop("title", "拜访客户"), "starts_at": start, **values},
    )


def local(clock: FixedClock, days: int, hour: int) -> datetime:
    day = local_today(clock) + timedelta(days=days)
    return datetime.combine(day, time(hour)).astimezone()


def test_the_week_shows_each_item_on_its_day_and_moves_by_weeks(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    add(db, li, local(clock, 0, 10), title="今天的拜访", place="上海")
    add(db, li, local(clock, 7, 10), title="下周的拜访")
    ctx, _notified = make_ctx(db, li)
    tab = CalendarTab(ctx)
    qtbot.addWidget(tab)
    tab.show()

    assert len(tab.columns) == 7
    today = local_today(clock)
    (column,) = [c for c in tab.columns if c.day == today]
    assert column.list.count() == 1 and "今天的拜访" in column.list.item(0).text()
    assert "上海" in column.list.item(0).text()
    tab.next.click()
    assert [i.title for i in tab.items] == ["下周的拜访"]
    tab.today_button.click()
    tab.set_mode("day")
    assert len(tab.columns) == 1 and [i.title for i in tab.items] == ["今天的拜访"]


def test_a_new_appointment_from_the_dialog_appears_in_the_week(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    ctx, _notified = make_ctx(db, li)
    tab = CalendarTab(ctx)
    qtbot.addWidget(tab)
    ctx.bus.changed.connect(tab.refresh)
    tab.show()
    dialog = tab.new_item(local_today(clock))
    assert isinstance(dialog, AppointmentDialog)
    title = dialog.editor("title")
    assert isinstance(title, QLineEdit)
    title.setText("送报价单")
    dialog.editor("place").setText("客户公司")  # type: ignore[attr-defined]
    duration = dialog.editor("duration")
    assert isinstance(duration, QSpinBox)
    duration.setValue(30)
    dialog.submit()

    (item,) = [i for i in tab.items if i.title == "送报价单"]
    assert item.place == "客户公司" and item.day == local_today(clock)
    assert item.ends_at is not None and item.starts_at is not None
    assert item.ends_at - item.starts_at == timedelta(minutes=30)
    saved = calendar.get_appointment(db, li, item.id)  # type: ignore[arg-type]
    assert saved["remind_minutes"] == 15  # the default


def test_marking_done_strikes_the_item_through(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    task = add(db, li, local(clock, 0, 16), kind="task", title="寄样品")
    ctx, _notified = make_ctx(db, li)
    tab = CalendarTab(ctx)
    qtbot.addWidget(tab)
    (column,) = [c for c in tab.columns if c.list.count()]
    column.list.setCurrentRow(0)
    assert tab.selected is not None and tab.selected.id == task
    tab.done_button.click()
    assert calendar.get_appointment(db, li, task)["done"] is True
    (column,) = [c for c in tab.columns if c.list.count()]
    assert column.list.item(0).font().strikeOut()


def test_a_manager_reads_a_team_members_week_without_changing_it(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    item = add(db, team["zhao"], local(clock, 0, 11), title="赵的拜访")
    ctx, _notified = make_ctx(db, team["manager"])
    tab = CalendarTab(ctx)
    qtbot.addWidget(tab)
    tab.owner.setCurrentIndex(tab.owner.findData(team["zhao"].id))
    assert [i.id for i in tab.items] == [item]
    (column,) = [c for c in tab.columns if c.list.count()]
    column.list.setCurrentRow(0)
    assert not tab.done_button.isEnabled() and not tab.new_button.isEnabled()
    dialog = tab.open_item(tab.selected)
    assert not dialog.save_button.isEnabled()


def test_a_due_reminder_pops_up_once_and_dismissing_it_stops_it(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    item = add(db, li, clock.now() + timedelta(minutes=40), remind_minutes=15, place="深圳")
    ctx, _notified = make_ctx(db, li)
    watcher = ReminderWatcher(ctx, lambda: None)
    watcher.timer.start()  # as start() does, with the checks made by the test

    def check() -> None:
        with qtbot.waitSignal(watcher.check().finished):
            pass

    try:
        check()
        assert watcher.popups == {}
        clock.advance(minutes=30)
        check()
        popup = watcher.popups[item]
        assert "深圳" in popup.details.text()
        check()  # asked again: still the one window
        assert list(watcher.popups) == [item] and watcher.popups[item] is popup

        popup.dismiss_button.click()
        assert watcher.popups == {}
        qtbot.waitUntil(lambda: calendar.due_reminders(db, li) == [])
        check()
        assert watcher.popups == {}
    finally:
        watcher.stop()


def test_snoozing_hides_a_reminder_for_five_minutes(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    item = add(db, li, clock.now() + timedelta(minutes=10), remind_minutes=15)
    ctx, _notified = make_ctx(db, li)
    watcher = ReminderWatcher(ctx, lambda: None)
    watcher.timer.start()
    try:
        watcher.show_due(calendar.due_reminders(db, li))
        watcher.popups[item].snooze_button.click()
        watcher.show_due(calendar.due_reminders(db, li))
        assert watcher.popups == {}
        clock.advance(minutes=5)
        watcher.show_due(calendar.due_reminders(db, li))
        assert list(watcher.popups) == [item]
    finally:
        watcher.stop()


def test_today_lists_todays_appointments(
    qtbot: QtBot, db: Database, team: dict[str, Actor], clock: FixedClock
) -> None:
    li = team["li"]
    add(db, li, local(clock, 0, 15), title="下午拜访")
    add(db, li, local(clock, 1, 9), title="明天的")
    ctx, _notified = make_ctx(db, li)
    tab = TodayTab(ctx)
    qtbot.addWidget(tab)
    assert [row.title for row in tab.agenda.rows()] == ["下午拜访"]
