"""What every settings page shares: the context, which kinds of records it shows, reloading."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from crm_desktop.core.changes import Changes
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import Field, FormDialog


class SettingsPage(QWidget):
    """One page of the settings area; `kinds` say which changes make it reload."""

    kinds: tuple[str, ...] = ()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: FormDialog | None = None  # the form opened last (tests drive it)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(12, 12, 12, 12)

    def reload(self) -> None:
        """Read the page's records again (keeping the selection)."""

    def saved(self, *kinds: str) -> None:
        """After a successful save: reload this page and tell the rest of the window."""
        self.reload()
        self.ctx.notify(Changes.of(*kinds))

    def open_form(self, dialog: FormDialog, *kinds: str) -> FormDialog:
        """Show a form window-modally; when it saves, reload and announce `kinds`."""
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.saved(*kinds))
        dialog.open()
        return dialog

    def can(self, permission: str) -> bool:
        return self.ctx.actor.can(permission)


class CatalogPage(SettingsPage):
    """A page over one kind of record whose service saves with `(record_id, version, values)`.

    Subclasses say how to list rows, save one, describe the form and title it; New, Edit (with
    reload for conflicts) and Activate/Deactivate are the same for every such list.
    """

    announces: tuple[str, ...] = ()  # the kinds of records a save changes

    def rows(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def save_record(self, record_id: int | None, version: int | None, values: dict) -> int:
        raise NotImplementedError

    def fields(self, record_id: int | None) -> list[Field]:
        raise NotImplementedError

    def new_title(self) -> str:
        raise NotImplementedError

    def edit_title(self, row: dict[str, Any]) -> str:
        raise NotImplementedError

    def _saver(self, record_id: int | None) -> Callable[[dict[str, Any], int | None], int]:
        return lambda values, version: self.save_record(record_id, version, values)

    def _fresh(self, record_id: int) -> dict[str, Any]:
        return next(row for row in self.rows() if row["id"] == record_id)

    def add(self) -> FormDialog:
        dialog = FormDialog(
            self.new_title(), self.fields(None), {"active": True}, self._saver(None), parent=self
        )
        return self.open_form(dialog, *self.announces)

    def edit(self, row: dict[str, Any]) -> FormDialog:
        dialog = FormDialog(
            self.edit_title(row),
            self.fields(row["id"]),
            row,
            self._saver(row["id"]),
            reload=lambda: self._fresh(row["id"]),
            parent=self,
        )
        return self.open_form(dialog, *self.announces)

    def set_active(self, row: dict[str, Any], active: bool) -> None:
        self.save_record(row["id"], row["version"], {"active": active})
        self.saved(*self.announces)
