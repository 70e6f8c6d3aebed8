"""The wizard's fourth page: how to import (mode, match key, missing base data) and a preview.

The preview is the engine's own plan for the first rows (`engine.preview_import`, read-only),
computed off the GUI thread because it reads the whole file again: each row as it will be stored,
what will happen to it (create, update, unchanged, skip, error), cells that cannot be stored in
red with the reason as tooltip, cells an update changes in yellow with the old value.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
)

from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _
from crm_desktop.core.importing.model import (
    MATCH_KEY_LABELS,
    MODE_LABELS,
    FieldSpec,
    ImportMode,
    MatchKey,
    Preview,
    RowAction,
    RowPlan,
    SheetData,
)
from crm_desktop.core.models.basedata import BASE_DATA_LABELS, BaseDataKind
from crm_desktop.ui import ops
from crm_desktop.ui.importing.common import (
    ACTION_COLOURS,
    ACTION_LABELS,
    CHANGED_BACKGROUND,
    PROBLEM_BACKGROUND,
    PROBLEM_TEXT,
    cell_text,
    label_list,
    value_text,
)
from crm_desktop.ui.importing.mapping_page import field_specs
from crm_desktop.ui.importing.source_pages import (
    WizardPageBase,
    busy_bar,
    problem_label,
    radio_choices,
    read_only_table,
    show_problem,
)

PREVIEW_ROWS = 200
NUMBER_KINDS = ("money", "decimal", "int", "percent")  # right-aligned
LOOKUP_KINDS = ("base:", "operator", "customer", "product")
Index = QModelIndex | QPersistentModelIndex


def match_keys(kind: Any) -> tuple[MatchKey, ...]:
    from crm_desktop.core.importing.fields import MATCH_KEYS

    return tuple(MATCH_KEYS.get(kind, (MatchKey.NAME,)))


def base_kind_label(key: str, specs: tuple[FieldSpec, ...]) -> str:
    """How a kind of base data is named in "create missing" (the field's label when one says
    `base:<kind>`, else the base data list's name)."""
    for spec in specs:
        if spec.kind == f"base:{key}" or spec.key == key:
            return _(spec.label)
    try:
        return _(BASE_DATA_LABELS[BaseDataKind(key)])
    except ValueError:
        return key


class PreviewModel(QAbstractTableModel):
    """Row, action, the mapped fields (in field order) and a note, for the previewed rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plans: list[RowPlan] = []
        self.fields: list[FieldSpec] = []
        self.columns_of: dict[str, int] = {}  # field key -> sheet column (for raw text)
        self.data_: SheetData | None = None
        self.bold = QFont()
        self.bold.setBold(True)

    def set_preview(self, preview: Preview, specs: tuple[FieldSpec, ...], data: Any) -> None:
        self.beginResetModel()
        mapped = {key: column for column, key in preview.mapping.items()}
        self.fields = [spec for spec in specs if spec.key in mapped]
        self.columns_of = mapped
        self.plans = list(preview.rows)
        self.data_ = data
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self.plans, self.fields = [], []
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.plans)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.fields) + 3

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section == 0:
            return _("Row")
        if section == 1:
            return _("Action")
        if section == len(self.fields) + 2:
            return _("Note")
        return _(self.fields[section - 2].label)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        plan = self.plans[index.row()]
        column = index.column()
        if column == 0:
            return str(plan.line) if role == Qt.ItemDataRole.DisplayRole else None
        if column == 1:
            return self._action(plan, role)
        if column == len(self.fields) + 2:
            return self._note(plan) if role in (0, Qt.ItemDataRole.ToolTipRole) else None
        return self._cell(plan, self.fields[column - 2], role)

    def _action(self, plan: RowPlan, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return _(ACTION_LABELS[RowAction(plan.action)])
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(ACTION_COLOURS[RowAction(plan.action)])
        if role == Qt.ItemDataRole.FontRole:
            return self.bold
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._note(plan) or None
        if role == Qt.ItemDataRole.BackgroundRole and plan.action == RowAction.ERROR:
            return QBrush(PROBLEM_BACKGROUND)
        return None

    def _note(self, plan: RowPlan) -> str:
        """The row's message, plus problems of fields that have no column here."""
        shown = {spec.key for spec in self.fields}
        extra = [text for key, text in plan.problems.items() if key not in shown]
        return "; ".join(part for part in [plan.message, *extra] if part)

    def _cell(self, plan: RowPlan, spec: FieldSpec, role: int) -> Any:
        problem = plan.problems.get(spec.key)
        change = plan.changes.get(spec.key)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(plan, spec)
        if role == Qt.ItemDataRole.BackgroundRole:
            if problem:
                return QBrush(PROBLEM_BACKGROUND)
            if change is not None:
                return QBrush(CHANGED_BACKGROUND)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and problem:
            return QBrush(PROBLEM_TEXT)
        if role == Qt.ItemDataRole.ToolTipRole:
            if problem:
                return problem
            if change is not None:
                old, _new = change
                return _("Now: {old}").format(old=value_text(old, spec.kind) or _("(empty)"))
        if role == Qt.ItemDataRole.TextAlignmentRole and spec.kind in NUMBER_KINDS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, plan: RowPlan, spec: FieldSpec) -> str:
        """What will be stored; names looked up in base data show as the sheet writes them, and a
        cell that cannot be converted shows what the sheet holds."""
        value = plan.values.get(spec.key)
        lookup = spec.kind.startswith(LOOKUP_KINDS)
        if (value is None or lookup or spec.key in plan.problems) and self.data_ is not None:
            raw = self._raw(plan.line, self.columns_of.get(spec.key))
            if raw or value is None:
                return raw
        return value_text(value, spec.kind)

    def _raw(self, line: int, column: int | None) -> str:
        rows = self.data_.rows if self.data_ is not None else []
        if column is None or not 0 < line <= len(rows):
            return ""
        cells = rows[line - 1]
        return cell_text(cells[column]) if column < len(cells) else ""


class PreviewPage(WizardPageBase):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(_("Options and preview"))
        self.setSubTitle(
            _(
                "How existing records are treated, and the first rows as they will be stored. "
                "Red cells cannot be imported as they are (point at one to see why)."
            )
        )
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, _("Import"))
        self.preview: Preview | None = None
        self.loading = False
        self._again = False
        self._generation = 0
        self.operation: ops.Operation | None = None

        self.mode_group = QButtonGroup(self)
        mode_box = QGroupBox(_("What to do"))
        self.mode_buttons = radio_choices(
            self.mode_group,
            QVBoxLayout(mode_box),
            ImportMode,
            MODE_LABELS,
            "mode",
            self._mode_chosen,
        )
        self.key_box = QGroupBox(_("Find existing records by"))
        self.key_layout = QVBoxLayout(self.key_box)
        self.key_group = QButtonGroup(self)
        self.key_buttons: dict[MatchKey, QRadioButton] = {}
        self._keys_for: object = None  # the kind the key buttons were made for

        self.create_missing = QCheckBox(_("Create missing base data entries"))
        self.create_missing.setObjectName("createMissing")
        self.create_missing.toggled.connect(self._create_missing_toggled)
        self.missing_label = QLabel()
        self.missing_label.setObjectName("missingBaseData")
        self.missing_label.setWordWrap(True)
        self.missing_label.setIndent(22)
        self.counts = QLabel()
        self.counts.setObjectName("previewCounts")
        self.counts.setWordWrap(True)
        self.busy = busy_bar()
        self.problem = problem_label()
        self.model = PreviewModel(self)
        self.table = QTableView()
        self.table.setObjectName("previewTable")
        self.table.setModel(self.model)
        read_only_table(self.table)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)

        boxes = QHBoxLayout()
        boxes.addWidget(mode_box)
        boxes.addWidget(self.key_box)
        boxes.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(boxes)
        layout.addWidget(self.create_missing)
        layout.addWidget(self.missing_label)
        layout.addWidget(self.busy)
        layout.addWidget(self.counts)
        layout.addWidget(self.problem)
        layout.addWidget(self.table, 1)

    # --- options -----------------------------------------------------------------------------
    def initializePage(self) -> None:
        state = self.wiz().state
        self._fill_keys()
        blocked = [button.blockSignals(True) for button in self.mode_buttons.values()]
        self.mode_buttons[state.mode].setChecked(True)
        for button, was in zip(self.mode_buttons.values(), blocked, strict=True):
            button.blockSignals(was)
        self.create_missing.blockSignals(True)
        self.create_missing.setChecked(state.create_missing)
        self.create_missing.blockSignals(False)
        self.refresh()

    def cleanupPage(self) -> None:
        """Going back keeps the options (QWizard would reset the fields)."""
        self._generation += 1  # a preview still running is no longer wanted
        self.loading = False

    def _fill_keys(self) -> None:
        state = self.wiz().state
        keys = match_keys(state.kind)
        if state.key not in keys or self._keys_for != state.kind:
            state.key = keys[0]  # each kind's natural key first (products: the code)
        self._keys_for = state.kind
        for button in self.key_buttons.values():
            self.key_group.removeButton(button)
            button.deleteLater()
        self.key_buttons = radio_choices(
            self.key_group,
            self.key_layout,
            keys,
            MATCH_KEY_LABELS,
            "key",
            self._key_chosen,
            checked=state.key,
        )
        self.key_box.setEnabled(state.mode != ImportMode.CREATE or len(keys) > 0)

    def _mode_chosen(self, mode: ImportMode) -> None:
        self.wiz().state.mode = mode
        self.refresh()

    def _key_chosen(self, key: MatchKey) -> None:
        self.wiz().state.key = key
        self.refresh()

    def _create_missing_toggled(self, on: bool) -> None:
        self.wiz().state.create_missing = on
        self.refresh()

    def set_mode(self, mode: ImportMode) -> None:
        self.mode_buttons[mode].setChecked(True)

    def set_key(self, key: MatchKey) -> None:
        self.key_buttons[key].setChecked(True)

    # --- the preview -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Compute the preview again (after the one running, if any)."""
        if self.loading:
            self._again = True
            return
        wizard = self.wiz()
        ctx, request, sheet = wizard.ctx, wizard.state.request(), wizard.state.data
        self._generation += 1
        generation = self._generation
        self.loading, self._again = True, False
        self.busy.show()
        self.counts.setText(_("Preparing the preview…"))
        show_problem(self.problem, "")
        self.completeChanged.emit()

        def work(_progress: Any) -> Preview:
            from crm_desktop.core.importing import engine

            return engine.preview_import(
                ctx.db, ctx.actor, request, limit=PREVIEW_ROWS, sheet=sheet
            )

        self.operation = ops.run(
            work,
            parent=self,
            show_progress=False,
            on_success=lambda preview: self._previewed(generation, preview),
            on_error=lambda exc: self._failed(generation, exc),
        )

    def _finish_loading(self, generation: int) -> bool:
        """True when this result is still wanted; starts the next preview if options changed."""
        if generation != self._generation:
            return False
        self.loading = False
        self.busy.hide()
        if self._again:
            self.refresh()
            return False
        return True

    def _previewed(self, generation: int, preview: Preview) -> None:
        if not self._finish_loading(generation):
            return
        state = self.wiz().state
        self.preview = preview
        specs = field_specs(state.kind)
        self.model.set_preview(preview, specs, state.data)
        self._size_columns()
        self._show_missing(preview, specs)
        self.counts.setText(self._counts_text(preview))
        unmapped = [_(spec.label) for spec in specs if spec.key in preview.unmapped_required]
        show_problem(
            self.problem,
            _("No column is mapped to {fields}: go back and choose one.").format(
                fields=", ".join(unmapped)
            )
            if unmapped
            else "",
        )
        self.completeChanged.emit()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if not self._finish_loading(generation):
            return
        self.preview = None
        self.model.clear()
        self.counts.clear()
        if isinstance(exc, CrmError):
            show_problem(self.problem, exc.message)
        else:
            show_problem(self.problem, _("The preview could not be prepared."))
            from crm_desktop.ui.messages import show_error

            show_error(self, exc)
        self.completeChanged.emit()

    def _size_columns(self) -> None:
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount()):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column) + 8, 240))

    def _show_missing(self, preview: Preview, specs: tuple[FieldSpec, ...]) -> None:
        missing = {key: names for key, names in preview.missing_base_data.items() if names}
        self.create_missing.setVisible(bool(missing) or self.create_missing.isChecked())
        lines = [
            f"{base_kind_label(key, specs)}: {label_list(sorted(names))}"
            for key, names in missing.items()
        ]
        intro = (
            _("Not in the base data yet (created when ticked):")
            if not self.create_missing.isChecked()
            else _("Will be created:")
        )
        self.missing_label.setText("\n".join([intro, *lines]) if lines else "")
        self.missing_label.setVisible(bool(lines))

    def _counts_text(self, preview: Preview) -> str:
        tally = {action: 0 for action in RowAction}
        for plan in preview.rows:
            tally[RowAction(plan.action)] += 1
        shown = len(preview.rows)
        parts = _(
            "{create} to create, {update} to update, {unchanged} unchanged, {skip} skipped, "
            "{error} with errors"
        ).format(
            create=tally[RowAction.CREATE],
            update=tally[RowAction.UPDATE],
            unchanged=tally[RowAction.UNCHANGED],
            skip=tally[RowAction.SKIP],
            error=tally[RowAction.ERROR],
        )
        if shown >= preview.total_rows:
            return _("All {total} rows: {parts}.").format(
                total=f"{preview.total_rows:,}", parts=parts
            )
        return _("{total} rows in the sheet; of the first {shown}: {parts}.").format(
            total=f"{preview.total_rows:,}", shown=shown, parts=parts
        )

    def isComplete(self) -> bool:
        preview = self.preview
        return (
            not self.loading
            and preview is not None
            and preview.total_rows > 0
            and not preview.unmapped_required
        )
