"""When the database cannot be opened, or the person wants another one: choose, create, connect
to a team server, or quit.

The message comes from the core (`CrmError`: not a crm database, newer version, others connected,
read-only, folder missing) and already says what is wrong; this dialog offers the ways out.

A team server is remembered without its password: the password is asked at start, unless the
person ticked "Remember the password on this PC" (off by default; the settings are not a safe).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import make_url

from crm_desktop.core.db.server import check_connection, server_url, without_password
from crm_desktop.core.i18n import _
from crm_desktop.ui import preferences
from crm_desktop.ui.dialog_base import ServiceDialog

DEFAULT_PORT = 5432
SAVED_PASSWORDS = "server_passwords"  # preferences group: hash of the URL -> password


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
        if location:  # the drive may be back by now (a NAS waking up, a share reconnected)
            self.retry_button = self.buttons.addButton(
                _("Try again"), QDialogButtonBox.ButtonRole.ActionRole
            )
            self.retry_button.setObjectName("retry")
            self.retry_button.clicked.connect(lambda: self._deliver(self.location))
        self.choose_button = self.buttons.addButton(
            _("Choose another database…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.create_button = self.buttons.addButton(
            _("Create a new database…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.server_button = self.buttons.addButton(
            _("Connect to server…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.server_button.setObjectName("connect_server")
        self.server_dialog: ServerDialog | None = None
        if can_cancel:
            self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        else:
            quit_button = self.buttons.addButton(_("Quit"), QDialogButtonBox.ButtonRole.RejectRole)
            quit_button.setObjectName("quit")
        self.choose_button.clicked.connect(self._choose)
        self.create_button.clicked.connect(self._create)
        self.server_button.clicked.connect(self._connect_server)
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

    def _connect_server(self) -> None:
        start = self.location if is_server(self.location) else ""
        self.server_dialog = ServerDialog(start, parent=self)
        self.server_dialog.connected.connect(self._deliver)
        self.server_dialog.open()

    def _deliver(self, path: str | None) -> None:
        if path:
            self.accept()
            self.chosen.emit(path)


# --- team server ---------------------------------------------------------------------------------


def is_server(location: str) -> bool:
    return location.startswith("postgresql")


def remembered_location(location: str) -> str:
    """What may be stored or shown: a server URL without its password."""
    return without_password(location) if is_server(location) else location


def _password_key(location: str) -> str:
    digest = hashlib.sha256(remembered_location(location).encode("utf-8")).hexdigest()
    return f"{SAVED_PASSWORDS}/{digest[:24]}"


def saved_password(location: str) -> str | None:
    return preferences.text(_password_key(location)) if is_server(location) else None


def with_saved_password(location: str) -> str:
    """A remembered server URL with the password the person chose to keep on this PC."""
    password = saved_password(location)
    if password is None or make_url(location).password:
        return location
    return make_url(location).set(password=password).render_as_string(hide_password=False)


def needs_password(location: str) -> bool:
    """A server URL without a password: ask for it (an empty answer is allowed: trust/.pgpass)."""
    return is_server(location) and not make_url(location).password


class ServerDialog(ServiceDialog):
    """Host, port, database, user and password of a PostgreSQL team server; the connection is
    tried off the GUI thread before `connected(url)` is emitted."""

    connected = Signal(str)

    def __init__(self, location: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Connect to a team server"))
        given = is_server(location)
        url = make_url(location if given else server_url("", DEFAULT_PORT, "crm", "crm_app"))
        self.host = QLineEdit(url.host or "")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(url.port or DEFAULT_PORT)
        self.database = QLineEdit(url.database or "")
        self.user = QLineEdit(url.username or "")
        self.password = QLineEdit(url.password or "")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox(_("Remember the password on this PC (kept unencrypted)"))
        saved = saved_password(location) if given else None
        if saved is not None:
            self.password.setText(saved)
            self.remember.setChecked(True)
        for name in ("host", "port", "database", "user", "password", "remember"):
            getattr(self, name).setObjectName(name)
        self.form.addRow(_("Server:"), self.host)
        self.form.addRow(_("Port:"), self.port)
        self.form.addRow(_("Database:"), self.database)
        self.form.addRow(_("User:"), self.user)
        self.form.addRow(_("Password:"), self.password)
        self.form.addRow("", self.remember)
        hint = QLabel(_("The administrator gets these from “crm server app-role”."))
        hint.setWordWrap(True)
        self.connect_button = self.buttons.addButton(
            _("Connect"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.connect_button.setObjectName("connect")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._connect)
        self.buttons.rejected.connect(self.reject)
        self.finish_layout(hint)
        (self.password if given else self.host).setFocus()
        self.setMinimumWidth(440)

    def url(self) -> str:
        return server_url(
            self.host.text(),
            self.port.value(),
            self.database.text(),
            self.user.text(),
            self.password.text(),
        )

    def _connect(self) -> None:
        if not (self.host.text().strip() and self.database.text().strip()):
            self.show_problem(_("Enter the server's name or address and the database."))
            return
        if not self.user.text().strip():
            self.show_problem(_("Enter the user name the administrator gave you."))
            return
        url = self.url()
        self.submit(
            lambda: check_connection(url), lambda _result: self._connected(url), _("Connecting…")
        )

    def _connected(self, url: str) -> None:
        keep = self.remember.isChecked() and bool(self.password.text())
        preferences.set_text(_password_key(url), self.password.text() if keep else None)
        self.accept()
        self.connected.emit(url)
