"""File → Change password…: the operator changes their own password (old, new, new again)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QWidget

from crm_desktop.core.errors import AuthenticationFailed, CrmError
from crm_desktop.core.i18n import _
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.dialog_base import ServiceDialog


class PasswordDialog(ServiceDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Change your password"))
        self.old = self._secret("old_password")
        self.new = self._secret("new_password")
        self.confirm = self._secret("confirm_password")
        self.form.addRow(_("Current password:"), self.old)
        self.form.addRow(_("New password:"), self.new)
        self.form.addRow(_("Confirm the new password:"), self.confirm)
        self.buttons.setStandardButtons(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.attempt)
        self.buttons.rejected.connect(self.reject)
        self.finish_layout()
        self.setMinimumWidth(400)

    def _secret(self, name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    def attempt(self) -> None:
        from crm_desktop.core.services import auth

        ctx, old, new, confirm = self.ctx, self.old.text(), self.new.text(), self.confirm.text()
        self.submit(
            lambda: auth.change_own_password(ctx.db, ctx.actor, old, new, confirm),
            lambda _result: self.accept(),
            _("Changing the password…"),
        )

    def problem_shown(self, exc: CrmError) -> None:
        if isinstance(exc, AuthenticationFailed):
            self.old.clear()
            self.old.setFocus()
        else:
            self.confirm.clear()
            self.new.setFocus()
            self.new.selectAll()
