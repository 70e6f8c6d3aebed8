"""The wizard's third page: which field each column of the sheet goes to.

One row per sheet column: its letter, its header text, three sample values and a combo of the
kind's fields (required ones marked *), preselected with the engine's suggestion. A field is taken
by one column at most: choosing it for another column frees the first. Mapping templates are
stored by header text (`mapping.template_mapping`), so a template fits a file whose columns moved.
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _
from crm_desktop.core.importing.columns import column_letter
from crm_desktop.core.importing.model import FieldSpec, Mapping
from crm_desktop.ui.importing import common
from crm_desktop.ui.importing.common import ABOVE_HEADER, cell_text
from crm_desktop.ui.importing.source_pages import (
    WizardPageBase,
    problem_label,
    read_only_table,
    show_problem,
)

SAMPLES = 3
COLUMN, HEADER, SAMPLE_1 = 0, 1, 2
FIELD = SAMPLE_1 + SAMPLES


def field_specs(kind: Any) -> tuple[FieldSpec, ...]:
    from crm_desktop.core.importing.fields import FIELDS

    return tuple(FIELDS.get(kind, ()))


def field_title(spec: FieldSpec) -> str:
    return _(spec.label) + (" *" if spec.required else "")


class MappingPage(WizardPageBase):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(_("Columns and fields"))
        self.setSubTitle(
            _(
                "Choose the field each column goes to; fields marked * are required. Columns "
                "set to “— do not import —” are left out."
            )
        )
        self.combos: list[QComboBox] = []
        self.built_for: tuple[Any, ...] | None = None
        self._templates: list[tuple[int, str]] = []

        self.template_combo = QComboBox()
        self.template_combo.setObjectName("templateCombo")
        self.template_combo.setMinimumContentsLength(18)
        self.template_combo.activated.connect(self._template_chosen)
        self.save_template_button = QPushButton(_("Save as template…"))
        self.save_template_button.setObjectName("saveTemplate")
        self.save_template_button.clicked.connect(self.save_template)
        self.table = QTableWidget()
        self.table.setObjectName("mappingTable")
        self.table.setColumnCount(FIELD + 1)
        self.table.setHorizontalHeaderLabels(
            [_("Column"), _("Header in the file")]
            + [_("Sample {n}").format(n=n + 1) for n in range(SAMPLES)]
            + [_("Import as")]
        )
        read_only_table(self.table, padding=14)  # room for the combo boxes
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.missing = problem_label()
        self.missing.setObjectName("missingRequired")
        self.missing.setStyleSheet("QLabel#missingRequired { color: #b02a37; }")

        top = QHBoxLayout()
        top.addWidget(QLabel(_("Template:")))
        top.addWidget(self.template_combo)
        top.addWidget(self.save_template_button)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.missing)

    # --- building ----------------------------------------------------------------------------
    def initializePage(self) -> None:
        state = self.wiz().state
        key = (id(state.data), state.kind, state.header_row, tuple(state.headers))
        if key != self.built_for:
            self.built_for = key
            self.build()
        self._reload_templates()

    def cleanupPage(self) -> None:
        """Going back keeps the mapping (QWizard would reset the fields)."""

    def build(self) -> None:
        state = self.wiz().state
        specs = field_specs(state.kind)
        samples = self._samples()
        self.table.setRowCount(len(state.headers))
        self.combos = []
        for column, header in enumerate(state.headers):
            self._set(column, COLUMN, column_letter(column))
            item = self._set(column, HEADER, header or _("(no name)"))
            if not header:
                item.setForeground(QBrush(ABOVE_HEADER))
            for n in range(SAMPLES):
                values = samples[n] if n < len(samples) else []
                self._set(column, SAMPLE_1 + n, values[column] if column < len(values) else "")
            combo = QComboBox()
            combo.setObjectName(f"field_{column}")
            combo.addItem(_("— do not import —"), None)
            for spec in specs:
                combo.addItem(field_title(spec), spec.key)
            combo.currentIndexChanged.connect(lambda _i, c=column: self._field_chosen(c))
            self.table.setCellWidget(column, FIELD, combo)
            self.combos.append(combo)
        self.show_mapping(state.mapping)
        self.table.resizeColumnsToContents()
        for column in range(FIELD):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column) + 12, 200))
        widest = max((combo.sizeHint().width() for combo in self.combos), default=160)
        self.table.setColumnWidth(FIELD, widest + 12)

    def _set(self, row: int, column: int, text: str) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        if len(text) > 24:
            item.setToolTip(text)
        self.table.setItem(row, column, item)
        return item

    def _samples(self) -> list[list[str]]:
        """The first data rows below the header, as text."""
        from crm_desktop.core.importing import header

        state = self.wiz().state
        if state.data is None:
            return []
        rows = islice(header.data_rows(state.data.rows, state.header_row), SAMPLES)
        return [[cell_text(value) for value in cells] for _line, cells in rows]

    # --- the mapping -------------------------------------------------------------------------
    def show_mapping(self, mapping: Mapping) -> None:
        """Set every combo from `mapping` (column -> field key)."""
        for column, combo in enumerate(self.combos):
            blocked = combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(mapping.get(column))))
            combo.blockSignals(blocked)
        self._store()

    def mapping(self) -> Mapping:
        return {
            column: combo.currentData()
            for column, combo in enumerate(self.combos)
            if combo.currentData() is not None
        }

    def _field_chosen(self, column: int) -> None:
        chosen = self.combos[column].currentData()
        if chosen is not None:  # one column per field: free the column that had it
            for other, combo in enumerate(self.combos):
                if other != column and combo.currentData() == chosen:
                    blocked = combo.blockSignals(True)
                    combo.setCurrentIndex(0)
                    combo.blockSignals(blocked)
        self._store()

    def _store(self) -> None:
        state = self.wiz().state
        state.mapping = self.mapping()
        mapped = set(state.mapping.values())
        missing = [
            _(spec.label)
            for spec in field_specs(state.kind)
            if spec.required and spec.key not in mapped
        ]
        show_problem(
            self.missing,
            _("Required fields not mapped: {fields}").format(fields=", ".join(missing))
            if missing
            else "",
        )
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool(self.mapping())

    # --- templates ---------------------------------------------------------------------------
    def _reload_templates(self, select: int | None = None) -> None:
        from crm_desktop.core.importing import mapping

        ctx, state = self.wiz().ctx, self.wiz().state
        try:
            self._templates = mapping.list_templates(ctx.db, ctx.actor, state.kind)
        except CrmError:
            self._templates = []
        self.template_combo.clear()
        self.template_combo.addItem(_("(none)"), None)
        for template_id, name in self._templates:
            self.template_combo.addItem(name, template_id)
        if select is not None:
            self.template_combo.setCurrentIndex(max(0, self.template_combo.findData(select)))

    def _template_chosen(self, index: int) -> None:
        template_id = self.template_combo.itemData(index)
        if template_id is not None:
            self.apply_template(template_id)

    def apply_template(self, template_id: int) -> None:
        from crm_desktop.core.importing import mapping

        ctx, state = self.wiz().ctx, self.wiz().state
        try:
            chosen = mapping.template_mapping(
                ctx.db, ctx.actor, state.kind, template_id, state.headers
            )
        except CrmError as exc:
            show_problem(self.missing, exc.message)
            return
        self.show_mapping(chosen)

    def save_template(self) -> None:
        from crm_desktop.core.importing import mapping

        ctx, state = self.wiz().ctx, self.wiz().state
        current = self.template_combo.currentData()
        suggestion = self.template_combo.currentText() if current is not None else ""
        name = common.ask_template_name(self, suggestion)
        if name is None:
            return
        try:
            template_id = mapping.save_template(
                ctx.db, ctx.actor, state.kind, name, state.headers, self.mapping()
            )
        except CrmError as exc:
            show_problem(self.missing, exc.message)
            return
        self._reload_templates(select=template_id)
