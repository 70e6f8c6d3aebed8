"""GUI fixtures: settings in a temporary place, message boxes answered and recorded, launchers.

Message boxes are modal and would block a test; the `boxes` fixture replaces QMessageBox's static
helpers and `exec` so each box is recorded (kind, title, text, details) and answered at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QMessageBox

from crm_desktop.core import i18n
from crm_desktop.ui import qt_translations
from crm_desktop.ui.launcher import Launcher, LaunchOptions
from tests.conftest import BOSS_PASSWORD


@pytest.fixture(autouse=True)
def qt_settings(qapp, tmp_path: Path) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """Each test gets its own empty QSettings folder; the real user's settings stay untouched."""
    folder = tmp_path / "qsettings"
    QCoreApplication.setOrganizationName("crm-desktop-tests")
    QCoreApplication.setApplicationName("crm-desktop-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder
    qt_translations.install("en")
    i18n.set_language("en")


@dataclass
class Box:
    kind: str
    title: str
    text: str
    details: str = ""


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[Box]:
    """Record every message box instead of showing it; questions are answered Yes."""
    shown: list[Box] = []

    def static(kind: str, answer: QMessageBox.StandardButton):  # type: ignore[no-untyped-def]
        def record(_parent, title, text, *_args, **_kwargs):  # type: ignore[no-untyped-def]
            shown.append(Box(kind, title, text))
            return answer

        return record

    ok, yes = QMessageBox.StandardButton.Ok, QMessageBox.StandardButton.Yes
    monkeypatch.setattr(QMessageBox, "warning", static("warning", ok))
    monkeypatch.setattr(QMessageBox, "critical", static("critical", ok))
    monkeypatch.setattr(QMessageBox, "information", static("information", ok))
    monkeypatch.setattr(QMessageBox, "question", static("question", yes))
    monkeypatch.setattr(QMessageBox, "about", static("about", ok))

    def exec_box(box: QMessageBox) -> int:
        shown.append(Box("box", box.windowTitle(), box.text(), box.detailedText()))
        return int(QMessageBox.StandardButton.Close.value)

    monkeypatch.setattr(QMessageBox, "exec", exec_box)
    return shown


@pytest.fixture
def launchers(qtbot) -> Iterator[list[Launcher]]:  # type: ignore[no-untyped-def]
    """Make launchers that are shut down (presence left, database closed) after the test."""
    made: list[Launcher] = []
    yield made
    for launcher in made:
        launcher.quit(0)


@pytest.fixture
def launch(launchers: list[Launcher]):  # type: ignore[no-untyped-def]
    def start(database: Path | str, **options: object) -> Launcher:
        launcher = Launcher(LaunchOptions(database=str(database), **options))  # type: ignore[arg-type]
        launchers.append(launcher)
        launcher.start()
        return launcher

    return start


@pytest.fixture
def logged_in(boss, db_path: Path, launch, qtbot):  # type: ignore[no-untyped-def]
    """A launcher with the boss logged in and the main window shown."""
    launcher = launch(db_path, user="boss", password=BOSS_PASSWORD)
    assert launcher.window is not None
    qtbot.waitExposed(launcher.window)
    return launcher
