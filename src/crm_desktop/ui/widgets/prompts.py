"""The few questions and messages the shared widgets put to a person, in one place.

Widgets call these through the module (`prompts.confirm(...)`), so tests answer them by
monkeypatching one function instead of clicking through a modal box. Errors go through the
shell's bridge (`crm_desktop.ui.messages.show_error`) when it is there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from crm_desktop.core.i18n import _

if TYPE_CHECKING:
    from crm_desktop.ui.widgets.conflict_dialog import ConflictDialog, Decision

IMAGE_FILTER = "*.png *.jpg *.jpeg *.bmp *.gif"


def show_error(parent: QWidget | None, exc: BaseException) -> None:
    """Show an error a person can read (CrmError) through the shell's bridge when it exists."""
    try:
        from crm_desktop.ui import messages  # type: ignore[attr-defined]
    except ImportError:
        messages = None
    bridge = getattr(messages, "show_error", None)
    if bridge is not None:
        bridge(parent, exc)
        return
    QMessageBox.warning(parent, _("Not done"), str(exc))


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def ask_conflict(dialog: ConflictDialog) -> Decision | None:
    """Show the conflict dialog and wait: "theirs", "mine", "merged", or None (Cancel).

    Its per-field choices stay on the dialog (`values_to_save`); tests answer by replacing this
    function with one that clicks the dialog's buttons.
    """
    dialog.exec()
    return dialog.decision


def open_image_file(parent: QWidget | None) -> str | None:
    path, _filter = QFileDialog.getOpenFileName(
        parent, _("Choose an image"), "", _("Images ({patterns})").format(patterns=IMAGE_FILTER)
    )
    return path or None
