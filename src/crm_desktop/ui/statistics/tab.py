"""The Statistics tab: pick an analysis, set its filters, see the table and the chart.

Left, the analyses of `core.reports.tables` grouped by their group; top right, a filter bar
showing only the filters the chosen analysis declares; below, the table and the chart side by
side. Computing runs on a worker thread (`ops.run`): the tab stays usable and a Cancel button
drops a slow result. Results are cached per (analysis, parameters) until a change to the records
they count arrives (`refresh`). Double-clicking a row or clicking a bar lists the records behind
the figure (`drill_dialog`). "Export to Excel…" (Ctrl+E) writes the same table with
`core.exporting.reports.export_report`; "Save chart as PNG…" saves the figure. matplotlib is only
imported when the first chart is drawn (loaded early on a worker thread, see `chart.warm_up`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.core.changes import Changes
from crm_desktop.core.clock import local_today
from crm_desktop.core.errors import CrmError
from crm_desktop.core.i18n import _, ngettext
from crm_desktop.core.reports import tables
from crm_desktop.core.reports.tables import Analysis, ReportParams, ReportTable
from crm_desktop.ui import ops
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.messages import show_error, show_info
from crm_desktop.ui.statistics.chart import ChartView, warm_up
from crm_desktop.ui.statistics.filters import ReportFilterBar
from crm_desktop.ui.statistics.table_view import ReportTableView
from crm_desktop.ui.widgets.save_path import ask_save_path, file_name

# Records whose changes alter some analysis: the cache is dropped when any of them changes.
KINDS = ("orders", "receipts", "customers", "followups", "service", "opportunities")
CHOICE_KINDS = ("base_data", "operators", "products")
RUN_DELAY_MS = 400  # after a filter changes: one run when the person stops adjusting
ANALYSIS_KEY = "statistics/analysis"
SPLITTER_KEY = "statistics/splitter"
RESULT_SPLITTER_KEY = "statistics/result_splitter"
FOLDER_KEY = "statistics/folder"
TABLE_SHARE = 0.55  # of the results' width, at most, for the table
ANALYSIS_ROLE = Qt.ItemDataRole.UserRole
CacheKey = tuple[str, ReportParams]


class StatisticsTab(QWidget):
    computed = Signal()  # a result or an error is shown (tests wait for it)
    drill_opened = Signal(object)  # the DrillDialog that a drill-down opened

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.analysis: Analysis | None = None
        self.table: ReportTable | None = None  # what is shown
        self.shown_key: CacheKey | None = None
        self.cache: dict[CacheKey, ReportTable] = {}
        self.epoch = 0  # bumped when records change: results of older runs are not cached
        self.generation = 0  # bumped per request: only the newest result is shown
        self.operation: ops.Operation | None = None
        self.stale = False  # records changed while hidden: run again when shown
        self.drill_dialog: Any = None

        self.tree = QTreeWidget()
        self.tree.setObjectName("analysisTree")
        self.tree.setHeaderHidden(True)
        self.tree.currentItemChanged.connect(lambda item, _old: self._chosen(item))
        self.filters = ReportFilterBar(ctx)
        self.filters.changed.connect(self._filters_changed)
        self.run_timer = QTimer(self)
        self.run_timer.setSingleShot(True)
        self.run_timer.setInterval(RUN_DELAY_MS)
        self.run_timer.timeout.connect(self.run)
        self.view = ReportTableView("statisticsTable")
        self.view.doubleClicked.connect(self._row_double_clicked)
        self.chart = ChartView()
        self.chart.clicked.connect(self.drill)
        self.chart.painted.connect(self._painted)
        self.results = QSplitter(Qt.Orientation.Horizontal)
        self.results.setObjectName("resultSplitter")
        self.results.addWidget(self.view)
        self.results.addWidget(self.chart)
        self.results.setStretchFactor(0, 2)
        self.results.setStretchFactor(1, 3)
        self.results.setSizes([400, 600])  # the chart has no size hint until it is drawn
        self.sized_by_hand = False  # once the person drags the divider, it stays where they put it
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("statisticsSplitter")
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self._right_side())
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([220, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)
        self._shortcuts()
        self._restore_layout()
        self._fill_tree()
        warm_up()  # matplotlib loads on a worker thread while the first query runs
        self.choose(str(QSettings().value(ANALYSIS_KEY, "") or ""))

    # --- building -------------------------------------------------------------------------------
    def _right_side(self) -> QWidget:
        self.title = QLabel()
        self.title.setObjectName("analysisTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.description = QLabel()
        self.description.setObjectName("analysisDescription")
        self.description.setWordWrap(True)
        self.note = QLabel()
        self.note.setObjectName("analysisNote")
        self.note.setWordWrap(True)
        self.note.setEnabled(False)  # greyed: secondary information
        side = QWidget()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.description)
        layout.addWidget(self.filters)
        layout.addLayout(self._button_row())
        layout.addWidget(self.results, 1)
        layout.addWidget(self.note)
        return side

    def _button_row(self) -> QHBoxLayout:
        self.run_button = self._button("runButton", _("Run"), _("Compute again (F5)"), self.rerun)
        self.cancel_button = self._button("cancelButton", _("Cancel"), "", self.cancel)
        self.cancel_button.hide()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # "working", no percentage: one query
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        self.status = QLabel()
        self.status.setObjectName("statisticsStatus")
        self.export_button = self._button(
            "exportButton",
            _("Export to Excel…"),
            _("Save this table as an xlsx file (Ctrl+E)"),
            self.export_excel,
        )
        self.export_button.setVisible(self.ctx.actor.can("statistics.export"))
        self.png_button = self._button(
            "pngButton", _("Save chart as PNG…"), _("Save the chart as a picture"), self.save_png
        )
        row = QHBoxLayout()
        for widget in (self.run_button, self.cancel_button, self.busy, self.status):
            row.addWidget(widget)
        row.addStretch()
        row.addWidget(self.export_button)
        row.addWidget(self.png_button)
        self._enable_outputs()
        return row

    def _button(self, name: str, text: str, tip: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+E"), self, self.export_excel, context=context)
        # F5 is the window's Refresh: it announces Changes.everything(), which makes this tab
        # compute again (refresh below); a second F5 here would make the key ambiguous.

    def _fill_tree(self) -> None:
        """The analyses under their groups, in registration order."""
        groups: dict[str, QTreeWidgetItem] = {}
        for analysis in tables.analyses():
            group = groups.get(analysis.group)
            if group is None:
                group = QTreeWidgetItem(self.tree, [_(analysis.group)])
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                groups[analysis.group] = group
            item = QTreeWidgetItem(group, [_(analysis.title)])
            item.setData(0, ANALYSIS_ROLE, analysis.name)
            if analysis.description:
                item.setToolTip(0, _(analysis.description))
        self.tree.expandAll()

    def _items(self) -> list[QTreeWidgetItem]:
        items = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            items += [group.child(i) for i in range(group.childCount())]
        return items

    def analysis_names(self) -> list[str]:
        return [str(item.data(0, ANALYSIS_ROLE)) for item in self._items()]

    def _restore_layout(self) -> None:
        settings = QSettings()
        for key, splitter in ((SPLITTER_KEY, self.splitter), (RESULT_SPLITTER_KEY, self.results)):
            state = settings.value(key)
            if state is not None:
                splitter.restoreState(state)
                self.sized_by_hand = self.sized_by_hand or splitter is self.results
            splitter.splitterMoved.connect(
                lambda _pos, _index, k=key, s=splitter: self._sized(k, s)
            )

    def _sized(self, key: str, splitter: QSplitter) -> None:
        """The person dragged a divider: remember where (per PC)."""
        QSettings().setValue(key, splitter.saveState())
        if splitter is self.results:
            self.sized_by_hand = True

    def _fit_table(self) -> None:
        """Give the table the width its columns need (at most a little over half), the chart
        the rest, unless the person has placed the divider themselves."""
        total = sum(self.results.sizes())
        if self.sized_by_hand or total <= 0:
            return
        width = max(min(self.view.needed_width(), int(total * TABLE_SHARE)), int(total * 0.3))
        self.results.setSizes([width, total - width])

    # --- choosing ------------------------------------------------------------------------------
    def choose(self, name: str) -> bool:
        """Select an analysis by name (the first one when unknown); it runs at once."""
        items = self._items()
        found = next((i for i in items if i.data(0, ANALYSIS_ROLE) == name), None)
        found = found or (items[0] if items else None)
        if found is None:
            self.title.setText(_("No analyses are available."))
            return False
        if self.tree.currentItem() is found:
            self._chosen(found)
        else:
            self.tree.setCurrentItem(found)
        return found.data(0, ANALYSIS_ROLE) == name

    def _chosen(self, item: QTreeWidgetItem | None) -> None:
        name = item.data(0, ANALYSIS_ROLE) if item is not None else None
        if not name:
            return
        self.analysis = tables.analysis(str(name))
        QSettings().setValue(ANALYSIS_KEY, self.analysis.name)
        self.title.setText(_(self.analysis.title))
        self.description.setText(_(self.analysis.description) if self.analysis.description else "")
        self.description.setVisible(bool(self.analysis.description))
        self.filters.show_filters(self.analysis.filters)
        self.run_timer.stop()
        self.run()

    def _filters_changed(self) -> None:
        if self.analysis is not None:
            self.run_timer.start()

    # --- computing -----------------------------------------------------------------------------
    def rerun(self) -> None:
        """Compute the shown analysis again, whatever is cached (Run, F5)."""
        self.run(force=True)

    def run(self, *, force: bool = False) -> None:
        """Show the chosen analysis with the current filters: from the cache, else computed on
        a worker thread (a newer request replaces an older one)."""
        self.run_timer.stop()
        analysis = self.analysis
        if analysis is None:
            return
        self.generation += 1
        try:
            params = self.filters.params(analysis.filters)
        except CrmError as exc:
            self._idle()
            self.status.setText(str(exc))
            return
        key: CacheKey = (analysis.name, params)
        cached = None if force else self.cache.get(key)
        if cached is not None:
            self._idle()
            self._show(key, cached)
            return
        if self.operation is not None and not self.operation.done:
            self.operation.cancel()  # its result is still cached, just not shown
        generation, epoch = self.generation, self.epoch
        db, actor = self.ctx.db, self.ctx.actor
        self._busy()
        self.operation = ops.run(
            lambda _progress: tables.run(db, actor, analysis.name, params),
            parent=self,
            show_progress=False,
            on_success=lambda table: self._computed(generation, epoch, key, table),
            on_error=lambda exc: self._failed(generation, exc),
        )

    def cancel(self) -> None:
        """Stop waiting for the running computation (its result is dropped when it comes)."""
        if self.operation is not None and not self.operation.done:
            self.operation.cancel()
        self.generation += 1
        self._idle()
        self.status.setText(_("Cancelled."))
        self.computed.emit()

    def is_busy(self) -> bool:
        return self.operation is not None and not self.operation.done

    def _busy(self) -> None:
        self.status.setText(_("Computing…"))
        self.busy.show()
        self.cancel_button.show()

    def _idle(self) -> None:
        self.busy.hide()
        self.cancel_button.hide()

    def _computed(self, generation: int, epoch: int, key: CacheKey, table: ReportTable) -> None:
        if epoch == self.epoch:
            self.cache[key] = table
        if generation == self.generation:
            self._idle()
            self._show(key, table)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self.generation:
            return
        self._idle()
        self.status.setText(_("Not computed."))
        show_error(self, exc)
        self.computed.emit()

    def _show(self, key: CacheKey, table: ReportTable) -> None:
        self.table, self.shown_key = table, key
        self.view.show_table(table)
        self._fit_table()
        self.note.setText(table.note)
        self.note.setVisible(bool(table.note))
        if table.is_empty:
            self.status.setText(_("No data for these filters"))
        else:
            count = len(table.rows)
            self.status.setText(ngettext("{n} row", "{n} rows", count).format(n=f"{count:,}"))
        self._enable_outputs()
        self.chart.show_table(table, self.filters.summary(key[1]))  # then _painted

    def _painted(self) -> None:
        """The chart of the shown table is drawn: the result is complete."""
        self._enable_outputs()
        self.computed.emit()

    def _enable_outputs(self) -> None:
        shown = self.table is not None
        self.export_button.setEnabled(shown)
        self.png_button.setEnabled(shown and self.chart.drawn and self.chart.pending is None)

    # --- changes -------------------------------------------------------------------------------
    def refresh(self, changes: Changes) -> None:
        """Drop cached results when records they count changed; compute the shown one again now
        (or when the tab is next shown)."""
        if changes.touches(*CHOICE_KINDS):
            self.filters.reload_choices()
        if not changes.touches(*KINDS):
            return
        self.cache.clear()
        self.epoch += 1
        if self.analysis is None:
            return
        if self.isVisible():
            self.run(force=True)
        else:
            self.stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.stale:
            self.stale = False
            self.run(force=True)

    # --- drill-down ----------------------------------------------------------------------------
    def _row_double_clicked(self, index: QModelIndex) -> None:
        row = self.view.source_row(index)
        if row is not None and self.table is not None:
            self.drill(row, self.table.columns[index.column()].key)

    def drill(self, row: int, column_key: str = "") -> None:
        """List the records behind a row of the shown table, or behind one cell of a cross
        table (a region's sales of one product); nothing for rows without a drill."""
        from crm_desktop.ui.statistics.drill_dialog import cell_target, open_drill

        table = self.table
        if table is None or not 0 <= row < len(table.rows):
            return
        target = cell_target(table, row, column_key)
        if target is None:
            return
        drill, heading = target
        open_drill(self.ctx, self, drill, heading, on_opened=self._drill_shown)

    def _drill_shown(self, dialog: Any) -> None:
        self.drill_dialog = dialog
        self.drill_opened.emit(dialog)

    # --- output --------------------------------------------------------------------------------
    def export_excel(self) -> ops.Operation | None:
        """Write the shown table to an xlsx file, off the GUI thread (audited by core)."""
        analysis, key = self.analysis, self.shown_key
        if not self.ctx.actor.can("statistics.export") or analysis is None or key is None:
            return None
        table = self.table
        try:
            from crm_desktop.core.exporting.reports import export_tables
        except ModuleNotFoundError as exc:
            if exc.name != "crm_desktop.core.exporting.reports":
                raise
            show_info(self, _("Export to Excel"), _("Exporting statistics is not available yet."))
            return None
        title = f"{_(analysis.title)} {local_today(self.ctx.db.clock).isoformat()}"
        path = ask_save_path(
            self,
            _("Export to Excel"),
            file_name(title, ".xlsx"),
            _("Excel workbooks (*.xlsx)"),
            ".xlsx",
            FOLDER_KEY,
        )
        if path is None:
            return None
        db, actor, (name, params) = self.ctx.db, self.ctx.actor, key
        return ops.run(  # the table as shown: no second computation, same figures
            lambda _progress: export_tables(db, actor, name, params, [table], path),
            parent=self,
            label=_("Exporting to Excel…"),
            cancellable=False,
            on_success=lambda _result: self.status.setText(_("Saved to {path}").format(path=path)),
        )

    def save_png(self) -> Path | None:
        """Save the chart as it is drawn (at print resolution)."""
        if self.table is None or not self.chart.drawn or self.chart.pending is not None:
            return None
        path = ask_save_path(
            self,
            _("Save chart as PNG"),
            file_name(self.table.title, ".png"),
            _("PNG pictures (*.png)"),
            ".png",
            FOLDER_KEY,
        )
        if path is None:
            return None
        try:
            self.chart.save_png(path)
        except OSError as exc:
            show_error(
                self,
                CrmError(
                    _("The chart could not be saved as {path}: {reason}").format(
                        path=path, reason=exc.strerror or exc
                    )
                ),
            )
            return None
        self.status.setText(_("Saved to {path}").format(path=path))
        return path
