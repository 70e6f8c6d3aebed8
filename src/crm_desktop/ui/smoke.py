"""`crm-desktop --smoke`: build every tab and draw a chart, then quit (the built app's self-check).

A PyInstaller bundle only holds the modules its analysis found. The tabs are imported by name when
first shown, and matplotlib's Qt canvas and the CJK chart font are loaded on the first chart, so a
bundle that lacks one of them still starts and shows its first tab; Qt's own translations are
found through Qt's library paths, which differ in a bundle. `--smoke` (run by
packaging/smoke_test.py on the built app) builds each tab the operator may open, draws a chart with
Chinese labels and checks Qt's Chinese strings before the window's first paint ends the run;
anything missing ends it with a traceback and exit code 1 instead of on a customer's PC.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from crm_desktop.core.i18n import current_language


def run(window: Any) -> list[str]:
    """Build every tab of `window` (hidden, owned by the window), draw a chart and check Qt's
    translation; raise what fails. Returns the keys of the tabs built."""
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
    check_qt_translation()
    return built


def check_qt_translation() -> None:
    """In Chinese, Qt's standard buttons must say 取消, not Cancel (qtbase_zh_CN.qm found)."""
    if current_language() != "zh_CN":
        return
    if QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel":
        raise RuntimeError("Qt's Chinese translation (qtbase_zh_CN.qm) was not loaded")


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
