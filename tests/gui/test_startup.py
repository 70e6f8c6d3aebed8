"""From start-up to the main window: first run, login, database problems, automation flags."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt

from crm_desktop.core.db import Database, database_url
from crm_desktop.core.services import company, setup
from crm_desktop.ui import database_dialog, preferences
from crm_desktop.ui.database_dialog import DatabaseDialog
from crm_desktop.ui.first_run import FirstRunWizard
from crm_desktop.ui.login_dialog import LoginDialog
from crm_desktop.ui.main_window import MainWindow
from tests.conftest import BOSS_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def fill_wizard(qtbot, wizard: FirstRunWizard, *, confirm: str = "Start-2026-ok") -> None:
    wizard.company.setText("长城贸易有限公司")  # QTest types ASCII only
    qtbot.keyClicks(wizard.admin_code, "admin")
    wizard.admin_name.setText("李经理")
    qtbot.keyClicks(wizard.password, "Start-2026-ok")
    qtbot.keyClicks(wizard.confirm, confirm)


def log_in(qtbot, dialog: LoginDialog, user: str, password: str) -> None:
    dialog.user.setText(user)
    dialog.password.setText(password)
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)


def test_first_run_creates_company_and_boss_then_login_works(tmp_path, launch, qtbot):
    launcher = launch(tmp_path / "new.db")
    wizard = launcher.dialog
    assert isinstance(wizard, FirstRunWizard)
    fill_wizard(qtbot, wizard)
    qtbot.mouseClick(wizard.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(launcher.dialog, LoginDialog))

    login = launcher.dialog
    assert login.company.text() == "长城贸易有限公司"
    assert login.user.text() == "admin"
    log_in(qtbot, login, "admin", "Start-2026-ok")
    qtbot.waitUntil(lambda: launcher.window is not None)
    assert launcher.window.windowTitle() == "crm-desktop — 长城贸易有限公司"
    assert launcher.ctx.actor.name == "李经理"
    assert launcher.ctx.actor.role_code == "boss"
    assert preferences.text(preferences.LAST_USER) == "admin"


def test_first_run_shows_mismatched_confirmation_inside_the_wizard(tmp_path, launch, qtbot):
    launcher = launch(tmp_path / "new.db")
    wizard = launcher.dialog
    fill_wizard(qtbot, wizard, confirm="Start-2026-typo")
    qtbot.mouseClick(wizard.create_button, Qt.MouseButton.LeftButton)
    assert "confirmation differ" in wizard.problem.text()
    assert not setup.is_initialized(launcher.db)
    assert launcher.dialog is wizard


def test_first_run_shows_a_too_short_password_inside_the_wizard(tmp_path, launch, qtbot):
    launcher = launch(tmp_path / "new.db")
    wizard = launcher.dialog
    qtbot.keyClicks(wizard.company, "Acme Ltd")
    qtbot.keyClicks(wizard.admin_code, "admin")
    wizard.password.setText("short")
    wizard.confirm.setText("short")
    qtbot.mouseClick(wizard.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.problem.isVisible())
    assert "at least 8 characters" in wizard.problem.text()
    assert launcher.dialog is wizard


def test_wrong_password_shows_the_message_and_stays_on_the_dialog(boss, db_path, launch, qtbot):
    launcher = launch(db_path)
    login = launcher.dialog
    assert isinstance(login, LoginDialog)
    assert login.company.text() == "测试贸易有限公司"
    assert login.location.text() == str(db_path)
    log_in(qtbot, login, "boss", "not-the-password")
    qtbot.waitUntil(lambda: login.problem.isVisible())
    assert login.problem.text() == "Wrong user name or password."
    assert login.password.text() == ""
    assert launcher.dialog is login and login.isVisible()
    assert launcher.window is None

    log_in(qtbot, login, "boss", BOSS_PASSWORD)
    qtbot.waitUntil(lambda: launcher.window is not None)


def test_wrong_password_from_the_command_line_opens_the_login_dialog_with_the_reason(
    boss, db_path, launch
):
    launcher = launch(db_path, user="boss", password="nope")
    assert isinstance(launcher.dialog, LoginDialog)
    assert launcher.dialog.problem.text() == "Wrong user name or password."
    assert launcher.dialog.user.text() == "boss"


def test_a_text_file_as_database_shows_a_readable_message(tmp_path, launch, qtbot):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("shopping list\n" * 100)
    launcher = launch(text_file)
    dialog = launcher.dialog
    assert isinstance(dialog, DatabaseDialog)
    assert dialog.message.text() == (
        f"{text_file} is not a crm-desktop database (it is not a valid SQLite file)."
    )
    with qtbot.waitSignal(launcher.finished) as finished:
        dialog.reject()  # "Quit"
    assert finished.args == [1]


def test_choosing_another_database_after_an_error_opens_it_and_remembers_it(
    boss, db_path, tmp_path, launch, monkeypatch
):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database")
    launcher = launch(text_file)
    monkeypatch.setattr(database_dialog, "choose_existing", lambda *_args: str(db_path))
    launcher.dialog.choose_button.click()
    assert isinstance(launcher.dialog, LoginDialog)
    assert launcher.db.path == db_path
    assert preferences.text(preferences.DATABASE) == str(db_path)


def test_creating_a_new_database_from_the_login_dialog_starts_the_first_run(
    boss, db_path, tmp_path, launch, monkeypatch
):
    launcher = launch(db_path)
    new_file = tmp_path / "second.db"
    monkeypatch.setattr(database_dialog, "choose_new", lambda *_args: str(new_file))
    launcher.dialog.change_button.click()
    assert isinstance(launcher.dialog, DatabaseDialog)
    launcher.dialog.create_button.click()
    assert isinstance(launcher.dialog, FirstRunWizard)
    assert new_file.exists()


def test_cancelling_a_database_change_returns_to_the_login(boss, db_path, launch):
    launcher = launch(db_path)
    launcher.dialog.change_button.click()
    launcher.dialog.reject()
    assert isinstance(launcher.dialog, LoginDialog)
    assert launcher.db.path == db_path


def test_log_out_returns_to_the_login_dialog_and_leaves_presence(logged_in, qtbot):
    from crm_desktop.core.db import presence

    launcher = logged_in
    key = launcher.ctx.presence_key
    assert key in {c.session_key for c in presence.connected(launcher.db)}
    launcher.window.findChild(type(launcher.window.actions()[0]), "logout").trigger()
    assert isinstance(launcher.dialog, LoginDialog)
    assert launcher.window is None and launcher.ctx is None
    assert key not in {c.session_key for c in presence.connected(launcher.db)}


def test_closing_the_main_window_ends_the_app_with_code_zero(logged_in, qtbot):
    launcher = logged_in
    window = launcher.window
    assert isinstance(window, MainWindow)
    with qtbot.waitSignal(launcher.finished) as finished:
        window.close()
    assert finished.args == [0]


def _run_app(tmp_path: Path, *args: str, password: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        CRM_PASSWORD=password,
        HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "home" / ".config"),
        XDG_DATA_HOME=str(tmp_path / "home" / ".local" / "share"),
    )
    return subprocess.run(
        [sys.executable, "-m", "crm_desktop", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _new_database(path: Path) -> None:
    from crm_desktop.core.db.migrate import upgrade

    database = Database(database_url(path))
    upgrade(database)
    setup.initialize(
        database, company_name="Acme", admin_code="boss", admin_name="Boss", password="Boss-2026-x"
    )
    assert company.company_name(database) == "Acme"
    database.dispose()


def test_user_and_quit_after_show_exit_zero(tmp_path):
    path = tmp_path / "crm.db"
    _new_database(path)
    result = _run_app(
        tmp_path, "--db", str(path), "--user", "boss", "--quit-after-show", password="Boss-2026-x"
    )
    assert result.returncode == 0, result.stderr


def test_quit_after_show_with_a_bad_database_says_why_without_a_traceback(tmp_path):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database")
    result = _run_app(
        tmp_path, "--db", str(text_file), "--user", "boss", "--quit-after-show", password="x"
    )
    assert result.returncode == 2
    assert "is not a crm-desktop database" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_remembered_database_that_is_gone_is_not_replaced_by_a_new_one(
    boss, db_path, tmp_path, launchers, qtbot
):
    """A shared file on a drive that is not connected: say so, create nothing, Try again works."""
    from crm_desktop.ui.launcher import Launcher, LaunchOptions

    away = tmp_path / "away.db"
    db_path.rename(away)
    preferences.set_text(preferences.DATABASE, str(db_path))
    launcher = Launcher(LaunchOptions())
    launchers.append(launcher)
    launcher.start()
    dialog = launcher.dialog
    assert isinstance(dialog, DatabaseDialog)
    assert f"The database this PC used last, {db_path}, is not there." in dialog.message.text()
    assert not db_path.exists()
    away.rename(db_path)  # the drive is connected again
    dialog.retry_button.click()
    assert isinstance(launcher.dialog, LoginDialog)
    assert launcher.db.path == db_path
