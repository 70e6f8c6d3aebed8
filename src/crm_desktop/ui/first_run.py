"""First run on a new database: the company, the administrator account, the language.

There is no default password anywhere: the person setting up chooses it here, twice. Mistakes
(an empty name, a short password, a typo in the confirmation) are shown inside the dialog.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLabel, QLineEdit, QWidget

from crm_desktop.core.actor import Actor
from crm_desktop.core.db import Database
from crm_desktop.core.errors import ValidationError
from crm_desktop.core.i18n import LANGUAGES, _, current_language
from crm_desktop.ui.dialog_base import ServiceDialog


class FirstRunWizard(ServiceDialog):
    initialized = Signal(object)  # the administrator as an Actor
    language_changed = Signal(str)  # the launcher switches the language, then calls retranslate()

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.location = QLabel(db.location)
        self.location.setWordWrap(True)
        self.location.setEnabled(False)
        self.company = self._line("company")
        self.admin_code = self._line("admin_code")
        self.admin_name = self._line("admin_name")
        self.password = self._line("password", secret=True)
        self.confirm = self._line("confirm", secret=True)
        self.language = QComboBox()
        self.language.setObjectName("language")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(current_language())))
        self.language.activated.connect(self._language_chosen)
        self.labels = [QLabel() for _ in range(6)]
        fields = (
            self.company,
            self.admin_code,
            self.admin_name,
            self.password,
            self.confirm,
            self.language,
        )
        for label, field in zip(self.labels, fields, strict=True):
            label.setBuddy(field)
            self.form.addRow(label, field)
        self.create_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setObjectName("create")
        self.create_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.attempt)
        self.buttons.rejected.connect(self.reject)
        self.finish_layout(self.heading, self.intro, self.location)
        self.setMinimumWidth(520)
        self.retranslate()
        self.company.setFocus()

    def _line(self, name: str, *, secret: bool = False) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    def retranslate(self) -> None:
        """Set every text in the current language (called again after a language change)."""
        self.setWindowTitle(_("Set up crm-desktop"))
        self.heading.setText(_("Welcome to crm-desktop"))
        self.intro.setText(
            _(
                "This database is new. Enter your company's name and create the administrator "
                "account. You choose the password yourself; there is no default password. "
                "The administrator can add the other users afterwards."
            )
        )
        texts = (
            _("Company name:"),
            _("Administrator user name:"),
            _("Display name:"),
            _("Password:"),
            _("Confirm password:"),
            _("Language:"),
        )
        for label, text in zip(self.labels, texts, strict=True):
            label.setText(text)
        self.admin_code.setPlaceholderText(_("For example: admin"))
        self.admin_name.setPlaceholderText(_("The name shown in the window, e.g. Wang Fang"))
        self.password.setPlaceholderText(_("At least 8 characters"))
        self.create_button.setText(_("Create"))

    def _language_chosen(self, _index: int) -> None:
        code = self.language.currentData()
        if code != current_language():
            self.language_changed.emit(code)

    def attempt(self) -> None:
        from crm_desktop.core.services import setup

        if self.password.text() != self.confirm.text():
            self.show_problem(_("The password and its confirmation differ. Type them again."))
            self.confirm.clear()
            self.confirm.setFocus()
            return
        values = {
            "company_name": self.company.text(),
            "admin_code": self.admin_code.text(),
            "admin_name": self.admin_name.text(),
            "password": self.password.text(),
        }
        self.submit(
            lambda: setup.initialize(self.db, **values), self._done, _("Setting up the database…")
        )

    def _done(self, actor: Actor) -> None:
        self.initialized.emit(actor)
        self.accept()

    def problem_shown(self, exc: ValidationError) -> None:  # type: ignore[override]
        empty = next(
            (e for e in (self.company, self.admin_code) if not e.text().strip()), self.password
        )
        empty.setFocus()
