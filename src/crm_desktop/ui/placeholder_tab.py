"""A tab whose real content comes in a later release: it says plainly what will be there.

Better than an empty page: the person sees the tab is known and not broken, and what to expect.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from crm_desktop.core.i18n import _


class PlaceholderTab(QWidget):
    def __init__(self, title: str, description: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel(title)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)
        body = QLabel(description)
        body.setWordWrap(True)
        note = QLabel(_("This part of crm-desktop is not built yet."))
        note.setEnabled(False)  # greyed: secondary information
        layout = QVBoxLayout(self)
        layout.addStretch()
        for label in (heading, body, note):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        layout.addStretch()
        self.description = description
