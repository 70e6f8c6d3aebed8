"""When the database cannot be opened, or the person wants another one: choose, create or quit.

The message comes from the core (`CrmError`: not a crm database, newer version, others connected,
read-only, folder missing) and already says what is wrong; this dialog offers the ways out.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QLabel, QVBoxLayout, QWidget

from crm_desktop.core.i18n import _


def file_filter() -> str:
    return ";;".join((_("crm-desktop databases (*.db *.sqlite)"), _("All files (*)")))


def choose_existing(parent: QWidget | None, start: str = "") -> str | None:
    """Ask for an existing database file; None when the person cancels."""
    path, _selected = QFileDialog.getOpenFileName(
        parent, _("Choose a crm-desktop database"), start, file_filter()
    )
    return path or None


def choose_new(parent: QWidget | None, start: str = "") -> str | None:
    """Ask where to create a new database; an existing file chosen here is opened, never erased."""
    folder = Path(start).parent if start else Path.home()
    path, _selected = QFileDialog.getSaveFileName(
        parent,
        _("Create a new crm-desktop database"),
        str(folder / "crm.db"),
        file_filter(),
        options=QFileDialog.Option.DontConfirmOverwrite,
    )
    if path and not Path(path).suffix:
        path += ".db"
    return path or None


class DatabaseDialog(QDialog):
    """Says why, and offers: choose another database, create a new one, or quit (or cancel)."""

    chosen = Signal(str)

    def __init__(
        self, message: str, location: str, *, can_cancel: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.location = location
        self.setWindowTitle(_("Database") if can_cancel else _("Cannot open the database"))
        self.message = QLabel(message)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.choose_button = self.buttons.addButton(
            _("Choose another database…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.create_button = self.buttons.addButton(
            _("Create a new database…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        if can_cancel:
            self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        else:
            quit_button = self.buttons.addButton(_("Quit"), QDialogButtonBox.ButtonRole.RejectRole)
            quit_button.setObjectName("quit")
        self.choose_button.clicked.connect(self._choose)
        self.create_button.clicked.connect(self._create)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    def _start(self) -> str:
        return self.location if "://" not in self.location else ""

    def _choose(self) -> None:
        self._deliver(choose_existing(self, self._start()))

    def _create(self) -> None:
        self._deliver(choose_new(self, self._start()))

    def _deliver(self, path: str | None) -> None:
        if path:
            self.accept()
            self.chosen.emit(path)
