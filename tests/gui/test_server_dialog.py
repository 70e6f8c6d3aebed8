"""Connecting to a team server from the database dialog; its password is not kept unless asked."""

from __future__ import annotations

import pytest

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.ui import preferences
from crm_desktop.ui.database_dialog import DatabaseDialog, ServerDialog, remembered_location
from crm_desktop.ui.launcher import Launcher, LaunchOptions
from crm_desktop.ui.login_dialog import LoginDialog
from tests.integration.test_postgresql import pg, pg_boss  # noqa: F401 (fixtures)

TYPED_PASSWORD = "Typed-at-the-PC-2026"


def _start_as_usual(launchers: list[Launcher]) -> Launcher:
    """A start without --db: the remembered database."""
    launcher = Launcher(LaunchOptions())
    launchers.append(launcher)
    launcher.start()
    return launcher


def _fill(dialog: ServerDialog, url: str, password: str) -> None:
    from sqlalchemy.engine import make_url

    parts = make_url(url)
    dialog.host.setText(parts.host or "")
    dialog.port.setValue(parts.port or 5432)
    dialog.database.setText(parts.database or "")
    dialog.user.setText(parts.username or "")
    dialog.password.setText(password)


def test_a_server_that_does_not_answer_is_reported_in_the_dialog(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    _fill(dialog, "postgresql+psycopg://crm_app@127.0.0.1:1/crm", "whatever")
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: dialog.problem.text() != "")
    assert dialog.problem.text().startswith("No PostgreSQL server answers at 127.0.0.1:1.")
    assert dialog.buttons.isEnabled()  # the person can correct it and try again


def test_a_missing_server_name_is_asked_for_before_connecting(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    dialog.host.clear()
    dialog.connect_button.click()
    assert dialog.problem.text() == "Enter the server's name or address and the database."


@pytest.mark.pg
def test_connecting_remembers_the_server_without_its_password_and_asks_for_it_next_time(
    pg: Database,  # noqa: F811
    pg_boss: Actor,  # noqa: F811
    tmp_path,
    launch,
    launchers,
    qtbot,
) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database")
    launcher = launch(text_file)
    assert isinstance(launcher.dialog, DatabaseDialog)
    launcher.dialog.server_button.click()
    server = launcher.dialog.server_dialog
    _fill(server, pg.url, TYPED_PASSWORD)
    assert not server.remember.isChecked()  # the safe default
    server.connect_button.click()
    qtbot.waitUntil(lambda: isinstance(launcher.dialog, LoginDialog))
    remembered = preferences.text(preferences.DATABASE) or ""
    assert remembered.startswith("postgresql+psycopg://") and TYPED_PASSWORD not in remembered
    assert TYPED_PASSWORD not in launcher.location

    again = _start_as_usual(launchers)  # the next start: the remembered server, password asked
    assert isinstance(again.dialog, ServerDialog)
    assert again.dialog.host.text() and again.dialog.password.text() == ""


@pytest.mark.pg
def test_a_password_kept_on_request_opens_the_server_at_start(
    pg: Database,  # noqa: F811
    pg_boss: Actor,  # noqa: F811
    launchers,
    qtbot,
) -> None:
    dialog = ServerDialog()
    qtbot.addWidget(dialog)
    _fill(dialog, pg.url, TYPED_PASSWORD)
    dialog.remember.setChecked(True)
    with qtbot.waitSignal(dialog.connected) as connected:
        dialog.connect_button.click()
    remembered = remembered_location(connected.args[0])  # as the launcher stores it
    assert TYPED_PASSWORD not in remembered
    preferences.set_text(preferences.DATABASE, remembered)
    assert isinstance(_start_as_usual(launchers).dialog, LoginDialog)
