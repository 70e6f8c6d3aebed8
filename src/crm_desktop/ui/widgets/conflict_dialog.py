"""The dialog a save over a newer version opens: the fields side by side, chosen one by one.

Someone else saved the record after this form was opened. Each field the person changed is one
row: what the other person saved ("theirs"), what this person typed ("yours"), and which to
keep (default: yours; a click on a value or the radio buttons chooses). Fields only the other
person changed are not in the table: they keep what was saved, because the form only ever saves
the fields this person changed. The buttons:

- Keep theirs: save nothing; the form reloads the stored values.
- Keep mine: save every field of yours over the newer version.
- Save merged: save only the fields where "yours" is chosen.
- Cancel (Esc): save nothing; the form stays open with what was typed.

The dialog only asks; `decision` and `values_to_save()` say what the person chose, and the form
does the saving.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any, Literal

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.i18n import _
from crm_desktop.ui.widgets.record_table_model import local_time

Decision = Literal["theirs", "mine", "merged"]
Side = Literal["theirs", "yours"]
THEIRS_COLUMN, YOURS_COLUMN, KEEP_COLUMN = 1, 2, 3
CHOSEN = QColor("#dff0d8")  # the value that will be kept
TABLE_MAX_HEIGHT = 420  # pixels; more rows scroll
CELL_LIMIT = 300  # characters of a long value shown in a cell; the tooltip has all of it
QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum" for a widget's size


@dataclass(frozen=True)
class ConflictRow:
    """One field both sides have a value for: the values and how a person reads them.

    `both_changed`: the other person changed this field too (not only you), so the choice
    really matters; such rows are shown in bold.
    """

    key: str
    label: str
    theirs: Any
    yours: Any
    theirs_text: str
    yours_text: str
    both_changed: bool = True


def describe_row(row: ConflictRow) -> str:
    """A row as one line of text (the form's error line and the log of tests)."""
    return _("{field}: theirs “{theirs}” vs yours “{yours}”").format(
        field=row.label, theirs=row.theirs_text, yours=row.yours_text
    )


def who_saved(changed_by: str | None, changed_at: datetime | None) -> str:
    """ "李四 saved this record at 2026-03-05 14:05 (after you opened it)" with what is known."""
    when = local_time(changed_at).strftime("%Y-%m-%d %H:%M") if changed_at else None
    if changed_by and when:
        text = _("{name} saved this record at {when}, after you opened it.")
    elif changed_by:
        text = _("{name} saved this record after you opened it.")
    elif when:
        text = _("Someone else saved this record at {when}, after you opened it.")
    else:
        text = _("Someone else saved this record after you opened it.")
    return text.format(name=changed_by, when=when)


class ConflictDialog(QDialog):
    """Theirs or yours, field by field; see the module docstring for what each button means."""

    def __init__(
        self,
        rows: Sequence[ConflictRow],
        *,
        changed_by: str | None = None,
        changed_at: datetime | None = None,
        notes: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conflictDialog")
        self.setWindowTitle(_("Changed by someone else"))
        self.rows = list(rows)
        self.decision: Decision | None = None
        self.groups: dict[str, QButtonGroup] = {}
        self.radios: dict[tuple[str, Side], QRadioButton] = {}

        self.header = QLabel(who_saved(changed_by, changed_at))
        self.header.setObjectName("conflictHeader")
        self.header.setWordWrap(True)
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.explanation = QLabel(self._explanation())
        self.explanation.setWordWrap(True)
        self.table = QTableWidget(len(self.rows), 4)
        self._fill_table()
        self.notes = QLabel("\n".join(notes))
        self.notes.setWordWrap(True)
        self.notes.setVisible(bool(notes))

        self.buttons = QDialogButtonBox()
        role = QDialogButtonBox.ButtonRole
        self.theirs_button = self.buttons.addButton(_("Keep theirs"), role.ActionRole)
        self.theirs_button.setToolTip(_("Save nothing; show the values the other person saved."))
        self.mine_button = self.buttons.addButton(_("Keep mine"), role.ActionRole)
        self.mine_button.setToolTip(_("Save all your values over theirs."))
        self.merged_button = self.buttons.addButton(_("Save merged"), role.AcceptRole)
        self.merged_button.setToolTip(_("Save the values chosen in the table."))
        self.cancel_button = self.buttons.addButton(_("Cancel"), role.RejectRole)
        self.cancel_button.setToolTip(_("Save nothing; the form stays open as you left it."))
        self.merged_button.setDefault(True)
        self.theirs_button.clicked.connect(lambda: self.answer("theirs"))
        self.mine_button.clicked.connect(lambda: self.answer("mine"))
        self.merged_button.clicked.connect(lambda: self.answer("merged"))
        self.cancel_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.explanation)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notes)
        layout.addWidget(self.buttons)
        self._chain_focus()
        self._fit()

    # --- building ------------------------------------------------------------------------------
    def _explanation(self) -> str:
        text = _(
            "Choose for each field which value to keep. Fields you did not change keep what "
            "the other person saved."
        )
        if any(row.both_changed for row in self.rows):
            text += " " + _("Fields in bold were changed by both of you.")
        if not self.rows:
            text = _("Your changes do not differ from what is saved now.")
        return text

    def _fill_table(self) -> None:
        table = self.table
        table.setObjectName("conflictTable")
        table.setHorizontalHeaderLabels(
            [_("Field"), _("Saved by the other person"), _("Yours"), _("Keep")]
        )
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the radio buttons take the keyboard
        table.setTabKeyNavigation(False)
        table.setWordWrap(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(THEIRS_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(YOURS_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(KEEP_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        for index, row in enumerate(self.rows):
            self._fill_row(table, index, row)
        table.cellClicked.connect(self._cell_clicked)
        table.resizeRowsToContents()

    def _fill_row(self, table: QTableWidget, index: int, row: ConflictRow) -> None:
        cells = (row.label, row.theirs_text, row.yours_text)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text[:CELL_LIMIT] + ("…" if len(text) > CELL_LIMIT else ""))
            item.setToolTip(text)
            if row.both_changed:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            table.setItem(index, column, item)
        holder = QWidget()
        box = QHBoxLayout(holder)
        box.setContentsMargins(6, 0, 6, 0)
        group = QButtonGroup(holder)
        for side, text in (("theirs", _("Theirs")), ("yours", _("Yours"))):
            radio = QRadioButton(text)
            radio.setObjectName(f"keep_{side}_{row.key}")
            radio.setAccessibleName(_("Keep {side} for {field}").format(side=text, field=row.label))
            group.addButton(radio)
            box.addWidget(radio)
            self.radios[(row.key, side)] = radio
            radio.toggled.connect(lambda _on, i=index: self._paint(i))
        self.groups[row.key] = group
        table.setCellWidget(index, KEEP_COLUMN, holder)
        self.radios[(row.key, "yours")].setChecked(True)  # the person's own change by default

    def _chain_focus(self) -> None:
        chain: list[QWidget] = [self.radios[(row.key, "yours")] for row in self.rows]
        chain += [self.merged_button, self.mine_button, self.theirs_button, self.cancel_button]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        chain[0].setFocus()

    def _fit(self) -> None:
        """Wide enough for both values; the height follows once the columns have their width."""
        self.table.resizeColumnsToContents()
        self.resize(max(720, self.sizeHint().width()), self.sizeHint().height())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as the rows (a few: no empty space under them; many: a table of a fixed
        height that scrolls). Rows wrap to the column widths, known only when shown."""
        table = self.table
        table.resizeRowsToContents()
        rows_height = sum(table.rowHeight(i) for i in range(table.rowCount()))
        wanted = rows_height + table.horizontalHeader().height() + 2 * table.frameWidth()
        table.setMinimumHeight(min(wanted, TABLE_MAX_HEIGHT))
        table.setMaximumHeight(wanted if wanted <= TABLE_MAX_HEIGHT else QWIDGETSIZE_MAX)
        self.resize(self.width(), self.sizeHint().height())

    # --- choosing ------------------------------------------------------------------------------
    def _cell_clicked(self, index: int, column: int) -> None:
        if column in (THEIRS_COLUMN, YOURS_COLUMN):
            side: Side = "theirs" if column == THEIRS_COLUMN else "yours"
            self.choose(self.rows[index].key, side)

    def _paint(self, index: int) -> None:
        """Tint the value that will be kept, so the whole choice reads at a glance."""
        side = self.choice(self.rows[index].key)
        for column, column_side in ((THEIRS_COLUMN, "theirs"), (YOURS_COLUMN, "yours")):
            item = self.table.item(index, column)
            if item is not None:
                item.setBackground(QBrush(CHOSEN) if side == column_side else QBrush())

    def choose(self, key: str, side: Side) -> None:
        self.radios[(key, side)].setChecked(True)

    def choice(self, key: str) -> Side:
        return "theirs" if self.radios[(key, "theirs")].isChecked() else "yours"

    def answer(self, decision: Decision) -> None:
        """Close with `decision`; "merged" choosing only theirs means keep theirs."""
        if decision == "merged":
            kept = [row for row in self.rows if self.choice(row.key) == "yours"]
            if not kept and self.rows:
                decision = "theirs"
            elif len(kept) == len(self.rows):
                decision = "mine"
        self.decision = decision
        self.accept()

    def values_to_save(self, yours: Mapping[str, Any]) -> dict[str, Any]:
        """What to save of `yours` (everything the person changed): all of it for "mine", for
        "merged" all but the fields where theirs is chosen, nothing for "theirs" or Cancel."""
        if self.decision not in ("mine", "merged"):
            return {}
        theirs = {row.key for row in self.rows if self.choice(row.key) == "theirs"}
        if self.decision == "mine":
            theirs = set()
        return {key: value for key, value in yours.items() if key not in theirs}
