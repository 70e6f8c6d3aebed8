"""The main window: one tab per area, menus with standard shortcuts, and the status bar.

Tabs are described by data (`TABS`) so hiding a tab the operator may not view, the Ctrl+number
shortcuts and "remember the current tab" all work the same way for every area. A tab's content is
built the first time it is shown, so start-up pays only for the tab the person sees.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from crm_desktop import __version__
from crm_desktop.core.changes import Changes
from crm_desktop.core.i18n import N_, _
from crm_desktop.ui import ops, preferences
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.messages import show_error, show_info
from crm_desktop.ui.placeholder_tab import PlaceholderTab
from crm_desktop.ui.status_bar import StatusBar


@dataclass(frozen=True)
class TabSpec:
    """One area of the window. `factory` ("module:Class") builds its content from the context,
    imported only when the tab is first shown; without one a placeholder stands in."""

    key: str
    title: str  # marked with N_, translated when the window is built
    permission: str | None  # None: every operator sees it
    description: str = ""  # what the placeholder says will be there
    factory: str = ""


TABS: tuple[TabSpec, ...] = (
    TabSpec("home", N_("Home"), None, factory="crm_desktop.ui.home:HomeTab"),
    TabSpec(
        "today",
        N_("Today"),
        "followups.view",
        factory="crm_desktop.ui.today:TodayTab",
    ),
    TabSpec(
        "customers",
        N_("Customers"),
        "customers.view",
        N_("The customer list will be here: search, filters, contacts and customer history."),
        factory="crm_desktop.ui.customers.tab:CustomersTab",
    ),
    TabSpec(
        "marketing",
        N_("Marketing"),
        "leads.view",
        factory="crm_desktop.ui.marketing.tab:MarketingTab",
    ),
    TabSpec(
        "followups",
        N_("Follow-ups"),
        "followups.view",
        N_("Follow-up records and reminders of the next contact with each customer will be here."),
        factory="crm_desktop.ui.followups.tab:FollowUpsTab",
    ),
    TabSpec(
        "calendar",
        N_("Calendar"),
        None,
        factory="crm_desktop.ui.calendar.tab:CalendarTab",
    ),
    TabSpec(
        "orders",
        N_("Sales"),
        "orders.view",
        factory="crm_desktop.ui.sales.tab:SalesTab",
    ),
    TabSpec(
        "receipts",
        N_("Receipts"),
        "receipts.view",
        factory="crm_desktop.ui.receipts.tab:ReceiptsTab",
    ),
    TabSpec(
        "service",
        N_("Service records"),
        "service.view",
        factory="crm_desktop.ui.service.tab:ServiceTab",
    ),
    TabSpec(
        "knowledge",
        N_("Knowledge base"),
        "kb.view",
        factory="crm_desktop.ui.knowledge.tab:KnowledgeTab",
    ),
    TabSpec(
        "statistics",
        N_("Statistics"),
        "statistics.view",
        factory="crm_desktop.ui.statistics.tab:StatisticsTab",
    ),
    TabSpec("settings", N_("Settings"), None, factory="crm_desktop.ui.settings:SettingsArea"),
)


def build_tab(spec: TabSpec, ctx: AppContext) -> QWidget:
    """The tab's real content: its factory called with the context, or a placeholder."""
    if not spec.factory:
        return PlaceholderTab(_(spec.title), _(spec.description))
    module_name, _sep, class_name = spec.factory.partition(":")
    factory = getattr(importlib.import_module(module_name), class_name)
    return factory(ctx)


def tab_shortcut(index: int, count: int) -> tuple[str, ...]:
    """Ctrl+1…8 for the first eight tabs and Ctrl+9 for the last, as in web browsers (there is
    no Ctrl+10); tabs in between are reached from the View menu or with Ctrl+Tab."""
    if index == count - 1:
        return ("Ctrl+9",)
    if index < 8:
        return (f"Ctrl+{index + 1}",)
    return ()


class LazyTab(QWidget):
    """Holds a tab's place and builds the real content the first time the tab is shown."""

    def __init__(self, key: str, build: Callable[[], QWidget]) -> None:
        super().__init__()
        self.key = key
        self._build = build
        self.content: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def showEvent(self, event: QShowEvent) -> None:
        self.ensure_built()
        super().showEvent(event)

    def ensure_built(self) -> QWidget:
        if self.content is None:
            try:
                self.content = self._build()
            except Exception as exc:  # one broken area must not take the window down
                self.content = QLabel(_("This area could not be opened."))
                show_error(self, exc)
            self._layout.addWidget(self.content)
        return self.content

    def refresh(self, changes: Changes) -> None:
        refresh = getattr(self.content, "refresh", None)
        if callable(refresh):
            refresh(changes)


class MainWindow(QMainWindow):
    logout_requested = Signal()
    closing = Signal()  # the person closed the window: the app ends

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.discarding = False  # set when the launcher replaces or drops this window
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tab_pages: dict[str, LazyTab] = {}
        for spec in TABS:
            if spec.permission is None or ctx.actor.can(spec.permission):
                self._add_tab(spec)
        self.setCentralWidget(self.tabs)
        self.status = StatusBar(ctx.actor, ctx.db.location)
        self.setStatusBar(self.status)
        self.status.watch_unread(ctx)  # counts now and on every change to annotations
        self.status.unread_clicked.connect(lambda: self.select_tab("today"))
        self._build_menus()
        self.update_title()
        self._restore_geometry()
        ctx.bus.changed.connect(self.refresh)

    # -- tabs -------------------------------------------------------------------------------

    def _add_tab(self, spec: TabSpec) -> None:
        page = LazyTab(spec.key, lambda: build_tab(spec, self.ctx))
        page.setObjectName(f"tab_{spec.key}")
        self.tab_pages[spec.key] = page
        self.tabs.addTab(page, _(spec.title))

    def tab_keys(self) -> list[str]:
        return list(self.tab_pages)

    def current_tab_key(self) -> str:
        page = self.tabs.currentWidget()
        return page.key if isinstance(page, LazyTab) else ""

    def select_tab(self, key: str) -> bool:
        page = self.tab_pages.get(key)
        if page is not None:
            self.tabs.setCurrentWidget(page)
        return page is not None

    def refresh(self, changes: Changes) -> None:
        """Hand a change to every tab; each decides whether it shows that kind of record."""
        if changes.touches("company"):
            self.update_title()
        for page in self.tab_pages.values():
            page.refresh(changes)

    def update_title(self) -> None:
        from crm_desktop.core.services.company import company_name

        try:
            name = company_name(self.ctx.db)
        except Exception:  # the title is not worth an error box; the status bar says more
            name = ""
        self.setWindowTitle(_("crm-desktop — {company}").format(company=name))

    # -- menus ------------------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        *shortcuts: QKeySequence | QKeySequence.StandardKey | str,
        name: str = "",
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        keys: list[QKeySequence] = []
        for shortcut in shortcuts:
            for key in (
                QKeySequence.keyBindings(shortcut)
                if isinstance(shortcut, QKeySequence.StandardKey)
                else [QKeySequence(shortcut)]
            ):
                if not key.isEmpty() and key not in keys:
                    keys.append(key)
        action.setShortcuts(keys)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even when the menu bar is hidden
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(_("&File"))
        file_menu.addAction(
            self._action(_("Change password…"), self.change_password, name="change_password")
        )
        if self.ctx.actor.can("system.backup"):
            file_menu.addAction(self._action(_("Back up now…"), self.back_up, name="backup"))
        file_menu.addSeparator()
        file_menu.addAction(self._action(_("Log out"), self.logout_requested.emit, name="logout"))
        file_menu.addAction(
            self._action(
                _("Quit"), self.close, QKeySequence.StandardKey.Quit, "Ctrl+Q", name="quit"
            )
        )
        view_menu = bar.addMenu(_("&View"))
        view_menu.addAction(
            self._action(
                _("Refresh"),
                self.refresh_everything,
                QKeySequence.StandardKey.Refresh,
                "F5",
                name="refresh",
            )
        )
        view_menu.addSeparator()
        keys = list(self.tab_pages)
        for key, page in self.tab_pages.items():
            title = self.tabs.tabText(self.tabs.indexOf(page))
            view_menu.addAction(
                self._action(
                    title,
                    lambda _checked=False, k=key: self.select_tab(k),
                    *tab_shortcut(keys.index(key), len(keys)),
                    name=f"go_{key}",
                )
            )
        help_menu = bar.addMenu(_("&Help"))
        help_menu.addAction(self._action(_("About crm-desktop"), self.about, name="about"))

    def refresh_everything(self) -> None:
        self.ctx.notify(Changes.everything())

    def change_password(self) -> None:
        from crm_desktop.ui.password_dialog import PasswordDialog

        dialog = PasswordDialog(self.ctx, self)
        dialog.accepted.connect(lambda: self.status.notice(_("Your password has been changed.")))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.password_dialog = dialog

    def back_up(self) -> ops.Operation:
        from crm_desktop.core.services import maintenance

        ctx = self.ctx
        return ops.run(
            lambda _progress: maintenance.backup(ctx.db, ctx.actor),
            parent=self,
            label=_("Backing up the database…"),
            cancellable=False,
            on_success=lambda result: show_info(
                self,
                _("Backup finished"),
                _("A verified copy of the database was saved to:\n{path}").format(path=result.path),
            ),
        )

    def about(self) -> None:
        show_info(
            self,
            _("About crm-desktop"),
            _(
                "crm-desktop {version}\n"
                "A customer management program for small firms.\n\n"
                "Database: {location}"
            ).format(version=__version__, location=self.ctx.db.location),
        )

    # -- geometry and closing ---------------------------------------------------------------

    def _restore_geometry(self) -> None:
        geometry = preferences.blob(preferences.WINDOW_GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1100, 720)
        state = preferences.blob(preferences.WINDOW_STATE)
        if state is not None:
            self.restoreState(state)
        self.select_tab(preferences.text(preferences.CURRENT_TAB) or "")

    def remember_geometry(self) -> None:
        preferences.set_blob(preferences.WINDOW_GEOMETRY, QByteArray(self.saveGeometry()))
        preferences.set_blob(preferences.WINDOW_STATE, QByteArray(self.saveState()))
        preferences.set_text(preferences.CURRENT_TAB, self.current_tab_key())

    def detach(self) -> None:
        """Stop listening to the context before the launcher replaces or drops this window."""
        self.discarding = True
        with contextlib.suppress(RuntimeError, TypeError):
            self.ctx.bus.changed.disconnect(self.refresh)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.remember_geometry()
        super().closeEvent(event)
        if not self.discarding:
            self.closing.emit()
