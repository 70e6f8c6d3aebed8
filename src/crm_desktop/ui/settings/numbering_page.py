"""Document numbering: per kind (order, quote, contract, receipt) a prefix, a date part, the
sequence's digits and when it restarts, with the next number shown live as the person edits.

One row per kind in a grid, saved together (Ctrl+S) through `numbering.save_rule`, which checks
`settings.company` and refuses a rule that would repeat numbers (e.g. a daily restart without the
day in the number). The example uses the same `format_number` the service issues numbers with.
A reload never throws away what the person is typing; a save over a newer version reloads that
rule and says so.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from crm_desktop.core.clock import local_today
from crm_desktop.core.errors import ConflictError, CrmError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.services import numbering
from crm_desktop.core.services.numbering import RuleRow
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.settings.common import SettingsPage

KINDS = ("numbering",)
# The date part as a person reads it -> the strftime format the rule stores.
DATE_FORMATS: tuple[tuple[str, str], ...] = (
    ("yyyyMMdd", "%Y%m%d"),
    ("yyyyMM", "%Y%m"),
    ("yyyy", "%Y"),
    (N_("none"), ""),
)
HEADERS = (
    N_("Document"),
    N_("Prefix"),
    N_("Date part"),
    N_("Digits"),
    N_("Sequence restarts"),
    N_("Next number"),
)


class RuleEditor:
    """The editors of one rule's row; `values()` are what the person set."""

    def __init__(self, page: NumberingPage, rule: RuleRow) -> None:
        self.page = page
        self.rule = rule
        kind = rule.kind
        self.label = QLabel(_(numbering.KIND_LABELS.get(kind, kind)))
        self.prefix = QLineEdit()
        self.prefix.setObjectName(f"prefix_{kind}")
        self.prefix.setMaxLength(20)
        self.prefix.setMaximumWidth(120)
        self.date_format = QComboBox()
        self.date_format.setObjectName(f"date_format_{kind}")
        for label, fmt in DATE_FORMATS:
            self.date_format.addItem(_(label), fmt)
        self.digits = QSpinBox()
        self.digits.setObjectName(f"digits_{kind}")
        self.digits.setRange(1, 10)
        self.reset = QComboBox()
        self.reset.setObjectName(f"reset_{kind}")
        for key in numbering.RESETS:
            self.reset.addItem(_(numbering.RESET_LABELS[key]), key)
        self.example = QLabel()
        self.example.setObjectName(f"example_{kind}")
        self.example.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        self.example.setFont(mono)
        self.show(rule)
        self.prefix.textEdited.connect(lambda _text: self.edited())
        self.date_format.currentIndexChanged.connect(lambda _index: self.edited())
        self.digits.valueChanged.connect(lambda _value: self.edited())
        self.reset.currentIndexChanged.connect(lambda _index: self.edited())

    def widgets(self) -> list[QWidget]:
        return [self.label, self.prefix, self.date_format, self.digits, self.reset, self.example]

    def show(self, rule: RuleRow) -> None:
        """Show the stored rule (the baseline for "changed")."""
        self.rule = rule
        editors = (self.prefix, self.date_format, self.digits, self.reset)
        blocked = [editor.blockSignals(True) for editor in editors]
        try:
            self.prefix.setText(rule.prefix)
            index = self.date_format.findData(rule.date_format)
            if index < 0:  # a format set elsewhere (e.g. %y%m%d): keep it offered as it is
                self.date_format.addItem(rule.date_format, rule.date_format)
                index = self.date_format.count() - 1
            self.date_format.setCurrentIndex(index)
            self.digits.setValue(rule.sequence_digits)
            self.reset.setCurrentIndex(max(self.reset.findData(rule.reset), 0))
        finally:
            for editor, was in zip(editors, blocked, strict=True):
                editor.blockSignals(was)
        self.show_example()

    def values(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix.text().strip(),
            "date_format": self.date_format.currentData(),
            "sequence_digits": self.digits.value(),
            "reset": self.reset.currentData(),
        }

    def changed(self) -> dict[str, Any]:
        stored = {
            "prefix": self.rule.prefix,
            "date_format": self.rule.date_format,
            "sequence_digits": self.rule.sequence_digits,
            "reset": self.rule.reset,
        }
        return {key: value for key, value in self.values().items() if stored[key] != value}

    def show_example(self) -> None:
        """The next number as the rule now edited would issue it today."""
        values = self.values()
        self.example.setText(
            numbering.format_number(
                values["prefix"],
                values["date_format"],
                values["sequence_digits"],
                local_today(self.page.ctx.db.clock),
                self.rule.next_sequence,
            )
        )

    def edited(self) -> None:
        self.show_example()
        self.page.status.clear()


class NumberingPage(SettingsPage):
    kinds = KINDS

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        heading = QLabel(_("Document numbering"))
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        heading.setFont(font)
        note = QLabel(
            _(
                "Each number is the prefix, today's date part and a sequence. The sequence "
                "restarts when the period changes, so the date part must show that period. "
                "Numbers already issued are never given again."
            )
        )
        note.setWordWrap(True)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(12)
        for column, title in enumerate(HEADERS):
            header = QLabel(f"<b>{_(title)}</b>")
            self.grid.addWidget(header, 0, column)
        self.grid.setColumnStretch(len(HEADERS), 1)
        self.editors: dict[str, RuleEditor] = {}
        self.status = QLabel()
        self.status.setObjectName("numberingStatus")
        self.status.setWordWrap(True)
        self.save_button = QPushButton(_("Save"))
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        QShortcut(
            QKeySequence.StandardKey.Save,
            self,
            activated=self.save,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)
        self.layout_.addWidget(heading)
        self.layout_.addWidget(note)
        self.layout_.addLayout(self.grid)
        self.layout_.addStretch(1)
        self.layout_.addLayout(buttons)
        self.reload()

    def editor(self, kind: str) -> RuleEditor:
        return self.editors[kind]

    def is_dirty(self) -> bool:
        return any(editor.changed() for editor in self.editors.values())

    def reload(self) -> None:
        if self.is_dirty():
            return  # never throw away what the person is typing
        try:
            rules = numbering.list_rules(self.ctx.db, self.ctx.actor)
        except CrmError as exc:
            self.status.setText(exc.message)
            return
        for rule in rules:
            editor = self.editors.get(rule.kind)
            if editor is None:
                editor = RuleEditor(self, rule)
                self.editors[rule.kind] = editor
                row = len(self.editors)
                for column, widget in enumerate(editor.widgets()):
                    self.grid.addWidget(widget, row, column)
            else:
                editor.show(rule)

    def save(self) -> bool:
        """Save every changed rule; stop at the first refusal and say why."""
        saved = 0
        for editor in self.editors.values():
            changes = editor.changed()
            if not changes:
                continue
            try:
                numbering.save_rule(
                    self.ctx.db, self.ctx.actor, editor.rule.id, editor.rule.version, changes
                )
            except ConflictError as exc:
                self._show_fresh(editor)
                self.status.setText(
                    _(
                        "{message} The page now shows the saved rule; make your change again."
                    ).format(message=exc.message)
                )
                return False
            except CrmError as exc:
                editor.prefix.setFocus()
                self.status.setText(
                    _("{kind}: {message}").format(kind=editor.label.text(), message=exc.message)
                )
                return False
            saved += 1
            self._show_fresh(editor)
        if saved:
            self.status.setText(_("Saved."))
            self.saved(*KINDS)
        return True

    def _show_fresh(self, editor: RuleEditor) -> None:
        fresh = numbering.list_rules(self.ctx.db, self.ctx.actor)
        editor.show(next(rule for rule in fresh if rule.id == editor.rule.id))
