"""Two PCs on one shared SQLite file: what one writes appears on the other without a restart.

PC A is a real launcher (logged in, main window, change poller); PC B is a second `Database` on the
same file (the `db` fixture), writing through the services as another app would. The poller's
timer is stopped so each test decides when PC A polls (`poll`), as the timer would every few
seconds. Moving the file away and back stands for a dropped share or a sleeping NAS.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QApplication, QLineEdit, QTableView
from pytestqt.qtbot import QtBot

from crm_desktop import __version__
from crm_desktop.core.actor import Actor
from crm_desktop.core.changes import Changes
from crm_desktop.core.db import Database, presence
from crm_desktop.core.services import customers
from crm_desktop.ui.change_poller import ChangePoller
from crm_desktop.ui.customers.detail import CustomerDialog, open_customer
from crm_desktop.ui.customers.tab import CustomersTab
from crm_desktop.ui.launcher import Launcher
from crm_desktop.ui.status_bar import StatusBar
from tests.conftest import BOSS_PASSWORD
from tests.gui.conftest import Box

CUSTOMERS = 80  # more than a window shows, so the list can be scrolled


def add(db: Database, actor: Actor, name: str) -> int:
    return customers.create_customer(db, actor, {"name": name}, allow_duplicate=True)


def rename(db: Database, actor: Actor, customer_id: int, name: str) -> None:
    version = customers.get_customer(db, actor, customer_id)["version"]
    customers.update_customer(db, actor, customer_id, version, {"name": name}, allow_duplicate=True)


def poll(qtbot: QtBot, poller: ChangePoller) -> None:
    """One poll, as the timer would start it, finished and delivered on the GUI thread."""
    qtbot.waitUntil(lambda: poller.operation is None)  # the poll started at login, if still on
    operation = poller.poll_now()
    assert operation is not None
    qtbot.waitUntil(lambda: operation.done)


@pytest.fixture
def pc_a(qtbot: QtBot, db: Database, boss: Actor, db_path: Path, launch: Any) -> Iterator[Launcher]:
    """PC A logged in on the file PC B (`db`) already filled with customers, polling by hand."""
    for number in range(CUSTOMERS):
        add(db, boss, f"客户 {number:03d}")
    launcher = launch(db_path, user="boss", password=BOSS_PASSWORD)
    assert launcher.window is not None and launcher.poller is not None
    launcher.poller.timer.stop()
    launcher.heartbeat.stop()
    qtbot.waitExposed(launcher.window)
    qtbot.waitUntil(lambda: launcher.poller.watcher is not None)
    yield launcher


def customers_tab(launcher: Launcher) -> CustomersTab:
    launcher.window.select_tab("customers")
    tab = launcher.window.tab_pages["customers"].ensure_built()
    assert isinstance(tab, CustomersTab)
    return tab


def names(tab: CustomersTab) -> list[str]:
    return [row.name for row in tab.page.rows()]


def scrolled_to_the_middle(qtbot: QtBot, tab: CustomersTab, name: str) -> int:
    """Scroll down and select `name` (on screen) like a person would; its id."""
    table = tab.page.table
    qtbot.waitUntil(lambda: table.verticalScrollBar().maximum() > 0)
    table.verticalScrollBar().setValue(table.verticalScrollBar().maximum() // 2)
    row = next(row for row in tab.page.rows() if row.name == name)
    index = tab.page.proxy.index(names(tab).index(name), 0)
    assert on_screen(table, index)
    table.selectRow(index.row())
    settled()
    return row.id


def on_screen(table: QTableView, index: QModelIndex) -> bool:
    return table.viewport().rect().intersects(table.visualRect(index))


def settled() -> None:
    """Let the view finish the layout and scrolling Qt posts for later (no waiting on a clock)."""
    QApplication.sendPostedEvents()
    QApplication.processEvents()


def test_a_customer_another_pc_adds_or_renames_appears_with_selection_and_scroll_kept(
    qtbot: QtBot, pc_a: Launcher, db: Database, boss: Actor
) -> None:
    tab = customers_tab(pc_a)
    qtbot.waitUntil(lambda: len(names(tab)) == CUSTOMERS)
    selected_id = scrolled_to_the_middle(qtbot, tab, "客户 040")
    scroll = tab.page.table.verticalScrollBar().value()
    current_row = tab.page.table.currentIndex().row()

    add(db, boss, "客户 999 新")  # PC B: sorts after everything, below the view
    rename(db, boss, customer_named(pc_a, "客户 041"), "客户 041 改")
    poll(qtbot, pc_a.poller)

    qtbot.waitUntil(lambda: "客户 999 新" in names(tab) and "客户 041 改" in names(tab))
    assert tab.page.selected_row().id == selected_id
    assert tab.page.table.currentIndex().row() == current_row
    assert tab.page.table.verticalScrollBar().value() == scroll


def test_a_refresh_from_another_pc_does_not_pull_the_view_back_to_a_selection_scrolled_away(
    qtbot: QtBot, pc_a: Launcher, db: Database, boss: Actor
) -> None:
    tab = customers_tab(pc_a)
    qtbot.waitUntil(lambda: len(names(tab)) == CUSTOMERS)
    selected_id = scrolled_to_the_middle(qtbot, tab, "客户 040")
    bar = tab.page.table.verticalScrollBar()
    bar.setValue(bar.maximum())  # reading further down; the selected 040 is off screen
    settled()
    scroll = bar.value()
    assert not on_screen(tab.page.table, tab.page.table.currentIndex())

    add(db, boss, "客户 000 新")  # PC B
    poll(qtbot, pc_a.poller)

    qtbot.waitUntil(lambda: "客户 000 新" in names(tab))
    assert tab.page.selected_row().id == selected_id
    assert bar.value() == scroll


def test_pc_a_own_save_is_not_refreshed_again_by_its_poller_but_pc_b_save_is(
    qtbot: QtBot, pc_a: Launcher, db: Database, boss: Actor
) -> None:
    tab = customers_tab(pc_a)
    announced: list[Changes] = []
    pc_a.ctx.bus.changed.connect(announced.append)

    add(pc_a.db, boss, "A 自己的客户")  # PC A's own save, announced by the window that saved
    pc_a.ctx.notify(Changes.of("customers"))
    qtbot.waitUntil(lambda: "A 自己的客户" in names(tab))
    poll(qtbot, pc_a.poller)
    assert announced == [Changes.of("customers")]  # only the save's own announcement

    add(db, boss, "B 的客户")
    poll(qtbot, pc_a.poller)
    assert len(announced) == 2 and announced[-1].touches("customers")
    qtbot.waitUntil(lambda: "B 的客户" in names(tab))


def test_what_is_typed_in_an_open_customer_survives_another_pc_editing_it(
    qtbot: QtBot, pc_a: Launcher, db: Database, boss: Actor
) -> None:
    customer_id = customer_named(pc_a, "客户 007")
    typing = open_customer(pc_a.ctx, pc_a.window, customer_id)
    reading = open_customer(pc_a.ctx, pc_a.window, customer_named(pc_a, "客户 008"))
    assert isinstance(typing, CustomerDialog) and isinstance(reading, CustomerDialog)
    qtbot.waitExposed(typing)
    address = editor(typing, "address")
    qtbot.keyClicks(address, "Shanghai Road 1")

    rename(db, boss, customer_id, "客户 007 (B 改名)")
    rename(db, boss, reading.customer_id, "客户 008 (B 改名)")
    poll(qtbot, pc_a.poller)

    qtbot.waitUntil(lambda: editor(reading, "name").text() == "客户 008 (B 改名)")
    assert address.text() == "Shanghai Road 1"
    assert editor(typing, "name").text() == "客户 007"  # the form is left as the person has it
    assert typing.panel is not None and typing.panel.is_dirty()
    typing.panel.set_values(typing.values)  # nothing to ask about when the test closes it


def test_a_lost_file_shows_one_calm_warning_and_the_list_refreshes_when_it_is_back(
    qtbot: QtBot, pc_a: Launcher, db: Database, boss: Actor, db_path: Path, boxes: list[Box]
) -> None:
    tab = customers_tab(pc_a)
    status = pc_a.window.status
    away = db_path.with_name("away.db")
    os.replace(db_path, away)  # the share dropped
    try:
        poll(qtbot, pc_a.poller)
        poll(qtbot, pc_a.poller)  # still gone: still one warning
        pc_a.beat()  # the heartbeat fails the same way
        qtbot.waitUntil(lambda: bool(status.offline_text()))
        assert "is not reachable" in status.offline_text()
        assert "retrying every few seconds" in status.offline_text()
        assert status.offline.isVisibleTo(status)
        assert boxes == []
    finally:
        os.replace(away, db_path)  # the share is back
    add(db, boss, "离线时别人加的客户")

    poll(qtbot, pc_a.poller)

    qtbot.waitUntil(lambda: status.offline_text() == "")
    assert not status.offline.isVisibleTo(status)
    assert status.currentMessage() == "Connected again."
    qtbot.waitUntil(lambda: "离线时别人加的客户" in names(tab))
    assert boxes == []


def test_the_status_bar_lists_who_else_is_connected_with_pc_since_and_version(
    qtbot: QtBot, pc_a: Launcher, boss: Actor
) -> None:
    other = presence.join(pc_a.db, boss)  # the real clock: `db`'s fixed one would look stale
    try:
        pc_a.beat()
        others = pc_a.window.status.others
        qtbot.waitUntil(lambda: others.text().startswith("Also connected: 王老板@"))
        line = others.toolTip()
        assert line.startswith(f"王老板 on {pc_a.db.pc_name}, connected since ")
        assert line.endswith(f", version {__version__}")
    finally:
        presence.leave(pc_a.db, other)


def test_many_connected_sessions_are_shortened_on_the_bar_and_all_listed_in_the_tooltip(
    qtbot: QtBot, boss: Actor
) -> None:
    bar = StatusBar(boss, "crm.db")
    qtbot.addWidget(bar)
    others = [
        SimpleNamespace(operator_name=f"员工{n}", pc_name=f"PC-{n}", app_version="1.0", since=None)
        for n in range(5)
    ]
    bar.set_connected(others)
    assert bar.others.text() == "Also connected: 员工0@PC-0, 员工1@PC-1, 员工2@PC-2 and 2 more"
    assert len(bar.others.toolTip().splitlines()) == 5


def customer_named(launcher: Launcher, name: str) -> int:
    return next(r.id for r in customers_tab(launcher).page.rows() if r.name == name)


def editor(dialog: CustomerDialog, key: str) -> QLineEdit:
    assert dialog.panel is not None
    widget = dialog.panel.editor(key)
    assert isinstance(widget, QLineEdit)
    return widget
