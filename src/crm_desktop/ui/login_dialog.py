"""The login dialog: which company and database this is, who you are, your password.

Showing the company and the database location up front matters with several databases on a LAN
(a test copy, last year's file): people see which one they are about to work in.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import AuthenticationFailed, CrmError
from crm_desktop.core.i18n import _
from crm_desktop.ui import preferences
from crm_desktop.ui.dialog_base import ServiceDialog


class LoginDialog(ServiceDialog):
    logged_in = Signal(object)  # Actor
    change_database = Signal()

    def __init__(
        self,
        db: Database,
        company: str,
        *,
        user: str | None = None,
        problem: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.setWindowTitle(_("Log in to crm-desktop"))
        self.company = QLabel(company or _("(company name not set)"))
        self.company.setObjectName("company")
        font = self.company.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.company.setFont(font)
        self.location = QLabel(db.location)
        self.location.setObjectName("location")
        self.location.setWordWrap(True)
        self.change_button = QPushButton(_("Change database…"))
        self.change_button.setObjectName("change_database")
        self.change_button.clicked.connect(self.change_database)
        where = QHBoxLayout()
        where.addWidget(self.location, 1)
        where.addWidget(self.change_button)
        self.user = QLineEdit(user or preferences.text(preferences.LAST_USER) or "")
        self.user.setObjectName("user")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(_("Database:"), where)
        self.form.addRow(_("User name:"), self.user)
        self.form.addRow(_("Password:"), self.password)
        self.login_button = self.buttons.addButton(
            _("Log in"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.login_button.setObjectName("login")
        self.login_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.attempt)
        self.buttons.rejected.connect(self.reject)
        self.finish_layout(self.company)
        self.setMinimumWidth(460)
        self.show_problem(problem)
        (self.password if self.user.text() else self.user).setFocus()

    def attempt(self) -> None:
        """Check the name and password off the GUI thread (argon2 is slow on purpose)."""
        from crm_desktop.core.services import auth

        code, password = self.user.text().strip(), self.password.text()
        if not code:
            self.show_problem(_("Enter your user name."))
            self.user.setFocus()
            return
        self.submit(lambda: auth.login(self.db, code, password), self._done, _("Logging in…"))

    def _done(self, actor: Actor) -> None:
        preferences.set_text(preferences.LAST_USER, actor.code)
        self.password.clear()
        self.logged_in.emit(actor)
        self.accept()

    def problem_shown(self, exc: CrmError) -> None:
        if isinstance(exc, AuthenticationFailed):
            self.password.clear()
            self.password.setFocus()
