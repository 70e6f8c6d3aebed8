"""The wizard's first two pages: which file and what it holds, then which sheet and header row.

The sheet is read off the GUI thread (`engine.load_sheet`: a 100,000-row workbook takes seconds),
once per file, kind and sheet; the header row the engine detected is shown highlighted in the
first rows of the sheet, and a click on another row (or the spin box) corrects it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QDragEnterEvent, QDropEvent, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _
from crm_desktop.core.importing.columns import column_letter
from crm_desktop.core.importing.model import KIND_LABELS, ImportKind, ImportRequest
from crm_desktop.ui import ops
from crm_desktop.ui.importing import common
from crm_desktop.ui.importing.common import (
    ABOVE_HEADER,
    HEADER_BACKGROUND,
    cell_text,
)

if TYPE_CHECKING:
    from crm_desktop.ui.importing.wizard import ImportWizard

SHOWN_ROWS = 30  # raw rows shown to pick the header row from
SHOWN_COLUMNS = 40
MAX_COLUMN_WIDTH = 240
READABLE = (".xlsx", ".xlsm", ".xls", ".csv", ".txt")

E = TypeVar("E", bound=StrEnum)


def problem_label() -> QLabel:
    """A red line for a readable problem, hidden while empty."""
    label = QLabel()
    label.setObjectName("problem")
    label.setWordWrap(True)
    label.setStyleSheet("QLabel#problem { color: #b02a37; }")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def show_problem(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def is_banner(row: list[Any]) -> bool:
    """A title or note row: text in the first cell only (a merged banner keeps it there)."""
    filled = [value for value in row if value not in (None, "")]
    return len(filled) == 1 and row[0] not in (None, "")


def busy_bar() -> QProgressBar:
    """An indeterminate bar shown while the file is read."""
    bar = QProgressBar()
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setMaximumHeight(8)
    bar.hide()
    return bar


def radio_choices(
    group: QButtonGroup,
    layout: QBoxLayout,
    choices: Iterable[E],
    labels: Mapping[E, str],
    prefix: str,
    chosen: Callable[[E], object],
    checked: E | None = None,
) -> dict[E, QRadioButton]:
    """One radio button per choice (named `<prefix>_<value>`, `checked` ticked before any signal
    is connected) in `group` and `layout`; `chosen(choice)` runs when the person ticks one. The
    file kinds, the import modes and the match keys are all picked this way."""
    buttons: dict[E, QRadioButton] = {}
    for choice in choices:
        button = QRadioButton(_(labels[choice]))
        button.setObjectName(f"{prefix}_{choice.value}")
        button.setChecked(choice == checked)
        group.addButton(button)
        buttons[choice] = button
        layout.addWidget(button)
        button.toggled.connect(lambda on, c=choice: on and chosen(c))
    return buttons


def read_only_table(table: QAbstractItemView, padding: int = 8) -> None:
    """A table the wizard only shows: no editing, one text line per row (`padding` adds room)."""
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + padding)


class WizardPageBase(QWizardPage):
    """A page that knows its wizard (and so the shared state and the context)."""

    def wiz(self) -> ImportWizard:
        return self.wizard()  # type: ignore[return-value]


# --- 1. file and kind ----------------------------------------------------------------------------


class FilePage(WizardPageBase):
    def __init__(self, kinds: list[ImportKind], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(_("Choose the file"))
        self.setSubTitle(
            _(
                "An Excel workbook (.xlsx, .xls) or a CSV file. Title rows above the header, "
                "several sheets and Chinese CSV files are fine. You can also drop the file here."
            )
        )
        self.setAcceptDrops(True)
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("importPath")
        self.path_edit.setPlaceholderText(_("Drop a file here or press Browse…"))
        self.path_edit.textChanged.connect(self._path_edited)
        self.browse_button = QPushButton(_("Browse…"))
        self.browse_button.clicked.connect(self.browse)
        self.problem = problem_label()

        self.kind_group = QButtonGroup(self)
        kinds_box = QGroupBox(_("What does the file hold?"))
        kinds_layout = QVBoxLayout(kinds_box)
        self.kind_buttons = radio_choices(
            self.kind_group, kinds_layout, kinds, KIND_LABELS, "kind", self._kind_chosen
        )
        self.required_hint = QLabel()
        self.required_hint.setObjectName("requiredColumns")
        self.required_hint.setWordWrap(True)
        kinds_layout.addWidget(self.required_hint)

        self.drop_zone = QLabel()
        self.drop_zone.setObjectName("dropZone")
        self.drop_zone.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_zone.setWordWrap(True)
        self.drop_zone.setMinimumHeight(120)
        self.drop_zone.setStyleSheet(
            "QLabel#dropZone { border: 2px dashed palette(mid); border-radius: 8px;"
            " padding: 16px; }"
        )
        self._show_drop_zone(None)

        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("File:")))
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addWidget(self.drop_zone, 1)
        layout.addSpacing(8)
        layout.addWidget(kinds_box)

    def initializePage(self) -> None:
        state = self.wiz().state
        button = self.kind_buttons.get(state.kind)
        if button is not None:
            button.setChecked(True)
        if state.path is not None:
            self.path_edit.setText(str(state.path))

    def cleanupPage(self) -> None:
        """Going back to this page keeps what was chosen (QWizard would reset it)."""

    def _kind_chosen(self, kind: ImportKind) -> None:
        self.wiz().state.kind = kind
        self._show_required(kind)
        self.completeChanged.emit()

    def _show_required(self, kind: ImportKind) -> None:
        try:
            from crm_desktop.core.importing.fields import FIELDS
        except ImportError:  # the engine is not there (yet): say nothing rather than fail
            self.required_hint.clear()
            return
        required = [_(spec.label) for spec in FIELDS.get(kind, ()) if spec.required]
        self.required_hint.setText(
            _("Columns the file must have: {fields}").format(fields=", ".join(required))
            if required
            else ""
        )

    def browse(self) -> None:
        current = self.path_edit.text().strip()
        folder = str(Path(current).parent) if current else common.recent_folder()
        chosen = common.choose_file(self, folder)
        if chosen:
            self.set_path(chosen)

    def set_path(self, path: str) -> None:
        self.path_edit.setText(path)

    def _path_edited(self, text: str) -> None:
        text = text.strip()
        path = Path(text) if text else None
        self.wiz().state.path = path if path is not None and path.is_file() else None
        self._show_drop_zone(self.wiz().state.path)
        show_problem(
            self.problem,
            _("There is no file “{path}”.").format(path=text)
            if path is not None and not path.is_file()
            else "",
        )
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        state = self.wiz().state
        return state.path is not None and state.kind in self.kind_buttons

    def validatePage(self) -> bool:
        path = self.wiz().state.path
        if path is not None:
            common.remember_folder(path)
        return path is not None

    def _show_drop_zone(self, path: Path | None) -> None:
        if path is None:
            self.drop_zone.setText(_("Drop an Excel or CSV file here"))
            return
        size = f"{max(1, round(path.stat().st_size / 1024)):,}"
        where = _("{size} KB, in {folder}").format(size=size, folder=path.parent)
        self.drop_zone.setText(f"<big><b>{escape(path.name)}</b></big><br>{escape(where)}")

    # --- drag and drop -----------------------------------------------------------------------
    def _dropped_file(self, event: QDragEnterEvent | QDropEvent) -> str | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        files = [url.toLocalFile() for url in urls if url.isLocalFile()]
        return files[0] if len(files) == 1 and Path(files[0]).is_file() else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_file(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_file(event)
        if path:
            self.set_path(path)
            event.acceptProposedAction()


# --- 2. sheet and header row ---------------------------------------------------------------------


class SheetPage(WizardPageBase):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(_("Sheet and header row"))
        self.setSubTitle(
            _(
                "The highlighted row holds the column names; the rows below it are imported. "
                "If it is the wrong row, click the right one or change the number."
            )
        )
        self.loaded_for: tuple[Any, ...] | None = None  # (path, kind, sheet) read last
        self.loading = False
        self.operation: ops.Operation | None = None
        self._generation = 0

        self.sheet_label = QLabel(_("Sheet:"))
        self.sheet_combo = QComboBox()
        self.sheet_combo.setObjectName("sheetCombo")
        self.sheet_combo.setMinimumContentsLength(16)
        self.sheet_combo.currentIndexChanged.connect(self._sheet_chosen)
        self.header_spin = QSpinBox()
        self.header_spin.setObjectName("headerRow")
        self.header_spin.setMinimum(1)
        self.header_spin.valueChanged.connect(lambda value: self.set_header_row(value - 1))
        self.busy = busy_bar()
        self.status = QLabel()
        self.problem = problem_label()
        self.table = QTableWidget()
        self.table.setObjectName("rawRows")
        read_only_table(self.table)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.cellClicked.connect(lambda row, _column: self.set_header_row(row))
        self.table.verticalHeader().sectionClicked.connect(self.set_header_row)

        top = QGridLayout()
        top.addWidget(self.sheet_label, 0, 0)
        top.addWidget(self.sheet_combo, 0, 1)
        top.addWidget(QLabel(_("Header row:")), 1, 0)
        top.addWidget(self.header_spin, 1, 1)
        top.setColumnStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addWidget(self.problem)
        layout.addWidget(self.table, 1)

    # --- loading -----------------------------------------------------------------------------
    def initializePage(self) -> None:
        state = self.wiz().state
        wanted = (state.path, state.kind, state.sheet)
        if wanted != self.loaded_for:
            if self.loaded_for is None or self.loaded_for[:2] != wanted[:2]:
                state.sheet = None  # another file: its first sheet, the header detected again
            self.load()

    def cleanupPage(self) -> None:
        """Going back keeps the sheet and header row (QWizard would reset the fields)."""

    def load(self) -> None:
        """Read the chosen sheet off the GUI thread; detect its header row and mapping."""
        state = self.wiz().state
        request = ImportRequest(kind=state.kind, path=state.path, sheet=state.sheet)  # type: ignore[arg-type]
        self._generation += 1
        generation = self._generation
        self.loading = True
        self.busy.show()
        self.status.setText(_("Reading {name}…").format(name=state.path.name if state.path else ""))
        show_problem(self.problem, "")
        self.completeChanged.emit()

        def work(_progress: Any) -> Any:
            from crm_desktop.core.importing import engine, readers

            loaded = engine.load_sheet(request)
            sheets = list(loaded[0].sheets) or readers.list_sheets(request.path)
            return loaded, sheets

        self.operation = ops.run(
            work,
            parent=self,
            show_progress=False,
            on_success=lambda result: self._loaded(generation, request, *result),
            on_error=lambda exc: self._failed(generation, exc),
        )

    def _loaded(self, generation: int, request: ImportRequest, loaded: Any, sheets: Any) -> None:
        if generation != self._generation:
            return
        data, header_row, headers, mapping = loaded
        state = self.wiz().state
        state.data, state.sheets = data, list(sheets)
        state.sheet = data.sheet if not state.is_text_file else None
        state.header_row, state.headers, state.mapping = header_row, list(headers), dict(mapping)
        self.loaded_for = (request.path, request.kind, state.sheet)
        self.wiz().sheet_loaded()
        self._done_loading("")
        self._fill_sheets()
        self._fill_table()
        blocked = self.header_spin.blockSignals(True)
        self.header_spin.setMaximum(max(1, len(data.rows)))
        self.header_spin.setValue(header_row + 1)
        self.header_spin.blockSignals(blocked)
        self._show_header()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.loaded_for = None
        state = self.wiz().state
        state.data = None
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        if isinstance(exc, CrmError):
            self._done_loading(exc.message)
        else:
            self._done_loading(_("The file could not be read."))
            from crm_desktop.ui.messages import show_error

            show_error(self, exc)

    def _done_loading(self, problem: str) -> None:
        self.loading = False
        self.busy.hide()
        self.status.clear()
        show_problem(self.problem, problem)
        self.completeChanged.emit()

    def _fill_sheets(self) -> None:
        state = self.wiz().state
        blocked = self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        for name in state.sheets:
            self.sheet_combo.addItem(name, name)
        self.sheet_combo.setCurrentIndex(max(0, self.sheet_combo.findData(state.sheet)))
        self.sheet_combo.blockSignals(blocked)
        text_file = state.is_text_file
        self.sheet_combo.setVisible(not text_file)
        self.sheet_label.setVisible(not text_file)

    def _sheet_chosen(self, index: int) -> None:
        state = self.wiz().state
        name = self.sheet_combo.itemData(index)
        if index < 0 or name == state.sheet:
            return
        state.sheet = name
        self.load()

    # --- the raw rows ------------------------------------------------------------------------
    def _fill_table(self) -> None:
        data = self.wiz().state.data
        rows = data.rows[:SHOWN_ROWS] if data is not None else []
        width = min(max((len(row) for row in rows), default=0), SHOWN_COLUMNS)
        self.table.clear()
        self.table.setRowCount(len(rows))
        self.table.setColumnCount(width)
        self.table.setHorizontalHeaderLabels([column_letter(i) for i in range(width)])
        self.table.setVerticalHeaderLabels([str(i + 1) for i in range(len(rows))])
        self.table.clearSpans()
        for r, row in enumerate(rows):
            for c, value in enumerate(row[:width]):
                text = cell_text(value)
                if text:
                    item = QTableWidgetItem(text)
                    item.setToolTip(text if len(text) > 30 else "")
                    self.table.setItem(r, c, item)
            if width > 1 and is_banner(row):  # a merged title: shown across, as in Excel
                self.table.setSpan(r, 0, 1, width)
        self._size_columns(rows, width)

    def _size_columns(self, rows: list[list[Any]], width: int) -> None:
        """Fit the columns to the table's cells (bold, as the header row shows), not to banners
        that span the sheet."""
        bold = QFont(self.table.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        header = self.table.horizontalHeader().fontMetrics()
        for column in range(width):
            texts = [
                cell_text(row[column]) for row in rows if column < len(row) and not is_banner(row)
            ]
            widest = max((metrics.horizontalAdvance(text) for text in texts), default=0)
            widest = max(widest, header.horizontalAdvance(column_letter(column)))
            self.table.setColumnWidth(column, min(widest + 16, MAX_COLUMN_WIDTH))

    def set_header_row(self, row: int) -> None:
        """The person says which row holds the column names (0-based)."""
        state = self.wiz().state
        if state.data is None or not 0 <= row < len(state.data.rows) or row == state.header_row:
            if state.data is not None and row == state.header_row:
                self._sync_spin(row)
            return
        from crm_desktop.core.importing import header, mapping

        state.header_row = row
        state.headers = header.header_texts(state.data.rows, row)
        state.mapping = dict(mapping.suggest_mapping(state.kind, state.headers))
        self.wiz().header_changed()
        self._sync_spin(row)
        self._show_header()
        self.completeChanged.emit()

    def _sync_spin(self, row: int) -> None:
        blocked = self.header_spin.blockSignals(True)
        self.header_spin.setValue(row + 1)
        self.header_spin.blockSignals(blocked)

    def _show_header(self) -> None:
        """Highlight the header row; grey out the title rows above it."""
        header_row = self.wiz().state.header_row
        bold = QFont(self.table.font())
        bold.setBold(True)
        for r in range(self.table.rowCount()):
            for c in range(self.table.columnCount()):
                item = self.table.item(r, c)
                if item is None:
                    item = QTableWidgetItem("")
                    self.table.setItem(r, c, item)
                item.setBackground(QBrush(HEADER_BACKGROUND) if r == header_row else QBrush())
                item.setForeground(QBrush(ABOVE_HEADER) if r < header_row else QBrush())
                item.setFont(bold if r == header_row else self.table.font())
        if 0 <= header_row < self.table.rowCount():
            self.table.scrollToItem(
                self.table.item(header_row, 0), QAbstractItemView.ScrollHint.PositionAtCenter
            )
        headers = [text for text in self.wiz().state.headers if text]
        self.status.setText(
            _("Row {row} has {count} column names.").format(row=header_row + 1, count=len(headers))
            if headers
            else ""
        )
        data = self.wiz().state.data
        empty = _("Row {row} is empty: choose the row with the column names.")
        messages = [
            *(data.notes if data else ()),
            "" if headers else empty.format(row=header_row + 1),
        ]
        show_problem(self.problem, "\n".join(text for text in messages if text))

    def isComplete(self) -> bool:
        state = self.wiz().state
        return not self.loading and state.data is not None and any(state.headers)
