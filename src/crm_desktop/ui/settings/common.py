"""What every settings page shares: the context, which kinds of records it shows, reloading."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import Field, FormDialog, FormPanel


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


class RecordFormPage(SettingsPage):
    """A page that edits the firm's one record of a kind in place (company profile, pool rules):
    a title, an optional note, the form (in a scroll area), a status line and Save (Ctrl+S).

    Subclasses give `title`, `fields()`, `load()` and `store(values, version)`. A reload never
    throws away what the person is typing; a save over a newer version reports the conflict.
    """

    title = ""
    note = ""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        heading = QLabel(_(self.title))
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        heading.setFont(font)
        self.form = FormPanel(self.fields(), {}, self._save, reload=self.load)
        self.form.saved.connect(self._after_save)
        self.form.edited.connect(lambda: self.status.clear())
        holder = QWidget()
        holder_layout = QHBoxLayout(holder)
        holder_layout.addWidget(self.form, 3)
        holder_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(holder)
        self.save_button = QPushButton(_("Save"))
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        self.status = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)
        QShortcut(
            QKeySequence.StandardKey.Save,
            self,
            activated=self.save,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self.layout_.addWidget(heading)
        if self.note:
            note = QLabel(_(self.note))
            note.setWordWrap(True)
            self.layout_.addWidget(note)
        self.layout_.addWidget(scroll, 1)
        self.layout_.addLayout(buttons)
        self.reload()

    def fields(self) -> list[Field]:
        raise NotImplementedError

    def load(self) -> dict[str, Any]:
        raise NotImplementedError

    def store(self, values: dict[str, Any], version: int) -> None:
        raise NotImplementedError

    def reload(self) -> None:
        if self.form.is_dirty():
            return  # never throw away what the person is typing; a save will report a conflict
        try:
            self.form.set_values(self.load())
        except CrmError as exc:
            self.form.show_error(exc.message)

    def _save(self, values: dict[str, Any], version: int | None) -> None:
        self.store(values, version or 0)

    def save(self) -> bool:
        return self.form.submit()

    def _after_save(self, _result: Any) -> None:
        self.form.set_values(self.load())
        self.status.setText(_("Saved."))
        self.ctx.notify(Changes.of(*self.kinds))


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
