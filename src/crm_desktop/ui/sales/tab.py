"""Placeholder until the sales issue's UI lands (see /tmp/issue5/API.md)."""

from __future__ import annotations

from crm_desktop.ui.context import AppContext
from crm_desktop.ui.placeholder_tab import PlaceholderTab


class SalesTab(PlaceholderTab):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__("", "")
        self.ctx = ctx
