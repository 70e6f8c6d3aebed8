"""The Campaigns page of the Marketing tab (placeholder until the campaign service lands)."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import _
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import Column, RecordListPage


class CampaignsPage(QWidget):
    """The firm's marketing campaigns."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.page = RecordListPage(
            "campaigns", _("Campaigns"), [Column("name", _("Name"))], lambda: []
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.page)
        self.page.reload()

    def refresh(self, changes: Changes) -> None:
        if changes.touches("campaigns"):
            self.page.reload_when_shown()
