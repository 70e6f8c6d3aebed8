"""The Statistics tab driven like a person would: pick an analysis, filter, read the table and the
chart, drill into a figure, export; the figures are core's, computed off the GUI thread."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.changes import Changes
from crm_desktop.core.db import Database
from crm_desktop.core.money import format_money
from crm_desktop.core.reports import tables
from crm_desktop.core.reports.drill import drill_rows
from crm_desktop.core.reports.tables import (
    Analysis,
    ChartSpec,
    ReportColumn,
    ReportParams,
    ReportTable,
)
from crm_desktop.ui.statistics.chart import bars_of
from crm_desktop.ui.statistics.drill_dialog import DrillDialog
from crm_desktop.ui.statistics.tab import StatisticsTab
from crm_desktop.ui.statistics.table_view import ReportTableView
from tests.gui.settings_helpers import make_ctx
from tests.report_fixtures import Ledger, ledger, raw  # noqa: F401

EVERY_FILTER = ("date_range", "region", "salesperson", "product", "top_n", "granularity")
YEAR_2025 = (date(2025, 1, 1), date(2025, 12, 31))


class Fake:
    """Two made-up analyses whose computations are recorded (and may be held back)."""

    def __init__(self) -> None:
        self.calls: list[ReportParams] = []
        self.rows: list[tuple[Any, ...]] = [("李四", Decimal("12345.60")), ("赵六", Decimal("99"))]
        self.hold: threading.Event | None = None

    def ranking(self, _db: Database, _actor: Actor, params: ReportParams) -> ReportTable:
        self.calls.append(params)
        if self.hold is not None:
            self.hold.wait(10)
        rows = list(self.rows)
        return ReportTable(
            "Fake ranking",
            [ReportColumn("person", "Salesperson"), ReportColumn("amount", "Amount", "money")],
            rows,
            ChartSpec("barh", "person", ("amount",)),
            totals=("Total", sum((r[1] for r in rows), Decimal(0))) if rows else None,
        )

    def counts(self, _db: Database, _actor: Actor, params: ReportParams) -> ReportTable:
        self.calls.append(params)
        return ReportTable(
            "Fake counts",
            [ReportColumn("kind", "Kind"), ReportColumn("count", "Count", "int")],
            [("a", 1200), ("b", 3)],
            ChartSpec("bar", "kind", ("count",)),
        )


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Fake:
    """Only the fake analyses are registered while the test runs (the real ones come back)."""
    made = Fake()
    monkeypatch.setattr(tables, "_registry", {})
    monkeypatch.setattr(tables, "ANALYSIS_MODULES", ())
    tables.register(
        Analysis("fake-ranking", "Fake ranking", "Sales", ("date_range", "region"), made.ranking)
    )
    tables.register(Analysis("fake-counts", "Fake counts", "Other", EVERY_FILTER, made.counts))
    return made


@pytest.fixture
def opened(qtbot: QtBot) -> Iterator[list[StatisticsTab]]:
    made: list[StatisticsTab] = []
    yield made
    for tab in made:  # let running computations end before the database goes away
        qtbot.waitUntil(lambda t=tab: not t.is_busy(), timeout=10_000)  # type: ignore[misc]


@pytest.fixture
def open_tab(qtbot: QtBot, db: Database, opened: list[StatisticsTab]):  # type: ignore[no-untyped-def]
    def open_as(actor: Actor) -> StatisticsTab:
        """The tab as the main window shows it, its first analysis computed."""
        ctx, _notified = make_ctx(db, actor)
        tab = StatisticsTab(ctx)
        qtbot.addWidget(tab)
        opened.append(tab)
        ctx.bus.changed.connect(tab.refresh)
        tab.resize(1280, 760)
        tab.show()
        qtbot.waitUntil(lambda: tab.table is not None and not tab.is_busy(), timeout=10_000)
        return tab

    return open_as


def choose(qtbot: QtBot, tab: StatisticsTab, name: str) -> ReportTable:
    with qtbot.waitSignal(tab.computed, timeout=10_000):
        assert tab.choose(name)
    assert tab.table is not None
    return tab.table


def set_dates(qtbot: QtBot, tab: StatisticsTab, first: date, last: date) -> ReportTable:
    with qtbot.waitSignal(tab.computed, timeout=10_000):
        tab.filters.set_dates(first, last)
    assert tab.table is not None
    return tab.table


def double_click(qtbot: QtBot, view: ReportTableView, row: int, column: int) -> None:
    index = view.model().index(row, column)
    view.scrollTo(index)
    center = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)  # as a person does
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)


def drilled(qtbot: QtBot, tab: StatisticsTab, row: int, column: int = 0) -> DrillDialog:
    with qtbot.waitSignal(tab.drill_opened, timeout=10_000) as opened_signal:
        double_click(qtbot, tab.view, row, column)
    dialog = opened_signal.args[0]
    assert isinstance(dialog, DrillDialog)
    qtbot.addWidget(dialog)
    return dialog


# --- choosing and filtering ---------------------------------------------------------------------


def test_analyses_are_listed_under_their_groups(fake: Fake, open_tab: Any, boss: Actor) -> None:
    tab = open_tab(boss)
    groups = [tab.tree.topLevelItem(i).text(0) for i in range(tab.tree.topLevelItemCount())]
    assert groups == ["Sales", "Other"]
    assert tab.analysis_names() == ["fake-ranking", "fake-counts"]


def test_every_real_analysis_is_offered(open_tab: Any, boss: Actor) -> None:
    tab = open_tab(boss)
    every = tables.analyses()
    groups = list(dict.fromkeys(a.group for a in every))  # a group shows where it first appears
    assert tab.analysis_names() == [a.name for g in groups for a in every if a.group == g]
    assert "salesperson-ranking" in tab.analysis_names()


def test_the_filter_bar_shows_only_the_filters_the_analysis_declares(
    qtbot: QtBot, fake: Fake, open_tab: Any, boss: Actor
) -> None:
    tab = open_tab(boss)
    choose(qtbot, tab, "fake-ranking")
    assert tab.filters.visible_filters() == {"date_range", "region"}
    choose(qtbot, tab, "fake-counts")
    assert tab.filters.visible_filters() == set(EVERY_FILTER)


def test_the_salesperson_filter_is_hidden_from_someone_who_sees_only_their_own(
    qtbot: QtBot, fake: Fake, open_tab: Any, team: dict[str, Actor]
) -> None:
    tab = open_tab(team["li"])
    choose(qtbot, tab, "fake-counts")
    assert tab.filters.visible_filters() == set(EVERY_FILTER) - {"salesperson"}
    assert fake.calls[-1].salesperson_id is None


def test_a_changed_filter_computes_again_with_only_the_declared_filters(
    qtbot: QtBot, fake: Fake, open_tab: Any, boss: Actor
) -> None:
    tab = open_tab(boss)
    choose(qtbot, tab, "fake-ranking")
    region = tab.filters.region.itemData(1)
    tab.filters.set_choice("product", tab.filters.product.itemData(1))  # not declared: no effect
    with qtbot.waitSignal(tab.computed, timeout=10_000):
        tab.filters.region.setCurrentIndex(1)
    assert fake.calls[-1] == ReportParams(
        date_from=date(2026, 1, 1), date_to=date(2026, 12, 31), region_id=region
    )  # "this year" by default, as seen from the clock's today (2026-01-05)


def test_quick_periods_fill_in_inclusive_calendar_ranges(
    qtbot: QtBot, fake: Fake, open_tab: Any, boss: Actor
) -> None:
    tab = open_tab(boss)
    expected = {
        "this_month": (date(2026, 1, 1), date(2026, 1, 31)),
        "last_month": (date(2025, 12, 1), date(2025, 12, 31)),
        "this_quarter": (date(2026, 1, 1), date(2026, 3, 31)),
        "last_year": (date(2025, 1, 1), date(2025, 12, 31)),
        "all": (None, None),
    }
    for key, (first, last) in expected.items():
        with qtbot.waitSignal(tab.computed, timeout=10_000):
            tab.filters.set_period(key)
        assert (fake.calls[-1].date_from, fake.calls[-1].date_to) == (first, last)


# --- the figures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "salesperson-ranking",
        "sales-by-period",
        "region-product-sales",
        "customers-region-type",
        "opportunity-funnel",
    ],
)
def test_running_shows_the_rows_core_computes(
    qtbot: QtBot,
    ledger: Ledger,  # noqa: F811
    open_tab: Any,
    name: str,
) -> None:
    boss = ledger.actor("boss")
    tab = open_tab(boss)
    choose(qtbot, tab, name)
    shown = set_dates(qtbot, tab, *YEAR_2025)
    params = tab.filters.params(tables.analysis(name).filters)
    assert (params.date_from, params.date_to) == YEAR_2025
    assert shown.rows == tables.run(ledger.db, boss, name, params).rows
    texts = tab.view.shown_texts()
    assert len(texts) == len(shown.rows) + (shown.totals is not None)
    money = [i for i, c in enumerate(shown.columns) if c.kind == "money"]
    for row, values in zip(texts, shown.rows, strict=False):
        assert [row[i] for i in money] == [format_money(values[i]) for i in money]


def test_money_is_right_aligned_and_the_totals_row_stays_bold_and_last(
    qtbot: QtBot, fake: Fake, open_tab: Any, boss: Actor
) -> None:
    tab = open_tab(boss)
    choose(qtbot, tab, "fake-ranking")
    model = tab.view.model()
    assert model.index(0, 1).data() == "12,345.60"
    alignment = Qt.AlignmentFlag(model.index(0, 1).data(Qt.ItemDataRole.TextAlignmentRole))
    assert alignment & Qt.AlignmentFlag.AlignRight
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        tab.view.sortByColumn(1, order)
        last = model.index(model.rowCount() - 1, 0)
        assert last.data() == "Total"
        assert last.data(Qt.ItemDataRole.FontRole).bold()
    assert [row[0] for row in tab.view.shown_texts()] == ["李四", "赵六", "Total"]


def test_an_empty_result_says_no_data_instead_of_an_empty_chart(
    qtbot: QtBot, fake: Fake, open_tab: Any, boss: Actor
) -> None:
    fake.rows = []
    tab = open_tab(boss)
    choose(qtbot, tab, "fake-ranking")
    assert tab.status.text() == "No data for these filters"
    figure = tab.chart.figure
    assert figure is not None and figure.axes == []
    assert [t.get_text() for t in figure.texts] == ["No data for these filters"]
    assert tab.view.model().rowCount() == 0


def test_a_ranking_chart_has_one_bar_per_row(
    qtbot: QtBot,
    ledger: Ledger,  # noqa: F811
    open_tab: Any,
) -> None:
    tab = open_tab(ledger.actor("boss"))
    choose(qtbot, tab, "salesperson-ranking")
    table = set_dates(qtbot, tab, *YEAR_2025)
    assert tab.chart.figure is not None
    (ax,) = tab.chart.figure.axes
    assert len(bars_of(ax)) == len(table.rows) > 1


def test_sales_by_period_is_drawn_as_this_year_and_last_year_lines(
    qtbot: QtBot,
    ledger: Ledger,  # noqa: F811
    open_tab: Any,
) -> None:
    tab = open_tab(ledger.actor("boss"))
    choose(qtbot, tab, "sales-by-period")
    table = set_dates(qtbot, tab, date(2026, 1, 1), date(2026, 2, 28))
    assert tab.chart.figure is not None
    (ax,) = tab.chart.figure.axes
    lines = ax.get_lines()
    assert len(lines) == 2
    this_year = [float(row[table.column("amount")]) for row in table.rows]
    assert list(lines[0].get_ydata()) == this_year


# --- cache and changes ----------------------------------------------------------------------------


def test_results_are_kept_until_records_they_count_change(
    qtbot: QtBot, fake: Fake, open_tab: Any, boss: Actor
) -> None:
    tab = open_tab(boss)  # fake-ranking, the first analysis, computed once
    choose(qtbot, tab, "fake-counts")
    choose(qtbot, tab, "fake-ranking")
    assert len(fake.calls) == 2  # the ranking came from the cache
    tab.refresh(Changes.of("settings_company"))
    assert len(fake.calls) == 2
    with qtbot.waitSignal(tab.computed, timeout=10_000):
        tab.ctx.notify(Changes.of("orders"))  # visible: computed again at once
    assert len(fake.calls) == 3
    tab.hide()
    tab.ctx.notify(Changes.of("receipts"))
    assert len(fake.calls) == 3
    with qtbot.waitSignal(tab.computed, timeout=10_000):
        tab.show()  # hidden while it changed: computed when shown
    assert len(fake.calls) == 4


def test_cancel_keeps_the_tab_usable_and_drops_the_late_result(
    qtbot: QtBot, fake: Fake, open_tab: Any, boss: Actor
) -> None:
    tab = open_tab(boss)
    before = tab.table
    fake.hold = threading.Event()
    tab.run_button.click()
    assert tab.is_busy() and tab.cancel_button.isVisible()
    with qtbot.waitSignal(tab.computed):
        tab.cancel_button.click()
    assert tab.status.text() == "Cancelled." and not tab.cancel_button.isVisible()
    fake.hold.set()
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=10_000)
    assert tab.table is before  # the late result is not shown over what the person sees


# --- drill-down -----------------------------------------------------------------------------------


def test_double_clicking_a_row_lists_the_records_behind_it(
    qtbot: QtBot,
    ledger: Ledger,  # noqa: F811
    open_tab: Any,
) -> None:
    boss = ledger.actor("boss")
    tab = open_tab(boss)
    choose(qtbot, tab, "salesperson-ranking")
    table = set_dates(qtbot, tab, *YEAR_2025)
    dialog = drilled(qtbot, tab, 0)
    behind = drill_rows(ledger.db, boss, table.drills[0])  # type: ignore[arg-type]
    assert dialog.table.rows == behind.rows and behind.rows
    amount = dialog.table.column("amount")
    assert sum(r[amount] for r in dialog.table.rows) == table.rows[0][table.column("amount")]
    assert len(dialog.view.shown_texts()) == len(behind.rows) + 1  # and its totals row


def test_double_clicking_a_cross_table_cell_lists_that_cell(
    qtbot: QtBot,
    ledger: Ledger,  # noqa: F811
    open_tab: Any,
) -> None:
    tab = open_tab(ledger.actor("boss"))
    choose(qtbot, tab, "region-product-sales")
    table = set_dates(qtbot, tab, *YEAR_2025)
    column, row = next(
        (c, r)
        for c, col in enumerate(table.columns)
        if col.key.startswith("region_")
        for r, values in enumerate(table.rows)
        if values[c]
    )
    dialog = drilled(qtbot, tab, row, column)
    amount = dialog.table.column("amount")
    assert sum(r[amount] for r in dialog.table.rows) == table.rows[row][column]
    assert f"× {table.columns[column].label}" in dialog.windowTitle()


def test_clicking_a_bar_lists_the_records_behind_it(
    qtbot: QtBot,
    ledger: Ledger,  # noqa: F811
    open_tab: Any,
) -> None:
    tab = open_tab(ledger.actor("boss"))
    choose(qtbot, tab, "salesperson-ranking")
    table = set_dates(qtbot, tab, *YEAR_2025)
    with qtbot.waitSignal(tab.drill_opened, timeout=10_000) as shown:
        tab.chart.clicked.emit(1, "amount")
    dialog = shown.args[0]
    qtbot.addWidget(dialog)
    assert dialog.drill == table.drills[1]


def test_from_the_records_an_order_or_its_customer_opens(
    qtbot: QtBot,
    ledger: Ledger,  # noqa: F811
    open_tab: Any,
) -> None:
    tab = open_tab(ledger.actor("boss"))
    choose(qtbot, tab, "salesperson-ranking")
    set_dates(qtbot, tab, *YEAR_2025)
    dialog = drilled(qtbot, tab, 0)
    number, customer = dialog.table.column("number"), dialog.table.column("customer")
    with qtbot.waitSignal(dialog.opened_record) as order:
        double_click(qtbot, dialog.view, 0, number)
    assert order.args[0] == "order" and order.args[1] in ledger.orders.values()
    dialog.opened.reject()  # the order window deletes itself on close
    with qtbot.waitSignal(dialog.opened_record) as opened_customer:
        double_click(qtbot, dialog.view, 0, customer)
    qtbot.addWidget(dialog.opened)
    assert opened_customer.args[0] == "customer"
    (found,) = raw(
        ledger.path, "SELECT name FROM customers WHERE id = ?", [opened_customer.args[1]]
    )
    assert found["name"] == dialog.table.rows[0][customer]


# --- output ---------------------------------------------------------------------------------------


def save_as(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args, **_kwargs: (str(path), ""))


def test_ctrl_e_exports_the_shown_table_with_numbers_as_numbers(
    qtbot: QtBot, fake: Fake, open_tab: Any, boss: Actor, tmp_path: Path, monkeypatch: Any
) -> None:
    from openpyxl import load_workbook

    tab = open_tab(boss)
    save_as(monkeypatch, tmp_path / "ranking")
    tab.view.setFocus()
    qtbot.keyClick(tab.view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    target = tmp_path / "ranking.xlsx"
    qtbot.waitUntil(lambda: tab.status.text().startswith("Saved to"), timeout=10_000)
    sheet = load_workbook(target).active
    rows = [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
    assert rows[0] == ("Salesperson", "Amount")
    assert rows[1][0] == "李四" and rows[1][1] == pytest.approx(12345.6)
    assert len(fake.calls) == 1  # written from the table shown, not computed again


def test_save_chart_as_png(
    qtbot: QtBot, fake: Fake, open_tab: Any, boss: Actor, tmp_path: Path, monkeypatch: Any
) -> None:
    tab = open_tab(boss)
    save_as(monkeypatch, tmp_path / "chart")
    tab.png_button.click()
    assert (tmp_path / "chart.png").read_bytes()[:4] == b"\x89PNG"


def test_export_is_not_offered_without_the_export_right(
    fake: Fake, open_tab: Any, team: dict[str, Actor]
) -> None:
    assert open_tab(team["manager"]).export_button.isVisible()
    salesperson = open_tab(team["li"])
    assert not salesperson.export_button.isVisible()
    assert salesperson.export_excel() is None  # Ctrl+E does nothing either


# --- start-up cost --------------------------------------------------------------------------------


def test_matplotlib_is_not_imported_until_a_chart_is_drawn() -> None:
    """Importing the main window and the statistics tab leaves matplotlib (1.3 s) unloaded."""
    code = (
        "import sys\n"
        "import crm_desktop.ui.main_window, crm_desktop.ui.statistics.tab\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
