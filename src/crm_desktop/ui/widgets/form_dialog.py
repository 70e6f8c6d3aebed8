"""Forms built from a field spec: the same save, error and conflict handling everywhere.

`FormPanel` is the form itself (fields, an error line, save with conflict handling); `FormDialog`
puts one in a dialog with Save/Cancel. A page that edits one record in place (the company
profile) uses a `FormPanel` directly.

Saving calls `save(values, version)`. For a record that exists (the initial values carry a
`version`) only the fields the person changed are passed, so a conflict is about their own
changes and "Keep mine" never rewrites a field they did not touch. A `CrmError` is shown in the
form, which stays open with what was typed (a busy, lost or read-only share too: Save again when
it is back); the wait cursor shows while a save waits for the write lock. A `ConflictError` opens
the `ConflictDialog`: each field theirs vs yours, then Keep theirs (reload), Keep mine (save again
over the newer version), Save merged (only the fields where yours was chosen) or Cancel. Nothing
is overwritten silently: fields only the other person changed are never in what is saved.

A `FormDialog` for an existing record may show the soft lock (`record` and `presence`): a yellow
line naming whoever else has the record open (see `editing_banner`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QRegularExpression, Qt, Signal
from PySide6.QtGui import QCursor, QKeySequence, QPixmap, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.db import Database
from crm_desktop.core.errors import (
    ConflictError,
    CrmError,
    DatabaseBusy,
    DatabaseMissing,
    Problems,
    ReadOnlyDatabase,
    ValidationError,
)
from crm_desktop.core.i18n import _
from crm_desktop.core.money import format_money, to_money
from crm_desktop.ui.widgets import prompts
from crm_desktop.ui.widgets.conflict_dialog import (
    ConflictDialog,
    ConflictRow,
    describe_row,
    who_saved,
)
from crm_desktop.ui.widgets.editing_banner import EditingBanner

FIELD_KINDS = (
    "text",
    "multiline",
    "choice",
    "bool",
    "money",
    "int",
    "date",
    "password",
    "image",
)
Choices = Sequence[tuple[Any, str]] | Callable[[], Sequence[tuple[Any, str]]]
SaveFn = Callable[[dict[str, Any], int | None], Any]


@dataclass(frozen=True)
class Field:
    """One field of a form.

    key: the value's key in the values dict passed to save.
    label: shown left of the field (already translated).
    kind: one of `FIELD_KINDS`.
    required: refuse an empty value before calling save.
    choices: for "choice": (id, name) pairs, or a callable returning them (called when the form
        is built).
    allow_empty: for "choice": offer an empty entry (value None).
    placeholder: grey hint text in empty text fields.
    read_only: shown but not editable (and never passed to save).
    tooltip: a longer explanation.
    """

    key: str
    label: str
    kind: str = "text"
    required: bool = False
    choices: Choices | None = None
    allow_empty: bool = True
    placeholder: str = ""
    read_only: bool = False
    tooltip: str = ""

    def __post_init__(self) -> None:
        if self.kind not in FIELD_KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")


# --- editors -----------------------------------------------------------------------------------


class MoneyEdit(QLineEdit):
    """An amount as text, read back as an exact `Decimal` (never a float)."""

    PATTERN = r"^\s*[¥￥]?\s*-?[0-9][0-9,，]*(\.[0-9]{0,2})?\s*$|^\s*$"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setValidator(QRegularExpressionValidator(QRegularExpression(self.PATTERN), self))
        self.setPlaceholderText("0.00")

    def value(self) -> Decimal | None:
        try:
            return to_money(self.text())
        except ValueError as exc:
            raise ValidationError(_("“{text}” is not an amount.").format(text=self.text())) from exc

    def set_value(self, amount: Decimal | int | str | None) -> None:
        money = to_money(amount) if amount is not None and amount != "" else None
        self.setText("" if money is None else format_money(money))


class ImageEdit(QWidget):
    """A picture stored as bytes: a preview, Choose… and Remove."""

    changed = Signal()
    PREVIEW = (200, 100)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data: bytes | None = None
        self.preview = QLabel()
        self.preview.setFixedSize(*self.PREVIEW)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setFrameShape(QLabel.Shape.StyledPanel)
        self.choose = QPushButton(_("Choose…"))
        self.clear = QPushButton(_("Remove"))
        self.choose.clicked.connect(self._choose)
        self.clear.clicked.connect(lambda: self.set_value(None, notify=True))
        buttons = QVBoxLayout()
        buttons.addWidget(self.choose)
        buttons.addWidget(self.clear)
        buttons.addStretch()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.preview)
        layout.addLayout(buttons)
        layout.addStretch()
        self._show()

    def value(self) -> bytes | None:
        return self._data

    def set_value(self, data: bytes | None, *, notify: bool = False) -> None:
        self._data = data or None
        self._show()
        if notify:
            self.changed.emit()

    def _choose(self) -> None:
        path = prompts.open_image_file(self)
        if not path:
            return
        data = Path(path).read_bytes()
        if QPixmap().loadFromData(data) is False:
            prompts.show_error(self, ValidationError(_("This file is not an image.")))
            return
        self.set_value(data, notify=True)

    def _show(self) -> None:
        self.clear.setEnabled(self._data is not None)
        if self._data is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(_("No image"))
            return
        pixmap = QPixmap()
        pixmap.loadFromData(self._data)
        self.preview.setText("")
        self.preview.setPixmap(
            pixmap.scaled(
                *self.PREVIEW,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )


def _make_editor(spec: Field) -> QWidget:
    kind = spec.kind
    editor: QWidget
    if kind in ("text", "password"):
        line = QLineEdit()
        line.setPlaceholderText(spec.placeholder)
        if kind == "password":
            line.setEchoMode(QLineEdit.EchoMode.Password)
        line.setReadOnly(spec.read_only)
        editor = line
    elif kind == "multiline":
        text = QPlainTextEdit()
        text.setTabChangesFocus(True)
        text.setPlaceholderText(spec.placeholder)
        text.setReadOnly(spec.read_only)
        text.setMinimumHeight(70)
        editor = text
    elif kind == "choice":
        combo = QComboBox()
        choices = spec.choices() if callable(spec.choices) else (spec.choices or ())
        if spec.allow_empty:
            combo.addItem("", None)
        for value, name in choices:
            combo.addItem(name, value)
        combo.setEnabled(not spec.read_only)
        editor = combo
    elif kind == "bool":
        editor = QCheckBox(spec.label)
        editor.setEnabled(not spec.read_only)
    elif kind == "money":
        money = MoneyEdit()
        money.setReadOnly(spec.read_only)
        editor = money
    elif kind == "int":
        spin = QSpinBox()
        spin.setRange(-1_000_000_000, 1_000_000_000)
        spin.setReadOnly(spec.read_only)
        editor = spin
    elif kind == "date":
        date_edit = QDateEdit()
        date_edit.setCalendarPopup(True)
        date_edit.setDisplayFormat("yyyy-MM-dd")
        date_edit.setReadOnly(spec.read_only)
        editor = date_edit
    else:
        editor = ImageEdit()
        editor.setEnabled(not spec.read_only)
    if spec.tooltip:
        editor.setToolTip(spec.tooltip)
    return editor


# --- the form ----------------------------------------------------------------------------------


class FormPanel(QWidget):
    """Fields in a form layout, an error line, and `submit()` with conflict handling.

    `reload()` (optional) returns the record's current values for "Take theirs"; without it the
    values from the conflict are used. `always_save` calls save even when no field changed (a
    page that saves more than the fields, like a role's permissions). `conflict_notes(exc)` adds
    lines to the conflict message about what the fields do not show.
    """

    saved = Signal(object)  # what save returned
    edited = Signal()

    def __init__(
        self,
        fields: Sequence[Field],
        values: Mapping[str, Any] | None = None,
        save: SaveFn | None = None,
        *,
        reload: Callable[[], Mapping[str, Any]] | None = None,
        always_save: bool = False,
        conflict_notes: Callable[[ConflictError], list[str]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.fields = list(fields)
        self.always_save = always_save
        self.conflict_notes = conflict_notes
        self.save_fn = save
        self.reload_fn = reload
        self.editors: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.initial: dict[str, Any] = {}
        self.version: int | None = None
        self.is_new = True

        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet(
            "QLabel#formError { color: #a61b1b; background: #fdecea; border: 1px solid #f5c2c0;"
            " border-radius: 3px; padding: 6px; }"
        )
        self.error.hide()

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        chain: list[QWidget] = []
        for spec in self.fields:
            editor = _make_editor(spec)
            editor.setObjectName(f"field_{spec.key}")
            self.editors[spec.key] = editor
            if spec.kind == "bool":
                self.form.addRow("", editor)
            else:
                label = QLabel(spec.label + ("" if not spec.required else " *"))
                label.setBuddy(editor)
                self.labels[spec.key] = label
                self.form.addRow(label, editor)
            chain.extend(
                [editor.choose, editor.clear] if isinstance(editor, ImageEdit) else [editor]
            )
            self._connect_edited(editor)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.error)
        layout.addLayout(self.form)
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)  # tab order follows the fields
        self.set_values(values or {})

    def _connect_edited(self, editor: QWidget) -> None:
        signal = None
        if isinstance(editor, QLineEdit):
            signal = editor.textEdited
        elif isinstance(editor, QPlainTextEdit):
            signal = editor.textChanged
        elif isinstance(editor, QComboBox):
            signal = editor.activated
        elif isinstance(editor, QCheckBox):
            signal = editor.toggled
        elif isinstance(editor, (QSpinBox, QDateEdit)):
            signal = editor.editingFinished
        elif isinstance(editor, ImageEdit):
            signal = editor.changed
        if signal is not None:
            signal.connect(lambda *_args: self.edited.emit())

    # --- values ------------------------------------------------------------------------------
    def editor(self, key: str) -> QWidget:
        return self.editors[key]

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show a record's values; they become the baseline for "what did I change"."""
        self.version = values.get("version")
        self.is_new = self.version is None
        for spec in self.fields:
            self._set(spec, values.get(spec.key))
        self.initial = self._read(validate=False)
        self.clear_error()

    def _set(self, spec: Field, value: Any) -> None:
        editor = self.editors[spec.key]
        if isinstance(editor, MoneyEdit):
            editor.set_value(value)
        elif isinstance(editor, QLineEdit):
            editor.setText("" if value is None else str(value))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText("" if value is None else str(value))
        elif isinstance(editor, QComboBox):
            index = editor.findData(value)
            if index < 0 and value is not None:
                editor.addItem(_("(unknown #{id})").format(id=value), value)
                index = editor.count() - 1
            editor.setCurrentIndex(max(index, 0))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value or 0))
        elif isinstance(editor, QDateEdit):
            day = value if isinstance(value, date) else date.today()
            editor.setDate(QDate(day.year, day.month, day.day))
        elif isinstance(editor, ImageEdit):
            editor.set_value(value)

    def _get(self, spec: Field) -> Any:
        editor = self.editors[spec.key]
        if isinstance(editor, MoneyEdit):
            return editor.value()
        if isinstance(editor, QLineEdit):
            return editor.text() if spec.kind == "password" else editor.text().strip()
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText().strip()
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QSpinBox):
            return editor.value()
        if isinstance(editor, QDateEdit):
            return editor.date().toPython()
        if isinstance(editor, ImageEdit):
            return editor.value()
        return None

    def _read(self, *, validate: bool) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for spec in self.fields:
            if spec.read_only:
                continue
            try:
                value = self._get(spec)
            except ValidationError:
                if validate:
                    self.editors[spec.key].setFocus()
                    raise
                value = None
            if validate and spec.required and value in (None, ""):
                self.editors[spec.key].setFocus()
                raise ValidationError(_("“{field}” must not be empty.").format(field=spec.label))
            values[spec.key] = value
        return values

    def values(self) -> dict[str, Any]:
        """Every editable field's value, validated (required, amounts)."""
        return self._read(validate=True)

    def changed_values(self) -> dict[str, Any]:
        """The validated values the person changed since the record was shown."""
        return {k: v for k, v in self.values().items() if self.initial.get(k) != v}

    def is_dirty(self) -> bool:
        return bool(
            {k: v for k, v in self._read(validate=False).items() if self.initial.get(k) != v}
        )

    # --- errors ------------------------------------------------------------------------------
    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def clear_error(self) -> None:
        self.error.clear()
        self.error.hide()

    # --- saving ------------------------------------------------------------------------------
    def submit(self) -> bool:
        """Validate and save; True when saved (or nothing to save), False when still open."""
        self.clear_error()
        try:
            values = self.values() if self.is_new else self.changed_values()
        except CrmError as exc:
            self.show_error(exc.message)
            return False
        if not values and not self.is_new and not self.always_save:
            self.saved.emit(None)
            return True
        return self._save(values, self.version)

    def _save(self, values: dict[str, Any], version: int | None) -> bool:
        try:
            result = self._call_save(values, version)
        except ConflictError as exc:
            return self._conflict(exc, values)
        except Problems as exc:
            first = next(iter(exc.by_field), None)
            if first in self.editors:
                self.editors[first].setFocus()
            self.show_error(exc.message)
            return False
        except (DatabaseBusy, DatabaseMissing, ReadOnlyDatabase) as exc:
            self.show_error(exc.message + "\n" + _entries_kept(exc))
            return False
        except CrmError as exc:
            self.show_error(exc.message)
            return False
        self.saved.emit(result)
        return True

    def _call_save(self, values: dict[str, Any], version: int | None) -> Any:
        """Call save with the wait cursor showing (it may wait for another PC's write lock)."""
        assert self.save_fn is not None, "a form that saves needs a save callable"
        QApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))
        try:
            return self.save_fn(values, version)
        finally:
            QApplication.restoreOverrideCursor()

    def _conflict(self, exc: ConflictError, values: dict[str, Any]) -> bool:
        """Ask theirs / mine / merged / cancel, and act on it; True when saved in the end."""
        self.show_error(self.describe_conflict(exc))
        notes = self.conflict_notes(exc) if self.conflict_notes is not None else []
        dialog = ConflictDialog(
            self.conflict_rows(exc),
            changed_by=exc.changed_by,
            changed_at=exc.changed_at,
            notes=notes,
            parent=self,
        )
        try:
            decision = prompts.ask_conflict(dialog)
            to_save = dialog.values_to_save(values)
        finally:
            dialog.deleteLater()
        if decision in ("mine", "merged"):
            self.clear_error()
            return self._save(to_save, exc.current_version)
        if decision == "theirs":
            fresh = dict(self.reload_fn()) if self.reload_fn is not None else None
            if fresh is None:
                fresh = {**self.initial, **exc.theirs, "version": exc.current_version}
            self.set_values(fresh)
            self.show_error(_("The form now shows the values saved by the other person."))
        return False

    def conflict_rows(self, exc: ConflictError) -> list[ConflictRow]:
        """The fields of a conflict as a person reads them (labels, choice names, amounts)."""
        by_key = {spec.key: spec for spec in self.fields}
        rows = []
        for conflict in exc.conflicts:
            spec = by_key.get(conflict.field)
            rows.append(
                ConflictRow(
                    key=conflict.field,
                    label=spec.label if spec is not None else conflict.field,
                    theirs=conflict.theirs,
                    yours=conflict.yours,
                    theirs_text=self.display(spec, conflict.theirs),
                    yours_text=self.display(spec, conflict.yours),
                    both_changed=not _same(self.initial.get(conflict.field), conflict.theirs),
                )
            )
        return rows

    def describe_conflict(self, exc: ConflictError) -> str:
        """The conflict as text for the form's error line: who saved, each field, notes."""
        lines = [exc.message]
        if exc.changed_by or exc.changed_at:
            lines.append(who_saved(exc.changed_by, exc.changed_at))
        lines.extend(describe_row(row) for row in self.conflict_rows(exc))
        notes = self.conflict_notes(exc) if self.conflict_notes is not None else []
        lines.extend(notes)
        if not exc.conflicts and not notes:
            lines.append(_("Your changes do not differ from what is saved now."))
        return "\n".join(lines)

    def display(self, spec: Field | None, value: Any) -> str:
        """A value as a person reads it (choice names, Yes/No, amounts)."""
        if value is None or value == "":
            return _("(empty)")
        if spec is None:
            return str(value)
        editor = self.editors[spec.key]
        if isinstance(editor, QComboBox):
            index = editor.findData(value)
            return editor.itemText(index) if index >= 0 else str(value)
        if spec.kind == "bool":
            return _("Yes") if value else _("No")
        if spec.kind == "money":
            return format_money(to_money(value))
        if spec.kind == "image":
            return _("(an image)")
        if spec.kind == "password":
            return "***"
        return str(value)


def _same(first: Any, second: Any) -> bool:
    """Equal as a person sees it: an empty text and no value are the same."""
    if first in (None, "") and second in (None, ""):
        return True
    return bool(first == second)


def _entries_kept(exc: CrmError) -> str:
    """What the person can do now that the save did not happen; their typing is still there."""
    if isinstance(exc, DatabaseBusy):
        return _("Your entries are kept; press Save again in a moment.")
    if isinstance(exc, ReadOnlyDatabase):
        return _(
            "Your entries are kept; press Save again once the file can be written "
            "(ask whoever manages the shared folder)."
        )
    return _("Your entries are kept; press Save again when the database is back.")


class FormDialog(QDialog):
    """A `FormPanel` in a dialog: Save (Ctrl+S) keeps it open on errors; Esc cancels.

    `note` is an explanation shown above the fields. `record` (entity, id) with `presence`
    (the database and this session's presence key) turns on the soft lock for an existing record:
    others see this dialog as editing it, and the `editing` banner names who else is.
    """

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        values: Mapping[str, Any] | None = None,
        save: SaveFn | None = None,
        *,
        reload: Callable[[], Mapping[str, Any]] | None = None,
        note: str = "",
        record: tuple[str, int] | None = None,
        presence: tuple[Database, str | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.result_value: Any = None
        self.panel = FormPanel(fields, values, save, reload=reload, parent=self)
        # Own buttons, not the standard Save: that one may carry Ctrl+S itself on some
        # platforms, and two Ctrl+S shortcuts in one window cancel each other out.
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(_("Save"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.save_button.setDefault(True)
        self.buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.submit)
        layout = QVBoxLayout(self)
        self.editing = EditingBanner()
        layout.addWidget(self.editing)
        if note:
            self.note = QLabel(note)
            self.note.setWordWrap(True)
            layout.addWidget(self.note)
        layout.addWidget(self.panel)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        first = next((e for e in self.panel.editors.values() if e.isEnabled()), None)
        if first is not None:
            first.setFocus()
        if record is not None and presence is not None:
            self.editing.watch(presence[0], presence[1], *record)

    def editor(self, key: str) -> QWidget:
        return self.panel.editor(key)

    def done(self, result: int) -> None:
        self.editing.release()  # closed (saved, cancelled, Esc): no longer editing the record
        super().done(result)

    def submit(self) -> None:
        self.panel.saved.connect(self._store_result)
        try:
            if self.panel.submit():
                self.accept()
        finally:
            self.panel.saved.disconnect(self._store_result)

    def _store_result(self, result: Any) -> None:
        self.result_value = result
