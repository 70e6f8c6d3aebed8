"""The settings area: a list of pages on the left, the chosen page on the right.

Each page appears only if the operator holds its permission (the services check again anyway).
Pages reload when a change touches what they show: at once if visible, otherwise when next shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QWidget

from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import N_, _
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.settings.audit_page import AuditPage
from crm_desktop.ui.settings.basedata_page import BaseDataPage
from crm_desktop.ui.settings.common import SettingsPage
from crm_desktop.ui.settings.company_page import CompanyPage
from crm_desktop.ui.settings.import_history_page import ImportHistoryPage, can_view
from crm_desktop.ui.settings.numbering_page import NumberingPage
from crm_desktop.ui.settings.operators_page import OperatorsPage
from crm_desktop.ui.settings.pool_rules_page import PoolRulesPage
from crm_desktop.ui.settings.preferences_page import PreferencesPage
from crm_desktop.ui.settings.products_page import ProductsPage
from crm_desktop.ui.settings.roles_page import RolesPage
from crm_desktop.ui.settings.teams_page import TeamsPage


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str  # marked with N_, translated when shown
    permission: str | None  # None: every logged-in operator
    factory: Callable[[AppContext], SettingsPage]
    visible: Callable[[Any], bool] | None = None  # a further test on the actor (any of several)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("company", N_("Company profile"), "settings.company", CompanyPage),
    PageSpec("basedata", N_("Base data"), None, BaseDataPage),
    PageSpec("products", N_("Products"), "settings.products", ProductsPage),
    PageSpec("operators", N_("Operators"), "settings.operators", OperatorsPage),
    PageSpec("roles", N_("Roles and permissions"), "settings.roles", RolesPage),
    PageSpec("teams", N_("Teams"), "settings.teams", TeamsPage),
    PageSpec("pool_rules", N_("Public pool rules"), "settings.pool", PoolRulesPage),
    PageSpec("numbering", N_("Document numbering"), "settings.company", NumberingPage),
    PageSpec("audit", N_("Audit log"), "audit.view", AuditPage),
    PageSpec("import_history", N_("Import history"), None, ImportHistoryPage, can_view),
    PageSpec("preferences", N_("Preferences"), None, PreferencesPage),
)


class SettingsArea(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.specs = [
            spec
            for spec in PAGES
            if (spec.permission is None or ctx.actor.can(spec.permission))
            and (spec.visible is None or spec.visible(ctx.actor))
        ]
        self.pages: dict[str, SettingsPage] = {}
        self._stale: set[str] = set()

        self.nav = QListWidget()
        self.nav.setObjectName("settingsPages")
        self.stack = QStackedWidget()
        for spec in self.specs:
            item = QListWidgetItem(_(spec.title))
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            self.nav.addItem(item)
            placeholder = QWidget()
            self.stack.addWidget(placeholder)
        self.nav.setStyleSheet("QListWidget#settingsPages::item { padding: 6px 8px; }")
        self.nav.setFixedWidth(max(self.nav.sizeHintForColumn(0) + 40, 160))
        self.nav.currentRowChanged.connect(self._show_row)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        if self.specs:
            self.nav.setCurrentRow(0)

    # --- pages -------------------------------------------------------------------------------
    def page_keys(self) -> list[str]:
        """The pages this operator may open, in order."""
        return [spec.key for spec in self.specs]

    def page(self, key: str) -> SettingsPage:
        """The page (built on first use)."""
        page = self.pages.get(key)
        if page is None:
            index = self.page_keys().index(key)
            page = self.specs[index].factory(self.ctx)
            placeholder = self.stack.widget(index)
            self.stack.insertWidget(index, page)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self.pages[key] = page
            self._stale.discard(key)
        return page

    def show_page(self, key: str) -> SettingsPage:
        self.nav.setCurrentRow(self.page_keys().index(key))
        return self.page(key)

    def current_key(self) -> str | None:
        row = self.nav.currentRow()
        return self.specs[row].key if 0 <= row < len(self.specs) else None

    def _show_row(self, row: int) -> None:
        if not 0 <= row < len(self.specs):
            return
        key = self.specs[row].key
        page = self.page(key)
        if key in self._stale:
            self._stale.discard(key)
            page.reload()
        self.stack.setCurrentIndex(row)

    # --- changes -----------------------------------------------------------------------------
    def refresh(self, changes: Changes) -> None:
        current = self.current_key()
        for key, page in self.pages.items():
            if not page.kinds or not (
                changes.touches(*page.kinds) or ("*" in page.kinds and bool(changes))
            ):
                continue
            if key == current:
                page.reload()
            else:
                self._stale.add(key)
