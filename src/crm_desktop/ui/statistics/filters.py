"""The statistics filter bar: only the filters the chosen analysis declares are shown.

A date range with quick choices (this month, last month, this quarter, this year, last year, all
dates), region, salesperson (hidden for operators who only see their own records: their
statistics are theirs anyway), product, top N, month/quarter/year and idle days. `params(names)`
builds `ReportParams` from the declared filters only, so a hidden filter never changes a result
(nor the cache key).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.clock import local_today
from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import N_, _
from crm_desktop.core.models import BaseDataKind
from crm_desktop.core.reports.tables import FilterName, ReportParams
from crm_desktop.ui.choices import base_data_choices
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.messages import show_error
from crm_desktop.ui.widgets.filter_bar import DateRange, choice_combo, fill_choices, select

PERIODS: tuple[tuple[str, str], ...] = (
    ("this_month", N_("This month")),
    ("last_month", N_("Last month")),
    ("this_quarter", N_("This quarter")),
    ("this_year", N_("This year")),
    ("last_year", N_("Last year")),
    ("all", N_("All dates")),
    ("custom", N_("Custom range")),
)
DEFAULT_PERIOD = "this_year"
GRANULARITIES: tuple[tuple[str, str], ...] = (
    ("month", N_("Month")),
    ("quarter", N_("Quarter")),
    ("year", N_("Year")),
)
FIRST_ROW: tuple[FilterName, ...] = ("date_range", "granularity")


def _month_end(day: date) -> date:
    following = day.replace(day=28) + timedelta(days=4)
    return following - timedelta(days=following.day)


def period_range(key: str, today: date) -> tuple[date | None, date | None]:
    """The inclusive first and last day of a quick choice, seen from `today`."""
    if key == "this_month":
        return today.replace(day=1), _month_end(today)
    if key == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if key == "this_quarter":
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        return first, _month_end(first.replace(month=first.month + 2))
    if key == "this_year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if key == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    return None, None


class ReportFilterBar(QWidget):
    """Every filter an analysis may take; `show_filters` shows the declared ones."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.own_scope = ctx.actor.data_scope == "own"
        self.boxes: dict[str, QWidget] = {}
        self.declared: tuple[str, ...] = ()

        self.period = QComboBox()
        self.period.setObjectName("filter_period")
        for key, label in PERIODS:
            self.period.addItem(_(label), key)
        self.period.currentIndexChanged.connect(self._period_chosen)
        self.dates = DateRange(_("Only from this day"), _("Only up to this day (inclusive)"))
        self.dates.changed.connect(self._dates_edited)
        self.region = choice_combo("filter_region", _("All regions"))
        self.salesperson = choice_combo("filter_salesperson", _("All salespeople"))
        self.product = choice_combo("filter_product", _("All products"))
        self.top_n = self._spin("filter_top_n", 1, 1000, 10, "")
        self.granularity = QComboBox()
        self.granularity.setObjectName("filter_granularity")
        for key, label in GRANULARITIES:
            self.granularity.addItem(_(label), key)
        self.idle_days = self._spin("filter_idle_days", 1, 3650, 30, _(" days"))
        for combo in (self.region, self.salesperson, self.product, self.granularity):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(lambda _index: self.changed.emit())

        date_box = QWidget()
        dates = QHBoxLayout(date_box)
        dates.setContentsMargins(0, 0, 0, 0)
        dates.addWidget(QLabel(_("Period")))
        dates.addWidget(self.period)
        dates.addWidget(self.dates)
        editors: dict[str, tuple[str, QWidget]] = {
            "granularity": (_("Group by"), self.granularity),
            "region": (_("Region"), self.region),
            "salesperson": (_("Salesperson"), self.salesperson),
            "product": (_("Product"), self.product),
            "top_n": (_("Top"), self.top_n),
            "idle_days": (_("No follow-up for"), self.idle_days),
        }
        self.boxes["date_range"] = date_box
        for name, (label, editor) in editors.items():
            self.boxes[name] = self._labelled(label, editor)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(4)
        for names in (FIRST_ROW, tuple(n for n in self.boxes if n not in FIRST_ROW)):
            row = QHBoxLayout()
            row.setSpacing(12)
            for name in names:
                row.addWidget(self.boxes[name])
            row.addStretch()
            rows.addLayout(row)
        self.reload_choices()
        self.set_period(DEFAULT_PERIOD)

    def _spin(self, name: str, low: int, high: int, value: int, suffix: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setSuffix(suffix)
        spin.setKeyboardTracking(False)  # one run when the number is complete
        spin.valueChanged.connect(lambda _value: self.changed.emit())
        return spin

    def _labelled(self, text: str, editor: QWidget) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        label = QLabel(text)
        label.setBuddy(editor)
        row.addWidget(label)
        row.addWidget(editor)
        return box

    # --- choices -------------------------------------------------------------------------------
    def reload_choices(self) -> None:
        """Regions, salespeople (in the operator's scope, former ones too) and products."""
        from crm_desktop.core.services import pool, products

        try:
            regions = base_data_choices(self.ctx, BaseDataKind.REGION)()
            people = pool.assignable_operators(self.ctx.db, self.ctx.actor, include_inactive=True)
            goods = [
                (row["id"], f"{row['code']} {row['name']}")
                for row in products.list_products(self.ctx.db, self.ctx.actor)
            ]
        except CrmError as exc:
            show_error(self, exc)
            return
        fill_choices(self.region, regions)
        fill_choices(self.salesperson, people)
        fill_choices(self.product, goods)

    # --- which filters -------------------------------------------------------------------------
    def show_filters(self, names: Iterable[str]) -> None:
        """Show exactly the filters an analysis declares (salesperson never for own scope)."""
        self.declared = tuple(names)
        for name, box in self.boxes.items():
            box.setVisible(name in self.declared and not (name == "salesperson" and self.own_scope))

    def visible_filters(self) -> set[str]:
        return {name for name, box in self.boxes.items() if not box.isHidden()}

    # --- values --------------------------------------------------------------------------------
    def params(self, names: Iterable[str] | None = None) -> ReportParams:
        """The parameters of the declared filters (`names`, default the shown analysis's);
        a bad range raises ValidationError."""
        wanted = set(self.declared if names is None else names)
        values: dict[str, Any] = {}
        if "date_range" in wanted:
            values["date_from"], values["date_to"] = self.dates.value()
        if "region" in wanted:
            values["region_id"] = self.region.currentData()
        if "salesperson" in wanted and not self.own_scope:
            values["salesperson_id"] = self.salesperson.currentData()
        if "product" in wanted:
            values["product_id"] = self.product.currentData()
        if "top_n" in wanted:
            values["top_n"] = self.top_n.value()
        if "granularity" in wanted:
            values["granularity"] = self.granularity.currentData()
        if "idle_days" in wanted:
            values["idle_days"] = self.idle_days.value()
        return ReportParams(**values)

    def summary(self, params: ReportParams) -> str:
        """The filters in force as a short line for the chart (dates, region, person, product)."""
        parts = []
        if params.date_from or params.date_to:
            first = params.date_from.isoformat() if params.date_from else "…"
            last = params.date_to.isoformat() if params.date_to else "…"
            parts.append(f"{first} – {last}")
        for combo, value in (
            (self.region, params.region_id),
            (self.salesperson, params.salesperson_id),
            (self.product, params.product_id),
        ):
            found = combo.findData(value) if value is not None else -1
            if found > 0:
                parts.append(combo.itemText(found))
        return "  ·  ".join(parts)

    def set_period(self, key: str) -> None:
        """Choose a quick period (its dates are filled in); announced like a person's choice."""
        select(self.period, key)
        self._period_chosen()

    def set_dates(self, first: date | None, last: date | None) -> None:
        """A custom range (tests, saved state); announced once."""
        self.dates.set_value(first, last)
        self._dates_edited()

    def set_choice(self, name: str, value: Any) -> None:
        combo = {"region": self.region, "salesperson": self.salesperson, "product": self.product}
        select(combo[name], value)

    def _period_chosen(self, _index: int = 0) -> None:
        key = self.period.currentData()
        if key != "custom":
            self.dates.set_value(*period_range(key, local_today(self.ctx.db.clock)))
        self.changed.emit()

    def _dates_edited(self) -> None:
        blocked = self.period.blockSignals(True)
        select(self.period, "custom")
        self.period.blockSignals(blocked)
        self.changed.emit()
