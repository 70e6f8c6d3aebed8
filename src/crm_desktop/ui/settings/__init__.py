"""Settings area (stub until the settings pages land)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from crm_desktop.core.changes import Changes
from crm_desktop.ui.context import AppContext


class SettingsArea(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        QVBoxLayout(self).addWidget(QLabel("Settings"))

    def refresh(self, changes: Changes) -> None:
        pass
