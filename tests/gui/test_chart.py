"""Charts of report tables: the drawing fits the data, values are readable, Chinese is Chinese,
an empty table says so, and clicking a bar names the table row behind it."""

from __future__ import annotations

import io
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from crm_desktop.core.reports.tables import ChartSpec, ReportColumn, ReportTable
from crm_desktop.ui.statistics import chart
from crm_desktop.ui.statistics.chart import ChartView, bars_of, draw

PEOPLE = ("李四", "赵六", "孙七")


def figure() -> Any:
    from matplotlib.figure import Figure

    return Figure(layout="constrained")


def ranking(kind: str = "barh", labels: tuple[str, ...] = PEOPLE) -> ReportTable:
    amounts = [Decimal("1234567.89"), Decimal("45678.00"), Decimal("912.50")]
    rows = [(label, amounts[i % 3]) for i, label in enumerate(labels)]
    return ReportTable(
        "销售排名",
        [ReportColumn("salesperson", "业务员", "text"), ReportColumn("amount", "销售额", "money")],
        rows,
        ChartSpec(kind, "salesperson", ("amount",)),  # type: ignore[arg-type]
    )


def by_month() -> ReportTable:
    months = [f"2026-{m:02d}" for m in range(1, 7)]
    rows = [
        (m, Decimal(1000 * (i + 1)), Decimal(800 * (i + 1)), None) for i, m in enumerate(months)
    ]
    return ReportTable(
        "按月销售",
        [
            ReportColumn("period", "期间", "month"),
            ReportColumn("amount", "销售额", "money"),
            ReportColumn("last_year", "去年同期", "money"),
            ReportColumn("change", "增长", "percent"),
        ],
        rows,
        ChartSpec("line", "period", ("amount", "last_year")),
    )


def cross(kind: str) -> ReportTable:
    products = ("p1", "p2", "p3")
    rows = [("华东", 1234, 0, 56), ("华北", 7, 8900, 10)]
    return ReportTable(
        "地区 × 产品",
        [
            ReportColumn("region", "地区", "text"),
            *(ReportColumn(k, f"产品{k}", "int") for k in products),
        ],
        rows,
        ChartSpec(kind, "region", products),  # type: ignore[arg-type]
    )


def drawn(table: ReportTable) -> Any:
    fig = figure()
    draw(fig, table)
    return fig


def shown(qtbot: QtBot, view: ChartView, table: ReportTable) -> None:
    with qtbot.waitSignal(view.painted, timeout=10_000):
        view.show_table(table)


def texts(fig: Any) -> list[str]:
    found = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        found += [t.get_text() for t in ax.texts]
        found += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    return found


def test_a_ranking_has_one_bar_per_row_with_its_value_written_on_it() -> None:
    fig = drawn(ranking())
    (ax,) = fig.axes
    assert len(bars_of(ax)) == 3
    written = texts(fig)
    assert "1,234,568" in written and "45,678" in written  # thousands separators
    assert [t.get_text() for t in ax.get_yticklabels()] == list(PEOPLE)  # top of ranking on top


def test_bars_turn_horizontal_when_labels_are_long() -> None:
    short = drawn(ranking("bar")).axes[0]
    assert [t.get_text() for t in short.get_xticklabels()] == list(PEOPLE)
    names = ("上海华盛机械有限公司", "杭州鑫达贸易有限公司", "南京宏远建材有限公司")
    long = drawn(ranking("bar", names)).axes[0]
    assert [t.get_text() for t in long.get_yticklabels()] == list(names)


def test_value_axis_uses_thousands_separators_not_scientific_notation() -> None:
    ax = drawn(ranking()).axes[0]
    formatter = ax.xaxis.get_major_formatter()
    assert formatter(12_000_000, 0) == "12,000,000"


def test_sales_by_period_draws_this_year_and_last_year_as_two_lines() -> None:
    (ax,) = drawn(by_month()).axes
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["销售额", "去年同期"]
    assert list(lines[0].get_ydata()) == [1000.0 * i for i in range(1, 7)]


def test_an_empty_table_says_so_instead_of_drawing_an_empty_axis() -> None:
    table = ranking()
    table.rows = []
    fig = drawn(table)
    assert fig.axes == []
    assert "No data for these filters" in texts(fig)


def test_a_heat_table_writes_the_value_in_each_cell() -> None:
    (ax,) = drawn(cross("heat")).axes
    assert len(ax.images) == 1
    cells = [t.get_text() for t in ax.texts]
    assert {"1,234", "56", "7", "8,900", "10"} <= set(cells)
    assert "0" not in cells  # an empty cell stays blank


def test_a_stacked_cross_table_has_a_segment_per_cell_and_the_row_total() -> None:
    (ax,) = drawn(cross("stacked")).axes
    assert len(bars_of(ax)) == 2 * 3
    assert {"1,290", "8,917"} <= set(texts(ax.figure))


def test_a_funnel_shows_each_stage_with_count_and_amount() -> None:
    table = ReportTable(
        "商机漏斗",
        [
            ReportColumn("stage", "阶段", "text"),
            ReportColumn("count", "商机数", "int"),
            ReportColumn("amount", "预计金额", "money"),
        ],
        [("初步接触", 12, Decimal("120000")), ("方案报价", 5, Decimal("56000.5"))],
        ChartSpec("funnel", "stage", ("count",)),
    )
    (ax,) = drawn(table).axes
    assert len(bars_of(ax)) == 2
    assert "12  ·  120,000" in texts(ax.figure)


def test_a_pie_only_for_few_parts() -> None:
    few = drawn(ranking("pie")).axes[0]
    assert len(bars_of(few)) == 3 and few.get_yticklabels() == []
    many = ranking("pie", tuple(f"类型{i}" for i in range(8)))
    ax = drawn(many).axes[0]
    assert len(bars_of(ax)) == 8  # bars instead
    assert ax.get_yticklabels()[0].get_text() == "类型0"


def test_chinese_labels_render_with_the_shipped_cjk_font() -> None:
    fig = drawn(cross("stacked"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    assert not [w for w in caught if "missing from font" in str(w.message)]
    from matplotlib import font_manager

    label = fig.axes[0].get_xticklabels()[0]
    assert "wqy-microhei" in font_manager.findfont(label.get_fontproperties()).lower()


def test_clicking_a_bar_names_its_table_row(qtbot: QtBot) -> None:
    from matplotlib.backend_bases import MouseEvent

    view = ChartView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    shown(qtbot, view, ranking())
    assert view.canvas is not None and view.figure is not None
    view.canvas.draw()
    ax = view.figure.axes[0]
    bar = bars_of(ax)[1]
    x, y = ax.transData.transform((bar.get_x() + bar.get_width() / 2, bar.get_y() + 0.4))
    with qtbot.waitSignal(view.clicked) as clicked:
        MouseEvent("button_press_event", view.canvas, x, y, button=1)._process()
    assert clicked.args == [1, "amount"]


def test_clicking_a_heat_cell_names_its_row_and_column(qtbot: QtBot) -> None:
    from matplotlib.backend_bases import MouseEvent

    view = ChartView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    shown(qtbot, view, cross("heat"))
    assert view.canvas is not None and view.figure is not None
    view.canvas.draw()
    ax = view.figure.axes[0]
    x, y = ax.transData.transform((2, 1))  # column p3 of the second row
    with qtbot.waitSignal(view.clicked) as clicked:
        MouseEvent("button_press_event", view.canvas, x, y, button=1)._process()
    assert clicked.args == [1, "p3"]


def test_save_png_writes_a_picture(qtbot: QtBot, tmp_path: Path) -> None:
    view = ChartView()
    qtbot.addWidget(view)
    shown(qtbot, view, by_month())
    view.save_png(tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("kind", ["bar", "barh", "line", "stacked", "heat", "funnel", "pie"])
def test_every_kind_draws_a_single_row_table(kind: str) -> None:
    table = cross(kind)
    table.rows = table.rows[:1]
    fig = drawn(table)
    fig.savefig(io.BytesIO(), format="png")
    assert chart.Plot.of(table).labels == ["华东"]


def test_the_first_chart_waits_for_matplotlib_off_the_gui_thread(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before matplotlib is loaded, show_table returns at once; the chart follows."""
    monkeypatch.setattr(chart, "_ready", False)
    monkeypatch.setattr(chart, "_warming", False)
    view = ChartView()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.painted, timeout=10_000):
        view.show_table(ranking())
        assert view.figure is None and not view.drawn  # nothing drawn on the GUI thread yet
    assert view.figure is not None and len(bars_of(view.figure.axes[0])) == 3
