"""A `ReportTable` drawn as a chart that fits its data, with matplotlib inside the app.

The analysis says how it is best drawn (`table.chart`): bars for rankings (horizontal when the
labels are long or many), lines for time series (this year and last year as two lines), stacked
bars or a heat table for cross tables, a funnel for pipeline stages and a pie only for a few
parts of a whole. Values are written on the bars and cells with thousands separators, axes never
switch to scientific notation, and an empty table says "No data for these filters" instead of
drawing an empty axis.

matplotlib costs ~1.3 s to import (PERF-FLOORS 2c), so nothing here imports it at module level:
`setup_matplotlib()` loads it and registers the shipped CJK font (WenQuanYi Micro Hei, a TTC that
`font_manager.addfont` reads) on a worker thread (`warm_up`, `when_ready`): the first chart is
drawn when that is done, while its table is already shown. Every bar, wedge, line point and heat
cell knows the table row (and column) it stands for (`target_at`), so clicking it drills down
like double-clicking the row.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget
from shiboken6 import isValid

from crm_desktop.core.i18n import _, current_language
from crm_desktop.core.reports.pdf.fonts import font_path
from crm_desktop.core.reports.tables import ReportTable
from crm_desktop.ui import ops
from crm_desktop.ui.messages import show_error

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import PickEvent
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    from matplotlib.figure import Figure

FONT_FAMILY = "WenQuanYi Micro Hei"
MAX_BARS = 30  # more bars are unreadable: the first ones are drawn and the title says so
MAX_HEAT_ROWS = 40
MAX_HEAT_TEXTS = 600  # cells beyond this are coloured without their numbers
MAX_POINT_LABELS = 12  # a line's points are labelled when there are at most this many
MAX_TICK_LABELS = 16  # category labels along an axis; beyond this every n-th is written
VALUE_TICKS = 5  # at most this many value ticks: wide money labels must not run together
WON, LOST = "#519e3e", "#9e9e9e"  # a funnel's closed rows, told apart from the open stages
PIE_MAX_PARTS = 6
LONG_LABEL = 8  # characters: longer category labels turn vertical bars horizontal
VERTICAL_MAX = 12  # more categories than this are drawn as horizontal bars
COLORS = ("#3b75af", "#ef8636", "#519e3e", "#c53a32", "#8d69b8", "#84584e", "#d57fbe", "#7f7f7f")
ROW = "crm_row"  # attribute on a bar or wedge: the table row it stands for
ROWS = "crm_rows"  # on a line or heat image: the table row of each point / each image row
COLUMN = "crm_column"  # on a bar, wedge or line: the key of the value column it draws
COLUMNS = "crm_columns"  # on a heat image: the column key of each image column
PNG_DPI = 150

_lock = threading.Lock()
_ready = False


def setup_matplotlib() -> None:
    """Import matplotlib, register the CJK font and the app's chart defaults (first call only;
    thread-safe, so a worker thread may do it early)."""
    global _ready
    if _ready:
        return
    with _lock:
        if _ready:
            return
        import matplotlib
        from matplotlib import font_manager

        font_manager.fontManager.addfont(str(font_path()))
        matplotlib.rcParams.update(
            {
                "font.family": "sans-serif",
                "font.sans-serif": [FONT_FAMILY, "DejaVu Sans"],
                "axes.unicode_minus": False,  # the CJK font has no U+2212 minus sign
                "axes.spines.top": False,
                "axes.spines.right": False,
                "axes.titlesize": 11,
                "font.size": 9,
                "figure.facecolor": "white",
            }
        )
        font_manager.findfont(FONT_FAMILY)  # builds the lookup cache now, not on first draw
        _ready = True


def preload() -> None:
    """Everything the first chart needs except the Qt canvas (safe off the GUI thread)."""
    setup_matplotlib()
    import matplotlib.backends.backend_agg
    import matplotlib.figure  # noqa: F401


_warming = False
_waiting: list[Callable[[], None]] = []


def when_ready(then: Callable[[], None]) -> None:
    """Call `then` on the GUI thread once matplotlib is loaded: at once if it is, else when the
    worker thread loading it is done (started here if need be), so the window never waits."""
    if _ready:
        then()
        return
    _waiting.append(then)
    warm_up()


def warm_up() -> None:
    """Load matplotlib on a worker thread, quietly and at most once per process."""
    global _warming
    if _ready or _warming:
        return
    _warming = True
    # No parent: the load belongs to the process, not to the window that happened to ask.
    ops.run(lambda _progress: preload(), show_progress=False, on_success=_loaded, on_error=_loaded)


def _loaded(_result: object) -> None:
    """The worker is done (a failure too: then the first draw loads, and reports, it again)."""
    global _warming
    _warming = False
    waiting = list(_waiting)
    _waiting.clear()
    for then in waiting:
        then()


# --- the data to draw ----------------------------------------------------------------------------


def number(value: Any) -> float:
    """A cell as a float for drawing only (sums stay Decimal in the table); empty -> NaN."""
    if value is None or value == "":
        return math.nan
    if isinstance(value, Decimal | int | float):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


@dataclass
class Series:
    key: str
    label: str
    kind: str  # the column kind: money, int, percent, days, ...
    values: list[float]

    def largest(self) -> float:
        finite = [abs(v) for v in self.values if not math.isnan(v)]
        return max(finite, default=0.0)

    def text(self, value: float) -> str:
        return value_text(value, self.kind, self.largest())


def value_text(value: float, kind: str, largest: float = 0.0) -> str:
    """A value as written on a bar or cell: thousands separators; cents only on small money."""
    if math.isnan(value):
        return ""
    if kind == "percent":
        return f"{value:.1%}"
    if kind in ("int", "days"):
        return f"{value:,.0f}"
    if kind == "money":
        return f"{value:,.0f}" if largest >= 1000 else f"{value:,.2f}"
    return f"{value:,.1f}" if largest >= 10 else f"{value:,.2f}"


def compact_text(value: float, kind: str, largest: float) -> str:
    """A large value in few characters for crowded labels (line points): 2,966万 / 29.7M."""
    if math.isnan(value) or kind == "percent" or largest < 100_000:
        return value_text(value, kind, largest)
    if current_language().startswith("zh"):
        if largest >= 100_000_000:
            return f"{value / 100_000_000:,.2f}亿"
        return f"{value / 10_000:,.0f}万"
    if largest >= 1_000_000_000:
        return f"{value / 1_000_000_000:,.2f}B"
    if largest >= 1_000_000:
        return f"{value / 1_000_000:,.1f}M"
    return f"{value / 1_000:,.0f}K"


@dataclass
class Plot:
    """The chartable part of a table: category labels, value series, the rows they came from."""

    title: str
    labels: list[str]
    rows: list[int]  # the table row of each label
    series: list[Series]
    extra: list[str] = field(default_factory=list)  # a second figure per label (funnel money)
    extra_label: str = ""
    statuses: list[str] = field(default_factory=list)  # each row's drill status (won, lost)

    @classmethod
    def of(cls, table: ReportTable, limit: int | None = MAX_BARS) -> Plot:
        shown = table.rows if limit is None else table.rows[:limit]
        title = table.title
        if len(shown) < len(table.rows):
            title = _("{title} (first {shown} of {count})").format(
                title=table.title, shown=len(shown), count=len(table.rows)
            )
        category = _category_index(table)
        values = [key for key in table.chart.values if _has_column(table, key)]
        series = []
        for key in values:
            column = table.columns[table.column(key)]
            index = table.column(key)
            values_ = [number(r[index]) for r in shown]
            series.append(Series(key, column.label, column.kind, values_))
        labels = [_label(row[category]) if category is not None else "" for row in shown]
        drills = list(table.drills) + [None] * (len(shown) - len(table.drills))
        statuses = [str(d.filters.get("status", "")) if d else "" for d in drills[: len(shown)]]
        return cls(title, labels, list(range(len(shown))), series, statuses=statuses)

    def with_money(self, table: ReportTable) -> Plot:
        """Add the first money column that is not drawn as a second figure per label."""
        drawn = {s.label for s in self.series}
        for index, column in enumerate(table.columns):
            if column.kind == "money" and column.label not in drawn:
                values = [number(table.rows[row][index]) for row in self.rows]
                largest = max((abs(v) for v in values if not math.isnan(v)), default=0.0)
                self.extra = [value_text(v, "money", largest) for v in values]
                self.extra_label = column.label
                break
        return self


def _has_column(table: ReportTable, key: str) -> bool:
    try:
        table.column(key)
    except KeyError:
        return False
    return True


def _category_index(table: ReportTable) -> int | None:
    if table.chart.category and _has_column(table, table.chart.category):
        return table.column(table.chart.category)
    for index, column in enumerate(table.columns):
        if column.kind in ("text", "month", "date"):
            return index
    return None


def _label(value: Any) -> str:
    if value is None or value == "":
        return _("(none)")
    return str(value)


# --- drawing -------------------------------------------------------------------------------------


def draw(figure: Figure, table: ReportTable, subtitle: str = "") -> None:
    """Draw `table` on `figure` (cleared first) the way its `ChartSpec` asks; `subtitle` (the
    filters, say) goes under the title, so a saved picture says what it shows."""
    setup_matplotlib()
    figure.clear()
    if table.is_empty:
        message(figure, _("No data for these filters"))
        return
    drawer = DRAWERS.get(table.chart.kind)
    limit = MAX_HEAT_ROWS if table.chart.kind == "heat" else MAX_BARS
    plot = Plot.of(table, limit)
    if drawer is None or not plot.series:
        message(figure, _("This analysis is shown as a table only."))
        return
    if table.chart.kind == "funnel":
        plot.with_money(table)
    drawer(figure, plot)
    title = f"{plot.title}\n{subtitle}" if subtitle else plot.title
    figure.suptitle(title, fontsize=11)  # the CJK font has no bold face


def message(figure: Figure, text: str) -> None:
    """A sentence in the middle of an empty figure (no axes)."""
    figure.text(0.5, 0.5, text, ha="center", va="center", fontsize=13, color="#666666")


def _value_axis(axis: Any, series: Sequence[Series]) -> None:
    """Tick labels with thousands separators (or percents), never 1e6 notation or offsets."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

    if series and all(s.kind == "percent" for s in series):
        axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        return
    largest = max((s.largest() for s in series), default=0.0)
    whole = all(s.kind in ("int", "days") for s in series)
    pattern = "{:,.0f}" if largest >= 10 or whole else "{:,.2f}"
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: pattern.format(x)))
    axis.set_major_locator(MaxNLocator(nbins=VALUE_TICKS, integer=whole, min_n_ticks=3))


def _category_ticks(
    set_ticks: Callable[..., Any], labels: Sequence[str], *, rotate: bool = False
) -> None:
    """Category labels along an axis; every n-th one when there are too many to read."""
    step = max(1, math.ceil(len(labels) / MAX_TICK_LABELS))
    positions = list(range(len(labels)))
    options: dict[str, Any] = {"rotation": 45, "ha": "right"} if rotate else {}
    set_ticks(positions[::step], list(labels)[::step], **options)


def _mark(artists: Sequence[Any], rows: Sequence[int], key: str) -> None:
    for artist, row in zip(artists, rows, strict=False):
        setattr(artist, ROW, row)
        setattr(artist, COLUMN, key)
        artist.set_picker(True)


def _wants_horizontal(plot: Plot) -> bool:
    longest = max((len(label) for label in plot.labels), default=0)
    return longest > LONG_LABEL or len(plot.labels) > VERTICAL_MAX


def _bars(figure: Figure, plot: Plot, horizontal: bool | None = None) -> None:
    """One bar per row (grouped when there are several value columns), its value on it."""
    if horizontal is None:
        horizontal = _wants_horizontal(plot)
    ax = figure.add_subplot()
    count, width = len(plot.series), 0.8 / len(plot.series)
    positions = list(range(len(plot.labels)))
    for number_, series in enumerate(plot.series):
        offsets = [p - 0.4 + width * (number_ + 0.5) for p in positions]
        heights = [0.0 if math.isnan(v) else v for v in series.values]
        color = COLORS[number_ % len(COLORS)]
        if horizontal:
            bars = ax.barh(offsets, heights, height=width, color=color, label=series.label)
        else:
            bars = ax.bar(offsets, heights, width=width, color=color, label=series.label)
        _mark(bars, plot.rows, series.key)
        ax.bar_label(bars, labels=[series.text(v) for v in series.values], padding=3, fontsize=8)
    if horizontal:
        ax.set_yticks(positions, plot.labels)
        ax.invert_yaxis()  # the first row (the top of a ranking) on top
        _value_axis(ax.xaxis, plot.series)
        ax.margins(x=0.15)
        ax.grid(axis="x", alpha=0.3)
    else:
        _category_ticks(ax.set_xticks, plot.labels)
        _value_axis(ax.yaxis, plot.series)
        ax.margins(y=0.12)
        ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    if count > 1:
        ax.legend(fontsize=8)


def _barh(figure: Figure, plot: Plot) -> None:
    _bars(figure, plot, horizontal=True)


def _line(figure: Figure, plot: Plot) -> None:
    """A time series: one line per value column (this year solid, last year dashed)."""
    ax = figure.add_subplot()
    points = list(range(len(plot.labels)))
    label_points = len(points) <= MAX_POINT_LABELS
    for number_, series in enumerate(plot.series):
        # Only the first line's points are labelled (this year; the table has the rest):
        # labels of two crossing lines cover each other.
        (line,) = ax.plot(
            points,
            series.values,
            marker="o",
            markersize=4,
            linewidth=2 if number_ == 0 else 1.5,
            linestyle="-" if number_ == 0 else "--",
            color=COLORS[number_ % len(COLORS)],
            label=series.label,
            picker=True,
            pickradius=6,
        )
        setattr(line, ROWS, list(plot.rows))
        setattr(line, COLUMN, series.key)
        if label_points and number_ == 0:
            _label_points(ax, series)
    _category_ticks(ax.set_xticks, plot.labels, rotate=len(points) > 8)
    _value_axis(ax.yaxis, plot.series)
    finite = [v for s in plot.series for v in s.values if not math.isnan(v)]
    if finite and min(finite) >= 0:
        ax.set_ylim(bottom=0)
    ax.margins(x=0.06, y=0.15)  # room for the first and last points' labels
    ax.grid(axis="y", alpha=0.3)
    if len(plot.series) > 1:
        ax.legend(fontsize=8)


def _label_points(ax: Axes, series: Series) -> None:
    """Each point's value above it, or below it where the line comes down to it and goes up
    again (a label above a dip would sit on the line)."""
    largest, values = series.largest(), series.values
    for x, y in enumerate(values):
        if math.isnan(y):
            continue
        before = values[x - 1] if x > 0 else math.nan
        after = values[x + 1] if x + 1 < len(values) else math.nan
        dip = not (before < y or after < y) and not (math.isnan(before) and math.isnan(after))
        ax.annotate(
            compact_text(y, series.kind, largest),
            (x, y),
            textcoords="offset points",
            xytext=(0, -14 if dip else 7),
            ha="center",
            fontsize=8,
            color=COLORS[0],
        )


def _stacked(figure: Figure, plot: Plot) -> None:
    """A cross table as stacked bars: one bar per row, a segment per column, the total at the
    end of each bar."""
    horizontal = _wants_horizontal(plot)
    ax = figure.add_subplot()
    positions = list(range(len(plot.labels)))
    base = [0.0] * len(positions)
    bars = None
    for number_, series in enumerate(plot.series):
        sizes = [0.0 if math.isnan(v) else v for v in series.values]
        color = COLORS[number_ % len(COLORS)]
        if horizontal:
            bars = ax.barh(positions, sizes, left=base, color=color, label=series.label)
        else:
            bars = ax.bar(positions, sizes, bottom=base, color=color, label=series.label)
        _mark(bars, plot.rows, series.key)
        base = [b + s for b, s in zip(base, sizes, strict=True)]
    totals = Series("", _("Total"), plot.series[0].kind, base)
    if bars is not None:
        ax.bar_label(bars, labels=[totals.text(v) for v in base], padding=3, fontsize=8)
    if horizontal:
        ax.set_yticks(positions, plot.labels)
        ax.invert_yaxis()
        _value_axis(ax.xaxis, [totals])
        ax.margins(x=0.12)
    else:
        _category_ticks(ax.set_xticks, plot.labels)
        _value_axis(ax.yaxis, [totals])
        ax.margins(y=0.12)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def _heat(figure: Figure, plot: Plot) -> None:
    """A cross table as coloured cells with the value written in each (blank for nothing)."""
    ax = figure.add_subplot()
    matrix = [
        [0.0 if math.isnan(s.values[row]) else s.values[row] for s in plot.series]
        for row in range(len(plot.labels))
    ]
    image = ax.imshow(matrix, cmap="Blues", aspect="auto", interpolation="nearest")
    image.set_picker(True)
    setattr(image, ROWS, list(plot.rows))
    setattr(image, COLUMNS, [s.key for s in plot.series])
    columns = [s.label for s in plot.series]
    rotate = max((len(c) for c in columns), default=0) * len(columns) > 60
    _category_ticks(ax.set_xticks, columns, rotate=rotate)
    ax.set_yticks(range(len(plot.labels)), plot.labels)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    cells = len(matrix) * len(columns)
    if cells <= MAX_HEAT_TEXTS:
        largest = max((abs(v) for row in matrix for v in row), default=0.0)
        size = 8 if cells <= 80 else 7 if cells <= 200 else 6
        kind = plot.series[0].kind
        for y, row in enumerate(matrix):
            for x, value in enumerate(row):
                if value:
                    dark = largest and abs(value) > 0.55 * largest
                    ax.text(
                        x,
                        y,
                        value_text(value, kind, largest),
                        ha="center",
                        va="center",
                        fontsize=size,
                        color="white" if dark else "#1a1a1a",
                    )


def _funnel(figure: Figure, plot: Plot) -> None:
    """Stages as centred bars narrowing downwards, each with its count (and amount)."""
    ax = figure.add_subplot()
    series = plot.series[0]
    values = [0.0 if math.isnan(v) else v for v in series.values]
    widest = max(values, default=0.0) or 1.0
    positions = list(range(len(values)))
    closed = {"won": WON, "lost": LOST}
    shades = [closed.get(status, COLORS[0]) for status in plot.statuses]
    bars = ax.barh(positions, values, left=[-v / 2 for v in values], color=shades, height=0.75)
    _mark(bars, plot.rows, series.key)
    for position, value in enumerate(values):
        text = series.text(value)
        if plot.extra:
            text = f"{text}  ·  {plot.extra[position]}"
        inside = value > widest * 0.35
        ax.text(
            0 if inside else value / 2 + widest * 0.02,
            position,
            text,
            ha="center" if inside else "left",
            va="center",
            fontsize=9,
            color="white" if inside else "#1a1a1a",
        )
    ax.set_yticks(positions, plot.labels)
    ax.invert_yaxis()
    ax.set_xlim(-widest * 0.55, widest * 0.95)
    ax.set_xticks([])
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    caption = series.label + (f"  ·  {plot.extra_label}" if plot.extra_label else "")
    ax.set_xlabel(caption, fontsize=8, color="#555555")


def _pie(figure: Figure, plot: Plot) -> None:
    """Parts of a whole, only when they are few (else bars read better)."""
    series = plot.series[0]
    values = [0.0 if math.isnan(v) else v for v in series.values]
    if len(values) > PIE_MAX_PARTS or any(v < 0 for v in values) or not sum(values):
        _bars(figure, plot, horizontal=True)
        return
    ax = figure.add_subplot()
    wedges, _texts, _percents = ax.pie(
        values,
        labels=[f"{label}\n{series.text(v)}" for label, v in zip(plot.labels, values, strict=True)],
        autopct=lambda share: f"{share:.1f}%" if share >= 3 else "",
        startangle=90,
        counterclock=False,
        colors=[COLORS[i % len(COLORS)] for i in range(len(values))],
        wedgeprops={"linewidth": 1, "edgecolor": "white"},
        textprops={"fontsize": 9},
    )
    for text in _percents:
        text.set_color("white")
    _mark(wedges, plot.rows, series.key)
    ax.axis("equal")


DRAWERS: dict[str, Callable[[Figure, Plot], None]] = {
    "bar": _bars,
    "barh": _barh,
    "line": _line,
    "stacked": _stacked,
    "heat": _heat,
    "funnel": _funnel,
    "pie": _pie,
}


def target_at(event: PickEvent) -> tuple[int, str] | None:
    """The table row (and value column key) behind a picked bar, wedge, line point or heat
    cell."""
    artist = event.artist
    row = getattr(artist, ROW, None)
    if row is not None:
        return int(row), str(getattr(artist, COLUMN, ""))
    rows = getattr(artist, ROWS, None)
    if not rows:
        return None
    picked = getattr(event, "ind", None)
    if picked is not None and len(picked):
        return int(rows[int(picked[0])]), str(getattr(artist, COLUMN, ""))
    mouse = event.mouseevent
    if mouse.xdata is None or mouse.ydata is None:
        return None
    y, x = round(mouse.ydata), round(mouse.xdata)
    columns = getattr(artist, COLUMNS, [])
    if not 0 <= y < len(rows):
        return None
    return int(rows[y]), str(columns[x]) if 0 <= x < len(columns) else ""


def bars_of(ax: Axes) -> list[Any]:
    """The bars (or wedges) of an axes that stand for table rows (tests count them)."""
    return [patch for patch in ax.patches if getattr(patch, ROW, None) is not None]


# --- the widget ----------------------------------------------------------------------------------


class ChartView(QWidget):
    """A matplotlib canvas made on the first draw; clicking a bar emits its table row and
    value column."""

    clicked = Signal(int, str)  # table row, value column key ("" when not known)
    painted = Signal()  # the latest table is drawn (or could not be: the error was shown)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statisticsChart")
        self.setMinimumSize(320, 240)  # smaller, labels and bars no longer fit
        self.figure: Figure | None = None
        self.canvas: FigureCanvasQTAgg | None = None
        self.table: ReportTable | None = None  # the table drawn
        self.pending: tuple[ReportTable, str] | None = None  # to draw once matplotlib is in
        self._last_press: Any = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def drawn(self) -> bool:
        return self.table is not None

    def show_table(self, table: ReportTable, subtitle: str = "") -> None:
        """Draw the table now, or as soon as matplotlib is loaded (the first time, it loads on a
        worker thread while the table is already shown); `painted` says when."""
        self.pending = (table, subtitle)
        when_ready(self._draw_pending)

    def _draw_pending(self) -> None:
        if not isValid(self) or self.pending is None:
            return  # closed meanwhile, or a later request already drew
        table, subtitle = self.pending
        self.pending = None
        try:
            figure, canvas = self._ensure_canvas()
            draw(figure, table, subtitle)
            canvas.draw_idle()
            self.table = table
        except Exception as exc:  # a chart that cannot be drawn must not take the tab down
            self.clear()
            show_error(self, exc)
        finally:
            self.painted.emit()

    def clear(self) -> None:
        self.table = None
        if self.figure is not None and self.canvas is not None:
            self.figure.clear()
            self.canvas.draw_idle()

    def save_png(self, path: Path) -> None:
        if self.figure is None:
            raise RuntimeError("nothing drawn yet")
        self.figure.savefig(str(path), dpi=PNG_DPI, facecolor="white")

    def _ensure_canvas(self) -> tuple[Figure, FigureCanvasQTAgg]:
        if self.figure is None or self.canvas is None:
            setup_matplotlib()
            from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
            from matplotlib.figure import Figure

            self.figure = Figure(layout="constrained")
            self.canvas = FigureCanvasQTAgg(self.figure)
            self.canvas.setParent(self)
            self.canvas.mpl_connect("pick_event", self._picked)
            self._layout.addWidget(self.canvas)
        return self.figure, self.canvas

    def _picked(self, event: PickEvent) -> None:
        press = event.mouseevent
        if getattr(press, "button", None) != 1 or press is self._last_press:
            return  # one drill per click, even where artists overlap
        target = target_at(event)
        if target is None:
            return
        self._last_press = press
        # After the press is handled: a dialog opened inside matplotlib's callback would leave
        # the canvas believing the button is still down.
        QTimer.singleShot(0, lambda: self.clicked.emit(*target))
