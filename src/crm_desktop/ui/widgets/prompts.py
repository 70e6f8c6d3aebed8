"""The few questions and messages the shared widgets put to a person, in one place.

Widgets call these through the module (`prompts.confirm(...)`), so tests answer them by
monkeypatching one function instead of clicking through a modal box. Errors go through the
shell's bridge (`crm_desktop.ui.messages.show_error`) when it is there.
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from crm_desktop.core.i18n import _

Resolution = Literal["mine", "theirs"]
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


def resolve_conflict(parent: QWidget | None, text: str) -> Resolution | None:
    """Keep mine, take theirs, or (None) go back to the form without doing either."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(_("Changed by someone else"))
    box.setText(text)
    mine = box.addButton(_("Keep mine"), QMessageBox.ButtonRole.AcceptRole)
    theirs = box.addButton(_("Take theirs"), QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(_("Back to the form"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    clicked = box.clickedButton()
    if clicked is mine:
        return "mine"
    if clicked is theirs:
        return "theirs"
    return None


def open_image_file(parent: QWidget | None) -> str | None:
    path, _filter = QFileDialog.getOpenFileName(
        parent, _("Choose an image"), "", _("Images ({patterns})").format(patterns=IMAGE_FILTER)
    )
    return path or None
