"""What the shell's small forms share: inline problems, and service calls that do not freeze.

Login, first run and password change all ask a service something that may take a moment (argon2
hashing on purpose; a LAN share busy with another PC's write). The call runs through `ops`, the
buttons are disabled meanwhile, and a `CrmError` (wrong password, too short, locked) is shown in
red inside the dialog, where the person is looking, instead of in a separate message box.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import CrmError
from crm_desktop.ui import ops
from crm_desktop.ui.messages import show_error


class ServiceDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c0392b;")
        self.problem.hide()
        self.buttons = QDialogButtonBox()
        self.operation: ops.Operation | None = None

    def finish_layout(self, *top: QWidget) -> None:
        """Stack `top` widgets, the form, the problem line and the buttons, in that order."""
        for widget in top:
            self.layout_.addWidget(widget)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.problem)
        self.layout_.addWidget(self.buttons)

    @property
    def busy(self) -> bool:
        return self.operation is not None and not self.operation.done

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def submit(
        self, work: Callable[[], Any], on_success: Callable[[Any], None], label: str
    ) -> None:
        """Run `work()` off the GUI thread; success goes to `on_success`, problems inline."""
        if self.busy:
            return
        self.show_problem("")
        self.buttons.setEnabled(False)
        self.operation = ops.run(
            lambda _progress: work(),
            parent=self,
            label=label,
            cancellable=False,
            on_success=lambda result: self._succeeded(result, on_success),
            on_error=self._failed,
        )

    def _succeeded(self, result: Any, on_success: Callable[[Any], None]) -> None:
        self.buttons.setEnabled(True)
        on_success(result)

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, CrmError):
            self.show_problem(exc.message)
            self.problem_shown(exc)
        else:
            show_error(self, exc)

    def problem_shown(self, exc: CrmError) -> None:
        """Hook: move the focus to the field the person should fix."""
