"""`crm-desktop --smoke`: build every tab and draw a chart, then quit (the built app's self-check).

A PyInstaller bundle only holds the modules its analysis found. The tabs are imported by name when
first shown, and matplotlib's Qt canvas and the CJK chart font are loaded on the first chart, so a
bundle that lacks one of them still starts and shows its first tab. `--smoke` (run by
packaging/smoke_test.py on the built app) builds each tab the operator may open and draws a chart
with Chinese labels before the window's first paint ends the run; anything missing ends it with a
traceback and exit code 1 instead of on a customer's PC.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget


def run(window: Any) -> list[str]:
    """Build every tab of `window` (hidden, owned by the window) and draw a chart; raise what
    fails. Returns the keys of the tabs built."""
    from crm_desktop.ui.main_window import TABS, build_tab

    built = []
    for spec in TABS:
        if spec.key not in window.tab_keys():  # not for this operator
            continue
        # build_tab, not the tab itself: a tab that fails shows a message box and waits for a
        # person; here it must raise.
        widget: QWidget = build_tab(spec, window.ctx)
        widget.setParent(window)  # deleted with the window
        widget.hide()
        built.append(spec.key)
    draw_chart()
    return built


def draw_chart() -> None:
    """Draw bars with Chinese labels on the Qt canvas in the shipped font, as the statistics
    tab does."""
    from crm_desktop.ui.statistics import chart

    chart.setup_matplotlib()
    from matplotlib import font_manager
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    from matplotlib.figure import Figure

    found = font_manager.findfont(chart.FONT_FAMILY, fallback_to_default=False)
    if "wqy" not in found.lower():
        raise RuntimeError(f"the chart font {chart.FONT_FAMILY} was not found ({found})")
    figure = Figure(figsize=(4, 3))
    axes = figure.add_subplot()
    axes.bar(["华东", "华北", "华南"], [3, 5, 2])
    axes.set_title("客户数")
    canvas = FigureCanvasQTAgg(figure)
    canvas.draw()
    canvas.deleteLater()
