"""The main window: tabs by permission, menus and shortcuts, refresh, language, status bar."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel

from crm_desktop.core.changes import Changes
from crm_desktop.core.db import presence
from crm_desktop.ui import preferences
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.main_window import MainWindow
from crm_desktop.ui.settings import SettingsArea

ALL_TABS = [
    "home",
    "today",
    "customers",
    "marketing",
    "followups",
    "calendar",
    "orders",
    "receipts",
    "service",
    "knowledge",
    "statistics",
    "settings",
]


def action(window: MainWindow, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def test_boss_switches_through_every_tab(logged_in, qtbot):
    window = logged_in.window
    assert window.tab_keys() == ALL_TABS
    seen = []
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        page = window.tabs.currentWidget()
        assert page not in seen
        seen.append(page)
        assert page.content is not None  # built when first shown
        assert type(page.content) is not QLabel, page.key  # not "could not be opened"
    assert isinstance(window.tab_pages["settings"].content, SettingsArea)


def test_ctrl_number_shortcuts_switch_tabs(logged_in):
    """Ctrl+1…8 the first eight tabs, Ctrl+9 the last (browser style; there is no Ctrl+10)."""
    window = logged_in.window
    expected = {key: f"Ctrl+{number}" for number, key in enumerate(ALL_TABS[:8], start=1)}
    expected[ALL_TABS[-1]] = "Ctrl+9"
    for key in ALL_TABS:
        go = action(window, f"go_{key}")
        assert go.shortcut() == QKeySequence(expected.get(key, ""))
        go.trigger()
        assert window.current_tab_key() == key


def test_service_staff_do_not_see_tabs_they_may_not_view(db, make_operator, qtbot):
    actor = make_operator("svc", "service")  # the preset lacks orders, receipts, statistics
    window = MainWindow(AppContext(db, actor))
    qtbot.addWidget(window)
    assert window.tab_keys() == [
        "home",
        "today",
        "customers",
        "followups",
        "calendar",
        "service",
        "knowledge",
        "settings",
    ]
    assert window.findChild(QAction, "backup") is None
    assert action(window, "go_settings").shortcut() == QKeySequence("Ctrl+9")  # the last tab


def test_standard_shortcuts(logged_in):
    window = logged_in.window
    assert QKeySequence("Ctrl+Q") in action(window, "quit").shortcuts()
    assert QKeySequence("F5") in action(window, "refresh").shortcuts()


def test_f5_tells_every_tab_that_everything_may_have_changed(logged_in, qtbot, monkeypatch):
    window = logged_in.window
    received = []
    settings = window.tab_pages["settings"].ensure_built()
    monkeypatch.setattr(settings, "refresh", received.append)
    with qtbot.waitSignal(logged_in.ctx.bus.changed):
        action(window, "refresh").trigger()
    assert received == [Changes.everything()]


def test_title_follows_a_company_rename(logged_in, boss):
    from crm_desktop.core.services import company

    window = logged_in.window
    assert window.windowTitle() == "crm-desktop — 测试贸易有限公司"
    profile = company.get_profile(logged_in.db, boss)
    with logged_in.db.read() as session:
        from crm_desktop.core.models import CompanyProfile

        version = session.query(CompanyProfile.version).scalar()
    company.update_profile(logged_in.db, boss, version, {**profile, "name": "新名字有限公司"})
    logged_in.ctx.notify(Changes.of("company"))
    assert window.windowTitle() == "crm-desktop — 新名字有限公司"


def test_status_bar_shows_operator_database_and_others_connected(logged_in, boss, qtbot):
    window = logged_in.window
    assert window.status.operator.text() == "王老板 (Boss)"
    assert window.status.database.text() == str(logged_in.db.path)
    assert not window.status.others.isVisible()
    other = presence.join(logged_in.db, boss)
    try:
        logged_in.beat()
        qtbot.waitUntil(lambda: "王老板@" in window.status.others.text())
        assert window.status.others.text().startswith("Also connected: ")
    finally:
        presence.leave(logged_in.db, other)


def test_language_request_rebuilds_the_window_on_the_same_tab(logged_in, qtbot):
    old = logged_in.window
    old.select_tab("receipts")
    logged_in.ctx.bus.language_requested.emit("zh_CN")
    qtbot.waitUntil(lambda: logged_in.window is not old)
    new = logged_in.window
    assert new.current_tab_key() == "receipts"
    assert preferences.text(preferences.LANGUAGE) == "zh_CN"
    assert new.tabs.tabText(new.tab_keys().index("settings")) == "设置"
    assert QApplication.translate("QPlatformTheme", "Cancel") == "取消"  # Qt's own strings too
    assert new.ctx is logged_in.ctx


def test_window_geometry_and_tab_are_remembered(logged_in, qtbot):
    window = logged_in.window
    window.select_tab("statistics")
    window.remember_geometry()
    again = MainWindow(logged_in.ctx)
    qtbot.addWidget(again)
    again.detach()
    assert again.current_tab_key() == "statistics"


def test_back_up_now_reports_where_the_copy_went(logged_in, boxes, qtbot):
    operation = logged_in.window.back_up()
    qtbot.waitUntil(lambda: operation.done)
    assert boxes[-1].kind == "information"
    assert str(logged_in.db.path.parent / "crm-backups") in boxes[-1].text


def test_change_password_wrong_old_password_is_shown_in_the_dialog(logged_in, qtbot):
    window = logged_in.window
    action(window, "change_password").trigger()
    dialog = window.password_dialog
    dialog.old.setText("wrong-old-one")
    dialog.new.setText("Brand-new-2026")
    dialog.confirm.setText("Brand-new-2026")
    dialog.attempt()
    qtbot.waitUntil(lambda: dialog.problem.isVisible())
    assert dialog.problem.text() == "The old password is wrong."
    assert dialog.isVisible()


def test_about_names_version_and_database(logged_in, boxes):
    action(logged_in.window, "about").trigger()
    assert "0.1.0" in boxes[-1].text
    assert str(logged_in.db.path) in boxes[-1].text


def test_a_tab_that_fails_to_build_shows_the_error_and_the_window_survives(
    logged_in, boxes, monkeypatch
):
    from crm_desktop.ui import main_window

    def broken(spec, _ctx):
        if spec.key == "settings":
            raise ZeroDivisionError("bug in settings")

    monkeypatch.setattr(main_window, "build_tab", broken)
    window = MainWindow(logged_in.ctx)
    window.detach()
    window.select_tab("settings")
    window.tab_pages["settings"].ensure_built()
    assert boxes[-1].kind == "box"
    assert "ZeroDivisionError" in boxes[-1].details


def test_f5_in_a_list_reloads_it_with_what_another_pc_saved(db, boss, qtbot):
    """The window's Refresh and a list's Refresh share F5; Qt runs neither when both claim it."""
    from PySide6.QtCore import Qt

    from crm_desktop.core.services import customers

    window = MainWindow(AppContext(db, boss))
    qtbot.addWidget(window)
    window.show()
    window.select_tab("customers")
    page = window.tab_pages["customers"].ensure_built().page
    qtbot.waitUntil(lambda: page.isVisible())
    customers.create_customer(db, boss, {"name": "远方电脑有限公司"})  # as if from another PC
    refreshed: list[bool] = []
    action(window, "refresh").triggered.connect(lambda: refreshed.append(True))
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F5)
    assert refreshed == [True]
    qtbot.waitUntil(lambda: any(row.name == "远方电脑有限公司" for row in page.rows()))
