"""The Marketing tab: leads, and (for operators who may see them) the campaigns they came from."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import _
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.marketing.leads_page import LeadsPage


class MarketingTab(QWidget):
    """Sub-tabs Leads and Campaigns; each refreshes on the changes it shows."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("marketingTabs")
        self.leads = LeadsPage(ctx, self)
        self.tabs.addTab(self.leads, _("Leads"))
        self.campaigns: QWidget | None = None
        if ctx.actor.can("campaigns.view"):
            from crm_desktop.ui.marketing.campaigns_page import CampaignsPage

            self.campaigns = CampaignsPage(ctx, self)
            self.tabs.addTab(self.campaigns, _("Campaigns"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def refresh(self, changes: Changes) -> None:
        self.leads.refresh(changes)
        if self.campaigns is not None:
            self.campaigns.refresh(changes)  # type: ignore[attr-defined]
