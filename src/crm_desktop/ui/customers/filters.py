"""The customer list's filter bar and saved filters.

The bar edits every part of a `CustomerFilter` except the search text (the tab's search box owns
that); the tab combines both. Saved filters are the operator's own, stored by the saved_filters
service as `CustomerFilter.to_json()` (search text included), so choosing one restores the search
box too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.services import pool, saved_filters
from crm_desktop.core.services.customers import CustomerFilter
from crm_desktop.ui.choices import base_data_choices
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import prompts
from crm_desktop.ui.widgets.filter_bar import fill_choices, select, signals_blocked

LIST_NAME = "customers"  # the saved_filters list name of the customer list
BASE_DATA_FILTERS: tuple[tuple[str, str, BaseDataKind], ...] = (
    ("type_id", N_("Type"), BaseDataKind.CUSTOMER_TYPE),
    ("source_id", N_("Source"), BaseDataKind.CUSTOMER_SOURCE),
    ("industry_id", N_("Industry"), BaseDataKind.INDUSTRY),
    ("region_id", N_("Region"), BaseDataKind.REGION),
    ("level_id", N_("Level"), BaseDataKind.CUSTOMER_LEVEL),
)
POOL_FILTERS: tuple[tuple[str | None, str], ...] = (
    (None, N_("All customers")),
    ("mine", N_("My customers")),
    ("private", N_("Private")),
    ("public", N_("Public pool")),
)


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    """One line of text from the person, or None when they cancel (tests replace this)."""
    value, ok = QInputDialog.getText(parent, title, label, text=text)
    return value.strip() if ok else None


class CustomerFilterBar(QWidget):
    """Base data, owner, pool, idle days and archived; `changed` when the person alters one."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.combos: dict[str, QComboBox] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for column, (key, label, _kind) in enumerate(BASE_DATA_FILTERS):
            self._add_combo(grid, 0, column, key, _(label))
        self._add_combo(grid, 1, 0, "owner_id", _("Owner"))
        self._add_combo(grid, 1, 1, "pool", _("Pool"))

        self.idle = QSpinBox()
        self.idle.setObjectName("filter_idle_days")
        self.idle.setRange(0, 3650)
        self.idle.setSpecialValueText(_("Any"))
        self.idle.setSuffix(_(" days"))
        self.idle.setKeyboardTracking(False)  # one query when the number is complete
        self.idle.setToolTip(_("Only customers with no follow-up for this many days (or never)"))
        self.idle.valueChanged.connect(lambda _value: self.changed.emit())
        self._add_labelled(grid, 1, 2, _("No follow-up for"), self.idle)

        self.archived = QCheckBox(_("Archived"))
        self.archived.setObjectName("filter_archived")
        self.archived.setToolTip(_("Show the archived customers instead of the current ones"))
        self.archived.toggled.connect(lambda _on: self.changed.emit())
        grid.addWidget(self.archived, 1, 3)
        self.reload_choices()

    def _add_labelled(
        self, grid: QGridLayout, row: int, column: int, text: str, editor: QWidget
    ) -> None:
        cell = QHBoxLayout()
        label = QLabel(text)
        label.setBuddy(editor)
        cell.addWidget(label)
        cell.addWidget(editor, 1)
        grid.addLayout(cell, row, column)

    def _add_combo(self, grid: QGridLayout, row: int, column: int, key: str, label: str) -> None:
        combo = QComboBox()
        combo.setObjectName(f"filter_{key}")
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.currentIndexChanged.connect(lambda _index: self.changed.emit())
        self.combos[key] = combo
        self._add_labelled(grid, row, column, label, combo)

    def reload_choices(self) -> None:
        """Read the base data lists and the operators again (after settings changed)."""
        everything = _("All")
        try:
            for key, _label, kind in BASE_DATA_FILTERS:
                fill_choices(self.combos[key], base_data_choices(self.ctx, kind)(), everything)
            owners = pool.assignable_operators(self.ctx.db, self.ctx.actor)
        except CrmError as exc:
            prompts.show_error(self, exc)
            return
        fill_choices(self.combos["owner_id"], owners, everything)
        pools = [(value, _(label)) for value, label in POOL_FILTERS[1:]]
        fill_choices(self.combos["pool"], pools, _(POOL_FILTERS[0][1]))

    def value(self) -> CustomerFilter:
        """The filter as set in the bar (no search text)."""
        return CustomerFilter(
            **{key: combo.currentData() for key, combo in self.combos.items()},
            idle_days=self.idle.value() or None,
            archived=self.archived.isChecked(),
        )

    def set_value(self, wanted: CustomerFilter) -> None:
        """Show a (saved) filter without announcing it (the caller queries once)."""
        with signals_blocked([*self.combos.values(), self.idle, self.archived]):
            for key, combo in self.combos.items():
                select(combo, getattr(wanted, key))
            self.idle.setValue(wanted.idle_days or 0)
            self.archived.setChecked(wanted.archived)


class SavedFilterBox(QWidget):
    """The operator's saved filters: choose one, save the current filter under a name, delete.

    `current()` gives the filter to save; `chosen` carries the filter of the entry picked.
    """

    chosen = Signal(object)  # CustomerFilter

    def __init__(
        self,
        ctx: AppContext,
        current: Callable[[], CustomerFilter],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.current = current
        self.rows: list[saved_filters.SavedFilterRow] = []
        self.combo = QComboBox()
        self.combo.setObjectName("savedFilters")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setToolTip(_("Saved filters"))
        self.combo.activated.connect(self._activated)
        self.save_button = QPushButton(_("Save filter…"))
        self.save_button.clicked.connect(self.save)
        self.delete_button = QPushButton(_("Delete filter"))
        self.delete_button.clicked.connect(self.delete_current)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.save_button)
        layout.addWidget(self.delete_button)
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        keep = self.selected().id if select_id is None and self.selected() else select_id
        try:
            self.rows = saved_filters.list_saved_filters(self.ctx.db, self.ctx.actor, LIST_NAME)
        except CrmError as exc:
            prompts.show_error(self, exc)
            self.rows = []
        blocked = self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(_("Saved filters…") if self.rows else _("No saved filters"), None)
        for row in self.rows:
            self.combo.addItem(row.name, row.id)
        self.combo.setCurrentIndex(max(self.combo.findData(keep), 0) if keep else 0)
        self.combo.blockSignals(blocked)
        self._update_buttons()

    def selected(self) -> saved_filters.SavedFilterRow | None:
        filter_id = self.combo.currentData()
        return next((row for row in self.rows if row.id == filter_id), None)

    def forget_selection(self) -> None:
        """The person changed the filter: it is no longer the saved one shown."""
        blocked = self.combo.blockSignals(True)
        self.combo.setCurrentIndex(0)
        self.combo.blockSignals(blocked)
        self._update_buttons()

    def choose(self, name: str) -> bool:
        """Pick a saved filter by name, as if from the combo."""
        index = self.combo.findText(name)
        if index <= 0:
            return False
        self.combo.setCurrentIndex(index)
        self._activated(index)
        return True

    def _activated(self, _index: int) -> None:
        self._update_buttons()
        row = self.selected()
        if row is not None:
            self.chosen.emit(CustomerFilter.from_json(row.definition))

    def _update_buttons(self) -> None:
        self.delete_button.setEnabled(self.selected() is not None)

    def save(self) -> None:
        chosen = self.selected()
        name = ask_text(
            self, _("Save filter"), _("Name of this filter:"), chosen.name if chosen else ""
        )
        if not name:
            return
        try:
            filter_id = saved_filters.save_filter(
                self.ctx.db, self.ctx.actor, LIST_NAME, name, self.current().to_json()
            )
        except CrmError as exc:
            prompts.show_error(self, exc)
            return
        self.reload(select_id=filter_id)
        self.ctx.notify(Changes.of("saved_filters"))

    def delete_current(self) -> None:
        chosen = self.selected()
        if chosen is None or not prompts.confirm(
            self,
            _("Delete filter"),
            _("Delete the saved filter “{name}”?").format(name=chosen.name),
        ):
            return
        try:
            saved_filters.delete_filter(self.ctx.db, self.ctx.actor, chosen.id)
        except CrmError as exc:
            prompts.show_error(self, exc)
            return
        self.reload(select_id=0)
        self.ctx.notify(Changes.of("saved_filters"))


def with_search(wanted: CustomerFilter, search: str) -> CustomerFilter:
    return replace(wanted, search=search.strip())
