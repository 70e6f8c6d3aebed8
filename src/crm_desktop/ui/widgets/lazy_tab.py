"""A tab that reloads only while someone looks at it.

Every change another window or PC announces reaches every tab; a hidden tab should not query
the database for each of them. It only notes that it is stale and reads once when it is shown.
"""

from __future__ import annotations

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from crm_desktop.core.changes import Changes


class LazyTab(QWidget):
    """Reload at once when records of `reload_kinds` change while on screen, otherwise once
    when next shown. Subclasses set `reload_kinds`, implement `reload()` and clear `stale`
    in it."""

    reload_kinds: tuple[str, ...] = ()
    stale = False

    def reload(self) -> None:
        raise NotImplementedError

    def refresh(self, changes: Changes) -> None:
        """Reload when a kind of record the tab shows changed (later, if hidden)."""
        if not changes.touches(*self.reload_kinds):
            return
        self.stale = True
        if self.isVisible():
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.stale:
            self.reload()
